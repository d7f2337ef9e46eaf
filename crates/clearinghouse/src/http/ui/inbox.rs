//! The inbox: your organisation's notifications, one per line, grouped by
//! day, each with its exposure's SSVC decision as a priority badge and
//! links to the vulnerability and the asset, unread ones marked (all or
//! only unread, older pages by cursor, a mark-read button that swaps its
//! row through htmx), and for the organisation's administrators its email
//! settings and webhooks.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::exposure::SsvcDecision;
use crate::model::notify::{Notification, NotificationSettings, Webhook};
use crate::workflows::exposure::exposures;
use crate::workflows::notifications::{self, NewWebhook, NotificationSettingsInput};

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    nav: Nav,
    csrf_token: String,
    groups: Vec<DayGroup>,
    /// Only unread ones are shown.
    unread_only: bool,
    /// The next (older) page, when there is one.
    older: Option<String>,
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
    /// The SSVC decision of the exposure it tells of (the priority badge).
    decision: Option<SsvcDecision>,
    /// The asset of that exposure, when the reader may read it.
    asset: Option<(String, String)>,
}

/// The notifications of one day, newest first.
pub struct DayGroup {
    pub day: String,
    pub rows: Vec<InboxRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    show: String,
    #[serde(default)]
    cursor: String,
}

async fn row(app: &AppState, who: &Principal, n: Notification, csrf_token: &str) -> InboxRow {
    // The exposure it tells of, if it still exists and the reader may read it.
    let exposure = match n.exposure_id.as_deref() {
        Some(id) => exposures::get(app, who, id).await.ok(),
        None => None,
    };
    InboxRow {
        decision: exposure.as_ref().map(|e| e.ssvc_decision),
        asset: exposure.map(|e| (e.asset_id, e.asset_name)),
        n,
        csrf_token: csrf_token.to_owned(),
    }
}

async fn render(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
) -> UiResult<InboxPage> {
    render_page(app, who, new_secret, InboxQuery::default()).await
}

async fn render_page(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
    q: InboxQuery,
) -> UiResult<InboxPage> {
    let nav = Nav::new(who, "inbox");
    let webhooks = match notifications::list_webhooks(app, who).await {
        Ok(w) => Some(w),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let unread_only = q.show == "unread";
    let cursor = (!q.cursor.is_empty()).then_some(q.cursor.as_str());
    let page = notifications::list(app, who, unread_only, cursor, Some(50)).await?;
    let mut groups: Vec<DayGroup> = Vec::new();
    for n in page.items {
        let day = n.created_at.get(..10).unwrap_or(&n.created_at).to_owned();
        let r = row(app, who, n, &nav.csrf_token).await;
        match groups.last_mut() {
            Some(g) if g.day == day => g.rows.push(r),
            _ => groups.push(DayGroup { day, rows: vec![r] }),
        }
    }
    let older = page.next_cursor.map(|c| {
        let show = if unread_only { "unread" } else { "all" };
        format!(
            "/inbox?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("show", show)
                .append_pair("cursor", &c)
                .finish()
        )
    });
    Ok(InboxPage {
        csrf_token: nav.csrf_token.clone(),
        nav,
        groups,
        unread_only,
        older,
        settings: notifications::get_settings(app, who).await?,
        webhooks,
        new_secret,
    })
}

pub async fn page(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(q): Query<InboxQuery>,
) -> UiResult<InboxPage> {
    render_page(&app, &who, None, q).await
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
        Ok(row(&app, &who, n, &f.csrf_token).await.into_response())
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
