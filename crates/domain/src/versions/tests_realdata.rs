//! Checks against real OSV data in `../shared/data` (absent: the test prints SKIPPED and
//! passes, unless `CI=true`, where it fails).
//!
//! * every `introduced`/`fixed`/`last_affected`/`limit` event of a SEMVER or ECOSYSTEM
//!   range parses for its ecosystem;
//! * every version in an `affected[].versions` list that also has ranges is decided
//!   Affected by the ranges alone (the list enumerates the ranges);
//! * each range's own bounds land on the right side (introduced and last_affected are
//!   affected, fixed is not).

use std::collections::BTreeMap;
use std::path::PathBuf;

pub(super) use crate::test_data::{files, sub_dir as data_dir};

use super::{
    Decision, Ecosystem, OsvEvent, OsvRange, compare, compare_semver, decide, yaml_subset,
};

#[derive(serde::Deserialize)]
pub(super) struct Record {
    #[serde(default)]
    pub(super) id: String,
    #[serde(default)]
    pub(super) affected: Vec<Affected>,
}

#[derive(serde::Deserialize)]
pub(super) struct Affected {
    pub(super) package: Option<Package>,
    #[serde(default)]
    pub(super) ranges: Vec<OsvRange>,
    #[serde(default)]
    pub(super) versions: Vec<String>,
}

#[derive(serde::Deserialize)]
pub(super) struct Package {
    pub(super) ecosystem: String,
    pub(super) name: String,
}

/// Reads every OSV record under `sub` (JSON, or YAML through the test-only reader).
/// Files that do not parse, or whose `affected` is not OSV-shaped, are returned apart.
/// Records read from a data set, with the files that could not be read.
pub(super) type Loaded = (Vec<(PathBuf, Record)>, Vec<String>);

pub(super) fn records(sub: &str, ext: &str) -> Option<Loaded> {
    let dir = data_dir(sub)?;
    let mut paths = Vec::new();
    files(&dir, ext, &mut paths);
    let (mut out, mut unread) = (Vec::new(), Vec::new());
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("readable");
        let value = if ext == "json" {
            serde_json::from_str::<serde_json::Value>(&text).ok()
        } else {
            yaml_subset::parse(&text)
        };
        let Some(value) = value else {
            unread.push(format!("{}: does not parse", p.display()));
            continue;
        };
        if !value.get("affected").is_some_and(|a| a.is_array()) {
            continue; // not an OSV record (SBOMs, CVE records, schemas)
        }
        match serde_json::from_value::<Record>(value) {
            Ok(rec) => out.push((p, rec)),
            Err(e) => unread.push(format!("{}: {e}", p.display())),
        }
    }
    Some((out, unread))
}

#[derive(Default, Debug)]
pub(super) struct Tally {
    pub(super) records: usize,
    pub(super) entries: usize,
    pub(super) events: usize,
    pub(super) event_failures: Vec<String>,
    pub(super) listed: usize,
    pub(super) listed_affected: usize,
    /// Not in the SEMVER/ECOSYSTEM ranges, but the entry also has a GIT range.
    pub(super) listed_from_git: Vec<String>,
    /// Listed in an entry whose ranges are all GIT.
    pub(super) listed_git_only: usize,
    /// Listed versions the ecosystem cannot order (CannotDecide by design).
    pub(super) listed_unorderable: Vec<String>,
    pub(super) listed_other: Vec<String>,
    pub(super) bounds: usize,
    pub(super) bounds_wrong: Vec<String>,
}

