//! Designation inquiries, the reading half: who reads an inquiry (the
//! developer's organisation under the read policy; evaluators, consultants
//! and designation authorities cleared for `FRONTIER` as officials), the
//! domain inquiry rebuilt from its rows, the computed rule outcome, and the
//! two views: officials see everything but threshold values; the developer
//! sees the state, the dates, the outcome once communicated, and only the
//! parts an authority released.
//!
//! **The rule** ([`compute_basis`]): for each suite of the attached runs,
//! the latest attached run's score at its highest suite version, against
//! the suite's threshold version in force; `domain::designation::
//! determine_all` decides. The thresholds' values and salts are read here,
//! server side, only to compute; the basis holds intervals, relations and
//! each policy's id, version and commitment, never a value.
//!
//! **Consultees** are configuration: the list is
//! [`configured_consultees`] (the order's four by default), copied into
//! each inquiry when it opens. A user answers for a consultee when it holds
//! the `consultant` role in the government organisation named exactly as
//! the consultee (organisation names are unique).

use clearinghouse_domain::frontier::designation::{
    Actor, Consultation, Consultee, Decision, DecisionBasis, Determination, Inquiry, Phase,
    Proposal, Response, determine_all,
};
use clearinghouse_domain::frontier::scoring::RunScore;
use clearinghouse_domain::frontier::threshold::{PolicyReference, Salt, ThresholdPolicy};
use clearinghouse_domain::identity::Role;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::store::frontier::inquiries::{self as sq, InquiryRow};
use crate::workflows::read_policy::PolicyReader;

/// The authorization officials hold to read inquiries.
pub const OFFICIAL_AUTHORIZATION: &str = "FRONTIER";

/// The consultees new inquiries must consult (the app's configuration).
pub fn configured_consultees(app: &AppState) -> Vec<Consultee> {
    app.settings.consultees.clone()
}

/// Whether `who` reads inquiries as an official.
pub fn is_official(who: &Principal) -> bool {
    who.has_any_role(&[
        Role::Evaluator,
        Role::Consultant,
        Role::DesignationAuthority,
    ]) && who.authorizations.contains(OFFICIAL_AUTHORIZATION)
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored inquiry: {e}"))
}

/// An inquiry with its children, as read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub row: InquiryRow,
    pub runs: Vec<sq::RunLink>,
    pub consultations: Vec<sq::ConsultationRow>,
    pub decision: Option<sq::DecisionRow>,
    pub releases: Vec<sq::ReleaseRow>,
}

/// Reads an inquiry `who` may read (404 otherwise, as if missing).
pub async fn load(
    app: &AppState,
    conn: &mut sq::Conn,
    who: &Principal,
    id: &str,
) -> AppResult<Loaded> {
    let row = if is_official(who) {
        sq::get_official(conn, id).await?
    } else {
        let reader = PolicyReader::of(app, who).await?;
        sq::get_readable(conn, id, &reader.filter()).await?
    };
    let row = row.ok_or(AppError::NotFound)?;
    load_children(conn, row).await
}

pub async fn load_children(conn: &mut sq::Conn, row: InquiryRow) -> AppResult<Loaded> {
    Ok(Loaded {
        runs: sq::runs(conn, &row.id).await?,
        consultations: sq::consultations(conn, &row.id).await?,
        decision: sq::decision(conn, &row.id).await?,
        releases: sq::releases(conn, &row.id).await?,
        row,
    })
}

pub fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Submitted => "submitted",
        Phase::Evaluating => "evaluating",
        Phase::Consulting => "consulting",
        Phase::Decided => "decided",
        Phase::Communicated => "communicated",
        Phase::Withdrawn => "withdrawn",
    }
}

fn parse_phase(s: &str) -> AppResult<Phase> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(corrupt)
}

pub fn determination_name(d: Determination) -> &'static str {
    match d {
        Determination::Covered => "covered",
        Determination::NotCovered => "not_covered",
        Determination::Inconclusive => "inconclusive",
    }
}

