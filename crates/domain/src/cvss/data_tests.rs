//! Published CVSS scores and OSV vectors in `../shared/data` checked against [`score`]
//! (skipped when the folder is absent, a failure in CI).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use super::*;
use crate::test_data::{data_dir, json_files};

/// Every JSON document under `dirs` of the data folder, with its file stem.
fn documents(data: &Path, dirs: &[&str]) -> Vec<(String, Value)> {
    let mut files = Vec::new();
    for dir in dirs {
        json_files(&data.join(dir), &mut files);
    }
    let read = |p: &PathBuf| {
        let text = std::fs::read_to_string(p).ok()?;
        let doc = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
        let stem = p.file_stem()?.to_string_lossy().into_owned();
        Some((stem, doc))
    };
    files.iter().filter_map(read).collect()
}

/// Objects holding a CVSS 3.x/4.0 `vectorString` and a numeric `baseScore`, anywhere:
/// CVE JSON 5 `containers.{cna,adp[]}.metrics[].cvssV3_0|cvssV3_1|cvssV4_0`, CSAF
/// `vulnerabilities[].scores[].cvss_v3` and NVD API `metrics.cvssMetricV3x[].cvssData`.
/// CVE records' `x_legacyV4Record` (a stale copy of the retired CVE JSON 4 record, whose
/// scores were later corrected in the CNA container) is not a published score and is skipped.
fn published(v: &Value, out: &mut Vec<(String, f64, Option<String>)>) {
    match v {
        Value::Object(map) => {
            let vector = map.get("vectorString").and_then(Value::as_str);
            let base = map.get("baseScore").and_then(Value::as_f64);
            if let (Some(vector), Some(base)) = (vector, base)
                && ["CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"]
                    .iter()
                    .any(|p| vector.starts_with(p))
            {
                let severity = map.get("baseSeverity").and_then(Value::as_str);
                out.push((vector.to_owned(), base, severity.map(str::to_uppercase)));
            }
            for (key, child) in map {
                if key != "x_legacyV4Record" {
                    published(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| published(i, out)),
        _ => {}
    }
}

/// Published `baseScore`s that are not base scores: "RECORD PUBLISHED BASE KIND VECTOR".
/// BASE is the base score of FIRST's calculators (and of Red Hat's reference
/// implementation); KIND names the score the publisher wrote instead, which the test
/// recomputes with the `cvss` crate to prove the diagnosis:
/// - `temporal`: the CVSS 3.1 Temporal score (Fortinet, vectors with E/RL/RC);
/// - `environmental`: the CVSS 3.1 Environmental score with no Environmental metric set
///   (GitHub, Scope Changed). 3.1's ModifiedImpact uses (MISS x 0.9731 - 0.02)^13 where
///   the Base Impact uses (ISS - 0.02)^15, so FIRST's 3.1 calculator shows, for
///   AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H, Base 9.6 and Environmental 9.7;
/// - `threat`: the CVSS 4.0 CVSS-BT score (GitHub, vectors with E). The Base score
///   (CVSS-B, specification §1.3) comes from the Base metrics alone.
const KNOWN_PUBLISHER_ERRORS: &str = "
CVE-2022-30299 5.0 5.3 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N/E:P/RL:U/RC:C
CVE-2022-33869 8.0 8.8 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:R
CVE-2022-41328 6.5 6.7 temporal CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:C
CVE-2022-41335 8.6 8.8 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:C
CVE-2022-42475 9.3 9.8 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C
CVE-2022-43953 6.3 6.7 temporal CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C
CVE-2023-22633 7.2 7.5 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:X/RL:X/RC:R
CVE-2023-22637 5.9 6.5 temporal CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H/E:P/RL:X/RC:R
CVE-2023-25607 7.4 7.8 temporal CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P/RL:X/RC:C
CVE-2023-27997 9.2 9.8 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:R
CVE-2023-28000 6.3 6.7 temporal CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:R
CVE-2023-29179 6.4 6.5 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H/E:F/RL:U/RC:C
CVE-2023-33306 6.2 6.5 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H/E:P/RL:X/RC:X
CVE-2023-41836 3.4 3.5 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:N/I:L/A:N/E:F/RL:X/RC:C
CVE-2023-42790 7.7 8.1 temporal CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C
CVE-2023-44248 4.0 4.4 temporal CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H/E:P/RL:X/RC:R
CVE-2023-45581 7.9 8.8 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:U
CVE-2023-48788 9.3 9.8 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C
CVE-2024-21762 9.6 9.8 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H/RL:W/RC:C
CVE-2024-23107 5.2 5.5 temporal CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N/E:P/RL:X/RC:C
CVE-2024-23664 5.8 6.1 temporal CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:U/RC:C
CVE-2024-23668 8.6 8.8 temporal CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:X
CVE-2023-45136 9.7 9.6 environmental CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H
CVE-2024-22212 9.7 9.6 environmental CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H
CVE-2024-29201 10.0 9.9 environmental CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H
CVE-2024-31210 7.7 7.6 environmental CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:H/I:H/A:H
CVE-2024-31984 10.0 9.9 environmental CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H
CVE-2024-31987 10.0 9.9 environmental CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H
CVE-2024-37293 7.6 7.5 environmental CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H
CVE-2024-43400 9.1 9.0 environmental CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H
CVE-2024-43402 8.2 8.1 environmental CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H
CVE-2024-45401 7.6 7.5 environmental CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:C/C:H/I:H/A:H
CVE-2024-47070 9.1 9.0 environmental CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H
CVE-2024-47888 6.6 8.7 threat CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U
CVE-2024-49366 7.7 8.7 threat CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N/E:P
";

/// The score KIND names, computed by the `cvss` crate, as evidence of a publisher error.
fn other_score(kind: &str, vector: &str) -> Option<f64> {
    match kind {
        "temporal" => Some(
            cvss::v3::Vector::from_str(vector)
                .ok()?
                .temporal_score()
                .value(),
        ),
        "environmental" => Some(
            cvss::v3::Vector::from_str(vector)
                .ok()?
                .environmental_score()
                .value(),
        ),
        "threat" => Some(cvss::v4::Vector::from_str(vector).ok()?.score().value()),
        _ => None,
    }
}

#[test]
fn cvss_published_base_scores_match() {
    let Some(data) = data_dir() else { return };
    let known: BTreeMap<(&str, &str), (f64, f64, &str)> = KNOWN_PUBLISHER_ERRORS
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [record, published, base, kind, vector] => {
                    let (p, b) = (published.parse().ok()?, base.parse().ok()?);
                    Some(((record, vector), (p, b, kind)))
                }
                _ => None,
            },
        )
        .collect();
    assert_eq!(known.len(), KNOWN_PUBLISHER_ERRORS.trim().lines().count());
    let dirs = [
        "vulnrichment",
        "cve-schema-5",
        "golang-vulndb/data/cve/v5",
        "cisa-csaf",
        "osv-dev-testdata",
    ];
    let (mut counts, mut seen, mut failures) = (BTreeMap::new(), BTreeSet::new(), Vec::new());
    for (record, doc) in documents(&data, &dirs) {
        let mut pairs = Vec::new();
        published(&doc, &mut pairs);
        for (vector, published, severity) in pairs {
            let ours = match score(&vector) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("{record}: {vector}: {e}"));
                    continue;
                }
            };
            *counts.entry(ours.version.as_str()).or_insert(0usize) += 1;
            if let Some(&(p, base, kind)) = known.get(&(record.as_str(), vector.as_str())) {
                seen.insert((record.clone(), vector.clone()));
                assert_eq!((published, ours.base_score), (p, base), "{record} {vector}");
                let evidence = other_score(kind, &vector);
                assert_eq!(
                    evidence,
                    Some(published),
                    "{record}: {kind} score of {vector}"
                );
                continue;
            }
            if ours.base_score != published {
                failures.push(format!(
                    "{record}: {vector}: published {published}, computed {}",
                    ours.base_score
                ));
            } else if severity
                .as_deref()
                .is_some_and(|s| s != ours.severity.as_str())
            {
                failures.push(format!(
                    "{record}: {vector}: severity {severity:?}, computed {}",
                    ours.severity
                ));
            }
        }
    }
    println!(
        "published (vector, baseScore) pairs checked: {counts:?}; known publisher errors: {}",
        seen.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let unseen: Vec<_> = known
        .keys()
        .filter(|(r, v)| !seen.contains(&(r.to_string(), v.to_string())))
        .collect();
    assert!(
        unseen.is_empty(),
        "known publisher errors not found in the data: {unseen:?}"
    );
    let count = |v: &str| counts.get(v).copied().unwrap_or(0);
    assert!(
        count("3.1") >= 1000 && count("3.0") >= 100 && count("4.0") >= 50,
        "too few pairs: {counts:?}"
    );
}

