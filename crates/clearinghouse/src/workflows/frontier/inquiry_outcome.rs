//! Designation inquiries, the outcome half (the steps after the
//! consultation, split from `inquiries.rs` by size): the second
//! authority's approval recording the decision, communicating it to the
//! developer, releasing parts of the assessment, and the developer's
//! withdrawal. The helpers (refusal, audit, notifications, the
//! compare-and-set save) are `inquiries.rs`'s.

use clearinghouse_domain::approval::ApprovalState;
use clearinghouse_domain::frontier::designation::{self as domain, Action, ReleasePart};
use clearinghouse_domain::identity::Scope;
use serde_json::json;

use super::inquiries::{
    NewRelease, Withdrawal, audit, notify, refusal, refuse, reload_view, run_step, save, text_limit,
};
use super::inquiry_view::{self as iv, InquiryView, determination_name};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store::frontier::inquiries as sq;
use crate::store::{self, Tx};
use crate::workflows::new_id;

/// The effect of an approved `decide_designation` request, in the
/// decision's transaction: the decision is recorded and the developer told.
pub(crate) async fn approve_decision(
    app: &AppState,
    tx: &mut Tx,
    decider: &Principal,
    inquiry_id: &str,
    approval_id: &str,
    now: &str,
) -> AppResult<serde_json::Value> {
    let row = sq::get_official(tx, inquiry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let loaded = iv::load_children(tx, row).await?;
    let q = iv::domain(&loaded)?;
    if loaded.row.approval_id.as_deref() != Some(approval_id) {
        return Err(AppError::Conflict(
            "the inquiry's proposal is not this request's".into(),
        ));
    }
    let actor = iv::actor(tx, decider, &q.consultees).await?;
    let s = domain::next(
        &q,
        &Action::ApproveDecision {
            approval_id: approval_id.to_owned(),
        },
        &actor,
    )
    .map_err(refusal)?;
    let Some(d) = &s.inquiry.decision else {
        return Err(AppError::internal_msg("an approval decides"));
    };
    let computed = iv::compute_basis(tx, inquiry_id).await?;
    if computed.basis.policies != d.basis.policies {
        return Err(AppError::Conflict(
            "the thresholds in force changed since the proposal; propose the decision again".into(),
        ));
    }
    let thresholds = serde_json::to_string(&computed.thresholds)
        .map_err(|e| AppError::internal("thresholds", e))?;
    let row = sq::DecisionRow {
        determination: determination_name(d.determination).to_owned(),
        computed: determination_name(d.computed).to_owned(),
        reason: d.reason.clone(),
        suite_versions: serde_json::Value::Array(computed.suite_versions).to_string(),
        run_ids: json!(d.runs).to_string(),
        thresholds,
        basis: serde_json::to_string(&d.basis).map_err(|e| AppError::internal("basis", e))?,
        proposed_by: d.proposed_by.clone(),
        approved_by: d.approved_by.clone(),
        approval_id: approval_id.to_owned(),
        decided_at: now.to_owned(),
    };
    sq::insert_decision(tx, inquiry_id, &row).await?;
    save(tx, &loaded.row, &s, now).await?;
    notify(
        app,
        tx,
        vec![loaded.row.developer_org.clone()],
        false,
        NotificationKind::InquiryDecided,
        inquiry_id,
        "your designation inquiry has been decided; the outcome follows when communicated",
    )
    .await?;
    Ok(
        json!({"inquiry_id": inquiry_id, "determination": row.determination,
        "computed": row.computed, "approval": approval_id,
        "thresholds": computed.thresholds.iter()
            .map(|t| json!({"threshold_id": t.threshold_id, "commitment": t.commitment}))
            .collect::<Vec<_>>()}),
    )
}

/// Communicates the decision to the developer (designation authorities).
pub async fn communicate(app: &AppState, who: &Principal, id: &str) -> AppResult<InquiryView> {
    who.require_scope(Scope::EvaluationsWrite)?;
    let action = Action::Communicate {
        released_summary: None,
    };
    let (mut tx, loaded, s) = run_step(app, who, id, action).await?;
    let now = clock::now_text();
    save(&mut tx, &loaded.row, &s, &now).await?;
    let outcome = s
        .inquiry
        .decision
        .as_ref()
        .map(|d| determination_name(d.determination))
        .unwrap_or_default();
    audit(
        app,
        &mut tx,
        who,
        "inquiry.communicate",
        id,
        json!({"inquiry_id": id, "determination": outcome}),
    )
    .await?;
    notify(
        app,
        &mut tx,
        vec![loaded.row.developer_org.clone()],
        false,
        NotificationKind::InquiryCommunicated,
        id,
        &format!("the outcome of your designation inquiry: {outcome}"),
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, id).await
}

/// Releases a part of the assessment to the developer (authorities).
pub async fn release(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewRelease,
) -> AppResult<InquiryView> {
    who.require_scope(Scope::EvaluationsWrite)?;
    let part = ReleasePart::parse(&input.part).ok_or_else(|| {
        AppError::invalid("part", "must be reason, findings, runs or consultations")
    })?;
    let mut tx = app.store.begin_write().await?;
    let loaded = iv::load(app, &mut tx, who, id).await?;
    let q = iv::domain(&loaded)?;
    let actor = iv::actor(&mut tx, who, &q.consultees).await?;
    if let Err(e) = domain::may_release(&q, &actor) {
        drop(tx);
        return Err(refuse(app, who, id, "release", e).await);
    }
    let now = clock::now_text();
    sq::insert_release(
        &mut tx,
        id,
        &sq::ReleaseRow {
            id: new_id(),
            part: part.as_str().to_owned(),
            released_by: who.user_id().to_owned(),
            released_at: now,
        },
    )
    .await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.release",
        id,
        json!({"inquiry_id": id, "part": part.as_str()}),
    )
    .await?;
    notify(
        app,
        &mut tx,
        vec![loaded.row.developer_org.clone()],
        false,
        NotificationKind::InquiryReleased,
        id,
        &format!(
            "part of the assessment was released to you: {}",
            part.as_str()
        ),
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, id).await
}

/// Withdraws the inquiry (the developer, before a decision); a pending
/// decision request is cancelled.
pub async fn withdraw(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: Withdrawal,
) -> AppResult<InquiryView> {
    who.require_scope(Scope::ModelsWrite)?;
    text_limit("reason", &input.reason)?;
    let action = Action::Withdraw {
        reason: input.reason.clone(),
    };
    let (mut tx, loaded, s) = run_step(app, who, id, action).await?;
    let now = clock::now_text();
    if s.cancel_pending_approval
        && let Some(approval_id) = &loaded.row.approval_id
    {
        store::approvals::decide(
            &mut *tx,
            approval_id,
            ApprovalState::Cancelled,
            who.user_id(),
            &now,
            Some("the inquiry was withdrawn"),
        )
        .await?;
    }
    save(&mut tx, &loaded.row, &s, &now).await?;
    audit(
        app,
        &mut tx,
        who,
        "inquiry.withdraw",
        id,
        json!({"inquiry_id": id, "cancelled_approval": s.cancel_pending_approval}),
    )
    .await?;
    tx.commit().await?;
    reload_view(app, who, id).await
}
