//! Real advisories: records that describe the same vulnerability (a PyPA
//! PYSEC record and another source's record of the same CVE, or two PYSEC
//! records aliasing one CVE) score higher than random pairs of PYSEC records.
//!
//! GHSA records of PyPI CVEs are found in osv-scanner's output among the
//! DefectDojo scanner samples (the trivy GHSA fixtures are ten non-PyPI
//! advisories, osv-scanner's own test data has none); the other pairs are
//! the CVE as Bitnami, Go, RustSec, CISA CSAF, vulnrichment (CVE JSON 5) or
//! osv.dev's samples describe it.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::*;
use crate::advisory::{Advisory, Document, parse_document};
use crate::test_data::{files, sub_dir};

/// Folders whose advisories are compared with the PyPA records.
const OTHER_SOURCES: &[&str] = &[
    "bitnami-vulndb",
    "golang-vulndb/data/osv",
    "rustsec-advisory-db",
    "cisa-csaf",
    "vulnrichment",
    "osv-dev-testdata",
];

struct Record {
    id: String,
    cves: Vec<String>,
    text: String,
}

fn record(a: &Advisory) -> Record {
    let cves = std::iter::once(&a.id)
        .chain(&a.aliases)
        .filter(|i| i.starts_with("CVE-"))
        .cloned()
        .collect();
    Record {
        id: a.id.clone(),
        cves,
        text: format!("{}\n{}", a.summary, a.details),
    }
}

fn parse(path: &Path) -> Vec<Advisory> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    match parse_document(&name, &bytes) {
        Ok(Document::Osv(a) | Document::Cve(a)) => vec![a],
        Ok(Document::Csaf(v) | Document::Nvd(v)) => v,
        _ => Vec::new(),
    }
}

/// `CVE-yyyy-n` ids written anywhere in the bytes (a cheap filter before parsing).
fn cve_ids(bytes: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, w) in bytes.windows(4).enumerate() {
        if w != b"CVE-" {
            continue;
        }
        let rest = &bytes[i + 4..];
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'-')
            .count();
        out.insert(String::from_utf8_lossy(&bytes[i..i + 4 + len]).into_owned());
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn share(v: &[f64], at_least: f64) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().filter(|s| **s >= at_least).count() as f64 / v.len() as f64
    }
}

fn candidates(a: &Signature, b: &Signature) -> bool {
    let keys: HashSet<u64> = band_keys(a).into_iter().collect();
    band_keys(b).iter().any(|k| keys.contains(k))
}

fn report(label: &str, pairs: &[(Signature, Signature, bool)]) -> f64 {
    let reworded: Vec<_> = pairs
        .iter()
        .filter(|(_, _, same)| !*same)
        .cloned()
        .collect();
    if reworded.len() < pairs.len() {
        summary(&format!("{label}, text not identical"), &reworded);
    }
    summary(label, pairs)
}

fn summary(label: &str, pairs: &[(Signature, Signature, bool)]) -> f64 {
    let scores: Vec<f64> = pairs.iter().map(|(a, b, _)| a.similarity(b)).collect();
    let lsh = pairs.iter().filter(|(a, b, _)| candidates(a, b)).count();
    let identical = pairs.iter().filter(|(_, _, same)| *same).count();
    println!(
        "{label}: {} pairs ({identical} with identical text), mean similarity {:.3}, \
         >= 0.3: {:.0}%, >= 0.5: {:.0}%, LSH candidates: {:.0}%",
        pairs.len(),
        mean(&scores),
        100.0 * share(&scores, 0.3),
        100.0 * share(&scores, 0.5),
        100.0 * lsh as f64 / pairs.len().max(1) as f64,
    );
    mean(&scores)
}

