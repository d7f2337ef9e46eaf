//! `/api/v1/cases/{id}/messages` and `/events`: a case's threaded messages
//! with read receipts, and its timeline (participants and the staff).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::app::AppState;
use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Auth};
use crate::workflows::cases::messages::{self, Event, Message, NewMessage};

/// Post a message (participants); the other participants are told.
#[utoipa::path(post, path = "/cases/{id}/messages", tag = "cases", security(("bearer" = [])), request_body = NewMessage,
    responses((status = 201, body = Message), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn post(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewMessage>,
) -> AppResult<(StatusCode, Json<Message>)> {
    Ok((
        StatusCode::CREATED,
        Json(messages::post(&app, &who, &id, input).await?),
    ))
}

/// A case's messages, oldest first, each with the organisations that have read it.
#[utoipa::path(get, path = "/cases/{id}/messages", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<Message>), (status = 404, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Message>>> {
    Ok(Json(messages::list(&app, &who, &id).await?))
}

/// A case's timeline: opened, invited, joined, messages.
#[utoipa::path(get, path = "/cases/{id}/events", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<Event>), (status = 404, body = Problem)))]
pub async fn events(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Event>>> {
    Ok(Json(messages::events(&app, &who, &id).await?))
}
