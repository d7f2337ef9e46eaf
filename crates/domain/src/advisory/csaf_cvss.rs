//! CSAF 2.0 mandatory tests on CVSS objects: 6.1.8 invalid CVSS (the FIRST
//! schema of its version, the vector's prefix matching `version`), 6.1.9
//! invalid CVSS computation (base score and severity; CVSS 2.0 base scores by
//! the specification's formula, 3.x through [`crate::cvss::score`]), 6.1.10
//! inconsistent CVSS (named properties agree with the vector).

use serde_json::Value;

use super::AdvisoryError;
use super::csaf_checks::fail;
use super::csaf_cvss_schema::{CVSS_V2, CVSS_V3};
use super::shape;

/// (vector abbreviation, property name, (vector value, property value) pairs).
type Metrics = &'static [(
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
)];

/// `metrics! { AV attackVector: N NETWORK, L LOCAL; ... }`: a [`Metrics`]
/// table written as the CVSS specifications table the metrics, one metric a
/// line: its vector abbreviation, its property in FIRST's JSON schema, then
/// each vector value with the property value it stands for.
macro_rules! metrics {
    ($($abbr:ident $property:ident: $($value:ident $name:ident),+;)+) => {
        &[$((
            stringify!($abbr),
            stringify!($property),
            &[$((stringify!($value), stringify!($name))),+],
        )),+]
    };
}

const V3: Metrics = metrics! {
    AV attackVector: N NETWORK, A ADJACENT_NETWORK, L LOCAL, P PHYSICAL;
    AC attackComplexity: L LOW, H HIGH;
    PR privilegesRequired: N NONE, L LOW, H HIGH;
    UI userInteraction: N NONE, R REQUIRED;
    S scope: U UNCHANGED, C CHANGED;
    C confidentialityImpact: N NONE, L LOW, H HIGH;
    I integrityImpact: N NONE, L LOW, H HIGH;
    A availabilityImpact: N NONE, L LOW, H HIGH;
    E exploitCodeMaturity: X NOT_DEFINED, U UNPROVEN, P PROOF_OF_CONCEPT, F FUNCTIONAL, H HIGH;
    RL remediationLevel: X NOT_DEFINED, O OFFICIAL_FIX, T TEMPORARY_FIX, W WORKAROUND,
        U UNAVAILABLE;
    RC reportConfidence: X NOT_DEFINED, U UNKNOWN, R REASONABLE, C CONFIRMED;
    CR confidentialityRequirement: X NOT_DEFINED, L LOW, M MEDIUM, H HIGH;
    IR integrityRequirement: X NOT_DEFINED, L LOW, M MEDIUM, H HIGH;
    AR availabilityRequirement: X NOT_DEFINED, L LOW, M MEDIUM, H HIGH;
    MAV modifiedAttackVector: X NOT_DEFINED, N NETWORK, A ADJACENT_NETWORK, L LOCAL, P PHYSICAL;
    MAC modifiedAttackComplexity: X NOT_DEFINED, L LOW, H HIGH;
    MPR modifiedPrivilegesRequired: X NOT_DEFINED, N NONE, L LOW, H HIGH;
    MUI modifiedUserInteraction: X NOT_DEFINED, N NONE, R REQUIRED;
    MS modifiedScope: X NOT_DEFINED, U UNCHANGED, C CHANGED;
    MC modifiedConfidentialityImpact: X NOT_DEFINED, N NONE, L LOW, H HIGH;
    MI modifiedIntegrityImpact: X NOT_DEFINED, N NONE, L LOW, H HIGH;
    MA modifiedAvailabilityImpact: X NOT_DEFINED, N NONE, L LOW, H HIGH;
};

const V2: Metrics = metrics! {
    AV accessVector: L LOCAL, A ADJACENT_NETWORK, N NETWORK;
    AC accessComplexity: H HIGH, M MEDIUM, L LOW;
    Au authentication: M MULTIPLE, S SINGLE, N NONE;
    C confidentialityImpact: N NONE, P PARTIAL, C COMPLETE;
    I integrityImpact: N NONE, P PARTIAL, C COMPLETE;
    A availabilityImpact: N NONE, P PARTIAL, C COMPLETE;
    E exploitability: U UNPROVEN, POC PROOF_OF_CONCEPT, F FUNCTIONAL, H HIGH, ND NOT_DEFINED;
    RL remediationLevel: OF OFFICIAL_FIX, TF TEMPORARY_FIX, W WORKAROUND, U UNAVAILABLE,
        ND NOT_DEFINED;
    RC reportConfidence: UC UNCONFIRMED, UR UNCORROBORATED, C CONFIRMED, ND NOT_DEFINED;
    CDP collateralDamagePotential: N NONE, L LOW, LM LOW_MEDIUM, MH MEDIUM_HIGH, H HIGH,
        ND NOT_DEFINED;
    TD targetDistribution: N NONE, L LOW, M MEDIUM, H HIGH, ND NOT_DEFINED;
    CR confidentialityRequirement: L LOW, M MEDIUM, H HIGH, ND NOT_DEFINED;
    IR integrityRequirement: L LOW, M MEDIUM, H HIGH, ND NOT_DEFINED;
    AR availabilityRequirement: L LOW, M MEDIUM, H HIGH, ND NOT_DEFINED;
};

