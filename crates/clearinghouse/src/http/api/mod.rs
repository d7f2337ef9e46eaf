//! The JSON API under `/api/v1`: one module per resource, each handler thin
//! (extract, call a workflow, serialise) and described for OpenAPI.

pub mod accounts;
pub mod advisories;
pub mod approvals;
pub mod audit;
pub mod cases;
pub mod directives;
pub mod documents;
pub mod exposure;
pub mod findings;
pub mod frontier;
pub mod health;
pub mod notifications;
pub mod scans;

use serde::Deserialize;
use utoipa::IntoParams;

/// A `201 Created` answer carrying the record made.
pub fn created<T>(record: T) -> (axum::http::StatusCode, axum::Json<T>) {
    (axum::http::StatusCode::CREATED, axum::Json(record))
}

/// A `202 Accepted` answer: the request is recorded, its effect waits (a
/// second person's approval, a job).
pub fn accepted<T>(record: T) -> (axum::http::StatusCode, axum::Json<T>) {
    (axum::http::StatusCode::ACCEPTED, axum::Json(record))
}

/// Cursor pagination parameters shared by list endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

impl PageParams {
    /// The cursor as the workflows take it.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }
}
