//! Two-person requests: create a pending request for a sensitive action,
//! list them, and decide them. Approval runs the action in the same
//! transaction as the decision. A request is seen by its maker and by the
//! holders of its action's approver role (platform admins: authorization
//! grants; coordinators: proof-of-concept releases).

use clearinghouse_domain::approval::{self, ApprovalAction, ApprovalState, Decider, Decision};
use clearinghouse_domain::identity::{Role, Scope};
use clearinghouse_domain::labels::validate_term;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{into_page, new_id, page_size};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Approval, Page};
use crate::store;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Authorization terms to grant, such as `CUI` or `FRONTIER`.
    pub authorizations: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve` or `reject` (the maker's own reject cancels the request).
    #[schema(value_type = String, example = "approve")]
    pub decision: Decision,
    pub reason: Option<String>,
}

/// Asks for authorizations to be granted to a user; runs only when a second
/// platform admin approves.
pub async fn request_grant(
    app: &AppState,
    who: &Principal,
    user_id: &str,
    input: GrantRequest,
) -> AppResult<Approval> {
    who.require(Scope::ApprovalsWrite, &[Role::PlatformAdmin])?;
    if input.authorizations.is_empty() {
        return Err(AppError::invalid(
            "authorizations",
            "name at least one authorization",
        ));
    }
    let mut terms = Vec::new();
    for (i, t) in input.authorizations.iter().enumerate() {
        validate_term(t)
            .map_err(|e| AppError::invalid(format!("authorizations[{i}]"), e.to_string()))?;
        if !terms.contains(t) {
            terms.push(t.clone());
        }
    }
    let mut tx = app.store.begin_write().await?;
    let target = store::users::get(&mut *tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = format!(
        "grant {} authorization(s) to {}",
        terms.len(),
        target.username
    );
    let payload = json!({"user_id": target.id, "authorizations": terms});
    let approval = file(
        app,
        &mut tx,
        who,
        ApprovalAction::GrantAuthorizations,
        payload,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(approval)
}

/// Stores a pending two-person request for `action` made by `who`, with
/// its audit entry, in the caller's transaction.
pub(crate) async fn file(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    action: ApprovalAction,
    payload: serde_json::Value,
    summary: String,
) -> AppResult<Approval> {
    let approval = Approval {
        id: new_id(),
        action: action.as_str().to_owned(),
        payload,
        summary,
        requested_by: who.user_id().to_owned(),
        requested_via: who.agent().map(|a| a.id.clone()),
        state: ApprovalState::Pending.as_str().to_owned(),
        decided_by: None,
        decided_at: None,
        reason: None,
        created_at: clock::now_text(),
    };
    store::approvals::insert(&mut **tx, &approval).await?;
    let event = AuditEvent {
        action: "approval.request",
        object_type: "approval",
        object_id: &approval.id,
        change: json!(approval),
    };
    app.audit.record(tx, &app.store, who, &[event]).await?;
    Ok(approval)
}

/// Whether `who` may see a request: its maker, or a holder of the role
/// that approves its action.
fn may_see(who: &Principal, a: &Approval) -> bool {
    a.requested_by == who.user_id()
        || ApprovalAction::parse(&a.action).is_some_and(|act| who.has_role(act.approver_role()))
}

/// The requests `who` may see (see [`may_see`]).
pub async fn list(
    app: &AppState,
    who: &Principal,
    state: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Approval>> {
    who.require_scope(Scope::ApprovalsRead)?;
    if let Some(s) = state
        && ApprovalState::parse(s).is_none()
    {
        return Err(AppError::invalid(
            "state",
            "must be pending, approved, rejected or cancelled",
        ));
    }
    let limit = page_size(limit);
    let mut items = Vec::new();
    let mut after = cursor.map(str::to_owned);
    // Filtering to what one may see happens after the query; keep
    // fetching until the page is full.
    loop {
        let rows =
            store::approvals::list(&app.store.pool, state, after.as_deref(), limit + 1).await?;
        let exhausted = (rows.len() as i64) <= limit;
        after = rows.last().map(|a| a.id.clone());
        items.extend(rows.into_iter().filter(|a| may_see(who, a)));
        if exhausted || items.len() as i64 > limit {
            break;
        }
    }
    Ok(into_page(items, limit, |a| a.id.clone()))
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Approval> {
    who.require_scope(Scope::ApprovalsRead)?;
    let a = store::approvals::get(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if may_see(who, &a) {
        Ok(a)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn decide(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: DecisionInput,
) -> AppResult<Approval> {
    who.require_scope(Scope::ApprovalsWrite)?;
    if let Some(r) = &input.reason
        && r.chars().count() > 2000
    {
        return Err(AppError::invalid(
            "reason",
            "must be at most 2000 characters",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let request = store::approvals::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(who, &request) {
        return Err(AppError::NotFound);
    }
    let action = ApprovalAction::parse(&request.action)
        .ok_or_else(|| AppError::Internal(format!("unknown approval action {}", request.action)))?;
    let state = ApprovalState::parse(&request.state)
        .ok_or_else(|| AppError::Internal("bad approval state".into()))?;
    let decider = Decider {
        user_id: who.user_id(),
        via_agent: who.is_agent(),
        roles: &who.roles,
    };
    let new_state = approval::decide(
        action,
        state,
        &request.requested_by,
        &decider,
        input.decision,
    )
    .map_err(|e| match e {
        approval::ApprovalError::NotPending(_) => AppError::Conflict(e.to_string()),
        _ => AppError::forbidden(e.to_string()),
    })?;
    let now = clock::now_text();
    if !store::approvals::decide(
        &mut *tx,
        id,
        new_state.as_str(),
        who.user_id(),
        &now,
        input.reason.as_deref(),
    )
    .await?
    {
        return Err(AppError::Conflict(
            "the request was decided meanwhile".into(),
        ));
    }
    let mut events = vec![AuditEvent {
        action: "approval.decide",
        object_type: "approval",
        object_id: id,
        change: json!({"state": new_state.as_str(), "reason": input.reason}),
    }];
    let target_id = request.payload["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut release = None;
    if new_state == ApprovalState::Approved && action == ApprovalAction::ReleaseProofOfConcept {
        release = Some(super::pocs::grant_release(&mut tx, &request).await?);
    }
    if let Some(r) = &release {
        events.push(AuditEvent {
            action: "poc.release",
            object_type: "poc",
            object_id: &r.poc_id,
            change: json!({"approval": id, "user_id": r.user_id, "expires_at": r.expires_at}),
        });
    }
    if new_state == ApprovalState::Approved && action == ApprovalAction::GrantAuthorizations {
        let terms: Vec<String> = serde_json::from_value(request.payload["authorizations"].clone())
            .map_err(|e| AppError::Internal(format!("approval payload: {e}")))?;
        let user = store::users::get(&mut *tx, &target_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut auths = user.authorizations.clone();
        for t in terms {
            if !auths.contains(&t) {
                auths.push(t);
            }
        }
        auths.sort();
        store::users::set_authorizations(&mut *tx, &target_id, &auths).await?;
        events.push(AuditEvent {
            action: "user.grant_authorizations",
            object_type: "user",
            object_id: &target_id,
            change: json!({"authorizations": auths, "approval": id}),
        });
    }
    app.audit.record(&mut tx, &app.store, who, &events).await?;
    tx.commit().await?;
    Ok(Approval {
        state: new_state.as_str().to_owned(),
        decided_by: Some(who.user_id().to_owned()),
        decided_at: Some(now),
        reason: input.reason,
        ..request
    })
}
