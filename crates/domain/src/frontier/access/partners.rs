//! Trusted partners of a covered model (Sec. 3(b)(iii)): chosen *together*
//! by the developer and the government. Either side nominates an
//! organisation with a reason; it is a partner only once both sides have
//! approved: the developer's organisation admin, and the government in two
//! steps (a coordinator files, a second coordinator approves under the
//! two-person rule). Either side may withdraw at any time, before or after
//! approval; a withdrawn nomination is final (a new one can be made).
//!
//! [`next`] is the whole state machine over [`PartnerFacts`]; the
//! application stores the facts and asks it before each change.

/// Which side of the partnership acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The model's developer (its organisation admin).
    Developer,
    /// The government (a coordinator of a government agency).
    Government,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Developer => "developer",
            Side::Government => "government",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        [Side::Developer, Side::Government]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What has happened to a nomination so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartnerFacts {
    pub developer_approved: bool,
    /// A coordinator filed the government's two-person request, still
    /// pending.
    pub government_pending: bool,
    pub government_approved: bool,
    pub withdrawn: bool,
}

/// A nomination's state as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerState {
    /// Waiting for one side or both.
    Proposed,
    /// Both sides approved: its people may be granted access.
    Approved,
    /// One side withdrew.
    Withdrawn,
}

impl PartnerState {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerState::Proposed => "proposed",
            PartnerState::Approved => "approved",
            PartnerState::Withdrawn => "withdrawn",
        }
    }
}

impl PartnerFacts {
    pub fn state(&self) -> PartnerState {
        if self.withdrawn {
            PartnerState::Withdrawn
        } else if self.developer_approved && self.government_approved {
            PartnerState::Approved
        } else {
            PartnerState::Proposed
        }
    }
}

/// A step of the partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerStep {
    /// The developer's organisation admin approves.
    DeveloperApproves,
    /// A coordinator files the government's two-person request.
    GovernmentFiles,
    /// A second coordinator approved that request.
    GovernmentApproved,
    /// The second coordinator rejected it (or its maker cancelled it): the
    /// government may file again.
    GovernmentRejected,
    /// Either side withdraws.
    Withdraw,
}

/// Why a step is refused now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerError {
    #[error("the nomination was withdrawn; nominate the organisation again")]
    Withdrawn,
    #[error("the developer has already approved")]
    AlreadyApprovedByDeveloper,
    #[error("the government has already approved")]
    AlreadyApprovedByGovernment,
    #[error("a government approval request is already waiting for a second coordinator")]
    GovernmentPending,
    #[error("no government approval request is waiting")]
    NothingPending,
}

/// The facts after `step`, or why it cannot be taken.
pub fn next(f: PartnerFacts, step: PartnerStep) -> Result<PartnerFacts, PartnerError> {
    if f.withdrawn {
        return Err(PartnerError::Withdrawn);
    }
    let mut out = f;
    match step {
        PartnerStep::DeveloperApproves => {
            if f.developer_approved {
                return Err(PartnerError::AlreadyApprovedByDeveloper);
            }
            out.developer_approved = true;
        }
        PartnerStep::GovernmentFiles => {
            if f.government_approved {
                return Err(PartnerError::AlreadyApprovedByGovernment);
            }
            if f.government_pending {
                return Err(PartnerError::GovernmentPending);
            }
            out.government_pending = true;
        }
        PartnerStep::GovernmentApproved => {
            if !f.government_pending {
                return Err(PartnerError::NothingPending);
            }
            out.government_pending = false;
            out.government_approved = true;
        }
        PartnerStep::GovernmentRejected => {
            if !f.government_pending {
                return Err(PartnerError::NothingPending);
            }
            out.government_pending = false;
        }
        PartnerStep::Withdraw => out.withdrawn = true,
    }
    Ok(out)
}

