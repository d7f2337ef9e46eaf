//! Unit tests: format detection, the mapping rules of each feed, and error paths.

use super::*;
use crate::versions::{Decision, OsvEvent, decide};

fn ev(s: &str) -> OsvEvent {
    let (k, v) = s.split_once(' ').expect("kind version");
    match k {
        "i" => OsvEvent::Introduced(v.into()),
        "f" => OsvEvent::Fixed(v.into()),
        "l" => OsvEvent::LastAffected(v.into()),
        _ => OsvEvent::Limit(v.into()),
    }
}

fn field_of(r: Result<impl std::fmt::Debug, AdvisoryError>) -> String {
    let e = r.expect_err("must fail");
    e.field()
        .unwrap_or_else(|| panic!("no field in {e}"))
        .to_owned()
}

const OSV: &str = r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-02T00:00:00Z",
  "aliases": ["CVE-2024-1", "GHSA-aaaa-bbbb-cccc"], "upstream": ["CVE-2024-1", "CVE-2023-9"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
               {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
  "database_specific": {"cwe_ids": ["CWE-79", "NVD-CWE-noinfo"]},
  "affected": [
    {"package": {"ecosystem": "PyPI", "name": "Zope.Interface"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.10"}]}]},
    {"ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "0123456789abcdef0123456789abcdef01234567"}]}]},
    {"package": {"ecosystem": "Linux", "name": "kernel"}, "versions": ["6.1"]},
    {"package": {"ecosystem": "Bioconductor", "name": "x", "purl": "pkg:npm/%40scope/Left-Pad"},
     "versions": ["1.0.0"]}
  ],
  "references": [{"type": "WEB", "url": "https://example.com/a"}]}"#;

#[test]
fn advisory_osv_maps_packages_aliases_and_severity() {
    let a = parse_osv(OSV.as_bytes()).expect("parses");
    assert_eq!(a.source, Source::Osv);
    assert_eq!(a.aliases, ["CVE-2024-1", "CVE-2023-9"]);
    assert_eq!(a.cvss_vectors.len(), 1, "CVSS 2 is not kept");
    assert_eq!(a.cwes, ["CWE-79"]);
    assert_eq!(a.references, ["https://example.com/a"]);
    let keys: Vec<String> = a.affected.iter().map(|x| x.package.key()).collect();
    // No package (GIT only) and no purl type (Linux) are skipped; the purl is the fallback.
    assert_eq!(
        keys,
        ["pkg:pypi/zope-interface", "pkg:npm/%40scope/left-pad"]
    );
    assert_eq!(a.affected[1].ecosystem, crate::versions::Ecosystem::Npm);
    let pkg = &a.affected[0];
    let d = |v: &str| decide(pkg.ecosystem, v, &pkg.ranges, &pkg.versions).decision;
    assert_eq!(d("1.9"), Decision::Affected);
    assert_eq!(d("1.10"), Decision::NotAffected);
}

#[test]
fn advisory_osv_yaml_keeps_versions_as_written() {
    let yaml = "id: PYSEC-1\nmodified: 2024-01-01T00:00:00Z\nwithdrawn: 2024-02-01T00:00:00Z\n\
        aliases:\naffected:\n- package:\n    name: foo\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    \
        events:\n    - introduced: 1.0\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - 1.9\n";
    let Document::Osv(a) = parse_document("PYSEC-1.yaml", yaml.as_bytes()).expect("parses") else {
        panic!("not OSV")
    };
    assert_eq!(a.withdrawn.as_deref(), Some("2024-02-01T00:00:00Z"));
    assert!(a.aliases.is_empty());
    assert_eq!(a.affected[0].ranges[0].events, [ev("i 1.0"), ev("f 1.10")]);
    assert_eq!(a.affected[0].versions, ["1.0", "1.9"]);
}

#[test]
fn advisory_osv_errors_name_the_field() {
    let cases: &[(&str, &str)] = &[
        (r#"{"modified": "2024-01-01T00:00:00Z"}"#, "id"),
        (r#"{"id": "GHSA-1", "schema_version": "1.6.0"}"#, "modified"),
        (r#"{"id": 5, "modified": "2024-01-01T00:00:00Z"}"#, "id"),
        (
            r#"{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z", "affected": [{}, {"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixd": "1"}]}]}]}"#,
            "affected[1].ranges[0].events[1]",
        ),
        (
            r#"{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"versions": "1.0"}]}"#,
            "affected[0].versions",
        ),
        (
            r#"{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z", "aliases": [1]}"#,
            "aliases[0]",
        ),
    ];
    for (json, want) in cases {
        assert_eq!(field_of(parse_osv(json.as_bytes())), *want, "{json}");
    }
    let yaml = "id: A\nmodified: x\naffected:\n- ranges: 5\n";
    assert_eq!(field_of(parse_osv(yaml.as_bytes())), "affected[0].ranges");
    let bad = parse_osv(b"{\"id\": \"A\",\n\"modified\": }").expect_err("syntax");
    assert_eq!(bad.line(), Some(2));
}

/// A CVE record whose CNA states `versions` for a PyPI package.
fn cve_with(versions: &str, default_status: &str) -> Advisory {
    // The schema wants a versionType beside lessThan / lessThanOrEqual.
    let mut versions: serde_json::Value = serde_json::from_str(versions).expect("json");
    for v in versions.as_array_mut().into_iter().flatten() {
        if v.get("lessThan").is_some() || v.get("lessThanOrEqual").is_some() {
            v["versionType"] = "python".into();
        }
    }
    let json = cve_record(&format!(
        r#""affected": [{{"collectionURL": "https://pypi.org/", "packageName": "Foo_Bar",
        "defaultStatus": "{default_status}", "versions": {versions}}}]"#
    ));
    parse_cve5(json.as_bytes()).expect("parses")
}

/// A published CVE 5.1 record whose CNA container holds `affected`.
fn cve_record(affected: &str) -> String {
    format!(
        r#"{{"dataType": "CVE_RECORD", "dataVersion": "5.1",
        "cveMetadata": {{"cveId": "CVE-2024-0009", "state": "PUBLISHED", "assignerOrgId": "{ORG}"}},
        "containers": {{"cna": {{"providerMetadata": {{"orgId": "{ORG}"}},
          "descriptions": [{{"lang": "en", "value": "d"}}],
          "references": [{{"url": "https://github.com/o/r/security/advisories/GHSA-abcd-efgh-ijkl"}}],
          {affected}}}}}}}"#
    )
}

const ORG: &str = "88c02595-c8f7-4864-a0e7-e09b3e1da691";

#[test]
fn advisory_cve5_versions_become_osv_ranges() {
    let r = |s: &str| s.split(", ").map(ev).collect::<Vec<_>>();
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        // (versions, defaultStatus, ranges as events, listed versions)
        (
            r#"[{"version": "0", "lessThan": "2.0", "status": "affected"}]"#,
            "unaffected",
            &["i 0, f 2.0"],
            &[],
        ),
        (
            r#"[{"version": "1.0", "lessThanOrEqual": "1.4", "status": "affected"}, {"version": "3.1", "status": "affected"}]"#,
            "unknown",
            &["i 1.0, l 1.4"],
            &["3.1"],
        ),
        (
            r#"[{"version": "1.0", "lessThan": "*", "status": "affected", "changes": [{"at": "1.5", "status": "unaffected"}, {"at": "2.0", "status": "affected"}]}]"#,
            "unaffected",
            &["i 1.0, f 1.5, i 2.0"],
            &[],
        ),
        // Holes in an affected default; the single unaffected version cannot be written.
        (
            r#"[{"version": "2.0", "lessThan": "2.5", "status": "unaffected"}, {"version": "3.0", "lessThan": "*", "status": "unaffected"}, {"version": "1.1", "status": "unaffected"}]"#,
            "affected",
            &["i 0, f 2.0, i 2.5, f 3.0"],
            &[],
        ),
        (
            r#"[{"version": "6.1", "lessThanOrEqual": "6.1.*", "status": "affected"}, {"version": "1.0", "status": "unknown"}]"#,
            "unaffected",
            &[],
            &[],
        ),
    ];
    for (versions, default, ranges, listed) in cases {
        let a = cve_with(versions, default);
        let got: Vec<Vec<OsvEvent>> = a
            .affected
            .iter()
            .flat_map(|x| x.ranges.iter().map(|r| r.events.clone()))
            .collect();
        let want: Vec<Vec<OsvEvent>> = ranges.iter().map(|s| r(s)).collect();
        assert_eq!(got, want, "{versions}");
        let got_listed: Vec<&str> = a
            .affected
            .iter()
            .flat_map(|x| x.versions.iter().map(String::as_str))
            .collect();
        assert_eq!(got_listed, *listed, "{versions}");
        if let Some(x) = a.affected.first() {
            assert_eq!(x.package.key(), "pkg:pypi/foo-bar");
        }
    }
    let a = cve_with(
        r#"[{"version": "0", "lessThan": "2.0", "status": "affected"}, {"version": "2.0", "lessThan": "2.5", "status": "unaffected"}]"#,
        "affected",
    );
    let x = &a.affected[0];
    let d = |v: &str| decide(x.ecosystem, v, &x.ranges, &x.versions).decision;
    assert_eq!(
        [d("1.0"), d("2.1"), d("2.5"), d("9")],
        [
            Decision::Affected,
            Decision::NotAffected,
            Decision::Affected,
            Decision::Affected
        ]
    );
}

#[test]
fn advisory_cve5_git_versions_and_cpes() {
    let json = cve_record(
        r#""affected": [{"vendor": "acme", "product": "thing", "defaultStatus": "affected",
             "cpes": ["cpe:2.3:a:acme:thing:*:*:*:*:*:*:*:*"]},
           {"vendor": "o", "product": "foo", "packageURL": "pkg:cargo/foo",
             "versions": [{"version": "abc", "lessThan": "def", "status": "affected", "versionType": "git"}]}]"#,
    );
    let a = parse_cve5(json.as_bytes()).expect("parses");
    assert_eq!(a.cpes, ["cpe:2.3:a:acme:thing:*:*:*:*:*:*:*:*"]);
    assert_eq!(a.aliases, ["GHSA-abcd-efgh-ijkl"]);
    assert_eq!(a.affected[0].package.key(), "pkg:cargo/foo");
    assert_eq!(a.affected[0].ranges[0].kind, "GIT");
    let rejected = format!(
        r#"{{"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {{"cveId": "CVE-2024-0008",
        "state": "REJECTED", "assignerOrgId": "{ORG}", "dateUpdated": "2024-03-01T00:00:00Z"}},
        "containers": {{"cna": {{"providerMetadata": {{"orgId": "{ORG}"}},
          "rejectedReasons": [{{"lang": "en", "value": "duplicate"}}]}}}}}}"#
    );
    let a = parse_cve5(rejected.as_bytes()).expect("parses");
    assert_eq!(a.withdrawn.as_deref(), Some("2024-03-01T00:00:00Z"));
    assert_eq!(a.details, "duplicate");
}

