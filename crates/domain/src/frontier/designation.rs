//! Designation: the decision rule and the inquiry state machine.
//!
//! The **rule** ([`determine`]) compares each suite's score interval with
//! the classified threshold policy: *covered* when some suite's lower
//! confidence bound reaches its threshold, *not covered* when every
//! suite's upper bound is below its threshold, otherwise *inconclusive*
//! (including a suite of the policy with no score). It is computed, then
//! confirmed by people: the inquiry (`designation/inquiry.rs`) records
//! consultations with every configured consultee and the designation
//! authority's decision, approved by a second authority.
//!
//! The framework has no veto (Sec. 3(c)): nothing here holds, reads or
//! changes a model's release dates.

mod inquiry;
#[cfg(test)]
mod props;

use serde::{Deserialize, Serialize};

pub use inquiry::{
    Action, Actor, ApprovalFiling, Consultation, Consultee, Decision, Inquiry, InquiryError, Phase,
    Proposal, ReleasePart, Response, Step, default_consultees, may_release, next, open,
    parse_consultees,
};

use super::scoring::{Interval, RunScore, Statistic};
use super::threshold::{PolicyReference, ThresholdPolicy};

/// The three answers of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Determination {
    Covered,
    NotCovered,
    Inconclusive,
}

/// Where a suite's interval lies relative to its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The lower bound is at or above the threshold.
    Reached,
    /// The upper bound is below the threshold.
    Below,
    /// The interval contains the threshold.
    Straddles,
    /// The policy asks for a statistic the scores do not have.
    NoScore,
}

/// One suite statistic's evidence. Holds the interval and where it lies,
/// not the threshold value (which stays in the classified policy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub suite_id: String,
    pub suite_version: Option<u32>,
    pub suite_digest: Option<String>,
    pub statistic: Statistic,
    pub interval: Option<Interval>,
    pub relation: Relation,
}

/// The computed determination and its evidence, citing each policy by id,
/// version and commitment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionBasis {
    pub determination: Determination,
    pub findings: Vec<Finding>,
    pub policies: Vec<PolicyReference>,
}

fn relation(interval: &Interval, threshold: f64) -> Relation {
    if interval.lower >= threshold {
        Relation::Reached
    } else if interval.upper < threshold {
        Relation::Below
    } else {
        Relation::Straddles
    }
}

/// Applies the rule to the scores of the suites named by the policy (one
/// score per suite; other scores are ignored).
pub fn determine(
    policy: &ThresholdPolicy,
    reference: PolicyReference,
    scores: &[RunScore],
) -> DecisionBasis {
    let mut findings = Vec::new();
    for t in &policy.suites {
        let score = scores.iter().find(|s| s.suite_id == t.suite_id);
        let finding = |statistic, interval: Option<&Interval>, threshold: f64| Finding {
            suite_id: t.suite_id.clone(),
            suite_version: score.map(|s| s.suite_version),
            suite_digest: score.map(|s| s.suite_digest.clone()),
            statistic,
            interval: interval.cloned(),
            relation: interval.map_or(Relation::NoScore, |i| relation(i, threshold)),
        };
        findings.push(finding(
            Statistic::SuccessRate,
            score.map(|s| &s.success_rate),
            t.success_rate.as_f64(),
        ));
        if let Some(p) = t.pass_at_k {
            let stat = Statistic::PassAtK { k: p.k };
            let interval = score
                .and_then(|s| s.pass_at_k.as_ref())
                .filter(|i| i.statistic == stat);
            findings.push(finding(stat, interval, p.rate.as_f64()));
        }
    }
    DecisionBasis {
        determination: rule(&findings),
        findings,
        policies: vec![reference],
    }
}

fn rule(findings: &[Finding]) -> Determination {
    if findings.iter().any(|f| f.relation == Relation::Reached) {
        Determination::Covered
    } else if !findings.is_empty() && findings.iter().all(|f| f.relation == Relation::Below) {
        Determination::NotCovered
    } else {
        Determination::Inconclusive
    }
}

