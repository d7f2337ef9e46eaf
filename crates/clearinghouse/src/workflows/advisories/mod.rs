//! Importing public advisories (OSV, CVE JSON 5, CSAF 2.0, a zip of
//! records) and the KEV and EPSS feeds (a file is spooled and imported by a
//! job: `imports`), grouping advisories into
//! vulnerabilities by alias, and matching every changed vulnerability
//! against the package index at once. Re-import is idempotent: an advisory
//! whose content digest is unchanged is skipped. Reading advisories and
//! vulnerabilities goes through the one read policy (a `CHX-` advisory
//! carries its finding's labels; a vulnerability is readable when all its
//! advisories are) and respects embargo: an embargoed vulnerability is
//! visible only to coordinators and to the vetted operators exposed to it.

pub mod archive;
mod feeds;
pub mod imports;
mod vulnerabilities;

use self::vulnerabilities::may_see_embargoed;
pub use self::vulnerabilities::{
    VulnList, VulnListQuery, list_vulnerabilities, vulnerability, with_detail,
};

use std::collections::BTreeSet;

use clearinghouse_domain::advisory::{self, grouping};
use clearinghouse_domain::identity::{Role, Scope};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::exposure::exposures::notify_changes;
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::model::exposure::{Advisory, ImportReport, ItemError, UnmappedProducts};
use crate::store::advisories::{AdvisoryRow, NewAffected};
use crate::store::{self, Tx};
use crate::workflows::read_policy::PolicyReader;

/// Largest import body (a zip of records may be large), refused at once
/// while it is spooled.
pub const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;
/// Advisories written per transaction.
pub(super) const BATCH: usize = 200;

const IMPORTERS: &[Role] = &[Role::PlatformAdmin, Role::Coordinator];

/// How an import is to be labelled.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The file name: a hint for the format (`.yaml`, `.csv`).
    pub name: String,
    /// Not yet public: told only to vetted operators, TLP:AMBER.
    pub embargo: bool,
}

pub(super) fn parse_error(item: &str, e: &advisory::AdvisoryError) -> ItemError {
    ItemError {
        item: item.to_owned(),
        field: e
            .field()
            .map(str::to_owned)
            .or_else(|| e.line().map(|l| format!("line {l}"))),
        message: e.to_string(),
    }
}

/// The digest that makes re-import idempotent: the parsed advisory and its label.
fn content_digest(a: &advisory::Advisory, embargo: bool) -> String {
    let text = json!({ "advisory": a, "embargo": embargo }).to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Stores parsed advisories, a batch per transaction, grouping and
/// matching as it goes.
pub async fn import_advisories(
    app: &AppState,
    who: &Principal,
    advisories: &[advisory::Advisory],
    embargo: bool,
    report: &mut ImportReport,
) -> AppResult<()> {
    who.require(Scope::AdvisoriesWrite, IMPORTERS)?;
    for chunk in advisories.chunks(BATCH) {
        import_batch(app, who, chunk, embargo, report).await?;
    }
    Ok(())
}

/// The labels an advisory is stored with: imported ones are CLEAR and
/// public; a `CHX-` one takes the labels of the finding it comes from, so
/// nothing derived from a labelled finding is readable by more people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marking {
    /// A TLP marking as stored (`AMBER+STRICT`).
    pub tlp: String,
    /// A visibility expression as stored (normalised by the domain).
    pub visibility: String,
}

impl Marking {
    /// CLEAR, no visibility expression.
    pub fn public() -> Marking {
        Marking {
            tlp: "CLEAR".to_owned(),
            visibility: String::new(),
        }
    }
}

/// Stores advisories the clearinghouse made itself (the `CHX-` record of a
/// validated finding) in the caller's transaction, through the same
/// grouping, matching and notification as an import, labelled `marking`.
/// No role check: the calling workflow has decided who may do this (a
/// validator, who is not an importer), and the audit entries name `who`.
pub(crate) async fn import_internal(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    advisories: &[advisory::Advisory],
    embargo: bool,
    marking: &Marking,
    report: &mut ImportReport,
) -> AppResult<()> {
    import_in(app, tx, who, advisories, embargo, marking, report).await
}

