//! `/.well-known/csaf/...`: the CSAF 2.0 provider feed (section 7), whose
//! layout and formats the CSAF standard defines (so it is not part of the
//! OpenAPI document). The caller is authenticated when it sends a bearer
//! token or a session cookie (a bad one is 401), else anonymous; what each
//! may read is decided in `workflows::cases::feed`. Beside it,
//! `/.well-known/security.txt` (RFC 9116) and the disclosure policy it
//! names, public.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::error::AppError;
use crate::http::extract::{SESSION_COOKIE, authenticate};
use crate::workflows::cases::feed;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/csaf/{*path}", get(file))
        .route("/.well-known/security.txt", get(security_txt))
        .route("/.well-known/security-policy.txt", get(security_policy))
}

fn text_file(f: feed::FeedFile) -> Response {
    let mut resp = f.body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.content_type),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

async fn security_txt(State(app): State<AppState>) -> Result<Response, AppError> {
    feed::well_known(&app, "security.txt")
        .map(text_file)
        .ok_or(AppError::NotFound)
}

async fn security_policy(State(app): State<AppState>) -> Result<Response, AppError> {
    feed::well_known(&app, "security-policy.txt")
        .map(text_file)
        .ok_or(AppError::NotFound)
}

async fn file(
    State(app): State<AppState>,
    Path(path): Path<String>,
    parts: Parts,
) -> Result<Response, AppError> {
    let has_cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.contains(SESSION_COOKIE)));
    let who = if parts.headers.contains_key(header::AUTHORIZATION) || has_cookie {
        Some(authenticate(&parts, &app).await?)
    } else {
        None
    };
    let f = feed::serve(&app, who.as_ref(), &path).await?;
    let mut resp = f.body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.content_type),
    );
    // Restricted folders must not be kept by shared caches.
    let public = path.starts_with("white/") || !path.contains('/') || path.starts_with("openpgp/");
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, no-store"
        }),
    );
    Ok(resp)
}