#[test]
fn similarity_alias_records_score_above_random_pairs() {
    let Some(pypa) = sub_dir("pypa-advisory-db/vulns") else {
        return;
    };
    let mut paths = Vec::new();
    files(&pypa, "yaml", &mut paths);
    let pysec: Vec<Record> = paths
        .iter()
        .flat_map(|p| parse(p))
        .map(|a| record(&a))
        .collect();
    let sigs: Vec<Signature> = pysec.iter().map(|r| signature(&r.text, None)).collect();
    let mut by_cve: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in pysec.iter().enumerate() {
        for c in &r.cves {
            by_cve.entry(c.as_str()).or_default().push(i);
        }
    }
    println!("{} PyPA records, {} CVE ids", pysec.len(), by_cve.len());

    // Another source's record of the same CVE.
    let mut cross = Vec::new();
    let mut seen = BTreeSet::new();
    for source in OTHER_SOURCES {
        let Some(dir) = sub_dir(source) else { continue };
        let mut paths = Vec::new();
        files(&dir, "json", &mut paths);
        for p in &paths {
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            if !cve_ids(&bytes)
                .iter()
                .any(|c| by_cve.contains_key(c.as_str()))
            {
                continue;
            }
            for other in parse(p).iter().map(record) {
                let s = signature(&other.text, None);
                for i in other
                    .cves
                    .iter()
                    .filter_map(|c| by_cve.get(c.as_str()))
                    .flatten()
                {
                    if other.text.trim().is_empty()
                        || !seen.insert((pysec[*i].id.clone(), other.id.clone()))
                    {
                        continue;
                    }
                    cross.push((sigs[*i].clone(), s.clone(), pysec[*i].text == other.text));
                }
            }
        }
    }
    // GHSA records as osv-scanner reported them (a tool's finding).
    let mut ghsa = Vec::new();
    let mut seen = BTreeSet::new();
    for other in osv_scanner_ghsa() {
        let s = signature(&other.text, None);
        for i in other
            .cves
            .iter()
            .filter_map(|c| by_cve.get(c.as_str()))
            .flatten()
        {
            if seen.insert((pysec[*i].id.clone(), other.id.clone())) {
                ghsa.push((sigs[*i].clone(), s.clone(), pysec[*i].text == other.text));
            }
        }
    }
    // Two PYSEC records of one CVE (often two packages, or a re-issued record).
    let mut within = Vec::new();
    let mut seen = BTreeSet::new();
    for ids in by_cve.values() {
        for (n, &i) in ids.iter().enumerate() {
            for &j in &ids[n + 1..] {
                if i != j && seen.insert((i.min(j), i.max(j))) {
                    within.push((
                        sigs[i].clone(),
                        sigs[j].clone(),
                        pysec[i].text == pysec[j].text,
                    ));
                }
            }
        }
    }
    // Random pairs sharing no CVE (a fixed LCG, so the figures repeat).
    let mut random = Vec::new();
    let mut state: u64 = 42;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    while random.len() < 5000 {
        let (i, j) = (next(pysec.len()), next(pysec.len()));
        if i == j || pysec[i].cves.iter().any(|c| pysec[j].cves.contains(c)) {
            continue;
        }
        random.push((
            sigs[i].clone(),
            sigs[j].clone(),
            pysec[i].text == pysec[j].text,
        ));
    }

    let ghsa_mean = report("PYSEC vs GHSA in osv-scanner output, same CVE", &ghsa);
    let cross_mean = report("PYSEC vs other source, same CVE", &cross);
    let within_mean = report("PYSEC vs PYSEC, same CVE", &within);
    let random_mean = report("random PYSEC pairs", &random);
    assert!(
        cross.len() >= 20 && within.len() >= 50,
        "too few alias pairs found"
    );
    assert!(
        cross_mean > random_mean + 0.2,
        "{cross_mean:.3} vs {random_mean:.3}"
    );
    assert!(
        within_mean > random_mean + 0.2,
        "{within_mean:.3} vs {random_mean:.3}"
    );
    // osv-scanner's sample has about 27 such pairs; absent, there is nothing to compare.
    if !ghsa.is_empty() {
        assert!(
            ghsa_mean > random_mean + 0.2,
            "{ghsa_mean:.3} vs {random_mean:.3}"
        );
    }
    let random_scores: Vec<f64> = random.iter().map(|(a, b, _)| a.similarity(b)).collect();
    assert!(share(&random_scores, 0.3) < 0.05 && share(&random_scores, 0.5) < 0.01);
}

/// The GHSA records inside osv-scanner's JSON output
/// (`results[].packages[].vulnerabilities[]`), each parsed as OSV.
fn osv_scanner_ghsa() -> Vec<Record> {
    let Some(dir) = sub_dir("defectdojo-scans/unittests/scans/osv_scanner") else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    files(&dir, "json", &mut paths);
    let mut out = Vec::new();
    for p in paths {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let vulns = doc["results"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["packages"].as_array().into_iter().flatten())
            .flat_map(|p| p["vulnerabilities"].as_array().into_iter().flatten());
        for v in vulns {
            if !v["id"].as_str().is_some_and(|id| id.starts_with("GHSA-")) {
                continue;
            }
            if let Ok(Document::Osv(a)) = parse_document("ghsa.json", v.to_string().as_bytes()) {
                out.push(record(&a));
            }
        }
    }
    out
}
