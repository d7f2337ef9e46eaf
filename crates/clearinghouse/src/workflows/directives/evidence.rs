//! Past reports and attestations with their evidence: the submissions of
//! a directive an organisation may read (its own; every organisation's for
//! `READ_ALL`), and the files attached to them as evidence. A file goes to
//! the artifact store (content-addressed, its SHA-256 recorded), at most
//! [`MAX_EVIDENCE_BYTES`] each and [`MAX_EVIDENCE_FILES`] per submission,
//! attached only by the submitting organisation while the directive is in
//! force. Evidence is readable like the submission it supports: by that
//! organisation and CISA's readers; anyone else gets the 404 of a missing
//! id. Every upload and every download is audited.

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::text::validate_file_name;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::obligations::org_filter;
use super::{READ_ALL, in_force, visible};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::AnyConnection;
use crate::store::directives::forms::{EvidenceRow, SubmissionRow};
use crate::workflows::findings::pocs::validate_media_type;
use crate::workflows::new_id;
use crate::workflows::{commit_audited, download_audited};

/// The largest evidence file.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;
/// The most files supporting one submission.
pub const MAX_EVIDENCE_FILES: i64 = 20;

/// One evidence file, as listed (the bytes come from its download).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    pub id: String,
    pub submission_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

impl From<EvidenceRow> for Evidence {
    fn from(e: EvidenceRow) -> Self {
        Evidence {
            id: e.id,
            submission_id: e.submission_id,
            file_name: e.file_name,
            media_type: e.media_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            uploaded_by: e.uploaded_by,
            uploaded_at: e.uploaded_at,
        }
    }
}

/// A report or attestation as submitted, with its evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionRecord {
    pub id: String,
    pub directive_id: String,
    pub action: String,
    pub org_id: String,
    pub period: String,
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub submitted_by: String,
    pub submitted_at: String,
    pub evidence: Vec<Evidence>,
}

/// The file as uploaded.
#[derive(Debug, Default)]
pub struct NewEvidence {
    pub name: Option<String>,
    pub media_type: Option<String>,
}

fn may_read(who: &Principal, org_id: &str) -> bool {
    org_id == who.org_id() || who.has_any_role(READ_ALL)
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored submission: {e}"))
}

/// The submissions to a directive the caller may read (one organisation's
/// when `org` is given), newest first, each with its evidence.
pub async fn submissions(
    app: &AppState,
    who: &Principal,
    id: &str,
    org: Option<&str>,
) -> AppResult<Vec<SubmissionRecord>> {
    who.require_scope(Scope::ExposuresRead)?;
    let org = org_filter(who, org)?;
    let mut conn = app.store.pool.acquire().await?;
    let d = visible(&mut conn, who, id).await?;
    let rows = store::directives::forms::submissions(&mut conn, &d.id, org.as_deref()).await?;
    let mut files = store::directives::forms::evidence(&mut conn, &d.id, org.as_deref()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let (mine, rest): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|e| e.submission_id == s.id);
        files = rest;
        out.push(SubmissionRecord {
            fields: serde_json::from_str(&s.fields).map_err(corrupt)?,
            id: s.id,
            directive_id: s.directive_id,
            action: s.action_key,
            org_id: s.org_id,
            period: s.period,
            submitted_by: s.submitted_by,
            submitted_at: s.submitted_at,
            evidence: mine.into_iter().map(Evidence::from).collect(),
        });
    }
    out.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The submission if `who` may read it (404 otherwise, as for a missing one).
async fn readable_submission(
    conn: &mut store::AnyConnection,
    who: &Principal,
    submission_id: &str,
) -> AppResult<SubmissionRow> {
    store::directives::forms::get_submission(conn, submission_id)
        .await?
        .filter(|s| may_read(who, &s.org_id))
        .ok_or(AppError::NotFound)
}