/// The facts of a fresh nomination by `side`: the nominating side's first
/// step is taken with it (the developer's approval, or the government's
/// filed request).
pub fn nominate(side: Side) -> PartnerFacts {
    let step = match side {
        Side::Developer => PartnerStep::DeveloperApproves,
        Side::Government => PartnerStep::GovernmentFiles,
    };
    // A fresh nomination admits either first step.
    next(PartnerFacts::default(), step).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STEPS: [PartnerStep; 5] = [
        PartnerStep::DeveloperApproves,
        PartnerStep::GovernmentFiles,
        PartnerStep::GovernmentApproved,
        PartnerStep::GovernmentRejected,
        PartnerStep::Withdraw,
    ];

    #[test]
    fn both_sides_make_a_partner_in_either_order() {
        for side in [Side::Developer, Side::Government] {
            let mut f = nominate(side);
            assert_eq!(f.state(), PartnerState::Proposed);
            for step in [
                PartnerStep::DeveloperApproves,
                PartnerStep::GovernmentFiles,
                PartnerStep::GovernmentApproved,
            ] {
                if let Ok(g) = next(f, step) {
                    f = g;
                }
            }
            assert_eq!(f.state(), PartnerState::Approved, "{side:?}");
        }
    }

    #[test]
    fn one_side_alone_is_never_enough() {
        let dev = nominate(Side::Developer);
        assert_eq!(
            next(dev, PartnerStep::DeveloperApproves),
            Err(PartnerError::AlreadyApprovedByDeveloper)
        );
        assert_eq!(dev.state(), PartnerState::Proposed);
        // A coordinator's filing is not the government's approval.
        let gov = nominate(Side::Government);
        assert_eq!(gov.state(), PartnerState::Proposed);
        assert_eq!(
            next(gov, PartnerStep::GovernmentFiles),
            Err(PartnerError::GovernmentPending)
        );
        let g = next(gov, PartnerStep::GovernmentApproved).unwrap();
        assert_eq!(g.state(), PartnerState::Proposed);
        assert_eq!(
            next(dev, PartnerStep::GovernmentApproved),
            Err(PartnerError::NothingPending)
        );
    }

    #[test]
    fn rejection_lets_the_government_file_again() {
        let f = nominate(Side::Government);
        let f = next(f, PartnerStep::GovernmentRejected).unwrap();
        assert!(!f.government_pending && !f.government_approved);
        assert!(next(f, PartnerStep::GovernmentFiles).is_ok());
    }

    #[test]
    fn withdrawal_is_final_and_ends_approval() {
        let mut f = nominate(Side::Developer);
        f = next(f, PartnerStep::GovernmentFiles).unwrap();
        f = next(f, PartnerStep::GovernmentApproved).unwrap();
        assert_eq!(f.state(), PartnerState::Approved);
        f = next(f, PartnerStep::Withdraw).unwrap();
        assert_eq!(f.state(), PartnerState::Withdrawn);
        for step in STEPS {
            assert_eq!(next(f, step), Err(PartnerError::Withdrawn));
        }
    }

    proptest! {
        /// Whatever the sequence, approved means both sides approved and
        /// nothing after a withdrawal changes anything.
        #[test]
        fn approved_needs_both_sides(first in 0usize..2, steps in proptest::collection::vec(0usize..5, 0..12)) {
            let side = if first == 0 { Side::Developer } else { Side::Government };
            let mut f = nominate(side);
            let mut withdrew = false;
            let mut dev_steps = usize::from(side == Side::Developer);
            let mut gov_approvals = 0;
            for i in steps {
                match next(f, STEPS[i]) {
                    Ok(g) => {
                        prop_assert!(!withdrew);
                        if STEPS[i] == PartnerStep::DeveloperApproves { dev_steps += 1; }
                        if STEPS[i] == PartnerStep::GovernmentApproved { gov_approvals += 1; }
                        if STEPS[i] == PartnerStep::Withdraw { withdrew = true; }
                        f = g;
                    }
                    // A refused step changes nothing; after a withdrawal
                    // every step is refused.
                    Err(e) => prop_assert!(!withdrew || e == PartnerError::Withdrawn),
                }
            }
            if f.state() == PartnerState::Approved {
                prop_assert!(dev_steps >= 1 && gov_approvals >= 1);
            }
            prop_assert!(dev_steps <= 1 && gov_approvals <= 1);
            prop_assert_eq!(f.state() == PartnerState::Withdrawn, withdrew);
        }
    }
}
