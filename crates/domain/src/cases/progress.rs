//! Remediation progress of a case (issue 15, item 7) as a pure rule: how
//! many exposed operators (organisations with an exposure to one of the
//! case's vulnerabilities) have patched, mitigated, accepted the risk, or
//! not acted, in total, by sector and by deadline.
//!
//! An operator counts once, by its least advanced exposure: any exposure
//! open or only acknowledged (or a risk acceptance that has expired) makes
//! it `not_acted`; else any accepted risk makes it `risk_accepted`; else any
//! mitigation `mitigated`; else `patched`. Its deadline is its earliest due
//! date (`YYYY-MM-DD`), `none` when no exposure has one; `overdue` counts
//! the operators that have not acted past that date.

use std::collections::BTreeMap;

use serde::Serialize;

/// One exposure of an operator, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposureFact {
    pub org_id: String,
    /// The organisation's sector, if it gave one.
    pub sector: Option<String>,
    /// `open`, `acknowledged`, `mitigated`, `patched` or `risk_accepted`.
    pub state: String,
    pub accepted_until: Option<String>,
    pub due_at: Option<String>,
}

/// Where an operator stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorStatus {
    NotActed,
    RiskAccepted,
    Mitigated,
    Patched,
}

impl OperatorStatus {
    fn of(f: &ExposureFact, now: &str) -> OperatorStatus {
        match f.state.as_str() {
            "patched" => OperatorStatus::Patched,
            "mitigated" => OperatorStatus::Mitigated,
            "risk_accepted" if f.accepted_until.as_deref().is_none_or(|u| u > now) => {
                OperatorStatus::RiskAccepted
            }
            _ => OperatorStatus::NotActed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OperatorStatus::NotActed => "not acted",
            OperatorStatus::RiskAccepted => "accepted risk",
            OperatorStatus::Mitigated => "mitigated",
            OperatorStatus::Patched => "patched",
        }
    }
}

/// Operators per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub operators: u64,
    pub patched: u64,
    pub mitigated: u64,
    pub risk_accepted: u64,
    pub not_acted: u64,
    /// Not acted and past its deadline.
    pub overdue: u64,
}

impl Counts {
    fn add(&mut self, s: OperatorStatus, overdue: bool) {
        self.operators += 1;
        match s {
            OperatorStatus::Patched => self.patched += 1,
            OperatorStatus::Mitigated => self.mitigated += 1,
            OperatorStatus::RiskAccepted => self.risk_accepted += 1,
            OperatorStatus::NotActed => {
                self.not_acted += 1;
                if overdue {
                    self.overdue += 1;
                }
            }
        }
    }
}

/// A case's remediation progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub totals: Counts,
    /// By sector name (`unspecified` when an operator gave none), sorted.
    pub by_sector: Vec<(String, Counts)>,
    /// By deadline date (`none` last), sorted.
    pub by_deadline: Vec<(String, Counts)>,
}

