//! Agencies' side of a directive in SQL: reports and attestations
//! (`directive_submissions`, one per organisation, action and period) and
//! extension and exception requests (`directive_requests`) with the
//! directive manager's decision (compare-and-set on `pending`), and the
//! evidence files supporting submissions (`directive_evidence`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::{Result, StoreError};

table_record! {
    /// A report or attestation as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SubmissionRow {
        id: String, directive_id: String, action_key: String, org_id: String,
        /// The period's due date (`YYYY-MM-DD`).
        period: String,
        /// The fields as a JSON object.
        fields: String,
        artifact_key: Option<String>, artifact_name: Option<String>,
        artifact_sha256: Option<String>, submitted_by: String, submitted_at: String,
    }
    const SUBMISSION_COLUMNS = *;
    fn submission_from_row(r);
}

table_record! {
    /// An extension or exception request as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RequestRow {
        id: String, directive_id: String, action_key: String, org_id: String,
        /// The exposure (remediate actions) or the period (reports).
        exposure_id: Option<String>,
        period: Option<String>,
        /// `extension` or `exception`.
        kind: String,
        until: Option<String>, justification: String,
        /// `pending`, `granted` or `denied`.
        state: String,
        requested_by: String, requested_at: String, decided_by: Option<String>,
        decided_at: Option<String>, decision_reason: Option<String>,
    }
    const REQUEST_COLUMNS = *;
    fn request_from_row(r);
}

pub async fn insert_submission(conn: &mut AnyConnection, s: &SubmissionRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO directive_submissions (id, directive_id, action_key, org_id, period, fields, \
         artifact_key, artifact_name, artifact_sha256, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    );
    bind_fields!(q, s => {
        id, directive_id, action_key, org_id, period, fields, artifact_key, artifact_name,
        artifact_sha256, submitted_by, submitted_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a submission for this period"))?;
    Ok(())
}

/// Submissions to a directive, of one organisation or of all.
pub async fn submissions(
    conn: &mut AnyConnection,
    directive_id: &str,
    org_id: Option<&str>,
) -> Result<Vec<SubmissionRow>> {
    let sql = format!(
        "SELECT {SUBMISSION_COLUMNS} FROM directive_submissions \
         WHERE directive_id = $1 AND ($2 = '' OR org_id = $3) ORDER BY org_id, action_key, period"
    );
    let org = org_id.unwrap_or("");
    fetch::all(
        &mut *conn,
        sql,
        &[&directive_id, &org, &org],
        submission_from_row,
    )
    .await
}

pub async fn insert_request(conn: &mut AnyConnection, r: &RequestRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO directive_requests (id, directive_id, action_key, org_id, exposure_id, period, \
         kind, until, justification, state, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    );
    bind_fields!(q, r => {
        id, directive_id, action_key, org_id, exposure_id, period, kind, until, justification,
        state, requested_by, requested_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get_request(conn: &mut AnyConnection, id: &str) -> Result<Option<RequestRow>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM directive_requests WHERE id = $1");
    fetch::optional(&mut *conn, sql, &[&id], request_from_row).await
}

/// Requests about a directive, of one organisation or of all, optionally
/// in one state.
pub async fn requests(
    conn: &mut AnyConnection,
    directive_id: &str,
    org_id: Option<&str>,
    state: Option<&str>,
) -> Result<Vec<RequestRow>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM directive_requests WHERE directive_id = $1 \
         AND ($2 = '' OR org_id = $3) AND ($4 = '' OR state = $5) ORDER BY requested_at, id"
    );
    let (org, st) = (org_id.unwrap_or(""), state.unwrap_or(""));
    fetch::all(
        &mut *conn,
        sql,
        &[&directive_id, &org, &org, &st, &st],
        request_from_row,
    )
    .await
}

/// The pending request of an organisation about one obligation (an
/// exposure or a period of an action), if any. Callers hold
/// `store::directives::lock` in the same transaction.
pub async fn pending_request_for(
    conn: &mut AnyConnection,
    r: &RequestRow,
) -> Result<Option<RequestRow>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM directive_requests WHERE directive_id = $1 AND org_id = $2 \
         AND action_key = $3 AND COALESCE(exposure_id, '') = $4 AND COALESCE(period, '') = $5 \
         AND state = 'pending' ORDER BY requested_at, id LIMIT 1"
    );
    fetch::optional(
        &mut *conn,
        sql,
        &[
            &r.directive_id,
            &r.org_id,
            &r.action_key,
            &r.exposure_id.as_deref().unwrap_or(""),
            &r.period.as_deref().unwrap_or(""),
        ],
        request_from_row,
    )
    .await
}

/// Decides a pending request; false when it is no longer pending.
pub async fn decide_request(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    by: &str,
    at: &str,
    reason: Option<&str>,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE directive_requests SET state = $1, decided_by = $2, decided_at = $3, \
         decision_reason = $4 WHERE id = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// One submission by id.
pub async fn get_submission(conn: &mut AnyConnection, id: &str) -> Result<Option<SubmissionRow>> {
    let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM directive_submissions WHERE id = $1");
    fetch::optional(&mut *conn, sql, &[&id], submission_from_row).await
}

/// A file of evidence supporting a submission, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub id: String,
    pub submission_id: String,
    pub directive_id: String,
    pub org_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// The artifact store's key.
    pub object_key: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const EVIDENCE_COLUMNS: &str = "id, submission_id, directive_id, org_id, file_name, media_type, \
     size_bytes, sha256, object_key, uploaded_by, uploaded_at";

fn evidence_from_row(r: &AnyRow) -> Result<EvidenceRow> {
    Ok(from_columns!(r => EvidenceRow {
        id, submission_id, directive_id, org_id, file_name, media_type, size_bytes, sha256,
        object_key, uploaded_by, uploaded_at,
    }))
}

pub async fn insert_evidence(conn: &mut AnyConnection, e: &EvidenceRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO directive_evidence (id, submission_id, directive_id, org_id, file_name, \
         media_type, size_bytes, sha256, object_key, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    );
    bind_fields!(q, e => {
        id, submission_id, directive_id, org_id, file_name, media_type, size_bytes, sha256,
        object_key, uploaded_by, uploaded_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get_evidence(conn: &mut AnyConnection, id: &str) -> Result<Option<EvidenceRow>> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM directive_evidence WHERE id = $1");
    fetch::optional(&mut *conn, sql, &[&id], evidence_from_row).await
}

/// How many files support one submission.
pub async fn evidence_count(conn: &mut AnyConnection, submission_id: &str) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM directive_evidence WHERE submission_id = $1")
            .bind(submission_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?,
    )
}

/// The evidence of a directive's submissions, of one organisation or of
/// all, oldest first.
pub async fn evidence(
    conn: &mut AnyConnection,
    directive_id: &str,
    org_id: Option<&str>,
) -> Result<Vec<EvidenceRow>> {
    let sql = format!(
        "SELECT {EVIDENCE_COLUMNS} FROM directive_evidence \
         WHERE directive_id = $1 AND ($2 = '' OR org_id = $3) ORDER BY uploaded_at, id"
    );
    let org = org_id.unwrap_or("");
    fetch::all(
        &mut *conn,
        sql,
        &[&directive_id, &org, &org],
        evidence_from_row,
    )
    .await
}
