//! Authorizations and the two-person approvals queue.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Redirect;
use clearinghouse_domain::approval::{ApprovalState, Decision};
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::error::AppError;
use crate::model::{Approval, User};
use crate::workflows::{accounts::users, approvals};

#[derive(Template, WebTemplate)]
#[template(path = "authorizations.html")]
pub struct AuthorizationsPage {
    nav: Nav,
    users: Vec<User>,
}

pub async fn authorizations(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
) -> UiResult<AuthorizationsPage> {
    who.require(Scope::ApprovalsWrite, &[Role::PlatformAdmin])?;
    let users = users::list(&app, &who, None, None, Some(500)).await?.items;
    Ok(AuthorizationsPage {
        nav: Nav::new(&who, "authorizations"),
        users,
    })
}

#[derive(Deserialize)]
pub struct GrantForm {
    csrf_token: String,
    user_id: String,
    authorizations: String,
}

pub async fn request_grant(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<GrantForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let terms = f
        .authorizations
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    approvals::request_grant(
        &app,
        &who,
        &f.user_id,
        approvals::GrantRequest {
            authorizations: terms,
        },
    )
    .await?;
    Ok(Redirect::to("/approvals"))
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals.html")]
pub struct ApprovalsPage {
    nav: Nav,
    pending: Vec<Approval>,
    decided: Vec<Approval>,
    me: String,
    names: super::names::Names,
}

pub async fn page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<ApprovalsPage> {
    let all = approvals::list(&app, &who, None, None, Some(500))
        .await?
        .items;
    let people: Vec<&str> = all
        .iter()
        .flat_map(|a| std::iter::once(a.requested_by.as_str()).chain(a.decided_by.as_deref()))
        .collect();
    let names = super::names::Names::load(&app, [], people).await?;
    let (pending, decided) = all
        .into_iter()
        .partition(|a| a.state == ApprovalState::Pending);
    Ok(ApprovalsPage {
        names,
        nav: Nav::new(&who, "approvals"),
        pending,
        decided,
        me: who.user_id().to_owned(),
    })
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf_token: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let decision = match f.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => return Err(AppError::invalid("decision", "must be approve or reject").into()),
    };
    let reason = (!f.reason.trim().is_empty()).then(|| f.reason.trim().to_owned());
    approvals::decide(
        &app,
        &who,
        &id,
        approvals::DecisionInput { decision, reason },
    )
    .await?;
    Ok(Redirect::to("/approvals"))
}
