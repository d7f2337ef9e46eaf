//! The validation workflow of findings: a person's review decision (triage,
//! take for validation, validate, reject with a reason code, reopen) decided
//! by the domain's state machine and written with its history row and audit
//! entry in one transaction; on validation, the `CHX-YYYY-NNNNN`
//! vulnerability (`vulnerability`); near-duplicate decisions (confirm
//! rejects the newer finding as a duplicate of the older through the same
//! review path, split sets the link aside); shared credit over linked
//! findings; and per-organisation reporter quality counts.

mod vulnerability;

use std::collections::BTreeSet;

use clearinghouse_domain::findings::review::{
    self, FindingState, RejectionReason, ReviewAction, ReviewError, ReviewFacts, Reviewer,
};
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

pub use self::vulnerability::{AffectedSpec, VulnerabilitySpec, supporting_findings};
use self::vulnerability::{VulnPlan, resolve};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::finding::{Finding, SimilarLink};
use crate::model::review::{Credit, ReporterStats, SimilarityLink};
use crate::store::{self, Tx};
use crate::workflows::exposure::assets::READ_ANY;
use crate::workflows::findings::get_readable;
use crate::workflows::read_policy::PolicyReader;

/// A review decision on one finding.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `triage`, `start_validation`, `validate`, `reject` or `reopen`.
    pub action: String,
    /// With `reject` only (and required then): `false_positive`, `duplicate`,
    /// `out_of_scope` or `not_reproducible` (the last is the validator's).
    pub reason_code: Option<String>,
    /// Why; required for every decision, kept in the finding's history.
    #[serde(default)]
    pub reason: String,
    /// With `reason_code: duplicate` only (and required then): the finding
    /// this one duplicates.
    pub duplicate_of: Option<String>,
    /// With `validate` only: the vulnerability record to make or join.
    pub vulnerability: Option<VulnerabilitySpec>,
}

/// A coordinator's decision on a possible near-duplicate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarityDecision {
    /// `confirm` (the newer finding is rejected as a duplicate of the older)
    /// or `split` (not the same bug).
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// Who may read reporter quality counts.
const STATS_READERS: &[Role] = READ_ANY;

fn parse_action(req: &ReviewRequest) -> AppResult<ReviewAction> {
    let action = match req.action.as_str() {
        "triage" => ReviewAction::Triage,
        "start_validation" => ReviewAction::StartValidation,
        "validate" => ReviewAction::Validate,
        "reopen" => ReviewAction::Reopen,
        "reject" => {
            let code = req.reason_code.as_deref().ok_or_else(|| {
                AppError::invalid("reason_code", "give the reason code of a rejection")
            })?;
            ReviewAction::Reject(RejectionReason::parse(code).ok_or_else(|| {
                AppError::invalid(
                    "reason_code",
                    "expected false_positive, duplicate, out_of_scope or not_reproducible",
                )
            })?)
        }
        _ => {
            return Err(AppError::invalid(
                "action",
                "expected triage, start_validation, validate, reject or reopen",
            ));
        }
    };
    if req.reason_code.is_some() && !matches!(action, ReviewAction::Reject(_)) {
        return Err(AppError::invalid(
            "reason_code",
            "a reason code goes with 'reject' only",
        ));
    }
    let duplicate = action == ReviewAction::Reject(RejectionReason::Duplicate);
    match (&req.duplicate_of, duplicate) {
        (None, true) => Err(AppError::invalid(
            "duplicate_of",
            "name the finding this one duplicates",
        )),
        (Some(_), false) => Err(AppError::invalid(
            "duplicate_of",
            "goes with reason_code 'duplicate' only",
        )),
        _ => Ok(()),
    }?;
    if req.vulnerability.is_some() && action != ReviewAction::Validate {
        return Err(AppError::invalid(
            "vulnerability",
            "goes with 'validate' only",
        ));
    }
    Ok(action)
}