pub fn parse_determination(field: &str, s: &str) -> AppResult<Determination> {
    serde_json::from_value(Value::String(s.to_owned()))
        .map_err(|_| AppError::invalid(field, "must be covered, not_covered or inconclusive"))
}

/// `(response, comment)` columns of a domain response.
pub fn response_columns(r: &Response) -> (&'static str, Option<String>) {
    match r {
        Response::Concur => ("concur", None),
        Response::Dissent { comment } => ("dissent", Some(comment.clone())),
        Response::Declined => ("declined", None),
    }
}

fn response_of(c: &sq::ConsultationRow) -> AppResult<Response> {
    Ok(match c.response.as_str() {
        "concur" => Response::Concur,
        "dissent" => Response::Dissent {
            comment: c.comment.clone().unwrap_or_default(),
        },
        "declined" => Response::Declined,
        other => return Err(corrupt(format!("response {other}"))),
    })
}

/// The domain inquiry the rows describe.
pub fn domain(l: &Loaded) -> AppResult<Inquiry> {
    let consultations: Vec<Consultation> = l
        .consultations
        .iter()
        .map(|c| {
            Ok(Consultation {
                consultee: c.consultee_id.clone(),
                response: response_of(c)?,
                recorded_by: c.recorded_by.clone(),
            })
        })
        .collect::<AppResult<_>>()?;
    let basis: Option<DecisionBasis> = l
        .row
        .basis
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(corrupt)?;
    let proposal: Option<Proposal> = l
        .row
        .proposal
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(corrupt)?;
    let runs: Vec<String> = l.runs.iter().map(|r| r.run_id.clone()).collect();
    let decision = match &l.decision {
        Some(d) => Some(Decision {
            determination: parse_determination("determination", &d.determination)?,
            computed: parse_determination("computed", &d.computed)?,
            reason: d.reason.clone(),
            basis: serde_json::from_str(&d.basis).map_err(corrupt)?,
            runs: serde_json::from_str(&d.run_ids).map_err(corrupt)?,
            consultations: consultations.clone(),
            proposed_by: d.proposed_by.clone(),
            approved_by: d.approved_by.clone(),
            approval_id: d.approval_id.clone(),
        }),
        None => None,
    };
    Ok(Inquiry {
        id: l.row.id.clone(),
        model_id: l.row.model_id.clone(),
        developer_org: l.row.developer_org.clone(),
        phase: parse_phase(&l.row.state)?,
        consultees: serde_json::from_str(&l.row.consultees).map_err(corrupt)?,
        runs,
        basis,
        consultations,
        proposal,
        decision,
        withdrawal_reason: l.row.withdrawal_reason.clone(),
        released_summary: None,
    })
}

/// The consultee `who` answers for, if any (see the module doc).
pub async fn consultee_of(
    conn: &mut sq::Conn,
    who: &Principal,
    consultees: &[Consultee],
) -> AppResult<Option<String>> {
    if !who.has_role(Role::Consultant) {
        return Ok(None);
    }
    for c in consultees {
        if sq::orgs_named(conn, &c.name)
            .await?
            .iter()
            .any(|o| o == who.org_id())
        {
            return Ok(Some(c.id.clone()));
        }
    }
    Ok(None)
}

/// The domain's actor for `who`.
pub async fn actor(
    conn: &mut sq::Conn,
    who: &Principal,
    consultees: &[Consultee],
) -> AppResult<Actor> {
    Ok(Actor {
        user_id: who.user_id().to_owned(),
        org_id: who.org_id().to_owned(),
        roles: who.roles.clone(),
        consultee: consultee_of(conn, who, consultees).await?,
    })
}

/// A threshold version the basis cites: ids and commitment only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdCitation {
    pub threshold_id: String,
    pub suite_id: String,
    pub version: i64,
    pub commitment: String,
}

/// The rule's outcome now, with the threshold versions it cites.
pub struct Computed {
    pub basis: DecisionBasis,
    pub thresholds: Vec<ThresholdCitation>,
    /// `{suite_id, version, digest}` of each scored suite.
    pub suite_versions: Vec<Value>,
}

