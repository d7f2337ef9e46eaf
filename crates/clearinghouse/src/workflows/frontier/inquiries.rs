//! Designation inquiries (Sec. 3(b)(i)), the changing half. Every step is
//! the domain's `designation::next` (who may do what, in which state),
//! applied to the inquiry rebuilt from its rows (`inquiry_view`), then
//! stored with a compare-and-set on its revision, audited, and notified to
//! the parties who may know:
//!
//! - the developer (a member of the model's AI-developer organisation)
//!   opens an inquiry for its model and may withdraw it before a decision;
//! - evaluators attach runs of that model, then open the consultation
//!   (consultees are told);
//! - each configured consultee's consultant concurs, dissents (comment
//!   required) or declines (authorities are told when all have answered);
//! - a designation authority proposes the decision, only once every
//!   consultee answered, against the rule computed now; it is filed as a
//!   `decide_designation` two-person request, and a *second* authority's
//!   approval ([`approve_decision`], the effect in `workflows::approvals`)
//!   records it with the suite versions, runs and threshold versions (id
//!   and commitment, never values); the developer is told it is decided;
//! - an authority communicates it (the developer then sees the outcome)
//!   and releases parts of the assessment, each release audited.
//!
//! A refused step changes nothing; one refused because the caller may not
//! do it (a developer or consultee deciding, …) is audited as
//! `inquiry.refused`. Audit entries hold ids, states and outcomes only.

use clearinghouse_domain::approval::{ApprovalRequest, ApprovalState};
use clearinghouse_domain::frontier::designation::{
    self as domain, Action, InquiryError, Phase, Response, Step,
};
use clearinghouse_domain::identity::{OrgKind, Scope};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::inquiry_view::{
    self as iv, InquiryView, Loaded, determination_name, parse_determination, phase_name,
};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::model::{Approval, Page};
use crate::store::frontier::inquiries as sq;
use crate::store::{self, Tx};
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::read_policy::PolicyReader;
use crate::workflows::{into_page, new_id, page_size};

const MAX_TEXT: usize = 4000;

/// A consultee's answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// `concur`, `dissent` or `decline`.
    pub response: String,
    /// Required for a dissent; at most 4000 characters.
    pub comment: Option<String>,
}

/// A run to attach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachRun {
    pub run_id: String,
}

/// The decision an authority proposes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    /// `covered`, `not_covered` or `inconclusive`.
    pub determination: String,
    /// Required when it differs from the computed rule outcome.
    pub reason: Option<String>,
}

/// A part of the assessment to release to the developer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelease {
    /// `reason`, `findings`, `runs` or `consultations`.
    pub part: String,
}

/// Why the developer withdraws (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub reason: Option<String>,
}

/// A proposed decision and the request a second authority decides.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ProposedDecision {
    pub inquiry: InquiryView,
    pub approval: Approval,
}

pub(super) fn text_limit(field: &str, s: &Option<String>) -> AppResult<()> {
    if let Some(s) = s
        && s.chars().count() > MAX_TEXT
    {
        return Err(AppError::invalid(field, "must be at most 4000 characters"));
    }
    Ok(())
}

/// The domain's refusal as an application error naming the field.
pub(super) fn refusal(e: InquiryError) -> AppError {
    let msg = e.to_string();
    match e {
        InquiryError::NotAllowed { .. } => AppError::forbidden(msg),
        InquiryError::WrongPhase { .. } | InquiryError::AlreadyResponded(_) => {
            AppError::Conflict(msg)
        }
        InquiryError::Consultees | InquiryError::UnknownConsultee(_) => {
            AppError::invalid("consultee", msg)
        }
        InquiryError::CommentRequired => AppError::invalid("comment", msg),
        InquiryError::ConsultationsIncomplete(_) => AppError::invalid("consultations", msg),
        InquiryError::ReasonRequired => AppError::invalid("reason", msg),
        InquiryError::SamePerson => AppError::forbidden(msg),
        InquiryError::NoProposal => AppError::Conflict(msg),
        InquiryError::NoRuns => AppError::invalid("runs", msg),
        InquiryError::BadRun(_) => AppError::invalid("run_id", msg),
    }
}

