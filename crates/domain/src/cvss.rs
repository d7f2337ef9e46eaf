//! CVSS 3.x and 4.0: parsing vectors and computing base scores and severities.
//!
//! [`score`] reads a `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/` vector string and returns
//! its base score and qualitative severity as defined by FIRST's specifications.
//!
//! Parsing is strict where the specifications are precise and lenient only where they
//! disagree with each other or with real data:
//!
//! - metric names and values are case-sensitive (`AV:N`, `U:Amber`), each metric appears
//!   at most once, every Base metric is required, Base metrics have no `X` value, and
//!   empty components (`//`, a trailing `/`) are errors;
//! - metrics may come in any order (the 3.1 specification allows it, the 4.0 one is
//!   self-contradictory, real advisories do it); [`CvssScore::vector`] is normalised to
//!   the specification's order with Not Defined (`X`) metrics left out, so equal
//!   vectors have equal strings;
//! - Temporal, Threat, Environmental and Supplemental metrics do not change the **base**
//!   score (for 4.0 the CVSS-B score of the specification's nomenclature, §1.3); the
//!   scores they do give are in [`CvssScore::other_scores`], each labelled (3.x
//!   `temporal` and `environmental`; 4.0 `CVSS-BT`, `CVSS-BE` or `CVSS-BTE`, see `whole`).
//!
//! Scoring is delegated to RustSec's `cvss` crate, fed with the validated Base metrics
//! only. The crate is right for every base vector: the tests enumerate all 5,184 CVSS
//! 3.x and 104,976 CVSS 4.0 base vectors and compare a digest of the scores with one
//! made from Red Hat's reference implementation (the `cvss` Python package, by the
//! authors of FIRST's 4.0 calculator), and check thousands of published scores. The crate
//! is not used for parsing because it accepts lowercase metrics and values and scores a
//! 3.x vector with missing Base metrics as if they were zero.

mod metrics;
mod whole;

pub use whole::LabelledScore;

use std::str::FromStr;

use metrics::Metric;

use crate::spelling::spelled_enum;

/// Longest vector string [`score`] accepts, in bytes, before trimming. The longest
/// valid 4.0 vector (every metric present) is about 180 bytes.
pub const MAX_VECTOR_LEN: usize = 512;

/// A CVSS version that [`score`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CvssVersion {
    /// CVSS v3.0 (`CVSS:3.0/`).
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1 (`CVSS:3.1/`).
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0 (`CVSS:4.0/`).
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    fn metrics(self) -> &'static [Metric] {
        match self {
            Self::V3_0 | Self::V3_1 => metrics::V3,
            Self::V4_0 => metrics::V4,
        }
    }
}

spelled_enum! {
    /// The version number as written in vector strings: `"3.0"`, `"3.1"` or `"4.0"`.
    CvssVersion {
        V3_0 => "3.0",
        V3_1 => "3.1",
        V4_0 => "4.0",
    }
}

/// The qualitative severity rating scale of CVSS 3.x (§5) and 4.0 (§6).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// 0.0
    None,
    /// 0.1 to 3.9
    Low,
    /// 4.0 to 6.9
    Medium,
    /// 7.0 to 8.9
    High,
    /// 9.0 to 10.0
    Critical,
}

spelled_enum! {
    /// FIRST's name in capitals, as in CVE records: `"NONE"`, `"LOW"`, ..., `"CRITICAL"`.
    Severity {
        None => "NONE",
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
        Critical => "CRITICAL",
    }
}

/// A scored CVSS vector.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CvssScore {
    /// The version named by the vector's prefix.
    pub version: CvssVersion,
    /// The vector in the specification's metric order, without Not Defined (`X`) metrics.
    pub vector: String,
    /// The base score, 0.0 to 10.0 with one decimal.
    pub base_score: f64,
    /// The severity of `base_score`.
    pub severity: Severity,
    /// What the vector's Temporal, Threat and Environmental metrics give
    /// beyond the base score; empty when it has only Base (and Supplemental)
    /// metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_scores: Vec<LabelledScore>,
}

