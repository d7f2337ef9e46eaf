//! Trusted partners of a covered model (Sec. 3(b)(iii)), chosen together:
//! either side nominates an organisation with a reason; it is a partner
//! only once the developer's organisation admin and the government (a
//! coordinator of a government agency files, a second coordinator approves
//! under the two-person rule, `ApprovalRequest::ApproveTrustedPartner`)
//! have both approved. Either side withdraws at any time; withdrawal
//! cancels a waiting government request and revokes the grants the
//! partner's people hold in the model's windows. The state machine is the
//! domain's (`frontier::access::partners`).
//!
//! Who reads a nomination: whoever may read the model and is of the
//! developer's organisation, of the nominated organisation, or a
//! government administrator; anyone else gets 404. A step by someone who
//! is neither side is audited as `partner.refused`. The parties are
//! notified of every change.

use clearinghouse_domain::approval::{ApprovalRequest, ApprovalState};
use clearinghouse_domain::frontier::access::catalog::long_text;
use clearinghouse_domain::frontier::access::partners::{
    self as rules, PartnerFacts, PartnerState, PartnerStep, Side,
};
use clearinghouse_domain::identity::{OrgKind, Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Approval;
use crate::model::notify::NotificationKind;
use crate::store::frontier::partners::PartnerRow;
use crate::store::{self, Tx};
use crate::workflows::frontier::{models, windows};
use crate::workflows::notifications;
use crate::workflows::{approvals, new_id, record_audit};

/// A nomination.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartner {
    /// The organisation nominated.
    pub org_id: String,
    /// Why (1 to 2000 characters).
    pub reason: String,
}

/// Why a side withdraws.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerWithdrawal {
    pub reason: String,
}

/// A nomination as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Partner {
    pub id: String,
    pub model_id: String,
    pub developer_org: String,
    /// The nominated organisation.
    pub org_id: String,
    pub nominated_by: String,
    /// `developer` or `government`.
    pub nominated_side: String,
    pub reason: String,
    /// `proposed`, `approved` (both sides) or `withdrawn`.
    pub state: String,
    pub developer_approved_by: Option<String>,
    pub developer_approved_at: Option<String>,
    /// The government's two-person request, once a coordinator filed it.
    pub government_approval_id: Option<String>,
    /// Whether that request waits for a second coordinator.
    pub government_pending: bool,
    pub government_approved_by: Option<String>,
    pub government_approved_at: Option<String>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_side: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdraw_reason: Option<String>,
    pub created_at: String,
}

impl From<PartnerRow> for Partner {
    fn from(p: PartnerRow) -> Self {
        Partner {
            id: p.id,
            model_id: p.model_id,
            developer_org: p.developer_org,
            org_id: p.org_id,
            nominated_by: p.nominated_by,
            nominated_side: p.nominated_side,
            reason: p.reason,
            state: p.state,
            developer_approved_by: p.developer_approved_by,
            developer_approved_at: p.developer_approved_at,
            government_approval_id: p.government_approval_id,
            government_pending: p.government_pending,
            government_approved_by: p.government_approved_by,
            government_approved_at: p.government_approved_at,
            withdrawn_by: p.withdrawn_by,
            withdrawn_side: p.withdrawn_side,
            withdrawn_at: p.withdrawn_at,
            withdraw_reason: p.withdraw_reason,
            created_at: p.created_at,
        }
    }
}

/// A side's approval: the nomination after it, and the two-person request
/// a coordinator's approval filed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerApproval {
    pub partner: Partner,
    pub approval: Option<Approval>,
}

fn facts(p: &PartnerRow) -> PartnerFacts {
    PartnerFacts {
        developer_approved: p.developer_approved_at.is_some(),
        government_pending: p.government_pending,
        government_approved: p.government_approved_at.is_some(),
        withdrawn: p.state == PartnerState::Withdrawn.as_str(),
    }
}

fn step(p: &PartnerRow, s: PartnerStep) -> AppResult<PartnerFacts> {
    rules::next(facts(p), s).map_err(|e| AppError::Conflict(e.to_string()))
}