#[test]
fn advisory_cve5_rejects_bad_state_and_bad_ssvc() {
    let bad_state =
        cve_record(r#""affected": [{"vendor": "a", "product": "b", "defaultStatus": "unknown"}]"#)
            .replace("PUBLISHED", "DUPLICATE");
    assert_eq!(
        field_of(parse_cve5(bad_state.as_bytes())),
        "cveMetadata.state"
    );
    let bad_ssvc =
        cve_record(r#""affected": [{"vendor": "a", "product": "b", "defaultStatus": "unknown"}]"#)
            .replacen(
                r#""cna": {"#,
                &format!(
                    r#""adp": [{{"providerMetadata": {{"orgId": "{ORG}"}}, "metrics": [{{"other":
                {{"type": "ssvc", "content": {{"options": [{{"Exploitation": "maybe"}}]}}}}}}]}}],
                "cna": {{"#
                ),
                1,
            );
    assert_eq!(
        field_of(parse_cve5(bad_ssvc.as_bytes())),
        "containers.adp[0].metrics[0].other.content.options"
    );
    let no_provider = cve_record(r#""affected": [{"vendor": "a", "product": "b"}]"#);
    assert_eq!(
        field_of(parse_cve5(no_provider.as_bytes())),
        "containers.cna.affected[0]"
    );
}

