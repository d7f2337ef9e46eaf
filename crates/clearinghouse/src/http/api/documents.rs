//! `/api/v1/documents`: labelled documents shared between organisations.

use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::PageParams;
use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::{Document, Page};
use crate::workflows::documents::{self, NewDocument};

/// Share a document under a TLP marking and a visibility expression.
#[utoipa::path(post, path = "/documents", tag = "documents", security(("bearer" = [])), request_body = NewDocument, responses((status = 201, body = Document), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewDocument>,
) -> AppResult<(StatusCode, Json<Document>)> {
    Ok(created(documents::create(&app, &who, input).await?))
}

/// Documents you may read. Records you may not read are filtered in the
/// query; there is no total count.
#[utoipa::path(get, path = "/documents", tag = "documents", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<Document>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<Document>>> {
    Ok(Json(
        documents::list(&app, &who, p.cursor(), p.limit).await?,
    ))
}

/// One document; 404 both when it does not exist and when you may not read it.
#[utoipa::path(get, path = "/documents/{id}", tag = "documents", security(("bearer" = [])), responses((status = 200, body = Document), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Document>> {
    Ok(Json(documents::get(&app, &who, &id).await?))
}

/// The attachment's bytes, with its SHA-256 in `Digest` (RFC 9530).
#[utoipa::path(get, path = "/documents/{id}/attachment", tag = "documents", security(("bearer" = [])), responses((status = 200, description = "the attachment", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn attachment(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<impl IntoResponse> {
    let (att, bytes) = documents::attachment(&app, &who, &id).await?;
    // Built from any stored name (even one stored before names were checked) as
    // a valid header value: a 500 on download is impossible.
    let disposition = clearinghouse_domain::text::content_disposition(&att.name);
    let digest = format!(
        "sha-256=:{}:",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            hex::decode(&att.sha256).unwrap_or_default()
        )
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("repr-digest"), digest),
        ],
        bytes,
    ))
}