/// Checks one `cvss_v2` or `cvss_v3` object at `path`.
pub(super) fn check(cvss: &Value, key: &str, path: &str) -> Result<(), AdvisoryError> {
    let v3 = key == "cvss_v3";
    let mut p = path.to_owned();
    shape::check("CSAF", if v3 { &CVSS_V3 } else { &CVSS_V2 }, cvss, &mut p).map_err(|e| {
        let (field, message) = match &e {
            AdvisoryError::Field { field, message, .. } => (field.clone(), message.clone()),
            other => (path.to_owned(), other.to_string()),
        };
        fail("6.1.8", "invalid CVSS", field, message)
    })?;
    let text = |k: &str| cvss.get(k).and_then(Value::as_str).unwrap_or_default();
    let vector = text("vectorString");
    if v3 && !vector.starts_with(&format!("CVSS:{}/", text("version"))) {
        return Err(fail(
            "6.1.8",
            "invalid CVSS",
            format!("{path}.vectorString"),
            format!("{vector:?} is not a CVSS {} vector", text("version")),
        ));
    }
    for k in ["baseScore", "temporalScore", "environmentalScore"] {
        if let Some(n) = cvss.get(k).and_then(Value::as_f64)
            && !(0.0..=10.0).contains(&n)
        {
            return Err(fail(
                "6.1.8",
                "invalid CVSS",
                format!("{path}.{k}"),
                format!("{n} is not between 0 and 10"),
            ));
        }
    }
    let metrics: Vec<(&str, &str)> = vector
        .split('/')
        .filter_map(|m| m.split_once(':'))
        .filter(|(k, _)| *k != "CVSS")
        .collect();
    let table = if v3 { V3 } else { V2 };
    for (abbr, property, values) in table {
        let Some(given) = cvss.get(*property).and_then(Value::as_str) else {
            continue;
        };
        // A metric the vector leaves out is not compared (as the OASIS
        // examples expect).
        let Some(in_vector) = metrics.iter().find(|(k, _)| k == abbr).map(|(_, v)| *v) else {
            continue;
        };
        let expected = values
            .iter()
            .find(|(a, _)| *a == in_vector)
            .map(|(_, name)| *name)
            .unwrap_or("NOT_DEFINED");
        if given != expected {
            return Err(fail(
                "6.1.10",
                "inconsistent CVSS",
                format!("{path}.{property}"),
                format!("{given:?} but the vector says {expected:?}"),
            ));
        }
    }
    let base = cvss
        .get("baseScore")
        .and_then(Value::as_f64)
        .unwrap_or_default();
    let computed = if v3 {
        match crate::cvss::score(vector) {
            Ok(s) => {
                let severity = text("baseSeverity");
                if !severity.eq_ignore_ascii_case(s.severity.as_str()) {
                    return Err(fail(
                        "6.1.9",
                        "invalid CVSS computation",
                        format!("{path}.baseSeverity"),
                        format!(
                            "{severity:?} but the vector's base severity is {:?}",
                            s.severity.as_str()
                        ),
                    ));
                }
                Some(s.base_score)
            }
            Err(_) => None,
        }
    } else {
        v2_base_score(&metrics)
    };
    if let Some(c) = computed
        && (c - base).abs() > 0.05
    {
        return Err(fail(
            "6.1.9",
            "invalid CVSS computation",
            format!("{path}.baseScore"),
            format!("{base} but the vector's base score is {c}"),
        ));
    }
    Ok(())
}

/// The CVSS 2.0 base score (section 3.2.1 of the v2 guide), if the vector has
/// every base metric.
fn v2_base_score(metrics: &[(&str, &str)]) -> Option<f64> {
    let get = |k: &str| metrics.iter().find(|(m, _)| *m == k).map(|(_, v)| *v);
    let av = match get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |k: &str| match get(k)? {
        "N" => Some(0.0),
        "P" => Some(0.275),
        "C" => Some(0.660),
        _ => None,
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact: f64 = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score: f64 = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Some((score * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csaf_cvss2_base_scores() {
        let m = |v: &'static str| -> Vec<(&'static str, &'static str)> {
            v.split('/').filter_map(|x| x.split_once(':')).collect()
        };
        assert_eq!(v2_base_score(&m("AV:N/AC:L/Au:N/C:C/I:C/A:C")), Some(10.0));
        assert_eq!(v2_base_score(&m("AV:N/AC:L/Au:N/C:P/I:P/A:P")), Some(7.5));
        assert_eq!(v2_base_score(&m("AV:L/AC:L/Au:M/C:C/I:C/A:C")), Some(6.5));
        assert_eq!(v2_base_score(&m("AV:N/AC:L/Au:N/C:N/I:N/A:N")), Some(0.0));
    }
}