/// The side `who` acts for on `developer_org`'s model, if any: the
/// developer's org admin, or a coordinator of a government agency.
async fn side_of(app: &AppState, who: &Principal, developer_org: &str) -> AppResult<Option<Side>> {
    if who.org_id() == developer_org && who.has_role(Role::OrgAdmin) {
        return Ok(Some(Side::Developer));
    }
    if who.has_role(Role::Coordinator) && windows::is_gov_admin(app, who).await? {
        return Ok(Some(Side::Government));
    }
    Ok(None)
}

/// Audits a step attempted by someone who is neither side, and returns `err`.
async fn refuse(
    app: &AppState,
    who: &Principal,
    object_type: &'static str,
    id: &str,
    attempted: &str,
    err: AppError,
) -> AppError {
    let recorded = async {
        let mut tx = app.store.begin_write().await?;
        let change = json!({"attempted": attempted, "reason": err.to_string()});
        record_audit(
            app,
            &mut tx,
            who,
            "partner.refused",
            object_type,
            id,
            change,
        )
        .await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    match recorded.await {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn not_a_side() -> AppError {
    AppError::forbidden(
        "trusted partners are nominated, approved and withdrawn by the developer's organisation admin or a government coordinator",
    )
}

/// The nomination if `who` may read it; else 404.
async fn readable(app: &AppState, who: &Principal, id: &str) -> AppResult<PartnerRow> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let p = store::frontier::partners::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if may_read(app, who, &p).await? {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

async fn may_read(app: &AppState, who: &Principal, p: &PartnerRow) -> AppResult<bool> {
    let party = who.org_id() == p.developer_org
        || who.org_id() == p.org_id
        || windows::is_gov_admin(app, who).await?;
    if !party {
        return Ok(false);
    }
    match models::get(app, who, &p.model_id).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Partner> {
    Ok(readable(app, who, id).await?.into())
}

/// Nominations of a model the caller may read (all of them for the two
/// sides, its own organisation's for a nominated one).
pub async fn of_model(app: &AppState, who: &Principal, model_id: &str) -> AppResult<Vec<Partner>> {
    who.require_scope(Scope::ModelsRead)?;
    let model = models::get(app, who, model_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::partners::of_model(&mut conn, &model.id).await?;
    drop(conn);
    let both = who.org_id() == model.owner_org || windows::is_gov_admin(app, who).await?;
    Ok(rows
        .into_iter()
        .filter(|p| both || p.org_id == who.org_id())
        .map(Partner::from)
        .collect())
}

/// Every nomination the caller may read, newest first (a coordinator's
/// queue; a developer's partners; a partner's own).
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<Partner>> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::partners::all(&mut conn).await?;
    drop(conn);
    let mut out = Vec::new();
    for p in rows {
        if may_read(app, who, &p).await? {
            out.push(p.into());
        }
    }
    Ok(out)
}

pub async fn nominate(
    app: &AppState,
    who: &Principal,
    model_id: &str,
    input: NewPartner,
) -> AppResult<PartnerApproval> {
    who.require_scope(Scope::ModelsWrite)?;
    let model = models::get(app, who, model_id).await?;
    let Some(side) = side_of(app, who, &model.owner_org).await? else {
        return Err(refuse(
            app,
            who,
            "model",
            model_id,
            "partner.nominate",
            not_a_side(),
        )
        .await);
    };
    if who.is_agent() {
        return Err(AppError::forbidden(
            "a person nominates a trusted partner, not an agent",
        ));
    }
    let reason = long_text("reason", &input.reason, 2000)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let org = store::accounts::orgs::get(&app.store.pool, &input.org_id)
        .await?
        .filter(|o| o.archived_at.is_none())
        .ok_or_else(|| AppError::invalid("org_id", "no such organisation"))?;
    if org.id == model.owner_org {
        return Err(AppError::invalid(
            "org_id",
            "is the model's developer itself",
        ));
    }
    if org.kind == OrgKind::GovernmentAgency {
        return Err(AppError::invalid(
            "org_id",
            "is a government agency; its people are granted access without a partnership",
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    if store::frontier::windows::withdrawal(&mut conn, model_id)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "model",
            "was withdrawn from the framework",
        ));
    }
    if !store::frontier::windows::is_covered(&mut conn, model_id).await? {
        return Err(AppError::invalid(
            "model",
            "is not designated a covered frontier model",
        ));
    }
    drop(conn);
    let f = rules::nominate(side);
    let now = clock::now_text();
    let mut row = PartnerRow {
        id: new_id(),
        model_id: model.id.clone(),
        developer_org: model.owner_org.clone(),
        org_id: org.id.clone(),
        nominated_by: who.user_id().to_owned(),
        nominated_side: side.as_str().into(),
        reason,
        developer_approved_by: f.developer_approved.then(|| who.user_id().to_owned()),
        developer_approved_at: f.developer_approved.then(|| now.clone()),
        government_approval_id: None,
        government_pending: f.government_pending,
        government_approved_by: None,
        government_approved_at: None,
        state: f.state().as_str().into(),
        withdrawn_by: None,
        withdrawn_side: None,
        withdrawn_at: None,
        withdraw_reason: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let mut tx = app.store.begin_write().await?;
    if store::frontier::partners::live(&mut tx, &model.id, &org.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "this organisation is already nominated for this model".into(),
        ));
    }
    let approval = if f.government_pending {
        let a = file(app, &mut tx, who, &row, &model.name, &org.name).await?;
        row.government_approval_id = Some(a.id.clone());
        Some(a)
    } else {
        None
    };
    store::frontier::partners::insert(&mut tx, &row).await?;
    let change = json!({"model_id": row.model_id, "org_id": row.org_id, "side": side.as_str(),
        "reason": row.reason, "state": row.state});
    record_audit(
        app,
        &mut tx,
        who,
        "partner.nominate",
        "partner",
        &row.id,
        change,
    )
    .await?;
    let what = format!(
        "{} was nominated as a trusted partner of {} by the {}",
        org.name,
        model.name,
        side.as_str()
    );
    tell(
        app,
        &mut tx,
        &row,
        who,
        NotificationKind::PartnerNominated,
        &what,
    )
    .await?;
    tx.commit().await?;
    Ok(PartnerApproval {
        partner: row.into(),
        approval,
    })
}

/// Files the government's two-person request for a nomination.
async fn file(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    p: &PartnerRow,
    model_name: &str,
    org_name: &str,
) -> AppResult<Approval> {
    let request = ApprovalRequest::ApproveTrustedPartner {
        partner_id: p.id.clone(),
        model_id: p.model_id.clone(),
        org_id: p.org_id.clone(),
    };
    let summary = format!("approve {org_name} as a trusted partner of {model_name}");
    approvals::file(app, tx, who, request, summary).await
}

/// A side approves: the developer's org admin at once; a coordinator files
/// the government's two-person request (a second coordinator decides it
/// under `/approvals`).
pub async fn approve(app: &AppState, who: &Principal, id: &str) -> AppResult<PartnerApproval> {
    who.require_scope(Scope::ModelsWrite)?;
    let p = readable(app, who, id).await?;
    let Some(side) = side_of(app, who, &p.developer_org).await? else {
        return Err(refuse(app, who, "partner", id, "partner.approve", not_a_side()).await);
    };
    if who.is_agent() {
        return Err(AppError::forbidden(
            "a person approves a trusted partner, not an agent",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let mut row = store::frontier::partners::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let seen = row.updated_at.clone();
    let now = clock::now_text();
    let mut approval = None;
    match side {
        Side::Developer => {
            let f = step(&row, PartnerStep::DeveloperApproves)?;
            row.developer_approved_by = Some(who.user_id().to_owned());
            row.developer_approved_at = Some(now.clone());
            row.state = f.state().as_str().into();
        }
        Side::Government => {
            // A request a second coordinator rejected (or its maker
            // cancelled) no longer waits: the government may file again.
            if row.government_pending
                && let Some(old) = &row.government_approval_id
                && store::approvals::get(&mut *tx, old)
                    .await?
                    .is_some_and(|a| a.state != ApprovalState::Pending)
            {
                let f = step(&row, PartnerStep::GovernmentRejected)?;
                row.government_pending = f.government_pending;
            }
            let f = step(&row, PartnerStep::GovernmentFiles)?;
            let (model_name, org_name) = names(app, who, &row).await?;
            let a = file(app, &mut tx, who, &row, &model_name, &org_name).await?;
            row.government_approval_id = Some(a.id.clone());
            row.government_pending = f.government_pending;
            approval = Some(a);
        }
    }
    row.updated_at = now;
    if !store::frontier::partners::update(&mut tx, &row, &seen).await? {
        return Err(AppError::Conflict(
            "the nomination changed meanwhile".into(),
        ));
    }
    let change = json!({"side": side.as_str(), "state": row.state,
        "government_approval_id": row.government_approval_id});
    record_audit(app, &mut tx, who, "partner.approve", "partner", id, change).await?;
    if row.state == PartnerState::Approved.as_str() {
        let (model_name, org_name) = names(app, who, &row).await?;
        let what = format!("{org_name} is now a trusted partner of {model_name}");
        tell(
            app,
            &mut tx,
            &row,
            who,
            NotificationKind::PartnerApproved,
            &what,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(PartnerApproval {
        partner: row.into(),
        approval,
    })
}

/// The model's and the organisation's names for messages.
async fn names(app: &AppState, who: &Principal, p: &PartnerRow) -> AppResult<(String, String)> {
    let model = models::get(app, who, &p.model_id).await?;
    let org = store::accounts::orgs::get(&app.store.pool, &p.org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_else(|| p.org_id.clone());
    Ok((model.name, org))
}

/// The effect of an approved `ApproveTrustedPartner` request, in the
/// decision's transaction: the government's approval, and the partnership
/// when the developer approved too. The decider must be a coordinator of a
/// government agency.
pub(crate) async fn approve_government(
    app: &AppState,
    tx: &mut Tx,
    decider: &Principal,
    partner_id: &str,
    approval_id: &str,
    now: &str,
) -> AppResult<serde_json::Value> {
    if !windows::is_gov_admin(app, decider).await? {
        return Err(AppError::forbidden(
            "the government's approval of a trusted partner is a government coordinator's",
        ));
    }
    let mut row = store::frontier::partners::get(tx, partner_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.government_approval_id.as_deref() != Some(approval_id) {
        return Err(AppError::Conflict(
            "this request is no longer the nomination's government request".into(),
        ));
    }
    let seen = row.updated_at.clone();
    let f = step(&row, PartnerStep::GovernmentApproved)?;
    row.government_pending = f.government_pending;
    row.government_approved_by = Some(decider.user_id().to_owned());
    row.government_approved_at = Some(now.to_owned());
    row.state = f.state().as_str().into();
    row.updated_at = now.to_owned();
    if !store::frontier::partners::update(tx, &row, &seen).await? {
        return Err(AppError::Conflict(
            "the nomination changed meanwhile".into(),
        ));
    }
    if row.state == PartnerState::Approved.as_str() {
        let (model_name, org_name) = names(app, decider, &row).await?;
        let what = format!("{org_name} is now a trusted partner of {model_name}");
        tell(
            app,
            tx,
            &row,
            decider,
            NotificationKind::PartnerApproved,
            &what,
        )
        .await?;
    }
    Ok(
        json!({"approval": approval_id, "state": row.state, "model_id": row.model_id, "org_id": row.org_id}),
    )
}

/// Either side withdraws: the nomination ends, a waiting government
/// request is cancelled and the partner's people's grants in the model's
/// windows are revoked, all in one transaction.
pub async fn withdraw(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: PartnerWithdrawal,
) -> AppResult<Partner> {
    who.require_scope(Scope::ModelsWrite)?;
    let p = readable(app, who, id).await?;
    let Some(side) = side_of(app, who, &p.developer_org).await? else {
        return Err(refuse(app, who, "partner", id, "partner.withdraw", not_a_side()).await);
    };
    let reason = long_text("reason", &input.reason, 1000)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let mut tx = app.store.begin_write().await?;
    let mut row = store::frontier::partners::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let seen = row.updated_at.clone();
    let f = step(&row, PartnerStep::Withdraw)?;
    let now = clock::now_text();
    if row.government_pending
        && let Some(a) = &row.government_approval_id
        && store::approvals::decide(
            &mut *tx,
            a,
            ApprovalState::Cancelled,
            who.user_id(),
            &now,
            Some("the nomination was withdrawn"),
        )
        .await?
    {
        let change = json!({"state": "cancelled", "reason": "the nomination was withdrawn"});
        record_audit(app, &mut tx, who, "approval.decide", "approval", a, change).await?;
    }
    row.government_pending = false;
    row.state = f.state().as_str().into();
    row.withdrawn_by = Some(who.user_id().to_owned());
    row.withdrawn_side = Some(side.as_str().into());
    row.withdrawn_at = Some(now.clone());
    row.withdraw_reason = Some(reason.clone());
    row.updated_at = now.clone();
    if !store::frontier::partners::update(&mut tx, &row, &seen).await? {
        return Err(AppError::Conflict(
            "the nomination changed meanwhile".into(),
        ));
    }
    let grants =
        store::frontier::partners::live_grants(&mut tx, &row.model_id, &row.org_id).await?;
    let grant_reason = format!("trusted partnership withdrawn: {reason}");
    for g in &grants {
        if store::frontier::window_grants::revoke(&mut tx, g, who.user_id(), &grant_reason, &now)
            .await?
        {
            let change = json!({"reason": grant_reason, "partner_id": row.id});
            record_audit(app, &mut tx, who, "grant.revoke", "window_grant", g, change).await?;
            super::grant_notices::revoked_by_id(app, &mut tx, who, g).await?;
        }
    }
    let change = json!({"side": side.as_str(), "reason": reason, "grants_revoked": grants});
    record_audit(app, &mut tx, who, "partner.withdraw", "partner", id, change).await?;
    let (model_name, org_name) = names(app, who, &row).await?;
    let what = format!(
        "{org_name} is no longer a trusted partner of {model_name} (withdrawn by the {})",
        side.as_str()
    );
    tell(
        app,
        &mut tx,
        &row,
        who,
        NotificationKind::PartnerWithdrawn,
        &what,
    )
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

/// Whether the organisation is an approved trusted partner of the model
/// (grants to its people are allowed).
pub(crate) async fn is_partner(
    conn: &mut store::AnyConnection,
    model_id: &str,
    org_id: &str,
) -> AppResult<bool> {
    Ok(store::frontier::partners::live(conn, model_id, org_id)
        .await?
        .is_some_and(|p| p.state == PartnerState::Approved.as_str()))
}

/// Notifies the parties: the developer, the nominated organisation, and
/// the government organisations of the people who acted (`AMBER+STRICT`,
/// each its own inbox).
async fn tell(
    app: &AppState,
    tx: &mut Tx,
    p: &PartnerRow,
    who: &Principal,
    kind: NotificationKind,
    what: &str,
) -> AppResult<()> {
    let mut orgs = vec![
        p.developer_org.clone(),
        p.org_id.clone(),
        who.org_id().to_owned(),
    ];
    for user in [Some(&p.nominated_by), p.government_approved_by.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(u) = store::accounts::users::get(&mut **tx, user).await? {
            orgs.push(u.org_id);
        }
    }
    let title = match kind {
        NotificationKind::PartnerApproved => "A trusted partner was approved",
        NotificationKind::PartnerWithdrawn => "A trusted partner was withdrawn",
        _ => "A trusted partner was nominated",
    };
    let data = json!({"partner_id": p.id, "model_id": p.model_id, "org_id": p.org_id});
    notifications::tell_orgs(app, tx, orgs, kind, title, &format!("{what}."), data).await
}