/// OSV `severity[]` entries (`{"type": "CVSS_V3" | "CVSS_V4", "score": VECTOR}`), anywhere.
fn osv_vectors(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            let kind = map.get("type").and_then(Value::as_str);
            let vector = map.get("score").and_then(Value::as_str);
            if let (Some(kind @ ("CVSS_V3" | "CVSS_V4")), Some(vector)) = (kind, vector) {
                out.push((kind.to_owned(), vector.to_owned()));
            }
            map.values().for_each(|child| osv_vectors(child, out));
        }
        Value::Array(items) => items.iter().for_each(|i| osv_vectors(i, out)),
        _ => {}
    }
}

/// OSV vectors that are invalid, by record, with the error [`score`] must give.
const KNOWN_INVALID_OSV_VECTORS: &[(&str, &str, &str)] = &[
    // GitHub's advisory JSON as copied by trivy-db's fixtures: a trailing '/'.
    (
        "GHSA-f5pg-7wfw-84q9",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/",
        "empty metric at position 60 (doubled or trailing '/')",
    ),
    // Dependency-Track's fixture for an invalid CVSS vector.
    (
        "osv-vulnerability-invalid-cvss",
        "CVSS:3.1/AV:N/AC:L",
        "missing required metric 'PR'",
    ),
];

