//! The job queue: rows claimed by one worker at a time. PostgreSQL claims
//! with `FOR UPDATE SKIP LOCKED` so several processes drain one queue
//! without running a job twice; SQLite has a single writer, so the same
//! UPDATE is atomic there without it.

use sqlx::{Any, Executor, Row};

use super::{Backend, Result, Store, decode, in_params};
use crate::model::job::JobState;

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Queues a job. With a `unique_key`, a second job with the same key is not
/// queued (returns false).
pub async fn enqueue<'e, E: Executor<'e, Database = Any>>(
    db: E,
    kind: &str,
    payload: &str,
    unique_key: Option<&str>,
    run_at: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (kind, payload, unique_key, state, attempts, max_attempts, run_at, created_at) \
         VALUES ($1, $2, $3, 'queued', 0, 5, $4, $5) ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(kind)
    .bind(payload)
    .bind(unique_key)
    .bind(run_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a job with `unique_key` was ever queued.
pub async fn key_exists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    unique_key: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE unique_key = $1")
        .bind(unique_key)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// Claims the next job that is due, or one whose worker's lease expired;
/// only of `kinds` unless that is empty.
pub async fn claim(
    store: &Store,
    worker: &str,
    (now, lease_expired_before): (&str, &str),
    kinds: &[&str],
) -> Result<Option<ClaimedJob>> {
    let lock = match store.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let of_kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!("AND kind IN ({})", in_params(4, kinds.len()))
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, locked_at = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs \
             WHERE ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND locked_at < $3)) \
             {of_kinds} ORDER BY run_at, id LIMIT 1 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let mut tx = store.begin_write().await?;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(now)
        .bind(lease_expired_before);
    for kind in kinds {
        q = q.bind(*kind);
    }
    let row = q.fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(match row {
        Some(r) => Some(ClaimedJob {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
        }),
        None => None,
    })
}

/// Renews a running job's lease, while its worker still holds it.
pub async fn heartbeat<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    worker: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET locked_at = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn complete<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    worker: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $1, unique_key = NULL, last_error = NULL \
         WHERE id = $2 AND locked_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failure: retried at `retry_at`, or failed for good when out of
/// attempts.
pub async fn fail<'e, E: Executor<'e, Database = Any>>(
    db: E,
    job: &ClaimedJob,
    worker: &str,
    error: &str,
    retry_at: &str,
    now: &str,
) -> Result<()> {
    let final_failure = job.attempts >= job.max_attempts;
    sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, finished_at = $4, locked_by = NULL, \
         unique_key = CASE WHEN $1 = 'failed' THEN NULL ELSE unique_key END \
         WHERE id = $5 AND locked_by = $6",
    )
    .bind(if final_failure {
        JobState::Failed
    } else {
        JobState::Queued
    }
    .as_str())
    .bind(retry_at)
    .bind(error)
    .bind(if final_failure { Some(now) } else { None })
    .bind(job.id)
    .bind(worker)
    .execute(db)
    .await?;
    Ok(())
}

/// Jobs waiting to run (for the `jobs_queued` metric).
pub async fn queued_count<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .fetch_one(db)
            .await?,
    )
}

/// A job that has not finished well: queued (perhaps retrying after an
/// error), running, or failed for good.
#[derive(Debug, Clone)]
pub struct Unsettled {
    pub id: i64,
    pub kind: String,
    pub state: JobState,
    pub last_error: Option<String>,
}

/// Every job not `done`, oldest first (what a test left behind).
pub async fn unsettled<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<Vec<Unsettled>> {
    let rows = sqlx::query(
        "SELECT id, kind, state, last_error FROM jobs WHERE state <> 'done' ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => Unsettled {
                id, kind,
                state: decode(r, "jobs", "state", JobState::parse)?,
                last_error,
            }))
        })
        .collect()
}
