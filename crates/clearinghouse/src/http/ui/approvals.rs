//! Authorizations and the two-person approvals queue. Which requests a
//! person may see is decided per request by the workflow (its maker, or an
//! approver who may read what it concerns), so the page walks every visible
//! request and then searches, sorts and pages them: the counts are of what
//! the reader may see. Refused forms come back on the page, beside the
//! request or field at fault.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::approval::{ApprovalAction, ApprovalState, Decision};
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;

use super::forms::FormError;
use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{CsrfForm, Nav, UiCaller, UiResult};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::{Approval, User};
use crate::workflows::{MAX_PAGE, accounts::users, approvals};

#[derive(Template, WebTemplate)]
#[template(path = "authorizations.html")]
pub struct AuthorizationsPage {
    nav: Nav,
    users: Vec<User>,
    names: Names,
    /// The grant form as typed, and why it was refused.
    form: GrantForm,
    form_error: Option<FormError>,
}

/// Every user the reader may see (page after page), for the grant form.
async fn all_users(app: &AppState, who: &Principal) -> UiResult<Vec<User>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = users::list(app, who, None, cursor.as_deref(), Some(MAX_PAGE)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

async fn authorizations_view(
    app: &AppState,
    who: &Principal,
    form: GrantForm,
    form_error: Option<FormError>,
) -> UiResult<AuthorizationsPage> {
    who.require(Scope::ApprovalsWrite, &[Role::PlatformAdmin])?;
    let users = all_users(app, who).await?;
    let names = Names::load(app, users.iter().map(|u| u.org_id.as_str()), []).await?;
    Ok(AuthorizationsPage {
        nav: Nav::new(who, "authorizations"),
        users,
        names,
        form,
        form_error,
    })
}

pub async fn authorizations(UiCaller { app, who }: UiCaller) -> UiResult<AuthorizationsPage> {
    authorizations_view(&app, &who, GrantForm::default(), None).await
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub authorizations: String,
}

pub async fn request_grant(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> UiResult<Response> {
    let terms = f
        .authorizations
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let input = approvals::GrantRequest {
        authorizations: terms,
    };
    match approvals::request_grant(&app, &who, &f.user_id, input).await {
        Ok(_) => Ok(Redirect::to("/approvals").into_response()),
        Err(AppError::NotFound) => {
            let err = FormError::field("user_id", "choose a user you may see");
            let page = authorizations_view(&app, &who, f, Some(err)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => {
            let (status, err) = FormError::from_app(e, &["user_id", "authorizations"])?;
            let page = authorizations_view(&app, &who, f, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The approvals page's view: a search and the decided table's paging.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ApprovalsQuery {
    #[serde(default)]
    pub state: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals.html")]
pub struct ApprovalsPage {
    nav: Nav,
    /// Every pending request the reader may see (they need someone now).
    pending: Vec<Approval>,
    /// One page of the decided requests.
    decided: Vec<Approval>,
    pager: Pager,
    q: ApprovalsQuery,
    me: String,
    names: Names,
    /// A refused decision: the request's id and why.
    refused: Option<(String, String)>,
    /// The approver roles the reader holds: a pending request offers
    /// approve and reject only to a holder of its action's approver role.
    approver_roles: Vec<Role>,
}

impl ApprovalsPage {
    fn may_decide(&self, a: &Approval) -> bool {
        self.approver_roles
            .contains(&a.request.action().approver_role())
    }
}

/// Every request the reader may see, page after page of the workflow's list.
async fn all_visible(app: &AppState, who: &Principal) -> UiResult<Vec<Approval>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = approvals::list(app, who, None, cursor.as_deref(), Some(MAX_PAGE)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Sortable columns of the decided table: URL word and key.
const SORTS: &[&str] = &["requested", "decided", "action", "state"];

async fn approvals_view(
    app: &AppState,
    who: &Principal,
    q: ApprovalsQuery,
    refused: Option<(String, String)>,
) -> UiResult<ApprovalsPage> {
    let all = all_visible(app, who).await?;
    let people: Vec<&str> = all
        .iter()
        .flat_map(|a| std::iter::once(a.requested_by.as_str()).chain(a.decided_by.as_deref()))
        .collect();
    let names = Names::load(app, [], people).await?;
    let needle = q.paging.search().map(str::to_lowercase);
    let matches = |a: &Approval| match &needle {
        None => true,
        Some(n) => [
            a.summary.to_lowercase(),
            a.request.action().as_str().to_owned(),
            names.user(&a.requested_by).to_lowercase(),
            a.reason.clone().unwrap_or_default().to_lowercase(),
        ]
        .iter()
        .any(|h| h.contains(n.as_str())),
    };
    let (mut pending, mut decided): (Vec<Approval>, Vec<Approval>) = all
        .into_iter()
        .filter(|a| matches(a))
        .partition(|a| a.state == ApprovalState::Pending);
    pending.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let state = q.state.trim();
    if !state.is_empty() {
        decided.retain(|a| a.state.as_str() == state);
    }
    let sort = SORTS
        .iter()
        .find(|s| **s == q.paging.sort)
        .copied()
        .unwrap_or("decided");
    let descending = q.paging.descending(matches!(sort, "requested" | "decided"));
    decided.sort_by(|a, b| {
        let key = |x: &Approval| match sort {
            "requested" => x.created_at.clone(),
            "action" => x.request.action().as_str().to_owned(),
            "state" => x.state.as_str().to_owned(),
            _ => x.decided_at.clone().unwrap_or_default(),
        };
        let order = key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id));
        if descending { order.reverse() } else { order }
    });
    let total = decided.len() as i64;
    let offset = usize::try_from(q.paging.offset()).unwrap_or(usize::MAX);
    let decided: Vec<Approval> = decided
        .into_iter()
        .skip(offset)
        .take(PAGE_ROWS as usize)
        .collect();
    let pager = Pager::new(
        "/approvals",
        &[("state", &q.state)],
        &q.paging,
        sort,
        descending,
        decided.len(),
        total,
    );
    Ok(ApprovalsPage {
        names,
        nav: Nav::new(who, "approvals"),
        pending,
        decided,
        pager,
        q,
        me: who.user_id().to_owned(),
        approver_roles: ApprovalAction::ALL
            .iter()
            .map(|a| a.approver_role())
            .filter(|r| who.has_role(*r))
            .collect(),
        refused,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<ApprovalsQuery>,
) -> UiResult<ApprovalsPage> {
    approvals_view(&app, &who, q, None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> UiResult<Response> {
    let decision = match f.decision.as_str() {
        "approve" => Ok(Decision::Approve),
        "reject" => Ok(Decision::Reject),
        _ => Err(AppError::invalid("decision", "must be approve or reject")),
    };
    let reason = (!f.reason.trim().is_empty()).then(|| f.reason.trim().to_owned());
    let done = match decision {
        Ok(decision) => {
            let input = approvals::DecisionInput { decision, reason };
            approvals::decide(&app, &who, &id, input).await.map(drop)
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to("/approvals").into_response()),
        Err(e) => {
            let (status, err) = FormError::from_app(e, &[])?;
            let refused = Some((id, err.message().to_owned()));
            let page = approvals_view(&app, &who, ApprovalsQuery::default(), refused).await?;
            Ok((status, page).into_response())
        }
    }
}
