//! osv-scanner's recorded scan results (`../shared/data/osv-scanner-testdata`): every
//! advisory osv-scanner reported for a package version must be decided Affected by that
//! advisory's `affected[]` entry for the package.

use std::collections::BTreeMap;

use super::tests_realdata::{Record, data_dir, files};
use super::{Decision, Ecosystem, decide};

#[derive(serde::Deserialize)]
struct ScanResults {
    results: Vec<ScanSource>,
}

#[derive(serde::Deserialize)]
struct ScanSource {
    packages: Vec<ScanPackage>,
}

#[derive(serde::Deserialize)]
struct ScanPackage {
    package: ScannedPackage,
    #[serde(default)]
    vulnerabilities: Vec<Record>,
}

#[derive(serde::Deserialize)]
struct ScannedPackage {
    name: String,
    version: String,
    ecosystem: String,
}

#[test]
fn osv_scanner_recorded_matches() {
    // osv-scanner's own scan results: every advisory it reported for a package version
    // must be decided Affected by that advisory's entry for the package.
    let Some(dir) = data_dir("osv-scanner-testdata") else {
        return;
    };
    let mut paths = Vec::new();
    files(&dir, "json", &mut paths);
    let (mut matches, mut agreed) = (0usize, 0usize);
    let mut per_eco: BTreeMap<String, usize> = BTreeMap::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("readable");
        let Ok(scan) = serde_json::from_str::<ScanResults>(&text) else {
            continue;
        };
        for pkg in scan.results.iter().flat_map(|r| &r.packages) {
            let eco = Ecosystem::from_osv(&pkg.package.ecosystem);
            for vuln in &pkg.vulnerabilities {
                matches += 1;
                *per_eco.entry(pkg.package.ecosystem.clone()).or_default() += 1;
                let verdicts: Vec<_> = vuln
                    .affected
                    .iter()
                    .filter(|a| {
                        a.package
                            .as_ref()
                            .is_some_and(|ap| ap.name == pkg.package.name)
                    })
                    .map(|a| decide(eco, &pkg.package.version, &a.ranges, &a.versions))
                    .collect();
                if verdicts.iter().any(|v| v.decision == Decision::Affected) {
                    agreed += 1;
                } else {
                    panic!(
                        "{}: {} {} {}: {verdicts:?}",
                        p.display(),
                        vuln.id,
                        pkg.package.name,
                        pkg.package.version
                    );
                }
            }
        }
    }
    println!("osv-scanner recorded matches {matches} agreed {agreed} per ecosystem {per_eco:?}");
    assert!(matches >= 30, "{matches}");
}
