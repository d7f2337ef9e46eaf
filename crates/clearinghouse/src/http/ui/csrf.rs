//! Cross-site request forgery checks for the web UI's forms: every form a
//! page posts carries the session's CSRF token in a `csrf_token` field.
//! `CsrfForm` checks it before the handler runs, so a form handler cannot
//! forget to; `check_csrf` is for the forms read another way (multipart
//! uploads, forms of repeated fields).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::UiError;
use crate::app::AppState;
use crate::auth::{Principal, Via, secrets};
use crate::error::AppError;

/// The session's CSRF token, for the forms a page renders ("" for a
/// bearer token, which has none).
pub fn session_token(who: &Principal) -> &str {
    match &who.via {
        Via::Session { csrf_token } => csrf_token,
        _ => "",
    }
}

/// Checks the form's CSRF token against the session's.
pub fn check_csrf(who: &Principal, sent: &str) -> Result<(), UiError> {
    match &who.via {
        Via::Session { csrf_token } if secrets::constant_time_eq(sent, csrf_token) => Ok(()),
        _ => Err(UiError(AppError::forbidden(
            "the form's CSRF token is missing or stale; reload the page",
        ))),
    }
}

/// A URL-encoded form posted by a page of this site, read as `T` (which
/// need not name `csrf_token`), accepted only when its `csrf_token` field
/// is the session's (403 otherwise). A malformed form is refused as
/// `axum::Form` refuses it, before the token is looked at. It takes the
/// person from `UiAuth` (or `UiCaller`), which must come before it in the
/// handler's arguments; without one every form is refused.
pub struct CsrfForm<T>(pub T);

/// A form of no fields but its token (a button).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        let who = req.extensions().get::<Principal>().cloned();
        let (method, uri, headers) = (
            req.method().clone(),
            req.uri().clone(),
            req.headers().clone(),
        );
        // The body is read once, within the route's limit, then parsed twice.
        let body = Bytes::from_request(req, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let again = || {
            let mut r = Request::new(Body::from(body.clone()));
            *r.method_mut() = method.clone();
            *r.uri_mut() = uri.clone();
            *r.headers_mut() = headers.clone();
            r
        };
        let axum::Form(form) = axum::Form::<T>::from_request(again(), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let axum::Form(token) = axum::Form::<Token>::from_request(again(), app)
            .await
            .map_err(IntoResponse::into_response)?;
        match who {
            Some(who) => {
                check_csrf(&who, &token.csrf_token).map_err(IntoResponse::into_response)?
            }
            None => {
                return Err(UiError(AppError::forbidden(
                    "the form's CSRF token is missing or stale; reload the page",
                ))
                .into_response());
            }
        }
        Ok(CsrfForm(form))
    }
}
