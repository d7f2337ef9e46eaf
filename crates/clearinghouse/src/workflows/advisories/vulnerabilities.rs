//! Reading vulnerabilities: one by id or alias with its KEV entries and
//! affected packages, and the index (search by id, alias or package, KEV
//! and SSVC exploitation filters, pages of 50 counting only what the reader
//! may read). Embargoed ones are seen only by coordinators, the exposed
//! operators and the parties to the findings behind them.

use clearinghouse_domain::identity::Scope;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::exposure::{ExposureStat, Vulnerability, VulnerabilityDetail};
use crate::store;
use crate::store::advisories::vuln_list::VulnQuery;
use crate::workflows::exposure::assets::READ_ANY;
use crate::workflows::read_policy::PolicyReader;

/// Rows per page of the index.
pub const PAGE: i64 = 50;

/// What the index is asked for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VulnListQuery {
    /// An id or alias (or part of one), or part of a package identity.
    pub q: Option<String>,
    /// `true`: only those in CISA's KEV catalog; `false`: only those not.
    pub kev: Option<bool>,
    /// CISA SSVC exploitation: `none`, `poc` or `active`.
    pub exploitation: Option<String>,
    /// 1-based page of 50.
    pub page: Option<i64>,
}

/// One page of the index.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VulnList {
    pub items: Vec<Vulnerability>,
    /// How many the query selects that the caller may read.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The index: a page of vulnerabilities the caller may read.
pub async fn list_vulnerabilities(
    app: &AppState,
    who: &Principal,
    query: &VulnListQuery,
) -> AppResult<VulnList> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let exploitation = match query.exploitation.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e @ ("none" | "poc" | "active")) => Some(e),
        Some(_) => {
            return Err(AppError::invalid(
                "exploitation",
                "expected none, poc or active",
            ));
        }
    };
    let page = query.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::invalid("page", "pages count from 1"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(AppError::invalid("q", "at most 200 characters"));
    }
    let reader = PolicyReader::of(app, who).await?;
    let (items, total) = store::advisories::vuln_list::list(
        &app.store.pool,
        &VulnQuery {
            q,
            kev: query.kev,
            exploitation,
            all_embargoed: who.has_any_role(READ_ANY),
            offset: (page - 1).saturating_mul(PAGE),
            limit: PAGE,
        },
        &reader.filter(),
    )
    .await?;
    Ok(VulnList {
        items,
        total,
        page,
        per_page: PAGE,
    })
}

/// Whether `who` may see an embargoed vulnerability: coordinators,
/// operators with an exposure to it, and the reporters and validators of
/// the findings it was validated from.
pub(super) async fn may_see_embargoed(
    app: &AppState,
    who: &Principal,
    vuln_id: &str,
) -> AppResult<bool> {
    if who.has_any_role(READ_ANY) {
        return Ok(true);
    }
    if store::findings::review::is_party_to(&app.store.pool, vuln_id, who.user_id(), who.org_id())
        .await?
    {
        return Ok(true);
    }
    let filter = store::exposure::exposures::Filter {
        org_id: Some(who.org_id()),
        vuln_id: Some(vuln_id),
        state: Some("all"),
        ..Default::default()
    };
    let rows =
        store::exposure::exposures::list::page(&app.store, &filter, None, 1, &clock::now_text())
            .await?;
    Ok(!rows.is_empty())
}

/// A vulnerability (group id) with its KEV entries and affected packages,
/// read without a label check: the caller has decided the reader may.
pub async fn with_detail(
    app: &AppState,
    vuln_id: &str,
) -> AppResult<(Vulnerability, VulnerabilityDetail)> {
    let mut conn = app.store.pool.acquire().await?;
    let v = store::advisories::vulnerabilities(&mut conn, &[vuln_id.to_owned()])
        .await?
        .remove(vuln_id)
        .ok_or(AppError::NotFound)?;
    let cves: Vec<String> = v
        .aliases
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    let kev = store::advisories::feeds::kev_entries(&mut conn, &cves).await?;
    let affected = store::advisories::affected_of_vuln(&mut conn, vuln_id)
        .await?
        .iter()
        .map(store::advisories::affected_package)
        .collect::<Result<Vec<_>, _>>()?;
    let machine_readable_products =
        !affected.is_empty() || v.advisory_refs.iter().any(|a| !a.cpes.is_empty());
    let detail = VulnerabilityDetail {
        kev,
        affected,
        machine_readable_products,
    };
    Ok((v, detail))
}

/// A vulnerability by its id or any alias, with (for coordinators) the
/// exposed organisations: only when every advisory of it is readable under
/// the one read policy (a `CHX-` advisory carries its finding's labels), and
/// an embargoed one only to those who may see it; else 404.
pub async fn vulnerability(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(
    Vulnerability,
    Option<Vec<ExposureStat>>,
    VulnerabilityDetail,
)> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let vuln_id = store::advisories::vuln_id_for(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reader = PolicyReader::of(app, who).await?;
    if !store::advisories::vuln_readable(&app.store.pool, &vuln_id, &reader.filter()).await? {
        return Err(AppError::NotFound);
    }
    let (v, detail) = with_detail(app, &vuln_id).await?;
    if v.embargoed && !may_see_embargoed(app, who, &vuln_id).await? {
        return Err(AppError::NotFound);
    }
    let exposed = if who.has_any_role(READ_ANY) {
        Some(
            store::exposure::exposures::stats(
                &app.store.pool,
                "org",
                Some(&vuln_id),
                &clock::now_text(),
                Some(&reader.filter()),
            )
            .await?,
        )
    } else {
        None
    };
    Ok((v, exposed, detail))
}
