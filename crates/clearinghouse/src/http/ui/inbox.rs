//! The inbox: your organisation's notifications, one per line, grouped by
//! day, each with its exposure's SSVC decision as a priority badge and
//! links to the vulnerability and the asset, unread ones marked (all or
//! only unread, older pages by cursor, a mark-read button that swaps its
//! row through htmx), and for the organisation's administrators its email
//! settings and webhooks.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{CsrfForm, Nav, NoFields, UiCaller, UiResult, session_token};
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
    /// The kind in words (N4).
    kind_words: String,
    /// The body with its ids replaced by the link (N4).
    body: String,
    /// Where the thing it tells of is: (address, words).
    link: Option<(String, &'static str)>,
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

/// Whether `s` is a UUID in its 8-4-4-4-12 hex form.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A notification's body without raw ids, and a link to what it tells
/// of: the case, window or tool page its kind names (the first id in the
/// body is the case's or window's).
fn body_and_link(kind: &str, body: &str) -> (String, Option<(String, &'static str)>) {
    let mut first = None;
    let words: Vec<String> = body
        .split(' ')
        .map(|w| {
            let core = w.trim_end_matches(['.', ',', ':', ';', ')']);
            let core = core.trim_start_matches('(');
            if is_uuid(core) {
                first.get_or_insert_with(|| core.to_owned());
                w.replace(core, "(linked)")
            } else {
                w.to_owned()
            }
        })
        .collect();
    let link = match (kind.split('.').next().unwrap_or_default(), first) {
        ("case", Some(id)) => Some((format!("/cases/{id}"), "Open the case")),
        ("window", Some(id)) => Some((format!("/frontier/windows/{id}"), "Open the access window")),
        ("tool", _) => Some(("/defence-tools".to_owned(), "Defensive tools")),
        ("scan", _) => Some(("/scans".to_owned(), "Scanning")),
        ("directive", _) => Some(("/directives".to_owned(), "Directives")),
        _ => None,
    };
    (words.join(" "), link)
}

async fn row(app: &AppState, who: &Principal, n: Notification, csrf_token: &str) -> InboxRow {
    // The exposure it tells of, if it still exists and the reader may read it.
    let exposure = match n.exposure_id.as_deref() {
        Some(id) => exposures::get(app, who, id).await.ok(),
        None => None,
    };
    let (body, link) = body_and_link(n.kind.as_str(), &n.body);
    InboxRow {
        kind_words: super::words::sentence(n.kind.as_str()),
        body,
        link,
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
    UiCaller { app, who }: UiCaller,
    Query(q): Query<InboxQuery>,
) -> UiResult<InboxPage> {
    render_page(&app, &who, None, q).await
}

/// Marks one read: the new row for htmx, a redirect for a plain form.
pub async fn mark_read(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let n = notifications::mark_read(&app, &who, &id).await?;
    if headers.contains_key("hx-request") {
        Ok(row(&app, &who, n, session_token(&who))
            .await
            .into_response())
    } else {
        Ok(Redirect::to("/inbox").into_response())
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    email: String,
    /// A checkbox: present when ticked.
    daily_digest: Option<String>,
}

pub async fn save_settings(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> UiResult<Redirect> {
    let input = NotificationSettingsInput {
        email: Some(f.email),
        daily_digest: f.daily_digest.is_some(),
    };
    notifications::put_settings(&app, &who, input).await?;
    Ok(Redirect::to("/inbox"))
}

#[derive(Deserialize)]
pub struct WebhookForm {
    url: String,
    #[serde(default)]
    description: String,
}

/// Registers a webhook and shows its secret, once.
pub async fn create_webhook(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<WebhookForm>,
) -> UiResult<InboxPage> {
    let input = NewWebhook {
        url: f.url,
        description: f.description,
    };
    let created = notifications::create_webhook(&app, &who, input).await?;
    render(&app, &who, Some(created.secret)).await
}

pub async fn delete_webhook(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Redirect> {
    notifications::delete_webhook(&app, &who, &id).await?;
    Ok(Redirect::to("/inbox"))
}

#[cfg(test)]
mod tests {
    use super::body_and_link;

    #[test]
    fn ids_in_bodies_become_a_link() {
        let id = "01a24be1-0c1d-7e2f-8a9b-0123456789ab";
        let (body, link) = body_and_link(
            "case.message",
            &format!("A participant posted message {id} in coordination case {id}."),
        );
        assert_eq!(
            body,
            "A participant posted message (linked) in coordination case (linked)."
        );
        assert_eq!(link, Some((format!("/cases/{id}"), "Open the case")));
        let (body, link) = body_and_link("exposure.new", "3 new exposures");
        assert_eq!((body.as_str(), link), ("3 new exposures", None));
    }
}
