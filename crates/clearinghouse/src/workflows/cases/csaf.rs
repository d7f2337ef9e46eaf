//! The CSAF 2.0 advisory of a published case: at publication the first
//! revision is built (`domain::cases::csaf_out::document`) from the case's
//! vulnerabilities, the vendors' current statements and the reporters as
//! acknowledgments, and stored; every later change of a vendor's status is
//! a new revision (a new row, the revision history growing by one), never
//! an edit of a published one. Participants read every revision; once the
//! case is published, the advisory is read under its TLP: CLEAR by anyone
//! signed in, GREEN by any signed-in organisation, AMBER by the
//! participants and the operators exposed to its vulnerabilities (the
//! case itself stays participants only). Unpublished: participants only.

use std::collections::HashMap;

use clearinghouse_domain::cases::csaf_feed::FeedEntry;
use clearinghouse_domain::cases::csaf_out::{
    CsafInput, CsafStatement, CsafVulnerability, Revision, document,
};
use clearinghouse_domain::cases::vex::VexStatus;
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::Tlp;
use sha2::{Digest, Sha256};

use super::patch_fixes::{self, PatchFix};
use super::readable;
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::cases::CaseRow;
use crate::store::cases::advisories::AdvisoryRow;

fn status_of(s: &str) -> VexStatus {
    match s {
        "affected" => VexStatus::Affected,
        "not_affected" => VexStatus::NotAffected,
        "fixed" => VexStatus::Fixed,
        _ => VexStatus::UnderInvestigation,
    }
}

async fn org_name(tx: &mut store::AnyConnection, id: &str) -> AppResult<String> {
    Ok(store::accounts::orgs::get(&mut *tx, id)
        .await?
        .map_or_else(|| id.to_owned(), |o| o.name))
}