/// Audits a forbidden attempt in its own transaction, then returns the refusal.
pub(super) async fn refuse(
    app: &AppState,
    who: &Principal,
    inquiry_id: &str,
    action: &str,
    e: InquiryError,
) -> AppError {
    let err = refusal(e);
    if matches!(err, AppError::Forbidden(_)) {
        let recorded = async {
            let mut tx = app.store.begin_write().await?;
            let event = AuditEvent {
                action: "inquiry.refused",
                object_type: "inquiry",
                object_id: inquiry_id,
                change: json!({"attempted": action, "reason": err.to_string()}),
            };
            app.audit.record(&mut tx, &app.store, who, &[event]).await?;
            tx.commit().await?;
            Ok::<(), AppError>(())
        };
        if let Err(e) = recorded.await {
            return e;
        }
    }
    err
}

/// Loads, applies `action` through the domain, and returns the step, in `tx`.
async fn step(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    id: &str,
    action: &Action,
) -> AppResult<Result<(Loaded, Step), InquiryError>> {
    let loaded = iv::load(app, tx, who, id).await?;
    let q = iv::domain(&loaded)?;
    let actor = iv::actor(tx, who, &q.consultees).await?;
    Ok(domain::next(&q, action, &actor).map(|s| (loaded, s)))
}

/// Runs one step; a refusal is audited (when forbidden) after the rollback.
pub(super) async fn run_step(
    app: &AppState,
    who: &Principal,
    id: &str,
    action: Action,
) -> AppResult<(Tx, Loaded, Step)> {
    let mut tx = app.store.begin_write().await?;
    match step(app, &mut tx, who, id, &action).await? {
        Ok((l, s)) => Ok((tx, l, s)),
        Err(e) => {
            drop(tx);
            Err(refuse(app, who, id, action.name(), e).await)
        }
    }
}

/// Stores the inquiry row after a step (compare-and-set on its revision).
pub(super) async fn save(tx: &mut Tx, row: &sq::InquiryRow, s: &Step, now: &str) -> AppResult<()> {
    let q = &s.inquiry;
    let mut row = row.clone();
    row.state = phase_name(q.phase).to_owned();
    row.basis = q
        .basis
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::internal("inquiry basis", e))?;
    row.proposal = q
        .proposal
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::internal("inquiry proposal", e))?;
    if q.proposal.is_none() && q.phase != Phase::Decided && q.phase != Phase::Communicated {
        row.approval_id = None;
    }
    row.withdrawal_reason = q.withdrawal_reason.clone();
    row.updated_at = now.to_owned();
    match q.phase {
        Phase::Decided => row.decided_at = Some(now.to_owned()),
        Phase::Communicated => row.communicated_at = Some(now.to_owned()),
        Phase::Withdrawn => row.withdrawn_at = Some(now.to_owned()),
        _ => {}
    }
    if sq::update(tx, &row).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the inquiry changed meanwhile; read it again".into(),
        ))
    }
}

pub(super) async fn audit(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    action: &'static str,
    id: &str,
    change: serde_json::Value,
) -> AppResult<()> {
    crate::workflows::record_audit(app, tx, who, action, "inquiry", id, change).await
}

/// Tells organisations of a step. Officials' notifications carry the
/// `FRONTIER` visibility (read by cleared members only); the developer's
/// are its own, `AMBER+STRICT`. None carries a threshold or a score.
/// `title` with its first letter capitalised, to open a sentence.
fn sentence(title: &str) -> String {
    let mut c = title.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) async fn notify(
    app: &AppState,
    tx: &mut Tx,
    orgs: Vec<String>,
    official: bool,
    kind: NotificationKind,
    inquiry_id: &str,
    title: &str,
) -> AppResult<()> {
    let items = orgs
        .into_iter()
        .map(|org_id| NewNotification {
            org_id,
            kind,
            exposure_id: None,
            vuln_id: None,
            tlp: "AMBER+STRICT".into(),
            visibility: if official {
                iv::OFFICIAL_AUTHORIZATION.to_owned()
            } else {
                String::new()
            },
            title: title.to_owned(),
            // Words for people (the inbox links to Inquiries); the id
            // travels in `data` for webhooks.
            body: format!("{}. Open Inquiries to see it.", sentence(title)),
            data: json!({"inquiry_id": inquiry_id}),
        })
        .collect();
    notifications::enqueue_many(app, tx, items).await
}

