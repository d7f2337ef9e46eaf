//! Importing the CISA KEV catalog and FIRST EPSS scores: the entries are
//! stored, every KEV entry also as an advisory of publisher `cisa-kev` (so
//! each is a vulnerability even with no advisory naming packages), and only
//! the vulnerabilities whose CVEs changed are re-assessed.

use clearinghouse_domain::advisory;
use serde_json::json;

use super::{BATCH, Marking, import_in, resync_cves};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::AppResult;
use crate::model::exposure::ImportReport;
use crate::store;
use crate::store::advisories::KevRow;

pub(super) async fn import_kev(
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
    // Every entry is an advisory of its own (`kev:CVE-...`), so a KEV-only
    // vulnerability exists; counted as KEV entries, not as advisories.
    let advisories: Vec<advisory::Advisory> = kev
        .entries
        .iter()
        .map(advisory::KevEntry::to_advisory)
        .collect();
    let mut kev_report = ImportReport::default();
    for chunk in advisories.chunks(BATCH) {
        import_in(
            app,
            &mut tx,
            who,
            chunk,
            false,
            &Marking::public(),
            &mut kev_report,
        )
        .await?;
    }
    report.exposures.add(&kev_report.exposures);
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

pub(super) async fn import_epss(
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
