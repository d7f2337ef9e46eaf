//! Two-person requests: create a pending request for a sensitive action,
//! list them, and decide them. Approval runs the action in the same
//! transaction as the decision.
//!
//! Each action is registered in two matches below, and only there:
//! [`may_read_object`] (the read check of the object the request concerns:
//! the target user for grants, the artifact and its finding for
//! proof-of-concept releases) and [`apply`] (its effect: one arm calling
//! one function per action, so a new action is a variant, an arm in each
//! match and its effect function). A request is
//! seen, and decided, only by its maker or a holder of its action's
//! approver role who may also read that object; any other caller gets
//! "not found", the answer for a missing request. Who may decide is the
//! domain's `approval::decide`, with the cooling-off facts read from
//! `store::accounts::users::elevations_between`.

use clearinghouse_domain::approval::{
    self, ApprovalRequest, ApprovalState, COOLING_OFF_SECONDS, Concerns, Decider, Decision,
    ElevationKind,
};
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
use crate::model::{Approval, Page, User};
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
    who.require_scope(Scope::ApprovalsWrite)?;
    let mut tx = app.store.begin_write().await?;
    // Visibility before rights: a user the caller may not see is 404.
    let target = super::accounts::users::get_visible(&mut tx, who, user_id).await?;
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
    let summary = format!(
        "grant {} authorization(s) to {}",
        terms.len(),
        target.username
    );
    let request = ApprovalRequest::GrantAuthorizations {
        user_id: target.id,
        authorizations: terms,
    };
    let approval = file(app, &mut tx, who, request, summary).await?;
    tx.commit().await?;
    Ok(approval)
}

/// Said in a role request's summary when the account still has a password
/// an administrator set: the approval waits for its holder's own.
const ADMIN_SET_PASSWORD_NOTE: &str = " (the account still has the password an administrator \
     set: the grant waits until its holder has signed in and chosen their own)";

/// Files a request to grant privileged `roles` to `target`, in the
/// caller's transaction (user creation and role changes call this).
pub(crate) async fn request_roles(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    target: &User,
    roles: Vec<Role>,
) -> AppResult<Approval> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let mut summary = format!("grant role(s) {} to {}", names.join(", "), target.username);
    if store::accounts::password_change::is_required(&mut **tx, &target.id).await? {
        summary.push_str(ADMIN_SET_PASSWORD_NOTE);
    }
    let request = ApprovalRequest::GrantRole {
        user_id: target.id.clone(),
        roles,
    };
    file(app, tx, who, request, summary).await
}

