//! The vulnerability pages: the index at `/vulnerabilities` (search by id,
//! alias or package, KEV and SSVC exploitation filters kept in the URL,
//! server-side pages of 50 with "1–50 of N" counting only what the reader
//! may read) and each vulnerability's page (summary or details, every
//! advisory with its publisher, affected and fixed versions per package,
//! CVSS scores with their vectors, CWE names, EPSS, KEV facts, references
//! as links, and for each exposure the version to upgrade to).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use clearinghouse_domain::advisory::cwe_name;
use clearinghouse_domain::versions::{Ecosystem, upgrade_to};
use serde::Deserialize;

use super::{Nav, UiCaller, UiResult};
use crate::app::AppState;
use crate::model::exposure::{
    AffectedPackage, Exposure, ExposureStat, KevEntry, Vulnerability, VulnerabilityDetail,
};
use crate::workflows::advisories::{self, VulnListQuery};
use crate::workflows::exposure::assets::READ_ANY;
use crate::workflows::exposure::exposures::{self, ExposureQuery, STATES};

/// The index's query as a form sends it: every field text, empty for "any".
#[derive(Debug, Default, Deserialize)]
pub struct IndexForm {
    #[serde(default)]
    q: String,
    /// `yes`, `no` or empty.
    #[serde(default)]
    kev: String,
    /// `none`, `poc`, `active` or empty.
    #[serde(default)]
    exploitation: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "vulnerabilities.html")]
pub struct IndexPage {
    nav: Nav,
    q: String,
    kev: String,
    exploitation: String,
    items: Vec<Vulnerability>,
    /// "1–50 of 567", or empty when nothing matches.
    range: String,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// The link to another page of the same query.
fn page_link(form: &IndexForm, page: i64) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/vulnerabilities?q={}&kev={}&exploitation={}&page={page}",
        enc(&form.q),
        enc(&form.kev),
        enc(&form.exploitation)
    )
}

pub async fn index(
    UiCaller { app, who }: UiCaller,
    Query(form): Query<IndexForm>,
) -> UiResult<IndexPage> {
    let query = VulnListQuery {
        q: Some(form.q.clone()),
        kev: match form.kev.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        exploitation: Some(form.exploitation.clone()),
        page: Some(form.page.unwrap_or(1).max(1)),
    };
    let list = advisories::list_vulnerabilities(&app, &who, &query).await?;
    let first = (list.page - 1) * list.per_page + 1;
    let last = first + list.items.len() as i64 - 1;
    let range = if list.items.is_empty() {
        String::new()
    } else {
        format!("{first}–{last} of {}", list.total)
    };
    Ok(IndexPage {
        nav: Nav::new(&who, "vulnerabilities"),
        prev: (list.page > 1).then(|| page_link(&form, list.page - 1)),
        next: (last < list.total).then(|| page_link(&form, list.page + 1)),
        q: form.q,
        kev: form.kev,
        exploitation: form.exploitation,
        items: list.items,
        range,
        total: list.total,
    })
}

/// A CVSS vector with its score and the label of that score.
pub struct Scored {
    pub vector: String,
    pub score: String,
    /// Where the vector came from.
    pub source: String,
}

/// A CWE id with its catalogue name.
pub struct NamedCwe {
    pub id: String,
    pub name: &'static str,
}

/// An exposure with the version that fixes it, if known.
pub struct Upgrade {
    pub exposure_id: String,
    pub asset_name: String,
    pub component: String,
    pub version: String,
    pub upgrade_to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "vulnerability.html")]
pub struct VulnerabilityPage {
    nav: Nav,
    vuln: Vulnerability,
    /// The summary, else the details.
    text: String,
    scored: Vec<Scored>,
    cwes: Vec<NamedCwe>,
    kev: Vec<KevEntry>,
    affected: Vec<AffectedPackage>,
    machine_readable: bool,
    references: Vec<String>,
    exposed: Option<Vec<ExposureStat>>,
    exposures: Vec<Exposure>,
    upgrades: Vec<Upgrade>,
    states: &'static [&'static str],
    back: String,
    /// Validated findings behind it the reader may read.
    supporting: Vec<crate::model::review::SupportingFinding>,
    /// Coordinators: the embargo-lifting form, and its refusal or outcome.
    embargo: super::embargo::LiftForm,
}

