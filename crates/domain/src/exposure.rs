//! An exposure's remediation, as pure rules over its stored facts and the
//! clock: the remediation states, a risk acceptance that runs out (the
//! exposure is open again the moment it expires, without a write), overdue
//! (open or acknowledged past its deadline), and the TLP an exposure
//! carries while its vulnerability is under embargo.
//!
//! Times are the store's canonical RFC 3339 UTC text (`2026-01-02T03:04:05Z`
//! with a fixed number of digits), which sorts as it compares.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::labels::Tlp;
use crate::spelling::spelled_enum;

/// Where remediation of one exposure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationState {
    Open,
    Acknowledged,
    Mitigated,
    Patched,
    RiskAccepted,
    /// The product's vendor stated it not affected (VEX, with a CSAF
    /// justification): closed without remediation, and set only by the
    /// vendor's statement, never by hand.
    NotAffected,
}

impl RemediationState {
    /// Still needs work: every state but `patched` and `not_affected`.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            RemediationState::Patched | RemediationState::NotAffected
        )
    }

    /// Its deadline still runs: nobody has mitigated, patched or accepted it.
    pub fn deadline_runs(self) -> bool {
        matches!(
            self,
            RemediationState::Open | RemediationState::Acknowledged
        )
    }
}

// `ALL` is the order shown to people.
spelled_enum! {
    RemediationState {
        Open => "open",
        Acknowledged => "acknowledged",
        Mitigated => "mitigated",
        Patched => "patched",
        RiskAccepted => "risk_accepted",
        NotAffected => "not_affected",
    }
    ALL parse
}

/// A stored or sent state name that is none of [`RemediationState::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown remediation state '{0}'")]
pub struct UnknownState(pub String);

impl FromStr for RemediationState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RemediationState::parse(s).ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// An exposure's remediation as stored: its state, why, and until when a
/// risk acceptance holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remediation {
    pub state: RemediationState,
    pub reason: Option<String>,
    pub accepted_until: Option<String>,
}

impl Remediation {
    /// The remediation as it stands at `now`: a risk acceptance whose
    /// `accepted_until` has passed is `open` again, its reason saying so.
    pub fn at(self, now: &str) -> Remediation {
        match (&self.state, self.accepted_until.as_deref()) {
            (RemediationState::RiskAccepted, Some(until)) if until < now => Remediation {
                state: RemediationState::Open,
                reason: Some(format!("risk acceptance expired on {until}")),
                accepted_until: self.accepted_until.clone(),
            },
            _ => self,
        }
    }
}

/// Past its deadline with nobody having acted: the state still lets the
/// deadline run and `due_at` is before `now`.
pub fn is_overdue(state: RemediationState, due_at: Option<&str>, now: &str) -> bool {
    state.deadline_runs() && due_at.is_some_and(|d| d < now)
}

/// Whether the vulnerability behind an exposure may be told to everyone.
/// Today a flag on the advisory; cases will give it dates and parties, and
/// only this type and [`exposure_tlp`] need to learn them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embargo {
    /// Public: no embargo, or it has been lifted.
    Lifted,
    /// Told only to vetted operators.
    InForce,
}

impl Embargo {
    pub fn from_flag(embargoed: bool) -> Embargo {
        if embargoed {
            Embargo::InForce
        } else {
            Embargo::Lifted
        }
    }

    pub fn in_force(self) -> bool {
        self == Embargo::InForce
    }
}

/// The TLP an exposure carries: AMBER while its vulnerability is under
/// embargo (vetted operators only), CLEAR otherwise.
pub fn exposure_tlp(embargo: Embargo) -> Tlp {
    match embargo {
        Embargo::InForce => Tlp::Amber,
        Embargo::Lifted => Tlp::Clear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-06-01T12:00:00Z";

    fn remediation(state: RemediationState, until: Option<&str>) -> Remediation {
        Remediation {
            state,
            reason: Some("compensating control".into()),
            accepted_until: until.map(str::to_owned),
        }
    }

    #[test]
    fn states_round_trip_through_text_and_json() {
        for s in RemediationState::ALL {
            assert_eq!(RemediationState::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(
            "closed".parse::<RemediationState>(),
            Err(UnknownState("closed".into()))
        );
    }

    #[test]
    fn only_patched_and_not_affected_are_inactive() {
        let inactive: Vec<_> = RemediationState::ALL
            .into_iter()
            .filter(|s| !s.is_active())
            .collect();
        assert_eq!(
            inactive,
            [RemediationState::Patched, RemediationState::NotAffected]
        );
    }

    #[test]
    fn an_expired_acceptance_is_open_again() {
        let r = remediation(RemediationState::RiskAccepted, Some("2026-05-31T00:00:00Z")).at(NOW);
        assert_eq!(r.state, RemediationState::Open);
        assert_eq!(
            r.reason.as_deref(),
            Some("risk acceptance expired on 2026-05-31T00:00:00Z")
        );
        assert_eq!(r.accepted_until.as_deref(), Some("2026-05-31T00:00:00Z"));
    }

    #[test]
    fn a_running_acceptance_and_other_states_are_kept() {
        let running = remediation(RemediationState::RiskAccepted, Some("2026-07-01T00:00:00Z"));
        assert_eq!(running.clone().at(NOW), running);
        // Expiry is strict: an acceptance until exactly now still holds.
        let edge = remediation(RemediationState::RiskAccepted, Some(NOW));
        assert_eq!(edge.clone().at(NOW), edge);
        // Only a risk acceptance expires.
        let mitigated = remediation(RemediationState::Mitigated, Some("2026-01-01T00:00:00Z"));
        assert_eq!(mitigated.clone().at(NOW), mitigated);
    }

    #[test]
    fn overdue_needs_a_running_deadline_in_the_past() {
        let past = Some("2026-05-01T00:00:00Z");
        let future = Some("2026-07-01T00:00:00Z");
        let cases = [
            (RemediationState::Open, past, true),
            (RemediationState::Acknowledged, past, true),
            (RemediationState::Mitigated, past, false),
            (RemediationState::Patched, past, false),
            (RemediationState::RiskAccepted, past, false),
            (RemediationState::NotAffected, past, false),
            (RemediationState::Open, future, false),
            (RemediationState::Open, Some(NOW), false),
            (RemediationState::Open, None, false),
        ];
        for (state, due, expected) in cases {
            assert_eq!(is_overdue(state, due, NOW), expected, "{state} due {due:?}");
        }
    }

    #[test]
    fn an_embargo_makes_the_exposure_amber() {
        assert_eq!(exposure_tlp(Embargo::from_flag(true)), Tlp::Amber);
        assert_eq!(exposure_tlp(Embargo::from_flag(false)), Tlp::Clear);
        assert!(Embargo::from_flag(true).in_force());
    }
}