/// Builds and stores the next revision of a published case's advisory;
/// 0 (nothing stored) when no product is known for any vulnerability.
pub(crate) async fn revise(
    app: &AppState,
    tx: &mut store::Tx,
    c: &CaseRow,
    summary: &str,
) -> AppResult<i64> {
    let previous = store::cases::advisories::revisions(tx, &c.id).await?;
    let now = clock::now_text();
    let mut revisions: Vec<Revision> = Vec::new();
    for r in &previous {
        revisions.push(Revision {
            number: u32::try_from(r.version).unwrap_or(0),
            date: r.created_at.clone(),
            summary: r.summary.clone(),
        });
    }
    let version = previous.last().map_or(1, |r| r.version + 1);
    revisions.push(Revision {
        number: u32::try_from(version).unwrap_or(u32::MAX),
        date: now.clone(),
        summary: summary.to_owned(),
    });
    let Some(input) = build_input(app, tx, c, revisions).await? else {
        // CSAF needs at least one product: nothing machine-readable to publish.
        return Ok(0);
    };
    let doc = document(&input);
    let text = serde_json::to_string(&doc).map_err(|e| AppError::internal("CSAF document", e))?;
    let row = AdvisoryRow {
        case_id: c.id.clone(),
        version,
        category: doc["document"]["category"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
        document: text,
        summary: summary.to_owned(),
        created_at: now,
    };
    store::cases::advisories::insert(tx, &row).await?;
    Ok(version)
}

/// A fixed statement's remediation text with the vendor's patches that
/// fix its vulnerability for its product (and version) appended, so each
/// patch is listed under the vulnerabilities it fixes with the product ids
/// of their statements: where the clearinghouse distributes each, its
/// SHA-256 and SHA-512, and that a signed release statement comes with it
/// (so the advisory's remediations list the patches, CSAF has no field of
/// its own for them).
fn with_patches(
    app: &AppState,
    case_id: &str,
    s: &store::cases::statements::StatementRow,
    patches: &[store::cases::patches::PatchRow],
    fixes: &HashMap<String, Vec<PatchFix>>,
) -> String {
    let lines: Vec<String> = patches
        .iter()
        .filter(|p| {
            p.vendor_org == s.vendor_org
                && fixes
                    .get(&p.id)
                    .is_some_and(|f| patch_fixes::fixes(f, &s.vuln_id, &s.product_key))
                && (p.fixed_version.is_none() || p.fixed_version == s.fixed_version)
        })
        .map(|p| {
            let base = app.settings.public_url.trim().trim_end_matches('/');
            let mut line = format!(
                "Patch {} is distributed by the clearinghouse at {base}/api/v1/cases/{case_id}/patches/{}/content \
                 (SHA-256 {}, SHA-512 {}) with a release statement it signed",
                p.file_name, p.id, p.sha256, p.sha512
            );
            if let Some(url) = &p.url {
                line.push_str(&format!("; the vendor publishes it at {url}"));
            }
            line.push('.');
            line
        })
        .collect();
    if lines.is_empty() {
        return s.remediation.clone();
    }
    let head = if s.remediation.is_empty() {
        format!(
            "Update to version {} or later.",
            s.fixed_version.as_deref().unwrap_or("the fixed version")
        )
    } else {
        s.remediation.clone()
    };
    format!("{head} {}", lines.join(" "))
}

/// What a case's document is built from with these revisions (the last
/// is the one being built): the vulnerabilities, the vendors' current
/// statements, the reporters. None when no product is known at all. The
/// exports (OSV, CVE 5) read the same input.
pub(crate) async fn build_input(
    app: &AppState,
    tx: &mut store::AnyConnection,
    c: &CaseRow,
    revisions: Vec<Revision>,
) -> AppResult<Option<CsafInput>> {
    let now = revisions.last().map(|r| r.date.clone()).unwrap_or_default();
    let ids: Vec<String> = store::cases::vulnerabilities(tx, &c.id)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let stored = store::advisories::vulnerabilities(tx, &ids).await?;
    let vulnerabilities = ids
        .iter()
        .filter_map(|id| stored.get(id))
        .map(|v| CsafVulnerability {
            id: v.id.clone(),
            aliases: v.aliases.clone(),
            title: v.summary.clone(),
            description: v.summary.clone(),
            cwes: v.cwes.clone(),
            cvss_vectors: v.cvss_vectors.clone(),
        })
        .collect();
    let mut statements = Vec::new();
    let patches = store::cases::patches::of_case(tx, &c.id).await?;
    let fixes = patch_fixes::of_case(tx, &c.id).await?;
    for mut s in store::cases::statements::of_case(tx, &c.id, false).await? {
        if status_of(&s.status) == VexStatus::Fixed {
            s.remediation = with_patches(app, &c.id, &s, &patches, &fixes);
        }
        statements.push(CsafStatement {
            vulnerability: s.vuln_id,
            vendor: org_name(tx, &s.vendor_org).await?,
            product_given: s.product_given,
            product_kind: s.product_kind,
            versions: s.versions,
            status: status_of(&s.status),
            justification: s.justification,
            fixed_version: s.fixed_version,
            remediation: s.remediation,
        });
    }
    // A vulnerability no vendor has spoken for yet: the packages its
    // advisories list, as affected with no fix known.
    for id in &ids {
        if statements.iter().any(|s| &s.vulnerability == id) {
            continue;
        }
        for key in store::cases::statements::affected_keys(tx, id).await? {
            if key.starts_with("pkg:") {
                statements.push(CsafStatement {
                    vulnerability: id.clone(),
                    vendor: String::new(),
                    product_given: key,
                    product_kind: "purl".into(),
                    versions: Vec::new(),
                    status: VexStatus::Affected,
                    justification: None,
                    fixed_version: None,
                    remediation: "No vendor statement yet: see the advisories of this \
                                  vulnerability for the affected and fixed versions."
                        .into(),
                });
            }
        }
    }
    if statements.is_empty() {
        return Ok(None);
    }
    let mut acknowledgments = Vec::new();
    for p in store::cases::participants(tx, &c.id).await? {
        if p.role == "reporter" {
            acknowledgments.push(org_name(tx, &p.org_id).await?);
        }
    }
    let tlp: Tlp = c
        .tlp
        .parse()
        .map_err(|e| AppError::internal("stored case TLP", e))?;
    let tracking_id = format!("CHX-CASE-{}", c.id);
    let entry = FeedEntry {
        tracking_id: tracking_id.clone(),
        title: c.title.clone(),
        initial_release_date: revisions
            .first()
            .map(|r| r.date.clone())
            .unwrap_or_default(),
        current_release_date: now.clone(),
        categories: Vec::new(),
    };
    let input = CsafInput {
        self_url: super::feed::self_url(app, tlp, &entry),
        tracking_id,
        title: c.title.clone(),
        publisher: super::feed::publisher(app),
        tlp,
        vex_only: false,
        summary: c.summary.clone(),
        vulnerabilities,
        statements,
        acknowledgments,
        revisions,
    };
    Ok(Some(input))
}

/// A published case's CSAF document: the latest revision, or `version`.
pub async fn get(
    app: &AppState,
    who: &Principal,
    id: &str,
    version: Option<i64>,
) -> AppResult<serde_json::Value> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = match readable(app, who, id).await {
        Ok(c) => c,
        Err(AppError::NotFound) => published_for(app, who, id)
            .await?
            .ok_or(AppError::NotFound)?,
        Err(e) => return Err(e),
    };
    let mut conn = app.store.pool.acquire().await?;
    let all = store::cases::advisories::revisions(&mut conn, &c.id).await?;
    let row = match version {
        Some(v) => all.into_iter().find(|r| r.version == v),
        None => all.into_iter().last(),
    }
    .ok_or(AppError::NotFound)?;
    serde_json::from_str(&row.document).map_err(|e| AppError::internal("stored CSAF document", e))
}

/// A published case whose advisory `who` (not a participant) may read
/// under the advisory's TLP; `None` otherwise (the caller's 404).
async fn published_for(app: &AppState, who: &Principal, id: &str) -> AppResult<Option<CaseRow>> {
    let mut conn = app.store.pool.acquire().await?;
    let Some(c) = store::cases::get_row(&mut conn, id).await? else {
        return Ok(None);
    };
    if c.state != "published" || who.org_id().is_empty() {
        return Ok(None);
    }
    let (tlp, visibility) = crate::workflows::read_policy::parse_labels(&c.tlp, &c.visibility)?;
    if !visibility.evaluate(&who.authorizations) {
        return Ok(None);
    }
    let may = match tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => store::cases::org_exposed_to_case(&mut conn, &c.id, who.org_id()).await?,
        _ => false,
    };
    Ok(may.then_some(c))
}
