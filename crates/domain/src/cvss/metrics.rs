//! Metric tables of CVSS 3.x and 4.0: abbreviations, allowed values and canonical order.
//!
//! The order of each table is the order of FIRST's specifications (CVSS v3.1 Table 15,
//! CVSS v4.0 §7 "Vector String"), which is the order [`super::score`] writes metrics in.
//! Values are listed in the specification's order too; the exhaustive tests enumerate
//! them in this order.

/// One metric of a CVSS version.
#[derive(Debug)]
pub(super) struct Metric {
    /// The abbreviation used in vector strings (`AV`, `MSI`, ...).
    pub name: &'static str,
    /// Every allowed value abbreviation, case-sensitive.
    pub values: &'static [&'static str],
    /// Base metrics are mandatory, have no `X` (Not Defined) value and alone set the base score.
    pub base: bool,
}

const fn base(name: &'static str, values: &'static [&'static str]) -> Metric {
    Metric {
        name,
        values,
        base: true,
    }
}

const fn optional(name: &'static str, values: &'static [&'static str]) -> Metric {
    Metric {
        name,
        values,
        base: false,
    }
}

const CIA3: &[&str] = &["H", "L", "N"];
const MOD_CIA3: &[&str] = &["X", "H", "L", "N"];
const REQUIREMENT: &[&str] = &["X", "H", "M", "L"];

/// CVSS 3.0 and 3.1 (the same metrics): Base, Temporal and Environmental groups.
pub(super) const V3: &[Metric] = &[
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "R"]),
    base("S", &["U", "C"]),
    base("C", CIA3),
    base("I", CIA3),
    base("A", CIA3),
    optional("E", &["X", "H", "F", "P", "U"]),
    optional("RL", &["X", "U", "W", "T", "O"]),
    optional("RC", &["X", "C", "R", "U"]),
    optional("CR", REQUIREMENT),
    optional("IR", REQUIREMENT),
    optional("AR", REQUIREMENT),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "R"]),
    optional("MS", &["X", "U", "C"]),
    optional("MC", MOD_CIA3),
    optional("MI", MOD_CIA3),
    optional("MA", MOD_CIA3),
];

/// CVSS 4.0: Base, Threat, Environmental and Supplemental groups.
pub(super) const V4: &[Metric] = &[
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("AT", &["N", "P"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "P", "A"]),
    base("VC", CIA3),
    base("VI", CIA3),
    base("VA", CIA3),
    base("SC", CIA3),
    base("SI", CIA3),
    base("SA", CIA3),
    optional("E", &["X", "A", "P", "U"]),
    optional("CR", REQUIREMENT),
    optional("IR", REQUIREMENT),
    optional("AR", REQUIREMENT),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MAT", &["X", "N", "P"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "P", "A"]),
    optional("MVC", MOD_CIA3),
    optional("MVI", MOD_CIA3),
    optional("MVA", MOD_CIA3),
    optional("MSC", MOD_CIA3),
    optional("MSI", &["X", "S", "H", "L", "N"]),
    optional("MSA", &["X", "S", "H", "L", "N"]),
    optional("S", &["X", "N", "P"]),
    optional("AU", &["X", "N", "Y"]),
    optional("R", &["X", "A", "U", "I"]),
    optional("V", &["X", "D", "C"]),
    optional("RE", &["X", "L", "M", "H"]),
    optional("U", &["X", "Clear", "Green", "Amber", "Red"]),
];
