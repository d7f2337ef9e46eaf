//! The OSV schema (`validation/schema.json`) as [`Shape`] tables and its
//! conditional rules, plus two of the OSV linter's range rules, checked on a
//! JSON record before it is read: required `id` and `modified`, no unknown
//! top-level field, the id prefixes and ecosystems the schema lists, the
//! timestamp pattern, severity types and score patterns, range types, events
//! that name exactly one of introduced/fixed/last_affected/limit, GIT ranges
//! with a repo and full commit hashes, `fixed` and `last_affected` not mixed,
//! no `affected[].severity` beside a top-level one, reference and credit types;
//! from the linter: every range has an `introduced` event, and in a GIT range no
//! `introduced` is followed at once by a `fixed` or `limit` of the same commit
//! (an empty range; RustSec's ECOSYSTEM ranges do this and are kept). Not checked: that a package exists (the linter asks
//! the registries).

use serde_json::Value;

use super::AdvisoryError;
use super::shape::{self, Arr, STRING, Shape, Str, obj, one_of};

const FORMAT: &str = "OSV";

const fn list(item: &'static Shape) -> Shape {
    Shape::Arr(Arr {
        item,
        min: 0,
        unique: false,
    })
}

/// A string matching `p`; unlike the other formats' `shape::pattern`, OSV's
/// schema patterns also accept the empty string.
const fn pattern(p: fn(&str) -> bool, what: &'static str) -> Shape {
    Shape::Str(Str {
        min: 0,
        one_of: &[],
        pattern: Some((p, what)),
    })
}

const OBJECT: Shape = obj(&[], &[]);
static ANY_OBJECT: Shape = OBJECT;
static STRINGS: Shape = list(&STRING);
static TIMESTAMP: Shape = pattern(has_timestamp, "an RFC 3339 UTC timestamp (…Z)");

static SEVERITY: Shape = Shape::OrNull(&SEVERITY_LIST);
static SEVERITY_LIST: Shape = list(&obj(
    &[
        ("type", &one_of!("CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu")),
        ("score", &STRING),
    ],
    &["type", "score"],
));

static EVENT: Shape = obj(
    &[
        ("introduced", &STRING),
        ("fixed", &STRING),
        ("last_affected", &STRING),
        ("limit", &STRING),
    ],
    &[],
);

static RANGE: Shape = obj(
    &[
        ("type", &one_of!("GIT", "SEMVER", "ECOSYSTEM")),
        ("repo", &STRING),
        (
            "events",
            &Shape::Arr(Arr {
                item: &EVENT,
                min: 1,
                unique: false,
            }),
        ),
        ("database_specific", &ANY_OBJECT),
    ],
    &["type", "events"],
);

static AFFECTED: Shape = obj(
    &[
        (
            "package",
            &obj(
                &[
                    (
                        "ecosystem",
                        &pattern(is_ecosystem, "an ecosystem the schema lists"),
                    ),
                    ("name", &STRING),
                    ("purl", &STRING),
                ],
                &["ecosystem", "name"],
            ),
        ),
        ("severity", &SEVERITY),
        ("ranges", &list(&RANGE)),
        ("versions", &STRINGS),
        ("ecosystem_specific", &ANY_OBJECT),
        ("database_specific", &ANY_OBJECT),
    ],
    &[],
);

pub(super) static RECORD: Shape = obj(
    &[
        ("schema_version", &STRING),
        (
            "id",
            &pattern(has_id_prefix, "an id with a prefix the schema lists"),
        ),
        ("modified", &TIMESTAMP),
        ("published", &TIMESTAMP),
        ("withdrawn", &TIMESTAMP),
        ("aliases", &Shape::OrNull(&STRINGS)),
        ("related", &STRINGS),
        ("upstream", &STRINGS),
        ("summary", &STRING),
        ("details", &STRING),
        ("severity", &SEVERITY),
        ("affected", &Shape::OrNull(&AFFECTED_LIST)),
        ("references", &Shape::OrNull(&REFERENCES)),
        ("credits", &CREDITS),
        ("database_specific", &ANY_OBJECT),
    ],
    &["id", "modified"],
)
.closed();
static AFFECTED_LIST: Shape = list(&AFFECTED);
static REFERENCES: Shape = list(&obj(
    &[
        (
            "type",
            &one_of!(
                "ADVISORY",
                "ARTICLE",
                "DETECTION",
                "DISCUSSION",
                "REPORT",
                "FIX",
                "INTRODUCED",
                "GIT",
                "PACKAGE",
                "EVIDENCE",
                "WEB"
            ),
        ),
        ("url", &STRING),
    ],
    &["type", "url"],
));
static CREDITS: Shape = list(&obj(
    &[
        ("name", &STRING),
        ("contact", &STRINGS),
        (
            "type",
            &one_of!(
                "FINDER",
                "REPORTER",
                "ANALYST",
                "COORDINATOR",
                "REMEDIATION_DEVELOPER",
                "REMEDIATION_REVIEWER",
                "REMEDIATION_VERIFIER",
                "TOOL",
                "SPONSOR",
                "OTHER"
            ),
        ),
    ],
    &["name"],
));

const ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
    "GIT",
];

const ID_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// `#/$defs/ecosystemWithSuffix`: a listed ecosystem, optionally `:suffix`.
fn is_ecosystem(s: &str) -> bool {
    let (name, suffix) = match s.split_once(':') {
        Some((n, rest)) => (n, Some(rest)),
        None => (s, None),
    };
    ECOSYSTEMS.contains(&name) && suffix.is_none_or(|x| !x.is_empty())
}

/// `#/$defs/prefix` (the pattern is anchored at the start only).
fn has_id_prefix(s: &str) -> bool {
    s.starts_with("x_")
        || ID_PREFIXES
            .iter()
            .any(|p| s.strip_prefix(p).is_some_and(|rest| rest.starts_with('-')))
}