pub(super) fn ordering_ok(kind: &str, eco: Ecosystem, v: &str) -> Result<(), String> {
    let r = match kind {
        "SEMVER" => compare_semver(v, v),
        _ => compare(eco, v, v),
    };
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// Runs every check over `recs`, keyed by OSV ecosystem base name.
pub(super) fn check(recs: &[(PathBuf, Record)]) -> BTreeMap<String, Tally> {
    let mut by_eco: BTreeMap<String, Tally> = BTreeMap::new();
    for (_, rec) in recs {
        let mut seen = Vec::new();
        for aff in &rec.affected {
            let eco_name = aff
                .package
                .as_ref()
                .map_or("(none)", |p| p.ecosystem.as_str());
            let base = eco_name.split(':').next().unwrap_or_default().to_owned();
            let eco = Ecosystem::from_osv(eco_name);
            let t = by_eco.entry(base.clone()).or_default();
            if !seen.contains(&base) {
                t.records += 1;
                seen.push(base.clone());
            }
            t.entries += 1;
            for range in aff.ranges.iter().filter(|r| r.kind != "GIT") {
                for ev in &range.events {
                    let v = match ev {
                        OsvEvent::Introduced(v) if v == "0" => continue,
                        OsvEvent::Limit(v) if v == "*" => continue,
                        OsvEvent::Introduced(v)
                        | OsvEvent::Fixed(v)
                        | OsvEvent::LastAffected(v)
                        | OsvEvent::Limit(v) => v,
                    };
                    t.events += 1;
                    if let Err(e) = ordering_ok(&range.kind, eco, v) {
                        t.event_failures
                            .push(format!("{} {}: {e}", rec.id, range.kind));
                    }
                }
                check_bounds(rec, eco, range, t);
            }
            let ordered: Vec<OsvRange> = aff
                .ranges
                .iter()
                .filter(|r| r.kind != "GIT")
                .cloned()
                .collect();
            let has_git = ordered.len() < aff.ranges.len();
            for v in &aff.versions {
                if ordered.is_empty() {
                    // GIT ranges only: the list is the enumeration, the ranges cannot answer.
                    if has_git {
                        t.listed_git_only += 1;
                        let verdict = decide(eco, v, &aff.ranges, &[]);
                        assert_eq!(verdict.decision, Decision::CannotDecide, "{} {v}", rec.id);
                        assert_eq!(
                            decide(eco, v, &aff.ranges, &aff.versions).decision,
                            Decision::Affected
                        );
                    }
                    continue;
                }
                t.listed += 1;
                let verdict = decide(eco, v, &aff.ranges, &[]);
                if verdict.decision == Decision::Affected {
                    t.listed_affected += 1;
                    continue;
                }
                let by_order = decide(eco, v, &ordered, &[]);
                let kind = ordered[0].kind.as_str();
                if by_order.decision == Decision::CannotDecide && ordering_ok(kind, eco, v).is_err()
                {
                    t.listed_unorderable.push(format!("{} {v}", rec.id));
                } else if has_git && by_order.decision == Decision::NotAffected {
                    // Listed because a GIT range's tags reach it; the version ranges do not.
                    t.listed_from_git.push(format!("{} {v}", rec.id));
                } else {
                    t.listed_other.push(format!(
                        "{} {v}: {:?} ({})",
                        rec.id, by_order.decision, by_order.reason
                    ));
                }
            }
        }
    }
    by_eco
}

/// Each bound lands where the schema's algorithm puts it: at a version named by several
/// introduced/fixed events the one written last wins (introduced: affected, fixed: not);
/// otherwise introduced and last_affected bounds are affected and fixed bounds are not.
fn check_bounds(rec: &Record, eco: Ecosystem, range: &OsvRange, t: &mut Tally) {
    let same = |a: &str, b: &str| {
        let r = if range.kind == "SEMVER" {
            compare_semver(a, b)
        } else {
            compare(eco, a, b)
        };
        r == Ok(std::cmp::Ordering::Equal)
    };
    let one = std::slice::from_ref(range);
    for ev in &range.events {
        let v = match ev {
            OsvEvent::Introduced(v) if v == "0" => continue,
            OsvEvent::Limit(_) => continue,
            OsvEvent::Introduced(v) | OsvEvent::Fixed(v) | OsvEvent::LastAffected(v) => v,
        };
        if ordering_ok(&range.kind, eco, v).is_err() {
            continue; // counted as an event failure already
        }
        let last_at_v = range.events.iter().rev().find(|e| match e {
            OsvEvent::Introduced(x) => x != "0" && same(x, v),
            OsvEvent::Fixed(x) => same(x, v),
            _ => false,
        });
        let want = match last_at_v {
            Some(OsvEvent::Fixed(_)) => Decision::NotAffected,
            _ => Decision::Affected,
        };
        t.bounds += 1;
        let got = decide(eco, v, one, &[]);
        if got.decision != want {
            t.bounds_wrong.push(format!(
                "{} {v}: want {want:?}, got {:?} ({})",
                rec.id, got.decision, got.reason
            ));
        }
    }
}

pub(super) fn report(source: &str, by_eco: &BTreeMap<String, Tally>) {
    for (eco, t) in by_eco {
        println!(
            "{source} [{eco}] records {} entries {} | events {} unparseable {} | listed versions {} affected {} ({:.2}%), \
             outside version ranges but GIT-range tags {}, in GIT-only entries {}, not orderable {} | bounds {} wrong {}",
            t.records,
            t.entries,
            t.events,
            t.event_failures.len(),
            t.listed,
            t.listed_affected,
            if t.listed == 0 {
                100.0
            } else {
                100.0 * t.listed_affected as f64 / t.listed as f64
            },
            t.listed_from_git.len(),
            t.listed_git_only,
            t.listed_unorderable.len(),
            t.bounds,
            t.bounds_wrong.len(),
        );
        for line in t
            .event_failures
            .iter()
            .chain(&t.listed_other)
            .chain(&t.bounds_wrong)
            .take(40)
        {
            println!("    {line}");
        }
        if !t.listed_from_git.is_empty() {
            println!(
                "    listed through a GIT range only: {}",
                t.listed_from_git.join(", ")
            );
        }
        if !t.listed_unorderable.is_empty() {
            println!(
                "    not orderable, so CannotDecide by design: {}",
                t.listed_unorderable.join(", ")
            );
        }
    }
}

/// Asserts that the only disagreements are the `known` ones (record id prefixes of each
/// problem line), so that a new disagreement fails and a fixed quirk is noticed.
pub(super) fn assert_only_known(source: &str, by_eco: &BTreeMap<String, Tally>, known: &[&str]) {
    let mut unexpected = Vec::new();
    let mut matched = vec![false; known.len()];
    for t in by_eco.values() {
        for line in t
            .event_failures
            .iter()
            .chain(&t.listed_other)
            .chain(&t.bounds_wrong)
        {
            match known.iter().position(|k| line.starts_with(k)) {
                Some(i) => matched[i] = true,
                None => unexpected.push(line.clone()),
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "{source}: unexpected disagreements:\n{}",
        unexpected.join("\n")
    );
    let stale: Vec<&&str> = known
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(k, _)| k)
        .collect();
    assert!(
        stale.is_empty(),
        "{source}: listed quirks no longer seen: {stale:?}"
    );
}
