//! Submissions of findings: the row acknowledged to the client, the batch
//! results written as processing goes (one row per batch, so a million
//! item results are a few hundred rows), and the counts kept beside them.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::model::finding::{
    ItemOutcome, ItemResult, Submission, SubmissionCounts, SubmissionState,
};
use crate::store::read_filter::{ReadFilter, SUBMISSIONS};
use crate::store::{Result, StoreError, decode, decode_text};

pub(super) const COLUMNS: &str = "s.id, s.org_id, s.submitted_by, s.submitted_via, s.idempotency_key, \
     s.file_name, s.sha256, s.size_bytes, s.artifact_key, s.format, s.default_target, \
     s.campaign, s.window_id, s.tlp, v.expression, s.state, s.error, s.items, s.new_findings, \
     s.duplicates, s.rejected, s.batches, s.total_batches, s.parse_error, s.created_at, \
     s.finished_at, s.batch_items";

/// A submission as stored, with what processing needs beyond the API record.
#[derive(Debug, Clone)]
pub struct StoredSubmission {
    pub submission: Submission,
    pub artifact_key: String,
    pub visibility_id: i64,
    /// Batches committed so far, by every worker.
    pub batches: i64,
    /// How many batches the submission has in all; set once its file was
    /// read to the end (see `jobs::submission_process`).
    pub total_batches: Option<i64>,
    /// The document error met while reading the file, if any.
    pub parse_error: Option<String>,
    /// Items committed per transaction (a batch), fixed at creation.
    pub batch_items: usize,
}

pub(super) fn from_row(row: &AnyRow) -> Result<StoredSubmission> {
    let batch_items: i64 = row.try_get("batch_items")?;
    let batch_items = usize::try_from(batch_items)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| StoreError::Corrupt(format!("submission batch size {batch_items}")))?;
    Ok(StoredSubmission {
        submission: Submission {
            id: row.try_get("id")?,
            org_id: row.try_get("org_id")?,
            submitted_by: row.try_get("submitted_by")?,
            submitted_via: row.try_get("submitted_via")?,
            idempotency_key: row.try_get("idempotency_key")?,
            file_name: row.try_get("file_name")?,
            sha256: row.try_get("sha256")?,
            size_bytes: row.try_get("size_bytes")?,
            format: row.try_get("format")?,
            default_target: row.try_get("default_target")?,
            campaign: row.try_get("campaign")?,
            window_id: row.try_get("window_id")?,
            tlp: decode(row, "submissions", "tlp", |s| s.parse().ok())?,
            visibility: row.try_get("expression")?,
            state: decode(row, "submissions", "state", SubmissionState::parse)?,
            error: row.try_get("error")?,
            counts: SubmissionCounts {
                received: row.try_get("items")?,
                new: row.try_get("new_findings")?,
                duplicates: row.try_get("duplicates")?,
                rejected: row.try_get("rejected")?,
            },
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
        },
        artifact_key: row.try_get("artifact_key")?,
        visibility_id: 0,
        batches: row.try_get("batches")?,
        total_batches: row.try_get("total_batches")?,
        parse_error: row.try_get("parse_error")?,
        batch_items,
    })
}

/// Stores a new submission in state `queued`, to be committed
/// `batch_items` items a transaction. `Conflict` when the organisation
/// already used the idempotency key.
pub async fn insert(
    conn: &mut AnyConnection,
    s: &Submission,
    artifact_key: &str,
    visibility_id: i64,
    batch_items: usize,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO submissions (id, org_id, submitted_by, submitted_via, idempotency_key, \
         file_name, sha256, size_bytes, artifact_key, format, default_target, campaign, tlp, \
         visibility_id, state, created_at, window_id, batch_items) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
    )
    .bind(&s.id)
    .bind(&s.org_id)
    .bind(&s.submitted_by)
    .bind(&s.submitted_via)
    .bind(&s.idempotency_key)
    .bind(&s.file_name)
    .bind(&s.sha256)
    .bind(s.size_bytes)
    .bind(artifact_key)
    .bind(&s.format)
    .bind(&s.default_target)
    .bind(&s.campaign)
    .bind(s.tlp.as_str())
    .bind(visibility_id)
    .bind(s.state.as_str())
    .bind(&s.created_at)
    .bind(&s.window_id)
    .bind(batch_items as i64)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "submission with this idempotency key"))?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<StoredSubmission>> {
    let sql = format!(
        "SELECT {COLUMNS}, s.visibility_id FROM submissions s \
         JOIN visibility_labels v ON v.id = s.visibility_id WHERE s.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        let mut s = from_row(&r)?;
        s.visibility_id = r.try_get("visibility_id")?;
        Ok(s)
    })
    .transpose()
}

/// The organisation's submission under `key`, if any.
pub async fn by_idempotency_key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    key: &str,
) -> Result<Option<Submission>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE s.org_id = $1 AND s.idempotency_key = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(key)
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r).map(|s| s.submission)).transpose()
}

/// Newest first; `org_id` None lists every organisation's.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Submission>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE ($1 = '' OR s.org_id = $1) AND ($2 = '' OR s.id < $2) \
         ORDER BY s.id DESC LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.unwrap_or(""))
        .bind(before.unwrap_or(""))
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| from_row(r).map(|s| s.submission))
        .collect()
}

/// One submission, only if the reader may read it (one query either way).
pub async fn get_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<Submission>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE s.id = $3 AND {}",
        SUBMISSIONS.clause(filter, 1, 2)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r).map(|s| s.submission)).transpose()
}

