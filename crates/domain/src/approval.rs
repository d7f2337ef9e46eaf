//! The two-person rule: an action that must not rest on one person is
//! created as a pending request and runs only when a second, distinct,
//! eligible human approves it.

use serde::{Deserialize, Serialize};

use crate::identity::Role;

/// The kind of action a pending request will carry out when approved.
/// Later capabilities (threshold changes, designations, release of exploit
/// material, trusted-partner approval) add variants here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalAction {
    /// Grant authorizations (visibility terms such as `CUI` or `FRONTIER`)
    /// to a user.
    GrantAuthorizations,
    /// Release one proof-of-concept artifact (exploit code, crash input) to
    /// the person who asked, for a limited time.
    ReleaseProofOfConcept,
}

impl ApprovalAction {
    pub const ALL: &'static [ApprovalAction] = &[
        ApprovalAction::GrantAuthorizations,
        ApprovalAction::ReleaseProofOfConcept,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalAction::GrantAuthorizations => "grant_authorizations",
            ApprovalAction::ReleaseProofOfConcept => "release_proof_of_concept",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalAction> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// The role a second person must hold to approve this action.
    pub fn approver_role(self) -> Role {
        match self {
            ApprovalAction::GrantAuthorizations => Role::PlatformAdmin,
            ApprovalAction::ReleaseProofOfConcept => Role::Coordinator,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
            ApprovalState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalState> {
        [
            Self::Pending,
            Self::Approved,
            Self::Rejected,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// What a decider chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// The person (or agent) trying to decide.
#[derive(Debug, Clone)]
pub struct Decider<'a> {
    pub user_id: &'a str,
    /// Set when the request comes through an agent token.
    pub via_agent: bool,
    pub roles: &'a [Role],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("the request is already {0}")]
    NotPending(&'static str),
    #[error("the maker of a request cannot decide it; a second person must")]
    SelfDecision,
    #[error("an agent cannot decide a two-person request; a person must")]
    AgentCannotDecide,
    #[error("deciding this request needs the role '{0}'")]
    NotEligible(&'static str),
}

/// Decides a pending request. Rejection by the maker is a cancellation and is
/// allowed; approval only by a second, eligible, human principal.
pub fn decide(
    action: ApprovalAction,
    state: ApprovalState,
    maker_user_id: &str,
    decider: &Decider<'_>,
    decision: Decision,
) -> Result<ApprovalState, ApprovalError> {
    if state != ApprovalState::Pending {
        return Err(ApprovalError::NotPending(state.as_str()));
    }
    if decider.via_agent {
        return Err(ApprovalError::AgentCannotDecide);
    }
    let is_maker = decider.user_id == maker_user_id;
    match decision {
        Decision::Reject if is_maker => Ok(ApprovalState::Cancelled),
        _ if is_maker => Err(ApprovalError::SelfDecision),
        _ if !decider.roles.contains(&action.approver_role()) => {
            Err(ApprovalError::NotEligible(action.approver_role().as_str()))
        }
        Decision::Approve => Ok(ApprovalState::Approved),
        Decision::Reject => Ok(ApprovalState::Rejected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTION: ApprovalAction = ApprovalAction::GrantAuthorizations;

    fn check(
        state: ApprovalState,
        decider: (&str, bool, &[Role]),
        decision: Decision,
        expected: Result<ApprovalState, ApprovalError>,
    ) {
        let d = Decider {
            user_id: decider.0,
            via_agent: decider.1,
            roles: decider.2,
        };
        assert_eq!(decide(ACTION, state, "maker", &d, decision), expected);
    }

    #[test]
    fn two_person_rule() {
        use ApprovalState::*;
        let admin: &[Role] = &[Role::PlatformAdmin];
        let member: &[Role] = &[Role::Member];
        check(
            Pending,
            ("other", false, admin),
            Decision::Approve,
            Ok(Approved),
        );
        check(
            Pending,
            ("other", false, admin),
            Decision::Reject,
            Ok(Rejected),
        );
        check(
            Pending,
            ("maker", false, admin),
            Decision::Approve,
            Err(ApprovalError::SelfDecision),
        );
        check(
            Pending,
            ("maker", false, admin),
            Decision::Reject,
            Ok(Cancelled),
        );
        check(
            Pending,
            ("other", true, admin),
            Decision::Approve,
            Err(ApprovalError::AgentCannotDecide),
        );
        check(
            Pending,
            ("maker", true, admin),
            Decision::Reject,
            Err(ApprovalError::AgentCannotDecide),
        );
        check(
            Pending,
            ("other", false, member),
            Decision::Approve,
            Err(ApprovalError::NotEligible("platform_admin")),
        );
        check(
            Approved,
            ("other", false, admin),
            Decision::Approve,
            Err(ApprovalError::NotPending("approved")),
        );
    }

    #[test]
    fn proof_of_concept_release_needs_a_second_coordinator() {
        use ApprovalState::*;
        let action = ApprovalAction::ReleaseProofOfConcept;
        let decider = |user_id, via_agent, roles| Decider {
            user_id,
            via_agent,
            roles,
        };
        let coordinator: &[Role] = &[Role::Coordinator];
        let admin: &[Role] = &[Role::PlatformAdmin];
        let approve = |d: &Decider<'_>| decide(action, Pending, "maker", d, Decision::Approve);
        assert_eq!(approve(&decider("other", false, coordinator)), Ok(Approved));
        assert_eq!(
            approve(&decider("maker", false, coordinator)),
            Err(ApprovalError::SelfDecision)
        );
        assert_eq!(
            approve(&decider("other", true, coordinator)),
            Err(ApprovalError::AgentCannotDecide)
        );
        assert_eq!(
            approve(&decider("other", false, admin)),
            Err(ApprovalError::NotEligible("coordinator"))
        );
    }

    #[test]
    fn action_names_round_trip() {
        for a in ApprovalAction::ALL {
            assert_eq!(ApprovalAction::parse(a.as_str()), Some(*a));
        }
        assert_eq!(ApprovalAction::parse("launch_missiles"), None);
    }
}
