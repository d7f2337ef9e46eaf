//! The access-window pages (issue 13 item 9). This file: `/frontier/windows`,
//! the windows a person may read (the developer's, those it holds a grant
//! in, and for government administrators those of models they may read),
//! the person's own grants, and for members of an AI developer the form to
//! open a window on one of its models (terms, whether transcripts are
//! kept, the endpoint and its secret). `windows_page.rs`: one window;
//! `windows_alerts.rs`: the insider-risk alerts page. Every action goes
//! through `workflows::frontier::{windows, window_grants, window_alerts}`,
//! the same as the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::frontier::access::WindowState;
use clearinghouse_domain::identity::OrgKind;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use super::{day, field_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::workflows::frontier::models;
use crate::workflows::frontier::window_grants;
use crate::workflows::frontier::windows::{self, NewWindow, Window};

/// A window as a row of the list.
pub struct WindowLine {
    pub id: String,
    pub model: String,
    pub developer: String,
    pub starts: String,
    pub ends: String,
    pub state: WindowState,
}

/// One of the person's grants.
pub struct GrantLine {
    pub window_id: String,
    pub model: String,
    pub status: String,
    pub quota: String,
    pub accepted: bool,
}

/// What was typed into the form to open a window.
#[derive(Debug, Default, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    pub model_id: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub terms: String,
    #[serde(default)]
    pub keep_transcripts: Option<String>,
    #[serde(default)]
    pub endpoint_url: String,
    #[serde(default)]
    pub endpoint_secret: String,
}

const FIELDS: &[&str] = &[
    "model",
    "starts_at",
    "ends_at",
    "terms",
    "keep_transcripts",
    "endpoint_url",
    "endpoint_secret",
    "planned_partner_release",
];

#[derive(Template, WebTemplate)]
#[template(path = "window_list.html")]
pub struct WindowsPage {
    nav: Nav,
    windows: Vec<WindowLine>,
    grants: Vec<GrantLine>,
    /// The developer's own models: (id, "name version").
    models: Vec<(String, String)>,
    developer: bool,
    form: OpenForm,
    error: Option<FieldError>,
}

impl WindowsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(&self.error, FIELDS)
    }

    fn keeps(&self) -> bool {
        self.form.keep_transcripts.is_some()
    }
}

/// "name version" of a model the person may read, else a neutral phrase.
pub async fn model_label(app: &AppState, who: &Principal, model_id: &str) -> String {
    match models::get(app, who, model_id).await {
        Ok(m) => format!("{} {}", m.name, m.version),
        Err(_) => "a covered model".to_owned(),
    }
}

/// Plain words for a grant's state.
pub fn status_text(status: &str) -> &'static str {
    match status {
        "active" => "active",
        "not_yet" => "not started yet",
        "ended" => "ended",
        "revoked" => "revoked",
        _ => "unknown",
    }
}

fn line(w: &Window, model: String, names: &Names) -> WindowLine {
    WindowLine {
        id: w.id.clone(),
        model,
        developer: names.org(&w.developer_org).to_owned(),
        starts: day(&w.starts_at).to_owned(),
        ends: day(&w.ends_at).to_owned(),
        state: w.state,
    }
}

async fn view(
    app: &AppState,
    who: &Principal,
    form: OpenForm,
    error: Option<FieldError>,
) -> UiResult<WindowsPage> {
    let list = windows::list(app, who).await?;
    let names = Names::load(
        app,
        list.iter().map(|w| w.developer_org.as_str()),
        std::iter::empty(),
    )
    .await?;
    let mut rows = Vec::with_capacity(list.len());
    for w in &list {
        rows.push(line(w, model_label(app, who, &w.model_id).await, &names));
    }
    let mut grants = Vec::new();
    for g in window_grants::mine(app, who).await? {
        let model = match list.iter().find(|w| w.id == g.window_id) {
            Some(w) => model_label(app, who, &w.model_id).await,
            None => "a covered model".to_owned(),
        };
        grants.push(GrantLine {
            window_id: g.window_id.clone(),
            model,
            status: status_text(&g.status).to_owned(),
            quota: format!(
                "{} calls and {} tokens a day",
                g.requests_per_day, g.tokens_per_day
            ),
            accepted: g.terms_accepted,
        });
    }
    let developer = super::super::cached_kind(who.org_id()) == Some(OrgKind::AiDeveloper);
    let mut own = Vec::new();
    if developer {
        let every = all_pages!(c => models::list(app, who, c.as_deref(), Some(500)));
        own = every
            .into_iter()
            .filter(|m| m.owner_org == who.org_id())
            .map(|m| (m.id, format!("{} {}", m.name, m.version)))
            .collect();
    }
    Ok(WindowsPage {
        nav: Nav::new(who, "windows"),
        windows: rows,
        grants,
        models: own,
        developer,
        form,
        error,
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A first entry for the form: starting now (left empty), for a week.
fn fresh_form() -> OpenForm {
    OpenForm {
        ends_at: rfc3339(time::OffsetDateTime::now_utc() + time::Duration::days(7)),
        ..OpenForm::default()
    }
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<WindowsPage> {
    view(&app, &who, fresh_form(), None).await
}

/// Opens the window and goes to its page; a refusal is shown beside its
/// field with everything typed kept (but the secret).
pub async fn open(
    UiCaller { app, who }: UiCaller,
    CsrfForm(mut f): CsrfForm<OpenForm>,
) -> UiResult<Response> {
    let input = NewWindow {
        // Empty: now.
        starts_at: match f.starts_at.trim() {
            "" => rfc3339(time::OffsetDateTime::now_utc()),
            t => t.to_owned(),
        },
        ends_at: f.ends_at.trim().to_owned(),
        terms: f.terms.clone(),
        endpoint_url: f.endpoint_url.clone(),
        endpoint_secret: std::mem::take(&mut f.endpoint_secret),
        keep_transcripts: f.keep_transcripts.is_some(),
    };
    match windows::open(&app, &who, f.model_id.trim(), input).await {
        Ok(w) => Ok(Redirect::to(&format!("/frontier/windows/{}", w.id)).into_response()),
        Err(e) => {
            let e = match e {
                crate::error::AppError::NotFound => {
                    crate::error::AppError::invalid("model", "choose one of your models")
                }
                other => other,
            };
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let page = view(&app, &who, f, Some(FieldError { field, message })).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}