/// Maps the state machine's refusals: who may not (403), when not (409),
/// what is missing (422).
fn review_error(e: ReviewError) -> AppError {
    match e {
        ReviewError::Agent
        | ReviewError::Role(_)
        | ReviewError::OwnOrganisation
        | ReviewError::NotTheValidator => AppError::forbidden(e.to_string()),
        ReviewError::WrongState { .. } => AppError::Conflict(e.to_string()),
        ReviewError::NoReason => AppError::invalid("reason", e.to_string()),
    }
}

/// One decision, as the shared path below applies it.
struct Decision<'a> {
    action: ReviewAction,
    reason: &'a str,
    duplicate_of: Option<&'a str>,
    vulnerability: Option<&'a VulnPlan>,
}

/// Decides and writes one transition of `finding_id` in `tx`: the state
/// machine on the facts as they are in this transaction, the CHX
/// vulnerability on validation, the row and its history; returns the
/// audit change.
async fn apply(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    finding_id: &str,
    d: Decision<'_>,
) -> AppResult<serde_json::Value> {
    let current = store::findings::get(&mut **tx, finding_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reporter_orgs = store::findings::reporter_orgs(&mut **tx, finding_id).await?;
    let state = current.state;
    let facts = ReviewFacts {
        state,
        reporter_orgs: &reporter_orgs,
        validator_id: current.validator_id.as_deref(),
    };
    let reviewer = Reviewer {
        user_id: who.user_id(),
        org_id: who.org_id(),
        roles: &who.roles,
        via_agent: who.is_agent(),
    };
    let to = review::review(&facts, &reviewer, d.action, d.reason).map_err(review_error)?;
    let (mut rejection, mut duplicate_of, mut validator, mut vuln) = (
        current.rejection_reason,
        current.duplicate_of.clone(),
        current.validator_id.clone(),
        current.vulnerability_id.clone(),
    );
    let mut event_reason = d.reason.trim().to_owned();
    match d.action {
        ReviewAction::StartValidation => validator = Some(who.user_id().to_owned()),
        ReviewAction::Reject(code) => {
            rejection = Some(code);
            duplicate_of = d.duplicate_of.map(str::to_owned);
            event_reason = match d.duplicate_of {
                Some(other) => format!("duplicate of {other}: {event_reason}"),
                None => format!("{}: {event_reason}", code.as_str()),
            };
        }
        ReviewAction::Reopen => {
            (rejection, duplicate_of, validator) = (None, None, None);
        }
        ReviewAction::Validate => {
            let plan = d.vulnerability.cloned().unwrap_or_default();
            vuln = Some(resolve(app, tx, who, &current, &plan).await?);
        }
        ReviewAction::Triage => {}
    }
    let now = clock::now_text();
    let moved = store::findings::review::transition(
        tx,
        &store::findings::review::Transition {
            finding_id,
            from: state.as_str(),
            to: to.as_str(),
            rejection_reason: rejection.map(|r| r.as_str()),
            duplicate_of: duplicate_of.as_deref(),
            validator_id: validator.as_deref(),
            vulnerability_id: vuln.as_deref(),
            reason: &event_reason,
            actor: who.user_id(),
            actor_org: who.org_id(),
            at: &now,
        },
    )
    .await?;
    if !moved {
        return Err(AppError::Conflict(
            "the finding changed meanwhile; reload it and decide again".into(),
        ));
    }
    Ok(json!({
        "from": state.as_str(),
        "to": to.as_str(),
        "reason_code": rejection.filter(|_| to == FindingState::Rejected),
        "duplicate_of": duplicate_of,
        "validator_id": validator,
        "vulnerability_id": vuln.filter(|_| to == FindingState::Validated),
        "reason": event_reason,
    }))
}

/// `POST /findings/{id}/review`: one decision on a finding the caller may
/// read. Returns the finding as it now is.
pub async fn review(
    app: &AppState,
    who: &Principal,
    id: &str,
    req: ReviewRequest,
) -> AppResult<Finding> {
    who.require_scope(Scope::FindingsWrite)?;
    let action = parse_action(&req)?;
    get_readable(app, who, id).await?;
    if let Some(other) = req.duplicate_of.as_deref() {
        if other == id {
            return Err(AppError::invalid(
                "duplicate_of",
                "a finding cannot duplicate itself",
            ));
        }
        get_readable(app, who, other).await.map_err(|e| match e {
            AppError::NotFound => AppError::invalid("duplicate_of", "no such finding"),
            e => e,
        })?;
    }
    let plan = match &req.vulnerability {
        Some(spec) => Some(vulnerability::plan(app, spec).await?),
        None => None,
    };
    let mut tx = app.store.begin_write().await?;
    let change = apply(
        app,
        &mut tx,
        who,
        id,
        Decision {
            action,
            reason: &req.reason,
            duplicate_of: req.duplicate_of.as_deref(),
            vulnerability: plan.as_ref(),
        },
    )
    .await?;
    let event = AuditEvent {
        action: "finding.review",
        object_type: "finding",
        object_id: id,
        change,
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    store::findings::get(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `POST /findings/{id}/similar/{other_id}`: a coordinator confirms or
/// splits a near-duplicate link. Confirming rejects the newer finding as a
/// duplicate of the older (a review decision, with its history and audit).
pub async fn decide_similar(
    app: &AppState,
    who: &Principal,
    id: &str,
    other_id: &str,
    req: SimilarityDecision,
) -> AppResult<SimilarityLink> {
    who.require(Scope::FindingsWrite, &[Role::Coordinator])?;
    if who.is_agent() {
        return Err(review_error(ReviewError::Agent));
    }
    let confirm = match req.decision.as_str() {
        "confirm" => true,
        "split" => false,
        _ => return Err(AppError::invalid("decision", "expected confirm or split")),
    };
    if req.reason.trim().is_empty() {
        return Err(review_error(ReviewError::NoReason));
    }
    let a = get_readable(app, who, id).await?;
    let b = get_readable(app, who, other_id).await?;
    let mut tx = app.store.begin_write().await?;
    let mut link = store::findings::review::similarity_link(&mut *tx, id, other_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = if confirm {
        SimilarLink::Confirmed
    } else {
        SimilarLink::Split
    };
    let now = clock::now_text();
    if !store::findings::review::decide_link(&mut tx, &link, state, who.user_id(), &now).await? {
        return Err(AppError::Conflict(format!("the link is already {state}")));
    }
    let mut events = Vec::new();
    let (older, newer) = if (a.created_at.as_str(), a.id.as_str()) <= (&b.created_at, &b.id) {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if confirm {
        let change = apply(
            app,
            &mut tx,
            who,
            &newer.id,
            Decision {
                action: ReviewAction::Reject(RejectionReason::Duplicate),
                reason: &req.reason,
                duplicate_of: Some(&older.id),
                vulnerability: None,
            },
        )
        .await?;
        events.push((newer.id.clone(), "finding.review", change));
        link.rejected_finding = Some(newer.id.clone());
    }
    let link_key = format!("{}/{}", link.finding_id, link.other_id);
    let link_change = json!({ "decision": state.as_str(), "reason": req.reason.trim() });
    let mut audit: Vec<AuditEvent<'_>> = vec![AuditEvent {
        action: "finding.similarity",
        object_type: "finding_similarity",
        object_id: &link_key,
        change: link_change,
    }];
    audit.extend(events.iter().map(|(fid, action, change)| AuditEvent {
        action,
        object_type: "finding",
        object_id: fid,
        change: change.clone(),
    }));
    app.audit.record(&mut tx, &app.store, who, &audit).await?;
    tx.commit().await?;
    link.state = state;
    link.decided_by = Some(who.user_id().to_owned());
    link.decided_at = Some(now);
    Ok(link)
}

/// Most steps followed from a finding to the findings linked to it.
const MAX_LINK_DEPTH: usize = 16;

/// `GET /findings/{id}/credits`: the organisations that reported the
/// finding or a finding linked to it (an exact duplicate report, a
/// confirmed near-duplicate, a duplicate by decision), first reporter first.
pub async fn credits(app: &AppState, who: &Principal, id: &str) -> AppResult<Vec<Credit>> {
    let finding = get_readable(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let mut seen: BTreeSet<String> = BTreeSet::from([id.to_owned()]);
    let mut frontier = vec![id.to_owned()];
    for _ in 0..MAX_LINK_DEPTH {
        let next: Vec<String> = store::findings::review::linked_findings(&mut conn, &frontier)
            .await?
            .into_iter()
            .filter(|f| seen.insert(f.clone()))
            .collect();
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    let ids: Vec<String> = seen.into_iter().collect();
    let orgs = store::findings::review::reporting_orgs(&mut conn, &ids).await?;
    let mut out: Vec<Credit> = orgs
        .into_iter()
        .map(|(org_id, name)| Credit { org_id, name })
        .collect();
    if let Some(pos) = out.iter().position(|c| c.org_id == finding.reporter_org) {
        let first = out.remove(pos);
        out.insert(0, first);
    }
    Ok(out)
}

/// `GET /reporter-stats?since=`: per reporting organisation, how its
/// findings fared. Coordinators, platform admins and auditors.
pub async fn reporter_stats(
    app: &AppState,
    who: &Principal,
    since: Option<&str>,
) -> AppResult<Vec<ReporterStats>> {
    who.require(Scope::FindingsRead, STATS_READERS)?;
    let since = match since.map(str::trim).filter(|s| !s.is_empty()) {
        None => String::new(),
        Some(s) => parse_since(s).ok_or_else(|| {
            AppError::invalid("since", "expected a date (2026-01-31) or an RFC 3339 time")
        })?,
    };
    let reader = PolicyReader::of(app, who).await?;
    Ok(store::findings::review::reporter_stats(&app.store.pool, &since, &reader.filter()).await?)
}

/// A date or RFC 3339 time as stored time text.
fn parse_since(s: &str) -> Option<String> {
    if let Some(t) = clock::parse(s) {
        return Some(clock::format(t));
    }
    let date =
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(clock::format(date.midnight().assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(action: &str) -> ReviewRequest {
        ReviewRequest {
            action: action.into(),
            reason: "because".into(),
            ..Default::default()
        }
    }

    fn field(r: AppResult<ReviewAction>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn request_shapes_are_checked_field_by_field() {
        assert_eq!(
            parse_action(&req("triage")).ok(),
            Some(ReviewAction::Triage)
        );
        assert_eq!(field(parse_action(&req("approve"))), "action");
        assert_eq!(field(parse_action(&req("reject"))), "reason_code");
        let mut r = req("reject");
        r.reason_code = Some("boring".into());
        assert_eq!(field(parse_action(&r)), "reason_code");
        r.reason_code = Some("duplicate".into());
        assert_eq!(field(parse_action(&r)), "duplicate_of");
        r.duplicate_of = Some("f2".into());
        assert_eq!(
            parse_action(&r).ok(),
            Some(ReviewAction::Reject(RejectionReason::Duplicate))
        );
        r.reason_code = Some("false_positive".into());
        assert_eq!(field(parse_action(&r)), "duplicate_of");
        let mut t = req("triage");
        t.reason_code = Some("false_positive".into());
        assert_eq!(field(parse_action(&t)), "reason_code");
        let mut v = req("triage");
        v.vulnerability = Some(VulnerabilitySpec::default());
        assert_eq!(field(parse_action(&v)), "vulnerability");
    }

    #[test]
    fn since_takes_a_date_or_a_time() {
        assert_eq!(
            parse_since("2026-01-31").as_deref(),
            Some("2026-01-31T00:00:00.000000Z")
        );
        assert_eq!(
            parse_since("2026-01-31T10:00:00+02:00").as_deref(),
            Some("2026-01-31T08:00:00.000000Z")
        );
        assert_eq!(parse_since("yesterday"), None);
    }
}
