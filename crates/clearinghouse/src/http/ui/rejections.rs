//! A web page's refusals before its handler runs are pages too. axum's
//! extractors answer a malformed form (no form content type, a field of
//! the wrong type) with a plain-text 4xx body meant for programs; a person
//! who sent the form should see the site's error page, with the same
//! status and what was wrong, and a way back.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ErrorPage;

/// The most of a plain-text refusal shown on the page.
const MAX_DETAIL: usize = 2_000;

/// Turns a plain-text 4xx answer into the error page; anything else
/// passes unchanged.
pub async fn as_pages(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), MAX_DETAIL * 4)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let detail: String = text.trim().chars().take(MAX_DETAIL).collect();
    (
        status,
        ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            detail,
        },
    )
        .into_response()
}
