//! The FIRST CVSS v2.0, v3.0 and v3.1 JSON schemas that the CSAF 2.0 schema
//! references for `scores[].cvss_v2` and `scores[].cvss_v3`, as [`Shape`]
//! tables: required fields, property enums and the `vectorString` patterns.

use super::shape::{Shape, obj, one_of, pattern};

static SEVERITY: Shape = one_of!("NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL");
static CIA3: Shape = one_of!("NONE", "LOW", "HIGH");
static MCIA3: Shape = one_of!("NONE", "LOW", "HIGH", "NOT_DEFINED");
static REQ: Shape = one_of!("LOW", "MEDIUM", "HIGH", "NOT_DEFINED");
/// Exploit code maturity (3.x `exploitCodeMaturity`, 2.0 `exploitability`).
static MATURITY: Shape = one_of!(
    "UNPROVEN",
    "PROOF_OF_CONCEPT",
    "FUNCTIONAL",
    "HIGH",
    "NOT_DEFINED"
);
/// Remediation level, the same words in 2.0 and 3.x.
static REMEDIATION: Shape = one_of!(
    "OFFICIAL_FIX",
    "TEMPORARY_FIX",
    "WORKAROUND",
    "UNAVAILABLE",
    "NOT_DEFINED"
);

pub(super) static CVSS_V3: Shape = obj(
    &[
        ("version", &one_of!("3.0", "3.1")),
        (
            "vectorString",
            &pattern(is_cvss3_vector, "a CVSS 3.x vector"),
        ),
        (
            "attackVector",
            &one_of!("NETWORK", "ADJACENT_NETWORK", "LOCAL", "PHYSICAL"),
        ),
        ("attackComplexity", &one_of!("HIGH", "LOW")),
        ("privilegesRequired", &one_of!("HIGH", "LOW", "NONE")),
        ("userInteraction", &one_of!("NONE", "REQUIRED")),
        ("scope", &one_of!("UNCHANGED", "CHANGED")),
        ("confidentialityImpact", &CIA3),
        ("integrityImpact", &CIA3),
        ("availabilityImpact", &CIA3),
        ("baseScore", &Shape::Num),
        ("baseSeverity", &SEVERITY),
        ("exploitCodeMaturity", &MATURITY),
        ("remediationLevel", &REMEDIATION),
        (
            "reportConfidence",
            &one_of!("UNKNOWN", "REASONABLE", "CONFIRMED", "NOT_DEFINED"),
        ),
        ("temporalScore", &Shape::Num),
        ("temporalSeverity", &SEVERITY),
        ("confidentialityRequirement", &REQ),
        ("integrityRequirement", &REQ),
        ("availabilityRequirement", &REQ),
        (
            "modifiedAttackVector",
            &one_of!(
                "NETWORK",
                "ADJACENT_NETWORK",
                "LOCAL",
                "PHYSICAL",
                "NOT_DEFINED"
            ),
        ),
        (
            "modifiedAttackComplexity",
            &one_of!("HIGH", "LOW", "NOT_DEFINED"),
        ),
        (
            "modifiedPrivilegesRequired",
            &one_of!("HIGH", "LOW", "NONE", "NOT_DEFINED"),
        ),
        (
            "modifiedUserInteraction",
            &one_of!("NONE", "REQUIRED", "NOT_DEFINED"),
        ),
        (
            "modifiedScope",
            &one_of!("UNCHANGED", "CHANGED", "NOT_DEFINED"),
        ),
        ("modifiedConfidentialityImpact", &MCIA3),
        ("modifiedIntegrityImpact", &MCIA3),
        ("modifiedAvailabilityImpact", &MCIA3),
        ("environmentalScore", &Shape::Num),
        ("environmentalSeverity", &SEVERITY),
    ],
    &["version", "vectorString", "baseScore", "baseSeverity"],
);

static CIA2: Shape = one_of!("NONE", "PARTIAL", "COMPLETE");
pub(super) static CVSS_V2: Shape = obj(
    &[
        ("version", &one_of!("2.0")),
        (
            "vectorString",
            &pattern(is_cvss2_vector, "a CVSS 2.0 vector"),
        ),
        (
            "accessVector",
            &one_of!("NETWORK", "ADJACENT_NETWORK", "LOCAL"),
        ),
        ("accessComplexity", &one_of!("HIGH", "MEDIUM", "LOW")),
        ("authentication", &one_of!("MULTIPLE", "SINGLE", "NONE")),
        ("confidentialityImpact", &CIA2),
        ("integrityImpact", &CIA2),
        ("availabilityImpact", &CIA2),
        ("baseScore", &Shape::Num),
        ("exploitability", &MATURITY),
        ("remediationLevel", &REMEDIATION),
        (
            "reportConfidence",
            &one_of!("UNCONFIRMED", "UNCORROBORATED", "CONFIRMED", "NOT_DEFINED"),
        ),
        ("temporalScore", &Shape::Num),
        (
            "collateralDamagePotential",
            &one_of!(
                "NONE",
                "LOW",
                "LOW_MEDIUM",
                "MEDIUM_HIGH",
                "HIGH",
                "NOT_DEFINED"
            ),
        ),
        (
            "targetDistribution",
            &one_of!("NONE", "LOW", "MEDIUM", "HIGH", "NOT_DEFINED"),
        ),
        ("confidentialityRequirement", &REQ),
        ("integrityRequirement", &REQ),
        ("availabilityRequirement", &REQ),
        ("environmentalScore", &Shape::Num),
    ],
    &["version", "vectorString", "baseScore"],
);

const CVSS3_METRICS: &[(&str, &str)] = &[
    ("AV", "NALP"),
    ("AC", "LH"),
    ("PR", "NLH"),
    ("UI", "NR"),
    ("S", "UC"),
    ("C", "NLH"),
    ("I", "NLH"),
    ("A", "NLH"),
    ("E", "XUPFH"),
    ("RL", "XOTWU"),
    ("RC", "XURC"),
    ("CR", "XLMH"),
    ("IR", "XLMH"),
    ("AR", "XLMH"),
    ("MAV", "XNALP"),
    ("MAC", "XLH"),
    ("MPR", "XNLH"),
    ("MUI", "XNR"),
    ("MS", "XUC"),
    ("MC", "XNLH"),
    ("MI", "XNLH"),
    ("MA", "XNLH"),
];

/// The FIRST schemas' `vectorString` pattern for 3.0 and 3.1.
fn is_cvss3_vector(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("CVSS:3.0/")
        .or_else(|| s.strip_prefix("CVSS:3.1/"))
    else {
        return false;
    };
    rest.split('/').all(|m| {
        m.split_once(':').is_some_and(|(k, v)| {
            v.len() == 1
                && CVSS3_METRICS
                    .iter()
                    .any(|(key, vals)| *key == k && vals.contains(v))
        })
    })
}

const CVSS2_METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L"]),
    ("AC", &["L", "M", "H"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];

/// The FIRST 2.0 schema's `vectorString` pattern.
fn is_cvss2_vector(s: &str) -> bool {
    !s.is_empty()
        && s.split('/').all(|m| {
            m.split_once(':').is_some_and(|(k, v)| {
                CVSS2_METRICS
                    .iter()
                    .any(|(key, vals)| *key == k && vals.contains(&v))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csaf_cvss_vector_patterns() {
        assert!(is_cvss3_vector(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        assert!(!is_cvss3_vector("CVSS:3.1/AV:Q"));
        assert!(is_cvss2_vector("AV:N/AC:L/Au:N/C:C/I:C/A:C"));
        assert!(!is_cvss2_vector("AV:N/AC:L/Au:X"));
    }
}