/// Counts operators from their exposures at `now` (RFC 3339, UTC).
pub fn progress(facts: &[ExposureFact], now: &str) -> Progress {
    struct Op<'a> {
        status: OperatorStatus,
        sector: Option<&'a str>,
        due: Option<&'a str>,
    }
    let mut ops: BTreeMap<&str, Op<'_>> = BTreeMap::new();
    for f in facts {
        let s = OperatorStatus::of(f, now);
        let due = f.due_at.as_deref();
        let op = ops.entry(f.org_id.as_str()).or_insert(Op {
            status: s,
            sector: f.sector.as_deref(),
            due,
        });
        op.status = op.status.min(s);
        op.due = match (op.due, due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let today = now.get(..10).unwrap_or(now);
    let mut out = Progress::default();
    let mut sectors: BTreeMap<String, Counts> = BTreeMap::new();
    let mut deadlines: BTreeMap<String, Counts> = BTreeMap::new();
    for op in ops.values() {
        let day = op.due.map(|d| d.get(..10).unwrap_or(d).to_owned());
        let overdue = day.as_deref().is_some_and(|d| d < today);
        out.totals.add(op.status, overdue);
        sectors
            .entry(op.sector.unwrap_or("unspecified").to_owned())
            .or_default()
            .add(op.status, overdue);
        deadlines
            .entry(day.unwrap_or_else(|| "~none".to_owned()))
            .or_default()
            .add(op.status, overdue);
    }
    out.by_sector = sectors.into_iter().collect();
    out.by_deadline = deadlines
        .into_iter()
        .map(|(k, v)| (if k == "~none" { "none".to_owned() } else { k }, v))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(org: &str, sector: &str, state: &str, due: Option<&str>) -> ExposureFact {
        ExposureFact {
            org_id: org.into(),
            sector: (!sector.is_empty()).then(|| sector.to_owned()),
            state: state.into(),
            accepted_until: None,
            due_at: due.map(str::to_owned),
        }
    }

    const NOW: &str = "2026-12-06T12:00:00Z";

    #[test]
    fn each_operator_counts_once_by_its_least_advanced_exposure() {
        let facts = vec![
            fact("a", "healthcare", "patched", Some("2026-12-20T00:00:00Z")),
            fact("a", "healthcare", "open", Some("2026-12-01T00:00:00Z")),
            fact("b", "healthcare", "patched", None),
            fact("c", "energy", "mitigated", Some("2026-12-20T00:00:00Z")),
            fact("d", "", "risk_accepted", None),
            fact("e", "energy", "acknowledged", Some("2026-12-20T00:00:00Z")),
        ];
        let p = progress(&facts, NOW);
        assert_eq!(
            p.totals,
            Counts {
                operators: 5,
                patched: 1,
                mitigated: 1,
                risk_accepted: 1,
                not_acted: 2,
                overdue: 1
            }
        );
        let sectors: Vec<&str> = p.by_sector.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(sectors, vec!["energy", "healthcare", "unspecified"]);
        assert_eq!(p.by_sector[1].1.operators, 2);
        let days: Vec<&str> = p.by_deadline.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(days, vec!["2026-12-01", "2026-12-20", "none"]);
        assert_eq!(p.by_deadline[0].1.overdue, 1);
    }

    #[test]
    fn an_expired_risk_acceptance_is_not_acted() {
        let mut f = fact("a", "", "risk_accepted", None);
        f.accepted_until = Some("2026-12-01T00:00:00Z".into());
        assert_eq!(progress(&[f.clone()], NOW).totals.not_acted, 1);
        f.accepted_until = Some("2027-01-01T00:00:00Z".into());
        assert_eq!(progress(&[f], NOW).totals.risk_accepted, 1);
    }

    proptest::proptest! {
        /// The statuses always add up to the operators, in total and per group.
        #[test]
        fn counts_add_up(states in proptest::collection::vec((0usize..6, 0usize..5, 0usize..3), 0..40)) {
            const S: [&str; 5] = ["open", "acknowledged", "mitigated", "patched", "risk_accepted"];
            const D: [Option<&str>; 3] = [None, Some("2026-11-01T00:00:00Z"), Some("2027-01-01T00:00:00Z")];
            let facts: Vec<_> = states
                .iter()
                .map(|(o, s, d)| fact(&format!("o{o}"), if o % 2 == 0 { "energy" } else { "" }, S[*s], D[*d]))
                .collect();
            let p = progress(&facts, NOW);
            let sum = |c: &Counts| c.patched + c.mitigated + c.risk_accepted + c.not_acted;
            proptest::prop_assert_eq!(sum(&p.totals), p.totals.operators);
            let per_sector: u64 = p.by_sector.iter().map(|(_, c)| c.operators).sum();
            let per_day: u64 = p.by_deadline.iter().map(|(_, c)| c.operators).sum();
            proptest::prop_assert_eq!(per_sector, p.totals.operators);
            proptest::prop_assert_eq!(per_day, p.totals.operators);
        }
    }
}
