//! Version ranges of scan targets and whether two of them intersect, per
//! ecosystem through `versions::compare`. A range is the purl project's
//! `vers:` form (`vers:npm/>=1.0.0|<2.0.0`, `vers:pypi/*`, `=1.2.3`): its
//! constraints, ordered by version, read as the spec reads them — a lower
//! bound (`>=`, `>`) opens an interval that the next upper bound (`<`,
//! `<=`) closes, an upper bound with nothing open starts from the lowest
//! version, an open interval at the end runs to the highest, and `=V` is
//! the single version V. Two targets overlap when some version can lie in
//! both; a comparison the ecosystem cannot make gives `Unknown` (a
//! possible overlap), never a silent "disjoint".

use std::cmp::Ordering;

use super::ScanError;
use crate::versions::{Ecosystem, compare};

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Unbounded,
    Inclusive(String),
    Exclusive(String),
}

/// A set of versions as intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSet {
    pub intervals: Vec<(Bound, Bound)>,
}

/// Whether two sets share a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    Yes,
    No,
    /// Some version could not be ordered in the ecosystem: treat as a
    /// possible overlap.
    Unknown,
}

impl VersionSet {
    /// Every version.
    pub fn all() -> VersionSet {
        VersionSet {
            intervals: vec![(Bound::Unbounded, Bound::Unbounded)],
        }
    }

    /// Reads a `vers:` range (or the bare constraint list) for `eco`.
    pub fn parse_vers(field: &str, eco: Ecosystem, text: &str) -> Result<VersionSet, ScanError> {
        let text = text.trim();
        let body = match text.strip_prefix("vers:") {
            Some(rest) => match rest.split_once('/') {
                Some((_, c)) => c,
                None => {
                    return Err(ScanError::new(
                        field,
                        format!("'{text}' is not a vers range (vers:<type>/<constraints>)"),
                    ));
                }
            },
            None => text,
        };
        if body.trim() == "*" {
            return Ok(VersionSet::all());
        }
        let mut constraints: Vec<(&'static str, String)> = Vec::new();
        for raw in body.split('|') {
            let c = raw.trim();
            let (op, v) = if let Some(v) = c.strip_prefix(">=") {
                (">=", v)
            } else if let Some(v) = c.strip_prefix("<=") {
                ("<=", v)
            } else if let Some(v) = c.strip_prefix('>') {
                (">", v)
            } else if let Some(v) = c.strip_prefix('<') {
                ("<", v)
            } else if c.starts_with("!=") {
                return Err(ScanError::new(
                    field,
                    format!("'{c}': exclusions (!=) are not supported in scan targets"),
                ));
            } else {
                ("=", c.strip_prefix('=').unwrap_or(c))
            };
            let v = v.trim();
            if v.is_empty() || v.contains(char::is_whitespace) || v.len() > 128 {
                return Err(ScanError::new(
                    field,
                    format!("'{c}' is not a constraint (an operator and one version)"),
                ));
            }
            constraints.push((op, v.to_owned()));
        }
        if constraints.len() > 64 {
            return Err(ScanError::new(field, "at most 64 constraints"));
        }
        let mut sort_error = None;
        constraints.sort_by(|a, b| {
            compare(eco, &a.1, &b.1).unwrap_or_else(|e| {
                sort_error = Some(e.to_string());
                Ordering::Equal
            })
        });
        if let Some(e) = sort_error {
            return Err(ScanError::new(
                field,
                format!("cannot order the versions in '{text}': {e}"),
            ));
        }
        let mut intervals = Vec::new();
        let mut open: Option<Bound> = None;
        for (op, v) in constraints {
            match op {
                "=" => {
                    if open.is_none() {
                        intervals.push((Bound::Inclusive(v.clone()), Bound::Inclusive(v)));
                    }
                }
                ">=" | ">" => {
                    if open.is_some() {
                        return Err(ScanError::new(
                            field,
                            format!("'{text}': two lower bounds in a row"),
                        ));
                    }
                    open = Some(if op == ">=" {
                        Bound::Inclusive(v)
                    } else {
                        Bound::Exclusive(v)
                    });
                }
                _ => {
                    let upper = if op == "<=" {
                        Bound::Inclusive(v)
                    } else {
                        Bound::Exclusive(v)
                    };
                    let lower = open.take().unwrap_or(Bound::Unbounded);
                    if lower == Bound::Unbounded && !intervals.is_empty() {
                        return Err(ScanError::new(
                            field,
                            format!(
                                "'{text}': an upper bound without a lower bound after the first"
                            ),
                        ));
                    }
                    intervals.push((lower, upper));
                }
            }
        }
        if let Some(lower) = open {
            intervals.push((lower, Bound::Unbounded));
        }
        Ok(VersionSet { intervals })
    }

    /// Whether `version` is in the set (`None`: it cannot be ordered).
    pub fn contains(&self, eco: Ecosystem, version: &str) -> Option<bool> {
        let point = (
            Bound::Inclusive(version.to_owned()),
            Bound::Inclusive(version.to_owned()),
        );
        let mut unknown = false;
        for i in &self.intervals {
            match intervals_meet(eco, i, &point) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// Whether the two sets share a version.
    pub fn intersects(&self, eco: Ecosystem, other: &VersionSet) -> Overlap {
        let mut unknown = false;
        for a in &self.intervals {
            for b in &other.intervals {
                match intervals_meet(eco, a, b) {
                    Some(true) => return Overlap::Yes,
                    Some(false) => {}
                    None => unknown = true,
                }
            }
        }
        if unknown {
            Overlap::Unknown
        } else {
            Overlap::No
        }
    }
}

/// Whether lower bound `lo` is at or below upper bound `hi` so that some
/// version lies between them.
fn below(eco: Ecosystem, lo: &Bound, hi: &Bound) -> Option<bool> {
    let (l, l_incl) = match lo {
        Bound::Unbounded => return Some(true),
        Bound::Inclusive(v) => (v, true),
        Bound::Exclusive(v) => (v, false),
    };
    let (h, h_incl) = match hi {
        Bound::Unbounded => return Some(true),
        Bound::Inclusive(v) => (v, true),
        Bound::Exclusive(v) => (v, false),
    };
    match compare(eco, l, h).ok()? {
        Ordering::Less => Some(true),
        Ordering::Equal => Some(l_incl && h_incl),
        Ordering::Greater => Some(false),
    }
}

fn intervals_meet(eco: Ecosystem, a: &(Bound, Bound), b: &(Bound, Bound)) -> Option<bool> {
    // Non-empty intersection: each lower bound is below the other's upper
    // bound (and each interval is itself non-empty).
    let checks = [
        below(eco, &a.0, &a.1),
        below(eco, &b.0, &b.1),
        below(eco, &a.0, &b.1),
        below(eco, &b.0, &a.1),
    ];
    let mut unknown = false;
    for c in checks {
        match c {
            Some(false) => return Some(false),
            Some(true) => {}
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(true) }
}
