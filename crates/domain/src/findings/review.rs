//! The validation workflow of a finding as a pure state machine: who may move a
//! finding from which state to which, and why not. A finding is *received*, a
//! coordinator *triages* it, a validator from an organisation other than every
//! reporter's takes it into *validating* and either *validates* it or rejects it
//! as not reproducible; coordinators reject false positives, duplicates and
//! out-of-scope reports at any open state and may reopen a rejected finding.
//! Decisions are a person's: an agent token can do none of them. Every
//! transition needs a reason (it is audited with it).

use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::spelling::spelled_enum;

/// Where a finding is in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    Received,
    Triaged,
    Validating,
    Validated,
    Rejected,
}

impl FindingState {
    /// Still waiting for a decision.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            FindingState::Received | FindingState::Triaged | FindingState::Validating
        )
    }
}

spelled_enum! {
    FindingState {
        Received => "received",
        Triaged => "triaged",
        Validating => "validating",
        Validated => "validated",
        Rejected => "rejected",
    }
    ALL parse
}

/// Why a finding was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    FalsePositive,
    Duplicate,
    OutOfScope,
    NotReproducible,
}

spelled_enum! {
    RejectionReason {
        FalsePositive => "false_positive",
        Duplicate => "duplicate",
        OutOfScope => "out_of_scope",
        NotReproducible => "not_reproducible",
    }
    ALL parse
}

/// What someone asks to do to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "reason_code")]
pub enum ReviewAction {
    /// received → triaged (coordinator).
    Triage,
    /// triaged → validating, the actor becoming its validator.
    StartValidation,
    /// validating → validated (its validator).
    Validate,
    /// → rejected. `NotReproducible` is the validator's call while validating;
    /// the other reasons are a coordinator's, at any open state.
    Reject(RejectionReason),
    /// rejected → triaged (coordinator), to correct a mistaken rejection.
    Reopen,
}

/// The person acting.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer<'a> {
    pub user_id: &'a str,
    pub org_id: &'a str,
    pub roles: &'a [Role],
    pub via_agent: bool,
}

/// What the decision needs to know of the finding.
#[derive(Debug, Clone, Copy)]
pub struct ReviewFacts<'a> {
    pub state: FindingState,
    /// Every organisation that reported the finding (first reporter and those
    /// whose reports were linked to it as exact duplicates).
    pub reporter_orgs: &'a [String],
    /// The validator who took it into `validating`.
    pub validator_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("an agent cannot decide a finding's state; a person must")]
    Agent,
    #[error("a finding that is {state} cannot be {action}")]
    WrongState {
        state: &'static str,
        action: &'static str,
    },
    #[error("this needs the role '{0}'")]
    Role(&'static str),
    #[error("a finding must be validated by an organisation other than its reporters'")]
    OwnOrganisation,
    #[error("only the validator who took the finding may decide it")]
    NotTheValidator,
    #[error("give a reason")]
    NoReason,
}

impl ReviewAction {
    fn verb(self) -> &'static str {
        match self {
            ReviewAction::Triage => "triaged",
            ReviewAction::StartValidation => "taken for validation",
            ReviewAction::Validate => "validated",
            ReviewAction::Reject(_) => "rejected",
            ReviewAction::Reopen => "reopened",
        }
    }
}