async fn import_batch(
    app: &AppState,
    who: &Principal,
    batch: &[advisory::Advisory],
    embargo: bool,
    report: &mut ImportReport,
) -> AppResult<()> {
    let mut tx = app.store.begin_write().await?;
    import_in(
        app,
        &mut tx,
        who,
        batch,
        embargo,
        &Marking::public(),
        report,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn import_in(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    batch: &[advisory::Advisory],
    embargo: bool,
    marking: &Marking,
    report: &mut ImportReport,
) -> AppResult<()> {
    let now = clock::now_text();
    let visibility_id = store::labels::intern(tx, &marking.visibility).await?;
    let keys: Vec<String> = batch.iter().map(advisory::Advisory::key).collect();
    let stored = store::advisories::digests(tx, &keys).await?;
    // An embargo stays until it is lifted on purpose (`lift_embargo`): a
    // plain re-import of an embargoed advisory keeps it.
    let embargoed = store::advisories::embargoed_keys(tx, &keys).await?;
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut events = Vec::new();
    for (a, key) in batch.iter().zip(&keys) {
        let embargo = embargo || embargoed.contains(key);
        let digest = content_digest(a, embargo);
        match stored.get(key) {
            Some(d) if *d == digest => {
                report.advisories_unchanged += 1;
                continue;
            }
            Some(_) => report.advisories_updated += 1,
            None => report.advisories_created += 1,
        }
        if a.unmapped_products > 0 {
            report.unmapped_products.push(UnmappedProducts {
                advisory: key.clone(),
                products: a.unmapped_products as u64,
            });
        }
        if a.source == advisory::Source::Csaf
            && a.vuln_ref.starts_with("CVE-")
            && let Some(old) = store::advisories::drop_legacy_csaf(tx, &a.vuln_ref).await?
        {
            touched.insert(old);
        }
        let group_ids = a.group_ids();
        let vuln_id = regroup(tx, &group_ids).await?;
        let row = AdvisoryRow {
            advisory: Advisory {
                id: a.id.clone(),
                key: key.clone(),
                publisher: a.publisher.clone(),
                vuln_ref: a.vuln_ref.clone(),
                vuln_id: vuln_id.clone(),
                source: json!(a.source).as_str().unwrap_or("osv").to_owned(),
                aliases: a.aliases.clone(),
                summary: a.summary.clone(),
                details: a.details.clone(),
                published: a.published.clone(),
                modified: a.modified.clone(),
                withdrawn: a.withdrawn.clone(),
                cvss_vectors: a.cvss_vectors.clone(),
                cwes: a.cwes.clone(),
                references: a.references.clone(),
                embargoed: embargo,
                tlp: marking.tlp.clone(),
                visibility: marking.visibility.clone(),
                cpes: a.cpes.clone(),
                unmapped_products: a.unmapped_products as i64,
                affected: Vec::new(),
                document_vulnerabilities: Vec::new(),
            },
            ssvc: a.ssvc.map(|s| s.to_options().to_string()),
            cpes: a.cpes.clone(),
            content_sha256: digest.clone(),
            visibility_id,
        };
        let list = |l: &[String]| serde_json::to_string(l).unwrap_or_else(|_| "[]".into());
        let affected: Vec<NewAffected> = a
            .affected
            .iter()
            .map(|af| NewAffected {
                package_key: af.package.key(),
                ecosystem: af.ecosystem.as_str().to_owned(),
                ranges: serde_json::to_string(&af.ranges).unwrap_or_else(|_| "[]".into()),
                versions: list(&af.versions),
                fixed: list(&af.fixed),
                not_affected: list(&af.not_affected),
            })
            .chain(a.cpe_affected.iter().map(|ca| NewAffected {
                package_key: ca.key.clone(),
                ecosystem: crate::matching::CPE_ECOSYSTEM.to_owned(),
                ranges: serde_json::to_string(&ca.ranges).unwrap_or_else(|_| "[]".into()),
                versions: list(&ca.versions),
                fixed: "[]".into(),
                not_affected: "[]".into(),
            }))
            .collect();
        store::advisories::upsert(tx, &row, &group_ids, &affected, who.user_id(), &now).await?;
        touched.insert(vuln_id);
        events.push((key.clone(), digest, embargo));
    }
    for vuln_id in &touched {
        sync_vulnerability(app, tx, vuln_id, &now, report).await?;
    }
    let audit: Vec<AuditEvent<'_>> = events
        .iter()
        .map(|(id, digest, embargo)| AuditEvent {
            action: "advisory.import",
            object_type: "advisory",
            object_id: id,
            change: json!({ "content_sha256": digest, "embargo": embargo }),
        })
        .collect();
    app.audit.record(tx, &app.store, who, &audit).await?;
    Ok(())
}

/// Puts an advisory (by the ids that link it, `Advisory::group_ids`) into
/// the group of every vulnerability that shares one of them, merging the
/// groups it links as the domain's `grouping::regroup` decides; returns the
/// group's id.
async fn regroup(tx: &mut Tx, ids: &[String]) -> AppResult<String> {
    let groups = store::advisories::groups_holding(tx, ids).await?;
    let mut existing = Vec::with_capacity(groups.len());
    for g in groups {
        let aliases = store::advisories::group_aliases(tx, &g).await?;
        existing.push((g, aliases));
    }
    let plan = grouping::regroup(ids, &existing);
    for g in &plan.merge {
        store::advisories::merge_group(tx, g, &plan.target).await?;
    }
    Ok(plan.target)
}

/// Refreshes a vulnerability's facts and re-matches it, telling operators.
pub(super) async fn sync_vulnerability(
    app: &AppState,
    tx: &mut Tx,
    vuln_id: &str,
    now: &str,
    report: &mut ImportReport,
) -> AppResult<()> {
    store::advisories::refresh_vulnerability(tx, vuln_id, now).await?;
    let changes = matching::sync_vuln(tx, vuln_id, now).await?;
    notify_changes(app, tx, &changes).await?;
    report.exposures.add(&changes.counts);
    Ok(())
}

/// Lifts the embargo of a vulnerability (a coordinator, with a reason):
/// every advisory of it becomes visible under its labels, and it is
/// re-matched so that every exposed operator, vetted or not, is told.
/// 409 when it is not embargoed.
pub async fn lift_embargo(
    app: &AppState,
    who: &Principal,
    vuln_id: &str,
    reason: &str,
) -> AppResult<ImportReport> {
    who.require(Scope::AdvisoriesWrite, &[Role::Coordinator])?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::invalid(
            "reason",
            "say why the embargo ends (1 to 2000 characters)",
        ));
    }
    // Read first: what the coordinator may not read is not found.
    let (vulnerability, _, _) = vulnerabilities::vulnerability(app, who, vuln_id).await?;
    let vuln_id = vulnerability.id.as_str();
    let now = clock::now_text();
    let mut report = ImportReport::default();
    let mut tx = app.store.begin_write().await?;
    let lifted = store::advisories::lift_embargo(&mut tx, vuln_id, &now).await?;
    if lifted == 0 {
        return Err(AppError::Conflict(format!(
            "{vuln_id} has no embargoed advisory"
        )));
    }
    sync_vulnerability(app, &mut tx, vuln_id, &now, &mut report).await?;
    let event = AuditEvent {
        action: "vulnerability.lift_embargo",
        object_type: "vulnerability",
        object_id: vuln_id,
        change: json!({ "advisories": lifted, "reason": reason, "exposures": report.exposures }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(report)
}

/// Re-assesses the vulnerabilities whose CVE aliases are in `cves`.
pub(super) async fn resync_cves(
    app: &AppState,
    tx: &mut Tx,
    cves: &[String],
    now: &str,
    report: &mut ImportReport,
) -> AppResult<()> {
    let vulns = store::advisories::groups_holding(tx, cves).await?;
    for v in vulns {
        sync_vulnerability(app, tx, &v, now, report).await?;
    }
    Ok(())
}

/// One advisory by id, under the one read policy and the embargo.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Advisory> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let row = store::advisories::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    if row.advisory.embargoed && !may_see_embargoed(app, who, &row.advisory.vuln_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(row.advisory)
}

/// Embargoed vulnerabilities the caller may read, oldest embargo first, and
/// how many there are (the coordinator's home page). Only those who see
/// every embargo (coordinators) get any; others learn of an embargo through
/// their own exposures.
pub async fn embargoes(
    app: &AppState,
    who: &Principal,
    limit: i64,
) -> AppResult<(Vec<store::advisories::embargoes::Embargoed>, i64)> {
    who.require_scope(Scope::AdvisoriesRead)?;
    if !who.has_any_role(crate::workflows::exposure::assets::READ_ANY) {
        return Ok((Vec::new(), 0));
    }
    let reader = PolicyReader::of(app, who).await?;
    Ok(store::advisories::embargoes::oldest(&app.store.pool, &reader.filter(), limit).await?)
}
