//! Full re-matches split into parts (`rematch_runs`, `rematch_parts`): a
//! run says how many parts it has; each part, a range of asset ids taken
//! as a job by any process, records its counts once, by its number (or
//! the error that ended its last attempt); the run ends when every part is
//! recorded.

use sqlx::{AnyConnection, Row};

use crate::model::exposure::ExposureCounts;
use crate::store::Result;

/// A run as it stands.
#[derive(Debug, Clone)]
pub struct RunStatus {
    pub id: String,
    pub requested_by: String,
    pub parts: i64,
    pub parts_done: i64,
    /// Parts whose last attempt failed (counted in `parts_done`).
    pub parts_failed: i64,
    /// The error of the lowest-numbered failed part.
    pub error: Option<String>,
    /// The sum of the recorded parts' counts (`open` is not counted: 0).
    pub counts: ExposureCounts,
    pub created_at: String,
    pub finished_at: Option<String>,
}

pub async fn insert_run(
    conn: &mut AnyConnection,
    id: &str,
    requested_by: &str,
    parts: i64,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rematch_runs (id, requested_by, parts, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(requested_by)
    .bind(parts)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The run not yet ended, if any.
pub async fn unfinished(conn: &mut AnyConnection) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM rematch_runs WHERE finished_at IS NULL LIMIT 1")
            .fetch_optional(conn)
            .await?,
    )
}

/// Records a part's counts, or with `error` its failure; false when the
/// part was recorded already (a retried job keeps its first record).
pub async fn record_part(
    conn: &mut AnyConnection,
    run_id: &str,
    part: i64,
    counts: &ExposureCounts,
    error: Option<&str>,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO rematch_parts (run_id, part, new_count, changed_count, resolved_count, \
         error, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (run_id, part) DO NOTHING",
    )
    .bind(run_id)
    .bind(part)
    .bind(counts.new as i64)
    .bind(counts.changed as i64)
    .bind(counts.resolved as i64)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who asked for the run; `None` when there is no such run.
pub async fn requester(conn: &mut AnyConnection, run_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT requested_by FROM rematch_runs WHERE id = $1")
            .bind(run_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Whether the part is recorded (a retried job skips a recorded part).
pub async fn part_done(conn: &mut AnyConnection, run_id: &str, part: i64) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM rematch_parts WHERE run_id = $1 AND part = $2")
            .bind(run_id)
            .bind(part)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// Ends the run when every part is recorded; true for the one call that
/// ends it.
pub async fn finish_if_complete(conn: &mut AnyConnection, run_id: &str, now: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE rematch_runs SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL \
         AND parts = (SELECT COUNT(*) FROM rematch_parts WHERE run_id = $1)",
    )
    .bind(run_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn status(conn: &mut AnyConnection, run_id: &str) -> Result<Option<RunStatus>> {
    let row = sqlx::query(
        "SELECT r.id, r.requested_by, r.parts, r.created_at, r.finished_at, \
         (SELECT COUNT(*) FROM rematch_parts p WHERE p.run_id = r.id) AS parts_done, \
         (SELECT COUNT(*) FROM rematch_parts p WHERE p.run_id = r.id AND p.error IS NOT NULL) \
             AS parts_failed, \
         (SELECT p.error FROM rematch_parts p WHERE p.run_id = r.id AND p.error IS NOT NULL \
             ORDER BY p.part LIMIT 1) AS error, \
         (SELECT CAST(COALESCE(SUM(new_count), 0) AS BIGINT) FROM rematch_parts p WHERE p.run_id = r.id) AS new_count, \
         (SELECT CAST(COALESCE(SUM(changed_count), 0) AS BIGINT) FROM rematch_parts p WHERE p.run_id = r.id) AS changed_count, \
         (SELECT CAST(COALESCE(SUM(resolved_count), 0) AS BIGINT) FROM rematch_parts p WHERE p.run_id = r.id) AS resolved_count \
         FROM rematch_runs r WHERE r.id = $1",
    )
    .bind(run_id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    // SUM of a BIGINT is NUMERIC on PostgreSQL: the statement casts it back.
    let sum = |name: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(name)?.max(0) as u64) };
    Ok(Some(RunStatus {
        id: r.try_get("id")?,
        requested_by: r.try_get("requested_by")?,
        parts: r.try_get("parts")?,
        parts_done: r.try_get("parts_done")?,
        parts_failed: r.try_get("parts_failed")?,
        error: r.try_get("error")?,
        counts: ExposureCounts {
            new: sum("new_count")?,
            changed: sum("changed_count")?,
            resolved: sum("resolved_count")?,
            open: 0,
        },
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    }))
}