impl crate::store::labelled::Listed for Submission {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Submissions the reader may read, newest first, before the cursor id.
pub async fn list_readable(
    db: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Submission>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE {} AND ($3 = '' OR s.id < $3) ORDER BY s.id DESC LIMIT $4",
        SUBMISSIONS.clause(filter, 1, 2)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(before.unwrap_or(""))
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| from_row(r).map(|s| s.submission))
        .collect()
}

/// Marks processing started (or resumed) with the detected format.
pub async fn start<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    format: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE submissions SET state = 'processing', format = COALESCE($2, format) \
         WHERE id = $1 AND state IN ('queued', 'processing')",
    )
    .bind(id)
    .bind(format)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends processing: `done` or `failed`, with the reading error if any.
/// False (nothing written) when the submission had already ended: with
/// several workers, two may see its last batch committed.
pub async fn finish<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    state: SubmissionState,
    error: Option<&str>,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE submissions SET state = $2, error = $3, finished_at = $4 \
         WHERE id = $1 AND finished_at IS NULL",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(error)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One processed batch: its item results and the counts they add.
pub struct BatchRecord<'a> {
    pub submission_id: &'a str,
    /// 0-based; batch numbers follow the items' order in the file.
    pub batch: i64,
    pub first_seq: i64,
    /// JSON array of `[outcome, finding_id|null, position, message|null]`.
    pub results: String,
    pub counts: SubmissionCounts,
}

/// Writes a batch's results and adds its counts, once: false (write
/// nothing) when a worker already committed this batch (a job taken over
/// after a lost lease). Batches of one submission may be committed in any
/// order, by several workers.
pub async fn record_batch(conn: &mut AnyConnection, b: &BatchRecord<'_>) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO submission_results (submission_id, batch, first_seq, results) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (submission_id, batch) DO NOTHING",
    )
    .bind(b.submission_id)
    .bind(b.batch)
    .bind(b.first_seq)
    .bind(&b.results)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE submissions SET items = items + $2, new_findings = new_findings + $3, \
         duplicates = duplicates + $4, rejected = rejected + $5, batches = batches + 1 \
         WHERE id = $1",
    )
    .bind(b.submission_id)
    .bind(b.counts.received)
    .bind(b.counts.new)
    .bind(b.counts.duplicates)
    .bind(b.counts.rejected)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// How many of the `n` batches from `first` on are committed (a chunk's
/// batches are committed in order, so this is where its worker resumes).
pub async fn committed_batches<'e, E: Executor<'e, Database = Any>>(
    db: E,
    submission_id: &str,
    first: i64,
    n: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM submission_results \
         WHERE submission_id = $1 AND batch >= $2 AND batch < $3",
    )
    .bind(submission_id)
    .bind(first)
    .bind(first + n)
    .fetch_one(db)
    .await?)
}

/// Records that the file was read to the end: the number of batches in
/// all and the document error met, if any. Returns the batches committed
/// by then; the statement takes the row's lock, so of this and a
/// concurrent last batch at least one sees both.
pub async fn set_total_batches<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    total: i64,
    parse_error: Option<&str>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE submissions SET total_batches = $2, parse_error = $3 WHERE id = $1 \
         RETURNING batches",
    )
    .bind(id)
    .bind(total)
    .bind(parse_error)
    .fetch_one(db)
    .await?)
}

/// Item results of up to `batches` batches from the one holding `from_seq`
/// on, in order, decoded. With `outcome`, batches holding no item of that
/// outcome are skipped in SQL (a million-item file with three rejections
/// reads three batches, not five hundred).
pub async fn results<'e, E: Executor<'e, Database = Any>>(
    db: E,
    submission_id: &str,
    from_seq: i64,
    batches: i64,
    outcome: Option<ItemOutcome>,
) -> Result<Vec<ItemResult>> {
    // Each result is stored as `["outcome", ...]`; outcome names hold no
    // LIKE wildcards.
    let pattern = outcome.map_or_else(String::new, |o| format!("%[\"{}\",%", o.as_str()));
    let rows = sqlx::query(
        "SELECT first_seq, results FROM submission_results \
         WHERE submission_id = $1 AND batch >= COALESCE((SELECT MAX(batch) FROM submission_results \
             WHERE submission_id = $1 AND first_seq <= $2), 0) \
         AND ($4 = '' OR results LIKE $4) ORDER BY batch LIMIT $3",
    )
    .bind(submission_id)
    .bind(from_seq)
    .bind(batches)
    .bind(pattern)
    .fetch_all(db)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let first: i64 = row.try_get("first_seq")?;
        let text: String = row.try_get("results")?;
        out.extend(decode_results(first, &text)?);
    }
    Ok(out)
}

type RawResult = (String, Option<String>, String, Option<String>);

/// The stored JSON form of a batch's results.
pub fn encode_results(items: &[ItemResult]) -> String {
    let raw: Vec<RawResult> = items
        .iter()
        .map(|i| {
            (
                i.outcome.as_str().to_owned(),
                i.finding_id.clone(),
                i.position.clone(),
                i.message.clone(),
            )
        })
        .collect();
    serde_json::to_string(&raw).unwrap_or_else(|_| "[]".to_owned())
}

fn decode_results(first_seq: i64, text: &str) -> Result<Vec<ItemResult>> {
    let raw: Vec<RawResult> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("submission results: {e}")))?;
    raw.into_iter()
        .enumerate()
        .map(|(i, (outcome, finding_id, position, message))| {
            Ok(ItemResult {
                seq: first_seq + i as i64,
                position,
                outcome: decode_text("submission_results", "results", outcome, ItemOutcome::parse)?,
                finding_id,
                message,
            })
        })
        .collect()
}