/// `#/$defs/timestamp`, an unanchored pattern: the string contains
/// `YYYY-MM-DDTHH:MM:SS(.fff)?Z`.
fn has_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    (0..b.len()).any(|i| {
        digits(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2)
            && b.get(i + 10) == Some(&b'T')
            && digits(i + 11, 2)
            && b.get(i + 13) == Some(&b':')
            && digits(i + 14, 2)
            && b.get(i + 16) == Some(&b':')
            && digits(i + 17, 2)
            && {
                let mut j = i + 19;
                if b.get(j) == Some(&b'.') && digits(j + 1, 1) {
                    j += 1;
                    while b.get(j).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                    }
                }
                b.get(j) == Some(&b'Z')
            }
    })
}

fn fail(field: String, message: String) -> AdvisoryError {
    AdvisoryError::field_error(FORMAT, field, message)
}

/// Checks a JSON OSV record.
pub(super) fn check(record: &Value) -> Result<(), AdvisoryError> {
    shape::check(FORMAT, &RECORD, record, &mut String::new())?;
    let arr = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    check_severities(record.get("severity"), "severity")?;
    let top_severity = record.get("severity").is_some_and(|s| !s.is_null());
    for (a, affected) in arr(record.get("affected")).iter().enumerate() {
        let sev = affected.get("severity");
        check_severities(sev, &format!("affected[{a}].severity"))?;
        if top_severity && sev.is_some_and(|s| !s.is_null()) {
            return Err(fail(
                format!("affected[{a}].severity"),
                "does not match the schema: not allowed beside a top-level severity".into(),
            ));
        }
        for (r, range) in arr(affected.get("ranges")).iter().enumerate() {
            check_range(range, &format!("affected[{a}].ranges[{r}]"))?;
        }
    }
    Ok(())
}

fn check_severities(list: Option<&Value>, path: &str) -> Result<(), AdvisoryError> {
    for (i, s) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let score = s.get("score").and_then(Value::as_str).unwrap_or_default();
        let ok = match s.get("type").and_then(Value::as_str) {
            Some("CVSS_V2") => !score.contains("CVSS:"),
            Some("CVSS_V3") => score.starts_with("CVSS:3.0/") || score.starts_with("CVSS:3.1/"),
            Some("CVSS_V4") => score.starts_with("CVSS:4.0/"),
            Some("Ubuntu") => {
                matches!(score, "negligible" | "low" | "medium" | "high" | "critical")
            }
            _ => true,
        };
        let parses = match s.get("type").and_then(Value::as_str) {
            Some("CVSS_V3" | "CVSS_V4") => crate::cvss::score(score).is_ok(),
            _ => true,
        };
        if !(ok && parses) {
            return Err(fail(
                format!("{path}[{i}].score"),
                format!("does not match the schema: {score:?} is not a vector of its type"),
            ));
        }
    }
    Ok(())
}

fn check_range(range: &Value, path: &str) -> Result<(), AdvisoryError> {
    let git = range.get("type").and_then(Value::as_str) == Some("GIT");
    if git && range.get("repo").is_none() {
        return Err(fail(
            format!("{path}.repo"),
            "does not match the schema: a GIT range requires a repo".into(),
        ));
    }
    let events = range
        .get("events")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let (mut introduced, mut fixed, mut last) = (false, false, false);
    let mut previous_introduced: Option<&str> = None;
    for (e, event) in events.iter().enumerate() {
        let at = format!("{path}.events[{e}]");
        let keys: Vec<(&str, &Value)> = ["introduced", "fixed", "last_affected", "limit"]
            .into_iter()
            .filter_map(|k| event.get(k).map(|v| (k, v)))
            .collect();
        let [(key, value)] = keys.as_slice() else {
            return Err(fail(
                at,
                "does not match the schema: an event names exactly one of introduced, fixed, \
                 last_affected and limit"
                    .into(),
            ));
        };
        let value = value.as_str().unwrap_or_default();
        if git && !is_commit_or_zero(value) {
            return Err(fail(
                format!("{at}.{key}"),
                format!("does not match the schema: {value:?} is not a full commit hash"),
            ));
        }
        introduced |= *key == "introduced";
        fixed |= *key == "fixed";
        last |= *key == "last_affected";
        if git && matches!(*key, "fixed" | "limit") && previous_introduced == Some(value) {
            return Err(fail(
                format!("{at}.{key}"),
                format!("linter: introduced and {key} at the same {value:?}: an empty range"),
            ));
        }
        previous_introduced = (*key == "introduced").then_some(value);
    }
    if fixed && last {
        return Err(fail(
            format!("{path}.events"),
            "does not match the schema: fixed and last_affected events are mutually exclusive"
                .into(),
        ));
    }
    if !introduced {
        return Err(fail(
            format!("{path}.events"),
            "linter: a range needs an introduced event".into(),
        ));
    }
    Ok(())
}

fn is_commit_or_zero(s: &str) -> bool {
    s == "0"
        || ((s.len() == 40 || s.len() == 64)
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_patterns() {
        assert!(
            has_timestamp("2024-01-01T00:00:00Z") && has_timestamp("x2024-01-01T00:00:00.123Zy")
        );
        assert!(!has_timestamp("2024-01-01T00:00:00+00:00") && !has_timestamp("2024-01-01"));
        assert!(has_id_prefix("GHSA-xxxx") && has_id_prefix("x_foo") && !has_id_prefix("FOO-1"));
        assert!(is_ecosystem("Debian:12") && is_ecosystem("PyPI") && !is_ecosystem("pypi"));
        assert!(!is_ecosystem("Debian:"));
    }
}