/// Computes the rule over the attached runs and the thresholds in force.
pub async fn compute_basis(conn: &mut sq::Conn, inquiry_id: &str) -> AppResult<Computed> {
    let mut latest: Vec<RunScore> = Vec::new();
    for s in sq::attached_scores(conn, inquiry_id).await? {
        let mut score: RunScore = serde_json::from_str(&s.score).map_err(corrupt)?;
        // Scores name the suite by key, policies by id: the rule matches ids.
        score.suite_id = s.suite_id.clone();
        latest.retain(|x| x.suite_id != score.suite_id);
        latest.push(score);
    }
    let mut policies = Vec::new();
    let mut thresholds = Vec::new();
    for score in &latest {
        let Some(p) = sq::active_policy(conn, &score.suite_id).await? else {
            continue;
        };
        let policy: ThresholdPolicy = serde_json::from_str(&p.policy).map_err(corrupt)?;
        let salt = hex::decode(&p.salt).map_err(corrupt)?;
        let salt: [u8; 32] = salt.try_into().map_err(|_| corrupt("salt length"))?;
        let reference = PolicyReference::of(&policy, &Salt(salt));
        if reference.commitment.0 != p.commitment {
            return Err(AppError::internal_msg(format!(
                "threshold {} no longer matches its commitment",
                p.threshold_id
            )));
        }
        policies.push((policy, reference));
        thresholds.push(ThresholdCitation {
            threshold_id: p.threshold_id,
            suite_id: p.suite_id,
            version: p.version,
            commitment: p.commitment,
        });
    }
    let suite_versions = latest
        .iter()
        .map(|s| json!({"suite_id": s.suite_id, "version": s.suite_version, "digest": s.suite_digest}))
        .collect();
    Ok(Computed {
        basis: determine_all(&policies, &latest),
        thresholds,
        suite_versions,
    })
}

/// A consultee and its response, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsulteeView {
    pub id: String,
    pub name: String,
    /// `concur`, `dissent`, `declined`, or absent while outstanding.
    pub response: Option<String>,
    pub comment: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<String>,
}

/// The decision as officials see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub determination: String,
    pub computed: String,
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub suite_versions: Value,
    pub run_ids: Vec<String>,
    #[schema(value_type = Object)]
    pub thresholds: Value,
    pub proposed_by: String,
    pub approved_by: String,
    pub approval_id: String,
    pub decided_at: String,
}

/// A recorded release.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseView {
    pub part: String,
    pub released_by: String,
    pub released_at: String,
}

/// Which view of an inquiry a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Viewer {
    /// Every field.
    Official,
    /// The state and dates, the outcome once communicated, and only the
    /// released parts.
    Developer,
}

/// An inquiry. Officials (`view: "official"`) see every field; the
/// developer (`view: "developer"`) sees the state and dates, the outcome
/// once communicated, and only the released parts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InquiryView {
    pub id: String,
    pub model_id: String,
    pub developer_org: String,
    pub state: String,
    /// `official` or `developer`.
    #[schema(value_type = String)]
    pub view: Viewer,
    pub created_at: String,
    pub updated_at: String,
    pub decided_at: Option<String>,
    pub communicated_at: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdrawal_reason: Option<String>,
    /// `covered`, `not_covered` or `inconclusive`: for the developer once
    /// communicated.
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultees: Option<Vec<ConsulteeView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outstanding_consultations: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_ids: Option<Vec<String>>,
    /// The rule's outcome over the attached runs and the thresholds in
    /// force (officials; before a decision, computed now).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub computed: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub proposal: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionView>,
    /// What was released to the developer.
    pub releases: Vec<ReleaseView>,
    /// The released parts' content (developer view) or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub released: Option<Value>,
}

fn consultee_views(l: &Loaded, q: &Inquiry) -> Vec<ConsulteeView> {
    q.consultees
        .iter()
        .map(|c| {
            let r = l.consultations.iter().find(|r| r.consultee_id == c.id);
            ConsulteeView {
                id: c.id.clone(),
                name: c.name.clone(),
                response: r.map(|r| r.response.clone()),
                comment: r.and_then(|r| r.comment.clone()),
                recorded_by: r.map(|r| r.recorded_by.clone()),
                recorded_at: r.map(|r| r.recorded_at.clone()),
            }
        })
        .collect()
}

