//! The catalog of defensive tools and services (Sec. 2(c)(iii)): hosted
//! scanners, managed detection and covered models offered by their
//! developers for defence, each with its eligibility, terms, capacity and
//! contact. The rules, each tested below:
//!
//! - eligibility is a set of organisation kinds and, for critical
//!   infrastructure operators, a set of sectors (empty: any sector).
//!   Sectors say nothing of other kinds (a state or local authority has no
//!   sector); an operator without a recorded sector is eligible only where
//!   no sector is named ([`eligible`]);
//! - an entry names at least one kind, at most every kind and sector once;
//!   capacity is how many organisations may hold approved access at once
//!   (1 to [`MAX_CAPACITY`]), checked when a coordinator approves
//!   ([`has_room`]);
//! - a request states its purpose (1 to [`MAX_PURPOSE_CHARS`] characters);
//! - a model-backed entry is served through an access window: its grants
//!   are that window's grants (the same broker, credentials, usage log and
//!   alerts), so its time box lies inside the window.

use serde::Serialize;

use crate::identity::{OrgKind, Sector};
use crate::text;

use super::AccessError;

pub const MAX_CAPACITY: i64 = 100_000;
pub const MAX_PURPOSE_CHARS: usize = 2_000;
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
pub const MAX_TERMS_CHARS: usize = 16_000;

/// What an entry offers (serialised as [`ToolKind::as_str`] spells it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    HostedScanner,
    ManagedDetection,
    /// A covered model, through one of its developer's access windows.
    Model,
}

impl ToolKind {
    pub const ALL: [ToolKind; 3] = [
        ToolKind::HostedScanner,
        ToolKind::ManagedDetection,
        ToolKind::Model,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::HostedScanner => "hosted_scanner",
            ToolKind::ManagedDetection => "managed_detection",
            ToolKind::Model => "model",
        }
    }

    /// Plain words for pages.
    pub fn label(self) -> &'static str {
        match self {
            ToolKind::HostedScanner => "Hosted scanner",
            ToolKind::ManagedDetection => "Managed detection",
            ToolKind::Model => "Covered model for defence",
        }
    }

    pub fn parse(s: &str) -> Result<ToolKind, AccessError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| AccessError {
                field: "kind",
                reason: "must be hosted_scanner, managed_detection or model".into(),
            })
    }
}

/// Who may request an entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eligibility {
    pub org_kinds: Vec<OrgKind>,
    /// For critical infrastructure operators only; empty: any sector.
    pub sectors: Vec<Sector>,
}

impl Eligibility {
    /// Checks and de-duplicates (sorted) what an entry's author gave.
    pub fn new(org_kinds: Vec<OrgKind>, sectors: Vec<Sector>) -> Result<Self, AccessError> {
        let mut org_kinds = org_kinds;
        org_kinds.sort();
        org_kinds.dedup();
        let mut sectors = sectors;
        sectors.sort();
        sectors.dedup();
        if org_kinds.is_empty() {
            return Err(AccessError {
                field: "org_kinds",
                reason: "name at least one kind of organisation that may request it".into(),
            });
        }
        if !sectors.is_empty() && !org_kinds.contains(&OrgKind::CriticalInfrastructureOperator) {
            return Err(AccessError {
                field: "sectors",
                reason: "sectors narrow critical infrastructure operators; add that kind or name no sector".into(),
            });
        }
        Ok(Eligibility { org_kinds, sectors })
    }
}

