//! The finding readers against the real data in `../shared/data` (skipped when absent,
//! required in CI): every SARIF file of the SARIF SDK and DefectDojo test data gives one
//! finding per `runs[].results[]` (counted independently here), the same fingerprints
//! when read twice, and a fatal error when truncated; pypa OSV, vulnrichment CVE and
//! CISA CSAF documents become findings with targets.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::test_data::{files, sub_dir};

/// Files whose finding count differs from their `runs[].results[]` count, and why.
/// Empty: every file in the corpus matches.
const COUNT_EXCEPTIONS: &[(&str, &str)] = &[];

const DEFAULT: &str = "repo:https://example.org/x@abc";

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(bytes: &[u8], format: FindingFormat) -> (Vec<Item>, Result<Summary, FindingError>) {
    let target = Target::parse(DEFAULT).expect("default target");
    let mut items = Vec::new();
    let result = parse_stream(bytes, format, Some(&target), &mut |i| items.push(i));
    (items, result)
}

fn sarif_corpus() -> Option<Vec<PathBuf>> {
    let sdk = sub_dir("sarif-sdk-testdata")?;
    let dojo = sub_dir("defectdojo-scans/unittests/scans")?;
    let mut out = Vec::new();
    files(&sdk, "sarif", &mut out);
    files(&dojo, "sarif", &mut out);
    let mut json = Vec::new();
    files(&dojo, "json", &mut json);
    out.extend(json.into_iter().filter(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("sarif"))
    }));
    Some(out)
}

/// The number of `runs[].results[]`, read independently of the parser; None when the
/// file is not a SARIF log object.
fn count_results(bytes: &[u8]) -> Option<u64> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let runs = v.get("runs")?.as_array()?;
    Some(
        runs.iter()
            .filter_map(|r| r.get("results").and_then(Value::as_array))
            .map(|r| r.len() as u64)
            .sum(),
    )
}

fn fingerprints(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Finding(f) => Some(f.fingerprint.clone()),
            Item::Rejected(_) => None,
        })
        .collect()
}

#[test]
fn every_sarif_file_gives_one_finding_per_result() {
    let Some(paths) = sarif_corpus() else { return };
    assert!(paths.len() >= 80, "only {} SARIF files", paths.len());
    let (mut total, mut with_cwe, mut with_severity, mut with_location) = (0, 0, 0, 0);
    let mut unique = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for p in &paths {
        let name = p.display().to_string();
        let bytes = read(p);
        assert_eq!(detect(&bytes), Some(FindingFormat::Sarif), "{name}");
        let expected = count_results(&bytes).unwrap_or_else(|| panic!("{name}: not SARIF"));
        let (items, result) = parse(&bytes, FindingFormat::Sarif);
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let exception = COUNT_EXCEPTIONS.iter().any(|(f, _)| name.ends_with(f));
        if (summary.findings != expected || summary.rejected != 0) && !exception {
            let rejected: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Item::Rejected(e) => Some(e.to_string()),
                    Item::Finding(_) => None,
                })
                .take(3)
                .collect();
            failures.push(format!(
                "{name}: {} findings, {} rejected, {expected} results {rejected:?}",
                summary.findings, summary.rejected
            ));
        }
        for item in &items {
            let Item::Finding(f) = item else { continue };
            assert!(!f.title.is_empty(), "{name} {}", f.position);
            assert!(f.position.starts_with("runs["), "{name} {}", f.position);
            assert_eq!(f.fingerprint.len(), 64);
            assert!(
                f.evidence
                    .as_ref()
                    .is_none_or(|e| e.len() <= MAX_EVIDENCE_BYTES)
            );
            total += 1;
            with_cwe += usize::from(!f.cwes.is_empty());
            with_severity += usize::from(f.severity.is_some());
            with_location += usize::from(f.location.is_some());
            unique.insert(f.fingerprint.clone());
        }
        // The same file read again gives the same fingerprints.
        let (again, _) = parse(&bytes, FindingFormat::Sarif);
        assert_eq!(fingerprints(&items), fingerprints(&again), "{name}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "{} SARIF files: {total} findings ({} distinct fingerprints), {with_cwe} with CWE, \
         {with_severity} with severity, {with_location} with location",
        paths.len(),
        unique.len()
    );
    assert!(total >= 1494, "{total}");
    assert!(
        with_cwe > 100 && with_severity > 1000,
        "{with_cwe} {with_severity}"
    );
}

