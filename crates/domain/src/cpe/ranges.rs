//! The affected versions an advisory states for a CPE, as OSV ranges and listed
//! versions (the shape [`crate::versions::decide`] evaluates).
//!
//! Sources: CVE JSON 5 `affected[]` entries that carry `cpes` (their `versions[]`
//! already mapped to OSV by the CVE reader: [`with_versions`]) and configuration
//! trees of CPE match criteria, the CVE 5.1 `cpeApplicability` and the NVD API 2.0
//! `configurations`, which share one shape ([`Node`], [`from_nodes`]). A match
//! criterion becomes:
//!
//! * with `versionStart*` / `versionEnd*`: one range `introduced: start` (else `0`),
//!   then `fixed: versionEndExcluding` or `last_affected: versionEndIncluding`; an
//!   excluding start is written as an including one (OSV cannot say "after"): the
//!   start version itself reads as affected, a false alarm rather than a miss;
//! * without a range, a criterion naming a version (`...:log4j:2.14.1:...`) lists
//!   that version (with its update: `2.0-beta9`); one with version ANY or NA affects
//!   every version (`introduced: 0`).
//!
//! Only criteria marked `vulnerable` count; the other members of an `AND`
//! configuration (the platform an application runs on) are not checked, and a
//! negated node is skipped, so the mapping errs toward a false alarm. Editions,
//! target software and the other attributes are not compared either: the match is
//! by vendor and product ([`super::Cpe::match_key`]).

use serde::Deserialize;

use super::{Cpe, Value};
use crate::versions::{OsvEvent, OsvRange};

/// The most nodes (at any depth) and match criteria read from one record.
pub const MAX_CRITERIA: usize = 100_000;

/// The affected versions of one product named by CPE.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CpeAffected {
    /// The CPE as the advisory names it, rewritten as a 2.3 formatted string.
    pub cpe: String,
    /// [`Cpe::match_key`]: `cpe:<vendor>:<product>`.
    pub key: String,
    pub ranges: Vec<OsvRange>,
    pub versions: Vec<String>,
}

/// A configuration node: CVE 5.1 `cpeApplicability[].nodes[]`, NVD
/// `configurations[].nodes[]`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    #[serde(default)]
    pub negate: Option<bool>,
    #[serde(default, deserialize_with = "crate::advisory::nullable")]
    pub cpe_match: Vec<CpeMatch>,
}

/// A configuration: a list of nodes (CVE 5.1 `cpeApplicability[]`, NVD
/// `configurations[]`).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Configuration {
    #[serde(default)]
    pub negate: Option<bool>,
    #[serde(default, deserialize_with = "crate::advisory::nullable")]
    pub nodes: Vec<Node>,
}

/// One CPE match criterion.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CpeMatch {
    #[serde(default)]
    pub vulnerable: Option<bool>,
    #[serde(default)]
    pub criteria: Option<String>,
    #[serde(default)]
    pub version_start_including: Option<String>,
    #[serde(default)]
    pub version_start_excluding: Option<String>,
    #[serde(default)]
    pub version_end_including: Option<String>,
    #[serde(default)]
    pub version_end_excluding: Option<String>,
}

fn bound(v: &Option<String>) -> Option<&str> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "*" && *v != "-")
}

impl CpeMatch {
    /// What this criterion states, or `None` when it is not vulnerable or its CPE
    /// does not parse or names no product.
    pub fn affected(&self) -> Option<CpeAffected> {
        if self.vulnerable == Some(false) {
            return None;
        }
        let cpe = Cpe::parse(self.criteria.as_deref()?).ok()?;
        let key = cpe.match_key()?;
        let start = bound(&self.version_start_including).or(bound(&self.version_start_excluding));
        let end_fixed = bound(&self.version_end_excluding);
        let end_last = bound(&self.version_end_including);
        let mut out = CpeAffected {
            cpe: cpe.to_string(),
            key,
            ranges: Vec::new(),
            versions: Vec::new(),
        };
        if start.is_some() || end_fixed.is_some() || end_last.is_some() {
            let mut events = vec![OsvEvent::Introduced(start.unwrap_or("0").to_owned())];
            if let Some(f) = end_fixed {
                events.push(OsvEvent::Fixed(f.to_owned()));
            } else if let Some(l) = end_last {
                events.push(OsvEvent::LastAffected(l.to_owned()));
            }
            out.ranges.push(ecosystem_range(events));
        } else {
            match (&cpe.version, cpe.version_text()) {
                (Value::Text(_), Some(v)) => out.versions.push(v),
                _ => out
                    .ranges
                    .push(ecosystem_range(vec![OsvEvent::Introduced("0".into())])),
            }
        }
        Some(out)
    }
}

fn ecosystem_range(events: Vec<OsvEvent>) -> OsvRange {
    OsvRange {
        kind: "ECOSYSTEM".into(),
        events,
    }
}

/// Every vulnerable criterion of a list of configurations, merged per product.
/// Stops after [`MAX_CRITERIA`] criteria.
pub fn from_configurations(configs: &[Configuration], out: &mut Vec<CpeAffected>) {
    let mut seen = 0usize;
    for c in configs.iter().filter(|c| c.negate != Some(true)) {
        for n in c.nodes.iter().filter(|n| n.negate != Some(true)) {
            for m in &n.cpe_match {
                seen += 1;
                if seen > MAX_CRITERIA {
                    return;
                }
                if let Some(a) = m.affected() {
                    merge(out, a);
                }
            }
        }
    }
}

/// The entry for a CVE JSON 5 `affected[].cpes` member: the entry's `versions[]`
/// (already OSV ranges and listed versions) plus the version the CPE names.
/// `None` when the CPE does not parse, names no product, or nothing is affected.
pub fn with_versions(cpe: &str, ranges: &[OsvRange], listed: &[String]) -> Option<CpeAffected> {
    let parsed = Cpe::parse(cpe).ok()?;
    let key = parsed.match_key()?;
    let mut versions = listed.to_vec();
    if let Some(v) = parsed.version_text()
        && !versions.contains(&v)
    {
        versions.push(v);
    }
    if ranges.is_empty() && versions.is_empty() {
        return None;
    }
    Some(CpeAffected {
        cpe: parsed.to_string(),
        key,
        ranges: ranges.to_vec(),
        versions,
    })
}

/// Adds an entry, joining it with the one of the same product.
pub fn merge(list: &mut Vec<CpeAffected>, a: CpeAffected) {
    match list.iter_mut().find(|e| e.key == a.key) {
        Some(e) => {
            for r in a.ranges {
                if !e.ranges.contains(&r) {
                    e.ranges.push(r);
                }
            }
            for v in a.versions {
                if !e.versions.contains(&v) {
                    e.versions.push(v);
                }
            }
        }
        None => list.push(a),
    }
}
