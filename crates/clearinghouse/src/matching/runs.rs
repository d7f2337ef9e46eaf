//! A full re-match shared by every `serve` and `worker` process: the
//! assets are cut into parts (ranges of ids of about equal size), each
//! queued as a `rematch_part` job (`jobs::rematch_part`) that any process
//! may take. A part is matched as [`super::full::rematch_range`] matches,
//! page by page; its counts are recorded once, by its number, and the
//! worker that records the last part ends the run (`store::exposure::
//! rematch_runs`). Parts are disjoint sets of assets, hence of exposures,
//! so they never write the same rows.
//!
//! A retried part matches its range again from the start: the pages it
//! had committed find nothing to change, so its recorded counts are those
//! of the attempt that finished (the run's sums may then count fewer new
//! exposures than were made; the exposures themselves are exact).

use std::time::Duration;

use clearinghouse_domain::identity::{Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::full::{AssetRange, backfill_cpe_keys, rematch_range};
use crate::app::AppState;
use crate::auth::{Principal, Via};
use crate::error::AppError;
use crate::jobs::rematch_part::RematchPart;
use crate::model::exposure::ExposureCounts;
use crate::store;
use crate::store::exposure::rematch_runs::RunStatus;

/// Assets per write transaction within a part.
const ASSETS_PER_BATCH: usize = 50;

/// The most parts a run may be cut into.
pub const MAX_PARTS: usize = 1024;

/// Cuts the sorted ids into `parts` ranges whose sizes differ by one at
/// most (fewer when there are fewer ids), covering every id; the last
/// range is open-ended, so assets added meanwhile are matched too.
pub fn ranges(ids: &[String], parts: usize) -> Vec<AssetRange> {
    let parts = parts.clamp(1, ids.len().max(1));
    let mut after = String::new();
    (1..=parts)
        .map(|k| {
            let through = (k < parts).then(|| ids[k * ids.len() / parts - 1].clone());
            let range = AssetRange {
                after: std::mem::take(&mut after),
                through: through.clone(),
            };
            after = through.unwrap_or_default();
            range
        })
        .collect()
}

/// Who may start a full re-match and read its progress: those who import
/// advisories.
const REMATCHERS: &[Role] = &[Role::PlatformAdmin, Role::Coordinator];

/// The parts a run is cut into when the request does not say.
pub const DEFAULT_PARTS: usize = 8;

/// What `POST /api/v1/rematch-runs` takes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// How many jobs to cut the assets into, 1 to 1024 (default 8): at
    /// least the number of processes that should share the work; never
    /// more than there are assets.
    #[schema(minimum = 1, maximum = 1024)]
    pub parts: Option<usize>,
}

/// A full re-match as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RematchRun {
    pub id: String,
    /// `running`, `finished`, or `failed` (finished, a part of it failed
    /// after its last attempt: see `error`, and start another run).
    pub state: String,
    pub parts: i64,
    /// Parts ended, failed ones included.
    pub parts_done: i64,
    pub parts_failed: i64,
    /// Why the lowest-numbered failed part failed.
    pub error: Option<String>,
    /// Exposures that appeared, changed and were resolved, summed over the
    /// finished parts.
    pub new: u64,
    pub changed: u64,
    pub resolved: u64,
    pub requested_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<RunStatus> for RematchRun {
    fn from(r: RunStatus) -> Self {
        RematchRun {
            id: r.id,
            state: match (&r.finished_at, r.parts_failed) {
                (None, _) => "running",
                (Some(_), 0) => "finished",
                (Some(_), _) => "failed",
            }
            .into(),
            parts: r.parts,
            parts_done: r.parts_done,
            parts_failed: r.parts_failed,
            error: r.error,
            new: r.counts.new,
            changed: r.counts.changed,
            resolved: r.counts.resolved,
            requested_by: r.requested_by,
            created_at: r.created_at,
            finished_at: r.finished_at,
        }
    }
}

/// Starts a full re-match of every asset, shared by every process
/// (coordinators and platform admins); answers the queued run.
pub async fn request(
    app: &AppState,
    who: &Principal,
    input: NewRun,
) -> Result<RematchRun, AppError> {
    who.require(Scope::AdvisoriesWrite, REMATCHERS)?;
    let id = start(app, who, input.parts.unwrap_or(DEFAULT_PARTS)).await?;
    get(app, who, &id).await
}

/// A run and its progress (coordinators and platform admins; an agent
/// token needs only `advisories:read` to follow one); 404 when there is no
/// such run.
pub async fn get(app: &AppState, who: &Principal, run_id: &str) -> Result<RematchRun, AppError> {
    who.require(Scope::AdvisoriesRead, REMATCHERS)?;
    status(app, run_id)
        .await?
        .map(RematchRun::from)
        .ok_or(AppError::NotFound)
}

