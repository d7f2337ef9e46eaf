//! Which decisions a finding page offers this reader now, and why the
//! others are not offered: each candidate action is put to the domain's
//! review rule (`clearinghouse_domain::findings::review::review`), the
//! same rule the workflow applies when the form is sent. Actions that do
//! not apply to the finding's state are left out silently; those the
//! reader may not take are listed with the reason.

use clearinghouse_domain::findings::review::{
    FindingState, RejectionReason, ReviewAction, ReviewError, ReviewFacts, Reviewer, review,
};

use crate::auth::Principal;
use crate::model::finding::Finding;

/// An action the form offers.
pub struct Offer {
    pub value: &'static str,
    pub label: &'static str,
}

/// An action that applies to the finding's state but not to this reader.
pub struct Withheld {
    pub label: &'static str,
    pub why: String,
}

/// What the decision form shows.
#[derive(Default)]
pub struct Choices {
    pub offers: Vec<Offer>,
    /// The rejection reasons this reader may give (coordinator's or validator's).
    pub reject_reasons: Vec<(&'static str, &'static str)>,
    pub withheld: Vec<Withheld>,
}

fn explain(e: &ReviewError) -> String {
    match e {
        ReviewError::OwnOrganisation => {
            "you are in a reporting organisation, so another organisation must validate it"
                .to_owned()
        }
        ReviewError::Role(role) => format!("it needs the {role} role, which you do not have"),
        ReviewError::NotTheValidator => {
            "another validator took this finding; only they may decide it".to_owned()
        }
        ReviewError::Agent => "an agent cannot decide; a person must".to_owned(),
        other => other.to_string(),
    }
}

const REASONS: &[(RejectionReason, &str, &str)] = &[
    (
        RejectionReason::FalsePositive,
        "false_positive",
        "false positive",
    ),
    (RejectionReason::Duplicate, "duplicate", "duplicate"),
    (RejectionReason::OutOfScope, "out_of_scope", "out of scope"),
    (
        RejectionReason::NotReproducible,
        "not_reproducible",
        "not reproducible",
    ),
];

/// The choices for `who` on `finding`, whose reporting organisations are
/// `reporter_orgs`.
pub fn choices(who: &Principal, finding: &Finding, reporter_orgs: &[String]) -> Choices {
    let Some(state) = FindingState::parse(&finding.state.to_string()) else {
        return Choices::default();
    };
    let facts = ReviewFacts {
        state,
        reporter_orgs,
        validator_id: finding.validator_id.as_deref(),
    };
    let reviewer = Reviewer {
        user_id: who.user_id(),
        org_id: who.org_id(),
        roles: &who.roles,
        via_agent: who.is_agent(),
    };
    let decide = |action| review(&facts, &reviewer, action, "reason");
    let mut out = Choices::default();
    let candidates: &[(ReviewAction, &str, &str)] = &[
        (ReviewAction::Triage, "triage", "Triage"),
        (
            ReviewAction::StartValidation,
            "start_validation",
            "Take for validation",
        ),
        (ReviewAction::Validate, "validate", "Validated: reproduced"),
        (ReviewAction::Reopen, "reopen", "Reopen"),
    ];
    for (action, value, label) in candidates {
        match decide(*action) {
            Ok(_) => out.offers.push(Offer { value, label }),
            Err(ReviewError::WrongState { .. }) => {}
            Err(e) => out.withheld.push(Withheld {
                label,
                why: explain(&e),
            }),
        }
    }
    let mut reject_refusal = None;
    for (reason, value, label) in REASONS {
        match decide(ReviewAction::Reject(*reason)) {
            Ok(_) => out.reject_reasons.push((value, label)),
            Err(ReviewError::WrongState { .. }) => {}
            Err(e) => reject_refusal = reject_refusal.or(Some(e)),
        }
    }
    if !out.reject_reasons.is_empty() {
        out.offers.push(Offer {
            value: "reject",
            label: "Reject",
        });
    } else if let Some(e) = reject_refusal {
        out.withheld.push(Withheld {
            label: "Reject",
            why: explain(&e),
        });
    }
    out
}
