//! `/api/v1/cases/{id}/patches`, `/progress` and message attachments:
//! vendors release fixes (uploaded, or fetched from their URL against the
//! declared SHA-256) with a signed release statement; readers of the case
//! (and, once published, exposed operators) download them; coordinators
//! see the remediation progress; participants attach files to messages.
//! The rules are in `workflows::cases::patches`.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use clearinghouse_domain::text::content_disposition;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller, read_body};
use crate::workflows::cases::patches::{
    self, Attachment, AttachmentUpload, MAX_ATTACHMENT_BYTES, MAX_PATCH_BYTES, Patch, PatchUpload,
    PatchUrl, Progress,
};

fn file_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, content_disposition(name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Release a fix (vendor participants): the file as the raw body, its
/// name, version and declared SHA-256 as query parameters. A declared
/// digest the bytes do not have: 422 `sha256`, nothing stored.
#[utoipa::path(post, path = "/cases/{id}/patches", tag = "cases", security(("bearer" = [])), params(PatchUpload), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the patch"), responses((status = 201, body = Patch), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PatchUpload>,
    body: Body,
) -> AppResult<(StatusCode, Json<Patch>)> {
    let bytes = read_body(body, MAX_PATCH_BYTES, "file").await?;
    Ok(created(patches::upload(&app, &who, &id, q, bytes).await?))
}

thin_handlers! { tag = "cases";
    /// Release a fix the vendor hosts (vendor participants): the server
    /// fetches the URL once and checks the declared SHA-256 (422 `sha256` on a
    /// mismatch, nothing stored).
    post "/cases/{id}/patches/url", errors(403, 404, 422);
    fn from_url(id, PatchUrl) -> 201 Patch = patches::from_url;

    /// The case's patches with their digests and signed release statements
    /// (readers of the case; once published, exposed operators too).
    get "/cases/{id}/patches", errors(404);
    fn list(id) -> 200 Vec<Patch> = patches::list;
}

/// Download a patch (audited).
#[utoipa::path(get, path = "/cases/{id}/patches/{patch_id}/content", tag = "cases", security(("bearer" = [])), responses((status = 200, description = "the patch", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn content(
    Caller { app, who }: Caller,
    Path((id, patch_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (p, bytes) = patches::download(&app, &who, &id, &patch_id).await?;
    Ok(file_response(&p.file_name, bytes))
}

thin_handlers! { tag = "cases";
    /// Remediation progress (coordinators): how many exposed operators have
    /// patched, mitigated, accepted the risk or not acted, by sector and deadline.
    get "/cases/{id}/progress", errors(403, 404);
    fn progress(id) -> 200 Progress = patches::progress;
}

/// Attach a file to a message of the case (participants): the raw body,
/// its name as a query parameter.
#[utoipa::path(post, path = "/cases/{id}/messages/{message_id}/attachments", tag = "cases", security(("bearer" = [])), params(AttachmentUpload), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"), responses((status = 201, body = Attachment), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    Caller { app, who }: Caller,
    Path((id, message_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<AttachmentUpload>,
    body: Body,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    let bytes = read_body(body, MAX_ATTACHMENT_BYTES, "file").await?;
    Ok(created(
        patches::attach(&app, &who, &id, &message_id, &q.name, bytes).await?,
    ))
}

thin_handlers! { tag = "cases";
    /// The case's message attachments (each names its message), by message and time.
    get "/cases/{id}/attachments", errors(404);
    fn attachments(id) -> 200 Vec<Attachment> = patches::attachments;
}

/// Download an attachment (readers of the case; 404 for anyone else).
#[utoipa::path(get, path = "/cases/{id}/attachments/{attachment_id}/content", tag = "cases", security(("bearer" = [])), responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn attachment(
    Caller { app, who }: Caller,
    Path((id, attachment_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (a, bytes) = patches::attachment(&app, &who, &id, &attachment_id).await?;
    Ok(file_response(&a.file_name, bytes))
}