#[test]
fn truncated_and_wrong_files_are_fatal_errors_with_positions() {
    let Some(paths) = sarif_corpus() else { return };
    for p in &paths {
        let bytes = read(p);
        let cut = &bytes[..bytes.len() / 2];
        match parse(cut, FindingFormat::Sarif).1 {
            Err(FindingError::Document { position, .. }) => assert!(!position.is_empty()),
            other => panic!("{}: truncated file gave {other:?}", p.display()),
        }
    }
    // UTF-16 (the SARIF SDK's Pylint input) and a non-SARIF report.
    let Some(sdk) = sub_dir("sarif-sdk-testdata") else {
        return;
    };
    let mut json = Vec::new();
    files(&sdk, "json", &mut json);
    let utf16 = json
        .iter()
        .find(|p| p.ends_with("Pylint/Pylint-01.json"))
        .expect("Pylint-01.json");
    assert!(parse(&read(utf16), FindingFormat::Sarif).1.is_err());
    let Some(dojo) = sub_dir("defectdojo-scans/unittests/scans/bandit") else {
        return;
    };
    let mut bandit = Vec::new();
    files(&dojo, "json", &mut bandit);
    for p in bandit.iter().take(3) {
        let (items, result) = parse(&read(p), FindingFormat::Sarif);
        assert!(items.is_empty(), "{}", p.display());
        assert!(result.is_err(), "{}: {result:?}", p.display());
    }
}

/// Parses every file of `sub` with extension `ext` whose name `keep` accepts as `format`; returns (documents,
/// findings, rejected) and checks detection and that each finding has a target.
fn advisory_corpus(
    sub: &str,
    ext: &str,
    format: FindingFormat,
    keep: fn(&str) -> bool,
) -> Option<(usize, u64, u64)> {
    let dir = sub_dir(sub)?;
    let mut paths = Vec::new();
    files(&dir, ext, &mut paths);
    paths.retain(|p| p.file_name().is_some_and(|n| keep(&n.to_string_lossy())));
    let (mut findings, mut rejected, mut failures) = (0, 0, Vec::new());
    for p in &paths {
        let bytes = read(p);
        assert_eq!(detect(&bytes), Some(format), "{}", p.display());
        match parse(&bytes, format) {
            (items, Ok(s)) => {
                findings += s.findings;
                rejected += s.rejected;
                for item in items {
                    if let Item::Finding(f) = item {
                        assert!(f.rule_id.is_some() && !f.title.is_empty());
                        assert!(!f.target.identity().is_empty());
                    }
                }
            }
            (_, Err(e)) => failures.push(format!("{}: {e}", p.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Some((paths.len(), findings, rejected))
}

#[test]
fn pypa_osv_records_become_package_findings() {
    let Some((docs, findings, rejected)) =
        advisory_corpus("pypa-advisory-db/vulns", "yaml", FindingFormat::Osv, |_| {
            true
        })
    else {
        return;
    };
    println!("pypa: {docs} documents, {findings} findings, {rejected} rejected (withdrawn)");
    assert!(findings as usize >= docs - rejected as usize, "{findings}");
    // A known record: one finding for paramiko, version-free.
    let dir = sub_dir("pypa-advisory-db/vulns/paramiko").expect("paramiko");
    let mut paths = Vec::new();
    files(&dir, "yaml", &mut paths);
    let (items, _) = parse(&read(&paths[0]), FindingFormat::Osv);
    let Some(Item::Finding(f)) = items.first() else {
        panic!("no finding")
    };
    assert_eq!(f.target.identity(), "pkg:pypi/paramiko");
    assert_eq!(f.position, "affected[0]");
}

#[test]
fn vulnrichment_cve_records_become_findings() {
    let Some((docs, findings, rejected)) =
        advisory_corpus("vulnrichment", "json", FindingFormat::Cve, |n| {
            n.starts_with("CVE-")
        })
    else {
        return;
    };
    println!("vulnrichment: {docs} documents, {findings} findings, {rejected} rejected");
    assert!(findings as usize >= docs - rejected as usize);
}

#[test]
fn cisa_csaf_documents_become_product_findings() {
    let Some((docs, findings, rejected)) =
        advisory_corpus("cisa-csaf/csaf_files", "json", FindingFormat::Csaf, |n| {
            !n.contains("-feed-")
        })
    else {
        return;
    };
    println!("cisa-csaf: {docs} documents, {findings} findings, {rejected} rejected");
    assert!(findings as usize >= docs);
}

/// DefectDojo's real CodeQL log: CodeQL's `primaryLocationLineHash` is equal for
/// equal lines in different files (`py/unused-import` at line 6 of two scripts), so
/// the partial fingerprint counts only with the path. The count of distinct
/// (rule, path, partial fingerprints) is read independently here: every one of the
/// 72 results is a finding of its own.
#[test]
fn codeql_partial_fingerprints_are_kept_apart_by_path() {
    let Some(dir) = sub_dir("defectdojo-scans/unittests/scans/sarif") else {
        return;
    };
    let bytes = read(&dir.join("codeQL-output.sarif"));
    let doc: Value = serde_json::from_slice(&bytes).expect("json");
    let mut distinct = std::collections::HashSet::new();
    for run in doc["runs"].as_array().expect("runs") {
        for r in run["results"].as_array().expect("results") {
            let path = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            distinct.insert((
                r["ruleId"].to_string(),
                path.to_string(),
                r["partialFingerprints"].to_string(),
            ));
        }
    }
    let (items, result) = parse(&bytes, FindingFormat::Sarif);
    result.expect("parses");
    let fps: std::collections::HashSet<String> = fingerprints(&items).into_iter().collect();
    assert_eq!(distinct.len(), 72);
    assert_eq!(fps.len(), distinct.len());
}
