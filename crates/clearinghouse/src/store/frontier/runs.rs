//! Evaluation runs' SQL (`frontier_runs`, `frontier_run_samples`,
//! `frontier_run_scores`). Runs carry no labels of their own: they are read
//! through their suite's ([`super::suites::SUITES`], registered in
//! `read_filter::DERIVED`), so every read here joins the suite under the
//! read policy, and the evaluated model's too when the run names one;
//! samples and scores are read only for a run already read.

use sqlx::{AnyConnection, Row};

use super::models::MODELS;
use super::suites::SUITES;
use crate::model::frontier::RunStatus;
use crate::store::fetch;
use crate::store::labelled::Readable;
use crate::store::read_filter::ReadFilter;
use crate::store::{Result, StoreError, decode};

/// A run is read when its suite is, and when the model it evaluated (if it
/// names one) is too: a suite shared with several developers must not show
/// one developer the runs, scores and samples of another's model.
fn run_clause(filter: &ReadFilter<'_>) -> String {
    format!(
        "{} AND (r.model_id IS NULL OR EXISTS (SELECT 1 FROM frontier_models m \
         WHERE m.id = r.model_id AND {}))",
        SUITES.clause(filter, 1, 2),
        MODELS.clause(filter, 1, 2)
    )
}

table_record! {
    /// An imported log as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RunRow {
        id: String, suite_id: String, sha256: String, artifact_key: String, size_bytes: i64,
        format: String, file_name: Option<String>, model_id: Option<String>, task: String,
        task_version: Option<String>, inspect_model: String,
        status: RunStatus = decode(row, "frontier_runs", "status", RunStatus::parse)?,
        samples: i64, epochs: i64, max_epoch: i64, errored: i64, scorer: Option<String>,
        /// JSON object: Inspect sample id → suite task id.
        mapping: String,
        /// JSON of the domain's `LogHeader`.
        header: String,
        created_by: String, created_at: String,
    }
    const COLUMNS = r.*;
    fn from_row(row);
}

/// One sample (sample × epoch) of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub seq: i64,
    pub sample_id: String,
    pub task_id: String,
    pub epoch: i64,
    /// For the run's scorer: `pass`, `fail`, `partial`, `unscored`, `errored`.
    pub outcome: String,
    /// JSON array of `{scorer, value}` as the log wrote them.
    pub scores: String,
    pub error: Option<String>,
    pub total_tokens: i64,
}

/// A run's score against one suite version.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub run_id: String,
    pub suite_version_id: String,
    pub seed: i64,
    pub resamples: i64,
    /// JSON of the domain's `RunScore`.
    pub score: String,
    pub created_at: String,
}

/// Inserts a run; the same file for the same suite is a conflict.
pub async fn insert(conn: &mut AnyConnection, r: &RunRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_runs (id, suite_id, sha256, artifact_key, size_bytes, format, \
         file_name, model_id, task, task_version, inspect_model, status, samples, epochs, \
         max_epoch, errored, scorer, mapping, header, created_by, created_at) VALUES ($1, $2, $3, \
         $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    );
    bind_fields!(q, r => {
        id, suite_id, sha256, artifact_key, size_bytes, format, file_name, model_id, task,
        task_version, inspect_model,
        status: r.status.as_str(),
        samples, epochs, max_epoch, errored, scorer, mapping, header, created_by, created_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a run of this file for this suite"))?;
    Ok(())
}

/// Inserts samples, many rows per statement.
pub async fn insert_samples(
    conn: &mut AnyConnection,
    run_id: &str,
    samples: &[SampleRow],
) -> Result<()> {
    const PER: usize = 100;
    for chunk in samples.chunks(PER) {
        let mut sql = String::from(
            "INSERT INTO frontier_run_samples (run_id, seq, sample_id, task_id, epoch, outcome, \
             scores, error, total_tokens) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 9;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q
                .bind(run_id)
                .bind(s.seq)
                .bind(&s.sample_id)
                .bind(&s.task_id)
                .bind(s.epoch)
                .bind(&s.outcome)
                .bind(&s.scores)
                .bind(&s.error)
                .bind(s.total_tokens);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts (or keeps) a run's score for a suite version.
pub async fn insert_score(conn: &mut AnyConnection, s: &ScoreRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_run_scores (run_id, suite_version_id, seed, resamples, score, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    );
    bind_fields!(q, s => {
        run_id, suite_version_id, seed, resamples, score, created_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a score of this run for this suite version"))?;
    Ok(())
}

/// The run of this file for this suite, if any (no read filter: the caller
/// has read the suite).
pub async fn by_digest(
    pool: &sqlx::AnyPool,
    suite_id: &str,
    sha256: &str,
) -> Result<Option<RunRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM frontier_runs r WHERE r.suite_id = $1 AND r.sha256 = $2");
    fetch::optional(pool, sql, &[&suite_id, &sha256], from_row).await
}

/// One run, only if its suite is readable.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<RunRow>> {
    let readable = Readable {
        select: format!(
            "SELECT {COLUMNS} FROM frontier_runs r JOIN frontier_suites s ON s.id = r.suite_id"
        ),
        id: "r.id".to_owned(),
        clause: run_clause(filter),
    };
    readable.one(pool, filter, id, from_row).await
}

/// Readable runs after the cursor, newest id last, optionally of one suite
/// and/or one model.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    suite_id: Option<&str>,
    model_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM frontier_runs r JOIN frontier_suites s ON s.id = r.suite_id \
         WHERE r.id > $3 AND ($4 = '' OR r.suite_id = $4) AND ($5 = '' OR r.model_id = $5) \
         AND {} ORDER BY r.id LIMIT $6",
        run_clause(filter)
    );
    fetch::all(
        pool,
        sql,
        &[
            &filter.org_id,
            &filter.user_id,
            &after.unwrap_or(""),
            &suite_id.unwrap_or(""),
            &model_id.unwrap_or(""),
            &limit,
        ],
        from_row,
    )
    .await
}

/// A run's samples after `after` (a sequence number), in log order.
pub async fn samples(
    pool: &sqlx::AnyPool,
    run_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<SampleRow>> {
    let rows = sqlx::query(
        "SELECT seq, sample_id, task_id, epoch, outcome, scores, error, total_tokens \
         FROM frontier_run_samples WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(run_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => SampleRow {
                seq, sample_id, task_id, epoch, outcome, scores, error, total_tokens,
            }))
        })
        .collect()
}

/// A run's scores, oldest suite version first.
pub async fn scores(pool: &sqlx::AnyPool, run_id: &str) -> Result<Vec<ScoreRow>> {
    let rows = sqlx::query(
        "SELECT sc.run_id, sc.suite_version_id, sc.seed, sc.resamples, sc.score, sc.created_at \
         FROM frontier_run_scores sc JOIN frontier_suite_versions v ON v.id = sc.suite_version_id \
         WHERE sc.run_id = $1 ORDER BY v.number",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => ScoreRow {
                run_id, suite_version_id, seed, resamples, score, created_at,
            }))
        })
        .collect()
}