/// Attaches a file of evidence to one of the caller's organisation's
/// submissions.
pub async fn attach(
    app: &AppState,
    who: &Principal,
    submission_id: &str,
    input: NewEvidence,
    bytes: Vec<u8>,
) -> AppResult<Evidence> {
    who.require_scope(Scope::ExposuresWrite)?;
    let sub = {
        let mut conn = app.store.pool.acquire().await?;
        readable_submission(&mut conn, who, submission_id).await?
    };
    if sub.org_id != who.org_id() {
        return Err(AppError::forbidden(
            "only the organisation that submitted the report attaches its evidence",
        ));
    }
    let (d, _) = in_force(app, who, &sub.directive_id).await?;
    let name = input.name.as_deref().unwrap_or_default();
    let file_name =
        validate_file_name("name", name).map_err(|e| AppError::invalid("name", e.to_string()))?;
    let media_type = validate_media_type(input.media_type.as_deref())?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::TooLarge(format!(
            "file: at most {} MiB",
            MAX_EVIDENCE_BYTES >> 20
        )));
    }
    let size_bytes = i64::try_from(bytes.len()).map_err(corrupt)?;
    {
        // Checked before the file is stored, and again in the transaction.
        let mut conn = app.store.pool.acquire().await?;
        room_for_evidence(&mut conn, &sub.id).await?;
    }
    let (object_key, sha256) = app
        .artifacts
        .put(bytes)
        .await
        .map_err(|e| AppError::internal("storing evidence", e))?;
    let row = EvidenceRow {
        id: new_id(),
        submission_id: sub.id.clone(),
        directive_id: sub.directive_id.clone(),
        org_id: sub.org_id.clone(),
        file_name,
        media_type,
        size_bytes,
        sha256,
        object_key,
        uploaded_by: who.user_id().to_owned(),
        uploaded_at: clock::now_text(),
    };
    let mut tx = app.store.begin_write().await?;
    // Concurrent uploads count one after another.
    store::locks::lock_record(&mut tx, app.store.backend, "directive_submission", &sub.id).await?;
    room_for_evidence(&mut tx, &sub.id).await?;
    store::directives::forms::insert_evidence(&mut tx, &row).await?;
    let event = AuditEvent {
        action: "directive.evidence",
        object_type: "directive_evidence",
        object_id: &row.id,
        change: json!({"directive": d.number, "submission": sub.id, "action": sub.action_key,
            "period": sub.period, "file_name": row.file_name, "size_bytes": row.size_bytes,
            "sha256": row.sha256}),
    };
    commit_audited(app, tx, who, event).await?;
    Ok(row.into())
}

/// 422 when the submission already has [`MAX_EVIDENCE_FILES`] evidence
/// files; [`attach`] checks before it stores the file and again in its
/// transaction.
async fn room_for_evidence(conn: &mut AnyConnection, submission_id: &str) -> AppResult<()> {
    if store::directives::forms::evidence_count(conn, submission_id).await? >= MAX_EVIDENCE_FILES {
        return Err(AppError::invalid(
            "file",
            format!("a submission has at most {MAX_EVIDENCE_FILES} evidence files"),
        ));
    }
    Ok(())
}

/// One evidence file and its bytes, for those who may read its
/// submission (404 for anyone else). The download is audited first.
pub async fn download(
    app: &AppState,
    who: &Principal,
    evidence_id: &str,
) -> AppResult<(Evidence, Vec<u8>)> {
    who.require_scope(Scope::ExposuresRead)?;
    let row = {
        let mut conn = app.store.pool.acquire().await?;
        store::directives::forms::get_evidence(&mut conn, evidence_id)
            .await?
            .filter(|e| may_read(who, &e.org_id))
            .ok_or(AppError::NotFound)?
    };
    let event = AuditEvent {
        action: "directive.evidence_download",
        object_type: "directive_evidence",
        object_id: &row.id,
        change: json!({"submission": row.submission_id, "sha256": row.sha256}),
    };
    let bytes = download_audited(app, who, &row.object_key, "reading evidence", event).await?;
    Ok((row.into(), bytes))
}