/// Why a vector string was rejected. Positions are 1-based byte columns in the trimmed
/// vector string (columns, as everything before the first error is ASCII).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// Nothing but whitespace.
    #[error("empty CVSS vector")]
    Empty,
    /// Longer than [`MAX_VECTOR_LEN`].
    #[error("CVSS vector is {len} bytes long; the limit is {max}")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// [`MAX_VECTOR_LEN`].
        max: usize,
    },
    /// Not `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/` (CVSS v2 vectors have no prefix).
    #[error("unsupported prefix '{found}'; expected CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")]
    UnsupportedPrefix {
        /// The text before the first `/`.
        found: String,
    },
    /// `//` or a trailing `/`.
    #[error("empty metric at position {position} (doubled or trailing '/')")]
    EmptyComponent {
        /// Column of the empty component.
        position: usize,
    },
    /// A component that is not `NAME:VALUE`.
    #[error("malformed metric '{component}' at position {position}; expected NAME:VALUE")]
    Malformed {
        /// The component as written.
        component: String,
        /// Its column.
        position: usize,
    },
    /// A metric name this version does not define (names are case-sensitive).
    #[error("unknown metric '{metric}' at position {position} for CVSS {version}")]
    UnknownMetric {
        /// The name as written.
        metric: String,
        /// The vector's version.
        version: CvssVersion,
        /// Its column.
        position: usize,
    },
    /// A value the metric does not allow (values are case-sensitive).
    #[error(
        "invalid value '{value}' for metric '{metric}' at position {position}; expected one of {expected}"
    )]
    InvalidValue {
        /// The metric's name.
        metric: String,
        /// The value as written.
        value: String,
        /// Column of the metric.
        position: usize,
        /// The allowed values, comma-separated.
        expected: String,
    },
    /// The same metric twice.
    #[error("duplicate metric '{metric}' at position {position}")]
    DuplicateMetric {
        /// The metric's name.
        metric: String,
        /// Column of the second occurrence.
        position: usize,
    },
    /// A Base metric is absent.
    #[error("missing required metric '{metric}'")]
    MissingMetric {
        /// The first missing Base metric in specification order.
        metric: String,
    },
    /// The scoring library refused a vector this module had validated (a bug, not bad input).
    #[error("CVSS library rejected a validated vector: {0}")]
    Library(String),
}

/// Parses `vector` (surrounding whitespace ignored) and computes its base score and severity.
pub fn score(vector: &str) -> Result<CvssScore, CvssError> {
    if vector.len() > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong {
            len: vector.len(),
            max: MAX_VECTOR_LEN,
        });
    }
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    let (prefix, body) = match vector.split_once('/') {
        Some((prefix, body)) => (prefix, Some(body)),
        None => (vector, None),
    };
    let version = match prefix {
        "CVSS:3.0" => CvssVersion::V3_0,
        "CVSS:3.1" => CvssVersion::V3_1,
        "CVSS:4.0" => CvssVersion::V4_0,
        _ => {
            return Err(CvssError::UnsupportedPrefix {
                found: prefix.to_owned(),
            });
        }
    };
    let table = version.metrics();
    let values = match body {
        Some(body) if !body.is_empty() => parse_metrics(version, body, prefix.len() + 2)?,
        _ => vec![None; table.len()],
    };
    if let Some(missing) = table
        .iter()
        .zip(&values)
        .find(|(m, v)| m.base && v.is_none())
    {
        return Err(CvssError::MissingMetric {
            metric: missing.0.name.to_owned(),
        });
    }
    let base_score = base_score(version, &render(version, &values, true))?;
    let vector = render(version, &values, false);
    let defined: Vec<(&'static str, &'static str, bool)> = table
        .iter()
        .zip(&values)
        .filter_map(|(m, v)| v.filter(|v| *v != "X").map(|v| (m.name, v, m.base)))
        .collect();
    let other_scores = whole::scores(version, &defined, &vector, base_score)?;
    Ok(CvssScore {
        version,
        vector,
        base_score,
        severity: severity_of(version, base_score),
        other_scores,
    })
}

