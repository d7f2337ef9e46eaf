//! CISA's SSVC inputs and outcomes: the coordinator decision (Track / Track* / Attend / Act)
//! and the BOD 26-04 remediation deadline, table-driven and hand-encoded.
//!
//! The hand-encoded functions state the published policy (SSVC `cisa_coordinator_2_0_3`
//! and `cisa_bod_26_04_1_0_0`) as match arms so production code needs no data file;
//! tests check them against the CSV tables row by row.

use super::{Decision, DecisionTable, SsvcError};

/// Column names of the CISA tables (matched case-insensitively).
pub mod points {
    /// SSVC Exploitation v1.1.0.
    pub const EXPLOITATION: &str = "Exploitation";
    /// SSVC Automatable v2.0.0.
    pub const AUTOMATABLE: &str = "Automatable";
    /// SSVC Technical Impact v1.0.0.
    pub const TECHNICAL_IMPACT: &str = "Technical Impact";
    /// SSVC Mission and Well-Being Impact v1.0.0.
    pub const MISSION_WELLBEING: &str = "Mission and Well-Being Impact";
    /// CISA In KEV v1.0.0.
    pub const IN_KEV: &str = "In KEV";
    /// CISA Publicly Exposed v1.0.0.
    pub const PUBLICLY_EXPOSED: &str = "Publicly Exposed";
}

macro_rules! ssvc_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in the decision point's order.
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The value as the SSVC CSV tables write it.
            pub const fn table_value(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }

            /// Parses a table value, SSVC key or common alias, ignoring case.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($value) $(|| s.eq_ignore_ascii_case($alias))* {
                    return Some($name::$variant);
                })+
                None
            }
        }
    };
}

ssvc_enum!(
    /// SSVC Exploitation v1.1.0: evidence of exploitation.
    Exploitation {
        /// No evidence of active exploitation and no public proof of concept.
        None = "none" | "n",
        /// A public proof of concept exists (vulnrichment writes `poc`).
        PublicPoc = "public poc" | "poc" | "p" | "public_poc" | "publicpoc",
        /// Reliable evidence of exploitation in the wild.
        Active = "active" | "a",
    }
);

ssvc_enum!(
    /// SSVC Technical Impact v1.0.0.
    TechnicalImpact {
        /// Limited control or information exposure.
        Partial = "partial" | "p",
        /// Total control of the affected software.
        Total = "total" | "t",
    }
);

ssvc_enum!(
    /// SSVC Mission and Well-Being Impact v1.0.0.
    MissionWellbeing {
        /// Low impact.
        Low = "low" | "l",
        /// Medium impact.
        Medium = "medium" | "m",
        /// High impact.
        High = "high" | "h",
    }
);

ssvc_enum!(
    /// CISA Levels v1.1.0: the outcome of the CISA coordinator table.
    CisaLevel {
        /// Track: remediate within standard update timelines.
        Track = "track" | "t",
        /// Track*: track with closer monitoring.
        TrackStar = "track*" | "t*",
        /// Attend: supervisory attention; remediate sooner than standard timelines.
        Attend = "attend" | "at",
        /// Act: leadership attention; remediate as soon as possible.
        Act = "act" | "ac",
    }
);

const fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A BOD 26-04 remediation timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Deadline {
    /// Remediate within 3 days and triage the asset forensically for compromise.
    Days3WithForensicTriage,
    /// Remediate within this many days.
    Days(u32),
    /// Remediate at the asset's next scheduled major upgrade or rebuild.
    NextUpgrade,
}

const DAY_SECONDS: i64 = 86_400;

impl Deadline {
    /// Parses a BOD 26-04 outcome: the table's text (`14 days`,
    /// `3 days & forensic investigation`, `fix on system upgrade`) or its key (`14D`, `3DF`, `FSU`).
    pub fn parse(s: &str) -> Option<Deadline> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "3 days & forensic investigation" | "3df" => {
                return Some(Deadline::Days3WithForensicTriage);
            }
            "fix on system upgrade" | "fsu" => return Some(Deadline::NextUpgrade),
            _ => {}
        }
        let digits = s
            .strip_suffix(" days")
            .or_else(|| s.strip_suffix(" day"))
            .or_else(|| s.strip_suffix('d'))?;
        digits.trim().parse().ok().map(Deadline::Days)
    }

    /// The remediation period in days, if there is one.
    pub const fn days(self) -> Option<u32> {
        match self {
            Deadline::Days3WithForensicTriage => Some(3),
            Deadline::Days(n) => Some(n),
            Deadline::NextUpgrade => None,
        }
    }

    /// Whether a forensic triage of the asset is required.
    pub const fn requires_forensic_triage(self) -> bool {
        matches!(self, Deadline::Days3WithForensicTriage)
    }

    /// The due time (Unix seconds) counted from `from_unix_seconds`; `None` for the next upgrade.
    pub fn due(&self, from_unix_seconds: i64) -> Option<i64> {
        self.days()
            .map(|d| from_unix_seconds.saturating_add(i64::from(d) * DAY_SECONDS))
    }
}