async fn orgs_with(tx: &mut Tx, role: &str) -> AppResult<Vec<String>> {
    Ok(sq::orgs_with_role(tx, role).await?)
}

pub(super) async fn reload_view(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<InquiryView> {
    let mut conn = app.store.pool.acquire().await?;
    let l = iv::load(app, &mut conn, who, id).await?;
    iv::view(&mut conn, who, &l).await
}

/// Opens an inquiry for the caller's organisation's registered model.
pub async fn open(app: &AppState, who: &Principal, model_id: &str) -> AppResult<InquiryView> {
    who.require_scope(Scope::ModelsWrite)?;
    // The model must be readable and the caller's organisation's own.
    let model = super::models::get(app, who, model_id).await?;
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    if model.owner_org != who.org_id() || org.map(|o| o.kind) != Some(OrgKind::AiDeveloper) {
        return Err(AppError::forbidden(
            "only members of the model's AI-developer organisation open an inquiry for it",
        ));
    }
    let id = new_id();
    let actor = domain::Actor {
        user_id: who.user_id().to_owned(),
        org_id: who.org_id().to_owned(),
        roles: who.roles.clone(),
        consultee: None,
    };
    let q =
        domain::open(&id, &model.id, &actor, iv::configured_consultees(app)).map_err(refusal)?;
    let now = clock::now_text();
    let row = sq::InquiryRow {
        id: id.clone(),
        model_id: model.id.clone(),
        developer_org: q.developer_org.clone(),
        created_by: who.user_id().to_owned(),
        state: phase_name(q.phase).to_owned(),
        revision: 0,
        consultees: serde_json::to_string(&q.consultees)
            .map_err(|e| AppError::internal("consultees", e))?,
        basis: None,
        proposal: None,
        approval_id: None,
        withdrawal_reason: None,
        tlp: "AMBER+STRICT".into(),
        visibility: String::new(),
        created_at: now.clone(),
        updated_at: now,
        decided_at: None,
        communicated_at: None,
        withdrawn_at: None,
    };
    let mut tx = app.store.begin_write().await?;
    let vis = store::labels::intern(&mut tx, &row.visibility).await?;
    sq::insert(&mut tx, &row, vis).await?;
    let consultees: Vec<&str> = q.consultees.iter().map(|c| c.id.as_str()).collect();
    audit(
        app,
        &mut tx,
        who,
        "inquiry.open",
        &id,
        json!({"inquiry_id": id, "model_id": model.id, "developer_org": row.developer_org,
            "consultees": consultees}),
    )
    .await?;
    let evaluators = orgs_with(&mut tx, "evaluator").await?;
    notify(
        app,
        &mut tx,
        evaluators,
        true,
        NotificationKind::InquiryOpened,
        &id,
        "a designation inquiry awaits evaluation",
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, &id).await
}

/// Inquiries the caller may read: officials see all, developers their own.
pub async fn list(
    app: &AppState,
    who: &Principal,
    state: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<InquiryView>> {
    who.require_scope(Scope::ModelsRead)?;
    if let Some(s) = state
        && serde_json::from_value::<Phase>(json!(s)).is_err()
    {
        return Err(AppError::invalid(
            "state",
            "must be submitted, evaluating, consulting, decided, communicated or withdrawn",
        ));
    }
    let limit = page_size(limit);
    let rows = if iv::is_official(who) {
        sq::list_official(&app.store.pool, state, cursor, limit + 1).await?
    } else {
        let reader = PolicyReader::of(app, who).await?;
        sq::list_readable(&app.store.pool, &reader.filter(), state, cursor, limit + 1).await?
    };
    let page = into_page(rows, limit, |r| r.id.clone());
    let mut conn = app.store.pool.acquire().await?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let l = iv::load_children(&mut conn, row).await?;
        items.push(iv::view(&mut conn, who, &l).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<InquiryView> {
    who.require_scope(Scope::ModelsRead)?;
    reload_view(app, who, id).await
}

/// Attaches a run of the inquiry's model (evaluators); the first one
/// starts the evaluation.
pub async fn attach_run(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: AttachRun,
) -> AppResult<InquiryView> {
    who.require_scope(Scope::EvaluationsWrite)?;
    let run = match super::run_view::get(app, who, &input.run_id).await {
        Ok(r) => Some(r),
        Err(AppError::NotFound | AppError::Forbidden(_)) => None,
        Err(e) => return Err(e),
    };
    let mut tx = app.store.begin_write().await?;
    let loaded = iv::load(app, &mut tx, who, id).await?;
    let mut q = iv::domain(&loaded)?;
    let actor = iv::actor(&mut tx, who, &q.consultees).await?;
    let mut actions = Vec::new();
    if q.phase == Phase::Submitted {
        actions.push(Action::StartEvaluation);
    }
    actions.push(Action::AttachRun {
        run_id: input.run_id.clone(),
    });
    let mut last = None;
    for action in &actions {
        match domain::next(&q, action, &actor) {
            Ok(s) => {
                q = s.inquiry.clone();
                last = Some(s);
            }
            Err(e) => {
                drop(tx);
                return Err(refuse(app, who, id, action.name(), e).await);
            }
        }
    }
    let Some(run) = run else {
        return Err(AppError::invalid(
            "run_id",
            "no run you may read has this id",
        ));
    };
    if run.model_id.as_deref() != Some(loaded.row.model_id.as_str()) {
        return Err(AppError::invalid(
            "run_id",
            "is not a run of the inquiry's model",
        ));
    }
    let Some(s) = last else {
        return Err(AppError::internal_msg("no step"));
    };
    let now = clock::now_text();
    sq::attach_run(
        &mut tx,
        id,
        &sq::RunLink {
            run_id: run.id.clone(),
            attached_by: who.user_id().to_owned(),
            attached_at: now.clone(),
        },
    )
    .await?;
    save(&mut tx, &loaded.row, &s, &now).await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.attach_run",
        id,
        json!({"inquiry_id": id, "run_id": run.id, "state": phase_name(s.inquiry.phase)}),
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, id).await
}

/// Closes the evaluation and opens the consultation (evaluators), with the
/// rule computed now; every consultee's organisation is told.
pub async fn consult(app: &AppState, who: &Principal, id: &str) -> AppResult<InquiryView> {
    who.require_scope(Scope::EvaluationsWrite)?;
    let computed = {
        let mut conn = app.store.pool.acquire().await?;
        iv::compute_basis(&mut conn, id).await?
    };
    let action = Action::BeginConsultation {
        basis: computed.basis,
    };
    let (mut tx, loaded, s) = run_step(app, who, id, action).await?;
    let now = clock::now_text();
    save(&mut tx, &loaded.row, &s, &now).await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.consult",
        id,
        json!({"inquiry_id": id, "runs": s.inquiry.runs, "thresholds": computed.thresholds
            .iter().map(|t| json!({"threshold_id": t.threshold_id, "commitment": t.commitment}))
            .collect::<Vec<_>>()}),
    )
    .await?;
    let mut orgs = Vec::new();
    for c in &s.inquiry.consultees {
        orgs.extend(sq::orgs_named(&mut tx, &c.name).await?);
    }
    notify(
        app,
        &mut tx,
        orgs,
        true,
        NotificationKind::InquiryConsultationOpen,
        id,
        "your consultation on a designation inquiry is open",
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, id).await
}

/// Records the caller's consultee's response (consultants).
pub async fn respond(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewConsultation,
) -> AppResult<InquiryView> {
    who.require_scope(Scope::EvaluationsWrite)?;
    text_limit("comment", &input.comment)?;
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let response = match input.response.as_str() {
        "concur" => Response::Concur,
        "dissent" => Response::Dissent {
            comment: comment.clone().unwrap_or_default(),
        },
        "decline" | "declined" => Response::Declined,
        _ => {
            return Err(AppError::invalid(
                "response",
                "must be concur, dissent or decline",
            ));
        }
    };
    // The consultee is the caller's; without one the domain refuses.
    let consultee = {
        let mut conn = app.store.pool.acquire().await?;
        let l = iv::load(app, &mut conn, who, id).await?;
        let q = iv::domain(&l)?;
        iv::consultee_of(&mut conn, who, &q.consultees)
            .await?
            .unwrap_or_default()
    };
    let action = Action::Respond {
        consultee: consultee.clone(),
        response: response.clone(),
    };
    let (mut tx, loaded, s) = run_step(app, who, id, action).await?;
    let now = clock::now_text();
    let (kind, comment) = iv::response_columns(&response);
    sq::insert_consultation(
        &mut tx,
        id,
        &sq::ConsultationRow {
            consultee_id: consultee.clone(),
            response: kind.to_owned(),
            comment,
            recorded_by: who.user_id().to_owned(),
            recorded_at: now.clone(),
        },
    )
    .await?;
    save(&mut tx, &loaded.row, &s, &now).await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.respond",
        id,
        json!({"inquiry_id": id, "consultee": consultee, "response": kind}),
    )
    .await?;
    if s.inquiry.outstanding_consultations().is_empty() {
        let authorities = orgs_with(&mut tx, "designation_authority").await?;
        notify(
            app,
            &mut tx,
            authorities,
            true,
            NotificationKind::InquiryConsultationsComplete,
            id,
            "every consultee has answered; a decision may be recorded",
        )
        .await?;
    }
    tx.commit().await?;
    reload_view(app, who, id).await
}

/// Clears a proposal whose request was rejected or cancelled, so a new one
/// may be made.
async fn drop_stale_proposal(tx: &mut Tx, loaded: &mut Loaded) -> AppResult<()> {
    let Some(approval_id) = loaded.row.approval_id.clone() else {
        return Ok(());
    };
    let state = store::approvals::get(&mut **tx, &approval_id)
        .await?
        .map(|a| a.state);
    if loaded.row.proposal.is_some() && state != Some(ApprovalState::Pending) {
        loaded.row.proposal = None;
        loaded.row.approval_id = None;
        let now = clock::now_text();
        loaded.row.updated_at = now;
        if !sq::update(tx, &loaded.row).await? {
            return Err(AppError::Conflict("the inquiry changed meanwhile".into()));
        }
        loaded.row.revision += 1;
    }
    Ok(())
}

/// Proposes the decision (designation authorities), against the rule
/// computed now; a second authority approves the filed request.
pub async fn propose_decision(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewDecision,
) -> AppResult<ProposedDecision> {
    who.require_scope(Scope::EvaluationsWrite)?;
    let determination = parse_determination("determination", &input.determination)?;
    text_limit("reason", &input.reason)?;
    let mut tx = app.store.begin_write().await?;
    let mut loaded = iv::load(app, &mut tx, who, id).await?;
    drop_stale_proposal(&mut tx, &mut loaded).await?;
    let mut q = iv::domain(&loaded)?;
    let actor = iv::actor(&mut tx, who, &q.consultees).await?;
    // The authority decides on the rule as it stands now.
    if q.phase == Phase::Consulting
        && actor
            .roles
            .contains(&clearinghouse_domain::identity::Role::DesignationAuthority)
    {
        q.basis = Some(iv::compute_basis(&mut tx, id).await?.basis);
    }
    let action = Action::ProposeDecision {
        determination,
        reason: input.reason.clone(),
    };
    let s = match domain::next(&q, &action, &actor) {
        Ok(s) => s,
        Err(e) => {
            drop(tx);
            return Err(refuse(app, who, id, action.name(), e).await);
        }
    };
    let Some(filing) = s.filing.clone() else {
        return Err(AppError::internal_msg("a proposal files a request"));
    };
    let request = ApprovalRequest::DecideDesignation {
        inquiry_id: filing.inquiry_id.clone(),
        determination: filing.determination,
    };
    let summary = format!(
        "record the designation decision '{}' of inquiry {id}",
        determination_name(determination)
    );
    let approval = crate::workflows::approvals::file(app, &mut tx, who, request, summary).await?;
    let now = clock::now_text();
    let mut row = loaded.row.clone();
    row.approval_id = Some(approval.id.clone());
    save(&mut tx, &row, &s, &now).await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.propose_decision",
        id,
        json!({"inquiry_id": id, "determination": determination_name(determination),
            "computed": s.inquiry.basis.as_ref().map(|b| determination_name(b.determination)),
            "approval": approval.id}),
    )
    .await?;
    let authorities = orgs_with(&mut tx, "designation_authority").await?;
    notify(
        app,
        &mut tx,
        authorities,
        true,
        NotificationKind::InquiryApprovalPending,
        id,
        "a designation decision awaits a second authority's approval",
    )
    .await?;
    tx.commit().await?;
    Ok(ProposedDecision {
        inquiry: reload_view(app, who, id).await?,
        approval,
    })
}

pub(crate) use super::inquiry_outcome::approve_decision;
pub use super::inquiry_outcome::{communicate, release, withdraw};
