//! The real-data checks of `tests_realdata`, one test per data set: RustSec
//! (crates.io), the Go vulnerability database, Bitnami, PyPA (PyPI, YAML) and smaller OSV
//! samples (schema fixtures, GHSA conversions, osv.dev and Dependency-Track fixtures).
//! Every disagreement must be a listed data quirk, with the evidence beside it.

use std::path::PathBuf;

use super::tests_realdata::{Record, assert_only_known, check, records, report};
use super::{Decision, Ecosystem, OsvEvent, OsvRange, decide};

#[test]
fn rustsec_crates_io() {
    let Some((recs, unread)) = records("rustsec-advisory-db/osv-branch", "json") else {
        return;
    };
    assert!(unread.is_empty(), "{unread:?}");
    let by_eco = check(&recs);
    report("rustsec", &by_eco);
    assert!(by_eco.get("crates.io").is_some_and(|t| t.events > 2000));
    assert_only_known("rustsec", &by_eco, &[]);
}

#[test]
fn golang_vulndb() {
    let Some((recs, unread)) = records("golang-vulndb/data/osv", "json") else {
        return;
    };
    assert!(unread.is_empty(), "{unread:?}");
    let by_eco = check(&recs);
    report("golang", &by_eco);
    assert!(by_eco.get("Go").is_some_and(|t| t.events > 7000));
    assert_only_known("golang", &by_eco, &[]);
}

#[test]
fn bitnami_vulndb() {
    let Some((recs, unread)) = records("bitnami-vulndb", "json") else {
        return;
    };
    assert!(unread.is_empty(), "{unread:?}");
    let by_eco = check(&recs);
    report("bitnami", &by_eco);
    assert!(by_eco.get("Bitnami").is_some_and(|t| t.events > 2500));
    // Data quirk: a SEMVER range opened by a nightly build name,
    // `{"introduced": "nightly.2026-03-10.0"}, {"fixed": "4.6.0"}`: not SemVer, so the
    // range cannot be placed and every version outside other ranges is CannotDecide.
    assert_only_known("bitnami", &by_eco, &["BIT-mastodon-2026-47777 "]);
}

#[test]
fn pypa_advisory_db() {
    let Some((recs, unread)) = records("pypa-advisory-db/vulns", "yaml") else {
        return;
    };
    assert!(unread.is_empty(), "{unread:?}");
    let by_eco = check(&recs);
    report("pypa", &by_eco);
    git_consequence(&recs);
    let pypi = by_eco.get("PyPI").expect("PyPI records");
    assert!(pypi.listed > 100_000 && pypi.listed_affected * 1000 >= pypi.listed * 999);
    assert_only_known(
        "pypa",
        &by_eco,
        &[
            // `fixed: 0.2.0-n653` (binderhub, next to a GIT range whose fixed event is
            // "195caac....patch"): not a PEP 440 version.
            "PYSEC-2021-371 ECOSYSTEM",
            // `fixed: "2019-09-12"` (steam): a date, not a PEP 440 version.
            "PYSEC-2019-125 ECOSYSTEM",
            // Django: `introduced: "3.2"` / `"4.2"` but the list names 3.2a1, 3.2b1, 3.2rc1,
            // 4.2a1, 4.2b1, 4.2rc1, which PEP 440 orders before 3.2 / 4.2.
            "PYSEC-2023-61 ",
            // wagtail: one events array holding two overlapping ranges, written
            // [introduced 2.11, fixed 2.11.7, introduced 0, fixed 2.11.6, ...]; sorted, the
            // fixed 2.11.6 closes both, so 2.11.6 is outside although listed.
            "PYSEC-2021-114 2.11.6",
        ],
    );
}

#[test]
fn smaller_osv_samples() {
    // Schema linter fixtures, GHSA conversions, osv.dev and Dependency-Track fixtures:
    // Maven, NuGet, Packagist, RubyGems, Alpine, Red Hat and Debian ranges.
    let mut all = Vec::new();
    for sub in [
        "osv-schema",
        "trivy-db-ghsa-fixtures",
        "osv-dev-testdata",
        "dependency-track-testdata",
    ] {
        let Some((recs, unread)) = records(sub, "json") else {
            return;
        };
        for u in &unread {
            println!("samples: not read: {u}");
        }
        all.extend(recs);
    }
    let by_eco = check(&all);
    report("samples", &by_eco);
    // Dependency-Track's synthetic OSV parser fixture (GSD-2022-1000008 in
    // osv-vulnerability-with-ranges.json): its versions list (1.0.0.RELEASE, 2.0.9.RELEASE) is
    // unrelated to its ranges ("fixed 2, introduced 3, ...", "introduced 10, limit 13").
    assert_only_known("samples", &by_eco, &["GSD-2022-1000008 "]);
}

/// Checks the GIT rule: in entries with both GIT and version ranges, the version at which
/// the version ranges' last `fixed` event sits is outside those ranges, and the GIT range
/// (skipped beside version ranges) must not make it undecided.
fn git_consequence(recs: &[(PathBuf, Record)]) {
    let (mut entries, mut undecided) = (0usize, 0usize);
    for aff in recs.iter().flat_map(|(_, r)| &r.affected) {
        let eco = Ecosystem::from_osv(aff.package.as_ref().map_or("", |p| p.ecosystem.as_str()));
        let ordered: Vec<OsvRange> = aff
            .ranges
            .iter()
            .filter(|r| r.kind != "GIT")
            .cloned()
            .collect();
        if ordered.is_empty() || ordered.len() == aff.ranges.len() {
            continue;
        }
        let Some(OsvEvent::Fixed(fixed)) = ordered
            .iter()
            .flat_map(|r| &r.events)
            .rev()
            .find(|e| matches!(e, OsvEvent::Fixed(_)))
        else {
            continue;
        };
        if decide(eco, fixed, &ordered, &aff.versions).decision != Decision::NotAffected {
            continue;
        }
        entries += 1;
        if decide(eco, fixed, &aff.ranges, &aff.versions).decision == Decision::CannotDecide {
            undecided += 1;
        }
    }
    println!(
        "pypa: entries with GIT and version ranges whose last fixed version is outside the version ranges: {entries}; CannotDecide there because of the GIT range: {undecided}"
    );
    assert_eq!(
        undecided, 0,
        "a GIT range beside version ranges must not block a decision"
    );
}
