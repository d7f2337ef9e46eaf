//! `/frontier/alerts`: the insider-risk alerts of every access window the
//! person may read alerts of (security officers, developers, government
//! administrators), open ones first or all, each in plain words with its
//! person, period and evidence count, and the acknowledgement form (a
//! reason; developer or security officer), which also serves the window
//! page (`back` says where to return).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::field_of;
use super::windows::model_label;
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::workflows::frontier::window_alerts::{self, Acknowledgement, AlertView};

/// An alert with its window's model named.
pub struct AlertLine {
    pub alert: AlertView,
    pub model: String,
    pub may_acknowledge: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "window_alerts.html")]
pub struct AlertsPage {
    nav: Nav,
    alerts: Vec<AlertLine>,
    names: Names,
    show_all: bool,
    error: Option<FieldError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    pub all: Option<String>,
}

async fn view(
    app: &AppState,
    who: &Principal,
    show_all: bool,
    error: Option<FieldError>,
) -> UiResult<AlertsPage> {
    let list = window_alerts::all(app, who, !show_all).await?;
    let users: Vec<String> = list
        .iter()
        .map(|a| a.user_id.clone())
        .chain(list.iter().filter_map(|a| a.acknowledged_by.clone()))
        .collect();
    let names = Names::load(app, std::iter::empty(), users.iter().map(String::as_str)).await?;
    let mut alerts = Vec::with_capacity(list.len());
    let mut models: std::collections::BTreeMap<String, (String, bool)> = Default::default();
    for a in list {
        let (model, may_acknowledge) = match models.get(&a.window_id) {
            Some(known) => known.clone(),
            None => {
                let (w, reader) = window_alerts::reader(app, who, &a.window_id).await?;
                let known = (
                    model_label(app, who, &w.model_id).await,
                    reader.may_acknowledge(),
                );
                models.insert(a.window_id.clone(), known.clone());
                known
            }
        };
        alerts.push(AlertLine {
            alert: a,
            model,
            may_acknowledge,
        });
    }
    Ok(AlertsPage {
        nav: Nav::new(who, "windows"),
        alerts,
        names,
        show_all,
        error,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<AlertsQuery>,
) -> UiResult<AlertsPage> {
    view(&app, &who, q.all.is_some(), None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AckForm {
    #[serde(default)]
    pub reason: String,
    /// A path on this site to return to (the window page or this one).
    #[serde(default)]
    pub back: String,
}

/// Acknowledges and returns where the form was; a refusal is shown on the
/// alerts page.
pub async fn acknowledge(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<AckForm>,
) -> UiResult<Response> {
    let input = Acknowledgement {
        reason: f.reason.clone(),
    };
    match window_alerts::acknowledge(&app, &who, &id, input).await {
        Ok(_) => {
            // Only a path of this site (no scheme, no host).
            let back = if f.back.starts_with("/frontier/") && !f.back.starts_with("//") {
                f.back.clone()
            } else {
                "/frontier/alerts".to_owned()
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => {
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let page = view(&app, &who, false, Some(FieldError { field, message })).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}