#[test]
fn cvss_osv_vectors_parse() {
    let Some(data) = data_dir() else { return };
    let dirs = [
        "rustsec-advisory-db/osv-branch",
        "bitnami-vulndb",
        "golang-vulndb/data/osv",
        "osv-scanner-testdata",
        "trivy-db-ghsa-fixtures",
        "osv-schema",
        "dependency-track-testdata",
        "osv-dev-testdata",
        "defectdojo-scans",
    ];
    let (mut counts, mut rejected, mut failures) = (BTreeMap::new(), 0, Vec::new());
    for (record, doc) in documents(&data, &dirs) {
        let mut vectors = Vec::new();
        osv_vectors(&doc, &mut vectors);
        for (kind, vector) in vectors {
            let known = KNOWN_INVALID_OSV_VECTORS
                .iter()
                .find(|(r, v, _)| *r == record && *v == vector);
            match (score(&vector), known) {
                (Err(e), Some((_, _, expected))) => {
                    assert_eq!(e.to_string(), *expected, "{record}");
                    rejected += 1;
                }
                (Ok(s), None) => {
                    let v4 = s.version == CvssVersion::V4_0;
                    if v4 != (kind == "CVSS_V4") {
                        failures.push(format!("{record}: {kind} holds {vector}"));
                    }
                    assert!((0.0..=10.0).contains(&s.base_score), "{vector}");
                    *counts.entry(s.version.as_str()).or_insert(0usize) += 1;
                }
                (Err(e), None) => failures.push(format!("{record}: {vector}: {e}")),
                (Ok(_), Some(_)) => {
                    failures.push(format!("{record}: {vector} parsed but is invalid"))
                }
            }
        }
    }
    println!("OSV vectors parsed: {counts:?}; known-invalid rejected: {rejected}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(rejected, KNOWN_INVALID_OSV_VECTORS.len());
    let count = |v: &str| counts.get(v).copied().unwrap_or(0);
    assert!(
        count("3.1") >= 500 && count("4.0") >= 100,
        "too few OSV vectors: {counts:?}"
    );
}
