//! `/api/v1/cases/{id}/messages` and `/events`: a case's threaded messages
//! with read receipts, and its timeline (participants and the staff):
//! the newest page first, older pages by the `before` cursor the `Link`
//! header gives.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::workflows::cases::messages::{self, Event, MAX_ITEMS, Message, NewMessage, Newest};

/// Post a message (participants); the other participants are told.
#[utoipa::path(post, path = "/cases/{id}/messages", tag = "cases", security(("bearer" = [])), request_body = NewMessage, responses((status = 201, body = Message), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn post(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewMessage>,
) -> AppResult<(StatusCode, Json<Message>)> {
    Ok(created(messages::post(&app, &who, &id, input).await?))
}

/// Which page of a case's messages or events.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NewestQuery {
    /// The id of the oldest item of the page seen: the page before it.
    pub before: Option<String>,
    /// Items a page, 1 to 1000 (default 1000).
    pub limit: Option<i64>,
}

/// The answer to a page: the items, and when older ones exist a
/// `Link: <...?before=ID&limit=N>; rel="next"` header to fetch them.
fn paged<T: Serialize>(path: &str, limit: Option<i64>, page: Newest<T>) -> Response {
    let mut resp = Json(page.items).into_response();
    if let Some(older) = page.older {
        let limit = limit.unwrap_or(MAX_ITEMS);
        let link = format!("</api/v1{path}?before={older}&limit={limit}>; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

/// A case's messages, the newest 1000 (`limit`) shown oldest first, each
/// with the organisations that have read it; older ones through the
/// `Link` header's `before` cursor.
#[utoipa::path(get, path = "/cases/{id}/messages", tag = "cases", security(("bearer" = [])), params(NewestQuery), responses((status = 200, body = Vec<Message>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NewestQuery>,
) -> AppResult<Response> {
    let page = messages::list(&app, &who, &id, q.before.as_deref(), q.limit).await?;
    Ok(paged(&format!("/cases/{id}/messages"), q.limit, page))
}

/// A case's timeline (opened, invited, joined, messages, ...), the newest
/// 1000 (`limit`) shown oldest first; older ones through the `Link`
/// header's `before` cursor.
#[utoipa::path(get, path = "/cases/{id}/events", tag = "cases", security(("bearer" = [])), params(NewestQuery), responses((status = 200, body = Vec<Event>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn events(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<NewestQuery>,
) -> AppResult<Response> {
    let page = messages::events(&app, &who, &id, q.before.as_deref(), q.limit).await?;
    Ok(paged(&format!("/cases/{id}/events"), q.limit, page))
}
