//! The coordinators' page of the defensive-tools catalog
//! (`/defence-tools/requests`): requests waiting, each with who asked, the
//! organisation's kind and sector and its purpose, and the two answers
//! (approve until a date with a daily quota; decline with a reason); the
//! requests already answered; and demand and use by sector (requests by
//! state, brokered calls and tokens). Answers post to
//! `workflows::frontier::tool_requests::decide`, CSRF-checked; a refusal is
//! shown on the request's row with what was typed. Approved access is
//! revoked from its row with a reason (`tool_requests::revoke`). Anyone
//! else: 403.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::frontier::access::catalog::ToolKind;
use clearinghouse_domain::identity::Role;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::frontier::field_of;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiError, UiResult, inline_error};
use crate::workflows::frontier::tool_requests::{self, DemandLine, ToolDecision, ToolRequest};
use crate::workflows::frontier::tools::{self, ToolReason};
use crate::workflows::frontier::windows::is_gov_admin;

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub requests_per_day: String,
    #[serde(default)]
    pub tokens_per_day: String,
    #[serde(default)]
    pub reason: String,
}

impl DecisionForm {
    fn input(&self) -> Result<ToolDecision, AppError> {
        let number = |field: &'static str, s: &str| -> Result<Option<i64>, AppError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse()
                .map(Some)
                .map_err(|_| AppError::invalid(field, "must be a whole number"))
        };
        // A day (`2027-01-15`) means its start, 00:00 UTC.
        let until = self.until.trim();
        let ends_at = if until.is_empty() {
            None
        } else if until.len() == 10 {
            Some(format!("{until}T00:00:00Z"))
        } else {
            Some(until.to_owned())
        };
        let reason = self.reason.trim();
        Ok(ToolDecision {
            decision: self.decision.clone(),
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
            starts_at: None,
            ends_at,
            requests_per_day: number("requests_per_day", &self.requests_per_day)?,
            tokens_per_day: number("tokens_per_day", &self.tokens_per_day)?,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "tool_requests.html")]
pub struct QueuePage {
    nav: Nav,
    pending: Vec<ToolRequest>,
    decided: Vec<ToolRequest>,
    demand: Vec<DemandLine>,
    names: Names,
    /// The request a refused answer was for, with what was typed.
    error_row: String,
    form: DecisionForm,
    error: Option<String>,
    error_field: String,
    /// Each tool's places (holding, capacity) and kind, by tool id (N5).
    places: std::collections::BTreeMap<String, (i64, i64, ToolKind)>,
}

impl QueuePage {
    /// A request's tool's places in words, and whether it is full.
    fn places_of(&self, tool_id: &str) -> (String, bool) {
        match self.places.get(tool_id) {
            Some((holding, capacity, _)) => (
                format!("{holding} of {capacity} places taken"),
                holding >= capacity,
            ),
            None => (String::new(), false),
        }
    }

    /// Whether the tool is a model (a daily token quota applies).
    fn counts_tokens(&self, tool_id: &str) -> bool {
        self.places
            .get(tool_id)
            .is_none_or(|(_, _, kind)| *kind == ToolKind::Model)
    }

    fn row_error(&self, id: &str) -> Option<&str> {
        (self.error_row == id)
            .then_some(self.error.as_deref())
            .flatten()
    }

    fn typed(&self, id: &str, field: &str) -> &str {
        if self.error_row != id {
            return match field {
                "requests_per_day" => "100",
                "tokens_per_day" => "100000",
                _ => "",
            };
        }
        match field {
            "until" => &self.form.until,
            "requests_per_day" => &self.form.requests_per_day,
            "tokens_per_day" => &self.form.tokens_per_day,
            _ => &self.form.reason,
        }
    }

    fn invalid(&self, id: &str, field: &str) -> bool {
        self.error_row == id && self.error_field == field
    }
}

async fn require_coordinator(app: &AppState, who: &Principal) -> UiResult<()> {
    if who.has_role(Role::Coordinator) && is_gov_admin(app, who).await? {
        Ok(())
    } else {
        Err(UiError(AppError::forbidden(
            "requests for tools are answered by government coordinators",
        )))
    }
}

async fn view(
    app: &AppState,
    who: &Principal,
    error_row: String,
    form: DecisionForm,
    error: Option<(String, String)>,
) -> UiResult<QueuePage> {
    let all = tool_requests::requests(app, who, None, None).await?;
    let (pending, decided): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r.state == "pending");
    let demand = tool_requests::demand(app, who).await?;
    let places = tools::list(app, who, false)
        .await?
        .into_iter()
        .map(|t| (t.id, (t.holding, t.capacity, t.kind)))
        .collect();
    let orgs: Vec<String> = pending
        .iter()
        .chain(decided.iter())
        .map(|r| r.org_id.clone())
        .collect();
    let users: Vec<String> = pending
        .iter()
        .chain(decided.iter())
        .map(|r| r.user_id.clone())
        .collect();
    let names = Names::load(
        app,
        orgs.iter().map(String::as_str),
        users.iter().map(String::as_str),
    )
    .await?;
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => (String::new(), None),
    };
    Ok(QueuePage {
        nav: Nav::new(who, "defence-tools"),
        pending,
        decided,
        demand,
        names,
        error_row,
        form,
        error,
        error_field,
        places,
    })
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<QueuePage> {
    require_coordinator(&app, &who).await?;
    view(&app, &who, String::new(), DecisionForm::default(), None).await
}

pub async fn decide(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> UiResult<Response> {
    require_coordinator(&app, &who).await?;
    let outcome = match f.input() {
        Ok(input) => tool_requests::decide(&app, &who, &id, input).await,
        Err(e) => Err(e),
    };
    answered(&app, &who, id, f, outcome).await
}

/// Revokes approved access with a reason.
pub async fn revoke(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> UiResult<Response> {
    require_coordinator(&app, &who).await?;
    let input = ToolReason {
        reason: f.reason.clone(),
    };
    let outcome = tool_requests::revoke(&app, &who, &id, input).await;
    answered(&app, &who, id, f, outcome).await
}

/// On to the answered requests, or the page again with the refusal on the
/// request's row.
async fn answered(
    app: &AppState,
    who: &Principal,
    id: String,
    f: DecisionForm,
    outcome: Result<ToolRequest, AppError>,
) -> UiResult<Response> {
    match outcome {
        Ok(_) => Ok(Redirect::to("/defence-tools/requests#decided").into_response()),
        Err(e @ AppError::NotFound) => Err(e.into()),
        Err(e) => {
            let field = match field_of(&e).as_str() {
                "ends_at" | "starts_at" => "until".to_owned(),
                other => other.to_owned(),
            };
            let (status, message) = inline_error(e)?;
            let page = view(app, who, id, f, Some((field, message))).await?;
            Ok((status, page).into_response())
        }
    }
}
