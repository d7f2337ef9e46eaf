//! Importing public advisories (OSV, CVE JSON 5, CSAF 2.0, a zip of
//! records) and the KEV and EPSS feeds, grouping advisories into
//! vulnerabilities by alias, and matching every changed vulnerability
//! against the package index at once. Re-import is idempotent: an advisory
//! whose content digest is unchanged is skipped. Reading advisories and
//! vulnerabilities goes through the one read policy (a `CHX-` advisory
//! carries its finding's labels; a vulnerability is readable when all its
//! advisories are) and respects embargo: an embargoed vulnerability is
//! visible only to coordinators and to the vetted operators exposed to it.

pub mod archive;

use std::collections::BTreeSet;

use clearinghouse_domain::advisory::{self, Document};
use clearinghouse_domain::identity::{Role, Scope};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::exposure::assets::READ_ANY;
use super::exposure::exposures::notify_changes;
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::model::exposure::{Advisory, ExposureStat, ImportReport, ItemError, Vulnerability};
use crate::store::advisories::{AdvisoryRow, KevRow};
use crate::store::{self, Tx};
use crate::workflows::read_policy::PolicyReader;

/// Largest import body (a zip of records may be large).
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

/// A refused archive: 413 for a limit (naming the entry), else 422.
impl From<archive::ArchiveError> for AppError {
    fn from(e: archive::ArchiveError) -> Self {
        match e {
            archive::ArchiveError::TooManyEntries { .. }
            | archive::ArchiveError::EntryTooLarge { .. }
            | archive::ArchiveError::Ratio { .. }
            | archive::ArchiveError::TotalTooLarge { .. } => AppError::TooLarge(e.to_string()),
            archive::ArchiveError::Unreadable(_) | archive::ArchiveError::Entry { .. } => {
                AppError::invalid("body", e.to_string())
            }
        }
    }
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

/// The id a group of aliases is known by: its lowest CVE id, else its lowest id.
fn group_id(ids: &BTreeSet<String>) -> String {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().next())
        .cloned()
        .unwrap_or_default()
}

