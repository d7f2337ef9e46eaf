//! Insider-risk alerts (`/api/v1/windows/{id}/alerts`, `/api/v1/alerts`,
//! `/api/v1/alerts/{id}`, `…/acknowledgement`) and the developer's read of
//! sealed transcripts (`/api/v1/usage/{id}/transcript`). Thin handlers over
//! `workflows::frontier::{window_alerts, window_transcripts}`.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::window_alerts::{self, Acknowledgement, AlertDetail, AlertView};
use crate::workflows::frontier::window_transcripts::{self, TranscriptView};

/// The window's stored insider-risk alerts, newest first (developer,
/// security officers, government administrators; a grantee gets 403).
#[utoipa::path(get, path = "/windows/{id}/alerts", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Vec<AlertView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn of_window(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<AlertView>>> {
    Ok(Json(window_alerts::list(&app, &who, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    /// Only alerts not yet acknowledged (default false).
    pub open: Option<bool>,
}

/// Alerts of every window you may read alerts of, newest first (at most
/// 500).
#[utoipa::path(get, path = "/alerts", tag = "frontier", security(("bearer" = [])), params(AlertsQuery), responses((status = 200, body = Page<AlertView>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> AppResult<Json<Page<AlertView>>> {
    Ok(Json(Page {
        items: window_alerts::all(&app, &who, q.open.unwrap_or(false)).await?,
        next_cursor: None,
    }))
}

/// One alert with the usage rows that are its evidence (404 unless you
/// may read the window's alerts).
#[utoipa::path(get, path = "/alerts/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = AlertDetail), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<AlertDetail>> {
    Ok(Json(window_alerts::get(&app, &who, &id).await?))
}

/// Acknowledge an alert with a reason (the developer or a security
/// officer; once).
#[utoipa::path(post, path = "/alerts/{id}/acknowledgement", tag = "frontier", security(("bearer" = [])), request_body = Acknowledgement, responses((status = 200, body = AlertView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn acknowledge(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Acknowledgement>,
) -> AppResult<Json<AlertView>> {
    Ok(Json(
        window_alerts::acknowledge(&app, &who, &id, input).await?,
    ))
}

/// The sealed transcript of a brokered call, when the window's terms kept
/// one: the model's developer only; everyone else gets 404.
#[utoipa::path(get, path = "/usage/{id}/transcript", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = TranscriptView), (status = 404, body = Problem)))]
pub async fn transcript(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<TranscriptView>> {
    Ok(Json(window_transcripts::get(&app, &who, &id).await?))
}