/// The qualitative severity of a base score. All supported versions share one scale;
/// scores below 0.1 (and NaN) are [`Severity::None`].
pub fn severity_of(version: CvssVersion, base_score: f64) -> Severity {
    match version {
        CvssVersion::V3_0 | CvssVersion::V3_1 | CvssVersion::V4_0 => {
            if base_score >= 9.0 {
                Severity::Critical
            } else if base_score >= 7.0 {
                Severity::High
            } else if base_score >= 4.0 {
                Severity::Medium
            } else if base_score >= 0.1 {
                Severity::Low
            } else {
                Severity::None
            }
        }
    }
}

/// Reads the `/`-separated metrics after the prefix; `start` is the column of the first.
/// Returns the value of each metric of the version's table, in table order.
fn parse_metrics(
    version: CvssVersion,
    body: &str,
    start: usize,
) -> Result<Vec<Option<&'static str>>, CvssError> {
    let table = version.metrics();
    let mut values: Vec<Option<&'static str>> = vec![None; table.len()];
    let mut position = start;
    for component in body.split('/') {
        let here = position;
        position += component.len() + 1;
        if component.is_empty() {
            return Err(CvssError::EmptyComponent { position: here });
        }
        let malformed = || CvssError::Malformed {
            component: component.to_owned(),
            position: here,
        };
        let (name, value) = component.split_once(':').ok_or_else(malformed)?;
        if name.is_empty() || value.is_empty() || value.contains(':') {
            return Err(malformed());
        }
        let Some(index) = table.iter().position(|m| m.name == name) else {
            return Err(CvssError::UnknownMetric {
                metric: name.to_owned(),
                version,
                position: here,
            });
        };
        let metric = &table[index];
        if values[index].is_some() {
            return Err(CvssError::DuplicateMetric {
                metric: name.to_owned(),
                position: here,
            });
        }
        let allowed = metric.values.iter().copied().find(|v| *v == value);
        let Some(allowed) = allowed else {
            return Err(CvssError::InvalidValue {
                metric: name.to_owned(),
                value: value.to_owned(),
                position: here,
                expected: metric.values.join(", "),
            });
        };
        values[index] = Some(allowed);
    }
    Ok(values)
}

/// Writes the vector in table order, leaving out Not Defined (`X`) metrics, and every
/// metric outside the Base group when `base_only`.
fn render(version: CvssVersion, values: &[Option<&'static str>], base_only: bool) -> String {
    let mut out = format!("CVSS:{version}");
    for (metric, value) in version.metrics().iter().zip(values) {
        match value {
            Some(value) if *value != "X" && (metric.base || !base_only) => {
                out.push('/');
                out.push_str(metric.name);
                out.push(':');
                out.push_str(value);
            }
            _ => {}
        }
    }
    out
}

/// Scores a vector holding exactly the Base metrics, rounded to one decimal.
///
/// 3.x: the crate applies CVSS 3.1 Appendix A Roundup for 3.1 and FIRST's 3.0 calculator
/// rounding (`ceil(x * 10) / 10`) for 3.0. Its 3.1 Roundup truncates `x * 100000` where
/// the specification rounds it to the nearest integer; over the whole Base space the two
/// give the same scores, and 3.0 and 3.1 base scores coincide (`exhaustive_tests` checks
/// every Base vector). The versions differ only in Temporal and Environmental scores
/// (rounding, and 3.1's Scope Changed ModifiedImpact), which this module does not compute.
///
/// 4.0: the crate implements the specification's MacroVector interpolation with the
/// reference calculator's tables and its rounding (`round((x + 1e-6) * 10) / 10`).
fn base_score(version: CvssVersion, base_vector: &str) -> Result<f64, CvssError> {
    let library = |e: cvss::Error| CvssError::Library(e.to_string());
    let raw = match version {
        CvssVersion::V3_0 | CvssVersion::V3_1 => cvss::v3::Vector::from_str(base_vector)
            .map_err(library)?
            .base_score()
            .value(),
        CvssVersion::V4_0 => cvss::v4::Vector::from_str(base_vector)
            .map_err(library)?
            .score()
            .value(),
    };
    // Both already have one decimal; this only removes any binary representation noise.
    Ok(((raw * 10.0).round() / 10.0).clamp(0.0, 10.0))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod data_tests;

#[cfg(test)]
mod exhaustive_tests;

#[cfg(test)]
mod proptests;