/// The rule over several policies in force (one per suite, as the app
/// keeps them): the findings of every policy together, so *covered* when
/// any suite reaches, *not covered* only when every suite of every policy
/// is below, and *inconclusive* otherwise, including when no policy is in
/// force at all.
pub fn determine_all(
    policies: &[(ThresholdPolicy, PolicyReference)],
    scores: &[RunScore],
) -> DecisionBasis {
    let mut findings = Vec::new();
    let mut references = Vec::new();
    for (policy, reference) in policies {
        let basis = determine(policy, reference.clone(), scores);
        findings.extend(basis.findings);
        references.push(reference.clone());
    }
    DecisionBasis {
        determination: rule(&findings),
        findings,
        policies: references,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontier::scoring::Method;
    use crate::frontier::suite::ErroredSamples;
    use crate::frontier::threshold::{PassAtKThreshold, Rate, Salt, SuiteThreshold};

    fn interval(stat: Statistic, lower: f64, upper: f64) -> Interval {
        Interval {
            statistic: stat,
            point: (lower + upper) / 2.0,
            lower,
            upper,
            confidence: 0.95,
            method: Method::ClusteredBootstrapPercentile,
            seed: 1,
            resamples: 100,
        }
    }

    fn score(suite: &str, lower: f64, upper: f64, pass: Option<(u32, f64, f64)>) -> RunScore {
        RunScore {
            suite_id: suite.into(),
            suite_version: 2,
            suite_digest: "d".repeat(64),
            scorer: "match".into(),
            errored_samples: ErroredSamples::CountAsFailure,
            tasks_scored: 40,
            missing_tasks: vec![],
            attempts: 200,
            passed: 50,
            partial: 0,
            errored: 0,
            unscored: 0,
            success_rate: interval(Statistic::SuccessRate, lower, upper),
            pass_at_k: pass.map(|(k, l, u)| interval(Statistic::PassAtK { k }, l, u)),
            inspect_metrics: vec![],
        }
    }

    fn policy() -> (ThresholdPolicy, PolicyReference) {
        let rate = |s: &str| Rate::parse(s).unwrap_or(Rate::ONE);
        let p = ThresholdPolicy::new(
            "p",
            vec![
                SuiteThreshold {
                    suite_id: "a".into(),
                    success_rate: rate("0.5"),
                    pass_at_k: None,
                },
                SuiteThreshold {
                    suite_id: "b".into(),
                    success_rate: rate("0.3"),
                    pass_at_k: Some(PassAtKThreshold {
                        k: 5,
                        rate: rate("0.6"),
                    }),
                },
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let r = PolicyReference::of(&p, &Salt([1; 32]));
        (p, r)
    }

    fn check(scores: &[RunScore], want: Determination) {
        let (p, r) = policy();
        assert_eq!(determine(&p, r, scores).determination, want, "{scores:?}");
    }

    #[test]
    fn the_rule() {
        use Determination::*;
        // One suite's lower bound reaches its threshold: covered.
        check(
            &[
                score("a", 0.5, 0.7, None),
                score("b", 0.0, 0.1, Some((5, 0.0, 0.1))),
            ],
            Covered,
        );
        // pass@k alone can reach.
        check(
            &[
                score("a", 0.1, 0.2, None),
                score("b", 0.0, 0.1, Some((5, 0.6, 0.9))),
            ],
            Covered,
        );
        // Every upper bound below: not covered.
        check(
            &[
                score("a", 0.1, 0.49, None),
                score("b", 0.0, 0.29, Some((5, 0.0, 0.59))),
            ],
            NotCovered,
        );
        // One interval straddles: inconclusive.
        check(
            &[
                score("a", 0.1, 0.6, None),
                score("b", 0.0, 0.29, Some((5, 0.0, 0.59))),
            ],
            Inconclusive,
        );
        // A suite without a score, or pass@k with another k: inconclusive, never "not covered".
        check(&[score("a", 0.1, 0.2, None)], Inconclusive);
        check(
            &[
                score("a", 0.1, 0.2, None),
                score("b", 0.0, 0.1, Some((3, 0.0, 0.1))),
            ],
            Inconclusive,
        );
        check(
            &[score("a", 0.1, 0.2, None), score("b", 0.0, 0.1, None)],
            Inconclusive,
        );
    }

    #[test]
    fn the_rule_over_several_policies() {
        use Determination::*;
        let (p, r) = policy();
        let (a, b) = (p.suites[0].clone(), p.suites[1].clone());
        let one = |t: SuiteThreshold, id: &str| {
            let p = ThresholdPolicy::new(id, vec![t]).unwrap_or_else(|e| panic!("{e}"));
            let r = PolicyReference::of(&p, &Salt([2; 32]));
            (p, r)
        };
        let both = [one(a, "pa"), one(b, "pb")];
        let basis = |scores: &[RunScore]| determine_all(&both, scores);
        // No policy in force: inconclusive, never "not covered".
        assert_eq!(determine_all(&[], &[]).determination, Inconclusive);
        let below = [
            score("a", 0.1, 0.49, None),
            score("b", 0.0, 0.29, Some((5, 0.0, 0.59))),
        ];
        assert_eq!(basis(&below).determination, NotCovered);
        assert_eq!(basis(&below).policies.len(), 2);
        assert_eq!(basis(&below).findings.len(), 3);
        let reached = [
            score("a", 0.1, 0.49, None),
            score("b", 0.0, 0.29, Some((5, 0.6, 0.9))),
        ];
        assert_eq!(basis(&reached).determination, Covered);
        assert_eq!(basis(&below[..1]).determination, Inconclusive);
        // One policy alone gives what `determine` gives.
        assert_eq!(
            determine_all(&[(p.clone(), r.clone())], &below).determination,
            determine(&p, r, &below).determination
        );
    }

    #[test]
    fn basis_cites_the_policy_not_its_values() {
        let (p, r) = policy();
        let basis = determine(&p, r.clone(), &[score("a", 0.5, 0.7, None)]);
        assert_eq!(basis.policies, vec![r]);
        assert_eq!(basis.findings[0].suite_version, Some(2));
        let json = serde_json::to_string(&basis).unwrap_or_default();
        assert!(
            !json.contains("0.500000") && !json.contains("success_rate\":\"0."),
            "{json}"
        );
    }
}
