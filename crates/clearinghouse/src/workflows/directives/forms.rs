//! The agency side of a directive: reports and attestations submitted by
//! an organisation in scope (fields checked against the action's, one
//! submission per period), and extension or exception requests with a
//! justification, decided (granted or denied, with a reason) by a
//! directive manager. Each is audited in its transaction. An organisation
//! sees its own submissions and requests; `READ_ALL` roles see all.

use std::collections::BTreeMap;

use clearinghouse_domain::directive::compliance::{RequestKind, typed_report, validate_request};
use clearinghouse_domain::directive::{FieldKind, ReportField, RequiredAction};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::obligations::{self, due_of, org_filter, today};
use super::{MANAGERS, in_force};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::directives::forms::{RequestRow, SubmissionRow};
use crate::workflows::commit_audited;
use crate::workflows::new_id;

/// A report or attestation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// The action's key.
    pub action: String,
    /// The period (its due date, `YYYY-MM-DD`); default the earliest one
    /// not yet submitted.
    #[schema(value_type = Option<String>)]
    pub period: Option<CalendarDate>,
    /// The report's fields by name; an attestation's are `attested`
    /// (true) and `evidence` (text).
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A submission as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Submission {
    pub id: String,
    pub directive_id: String,
    pub action: String,
    pub org_id: String,
    pub period: String,
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub submitted_by: String,
    pub submitted_at: String,
}

/// An extension or exception request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub action: String,
    /// `extension` or `exception`.
    #[schema(value_type = String)]
    pub kind: RequestKind,
    /// Remediate actions: the exposure.
    pub exposure_id: Option<String>,
    /// Report and attest actions: the period (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>)]
    pub period: Option<CalendarDate>,
    /// An extension's new due date (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>)]
    pub until: Option<CalendarDate>,
    pub justification: String,
}

/// A request and its decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub directive_id: String,
    pub action: String,
    pub org_id: String,
    pub exposure_id: Option<String>,
    pub period: Option<String>,
    pub kind: String,
    pub until: Option<String>,
    pub justification: String,
    /// `pending`, `granted` or `denied`.
    pub state: String,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDecision {
    /// `grant` or `deny`.
    pub decision: String,
    pub reason: Option<String>,
}

impl From<RequestRow> for RequestView {
    fn from(r: RequestRow) -> Self {
        RequestView {
            id: r.id,
            directive_id: r.directive_id,
            action: r.action_key,
            org_id: r.org_id,
            exposure_id: r.exposure_id,
            period: r.period,
            kind: r.kind,
            until: r.until,
            justification: r.justification,
            state: r.state,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
        }
    }
}

/// The fields of an attestation.
fn attest_fields() -> Vec<ReportField> {
    vec![
        ReportField {
            name: "attested".into(),
            required: true,
            kind: FieldKind::Boolean,
        },
        ReportField {
            name: "evidence".into(),
            required: true,
            kind: FieldKind::Text,
        },
    ]
}

/// Submits a report or attestation for the caller's organisation.
pub async fn submit(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewSubmission,
) -> AppResult<Submission> {
    who.require_scope(Scope::ExposuresWrite)?;
    let (d, body) = in_force(app, who, id).await?;
    let action = body
        .action(&input.action)
        .ok_or_else(|| AppError::invalid("action", "is not an action of this directive"))?;
    let fields = match action {
        RequiredAction::Report { fields, .. } => fields.clone(),
        RequiredAction::Attest { .. } => attest_fields(),
        RequiredAction::Remediate { .. } => {
            return Err(AppError::invalid(
                "action",
                "a remediate action is met by remediating its exposures, not by a report",
            ));
        }
    };
    let computed = obligations::compute(app, who, &d.id, &body, Some(who.org_id())).await?;
    if computed.orgs.is_empty() {
        return Err(AppError::forbidden(
            "your organisation is not in this directive's scope",
        ));
    }
    let values =
        typed_report(&fields, &input.fields).map_err(|e| AppError::invalid(e.field, e.message))?;
    if matches!(action, RequiredAction::Attest { .. })
        && values.get("attested") != Some(&serde_json::Value::Bool(true))
    {
        return Err(AppError::invalid("fields.attested", "must be true"));
    }
    let open: Vec<_> = computed
        .items
        .iter()
        .map(|(o, _)| o)
        .filter(|o| o.action == input.action)
        .collect();
    let period = match input.period {
        Some(p) => {
            let p = p.to_string();
            if !open.iter().any(|o| o.period.as_deref() == Some(p.as_str())) {
                return Err(AppError::invalid(
                    "period",
                    "is not a period of this action due so far or next",
                ));
            }
            p
        }
        None => open
            .iter()
            .find(|o| o.state != "satisfied")
            .and_then(|o| o.period.clone())
            .ok_or_else(|| AppError::invalid("period", "every period due so far is submitted"))?,
    };
    let row = SubmissionRow {
        id: new_id(),
        directive_id: d.id.clone(),
        action_key: input.action.clone(),
        org_id: who.org_id().to_owned(),
        period,
        fields: serde_json::to_string(&values)
            .map_err(|e| AppError::internal("encoding a report", e))?,
        artifact_key: None,
        artifact_name: None,
        artifact_sha256: None,
        submitted_by: who.user_id().to_owned(),
        submitted_at: clock::now_text(),
    };
    let mut tx = app.store.begin_write().await?;
    store::directives::forms::insert_submission(&mut tx, &row).await?;
    let event = AuditEvent {
        action: "directive.report",
        object_type: "directive_submission",
        object_id: &row.id,
        change: json!({"directive": d.number, "action": row.action_key, "period": row.period,
            "fields": values}),
    };
    commit_audited(app, tx, who, event).await?;
    Ok(Submission {
        id: row.id,
        directive_id: row.directive_id,
        action: row.action_key,
        org_id: row.org_id,
        period: row.period,
        fields: serde_json::to_value(&values).unwrap_or_default(),
        submitted_by: row.submitted_by,
        submitted_at: row.submitted_at,
    })
}