const CSAF: &str = r#"{"document": {"csaf_version": "2.0", "category": "csaf_base", "title": "Acme lib",
    "publisher": {"category": "vendor", "name": "Acme", "namespace": "https://acme.example"},
    "tracking": {"id": "ACME-2024-1", "status": "final", "version": "1",
    "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "first"}],
    "initial_release_date": "2024-01-01T00:00:00Z", "current_release_date": "2024-02-01T00:00:00Z"}},
  "product_tree": {
    "branches": [{"category": "vendor", "name": "acme", "branches": [
      {"category": "product_version", "name": "1.0", "product": {"product_id": "P1", "name": "lib 1.0",
        "product_identification_helper": {"purl": "pkg:npm/acme-lib@1.0.0"}}},
      {"category": "product_version", "name": "1.1", "product": {"product_id": "P2", "name": "lib 1.1",
        "product_identification_helper": {"purl": "pkg:npm/acme-lib@1.1.0"}}},
      {"category": "product_version", "name": "2.0", "product": {"product_id": "P3", "name": "lib 2.0",
        "product_identification_helper": {"purl": "pkg:npm/acme-lib@2.0.0"}}}]}],
    "full_product_names": [{"product_id": "APP", "name": "app",
        "product_identification_helper": {"cpe": "cpe:2.3:a:acme:app:3:*:*:*:*:*:*:*"}},
      {"product_id": "TXT", "name": "some appliance"}],
    "relationships": [{"category": "default_component_of", "product_reference": "P1",
      "relates_to_product_reference": "APP", "full_product_name": {"product_id": "APP:P1", "name": "lib in app"}}]},
  "vulnerabilities": [
    {"cve": "CVE-2024-0007", "cwe": {"id": "CWE-22", "name": "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"}, "ids": [{"system_name": "GHSA", "text": "GHSA-1111-2222-3333"}, {"system_name": "bug", "text": "12345"}],
     "notes": [{"category": "summary", "text": "short"}, {"category": "description", "text": "long"}],
     "product_status": {"known_affected": ["APP:P1", "P2", "APP", "TXT"], "fixed": ["P3"]},
     "scores": [{"products": ["P2"], "cvss_v3": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}}]},
    {"title": "no cve", "product_status": {"known_not_affected": ["P1"]}}]}"#;