fn decision_view(d: &sq::DecisionRow) -> AppResult<DecisionView> {
    Ok(DecisionView {
        determination: d.determination.clone(),
        computed: d.computed.clone(),
        reason: d.reason.clone(),
        suite_versions: serde_json::from_str(&d.suite_versions).map_err(corrupt)?,
        run_ids: serde_json::from_str(&d.run_ids).map_err(corrupt)?,
        thresholds: serde_json::from_str(&d.thresholds).map_err(corrupt)?,
        proposed_by: d.proposed_by.clone(),
        approved_by: d.approved_by.clone(),
        approval_id: d.approval_id.clone(),
        decided_at: d.decided_at.clone(),
    })
}

/// The view `who` gets of a loaded inquiry.
pub async fn view(conn: &mut sq::Conn, who: &Principal, l: &Loaded) -> AppResult<InquiryView> {
    let q = domain(l)?;
    let official = is_official(who);
    let decision = l.decision.as_ref().map(decision_view).transpose()?;
    let releases: Vec<ReleaseView> = l
        .releases
        .iter()
        .map(|r| ReleaseView {
            part: r.part.clone(),
            released_by: r.released_by.clone(),
            released_at: r.released_at.clone(),
        })
        .collect();
    let mut v = InquiryView {
        id: q.id.clone(),
        model_id: q.model_id.clone(),
        developer_org: q.developer_org.clone(),
        state: phase_name(q.phase).to_owned(),
        view: if official {
            Viewer::Official
        } else {
            Viewer::Developer
        },
        created_at: l.row.created_at.clone(),
        updated_at: l.row.updated_at.clone(),
        decided_at: l.row.decided_at.clone(),
        communicated_at: l.row.communicated_at.clone(),
        withdrawn_at: l.row.withdrawn_at.clone(),
        withdrawal_reason: q.withdrawal_reason.clone(),
        outcome: None,
        consultees: None,
        outstanding_consultations: None,
        run_ids: None,
        computed: None,
        proposal: None,
        approval_id: None,
        decision: None,
        releases,
        released: None,
    };
    if official {
        v.outcome = decision.as_ref().map(|d| d.determination.clone());
        v.consultees = Some(consultee_views(l, &q));
        v.outstanding_consultations = Some(q.outstanding_consultations());
        v.run_ids = Some(q.runs.clone());
        v.computed = match (&q.decision, q.phase) {
            (Some(d), _) => Some(serde_json::to_value(&d.basis).map_err(corrupt)?),
            (None, Phase::Evaluating | Phase::Consulting) => {
                let c = compute_basis(conn, &q.id).await?;
                let mut b = serde_json::to_value(&c.basis).map_err(corrupt)?;
                b["thresholds"] = serde_json::to_value(&c.thresholds).map_err(corrupt)?;
                Some(b)
            }
            _ => None,
        };
        v.proposal = q
            .proposal
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(corrupt)?;
        v.approval_id = l.row.approval_id.clone();
        v.decision = decision;
    } else {
        if q.phase == Phase::Communicated {
            v.outcome = decision.as_ref().map(|d| d.determination.clone());
        }
        let mut released = serde_json::Map::new();
        for r in &l.releases {
            let value = match (r.part.as_str(), &q.decision) {
                ("reason", Some(d)) => json!(d.reason),
                ("findings", Some(d)) => json!(d.basis.findings),
                ("runs", Some(d)) => json!(d.runs),
                ("consultations", _) => json!(
                    consultee_views(l, &q)
                        .into_iter()
                        .map(|c| json!({"consultee": c.name, "response": c.response, "comment": c.comment}))
                        .collect::<Vec<_>>()
                ),
                _ => Value::Null,
            };
            released.insert(r.part.clone(), value);
        }
        v.released = Some(Value::Object(released));
    }
    Ok(v)
}
