//! The inbox: your organisation's notifications (unread ones marked, a
//! mark-read button that swaps its row through htmx), and for the
//! organisation's administrators its email settings and webhooks.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::notify::{Notification, NotificationSettings, Webhook};
use crate::workflows::notifications::{self, NewWebhook, NotificationSettingsInput};

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    nav: Nav,
    csrf_token: String,
    notifications: Vec<Notification>,
    settings: NotificationSettings,
    /// None when the person may not manage the organisation's delivery.
    webhooks: Option<Vec<Webhook>>,
    new_secret: Option<String>,
}

/// One inbox row, also sent alone after an htmx mark-read.
#[derive(Template, WebTemplate)]
#[template(path = "inbox_row.html")]
pub struct InboxRow {
    n: Notification,
    csrf_token: String,
}

async fn render(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
) -> UiResult<InboxPage> {
    let nav = Nav::new(who, "inbox");
    let webhooks = match notifications::list_webhooks(app, who).await {
        Ok(w) => Some(w),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(InboxPage {
        csrf_token: nav.csrf_token.clone(),
        nav,
        notifications: notifications::list(app, who, false, None, Some(200))
            .await?
            .items,
        settings: notifications::get_settings(app, who).await?,
        webhooks,
        new_secret,
    })
}

pub async fn page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<InboxPage> {
    render(&app, &who, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

/// Marks one read: the new row for htmx, a redirect for a plain form.
pub async fn mark_read(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> UiResult<Response> {
    check_csrf(&who, &f.csrf_token)?;
    let n = notifications::mark_read(&app, &who, &id).await?;
    if headers.contains_key("hx-request") {
        Ok(InboxRow {
            n,
            csrf_token: f.csrf_token,
        }
        .into_response())
    } else {
        Ok(Redirect::to("/inbox").into_response())
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf_token: String,
    email: String,
    /// A checkbox: present when ticked.
    daily_digest: Option<String>,
}

pub async fn save_settings(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<SettingsForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let input = NotificationSettingsInput {
        email: Some(f.email),
        daily_digest: f.daily_digest.is_some(),
    };
    notifications::put_settings(&app, &who, input).await?;
    Ok(Redirect::to("/inbox"))
}

#[derive(Deserialize)]
pub struct WebhookForm {
    csrf_token: String,
    url: String,
    #[serde(default)]
    description: String,
}

/// Registers a webhook and shows its secret, once.
pub async fn create_webhook(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<WebhookForm>,
) -> UiResult<InboxPage> {
    check_csrf(&who, &f.csrf_token)?;
    let input = NewWebhook {
        url: f.url,
        description: f.description,
    };
    let created = notifications::create_webhook(&app, &who, input).await?;
    render(&app, &who, Some(created.secret)).await
}

pub async fn delete_webhook(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    notifications::delete_webhook(&app, &who, &id).await?;
    Ok(Redirect::to("/inbox"))
}
