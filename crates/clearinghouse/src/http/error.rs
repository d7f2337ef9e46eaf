//! The one place application errors become HTTP: RFC 9457 problem
//! documents for the API. Internal details (the error and its causes) are
//! logged here, once, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, when there is one (JSON pointer-like: `roles[2]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        slug: &str,
        detail: impl Into<String>,
        field: Option<String>,
    ) -> Problem {
        Problem {
            kind: format!("urn:clearinghouse:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}

impl From<&AppError> for Problem {
    fn from(e: &AppError) -> Problem {
        match e {
            AppError::Invalid { field, message } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                format!("{field}: {message}"),
                Some(field.clone()),
            ),
            AppError::BadRequest(m) => {
                Problem::new(StatusCode::BAD_REQUEST, "bad-request", m.clone(), None)
            }
            AppError::Unauthenticated => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send a valid API token as 'Authorization: Bearer <token>' or sign in",
                None,
            ),
            AppError::Forbidden(m) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", m.clone(), None)
            }
            AppError::NotFound => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "no such resource", None)
            }
            AppError::Conflict(m) => {
                Problem::new(StatusCode::CONFLICT, "conflict", m.clone(), None)
            }
            AppError::ConflictOn { field, message } => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{field}: {message}"),
                Some(field.clone()),
            ),
            AppError::RateLimited { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!(
                    "too many requests (an agent's rate limit, or repeated failed sign-ins); retry in {retry_after_secs} s"
                ),
                None,
            ),
            AppError::TooLarge(m) => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", m.clone(), None)
            }
            AppError::Store(_) | AppError::Internal { .. } => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "an internal error occurred; it has been logged",
                None,
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.is_internal() {
            tracing::error!(error = %self.chain(), "request failed");
        }
        let retry = match &self {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let mut resp = Problem::from(&self).into_response();
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