#[test]
fn advisory_csaf_one_advisory_per_vulnerability() {
    let Document::Csaf(list) = parse_document("acme.json", CSAF.as_bytes()).expect("parses") else {
        panic!("not CSAF")
    };
    assert_eq!(list.len(), 2);
    let a = &list[0];
    // The identity is the publisher's: its tracking id, this vulnerability's CVE.
    assert_eq!((a.id.as_str(), a.source), ("ACME-2024-1", Source::Csaf));
    assert_eq!(
        (a.publisher.as_str(), a.vuln_ref.as_str()),
        ("acme.example", "CVE-2024-0007")
    );
    assert_eq!(a.key(), "ACME-2024-1/CVE-2024-0007@acme.example");
    assert_eq!(a.aliases, ["GHSA-1111-2222-3333", "CVE-2024-0007"]);
    assert_eq!(a.group_ids(), ["CVE-2024-0007", "GHSA-1111-2222-3333"]);
    assert_eq!(a.unmapped_products, 1, "TXT is named by text only");
    assert_eq!((a.summary.as_str(), a.details.as_str()), ("short", "long"));
    assert_eq!(a.cwes, ["CWE-22"]);
    assert_eq!(a.cvss_vectors.len(), 1);
    assert_eq!(a.published.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(a.modified.as_deref(), Some("2024-02-01T00:00:00Z"));
    assert_eq!(a.affected.len(), 1);
    assert_eq!(a.affected[0].package.key(), "pkg:npm/acme-lib");
    // The relationship product takes its component's purl; fixed P3 is recorded fixed.
    assert_eq!(a.affected[0].versions, ["1.0.0", "1.1.0"]);
    assert_eq!(a.affected[0].fixed, ["2.0.0"]);
    assert_eq!(a.cpes, ["cpe:2.3:a:acme:app:3:*:*:*:*:*:*:*"]);
    let x = &a.affected[0];
    let d = |v: &str| decide(x.ecosystem, v, &x.ranges, &x.versions).decision;
    assert_eq!(d("1.1.0"), Decision::Affected);
    assert_eq!(
        (list[1].id.as_str(), list[1].vuln_ref.as_str()),
        ("ACME-2024-1", "#2")
    );
    assert_eq!(list[1].group_ids(), ["ACME-2024-1/#2@acme.example"]);
    assert_eq!(list[1].summary, "no cve");
    assert!(list[1].affected.is_empty());
}

#[test]
fn advisory_csaf_requires_version_and_tracking_id() {
    let v1 = CSAF.replacen("\"2.0\"", "\"1.2\"", 1);
    assert_eq!(field_of(parse_csaf(v1.as_bytes())), "document.csaf_version");
    let no_id = CSAF.replacen("\"id\": \"ACME-2024-1\",", "", 1);
    assert_eq!(
        field_of(parse_csaf(no_id.as_bytes())),
        "document.tracking.id"
    );
    let bad = CSAF.replacen("\"known_affected\": [", "\"known_affected\": [1, ", 1);
    assert_eq!(
        field_of(parse_csaf(bad.as_bytes())),
        "vulnerabilities[0].product_status.known_affected[0]"
    );
}

const KEV: &str = r#"{"title": "t", "catalogVersion": "2025.01.01", "dateReleased": "2025-01-01T00:00:00Z", "count": 2,
  "vulnerabilities": [
   {"cveID": "CVE-2021-1", "vendorProject": "V", "product": "P", "vulnerabilityName": "N", "dateAdded": "2021-11-03",
    "shortDescription": "d", "requiredAction": "patch", "dueDate": "2021-11-17", "knownRansomwareCampaignUse": "Known", "notes": "", "cwes": ["CWE-20"]},
   {"cveID": "CVE-2021-2", "dateAdded": "2021-11-03", "dueDate": "2022-05-03", "knownRansomwareCampaignUse": "Unknown"}]}"#;