/// Stores a pending two-person request made by `who`, with its audit
/// entry, in the caller's transaction.
pub(crate) async fn file(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    request: ApprovalRequest,
    summary: String,
) -> AppResult<Approval> {
    let approval = Approval {
        id: new_id(),
        request,
        summary,
        requested_by: who.user_id().to_owned(),
        requested_via: who.agent().map(|a| a.id.clone()),
        state: ApprovalState::Pending,
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

/// The read check of the object a request concerns, per action. "Not
/// found" and "forbidden" from the object's own read rule both mean no.
async fn may_read_object(app: &AppState, who: &Principal, a: &Approval) -> AppResult<bool> {
    let answer = match a.request.concerns() {
        Concerns::User(id) => {
            let mut conn = app.store.pool.acquire().await?;
            super::accounts::users::get_visible(&mut conn, who, id)
                .await
                .map(drop)
        }
        Concerns::ProofOfConcept(id) => super::findings::pocs::get(app, who, id).await.map(drop),
        Concerns::Organization(id) => super::accounts::orgs::get(app, who, id).await.map(drop),
        Concerns::Threshold(id) => super::frontier::thresholds::get(app, who, id)
            .await
            .map(drop),
        Concerns::Directive(id) => super::directives::get(app, who, id).await.map(drop),
        Concerns::Inquiry(id) => super::frontier::inquiries::get(app, who, id)
            .await
            .map(drop),
        Concerns::Partner(id) => super::frontier::partners::get(app, who, id).await.map(drop),
    };
    match answer {
        Ok(()) => Ok(true),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `who` may see (and try to decide) a request: its maker or a
/// holder of the role that approves its action, who may read what it
/// concerns.
async fn may_see(app: &AppState, who: &Principal, a: &Approval) -> AppResult<bool> {
    let party = a.requested_by == who.user_id() || who.has_role(a.request.action().approver_role());
    Ok(party && may_read_object(app, who, a).await?)
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
        for a in rows {
            if may_see(app, who, &a).await? {
                items.push(a);
            }
        }
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
    if may_see(app, who, &a).await? {
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
    // Agents never decide: the same answer whatever the id, so it tells
    // nothing of which requests exist.
    if who.is_agent() {
        return Err(AppError::forbidden(
            approval::ApprovalError::AgentCannotDecide.to_string(),
        ));
    }
    // The read check runs before the write transaction (it reads through
    // the pool); the transaction then re-reads the request.
    get(app, who, id).await?;
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
    let now = clock::now();
    let since = clock::format(now - time::Duration::seconds(COOLING_OFF_SECONDS));
    let elevations = store::accounts::users::elevations_between(
        &mut *tx,
        &request.requested_by,
        who.user_id(),
        &since,
    )
    .await?;
    let decider = Decider {
        user_id: who.user_id(),
        via_agent: who.is_agent(),
        roles: &who.roles,
        elevations: &elevations,
        now: now.unix_timestamp(),
    };
    let new_state = approval::decide(
        request.request.action(),
        request.state,
        &request.requested_by,
        &decider,
        input.decision,
    )
    .map_err(|e| match e {
        approval::ApprovalError::NotPending(_) => AppError::Conflict(e.to_string()),
        _ => AppError::forbidden(e.to_string()),
    })?;
    let now = clock::format(now);
    if !store::approvals::decide(
        &mut *tx,
        id,
        new_state,
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
    let mut effects = vec![Effect {
        action: "approval.decide",
        object_type: "approval",
        object_id: id.to_owned(),
        change: json!({"state": new_state.as_str(), "reason": input.reason}),
    }];
    if new_state == ApprovalState::Approved {
        effects.extend(apply(app, &mut tx, who, &request, &now).await?);
    }
    let events: Vec<AuditEvent<'_>> = effects.iter().map(Effect::event).collect();
    app.audit.record(&mut tx, &app.store, who, &events).await?;
    tx.commit().await?;
    Ok(Approval {
        state: new_state,
        decided_by: Some(who.user_id().to_owned()),
        decided_at: Some(now),
        reason: input.reason,
        ..request
    })
}

/// An audit entry an effect owes, owned so effects can return them.
struct Effect {
    action: &'static str,
    object_type: &'static str,
    object_id: String,
    change: serde_json::Value,
}

impl Effect {
    fn event(&self) -> AuditEvent<'_> {
        AuditEvent {
            action: self.action,
            object_type: self.object_type,
            object_id: &self.object_id,
            change: self.change.clone(),
        }
    }
}

/// Runs an approved request, in the decision's transaction: one arm per
/// action, each calling that action's effect. Returns the audit entries of
/// what it changed.
async fn apply(
    app: &AppState,
    tx: &mut store::Tx,
    decider: &Principal,
    a: &Approval,
    now: &str,
) -> AppResult<Vec<Effect>> {
    match &a.request {
        ApprovalRequest::GrantAuthorizations {
            user_id,
            authorizations,
        } => grant_authorizations(tx, decider, a, user_id, authorizations, now).await,
        ApprovalRequest::GrantRole { user_id, roles } => {
            grant_role(tx, decider, a, user_id, roles, now).await
        }
        ApprovalRequest::ReleaseProofOfConcept {
            poc_id, user_id, ..
        } => release_proof_of_concept(tx, a, poc_id, user_id).await,
        ApprovalRequest::SetOrganizationFlags {
            org_id,
            vetted,
            trusted_partner,
        } => set_organization_flags(tx, a, org_id, *vetted, *trusted_partner).await,
        ApprovalRequest::SetThreshold { threshold_id, .. } => {
            set_threshold(tx, a, threshold_id, now).await
        }
        ApprovalRequest::IssueDirective {
            directive_id,
            version,
            ..
        } => {
            let change =
                super::directives::activate(tx, directive_id, *version, &a.id, now).await?;
            Ok(vec![Effect {
                action: "directive.issue",
                object_type: "directive",
                object_id: directive_id.clone(),
                change,
            }])
        }
        ApprovalRequest::DecideDesignation { inquiry_id, .. } => {
            let change = super::frontier::inquiries::approve_decision(
                app, tx, decider, inquiry_id, &a.id, now,
            )
            .await?;
            Ok(vec![Effect {
                action: "inquiry.decide",
                object_type: "inquiry",
                object_id: inquiry_id.clone(),
                change,
            }])
        }
        ApprovalRequest::ApproveTrustedPartner { partner_id, .. } => {
            let change = super::frontier::partners::approve_government(
                app, tx, decider, partner_id, &a.id, now,
            )
            .await?;
            Ok(vec![Effect {
                action: "partner.approve_government",
                object_type: "partner",
                object_id: partner_id.clone(),
                change,
            }])
        }
    }
}

/// Both people of a two-person grant took part in it (cooling-off facts).
fn granters<'a>(a: &'a Approval, decider: &'a Principal) -> [&'a str; 2] {
    [a.requested_by.as_str(), decider.user_id()]
}

/// `grant_authorizations`: adds the terms to the user's authorizations.
async fn grant_authorizations(
    tx: &mut store::Tx,
    decider: &Principal,
    a: &Approval,
    user_id: &str,
    authorizations: &[String],
    now: &str,
) -> AppResult<Vec<Effect>> {
    let user = store::accounts::users::get(&mut **tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut auths = user.authorizations;
    add_missing(&mut auths, authorizations.iter().map(String::as_str));
    auths.sort();
    store::accounts::users::set_authorizations(&mut **tx, user_id, &auths).await?;
    granted(tx, decider, a, user_id, Grant::Authorizations, &auths, now).await
}

/// `grant_role`: adds the privileged roles to the user's roles.
async fn grant_role(
    tx: &mut store::Tx,
    decider: &Principal,
    a: &Approval,
    user_id: &str,
    roles: &[Role],
    now: &str,
) -> AppResult<Vec<Effect>> {
    let user = store::accounts::users::get(&mut **tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A password an administrator set is known to them: were the role
    // granted now, whoever signs in first (the administrator) would choose
    // the holder's "own" password and hold the role alone. The request
    // stays pending until the holder has replaced it.
    if store::accounts::password_change::is_required(&mut **tx, user_id).await? {
        return Err(AppError::Conflict(
            "the account still has the password an administrator set: its holder \
             signs in and chooses their own before a privileged role is granted; \
             decide again then"
                .into(),
        ));
    }
    let mut names = user.roles;
    add_missing(&mut names, roles.iter().map(|r| r.as_str()));
    store::accounts::users::set_roles(&mut **tx, user_id, &names).await?;
    granted(tx, decider, a, user_id, Grant::Roles, &names, now).await
}

/// What [`grant_authorizations`] and [`grant_role`] add to a user.
#[derive(Clone, Copy)]
enum Grant {
    Authorizations,
    Roles,
}

/// Appends each of `new` that `held` lacks, in order.
fn add_missing<'a>(held: &mut Vec<String>, new: impl IntoIterator<Item = &'a str>) {
    for n in new {
        if !held.iter().any(|h| h == n) {
            held.push(n.to_owned());
        }
    }
}

/// Records the elevation of `user_id` by the requester and the decider,
/// and the effect naming the user's `held` authorizations or roles as they
/// now are: the end of [`grant_authorizations`] and [`grant_role`].
async fn granted(
    tx: &mut store::Tx,
    decider: &Principal,
    a: &Approval,
    user_id: &str,
    grant: Grant,
    held: &[String],
    now: &str,
) -> AppResult<Vec<Effect>> {
    let (kind, action, change) = match grant {
        Grant::Authorizations => (
            ElevationKind::GrantedAuthorization,
            "user.grant_authorizations",
            json!({"authorizations": held, "approval": a.id}),
        ),
        Grant::Roles => (
            ElevationKind::GrantedRole,
            "user.grant_role",
            json!({"roles": held, "approval": a.id}),
        ),
    };
    record_elevations(tx, &granters(a, decider), user_id, kind, now).await?;
    Ok(vec![Effect {
        action,
        object_type: "user",
        object_id: user_id.to_owned(),
        change,
    }])
}

/// `release_proof_of_concept`: a 7-day release of the artifact to the user.
async fn release_proof_of_concept(
    tx: &mut store::Tx,
    a: &Approval,
    poc_id: &str,
    user_id: &str,
) -> AppResult<Vec<Effect>> {
    let r = super::findings::pocs::grant_release(tx, &a.id, poc_id, user_id).await?;
    Ok(vec![Effect {
        action: "poc.release",
        object_type: "poc",
        object_id: r.poc_id,
        change: json!({"approval": a.id, "user_id": r.user_id, "expires_at": r.expires_at}),
    }])
}

/// `set_organization_flags`: sets `vetted` and `trusted_partner`.
async fn set_organization_flags(
    tx: &mut store::Tx,
    a: &Approval,
    org_id: &str,
    vetted: Option<bool>,
    trusted_partner: Option<bool>,
) -> AppResult<Vec<Effect>> {
    let org = super::accounts::orgs::apply_flags(tx, org_id, vetted, trusted_partner).await?;
    Ok(vec![Effect {
        action: "org.set_flags",
        object_type: "organization",
        object_id: org.id,
        change: json!({"vetted": org.vetted, "trusted_partner": org.trusted_partner, "approval": a.id}),
    }])
}

/// `set_threshold`: puts the proposed threshold policy version in force.
async fn set_threshold(
    tx: &mut store::Tx,
    a: &Approval,
    threshold_id: &str,
    now: &str,
) -> AppResult<Vec<Effect>> {
    let change = super::frontier::thresholds::activate(tx, threshold_id, &a.id, now).await?;
    Ok(vec![Effect {
        action: "threshold.activate",
        object_type: "threshold",
        object_id: threshold_id.to_owned(),
        change,
    }])
}

/// Records that each of `actors` elevated `subject` (one row per distinct
/// actor other than the subject).
pub(crate) async fn record_elevations(
    tx: &mut store::Tx,
    actors: &[&str],
    subject: &str,
    kind: ElevationKind,
    at: &str,
) -> AppResult<()> {
    let mut seen: Vec<&str> = Vec::new();
    for actor in actors.iter().copied() {
        if actor != subject && !seen.contains(&actor) {
            seen.push(actor);
            store::accounts::users::insert_elevation(
                &mut **tx,
                &new_id(),
                actor,
                subject,
                kind,
                at,
            )
            .await?;
        }
    }
    Ok(())
}
