//! The full re-match: every asset against the whole package index, what a
//! re-match after a bulk import (or a check of the incremental paths) costs.
//!
//! Assets are taken a page at a time. Each page is read and decided outside
//! any write transaction, while the page before it is being written: the
//! reading and deciding (the CPU half) overlaps the writing (SQLite's half).
//! The write transaction first checks that the page's components are still
//! the ones that were decided (their count and the sum of their row ids, which
//! change when an SBOM is replaced or an asset archived); if not, it reads
//! and decides the page again inside the transaction. On PostgreSQL several
//! pages are written at once (their assets, hence exposures, are disjoint);
//! SQLite has one writer.
//!
//! A full re-match works from the package index and the vulnerabilities'
//! facts as they were when it started, read once: a change to them while it
//! runs is the incremental paths' to apply, as it is at any other time.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::{Found, Index, VerdictCache, apply_known, match_components, match_components_cached};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::exposure::{ExposureCounts, Vulnerability};
use crate::store;

/// Why an exposure is resolved by a full re-match.
const GONE: &str = "the component is no longer in the asset's inventory at this version";

/// Matches every asset against the whole package index, `assets_per_batch`
/// assets per write transaction, in this process.
pub async fn rematch_all(
    app: &AppState,
    who: &Principal,
    assets_per_batch: usize,
) -> Result<ExposureCounts, AppError> {
    backfill_cpe_keys(app).await?;
    rematch_range(app, who, &AssetRange::default(), assets_per_batch).await
}

/// A range of assets by id: after `after` (none when empty), through
/// `through` (to the last when `None`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssetRange {
    pub after: String,
    pub through: Option<String>,
}

/// Matches the assets of `range` against the whole package index (the
/// part of a full re-match one job does; see `matching::runs`).
pub async fn rematch_range(
    app: &AppState,
    who: &Principal,
    range: &AssetRange,
    assets_per_batch: usize,
) -> Result<ExposureCounts, AppError> {
    let index = Arc::new(Index::from_rows(
        store::advisories::all_affected(&app.store.pool).await?,
    ));
    let vulns = {
        let ids: Vec<String> = index
            .by_key
            .values()
            .flatten()
            .map(|a| a.vuln_id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut conn = app.store.pool.acquire().await?;
        Arc::new(store::advisories::vulnerabilities(&mut conn, &ids).await?)
    };
    let writers = match app.store.backend {
        store::Backend::Postgres => 4,
        store::Backend::Sqlite => 1,
    };
    let mut cache = VerdictCache::default();
    let mut total = ExposureCounts::default();
    let mut after = range.after.clone();
    let mut writing = FuturesUnordered::new();
    loop {
        let ids = store::exposure::assets::ids_after(
            &app.store.pool,
            &after,
            range.through.as_deref(),
            assets_per_batch.max(1) as i64,
        )
        .await?;
        let Some(last) = ids.last() else {
            break;
        };
        after = last.clone();
        let page = {
            let mut conn = app.store.pool.acquire().await?;
            let components = store::exposure::assets::components_of_assets(&mut conn, &ids).await?;
            Page {
                fingerprint: (
                    components.len() as i64,
                    components.iter().map(|c| c.id).sum(),
                ),
                found: match_components_cached(&index, &components, &mut cache),
                ids,
            }
        };
        while writing.len() >= writers {
            if let Some(counts) = writing.next().await {
                total.add(&joined(counts)?);
            }
        }
        writing.push(tokio::spawn(write_page(
            app.clone(),
            who.clone(),
            Arc::clone(&index),
            Arc::clone(&vulns),
            page,
        )));
    }
    while let Some(counts) = writing.next().await {
        total.add(&joined(counts)?);
    }
    Ok(total)
}

/// A page of assets, read and decided.
struct Page {
    ids: Vec<String>,
    /// The components' count and the sum of their row ids, as decided.
    fingerprint: (i64, i64),
    found: Vec<Found>,
}

fn joined(
    r: Result<Result<ExposureCounts, AppError>, tokio::task::JoinError>,
) -> Result<ExposureCounts, AppError> {
    r.map_err(|e| AppError::internal_msg(format!("re-match task failed: {e}")))?
}

/// Writes one page's exposures, notifications and audit entry in one
/// transaction, deciding the page again if its components changed since.
async fn write_page(
    app: AppState,
    who: Principal,
    index: Arc<Index>,
    vulns: Arc<HashMap<String, Vulnerability>>,
    page: Page,
) -> Result<ExposureCounts, AppError> {
    let now = crate::clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let found = if store::exposure::assets::components_fingerprint(&mut tx, &page.ids).await?
        == page.fingerprint
    {
        page.found
    } else {
        let components = store::exposure::assets::components_of_assets(&mut tx, &page.ids).await?;
        match_components(&index, &components)
    };
    let known: HashMap<String, Vulnerability> = super::vuln_ids_of(&found)
        .into_iter()
        .filter_map(|id| vulns.get(&id).map(|v| (id, v.clone())))
        .collect();
    let existing = store::exposure::exposures::of_assets(&mut tx, &page.ids).await?;
    let changes = apply_known(&mut tx, found, existing, known, GONE, &now).await?;
    crate::workflows::exposure::exposures::notify_changes(&app, &mut tx, &changes).await?;
    let last = page.ids.last().cloned().unwrap_or_default();
    let event = crate::audit_log::AuditEvent {
        action: "exposures.rematch",
        object_type: "assets",
        object_id: &last,
        change: serde_json::json!({ "assets": page.ids, "exposures": changes.counts }),
    };
    app.audit
        .record(&mut tx, &app.store, &who, &[event])
        .await?;
    tx.commit().await?;
    Ok(changes.counts)
}

/// Gives components stored before migration 0011 their CPE key ('' when
/// their CPE names no product), a page at a time.
pub(super) async fn backfill_cpe_keys(app: &AppState) -> Result<(), AppError> {
    loop {
        let mut tx = app.store.begin_write().await?;
        let page = store::exposure::assets::without_cpe_key(&mut tx, 500).await?;
        if page.is_empty() {
            return Ok(());
        }
        for (id, cpe) in page {
            let key = clearinghouse_domain::cpe::Cpe::parse(&cpe)
                .ok()
                .and_then(|c| c.match_key())
                .unwrap_or_default();
            store::exposure::assets::set_cpe_key(&mut tx, id, &key).await?;
        }
        tx.commit().await?;
    }
}
