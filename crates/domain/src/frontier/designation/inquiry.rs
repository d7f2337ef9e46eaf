//! The designation inquiry (Sec. 3(b)(i)) as a pure state machine:
//!
//! ```text
//! submitted ──evaluator──▶ evaluating ──evaluator (≥1 run)──▶ consulting
//!     │                        │                                  │ every consultee responds
//!     │                        │                                  │ authority proposes → filing
//!     │                        │                                  │ second authority approves
//!     ▼                        ▼                                  ▼
//! withdrawn ◀──developer, any time before decided──────────── decided ──authority──▶ communicated
//! ```
//!
//! [`next`] says who may do what: the developer's organisation opens and
//! withdraws; evaluators start the evaluation, attach runs and move to
//! consultation with the computed [`DecisionBasis`]; each configured
//! consultee (default: National Cyber Director, APST, CISA, Department of
//! War — configuration, see [`default_consultees`]) concurs, dissents with
//! a comment, or declines; a designation authority proposes the decision
//! only when all have responded, which returns the [`ApprovalFiling`] the
//! app files with `crate::approval`; a *different* authority's approval
//! (fed back as [`Action::ApproveDecision`]) decides; an authority then
//! communicates the outcome to the developer.
//!
//! The inquiry holds the model's id only: no release date is read or
//! written here (no veto, Sec. 3(c)).

use serde::{Deserialize, Serialize};

use super::{DecisionBasis, Determination};
use crate::identity::Role;
use crate::spelling::spelled_enum;

/// A body that must be consulted before a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultee {
    /// Stable id (`oncd`, `apst`, `cisa`, `dow`).
    pub id: String,
    pub name: String,
}

/// The consultees the order names (Sec. 3(b)(i)); the app's configuration
/// may replace the list.
pub fn default_consultees() -> Vec<Consultee> {
    [
        ("oncd", "Office of the National Cyber Director"),
        (
            "apst",
            "Assistant to the President for Science and Technology",
        ),
        ("cisa", "Cybersecurity and Infrastructure Security Agency"),
        ("dow", "Department of War"),
    ]
    .into_iter()
    .map(|(id, name)| Consultee {
        id: id.into(),
        name: name.into(),
    })
    .collect()
}

/// Parses a configured consultee list: each entry `ID=NAME`, ids
/// `[a-z0-9_-]{1,32}`, names non-empty (at most 200 characters), no id or
/// name twice, at least one entry. The message names the bad entry.
pub fn parse_consultees<S: AsRef<str>>(entries: &[S]) -> Result<Vec<Consultee>, String> {
    let mut out: Vec<Consultee> = Vec::new();
    for entry in entries {
        let entry = entry.as_ref().trim();
        let Some((id, name)) = entry.split_once('=') else {
            return Err(format!("consultee {entry:?}: expected ID=NAME"));
        };
        let (id, name) = (id.trim(), name.trim());
        let id_ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(format!(
                "consultee {entry:?}: the id must be 1 to 32 of a-z, 0-9, _ and -"
            ));
        }
        if name.is_empty() || name.chars().count() > 200 {
            return Err(format!(
                "consultee {entry:?}: the name must be 1 to 200 characters"
            ));
        }
        if out.iter().any(|c| c.id == id) {
            return Err(format!("consultee {id:?} is listed twice"));
        }
        if out.iter().any(|c| c.name == name) {
            return Err(format!("consultee name {name:?} is listed twice"));
        }
        out.push(Consultee {
            id: id.to_owned(),
            name: name.to_owned(),
        });
    }
    if out.is_empty() {
        return Err("the consultee list is empty".to_owned());
    }
    Ok(out)
}

/// A consultee's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Response {
    Concur,
    Dissent { comment: String },
    Declined,
}

/// One recorded consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub consultee: String,
    pub response: Response,
    pub recorded_by: String,
}

/// An authority's proposed decision awaiting a second authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub determination: Determination,
    /// Required when the determination differs from the computed one.
    pub reason: Option<String>,
    pub proposed_by: String,
}