/// The state `action` by `who` moves the finding to, or why it may not.
pub fn review(
    facts: &ReviewFacts<'_>,
    who: &Reviewer<'_>,
    action: ReviewAction,
    reason: &str,
) -> Result<FindingState, ReviewError> {
    use FindingState as S;
    if who.via_agent {
        return Err(ReviewError::Agent);
    }
    if reason.trim().is_empty() {
        return Err(ReviewError::NoReason);
    }
    let wrong = || ReviewError::WrongState {
        state: facts.state.as_str(),
        action: action.verb(),
    };
    let needs = |role: Role| {
        if who.roles.contains(&role) {
            Ok(())
        } else {
            Err(ReviewError::Role(role.as_str()))
        }
    };
    let the_validator = || {
        if facts.validator_id == Some(who.user_id) {
            Ok(())
        } else {
            Err(ReviewError::NotTheValidator)
        }
    };
    let independent = || {
        if facts.reporter_orgs.iter().any(|o| o == who.org_id) {
            Err(ReviewError::OwnOrganisation)
        } else {
            Ok(())
        }
    };
    match action {
        ReviewAction::Triage => {
            needs(Role::Coordinator)?;
            (facts.state == S::Received)
                .then_some(S::Triaged)
                .ok_or_else(wrong)
        }
        ReviewAction::StartValidation => {
            needs(Role::Validator)?;
            independent()?;
            (facts.state == S::Triaged)
                .then_some(S::Validating)
                .ok_or_else(wrong)
        }
        ReviewAction::Validate => {
            if facts.state != S::Validating {
                return Err(wrong());
            }
            needs(Role::Validator)?;
            independent()?;
            the_validator()?;
            Ok(S::Validated)
        }
        ReviewAction::Reject(RejectionReason::NotReproducible) => {
            if facts.state != S::Validating {
                return Err(wrong());
            }
            needs(Role::Validator)?;
            the_validator()?;
            Ok(S::Rejected)
        }
        ReviewAction::Reject(_) => {
            needs(Role::Coordinator)?;
            facts
                .state
                .is_open()
                .then_some(S::Rejected)
                .ok_or_else(wrong)
        }
        ReviewAction::Reopen => {
            needs(Role::Coordinator)?;
            (facts.state == S::Rejected)
                .then_some(S::Triaged)
                .ok_or_else(wrong)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const COORD: &[Role] = &[Role::Coordinator];
    const VALID: &[Role] = &[Role::Validator];

    fn reporters() -> Vec<String> {
        vec!["lab".to_owned(), "firm".to_owned()]
    }

    fn who<'a>(user: &'a str, org: &'a str, roles: &'a [Role]) -> Reviewer<'a> {
        Reviewer {
            user_id: user,
            org_id: org,
            roles,
            via_agent: false,
        }
    }

    #[test]
    fn the_happy_path_needs_an_independent_validator() {
        let orgs = reporters();
        let mut facts = ReviewFacts {
            state: FindingState::Received,
            reporter_orgs: &orgs,
            validator_id: None,
        };
        let coord = who("c", "treasury", COORD);
        facts.state = review(&facts, &coord, ReviewAction::Triage, "looks real").unwrap();
        assert_eq!(facts.state, FindingState::Triaged);
        let own = who("v1", "firm", VALID);
        assert_eq!(
            review(&facts, &own, ReviewAction::StartValidation, "mine"),
            Err(ReviewError::OwnOrganisation)
        );
        let v = who("v2", "nist", VALID);
        facts.state = review(&facts, &v, ReviewAction::StartValidation, "taking it").unwrap();
        facts.validator_id = Some("v2");
        let other = who("v3", "nist", VALID);
        assert_eq!(
            review(&facts, &other, ReviewAction::Validate, "reproduced"),
            Err(ReviewError::NotTheValidator)
        );
        assert_eq!(
            review(&facts, &v, ReviewAction::Validate, "reproduced"),
            Ok(FindingState::Validated)
        );
    }

    #[test]
    fn agents_and_missing_reasons_are_refused() {
        let orgs = reporters();
        let facts = ReviewFacts {
            state: FindingState::Received,
            reporter_orgs: &orgs,
            validator_id: None,
        };
        let mut agent = who("c", "treasury", COORD);
        agent.via_agent = true;
        assert_eq!(
            review(&facts, &agent, ReviewAction::Triage, "x"),
            Err(ReviewError::Agent)
        );
        let coord = who("c", "treasury", COORD);
        assert_eq!(
            review(&facts, &coord, ReviewAction::Triage, "  "),
            Err(ReviewError::NoReason)
        );
    }

    #[test]
    fn not_reproducible_is_the_validators_call() {
        let orgs = reporters();
        let facts = ReviewFacts {
            state: FindingState::Validating,
            reporter_orgs: &orgs,
            validator_id: Some("v"),
        };
        let nr = ReviewAction::Reject(RejectionReason::NotReproducible);
        assert_eq!(
            review(&facts, &who("c", "treasury", COORD), nr, "x"),
            Err(ReviewError::Role("validator"))
        );
        assert_eq!(
            review(&facts, &who("v", "nist", VALID), nr, "crashes nowhere"),
            Ok(FindingState::Rejected)
        );
    }

    fn any_state() -> impl Strategy<Value = FindingState> {
        prop::sample::select(FindingState::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = ReviewAction> {
        prop_oneof![
            Just(ReviewAction::Triage),
            Just(ReviewAction::StartValidation),
            Just(ReviewAction::Validate),
            Just(ReviewAction::Reopen),
            prop::sample::select(RejectionReason::ALL.to_vec()).prop_map(ReviewAction::Reject),
        ]
    }

    proptest! {
        /// Whatever the state, action and actor: nobody from a reporting
        /// organisation ever validates, agents never change anything, and
        /// validated is final.
        #[test]
        fn invariants(state in any_state(), action in any_action(), own in any::<bool>(),
                      agent in any::<bool>(), is_validator in any::<bool>(),
                      roles in prop::sample::subsequence(vec![Role::Coordinator, Role::Validator, Role::Member], 0..=3)) {
            let orgs = reporters();
            let facts = ReviewFacts { state, reporter_orgs: &orgs,
                validator_id: is_validator.then_some("u") };
            let actor = Reviewer { user_id: "u", org_id: if own { "lab" } else { "nist" },
                roles: &roles, via_agent: agent };
            let out = review(&facts, &actor, action, "because");
            if agent { prop_assert_eq!(out.clone(), Err(ReviewError::Agent)); }
            if out == Ok(FindingState::Validated) {
                prop_assert!(!own);
                prop_assert!(is_validator);
                prop_assert_eq!(state, FindingState::Validating);
            }
            if state == FindingState::Validated { prop_assert!(out.is_err()); }
        }
    }
}