/// Whether an organisation of `kind` (and `sector`) may request an entry;
/// else the field that rules it out and why, in plain words.
pub fn eligible(e: &Eligibility, kind: OrgKind, sector: Option<Sector>) -> Result<(), AccessError> {
    if !e.org_kinds.contains(&kind) {
        let names: Vec<&str> = e.org_kinds.iter().map(|k| k.as_str()).collect();
        return Err(AccessError {
            field: "org_kind",
            reason: format!(
                "your organisation is a {kind}; this tool is offered to: {}",
                names.join(", ")
            ),
        });
    }
    if kind == OrgKind::CriticalInfrastructureOperator && !e.sectors.is_empty() {
        let names: Vec<&str> = e.sectors.iter().map(|s| s.as_str()).collect();
        match sector {
            Some(s) if e.sectors.contains(&s) => {}
            Some(s) => {
                return Err(AccessError {
                    field: "sector",
                    reason: format!(
                        "your organisation's sector is {s}; this tool is offered to the sectors: {}",
                        names.join(", ")
                    ),
                });
            }
            None => {
                return Err(AccessError {
                    field: "sector",
                    reason: format!(
                        "your organisation has no sector recorded; this tool is offered to the sectors: {}",
                        names.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Whether one more organisation may hold approved access (`holding` hold
/// it now).
pub fn has_room(capacity: i64, holding: i64) -> Result<(), AccessError> {
    if holding >= capacity {
        return Err(AccessError {
            field: "capacity",
            reason: format!("the tool is at capacity ({capacity} organisations hold access)"),
        });
    }
    Ok(())
}

pub fn capacity(n: i64) -> Result<i64, AccessError> {
    if (1..=MAX_CAPACITY).contains(&n) {
        Ok(n)
    } else {
        Err(AccessError {
            field: "capacity",
            reason: format!("must be 1 to {MAX_CAPACITY} organisations"),
        })
    }
}

/// Long text (a purpose, terms, a description): trimmed, 1..=`max`
/// characters, no control characters but line breaks and tabs.
pub fn long_text(field: &'static str, value: &str, max: usize) -> Result<String, AccessError> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AccessError {
            field,
            reason: format!("must be 1 to {max} characters"),
        });
    }
    text::check_long_text(field, t).map_err(|e| AccessError {
        field,
        reason: e.to_string(),
    })?;
    Ok(t.to_owned())
}

/// A name or a contact line: trimmed, 1 to 200 characters, one line.
pub fn line(field: &'static str, value: &str) -> Result<String, AccessError> {
    text::validate_name(field, value).map_err(|e| AccessError {
        field,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hospitals_and_towns() -> Eligibility {
        Eligibility::new(
            vec![
                OrgKind::CriticalInfrastructureOperator,
                OrgKind::StateLocalAuthority,
            ],
            vec![
                Sector::HealthcareAndPublicHealth,
                Sector::FinancialServices,
                Sector::WaterAndWastewater,
                Sector::Energy,
            ],
        )
        .unwrap()
    }

    fn check(kind: OrgKind, sector: Option<Sector>, expected: Option<&str>) {
        let got = eligible(&hospitals_and_towns(), kind, sector).err();
        assert_eq!(
            got.as_ref().map(|e| e.field),
            expected,
            "{kind} {sector:?}: {got:?}"
        );
    }

    #[test]
    fn eligibility_by_kind_and_sector() {
        use OrgKind::*;
        check(
            CriticalInfrastructureOperator,
            Some(Sector::HealthcareAndPublicHealth),
            None,
        );
        check(
            CriticalInfrastructureOperator,
            Some(Sector::FinancialServices),
            None,
        );
        check(StateLocalAuthority, None, None);
        check(StateLocalAuthority, Some(Sector::Chemical), None);
        check(
            CriticalInfrastructureOperator,
            Some(Sector::Chemical),
            Some("sector"),
        );
        check(CriticalInfrastructureOperator, None, Some("sector"));
        check(
            Vendor,
            Some(Sector::HealthcareAndPublicHealth),
            Some("org_kind"),
        );
        check(AiDeveloper, None, Some("org_kind"));
        check(GovernmentAgency, None, Some("org_kind"));
    }

    #[test]
    fn no_sector_named_means_any_operator() {
        let e = Eligibility::new(vec![OrgKind::CriticalInfrastructureOperator], vec![]).unwrap();
        assert!(eligible(&e, OrgKind::CriticalInfrastructureOperator, None).is_ok());
        assert!(
            eligible(
                &e,
                OrgKind::CriticalInfrastructureOperator,
                Some(Sector::Dams)
            )
            .is_ok()
        );
    }

    #[test]
    fn entries_need_kinds_and_sectors_only_for_operators() {
        assert_eq!(
            Eligibility::new(vec![], vec![]).unwrap_err().field,
            "org_kinds"
        );
        assert_eq!(
            Eligibility::new(vec![OrgKind::StateLocalAuthority], vec![Sector::Energy])
                .unwrap_err()
                .field,
            "sectors"
        );
        let e = Eligibility::new(
            vec![OrgKind::StateLocalAuthority, OrgKind::StateLocalAuthority],
            vec![],
        )
        .unwrap();
        assert_eq!(e.org_kinds, vec![OrgKind::StateLocalAuthority]);
    }

    #[test]
    fn capacity_and_room() {
        assert_eq!(capacity(0).unwrap_err().field, "capacity");
        assert_eq!(capacity(MAX_CAPACITY + 1).unwrap_err().field, "capacity");
        assert!(capacity(3).is_ok());
        assert!(has_room(3, 2).is_ok());
        assert_eq!(has_room(3, 3).unwrap_err().field, "capacity");
    }

    #[test]
    fn texts() {
        assert_eq!(long_text("purpose", "  ", 10).unwrap_err().field, "purpose");
        assert_eq!(
            long_text("purpose", "x\u{7}", 10).unwrap_err().field,
            "purpose"
        );
        assert_eq!(long_text("purpose", "a\nb", 10).unwrap(), "a\nb");
        assert!(long_text("purpose", &"x".repeat(11), 10).is_err());
        assert_eq!(line("contact", "a\nb").unwrap_err().field, "contact");
        assert_eq!(ToolKind::parse("model").unwrap(), ToolKind::Model);
        assert_eq!(ToolKind::parse("nope").unwrap_err().field, "kind");
    }

    proptest! {
        /// An organisation is eligible exactly when its kind is listed and,
        /// for an operator under named sectors, its sector is one of them.
        #[test]
        fn eligibility_is_kind_then_sector(
            kinds in proptest::collection::vec(0usize..6, 1..6),
            sectors in proptest::collection::vec(0usize..16, 0..5),
            kind in 0usize..6,
            sector in proptest::option::of(0usize..16),
        ) {
            let kinds: Vec<OrgKind> = kinds.into_iter().map(|i| OrgKind::ALL[i]).collect();
            let mut sectors: Vec<Sector> = sectors.into_iter().map(|i| Sector::ALL[i]).collect();
            if !kinds.contains(&OrgKind::CriticalInfrastructureOperator) {
                sectors.clear();
            }
            let e = Eligibility::new(kinds.clone(), sectors.clone()).unwrap();
            let kind = OrgKind::ALL[kind];
            let sector = sector.map(|i| Sector::ALL[i]);
            let expected = kinds.contains(&kind)
                && (kind != OrgKind::CriticalInfrastructureOperator
                    || sectors.is_empty()
                    || sector.is_some_and(|s| sectors.contains(&s)));
            prop_assert_eq!(eligible(&e, kind, sector).is_ok(), expected);
        }
    }
}