/// Decides the CISA coordinator table (`cisa_coordinator_2_0_3.csv`) for typed inputs.
pub fn cisa_coordinator(
    table: &DecisionTable,
    exploitation: Exploitation,
    automatable: bool,
    technical_impact: TechnicalImpact,
    mission_wellbeing: MissionWellbeing,
) -> Result<Decision, SsvcError> {
    table.decide(&[
        (points::EXPLOITATION, exploitation.table_value()),
        (points::AUTOMATABLE, yes_no(automatable)),
        (points::TECHNICAL_IMPACT, technical_impact.table_value()),
        (points::MISSION_WELLBEING, mission_wellbeing.table_value()),
    ])
}

/// Decides the BOD 26-04 table (`cisa_bod_26_04_1_0_0.csv`) and reads its deadline.
pub fn bod_26_04(
    table: &DecisionTable,
    in_kev: bool,
    publicly_exposed: bool,
    automatable: bool,
    technical_impact: TechnicalImpact,
) -> Result<Deadline, SsvcError> {
    let decision = table.decide(&[
        (points::IN_KEV, yes_no(in_kev)),
        (points::PUBLICLY_EXPOSED, yes_no(publicly_exposed)),
        (points::AUTOMATABLE, yes_no(automatable)),
        (points::TECHNICAL_IMPACT, technical_impact.table_value()),
    ])?;
    Deadline::parse(&decision.outcome).ok_or(SsvcError::UnknownOutcome {
        outcome: decision.outcome,
        expected: "N days, 3 days & forensic investigation, or fix on system upgrade",
    })
}

/// CISA coordinator decision 2.0.3, hand-encoded (equal to the CSV table on every row).
pub const fn cisa_coordinator_2_0_3(
    exploitation: Exploitation,
    automatable: bool,
    technical_impact: TechnicalImpact,
    mission_wellbeing: MissionWellbeing,
) -> CisaLevel {
    use CisaLevel::{Act, Attend, Track, TrackStar};
    use Exploitation::{Active, None as NoExploit, PublicPoc};
    use MissionWellbeing::{High, Low, Medium};
    use TechnicalImpact::{Partial, Total};
    match (
        exploitation,
        automatable,
        technical_impact,
        mission_wellbeing,
    ) {
        // Low mission impact: only automatable active exploitation needs attention.
        (Active, true, _, Low) => Attend,
        (_, _, _, Low) => Track,
        // Medium mission impact.
        (NoExploit, _, _, Medium) => Track,
        (PublicPoc, _, Partial, Medium) => Track,
        (PublicPoc, _, Total, Medium) => TrackStar,
        (Active, false, Partial, Medium) => Track,
        (Active, false, Total, Medium) => Attend,
        (Active, true, Partial, Medium) => Attend,
        (Active, true, Total, Medium) => Act,
        // High mission impact.
        (NoExploit, false, Partial, High) => Track,
        (NoExploit, false, Total, High) => TrackStar,
        (NoExploit, true, _, High) => Attend,
        (PublicPoc, false, Partial, High) => TrackStar,
        (PublicPoc, false, Total, High) => Attend,
        (PublicPoc, true, _, High) => Attend,
        (Active, false, Partial, High) => Attend,
        (Active, false, Total, High) => Act,
        (Active, true, _, High) => Act,
    }
}