/// The decision: what was decided, on what evidence, by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub determination: Determination,
    pub computed: Determination,
    pub reason: Option<String>,
    pub basis: DecisionBasis,
    pub runs: Vec<String>,
    pub consultations: Vec<Consultation>,
    pub proposed_by: String,
    pub approved_by: String,
    /// The id of the approval the app filed (`crate::approval`).
    pub approval_id: String,
}

/// Where an inquiry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Submitted,
    Evaluating,
    Consulting,
    Decided,
    Communicated,
    Withdrawn,
}

/// A designation inquiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inquiry {
    pub id: String,
    pub model_id: String,
    pub developer_org: String,
    pub phase: Phase,
    pub consultees: Vec<Consultee>,
    pub runs: Vec<String>,
    pub basis: Option<DecisionBasis>,
    pub consultations: Vec<Consultation>,
    pub proposal: Option<Proposal>,
    pub decision: Option<Decision>,
    pub withdrawal_reason: Option<String>,
    /// What part of the assessment is released to the developer.
    pub released_summary: Option<String>,
}

/// Who is acting, as the app established it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub org_id: String,
    pub roles: Vec<Role>,
    /// The consultee this user answers for (with `Role::Consultant`).
    pub consultee: Option<String>,
}

impl Actor {
    fn has(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

/// What someone does to an inquiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    StartEvaluation,
    AttachRun {
        run_id: String,
    },
    BeginConsultation {
        basis: DecisionBasis,
    },
    Respond {
        consultee: String,
        response: Response,
    },
    ProposeDecision {
        determination: Determination,
        reason: Option<String>,
    },
    /// Fed back by the app once `crate::approval` approved the filing.
    ApproveDecision {
        approval_id: String,
    },
    Communicate {
        released_summary: Option<String>,
    },
    Withdraw {
        reason: Option<String>,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::StartEvaluation => "start_evaluation",
            Action::AttachRun { .. } => "attach_run",
            Action::BeginConsultation { .. } => "begin_consultation",
            Action::Respond { .. } => "respond",
            Action::ProposeDecision { .. } => "propose_decision",
            Action::ApproveDecision { .. } => "approve_decision",
            Action::Communicate { .. } => "communicate",
            Action::Withdraw { .. } => "withdraw",
        }
    }
}

/// What the app must file with the two-person rule (`crate::approval`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalFiling {
    pub inquiry_id: String,
    pub determination: Determination,
    pub requested_by: String,
    /// The second person's role; they must not be `requested_by`.
    pub approver_role: Role,
}

