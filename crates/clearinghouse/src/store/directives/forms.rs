//! Agencies' side of a directive in SQL: reports and attestations
//! (`directive_submissions`, one per organisation, action and period) and
//! extension and exception requests (`directive_requests`) with the
//! directive manager's decision (compare-and-set on `pending`), and the
//! evidence files supporting submissions (`directive_evidence`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Result, StoreError};

/// A report or attestation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRow {
    pub id: String,
    pub directive_id: String,
    pub action_key: String,
    pub org_id: String,
    /// The period's due date (`YYYY-MM-DD`).
    pub period: String,
    /// The fields as a JSON object.
    pub fields: String,
    pub artifact_key: Option<String>,
    pub artifact_name: Option<String>,
    pub artifact_sha256: Option<String>,
    pub submitted_by: String,
    pub submitted_at: String,
}

/// An extension or exception request as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    pub id: String,
    pub directive_id: String,
    pub action_key: String,
    pub org_id: String,
    /// The exposure (remediate actions) or the period (reports).
    pub exposure_id: Option<String>,
    pub period: Option<String>,
    /// `extension` or `exception`.
    pub kind: String,
    pub until: Option<String>,
    pub justification: String,
    /// `pending`, `granted` or `denied`.
    pub state: String,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
}

const SUBMISSION_COLUMNS: &str = "id, directive_id, action_key, org_id, period, fields, \
     artifact_key, artifact_name, artifact_sha256, submitted_by, submitted_at";

const REQUEST_COLUMNS: &str = "id, directive_id, action_key, org_id, exposure_id, period, kind, \
     until, justification, state, requested_by, requested_at, decided_by, decided_at, decision_reason";

fn submission_from_row(r: &AnyRow) -> Result<SubmissionRow> {
    Ok(SubmissionRow {
        id: r.try_get("id")?,
        directive_id: r.try_get("directive_id")?,
        action_key: r.try_get("action_key")?,
        org_id: r.try_get("org_id")?,
        period: r.try_get("period")?,
        fields: r.try_get("fields")?,
        artifact_key: r.try_get("artifact_key")?,
        artifact_name: r.try_get("artifact_name")?,
        artifact_sha256: r.try_get("artifact_sha256")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

fn request_from_row(r: &AnyRow) -> Result<RequestRow> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        directive_id: r.try_get("directive_id")?,
        action_key: r.try_get("action_key")?,
        org_id: r.try_get("org_id")?,
        exposure_id: r.try_get("exposure_id")?,
        period: r.try_get("period")?,
        kind: r.try_get("kind")?,
        until: r.try_get("until")?,
        justification: r.try_get("justification")?,
        state: r.try_get("state")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
    })
}

pub async fn insert_submission(conn: &mut AnyConnection, s: &SubmissionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO directive_submissions (id, directive_id, action_key, org_id, period, fields, \
         artifact_key, artifact_name, artifact_sha256, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&s.id)
    .bind(&s.directive_id)
    .bind(&s.action_key)
    .bind(&s.org_id)
    .bind(&s.period)
    .bind(&s.fields)
    .bind(&s.artifact_key)
    .bind(&s.artifact_name)
    .bind(&s.artifact_sha256)
    .bind(&s.submitted_by)
    .bind(&s.submitted_at)
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directive_id)
        .bind(org)
        .bind(org)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(submission_from_row).collect()
}

pub async fn insert_request(conn: &mut AnyConnection, r: &RequestRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO directive_requests (id, directive_id, action_key, org_id, exposure_id, period, \
         kind, until, justification, state, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(&r.directive_id)
    .bind(&r.action_key)
    .bind(&r.org_id)
    .bind(&r.exposure_id)
    .bind(&r.period)
    .bind(&r.kind)
    .bind(&r.until)
    .bind(&r.justification)
    .bind(&r.state)
    .bind(&r.requested_by)
    .bind(&r.requested_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get_request(conn: &mut AnyConnection, id: &str) -> Result<Option<RequestRow>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM directive_requests WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(request_from_row)
        .transpose()
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directive_id)
        .bind(org)
        .bind(org)
        .bind(st)
        .bind(st)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(request_from_row).collect()
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
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&r.directive_id)
        .bind(&r.org_id)
        .bind(&r.action_key)
        .bind(r.exposure_id.as_deref().unwrap_or(""))
        .bind(r.period.as_deref().unwrap_or(""))
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(request_from_row)
        .transpose()
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
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(submission_from_row)
        .transpose()
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
    Ok(EvidenceRow {
        id: r.try_get("id")?,
        submission_id: r.try_get("submission_id")?,
        directive_id: r.try_get("directive_id")?,
        org_id: r.try_get("org_id")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        object_key: r.try_get("object_key")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

pub async fn insert_evidence(conn: &mut AnyConnection, e: &EvidenceRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO directive_evidence (id, submission_id, directive_id, org_id, file_name, \
         media_type, size_bytes, sha256, object_key, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&e.id)
    .bind(&e.submission_id)
    .bind(&e.directive_id)
    .bind(&e.org_id)
    .bind(&e.file_name)
    .bind(&e.media_type)
    .bind(e.size_bytes)
    .bind(&e.sha256)
    .bind(&e.object_key)
    .bind(&e.uploaded_by)
    .bind(&e.uploaded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get_evidence(conn: &mut AnyConnection, id: &str) -> Result<Option<EvidenceRow>> {
    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM directive_evidence WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(evidence_from_row)
        .transpose()
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directive_id)
        .bind(org)
        .bind(org)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(evidence_from_row).collect()
}