#[test]
fn advisory_kev_entries_and_errors() {
    let Document::Kev(k) = parse_document("kev.json", KEV.as_bytes()).expect("parses") else {
        panic!("not KEV")
    };
    assert_eq!(k.entries.len(), 2);
    assert!(k.entries[0].known_ransomware && !k.entries[1].known_ransomware);
    assert_eq!(k.entries[0].cwes, ["CWE-20"]);
    // Every entry is an advisory of its own publisher, naming no package.
    let a = k.entries[0].to_advisory();
    assert_eq!(
        (a.key().as_str(), a.source),
        ("kev:CVE-2021-1", Source::Kev)
    );
    assert_eq!(a.group_ids(), ["CVE-2021-1"]);
    assert_eq!((a.summary.as_str(), a.details.as_str()), ("N", "d"));
    assert!(a.affected.is_empty());
    let short = KEV.replace("\"count\": 2", "\"count\": 3");
    assert_eq!(field_of(parse_kev(short.as_bytes())), "count");
    let odd = KEV.replace("\"Unknown\"", "\"Maybe\"");
    assert_eq!(
        field_of(parse_kev(odd.as_bytes())),
        "vulnerabilities[1].knownRansomwareCampaignUse"
    );
    let missing = KEV.replace("\"dueDate\": \"2022-05-03\", ", "");
    assert_eq!(
        field_of(parse_kev(missing.as_bytes())),
        "vulnerabilities[1]"
    );
}

/// A file in the format of FIRST's `epss_scores-YYYY-MM-DD.csv`.
fn epss_csv(rows: usize) -> String {
    let mut s = String::from(
        "#model_version:v2023.03.01,score_date:2024-10-24T00:00:00+0000\ncve,epss,percentile\n",
    );
    for i in 0..rows {
        let p = (i % 1000) as f64 / 1000.0;
        s.push_str(&format!("CVE-2024-{i:05},{p:.5},{:.5}\n", 1.0 - p));
    }
    s
}

