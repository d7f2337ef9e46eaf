//! `/api/v1/directives/{id}/reports` (GET: past reports and attestations
//! with their evidence), `/api/v1/directive-reports/{id}/evidence` (attach
//! a file as the raw body) and `/api/v1/directive-evidence/{id}/content`
//! (download it: the submitting organisation and CISA's readers only).

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller, read_body};
use crate::workflows::directives::evidence::{
    self, Evidence, MAX_EVIDENCE_BYTES, NewEvidence, SubmissionRecord,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubmissionListParams {
    /// An organisation id (directive managers, coordinators, auditors,
    /// admins); others always see their own organisation's.
    pub org: Option<String>,
}

/// Past reports and attestations you may read (your organisation's; CISA's
/// readers: every organisation's, or `org`'s), newest first, with who
/// submitted them, when, the values and the evidence files.
#[utoipa::path(get, path = "/directives/{id}/reports", tag = "directives", security(("bearer" = [])), params(SubmissionListParams), responses((status = 200, body = Vec<SubmissionRecord>), (status = 404, body = Problem)))]
pub async fn reports(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<SubmissionListParams>,
) -> AppResult<Json<Vec<SubmissionRecord>>> {
    Ok(Json(
        evidence::submissions(&app, &who, &id, p.org.as_deref()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvidenceParams {
    /// The file name, 1 to 200 characters, no slashes.
    pub name: Option<String>,
    /// Defaults to `application/octet-stream`.
    pub media_type: Option<String>,
}

/// Attach a file of evidence to one of your organisation's reports or
/// attestations, as the raw body (20 MiB at most, 20 files a submission).
/// Its SHA-256 is recorded; it is readable by your organisation and CISA.
#[utoipa::path(post, path = "/directive-reports/{id}/evidence", tag = "directives", security(("bearer" = [])), params(EvidenceParams), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"), responses((status = 201, body = Evidence), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EvidenceParams>,
    body: Body,
) -> AppResult<(StatusCode, Json<Evidence>)> {
    let bytes = read_body(body, MAX_EVIDENCE_BYTES, "file").await?;
    let input = NewEvidence {
        name: q.name,
        media_type: q.media_type,
    };
    Ok(created(
        evidence::attach(&app, &who, &id, input, bytes).await?,
    ))
}

/// The evidence file's content (404 unless you may read its submission).
#[utoipa::path(get, path = "/directive-evidence/{id}/content", tag = "directives", security(("bearer" = [])), responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn content(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<impl IntoResponse> {
    let (e, bytes) = evidence::download(&app, &who, &id).await?;
    Ok(file_response(&e, bytes))
}

/// The headers of an evidence download: always an attachment of
/// `application/octet-stream` (an uploaded page never renders on this
/// site), with its name and its SHA-256.
pub fn file_response(e: &Evidence, bytes: Vec<u8>) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                clearinghouse_domain::text::content_disposition(&e.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::HeaderName::from_static("x-content-sha256"),
                e.sha256.clone(),
            ),
        ],
        bytes,
    )
        .into_response()
}
