//! `/api/v1/notifications`, `/api/v1/webhooks` and
//! `/api/v1/notification-settings`: your organisation's inbox and how it is
//! delivered.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, NoBody};
use crate::model::Page;
use crate::model::notify::{CreatedWebhook, Notification, NotificationSettings, Webhook};
use crate::workflows::notifications::{self, NewWebhook, NotificationSettingsInput};

/// Inbox query: cursor pagination and an unread filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxParams {
    /// Only notifications nobody has marked read.
    #[serde(default)]
    pub unread: bool,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

/// Your organisation's notifications, newest first.
#[utoipa::path(get, path = "/notifications", tag = "notifications", security(("bearer" = [])), params(InboxParams), responses((status = 200, body = Page<Notification>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> AppResult<Json<Page<Notification>>> {
    Ok(Json(
        notifications::list(&app, &who, p.unread, p.cursor.as_deref(), p.limit).await?,
    ))
}

/// Mark a notification read; another organisation's is 404.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = Notification), (status = 404, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn mark_read(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<Notification>> {
    Ok(Json(notifications::mark_read(&app, &who, &id).await?))
}

/// Your organisation's webhooks (never their secrets). For its
/// administrators.
#[utoipa::path(get, path = "/webhooks", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = Vec<Webhook>), (status = 403, body = Problem)))]
pub async fn list_webhooks(Caller { app, who }: Caller) -> AppResult<Json<Vec<Webhook>>> {
    Ok(Json(notifications::list_webhooks(&app, &who).await?))
}

/// Register a webhook; its Standard Webhooks signing secret is in this
/// answer only.
#[utoipa::path(post, path = "/webhooks", tag = "notifications", security(("bearer" = [])), request_body = NewWebhook, responses((status = 201, body = CreatedWebhook), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_webhook(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewWebhook>,
) -> AppResult<(StatusCode, Json<CreatedWebhook>)> {
    Ok(created(
        notifications::create_webhook(&app, &who, input).await?,
    ))
}

/// Remove a webhook; deliveries still queued for it are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "notifications", security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    notifications::delete_webhook(&app, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your organisation's email settings.
#[utoipa::path(get, path = "/notification-settings", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = NotificationSettings)))]
pub async fn get_settings(Caller { app, who }: Caller) -> AppResult<Json<NotificationSettings>> {
    Ok(Json(notifications::get_settings(&app, &who).await?))
}

/// Set where notification emails go and whether they come as a daily digest.
#[utoipa::path(put, path = "/notification-settings", tag = "notifications", security(("bearer" = [])), request_body = NotificationSettingsInput, responses((status = 200, body = NotificationSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NotificationSettingsInput>,
) -> AppResult<Json<NotificationSettings>> {
    Ok(Json(notifications::put_settings(&app, &who, input).await?))
}