/// The inquiry after an action, and anything the app must file.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub inquiry: Inquiry,
    pub filing: Option<ApprovalFiling>,
    /// A withdrawal dropped a proposal: the app cancels its pending approval.
    pub cancel_pending_approval: bool,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InquiryError {
    #[error("{action}: only {who} may do this")]
    NotAllowed {
        action: &'static str,
        who: &'static str,
    },
    #[error("{action}: not possible while the inquiry is {phase:?}")]
    WrongPhase { action: &'static str, phase: Phase },
    #[error("consultees: at least one must be configured, ids unique")]
    Consultees,
    #[error("consultee {0:?}: not configured for this inquiry")]
    UnknownConsultee(String),
    #[error("consultee {0:?}: already responded")]
    AlreadyResponded(String),
    #[error("response.comment: a dissent needs a comment")]
    CommentRequired,
    #[error("propose_decision: consultations outstanding: {}", .0.join(", "))]
    ConsultationsIncomplete(Vec<String>),
    #[error("reason: required when the decision differs from the computed determination")]
    ReasonRequired,
    #[error("approve_decision: the approver must be a second person")]
    SamePerson,
    #[error("approve_decision: no proposed decision")]
    NoProposal,
    #[error("begin_consultation: no evaluation run attached")]
    NoRuns,
    #[error("run_id: {0:?} already attached or empty")]
    BadRun(String),
}

fn not_allowed(action: &Action, who: &'static str) -> InquiryError {
    InquiryError::NotAllowed {
        action: action.name(),
        who,
    }
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Opens an inquiry for the actor's organisation's model.
pub fn open(
    id: &str,
    model_id: &str,
    developer: &Actor,
    consultees: Vec<Consultee>,
) -> Result<Inquiry, InquiryError> {
    let mut ids: Vec<&str> = consultees.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if consultees.is_empty()
        || ids.len() != consultees.len()
        || ids.iter().any(|i| i.trim().is_empty())
    {
        return Err(InquiryError::Consultees);
    }
    if developer.org_id.trim().is_empty() {
        return Err(InquiryError::NotAllowed {
            action: "open",
            who: "a member of the developer's organisation",
        });
    }
    Ok(Inquiry {
        id: id.to_owned(),
        model_id: model_id.to_owned(),
        developer_org: developer.org_id.clone(),
        phase: Phase::Submitted,
        consultees,
        runs: Vec::new(),
        basis: None,
        consultations: Vec::new(),
        proposal: None,
        decision: None,
        withdrawal_reason: None,
        released_summary: None,
    })
}

impl Inquiry {
    /// Configured consultees that have not responded.
    pub fn outstanding_consultations(&self) -> Vec<String> {
        self.consultees
            .iter()
            .filter(|c| !self.consultations.iter().any(|r| r.consultee == c.id))
            .map(|c| c.id.clone())
            .collect()
    }
}

/// The transition function: the inquiry after `action` by `actor`, or why not.
pub fn next(inquiry: &Inquiry, action: &Action, actor: &Actor) -> Result<Step, InquiryError> {
    let mut q = inquiry.clone();
    let mut filing = None;
    let mut cancel_pending_approval = false;
    let phase_err = || InquiryError::WrongPhase {
        action: action.name(),
        phase: inquiry.phase,
    };
    match action {
        Action::Withdraw { reason } => {
            if actor.org_id != q.developer_org {
                return Err(not_allowed(action, "the developer's organisation"));
            }
            if !matches!(
                q.phase,
                Phase::Submitted | Phase::Evaluating | Phase::Consulting
            ) {
                return Err(phase_err());
            }
            q.phase = Phase::Withdrawn;
            cancel_pending_approval = q.proposal.take().is_some();
            q.withdrawal_reason = text(reason);
        }
        Action::StartEvaluation => {
            if !actor.has(Role::Evaluator) {
                return Err(not_allowed(action, "an evaluator"));
            }
            if q.phase != Phase::Submitted {
                return Err(phase_err());
            }
            q.phase = Phase::Evaluating;
        }
        Action::AttachRun { run_id } => {
            if !actor.has(Role::Evaluator) {
                return Err(not_allowed(action, "an evaluator"));
            }
            if q.phase != Phase::Evaluating {
                return Err(phase_err());
            }
            if run_id.trim().is_empty() || q.runs.contains(run_id) {
                return Err(InquiryError::BadRun(run_id.clone()));
            }
            q.runs.push(run_id.clone());
        }
        Action::BeginConsultation { basis } => {
            if !actor.has(Role::Evaluator) {
                return Err(not_allowed(action, "an evaluator"));
            }
            if q.phase != Phase::Evaluating {
                return Err(phase_err());
            }
            if q.runs.is_empty() {
                return Err(InquiryError::NoRuns);
            }
            q.basis = Some(basis.clone());
            q.phase = Phase::Consulting;
        }
        Action::Respond {
            consultee,
            response,
        } => {
            if !(actor.has(Role::Consultant)
                && actor.consultee.as_deref() == Some(consultee.as_str()))
            {
                return Err(not_allowed(
                    action,
                    "a consultant answering for that consultee",
                ));
            }
            if q.phase != Phase::Consulting || q.proposal.is_some() {
                return Err(phase_err());
            }
            if !q.consultees.iter().any(|c| &c.id == consultee) {
                return Err(InquiryError::UnknownConsultee(consultee.clone()));
            }
            if q.consultations.iter().any(|c| &c.consultee == consultee) {
                return Err(InquiryError::AlreadyResponded(consultee.clone()));
            }
            if let Response::Dissent { comment } = response
                && comment.trim().is_empty()
            {
                return Err(InquiryError::CommentRequired);
            }
            q.consultations.push(Consultation {
                consultee: consultee.clone(),
                response: response.clone(),
                recorded_by: actor.user_id.clone(),
            });
        }
        Action::ProposeDecision {
            determination,
            reason,
        } => {
            if !actor.has(Role::DesignationAuthority) {
                return Err(not_allowed(action, "the designation authority"));
            }
            if q.phase != Phase::Consulting || q.proposal.is_some() {
                return Err(phase_err());
            }
            let outstanding = q.outstanding_consultations();
            if !outstanding.is_empty() {
                return Err(InquiryError::ConsultationsIncomplete(outstanding));
            }
            let computed = q.basis.as_ref().map(|b| b.determination);
            let reason = text(reason);
            if computed != Some(*determination) && reason.is_none() {
                return Err(InquiryError::ReasonRequired);
            }
            q.proposal = Some(Proposal {
                determination: *determination,
                reason,
                proposed_by: actor.user_id.clone(),
            });
            filing = Some(ApprovalFiling {
                inquiry_id: q.id.clone(),
                determination: *determination,
                requested_by: actor.user_id.clone(),
                approver_role: Role::DesignationAuthority,
            });
        }
        Action::ApproveDecision { approval_id } => {
            if !actor.has(Role::DesignationAuthority) {
                return Err(not_allowed(action, "a second designation authority"));
            }
            if q.phase != Phase::Consulting {
                return Err(phase_err());
            }
            let Some(p) = q.proposal.take() else {
                return Err(InquiryError::NoProposal);
            };
            if p.proposed_by == actor.user_id {
                return Err(InquiryError::SamePerson);
            }
            // Proposals exist only with every consultation in; checked again.
            let outstanding = q.outstanding_consultations();
            if !outstanding.is_empty() {
                return Err(InquiryError::ConsultationsIncomplete(outstanding));
            }
            let Some(basis) = q.basis.clone() else {
                return Err(phase_err());
            };
            q.decision = Some(Decision {
                determination: p.determination,
                computed: basis.determination,
                reason: p.reason,
                basis,
                runs: q.runs.clone(),
                consultations: q.consultations.clone(),
                proposed_by: p.proposed_by,
                approved_by: actor.user_id.clone(),
                approval_id: approval_id.clone(),
            });
            q.phase = Phase::Decided;
        }
        Action::Communicate { released_summary } => {
            if !actor.has(Role::DesignationAuthority) {
                return Err(not_allowed(action, "the designation authority"));
            }
            if q.phase != Phase::Decided {
                return Err(phase_err());
            }
            q.released_summary = text(released_summary);
            q.phase = Phase::Communicated;
        }
    }
    Ok(Step {
        inquiry: q,
        filing,
        cancel_pending_approval,
    })
}

/// A part of the assessment an authority may release to the developer,
/// beyond the outcome and dates it always sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleasePart {
    /// The authorities' reason, when the decision departs from the rule.
    Reason,
    /// Each suite's interval and where it lies (never the threshold).
    Findings,
    /// The ids of the runs the decision rests on.
    Runs,
    /// The consultees' responses and comments.
    Consultations,
}

spelled_enum! {
    ReleasePart {
        Reason => "reason",
        Findings => "findings",
        Runs => "runs",
        Consultations => "consultations",
    }
    ALL parse
}

/// Whether `actor` may release a part of `inquiry`'s assessment: a
/// designation authority, once the inquiry is decided.
pub fn may_release(inquiry: &Inquiry, actor: &Actor) -> Result<(), InquiryError> {
    if !actor.has(Role::DesignationAuthority) {
        return Err(InquiryError::NotAllowed {
            action: "release",
            who: "the designation authority",
        });
    }
    if !matches!(inquiry.phase, Phase::Decided | Phase::Communicated) {
        return Err(InquiryError::WrongPhase {
            action: "release",
            phase: inquiry.phase,
        });
    }
    Ok(())
}
