//! OSV affected-range decisions: the schema's evaluation algorithm
//! (<https://ossf.github.io/osv-schema/#evaluation>) with a third answer.
//!
//! A version is affected when it is listed in `versions` or lies in any range. Within a
//! range the events are sorted by version (`introduced: "0"` first, ties keep their
//! written order) and walked: `introduced <= v` opens, `fixed <= v` closes,
//! `last_affected < v` closes; if `limit` events exist, `v` must also be below one of them
//! (`"*"` is infinity). `SEMVER` ranges use SemVer precedence whatever the ecosystem;
//! `ECOSYSTEM` ranges use [`compare`](super::compare). The `versions` list matches a
//! version written the same, or equal under the ecosystem's ordering (`1.0` = `1.0.0`
//! in PyPI). A range that is only `introduced: "0"` needs no ordering: every version,
//! even one that cannot be ordered, is in it.
//!
//! Where the schema's boolean would be a guess, the answer is [`Decision::CannotDecide`]:
//! the version or an event cannot be ordered, the only ranges are `GIT` ranges and there
//! is no `versions` list (commit hashes need the repository; the schema has the list
//! enumerate what a GIT range covers, and other ranges place package versions, so a GIT
//! range is skipped whenever a list or another range exists), a range has an unknown
//! type, no events or no `introduced` event, or the entry has neither ranges nor versions.
//! `Affected` from any range or the list wins over `CannotDecide`; `NotAffected` needs
//! every range to be decided.

use std::cmp::Ordering;

use super::{Ecosystem, VersionError, compare, compare_semver};

/// One `affected[].ranges[]` object (`repo` and `database_specific` are not needed here).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct OsvRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    pub events: Vec<OsvEvent>,
}

/// One event object, e.g. `{"introduced": "0"}` or `{"fixed": "2.4.1"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OsvEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl OsvEvent {
    fn version(&self) -> &str {
        match self {
            OsvEvent::Introduced(v)
            | OsvEvent::Fixed(v)
            | OsvEvent::LastAffected(v)
            | OsvEvent::Limit(v) => v,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            OsvEvent::Introduced(_) => "introduced",
            OsvEvent::Fixed(_) => "fixed",
            OsvEvent::LastAffected(_) => "last_affected",
            OsvEvent::Limit(_) => "limit",
        }
    }

    /// `introduced: "0"`: before every version.
    fn is_zero(&self) -> bool {
        matches!(self, OsvEvent::Introduced(v) if v.trim() == "0")
    }
}

/// The answer for one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Affected,
    NotAffected,
    CannotDecide,
}

/// A decision and what decided it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub decision: Decision,
    /// Which list entry, range and events decided, or why no decision is possible.
    pub reason: String,
}

enum Outcome {
    Affected(String),
    NotAffected,
    Undecidable(String),
}

/// Decides whether `version` of a package in `eco` is affected by one OSV
/// `affected[]` entry, given its `ranges` and `versions`.
pub fn decide(eco: Ecosystem, version: &str, ranges: &[OsvRange], versions: &[String]) -> Verdict {
    let v = version.trim();
    if v.is_empty() {
        return verdict(
            Decision::CannotDecide,
            "the component has an empty version".into(),
        );
    }
    if let Some(listed) = versions.iter().find(|l| l.trim() == v) {
        return verdict(
            Decision::Affected,
            format!("listed in affected versions as '{listed}'"),
        );
    }
    // The schema compares with `==`; an ecosystem that equates spellings (PEP 440's
    // `1.0 == 1.0.0`, RPM's `10.0001 == 10.1`) is honoured here.
    if let Some(listed) = versions
        .iter()
        .find(|l| compare(eco, v, l) == Ok(Ordering::Equal))
    {
        return verdict(
            Decision::Affected,
            format!("listed in affected versions as '{listed}' (equal in {eco})"),
        );
    }
    if ranges.is_empty() && versions.is_empty() {
        return verdict(
            Decision::CannotDecide,
            "the affected entry gives neither ranges nor versions".into(),
        );
    }
    // The schema requires the `versions` list to enumerate what a GIT range
    // covers, and a package version is placed by its SEMVER/ECOSYSTEM ranges;
    // so, as osv-scanner does, a GIT range only counts when nothing else can
    // answer (no other range and no list).
    let skip_git = !versions.is_empty() || ranges.iter().any(|r| r.kind.trim() != "GIT");
    let mut undecided = Vec::new();
    for (i, range) in ranges.iter().enumerate() {
        if skip_git && range.kind.trim() == "GIT" {
            continue;
        }
        match evaluate(eco, v, range) {
            Outcome::Affected(why) => {
                return verdict(
                    Decision::Affected,
                    format!("in {} range #{}: {why}", range.kind.trim(), i + 1),
                );
            }
            Outcome::NotAffected => {}
            Outcome::Undecidable(why) => undecided.push(format!("range #{}: {why}", i + 1)),
        }
    }
    let listed = if versions.is_empty() {
        String::new()
    } else {
        format!("not among {} listed versions", versions.len())
    };
    if !undecided.is_empty() {
        let mut reason = undecided.join("; ");
        if !listed.is_empty() {
            reason = format!("{listed}; {reason}");
        }
        return verdict(Decision::CannotDecide, reason);
    }
    let ranges_part = match ranges.len() {
        0 => String::new(),
        n => {
            let all: Vec<String> = ranges.iter().map(describe).collect();
            format!("outside {n} range(s): {}", all.join(" | "))
        }
    };
    let reason = match (listed.is_empty(), ranges_part.is_empty()) {
        (false, false) => format!("{listed}; {ranges_part}"),
        (false, true) => listed,
        _ => ranges_part,
    };
    verdict(Decision::NotAffected, reason)
}