/// CISA BOD 26-04 remediation timeline 1.0.0, hand-encoded (equal to the CSV table on every row).
pub const fn bod_26_04_1_0_0(
    in_kev: bool,
    publicly_exposed: bool,
    automatable: bool,
    technical_impact: TechnicalImpact,
) -> Deadline {
    use Deadline::{Days, Days3WithForensicTriage, NextUpgrade};
    use TechnicalImpact::{Partial, Total};
    match (in_kev, publicly_exposed, automatable, technical_impact) {
        // None of KEV, exposure or automatability.
        (false, false, false, _) => NextUpgrade,
        // Exactly one of them.
        (true, false, false, _) => Days(14),
        (false, true, false, Partial) => Days(60),
        (false, true, false, Total) => Days(14),
        (false, false, true, _) => Days(60),
        // Exactly two.
        (true, true, false, Partial) | (true, false, true, Partial) => Days(14),
        (true, true, false, Total) | (true, false, true, Total) => Days3WithForensicTriage,
        (false, true, true, Partial) => Days(14),
        (false, true, true, Total) => Days(3),
        // All three.
        (true, true, true, Partial) => Days(3),
        (true, true, true, Total) => Days3WithForensicTriage,
    }
}

/// The SSVC inputs CISA's vulnrichment publishes per CVE
/// (`adp[].metrics[].other.content.options`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CisaSsvcInputs {
    /// Exploitation.
    pub exploitation: Exploitation,
    /// Automatable.
    pub automatable: bool,
    /// Technical Impact.
    pub technical_impact: TechnicalImpact,
}

impl CisaSsvcInputs {
    /// Reads `(decision point, value)` pairs; names and values ignore case.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<CisaSsvcInputs, SsvcError> {
        let (mut e, mut a, mut t) = (None, None, None);
        for (key, value) in pairs {
            let key = key.trim();
            let bad = || SsvcError::InvalidOption {
                point: key.to_owned(),
                value: value.to_owned(),
            };
            if key.eq_ignore_ascii_case(points::EXPLOITATION) {
                e = Some(Exploitation::parse(value).ok_or_else(bad)?);
            } else if key.eq_ignore_ascii_case(points::AUTOMATABLE) {
                a = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "yes" | "y" => true,
                    "no" | "n" => false,
                    _ => return Err(bad()),
                });
            } else if key.eq_ignore_ascii_case(points::TECHNICAL_IMPACT) {
                t = Some(TechnicalImpact::parse(value).ok_or_else(bad)?);
            }
        }
        let missing = |point: &str, allowed: &[&str]| SsvcError::MissingInput {
            point: point.to_owned(),
            allowed: allowed.iter().map(|s| (*s).to_owned()).collect(),
        };
        Ok(CisaSsvcInputs {
            exploitation: e
                .ok_or_else(|| missing(points::EXPLOITATION, &["none", "poc", "active"]))?,
            automatable: a.ok_or_else(|| missing(points::AUTOMATABLE, &["no", "yes"]))?,
            technical_impact: t
                .ok_or_else(|| missing(points::TECHNICAL_IMPACT, &["partial", "total"]))?,
        })
    }

    /// Reads the vulnrichment `options` array: `[{"Exploitation": "poc"}, {"Automatable": "no"}, ...]`.
    pub fn from_json(options: &serde_json::Value) -> Result<CisaSsvcInputs, SsvcError> {
        let items = options.as_array().ok_or(SsvcError::InvalidOption {
            point: "options".into(),
            value: options.to_string(),
        })?;
        let mut pairs = Vec::new();
        for item in items {
            let Some(map) = item.as_object() else {
                continue;
            };
            for (k, v) in map {
                let value = v.as_str().ok_or_else(|| SsvcError::InvalidOption {
                    point: k.clone(),
                    value: v.to_string(),
                })?;
                pairs.push((k.as_str(), value));
            }
        }
        CisaSsvcInputs::from_pairs(pairs)
    }

    /// Writes the vulnerability's inputs in the vulnrichment `options` form
    /// that [`CisaSsvcInputs::from_json`] reads.
    pub fn to_options(&self) -> serde_json::Value {
        serde_json::json!([
            { points::EXPLOITATION: self.exploitation.table_value() },
            { points::AUTOMATABLE: yes_no(self.automatable) },
            { points::TECHNICAL_IMPACT: self.technical_impact.table_value() },
        ])
    }

    /// The CISA coordinator level for these inputs and a mission and well-being impact.
    pub const fn coordinator_level(&self, mission_wellbeing: MissionWellbeing) -> CisaLevel {
        cisa_coordinator_2_0_3(
            self.exploitation,
            self.automatable,
            self.technical_impact,
            mission_wellbeing,
        )
    }

    /// The BOD 26-04 deadline for these inputs on an asset.
    pub const fn bod_26_04_deadline(&self, in_kev: bool, publicly_exposed: bool) -> Deadline {
        bod_26_04_1_0_0(
            in_kev,
            publicly_exposed,
            self.automatable,
            self.technical_impact,
        )
    }
}
