//! The priority of one exposure: what is known of the vulnerability (CVSS,
//! EPSS, KEV, CISA's published SSVC inputs) combined with what the operator
//! said of the asset (publicly exposed, mission and well-being impact) into
//! a CISA SSVC coordinator decision (Track / Track* / Attend / Act), a
//! CISA BOD 26-04 remediation deadline, a sort rank, and the explanation of
//! every step. Inputs that are not published are derived from the CVSS
//! vector where CISA's guidance allows it, and each input says where it
//! came from, so the operator can see how the priority was reached.

use serde::Serialize;

use crate::cvss::{self, CvssScore, CvssVersion};
use crate::ssvc::{
    CisaLevel, CisaSsvcInputs, Deadline, Exploitation, MissionWellbeing, TechnicalImpact,
    bod_26_04_1_0_0, cisa_coordinator_2_0_3,
};

/// What the clearinghouse knows of a vulnerability.
#[derive(Debug, Clone, Default)]
pub struct VulnFacts {
    /// CVSS 3.x / 4.0 vectors from every advisory of the vulnerability.
    pub cvss_vectors: Vec<String>,
    /// EPSS probability and percentile, both in 0..=1.
    pub epss: Option<(f64, f64)>,
    /// In CISA's Known Exploited Vulnerabilities catalog.
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    /// The SSVC inputs CISA published for the CVE (vulnrichment), if any.
    pub ssvc: Option<CisaSsvcInputs>,
}

/// What the operator said of the asset.
#[derive(Debug, Clone, Copy)]
pub struct AssetFacts {
    pub publicly_exposed: bool,
    pub mission_impact: MissionWellbeing,
}

/// One decision input with where its value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub value: String,
    pub source: String,
}