/// Queues a full re-match in `parts` parts; returns the run's id. One run
/// at a time: 409 while another has not ended.
pub async fn start(app: &AppState, who: &Principal, parts: usize) -> Result<String, AppError> {
    if parts == 0 || parts > MAX_PARTS {
        return Err(AppError::invalid(
            "parts",
            format!("must be 1 to {MAX_PARTS}"),
        ));
    }
    backfill_cpe_keys(app).await?;
    let mut ids: Vec<String> = Vec::new();
    loop {
        let after = ids.last().cloned().unwrap_or_default();
        let page =
            store::exposure::assets::ids_after(&app.store.pool, &after, None, 10_000).await?;
        if page.is_empty() {
            break;
        }
        ids.extend(page);
    }
    let ranges = ranges(&ids, parts);
    let id = crate::workflows::new_id();
    let now = crate::clock::now_text();
    let mut tx = app.store.begin_write().await?;
    // Serialises concurrent starts on PostgreSQL (SQLite has one writer).
    store::locks::lock_record(&mut tx, app.store.backend, "rematch_runs", "start").await?;
    if let Some(other) = store::exposure::rematch_runs::unfinished(&mut tx).await? {
        return Err(AppError::Conflict(format!(
            "re-match {other} is still running; wait for it to end"
        )));
    }
    store::exposure::rematch_runs::insert_run(
        &mut tx,
        &id,
        who.user_id(),
        ranges.len() as i64,
        &now,
    )
    .await?;
    for (part, range) in ranges.iter().enumerate() {
        let job = RematchPart {
            run_id: id.clone(),
            part: part as i64,
            range: range.clone(),
        };
        crate::jobs::enqueue(&mut tx, &job, Some(&job.unique_key()), &now, &now).await?;
    }
    let event = crate::audit_log::AuditEvent {
        action: "exposures.rematch_run",
        object_type: "rematch_runs",
        object_id: &id,
        change: serde_json::json!({ "parts": ranges.len(), "assets": ids.len() }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    app.jobs_queued.notify_waiters();
    Ok(id)
}

/// Matches one part and records it; ends the run when it was the last.
/// On the job's last attempt a failure is recorded as the part's end, so
/// the run ends (failed) instead of waiting for it.
pub async fn run_part(
    app: &AppState,
    job: &RematchPart,
    last_attempt: bool,
) -> Result<(), AppError> {
    let mut conn = app.store.pool.acquire().await?;
    let Some(requested_by) =
        store::exposure::rematch_runs::requester(&mut conn, &job.run_id).await?
    else {
        return Err(AppError::internal_msg(format!(
            "re-match run {} does not exist",
            job.run_id
        )));
    };
    let done = store::exposure::rematch_runs::part_done(&mut conn, &job.run_id, job.part).await?;
    drop(conn);
    let outcome = if done {
        Ok(())
    } else {
        match match_part(app, &requested_by, &job.range).await {
            Ok(counts) => record(app, job, &counts, None).await,
            Err(e) if last_attempt => {
                let error = e.to_string();
                record(app, job, &ExposureCounts::default(), Some(&error)).await?;
                Err(e)
            }
            Err(e) => return Err(e),
        }
    };
    let now = crate::clock::now_text();
    let mut tx = app.store.begin_write().await?;
    store::exposure::rematch_runs::finish_if_complete(&mut tx, &job.run_id, &now).await?;
    tx.commit().await?;
    outcome
}

/// Matches a part's range as the run's requester.
async fn match_part(
    app: &AppState,
    requested_by: &str,
    range: &AssetRange,
) -> Result<ExposureCounts, AppError> {
    let user = store::accounts::users::get(&app.store.pool, requested_by)
        .await?
        .ok_or_else(|| AppError::internal_msg("the re-match's requester no longer exists"))?;
    let who = Principal::new(user, Via::System);
    rematch_range(app, &who, range, ASSETS_PER_BATCH).await
}

async fn record(
    app: &AppState,
    job: &RematchPart,
    counts: &ExposureCounts,
    error: Option<&str>,
) -> Result<(), AppError> {
    let now = crate::clock::now_text();
    let mut tx = app.store.begin_write().await?;
    store::exposure::rematch_runs::record_part(&mut tx, &job.run_id, job.part, counts, error, &now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The run as it stands; `None` when there is no such run.
pub async fn status(app: &AppState, run_id: &str) -> Result<Option<RunStatus>, AppError> {
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::exposure::rematch_runs::status(&mut conn, run_id).await?)
}

/// Takes this process's share of the run's parts (and any other due job)
/// until the run has ended (a part failed after its last attempt ends it
/// too: see `parts_failed`); other processes take theirs meanwhile.
pub async fn work_until_finished(
    app: &AppState,
    run_id: &str,
    worker: &str,
) -> Result<RunStatus, AppError> {
    loop {
        let run = status(app, run_id)
            .await?
            .ok_or_else(|| AppError::internal_msg(format!("re-match run {run_id} vanished")))?;
        if run.finished_at.is_some() {
            return Ok(run);
        }
        if !crate::jobs::run_next(app, worker).await? {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("a{i:04}")).collect()
    }

    /// Every id falls in exactly one range, and the last range is open.
    fn covered_once(ids: &[String], ranges: &[AssetRange]) {
        for id in ids {
            let n = ranges
                .iter()
                .filter(|r| {
                    id.as_str() > r.after.as_str()
                        && r.through.as_deref().is_none_or(|t| id.as_str() <= t)
                })
                .count();
            assert_eq!(n, 1, "{id} is in {n} ranges");
        }
        assert_eq!(ranges.last().and_then(|r| r.through.clone()), None);
    }

    #[test]
    fn ranges_cover_every_asset_once() {
        for (n, parts) in [(0, 4), (1, 4), (3, 4), (10, 3), (100, 7), (1000, 1), (5, 5)] {
            let ids = ids(n);
            let r = ranges(&ids, parts);
            assert_eq!(
                r.len(),
                parts.min(n).max(1),
                "{n} ids, {parts} parts: {r:?}"
            );
            assert!(!r.is_empty());
            covered_once(&ids, &r);
        }
    }

    #[test]
    fn ranges_are_of_about_equal_size() {
        let ids = ids(1000);
        let r = ranges(&ids, 4);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].through.as_deref(), Some("a0249"));
        assert_eq!(r[1].after, "a0249");
        assert_eq!(r[3].after, "a0749");
    }
}