fn verdict(decision: Decision, reason: String) -> Verdict {
    Verdict { decision, reason }
}

fn describe(range: &OsvRange) -> String {
    const SHOWN: usize = 8;
    let mut parts: Vec<String> = range
        .events
        .iter()
        .take(SHOWN)
        .map(|e| format!("{} {}", e.label(), e.version()))
        .collect();
    if range.events.len() > SHOWN {
        parts.push(format!("... {} more", range.events.len() - SHOWN));
    }
    format!("{} [{}]", range.kind, parts.join(", "))
}

fn evaluate(eco: Ecosystem, v: &str, range: &OsvRange) -> Outcome {
    let kind = range.kind.trim();
    let cmp: &dyn Fn(&str, &str) -> Result<Ordering, VersionError> = match kind {
        "SEMVER" => &compare_semver,
        "ECOSYSTEM" => &|a: &str, b: &str| compare(eco, a, b),
        "GIT" => {
            return Outcome::Undecidable(format!(
                "{} is a GIT range of commits, which a package version cannot be placed in \
                 without the repository, and the version is not in the versions list",
                describe(range)
            ));
        }
        other => return Outcome::Undecidable(format!("unknown range type '{other}'")),
    };
    if range.events.is_empty() {
        return Outcome::Undecidable(format!("{kind} range has no events"));
    }
    if !range
        .events
        .iter()
        .any(|e| matches!(e, OsvEvent::Introduced(_)))
    {
        return Outcome::Undecidable(format!(
            "{} has no introduced event (invalid OSV)",
            describe(range)
        ));
    }
    match walk(v, range, cmp) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Undecidable(format!("{} ({e})", describe(range))),
    }
}

/// `IncludedInRanges` for one range; an error when any comparison fails.
fn walk(
    v: &str,
    range: &OsvRange,
    cmp: &dyn Fn(&str, &str) -> Result<Ordering, VersionError>,
) -> Result<Outcome, VersionError> {
    // Sort: `introduced "0"` first, `limit "*"` last, others by version; stable insertion
    // sort because the comparator can fail.
    let order = |a: &OsvEvent, b: &OsvEvent| -> Result<Ordering, VersionError> {
        let inf = |e: &OsvEvent| matches!(e, OsvEvent::Limit(x) if x.trim() == "*");
        Ok(match (a.is_zero(), b.is_zero(), inf(a), inf(b)) {
            (true, true, _, _) | (_, _, true, true) => Ordering::Equal,
            (true, _, _, _) | (_, _, _, true) => Ordering::Less,
            (_, true, _, _) | (_, _, true, _) => Ordering::Greater,
            _ => cmp(a.version(), b.version())?,
        })
    };
    let mut sorted: Vec<&OsvEvent> = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let mut at = sorted.len();
        while at > 0 && order(sorted[at - 1], e)? == Ordering::Greater {
            at -= 1;
        }
        sorted.insert(at, e);
    }
    // Each event compared with the version, once.
    let mut limits_seen = false;
    let mut below_a_limit = false;
    let mut vulnerable = false;
    let mut opened_at = 0usize;
    for (idx, e) in sorted.iter().enumerate() {
        match e {
            OsvEvent::Introduced(x) => {
                if e.is_zero() || cmp(v, x)? != Ordering::Less {
                    vulnerable = true;
                    opened_at = idx;
                }
            }
            OsvEvent::Fixed(x) => {
                if cmp(v, x)? != Ordering::Less {
                    vulnerable = false;
                }
            }
            OsvEvent::LastAffected(x) => {
                if cmp(v, x)? == Ordering::Greater {
                    vulnerable = false;
                }
            }
            OsvEvent::Limit(x) => {
                limits_seen = true;
                if x.trim() == "*" || cmp(v, x)? == Ordering::Less {
                    below_a_limit = true;
                }
            }
        }
    }
    if !vulnerable || (limits_seen && !below_a_limit) {
        return Ok(Outcome::NotAffected);
    }
    let opener = sorted[opened_at];
    let closer = sorted[opened_at + 1..]
        .iter()
        .find(|e| matches!(e, OsvEvent::Fixed(_) | OsvEvent::LastAffected(_)));
    let upper = match closer {
        Some(c) => format!("{} {}", c.label(), c.version()),
        None => "no fixed or last_affected event after it".to_owned(),
    };
    Ok(Outcome::Affected(format!(
        "introduced {}, {upper}",
        opener.version()
    )))
}