/// Asks for an extension or an exception for one of the caller's
/// organisation's obligations.
pub async fn request(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewRequest,
) -> AppResult<RequestView> {
    who.require_scope(Scope::ExposuresWrite)?;
    let (d, body) = in_force(app, who, id).await?;
    let action = body
        .action(&input.action)
        .ok_or_else(|| AppError::invalid("action", "is not an action of this directive"))?;
    let (target, field) = match (action, &input.exposure_id, input.period) {
        (RequiredAction::Remediate { .. }, Some(e), None) => (e.clone(), "exposure_id"),
        (RequiredAction::Remediate { .. }, _, _) => {
            return Err(AppError::invalid(
                "exposure_id",
                "name the exposure (and no period) for a remediate action",
            ));
        }
        (_, None, Some(p)) => (p.to_string(), "period"),
        (_, _, _) => {
            return Err(AppError::invalid(
                "period",
                "name the period (and no exposure) for a report or attest action",
            ));
        }
    };
    let ob = obligations::find(app, who, &d.id, &body, who.org_id(), &input.action, &target)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                field,
                "is not an obligation of your organisation under this action",
            )
        })?;
    let justification = validate_request(
        input.kind,
        input.until,
        &input.justification,
        due_of(&ob),
        today()?,
    )
    .map_err(|e| AppError::invalid(e.field, e.message))?;
    let row = RequestRow {
        id: new_id(),
        directive_id: d.id.clone(),
        action_key: input.action.clone(),
        org_id: who.org_id().to_owned(),
        exposure_id: input.exposure_id.clone(),
        period: input.period.map(|p| p.to_string()),
        kind: input.kind.as_str().to_owned(),
        until: input.until.map(|u| u.to_string()),
        justification,
        state: "pending".into(),
        requested_by: who.user_id().to_owned(),
        requested_at: clock::now_text(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
    };
    let mut tx = app.store.begin_write().await?;
    store::directives::lock(&mut tx, &d.id).await?;
    if let Some(p) = store::directives::forms::pending_request_for(&mut tx, &row).await? {
        return Err(AppError::Conflict(format!(
            "request {} ({}, made {}) about this obligation is still pending: wait for its \
             decision, or ask about another obligation",
            p.id, p.kind, p.requested_at
        )));
    }
    store::directives::forms::insert_request(&mut tx, &row).await?;
    let event = AuditEvent {
        action: "directive.request",
        object_type: "directive_request",
        object_id: &row.id,
        change: json!({"directive": d.number, "action": row.action_key, "kind": row.kind,
            "exposure_id": row.exposure_id, "period": row.period, "until": row.until,
            "justification": row.justification}),
    };
    commit_audited(app, tx, who, event).await?;
    Ok(row.into())
}

/// Grants or denies a pending request (directive managers; not one's own).
pub async fn decide(
    app: &AppState,
    who: &Principal,
    request_id: &str,
    input: RequestDecision,
) -> AppResult<RequestView> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let state = match input.decision.as_str() {
        "grant" => "granted",
        "deny" => "denied",
        _ => return Err(AppError::invalid("decision", "must be grant or deny")),
    };
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid(
            "reason",
            "must be at most 2000 characters",
        ));
    }
    if let Some(r) = reason {
        clearinghouse_domain::text::check_long_text("reason", r)
            .map_err(|e| AppError::invalid("reason", e.to_string()))?;
    }
    let mut tx = app.store.begin_write().await?;
    let row = store::directives::forms::get_request(&mut tx, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.requested_by == who.user_id() {
        return Err(AppError::forbidden(
            "you cannot decide your own request; another directive manager must",
        ));
    }
    if row.org_id == who.org_id() {
        return Err(AppError::forbidden(
            "this request is your own organisation's: its people do not decide it; a directive \
             manager of another organisation must",
        ));
    }
    let now = clock::now_text();
    if !store::directives::forms::decide_request(
        &mut tx,
        request_id,
        state,
        who.user_id(),
        &now,
        reason,
    )
    .await?
    {
        return Err(AppError::Conflict(format!(
            "the request is already {}",
            row.state
        )));
    }
    let event = AuditEvent {
        action: "directive.request_decide",
        object_type: "directive_request",
        object_id: request_id,
        change: json!({"state": state, "reason": reason}),
    };
    commit_audited(app, tx, who, event).await?;
    Ok(RequestView {
        state: state.to_owned(),
        decided_by: Some(who.user_id().to_owned()),
        decided_at: Some(now),
        decision_reason: reason.map(str::to_owned),
        ..row.into()
    })
}

/// The requests about a directive the caller may see, optionally in one
/// state.
pub async fn list_requests(
    app: &AppState,
    who: &Principal,
    id: &str,
    org: Option<&str>,
    state: Option<&str>,
) -> AppResult<Vec<RequestView>> {
    who.require_scope(Scope::ExposuresRead)?;
    if state.is_some_and(|s| !matches!(s, "pending" | "granted" | "denied")) {
        return Err(AppError::invalid(
            "state",
            "must be pending, granted or denied",
        ));
    }
    let (d, _) = in_force(app, who, id).await?;
    let org = org_filter(who, org)?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(
        store::directives::forms::requests(&mut conn, &d.id, org.as_deref(), state)
            .await?
            .into_iter()
            .map(RequestView::from)
            .collect(),
    )
}