pub async fn import(
    app: &AppState,
    who: &Principal,
    bytes: &[u8],
    options: &ImportOptions,
) -> AppResult<ImportReport> {
    who.require(Scope::AdvisoriesWrite, IMPORTERS)?;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(AppError::TooLarge(format!(
            "import: at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let mut report = ImportReport::default();
    let docs = if archive::is_zip(bytes) {
        report.format = "zip".into();
        archive::check(bytes, &archive::LIMITS)?;
        import_zip(app, who, bytes, options, &mut report).await?;
        return Ok(report);
    } else {
        let doc = advisory::parse_document(&options.name, bytes).map_err(|e| {
            let field = e
                .field()
                .map(|f| format!("body.{f}"))
                .or_else(|| e.line().map(|l| format!("body line {l}")))
                .unwrap_or_else(|| "body".to_owned());
            AppError::invalid(field, e.to_string())
        })?;
        report.format = match &doc {
            Document::Osv(_) => "osv",
            Document::Cve(_) => "cve",
            Document::Csaf(_) => "csaf",
            Document::Kev(_) => "kev",
            Document::Epss(_) => "epss",
        }
        .into();
        vec![doc]
    };
    let mut advisories = Vec::new();
    for doc in docs {
        match doc {
            Document::Osv(a) | Document::Cve(a) => advisories.push(a),
            Document::Csaf(list) => advisories.extend(list),
            Document::Kev(kev) => import_kev(app, who, &kev, &mut report).await?,
            Document::Epss(epss) => import_epss(app, who, &epss, &mut report).await?,
        }
    }
    import_advisories(app, who, &advisories, options.embargo, &mut report).await?;
    Ok(report)
}

/// Imports a zip already checked by [`archive::check`], one entry at
/// a time: advisories are stored a batch at a time as entries are parsed, so
/// memory holds one entry and one batch. An entry that does not parse is
/// reported, not fatal.
async fn import_zip(
    app: &AppState,
    who: &Principal,
    bytes: &[u8],
    options: &ImportOptions,
    report: &mut ImportReport,
) -> AppResult<()> {
    let mut entries = archive::Entries::new(bytes, archive::LIMITS)?;
    let mut pending: Vec<advisory::Advisory> = Vec::new();
    while let Some(entry) = entries.next_entry() {
        let (name, buf) = entry?;
        let doc = match advisory::parse_document(&name, &buf) {
            Ok(doc) => doc,
            Err(e) => {
                report.errors.push(parse_error(&name, &e));
                continue;
            }
        };
        drop(buf);
        match doc {
            Document::Osv(a) | Document::Cve(a) => pending.push(a),
            Document::Csaf(list) => pending.extend(list),
            Document::Kev(kev) => import_kev(app, who, &kev, report).await?,
            Document::Epss(epss) => import_epss(app, who, &epss, report).await?,
        }
        if pending.len() >= BATCH {
            import_advisories(app, who, &pending, options.embargo, report).await?;
            pending.clear();
        }
    }
    import_advisories(app, who, &pending, options.embargo, report).await
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

async fn import_in(
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
    let ids: Vec<String> = batch.iter().map(|a| a.id.clone()).collect();
    let stored = store::advisories::digests(tx, &ids).await?;
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut events = Vec::new();
    for a in batch {
        let digest = content_digest(a, embargo);
        match stored.get(&a.id) {
            Some(d) if *d == digest => {
                report.advisories_unchanged += 1;
                continue;
            }
            Some(_) => report.advisories_updated += 1,
            None => report.advisories_created += 1,
        }
        let vuln_id = regroup(tx, a).await?;
        let row = AdvisoryRow {
            advisory: Advisory {
                id: a.id.clone(),
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
            },
            ssvc: a.ssvc.map(|s| s.to_options().to_string()),
            cpes: a.cpes.clone(),
            content_sha256: digest.clone(),
            visibility_id,
        };
        let affected: Vec<(String, String, String, String)> = a
            .affected
            .iter()
            .map(|af| {
                (
                    af.package.key(),
                    af.ecosystem.as_str().to_owned(),
                    serde_json::to_string(&af.ranges).unwrap_or_else(|_| "[]".into()),
                    serde_json::to_string(&af.versions).unwrap_or_else(|_| "[]".into()),
                )
            })
            .collect();
        store::advisories::upsert(tx, &row, &affected, who.user_id(), &now).await?;
        touched.insert(vuln_id);
        events.push((a.id.clone(), digest));
    }
    for vuln_id in &touched {
        sync_vulnerability(app, tx, vuln_id, &now, report).await?;
    }
    let audit: Vec<AuditEvent<'_>> = events
        .iter()
        .map(|(id, digest)| AuditEvent {
            action: "advisory.import",
            object_type: "advisory",
            object_id: id,
            change: json!({ "content_sha256": digest, "embargo": embargo }),
        })
        .collect();
    app.audit.record(tx, &app.store, who, &audit).await?;
    Ok(())
}

/// Puts an advisory into the group of every vulnerability that shares an
/// id with it, merging groups it links; returns the group's id.
async fn regroup(tx: &mut Tx, a: &advisory::Advisory) -> AppResult<String> {
    let ids: Vec<String> = std::iter::once(a.id.clone())
        .chain(a.aliases.iter().cloned())
        .collect();
    let groups = store::advisories::groups_holding(tx, &ids).await?;
    let mut all: BTreeSet<String> = ids.into_iter().collect();
    for g in &groups {
        all.extend(store::advisories::group_aliases(tx, g).await?);
    }
    let id = group_id(&all);
    for g in groups.iter().filter(|g| **g != id) {
        store::advisories::merge_group(tx, g, &id).await?;
    }
    Ok(id)
}

/// Refreshes a vulnerability's facts and re-matches it, telling operators.
async fn sync_vulnerability(
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

/// Re-assesses the vulnerabilities whose CVE aliases are in `cves`.
async fn resync_cves(
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

async fn import_kev(
    app: &AppState,
    who: &Principal,
    kev: &advisory::KevCatalog,
    report: &mut ImportReport,
) -> AppResult<()> {
    let now = clock::now_text();
    let rows: Vec<KevRow<'_>> = kev
        .entries
        .iter()
        .map(|e| KevRow {
            cve_id: &e.cve_id,
            vendor: &e.vendor,
            product: &e.product,
            name: &e.name,
            date_added: &e.date_added,
            due_date: &e.due_date,
            known_ransomware: e.known_ransomware,
            required_action: &e.required_action,
        })
        .collect();
    let mut tx = app.store.begin_write().await?;
    let changed = store::advisories::upsert_kev(&mut tx, &rows).await?;
    report.kev_entries += kev.entries.len() as u64;
    resync_cves(app, &mut tx, &changed, &now, report).await?;
    let event = AuditEvent {
        action: "kev.import",
        object_type: "kev",
        object_id: &kev.catalog_version,
        change: json!({ "entries": kev.entries.len(), "changed": changed }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

async fn import_epss(
    app: &AppState,
    who: &Principal,
    epss: &advisory::EpssFile,
    report: &mut ImportReport,
) -> AppResult<()> {
    let now = clock::now_text();
    let rows: Vec<(String, f64, f64)> = epss
        .scores
        .iter()
        .map(|s| (s.cve_id.clone(), s.probability, s.percentile))
        .collect();
    let mut tx = app.store.begin_write().await?;
    let changed =
        store::advisories::upsert_epss(&mut tx, &rows, epss.score_date.as_deref()).await?;
    report.epss_scores += rows.len() as u64;
    resync_cves(app, &mut tx, &changed, &now, report).await?;
    let date = epss.score_date.clone().unwrap_or_default();
    let event = AuditEvent {
        action: "epss.import",
        object_type: "epss",
        object_id: &date,
        change: json!({ "scores": rows.len(), "changed": changed.len() }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `who` may see an embargoed vulnerability: coordinators,
/// operators with an exposure to it, and the reporters and validators of
/// the findings it was validated from.
async fn may_see_embargoed(app: &AppState, who: &Principal, vuln_id: &str) -> AppResult<bool> {
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
        store::exposure::exposures::list(&app.store.pool, &filter, None, 1, &clock::now_text())
            .await?;
    Ok(!rows.is_empty())
}

/// A vulnerability by its id or any alias, with (for coordinators) the
/// exposed organisations: only when every advisory of it is readable under
/// the one read policy (a `CHX-` advisory carries its finding's labels), and
/// an embargoed one only to those who may see it; else 404.
pub async fn vulnerability(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(Vulnerability, Option<Vec<ExposureStat>>)> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let vuln_id = store::advisories::vuln_id_for(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reader = PolicyReader::of(app, who).await?;
    if !store::advisories::vuln_readable(&app.store.pool, &vuln_id, &reader.filter()).await? {
        return Err(AppError::NotFound);
    }
    let mut conn = app.store.pool.acquire().await?;
    let v = store::advisories::vulnerabilities(&mut conn, std::slice::from_ref(&vuln_id))
        .await?
        .remove(&vuln_id)
        .ok_or(AppError::NotFound)?;
    drop(conn);
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
    Ok((v, exposed))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_group_is_known_by_its_lowest_cve_else_its_lowest_id() {
        assert_eq!(
            group_id(&ids(&["GHSA-b", "PYSEC-1", "CVE-2020-2", "CVE-2019-9"])),
            "CVE-2019-9"
        );
        assert_eq!(group_id(&ids(&["PYSEC-1", "GHSA-b"])), "GHSA-b");
    }
}