#[test]
fn advisory_epss_reads_first_daily_file() {
    let Document::Epss(f) =
        parse_document("epss_scores-2024-10-24.csv", epss_csv(300_000).as_bytes()).expect("parses")
    else {
        panic!("not EPSS")
    };
    assert_eq!(f.model_version.as_deref(), Some("v2023.03.01"));
    assert_eq!(f.score_date.as_deref(), Some("2024-10-24T00:00:00+0000"));
    assert_eq!(f.scores.len(), 300_000);
    assert_eq!(f.scores[1].cve_id, "CVE-2024-00001");
    assert_eq!(
        (f.scores[1].probability, f.scores[1].percentile),
        (0.001, 0.999)
    );
    // Without the comment line, CRLF endings.
    let plain = parse_epss("cve,epss,percentile\r\nCVE-2024-1,0.5,0.9\r\n").expect("parses");
    assert_eq!((plain.model_version, plain.scores.len()), (None, 1));
}

#[test]
fn advisory_epss_errors_name_the_line() {
    let cases: &[(&str, usize)] = &[
        ("cve,epss,percentile\nCVE-1,0.1,0.2\nCVE-2,0.1\n", 3),
        ("cve,epss,percentile\nCVE-1,1.5,0.2\n", 2),
        ("cve,epss,percentile\nGHSA-1,0.1,0.2\n", 2),
        ("cve,epss,percentile\nCVE-1,NaN,0.2\n", 2),
        ("#model_version:x\ncve,score\n", 2),
        ("", 1),
        ("cve,epss,percentile\n#late comment\n", 2),
    ];
    for (text, line) in cases {
        let e = parse_epss(text).expect_err(text);
        assert_eq!(e.line(), Some(*line), "{text:?}: {e}");
        assert!(e.field().is_none());
    }
}

#[test]
fn advisory_detection_and_limits() {
    let unknown = parse_document("x.json", br#"{"hello": 1}"#).expect_err("unknown");
    assert!(matches!(unknown, AdvisoryError::UnknownFormat(_)));
    let text = parse_document("notes.txt", b"hello").expect_err("unknown");
    assert!(matches!(text, AdvisoryError::UnknownFormat(_)));
    let broken = parse_document("x.json", b"{\"id\": ").expect_err("syntax");
    assert!(
        matches!(broken, AdvisoryError::Syntax { line: 1, .. }),
        "{broken}"
    );
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        parse_document("x.json", &big),
        Err(AdvisoryError::TooLarge { .. })
    ));
    // A BOM and leading whitespace do not hide the format.
    let bom = [b"\xEF\xBB\xBF \n".as_slice(), OSV.as_bytes()].concat();
    assert!(matches!(parse_document("a", &bom), Ok(Document::Osv(_))));
}

#[test]
fn advisory_csaf_mandatory_tests_name_number_and_path() {
    let check = |from: &str, to: &str, test: &str, field: &str| {
        let doc = CSAF.replacen(from, to, 1);
        assert_ne!(doc, CSAF, "{from}");
        let e = parse_csaf(doc.as_bytes()).expect_err(test);
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(
            e.to_string().contains(&format!("mandatory test {test} ")),
            "{e}"
        );
    };
    check(
        "\"TXT\"]",
        "\"TXT\", \"NOPE\"]",
        "6.1.1",
        "vulnerabilities[0].product_status.known_affected[4]",
    );
    check(
        "\"fixed\": [\"P3\"]",
        "\"fixed\": [\"P3\", \"P2\"]",
        "6.1.6",
        "vulnerabilities[0].product_status.fixed[1]",
    );
    check(
        "\"CWE-22\", \"name\": \"Improper Limitation",
        "\"CWE-22\", \"name\": \"Proper Limitation",
        "6.1.11",
        "vulnerabilities[0].cwe.name",
    );
    check(
        "\"baseScore\": 9.8",
        "\"baseScore\": 5.0",
        "6.1.9",
        "vulnerabilities[0].scores[0].cvss_v3.baseScore",
    );
    check(
        "\"version\": \"1\",",
        "\"version\": \"2\",",
        "6.1.16",
        "document.tracking.version",
    );
    check(
        "\"name\": \"2.0\"",
        "\"name\": \"< 2.0\"",
        "6.1.31",
        "product_tree.branches[0].branches[2].name",
    );
    let esc = CSAF.replacen(
        "\"title\": \"Acme lib\"",
        "\"title\": \"Acme\\u001b[31m\"",
        1,
    );
    assert_eq!(field_of(parse_csaf(esc.as_bytes())), "document.title");
}
