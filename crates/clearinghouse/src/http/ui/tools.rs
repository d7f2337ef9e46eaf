//! The defensive-tools catalog for operators (`/defence-tools`): every
//! listed entry in plain words (what it is, who may ask, places taken,
//! contact, terms), a request form with a purpose on each entry the
//! reader's organisation may ask for (and why not on the others), and the
//! organisation's own requests with their time box and quota. Requests
//! post to `workflows::frontier::tool_requests::request`, CSRF-checked; a
//! refusal is shown beside the purpose of the entry it was for. A
//! coordinator (or the developer offering a model entry) takes an entry
//! off the list with a reason (`workflows::frontier::tools::delist`).
//! Coordinators find their queue and use by sector on `tools_queue.rs`'s
//! page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearinghouse_domain::frontier::access::catalog::ToolKind;
use clearinghouse_domain::identity::Role;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::frontier::{day, field_of};
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::workflows::frontier::tool_requests::{self, NewToolRequest, ToolRequest};
use crate::workflows::frontier::tools::{self, Tool, ToolReason};

/// The catalog and, for coordinators, the queue (`tools_queue.rs`).
pub fn routes() -> Router<AppState> {
    use super::tools_queue as queue;
    Router::new()
        .route("/defence-tools", get(page))
        .route("/defence-tools/{id}/request", post(request))
        .route("/defence-tools/requests", get(queue::page))
        .route("/defence-tools/requests/{id}/decision", post(queue::decide))
        .route("/defence-tools/{id}/delist", post(delist))
        .route("/defence-tools/requests/{id}/revoke", post(queue::revoke))
}

/// `critical_infrastructure_operator` → `critical infrastructure operator`.
pub fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// A list of names in words, or `any`.
pub fn list_words(names: &[String]) -> String {
    if names.is_empty() {
        "any".to_owned()
    } else {
        names
            .iter()
            .map(|n| words(n))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A request's state in plain words.
pub fn request_words(r: &ToolRequest) -> String {
    match r.state.as_str() {
        "approved" => format!(
            "Approved: from {} until {}, {} requests and {} tokens a day{}",
            day(r.starts_at.as_deref().unwrap_or("")),
            day(r.ends_at.as_deref().unwrap_or("")),
            r.requests_per_day.unwrap_or(0),
            r.tokens_per_day.unwrap_or(0),
            if r.grant_id.is_some() {
                ". Accept the model's terms, then take a credential for the broker"
            } else {
                ""
            }
        ),
        "declined" => format!(
            "Declined: {}",
            r.decision_reason.as_deref().unwrap_or("no reason given")
        ),
        "revoked" => format!(
            "Revoked on {}: {}",
            day(r.revoked_at.as_deref().unwrap_or("")),
            r.revoke_reason.as_deref().unwrap_or("no reason given")
        ),
        _ => "Waiting for a coordinator".to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub purpose: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tools.html")]
pub struct ToolsPage {
    nav: Nav,
    tools: Vec<Tool>,
    requests: Vec<ToolRequest>,
    names: Names,
    coordinator: bool,
    /// The reader's organisation (a developer takes its own model entries
    /// off the list).
    org_id: String,
    /// The entry a refused request (or delisting) was for, what was typed
    /// and why.
    error_tool: String,
    typed: String,
    error: Option<FieldError>,
    notice: String,
}

impl ToolsPage {
    fn error_on(&self, tool: &str) -> Option<&str> {
        (self.error_tool == tool)
            .then(|| self.error.as_ref().map(|e| e.message.as_str()))
            .flatten()
    }

    /// Whether the reader may take `t` off the list.
    fn may_delist(&self, t: &Tool) -> bool {
        t.state == "listed"
            && (self.coordinator || (t.kind == ToolKind::Model && t.provider_org == self.org_id))
    }

    fn typed_for(&self, tool: &str) -> &str {
        if self.error_tool == tool {
            &self.typed
        } else {
            ""
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ToolsQuery {
    #[serde(default)]
    pub notice: String,
}

async fn view(
    app: &AppState,
    who: &Principal,
    error: Option<(String, String, FieldError)>,
    notice: String,
) -> UiResult<ToolsPage> {
    let tools = tools::list(app, who, false).await?;
    let requests: Vec<ToolRequest> = tool_requests::requests(app, who, None, None)
        .await?
        .into_iter()
        .filter(|r| r.org_id == who.org_id())
        .collect();
    let coordinator = who.has_role(Role::Coordinator)
        && crate::workflows::frontier::windows::is_gov_admin(app, who).await?;
    let orgs: Vec<String> = tools.iter().map(|t| t.provider_org.clone()).collect();
    let users: Vec<String> = requests
        .iter()
        .map(|r| r.user_id.clone())
        .chain(tools.iter().filter_map(|t| t.delisted_by.clone()))
        .collect();
    let names = Names::load(
        app,
        orgs.iter().map(String::as_str),
        users.iter().map(String::as_str),
    )
    .await?;
    let (error_tool, typed, error) = match error {
        Some((t, typed, e)) => (t, typed, Some(e)),
        None => (String::new(), String::new(), None),
    };
    Ok(ToolsPage {
        nav: Nav::new(who, "defence-tools"),
        tools,
        requests,
        names,
        coordinator,
        org_id: who.org_id().to_owned(),
        error_tool,
        typed,
        error,
        notice,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<ToolsQuery>,
) -> UiResult<ToolsPage> {
    view(&app, &who, None, q.notice).await
}

/// Asks for an entry; a refusal (an organisation it is not offered to, an
/// empty purpose, a request already waiting) comes back beside it.
pub async fn request(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RequestForm>,
) -> UiResult<Response> {
    let input = NewToolRequest {
        purpose: f.purpose.clone(),
    };
    let outcome = tool_requests::request(&app, &who, &id, input).await;
    answer(&app, &who, id, f.purpose, outcome, "requested#my-requests").await
}

/// The page after a form about one entry: on to `notice`, or the page
/// again with the refusal beside the entry and what was typed.
async fn answer<T>(
    app: &AppState,
    who: &Principal,
    id: String,
    typed: String,
    outcome: Result<T, AppError>,
    notice: &str,
) -> UiResult<Response> {
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/defence-tools?notice={notice}")).into_response()),
        Err(e @ AppError::NotFound) => Err(e.into()),
        Err(e) => {
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let error = Some((id, typed, FieldError { field, message }));
            let page = view(app, who, error, String::new()).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DelistForm {
    #[serde(default)]
    pub reason: String,
}

/// Takes an entry off the list with a reason; a refusal comes back beside
/// the entry.
pub async fn delist(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DelistForm>,
) -> UiResult<Response> {
    let input = ToolReason {
        reason: f.reason.clone(),
    };
    let outcome = tools::delist(&app, &who, &id, input).await;
    let notice = format!("delisted#tool-{id}");
    answer(&app, &who, id, f.reason, outcome, &notice).await
}