fn input(value: impl Into<String>, source: impl Into<String>) -> Input {
    Input {
        value: value.into(),
        source: source.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssSummary {
    pub version: String,
    pub vector: String,
    pub base_score: f64,
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SsvcOutcome {
    pub exploitation: Input,
    pub automatable: Input,
    pub technical_impact: Input,
    pub mission_wellbeing: Input,
    /// `track`, `track*`, `attend` or `act` (the table's words).
    pub decision: String,
    /// The same decision, typed.
    #[serde(skip)]
    pub level: CisaLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineOutcome {
    /// `3 days & forensic triage`, `N days` or `next upgrade`.
    pub outcome: String,
    pub days: Option<u32>,
    pub forensic_triage: bool,
    pub in_kev: bool,
    pub publicly_exposed: bool,
}

/// The assessed priority of one exposure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priority {
    /// The highest-scoring vector (4.0 preferred over 3.x at equal score).
    pub cvss: Option<CvssSummary>,
    pub epss_probability: Option<f64>,
    pub epss_percentile: Option<f64>,
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    pub ssvc: SsvcOutcome,
    pub deadline: DeadlineOutcome,
    /// Larger is more urgent; orders exposures on a dashboard.
    pub rank: i64,
    /// How the priority was reached, one sentence per step.
    pub explanation: Vec<String>,
}

impl Priority {
    /// The BOD 26-04 deadline as the domain type.
    pub fn deadline(&self) -> Deadline {
        match (self.deadline.forensic_triage, self.deadline.days) {
            (true, _) => Deadline::Days3WithForensicTriage,
            (false, Some(d)) => Deadline::Days(d),
            (false, None) => Deadline::NextUpgrade,
        }
    }
}

/// Name of a BOD 26-04 outcome as shown to operators.
pub fn deadline_text(d: Deadline) -> String {
    match d {
        Deadline::Days3WithForensicTriage => "3 days & forensic triage".to_owned(),
        Deadline::Days(n) => format!("{n} days"),
        Deadline::NextUpgrade => "next upgrade".to_owned(),
    }
}

/// The metrics of a CVSS vector as (name, value) pairs.
fn metrics(vector: &str) -> impl Iterator<Item = (&str, &str)> {
    vector.split('/').filter_map(|part| part.split_once(':'))
}

fn metric<'a>(vector: &'a str, name: &str) -> Option<&'a str> {
    metrics(vector).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Automatable per CISA's guidance, approximated from the vector: reachable
/// over the network, low complexity, no privileges, no user interaction
/// (and, for 4.0, no attack requirements).
fn automatable_from(score: &CvssScore) -> bool {
    let v = score.vector.as_str();
    let base = metric(v, "AV") == Some("N")
        && metric(v, "AC") == Some("L")
        && metric(v, "PR") == Some("N")
        && metric(v, "UI") == Some("N");
    match score.version {
        CvssVersion::V4_0 => base && metric(v, "AT") == Some("N"),
        _ => base,
    }
}

/// Total technical impact: the attacker gains full confidentiality and
/// integrity impact on the vulnerable system.
fn total_impact_from(score: &CvssScore) -> bool {
    let v = score.vector.as_str();
    match score.version {
        CvssVersion::V4_0 => metric(v, "VC") == Some("H") && metric(v, "VI") == Some("H"),
        _ => metric(v, "C") == Some("H") && metric(v, "I") == Some("H"),
    }
}

/// The highest-scoring valid vector; 4.0 wins a tie.
pub fn best_cvss(vectors: &[String]) -> Option<CvssScore> {
    vectors
        .iter()
        .filter_map(|v| cvss::score(v).ok())
        .max_by(|a, b| {
            a.base_score
                .total_cmp(&b.base_score)
                .then((a.version == CvssVersion::V4_0).cmp(&(b.version == CvssVersion::V4_0)))
        })
}

fn level_weight(level: CisaLevel) -> i64 {
    match level {
        CisaLevel::Act => 4,
        CisaLevel::Attend => 3,
        CisaLevel::TrackStar => 2,
        CisaLevel::Track => 1,
    }
}

fn deadline_weight(d: Deadline) -> i64 {
    match d {
        Deadline::Days3WithForensicTriage => 9,
        Deadline::Days(n) if n <= 3 => 8,
        Deadline::Days(n) if n <= 14 => 6,
        Deadline::Days(n) if n <= 60 => 4,
        Deadline::Days(_) => 2,
        Deadline::NextUpgrade => 1,
    }
}

/// Assesses one exposure.
pub fn assess(vuln: &VulnFacts, asset: &AssetFacts) -> Priority {
    let cvss = best_cvss(&vuln.cvss_vectors);
    let mut explanation = Vec::new();
    match &cvss {
        Some(s) => explanation.push(format!(
            "CVSS {} base score {:.1} ({}) from {}",
            s.version, s.base_score, s.severity, s.vector
        )),
        None => explanation.push("no CVSS vector published".to_owned()),
    }

    let exploitation = if vuln.in_kev {
        input(
            Exploitation::Active.table_value(),
            "listed in CISA's Known Exploited Vulnerabilities catalog",
        )
    } else if let Some(ssvc) = &vuln.ssvc {
        input(ssvc.exploitation.table_value(), "CISA's published SSVC")
    } else {
        input(
            Exploitation::None.table_value(),
            "not in KEV and no published SSVC: no evidence of exploitation known",
        )
    };
    let exploitation_value = Exploitation::parse(&exploitation.value).unwrap_or(Exploitation::None);

    let (automatable, automatable_input) = match (&vuln.ssvc, &cvss) {
        (Some(ssvc), _) => (
            ssvc.automatable,
            input(yes_no(ssvc.automatable), "CISA's published SSVC"),
        ),
        (None, Some(score)) => {
            let a = automatable_from(score);
            (
                a,
                input(
                    yes_no(a),
                    if a {
                        "derived from CVSS: network, low complexity, no privileges, no user interaction"
                    } else {
                        "derived from CVSS: needs local access, privileges, user interaction or high complexity"
                    },
                ),
            )
        }
        (None, None) => (
            false,
            input("no", "unknown (no SSVC, no CVSS): assumed not automatable"),
        ),
    };

    let (technical_impact, impact_input) = match (&vuln.ssvc, &cvss) {
        (Some(ssvc), _) => (
            ssvc.technical_impact,
            input(ssvc.technical_impact.table_value(), "CISA's published SSVC"),
        ),
        (None, Some(score)) => {
            let t = if total_impact_from(score) {
                TechnicalImpact::Total
            } else {
                TechnicalImpact::Partial
            };
            (
                t,
                input(
                    t.table_value(),
                    if t == TechnicalImpact::Total {
                        "derived from CVSS: high confidentiality and integrity impact"
                    } else {
                        "derived from CVSS: less than high confidentiality and integrity impact"
                    },
                ),
            )
        }
        (None, None) => (
            TechnicalImpact::Partial,
            input("partial", "unknown (no SSVC, no CVSS): assumed partial"),
        ),
    };

    let mission = input(
        asset.mission_impact.table_value(),
        "the asset's mission and well-being impact, set by the operator",
    );
    let level = cisa_coordinator_2_0_3(
        exploitation_value,
        automatable,
        technical_impact,
        asset.mission_impact,
    );
    explanation.push(format!(
        "SSVC (CISA coordinator 2.0.3): exploitation {}, automatable {}, technical impact {}, mission and well-being {} → {}",
        exploitation.value,
        automatable_input.value,
        impact_input.value,
        mission.value,
        level.table_value()
    ));

    let deadline = bod_26_04_1_0_0(
        vuln.in_kev,
        asset.publicly_exposed,
        automatable,
        technical_impact,
    );
    explanation.push(format!(
        "BOD 26-04: {}, {}, automatable {}, technical impact {} → {}",
        if vuln.in_kev { "in KEV" } else { "not in KEV" },
        if asset.publicly_exposed {
            "publicly exposed"
        } else {
            "not publicly exposed"
        },
        automatable_input.value,
        impact_input.value,
        deadline_text(deadline)
    ));
    if let Some((p, pct)) = vuln.epss {
        explanation.push(format!(
            "EPSS: {:.1}% probability of exploitation in 30 days (percentile {:.0})",
            p * 100.0,
            pct * 100.0
        ));
    }
    if vuln.kev_ransomware {
        explanation.push("KEV: known to be used in ransomware campaigns".to_owned());
    }

    let cvss_tenths = cvss
        .as_ref()
        .map_or(0, |s| (s.base_score * 10.0).round() as i64);
    let epss_part = vuln
        .epss
        .map_or(0, |(_, pct)| (pct.clamp(0.0, 1.0) * 999.0).round() as i64);
    let rank = level_weight(level) * 10_000_000
        + deadline_weight(deadline) * 1_000_000
        + i64::from(vuln.in_kev) * 500_000
        + cvss_tenths * 1_000
        + epss_part;

    Priority {
        cvss: cvss.map(|s| CvssSummary {
            version: s.version.as_str().to_owned(),
            vector: s.vector,
            base_score: s.base_score,
            severity: s.severity.as_str().to_owned(),
        }),
        epss_probability: vuln.epss.map(|(p, _)| p),
        epss_percentile: vuln.epss.map(|(_, pct)| pct),
        in_kev: vuln.in_kev,
        kev_due_date: vuln.kev_due_date.clone(),
        kev_ransomware: vuln.kev_ransomware,
        ssvc: SsvcOutcome {
            exploitation,
            automatable: automatable_input,
            technical_impact: impact_input,
            mission_wellbeing: mission,
            decision: level.table_value().to_owned(),
            level,
        },
        deadline: DeadlineOutcome {
            outcome: deadline_text(deadline),
            days: deadline.days(),
            forensic_triage: deadline.requires_forensic_triage(),
            in_kev: vuln.in_kev,
            publicly_exposed: asset.publicly_exposed,
        },
        rank,
        explanation,
    }
}

const fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

#[cfg(test)]
mod tests;