/// The fixing version of each exposure from the vulnerability's affected
/// packages (the lowest fix above the exposed version).
fn upgrades(exposures: &[Exposure], affected: &[AffectedPackage]) -> Vec<Upgrade> {
    exposures
        .iter()
        .map(|e| {
            let version = e.component.version.clone().unwrap_or_default();
            let package = e
                .component
                .purl
                .as_deref()
                .map(|p| p.split('@').next().unwrap_or(p).to_owned())
                .unwrap_or_default();
            let fix = affected
                .iter()
                .filter(|a| !package.is_empty() && package.starts_with(&a.package))
                .filter_map(|a| {
                    upgrade_to(
                        Ecosystem::from_osv(&a.ecosystem),
                        &version,
                        &a.ranges,
                        &a.fixed,
                    )
                })
                .next();
            Upgrade {
                exposure_id: e.id.clone(),
                asset_name: e.asset_name.clone(),
                component: e.component.purl.clone().unwrap_or(e.component.name.clone()),
                version,
                upgrade_to: fix,
            }
        })
        .collect()
}

/// What `vuln_facts.html` shows: the text (summary, else details), the
/// scored CVSS vectors and the named CWEs.
pub(super) fn facts(vuln: &Vulnerability) -> (String, Vec<Scored>, Vec<NamedCwe>) {
    let text = if vuln.summary.trim().is_empty() {
        vuln.details.clone()
    } else {
        vuln.summary.clone()
    };
    let cwes = vuln
        .cwes
        .iter()
        .map(|c| NamedCwe {
            id: c.clone(),
            name: cwe_name(c).unwrap_or(""),
        })
        .collect();
    (text, scored(vuln), cwes)
}

fn scored(vuln: &Vulnerability) -> Vec<Scored> {
    let sources = vuln.fact_sources["cvss"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    vuln.cvss_vectors
        .iter()
        .map(|v| Scored {
            vector: v.clone(),
            score: clearinghouse_domain::cvss::score(v)
                .map(|s| format!("{:.1} ({:?})", s.base_score, s.severity))
                .unwrap_or_else(|e| e.to_string()),
            source: sources
                .iter()
                .find(|s| s["value"] == v.as_str())
                .and_then(|s| s["source"].as_str())
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(done): Query<super::embargo::Done>,
) -> UiResult<VulnerabilityPage> {
    let embargo = super::embargo::LiftForm::after(&who, &done);
    vulnerability_view(&app, &who, &id, embargo).await
}

/// The vulnerability page, with the embargo form's state.
pub(super) async fn vulnerability_view(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    embargo: super::embargo::LiftForm,
) -> UiResult<VulnerabilityPage> {
    let (app, who) = (app.clone(), who.clone());
    let (vuln, exposed, detail) = advisories::vulnerability(&app, &who, id).await?;
    let VulnerabilityDetail {
        kev,
        affected,
        machine_readable_products,
    } = detail;
    let query = ExposureQuery {
        vulnerability: Some(vuln.id.clone()),
        org: (!who.has_any_role(READ_ANY)).then(|| who.org_id().to_owned()),
        limit: Some(200),
        ..Default::default()
    };
    let list = exposures::list(&app, &who, &query).await?.items;
    let supporting =
        crate::workflows::findings::review::supporting_findings(&app, &who, &vuln.id).await?;
    let mut references = Vec::new();
    for r in &vuln.advisory_refs {
        if let Ok(a) = advisories::get(&app, &who, &r.key).await {
            for url in a.references {
                let web = url.starts_with("https://") || url.starts_with("http://");
                if web && !references.contains(&url) {
                    references.push(url);
                }
            }
        }
    }
    let (text, scored, cwes) = facts(&vuln);
    Ok(VulnerabilityPage {
        supporting,
        nav: Nav::new(&who, "vulnerabilities"),
        back: format!("/vulnerabilities/{}", vuln.id),
        text,
        scored,
        cwes,
        upgrades: upgrades(&list, &affected),
        kev,
        affected,
        machine_readable: machine_readable_products,
        references,
        vuln,
        exposed,
        exposures: list,
        states: STATES,
        embargo,
    })
}
