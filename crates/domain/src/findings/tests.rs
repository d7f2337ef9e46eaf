//! Behaviour tests of the finding readers on small hand-written documents: targets,
//! fingerprints, detection, the SARIF mapping, rejections with positions, the native form.

use super::*;

/// Parses `doc`, returning the items and the outcome.
fn run(
    doc: &str,
    format: FindingFormat,
    default: Option<&str>,
) -> (Vec<Item>, Result<Summary, FindingError>) {
    let target = default.map(|t| Target::parse(t).expect("target"));
    let mut items = Vec::new();
    let result = parse_stream(doc.as_bytes(), format, target.as_ref(), &mut |i| {
        items.push(i)
    });
    (items, result)
}

fn findings(items: &[Item]) -> Vec<&Finding> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Finding(f) => Some(&**f),
            Item::Rejected(_) => None,
        })
        .collect()
}

fn rejections(items: &[Item]) -> Vec<&ItemError> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Rejected(e) => Some(e),
            Item::Finding(_) => None,
        })
        .collect()
}

#[test]
fn targets_parse_and_identity_leaves_out_the_version() {
    let a = Target::parse("pkg:pypi/Paramiko@2.4.0").expect("purl");
    let b = Target::parse("pkg:pypi/paramiko@2.4.1").expect("purl");
    assert_eq!(a.identity(), "pkg:pypi/paramiko");
    assert_eq!(a.identity(), b.identity());
    assert_eq!(a.version(), Some("2.4.0"));

    let r = Target::parse("repo:https://GitHub.com/a/b.git@abc123").expect("repo");
    assert_eq!(
        r,
        Target::Repository {
            url: "https://GitHub.com/a/b.git".into(),
            revision: Some("abc123".into())
        }
    );
    assert_eq!(r.identity(), "repo:https://github.com/a/b");
    assert_eq!(r.to_string(), "repo:https://GitHub.com/a/b.git@abc123");
    let ssh = Target::parse("repo:git@github.com:a/b.git").expect("ssh");
    assert_eq!(ssh.version(), None);
    assert_eq!(ssh.identity(), "repo:git@github.com:a/b");

    let p = Target::parse("product:Apache/Tomcat@9.0.1").expect("product");
    assert_eq!(p.identity(), "product:apache/tomcat");
    assert_eq!(p.version(), Some("9.0.1"));
    assert_eq!(
        Target::from_cpe("cpe:2.3:a:apache:tomcat:9.0.1:*:*:*:*:*:*:*"),
        Some(p.clone()).map(|_| Target::Product {
            vendor: "apache".into(),
            product: "tomcat".into(),
            version: Some("9.0.1".into())
        })
    );

    for bad in ["", "paramiko", "pkg:", "repo:", "product:x", "http://x"] {
        assert!(Target::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn fingerprint_ignores_the_package_version_and_normalises_paths() {
    let loc = |p: &str| Location {
        path: Some(p.into()),
        start_line: Some(3),
        ..Location::default()
    };
    let a = Target::parse("pkg:pypi/paramiko@2.4.0").expect("purl");
    let b = Target::parse("pkg:pypi/paramiko@2.4.1").expect("purl");
    let fa = fingerprint(&a.identity(), Some("R1"), Some(&loc("a/b.py")), None, None);
    let fb = fingerprint(
        &b.identity(),
        Some("R1"),
        Some(&loc("./a\\b.py")),
        None,
        None,
    );
    assert_eq!(fa, fb);
    assert_eq!(fa.len(), 64);
    let other_rule = fingerprint(&a.identity(), Some("R2"), Some(&loc("a/b.py")), None, None);
    assert_ne!(fa, other_rule);
    let other_line = fingerprint(
        &a.identity(),
        Some("R1"),
        Some(&Location {
            start_line: Some(4),
            ..loc("a/b.py")
        }),
        None,
        None,
    );
    assert_ne!(fa, other_line);
    // A tool fingerprint replaces the location but not the target.
    let t1 = fingerprint("pkg:pypi/x", Some("R"), Some(&loc("a")), None, Some("h=1"));
    let t2 = fingerprint("pkg:pypi/x", Some("R"), Some(&loc("b")), None, Some("h=1"));
    let t3 = fingerprint("pkg:pypi/y", Some("R"), Some(&loc("a")), None, Some("h=1"));
    assert_eq!(t1, t2);
    assert_ne!(t1, t3);
    // Whitespace in snippets does not matter.
    let s1 = fingerprint("i", None, None, Some("a  =\n b"), None);
    let s2 = fingerprint("i", None, None, Some(" a = b "), None);
    assert_eq!(s1, s2);
}

#[test]
fn paths_normalise() {
    for (raw, want) in [
        ("file:///src/a.js", "/src/a.js"),
        ("file:////src/a.js", "/src/a.js"),
        ("./a/b.py", "a/b.py"),
        ("a\\b\\c.cs", "a/b/c.cs"),
        ("a//./b", "a/b"),
        ("FILE:///x", "/x"),
    ] {
        assert_eq!(normalise_path(raw), want, "{raw}");
    }
}

#[test]
fn detects_formats_from_the_head() {
    for (head, want) in [
        (
            r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}"#,
            Some(FindingFormat::Sarif),
        ),
        ("\u{feff}{\"runs\": []}", Some(FindingFormat::Sarif)),
        (
            r#"{"clearinghouse_findings": "1.0", "findings": []}"#,
            Some(FindingFormat::Native),
        ),
        (
            r#"{"document": {"csaf_version": "2.0"}}"#,
            Some(FindingFormat::Csaf),
        ),
        (
            r#"{"dataType": "CVE_RECORD", "cveMetadata": {}}"#,
            Some(FindingFormat::Cve),
        ),
        (
            r#"{"id": "GHSA-x", "modified": "2020-01-01T00:00:00Z"}"#,
            Some(FindingFormat::Osv),
        ),
        (
            "id: PYSEC-2018-1\nmodified: 2021-01-01\n",
            Some(FindingFormat::Osv),
        ),
        (r#"{"a": 1}"#, None),
        ("", None),
        ("garbage", None),
    ] {
        assert_eq!(detect(head.as_bytes()), want, "{head}");
    }
}

const CODEQL: &str = r#"{"version": "2.1.0", "runs": [{
  "tool": {"driver": {"name": "CodeQL", "rules": [
    {"id": "py/sql-injection", "shortDescription": {"text": "SQL query built from user input"},
     "properties": {"tags": ["security", "external/cwe/cwe-089"], "security-severity": "8.8"}},
    {"id": "py/unused", "defaultConfiguration": {"level": "note"},
     "relationships": [{"target": {"id": "563", "toolComponent": {"name": "CWE"}}}]}
  ]}},
  "versionControlProvenance": [{"repositoryUri": "https://github.com/o/r", "revisionId": "deadbeef"}],
  "results": [
    {"ruleIndex": 0, "message": {"text": "This query depends on a user-provided value.\nMore."},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///app/./db.py"},
        "region": {"startLine": 12, "endLine": 13, "snippet": {"text": "cur.execute(q)"}}},
        "logicalLocations": [{"fullyQualifiedName": "db.query"}]}],
     "partialFingerprints": {"primaryLocationLineHash": "abc:1"}},
    {"ruleId": "py/unused", "message": {"text": "Unused import"},
     "properties": {"purl": "pkg:pypi/Django@3.2.1"}},
    {"ruleId": "CVE-2021-44228", "level": "error", "message": {"text": "log4shell in GHSA-jfh8-c2jp-5v3q"}}
  ]}]}"#;

#[test]
fn sarif_results_map_rules_locations_and_targets() {
    let (items, result) = run(CODEQL, FindingFormat::Sarif, None);
    let summary = result.expect("parses");
    assert_eq!(
        summary,
        Summary {
            items: 3,
            findings: 3,
            rejected: 0
        }
    );
    let f = findings(&items);
    let sql = f[0];
    assert_eq!(sql.position, "runs[0].results[0]");
    assert_eq!(sql.rule_id.as_deref(), Some("py/sql-injection"));
    assert_eq!(sql.tool.as_deref(), Some("CodeQL"));
    assert_eq!(sql.cwes, ["CWE-89"]);
    assert_eq!(sql.severity, Some(Severity::High));
    assert_eq!(sql.title, "This query depends on a user-provided value.");
    assert_eq!(sql.evidence.as_deref(), Some("cur.execute(q)"));
    assert_eq!(
        sql.location,
        Some(Location {
            path: Some("/app/db.py".into()),
            start_line: Some(12),
            end_line: Some(13),
            function: Some("db.query".into()),
        })
    );
    assert_eq!(
        sql.target,
        Target::Repository {
            url: "https://github.com/o/r".into(),
            revision: Some("deadbeef".into())
        }
    );
    assert_eq!(
        sql.fingerprint,
        fingerprint(
            "repo:https://github.com/o/r",
            Some("py/sql-injection"),
            None,
            None,
            // A partial fingerprint counts with the normalised path.
            Some("primaryLocationLineHash=abc:1\npath=/app/db.py")
        )
    );

    let unused = f[1];
    assert_eq!(unused.cwes, ["CWE-563"]);
    assert_eq!(unused.severity, Some(Severity::Low));
    assert_eq!(unused.target.identity(), "pkg:pypi/django");
    assert_eq!(unused.target.version(), Some("3.2.1"));

    let log4j = f[2];
    assert_eq!(log4j.severity, Some(Severity::High));
    assert_eq!(log4j.aliases, ["CVE-2021-44228"]);
    assert_eq!(log4j.title, "log4shell in GHSA-jfh8-c2jp-5v3q");
}

#[test]
fn sarif_metadata_after_results_is_still_applied() {
    let doc = r#"{"runs": [{"results": [{"ruleIndex": 0, "message": {"text": "m"}}],
        "tool": {"driver": {"name": "T", "rules": [{"id": "R", "properties": {"tags": ["CWE-79"]}}]}},
        "versionControlProvenance": [{"repositoryUri": "https://x.org/r"}]}]}"#;
    let (items, result) = run(doc, FindingFormat::Sarif, None);
    result.expect("parses");
    let f = findings(&items);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule_id.as_deref(), Some("R"));
    assert_eq!(f[0].cwes, ["CWE-79"]);
    assert_eq!(f[0].tool.as_deref(), Some("T"));
    assert_eq!(f[0].target.identity(), "repo:https://x.org/r");
}

#[test]
fn sarif_items_without_target_or_shape_are_rejected_with_positions() {
    let doc = r#"{"runs": [{"tool": {"driver": {"name": "T"}}, "results": [
        {"ruleId": "A", "message": {"text": "a"}, "properties": {"target": "repo:https://x.org/y@1"}},
        {"ruleId": "B", "message": {"text": "b"}},
        42,
        {"ruleId": "C", "message": {"text": "c"}, "properties": {"purl": "pkg:"}}
    ]}]}"#;
    let (items, result) = run(doc, FindingFormat::Sarif, None);
    let summary = result.expect("the batch goes on");
    assert_eq!((summary.findings, summary.rejected), (1, 3));
    let r = rejections(&items);
    assert_eq!(r[0].position, "runs[0].results[1]");
    assert!(r[0].message.contains("no target"), "{}", r[0].message);
    assert_eq!(r[1].position, "runs[0].results[2]");
    assert!(r[1].message.contains("JSON object"), "{}", r[1].message);
    assert_eq!(r[2].position, "runs[0].results[3]");
    assert!(r[2].message.contains("properties"), "{}", r[2].message);

    // With a default target every well-formed result is a finding.
    let (items, result) = run(
        doc,
        FindingFormat::Sarif,
        Some("repo:https://example.org/x@abc"),
    );
    assert_eq!(result.expect("parses").findings, 2);
    assert_eq!(rejections(&items).len(), 2);
}

#[test]
fn sarif_fatal_errors_name_their_position() {
    let truncated = &CODEQL[..CODEQL.find("\"Unused import\"").expect("marker")];
    let (items, result) = run(truncated, FindingFormat::Sarif, None);
    let Err(FindingError::Document { position, line, .. }) = result else {
        panic!("truncated document accepted: {result:?}");
    };
    assert_eq!(position, "runs[0].results[1]");
    assert!(line > 1);
    assert_eq!(
        items.len(),
        1,
        "the first result was delivered before the error"
    );

    for (doc, want) in [
        ("", "$"),
        ("not json", "$"),
        ("[1, 2]", "$"),
        (r#"{"version": "2.1.0"}"#, "$"),
        (r#"{"runs": {}}"#, "runs"),
        (r#"{"runs": [1]}"#, "runs[0]"),
        (r#"{"runs": [{"results": 5}]}"#, "runs[0].results"),
        (r#"{"runs": [{"tool": 5}]}"#, "runs[0].tool"),
        (r#"{"runs": []} trailing"#, "$"),
    ] {
        match run(doc, FindingFormat::Sarif, Some("repo:x")).1 {
            Err(FindingError::Document { position, .. }) => assert_eq!(position, want, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[test]
fn native_form_streams_with_rejections_per_finding() {
    let doc = r#"{"findings": [
        {"title": "Auth bypass\nsecond line", "description": "d", "rule_id": "X-1",
         "cwe": ["CWE-287", "cwe-20"], "severity": "High",
         "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
         "location": {"path": "./a/b.py", "start_line": 3}, "evidence": "x = 1",
         "aliases": ["CVE-2018-1000805"]},
        {"title": "t", "severity": "urgent"},
        {"title": "t", "location": {"start_line": -1}},
        {"title": "t", "target": "repo:https://o.org/r@1", "cwe": "79"},
        {"description": "no title"},
        {"title": "t", "cvss": "CVSS:3.1/AV:N"}
      ],
      "target": "pkg:pypi/paramiko@2.4.0",
      "clearinghouse_findings": "1.0"}"#;
    let (items, result) = run(doc, FindingFormat::Native, None);
    let summary = result.expect("parses");
    assert_eq!((summary.findings, summary.rejected), (2, 4));
    let f = findings(&items);
    assert_eq!(f[0].position, "findings[0]");
    assert_eq!(f[0].title, "Auth bypass");
    assert_eq!(f[0].cwes, ["CWE-287", "CWE-20"]);
    assert_eq!(f[0].severity, Some(Severity::High));
    assert_eq!(f[0].target.identity(), "pkg:pypi/paramiko");
    assert_eq!(f[0].target.version(), Some("2.4.0"));
    assert_eq!(
        f[0].location.as_ref().and_then(|l| l.path.as_deref()),
        Some("a/b.py")
    );
    assert_eq!(f[1].cwes, ["CWE-79"]);
    assert_eq!(f[1].target.identity(), "repo:https://o.org/r");
    let r = rejections(&items);
    let got: Vec<(&str, &str)> = r
        .iter()
        .map(|e| {
            (
                e.position.as_str(),
                e.message.split(':').next().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("findings[1]", "severity"),
            ("findings[2]", "location.start_line"),
            ("findings[4]", "missing field `title`"),
            ("findings[5]", "cvss"),
        ]
    );
}

#[test]
fn native_form_errors() {
    let cases = [
        r#"{"findings": []}"#,
        r#"{"clearinghouse_findings": "2.0", "findings": []}"#,
        r#"{"clearinghouse_findings": "1.0", "target": "nonsense", "findings": []}"#,
        r#"{"clearinghouse_findings": "1.0", "findings": [{"title": "t"}"#,
    ];
    for doc in cases {
        let (_, result) = run(doc, FindingFormat::Native, Some("repo:x"));
        assert!(
            matches!(result, Err(FindingError::Document { .. })),
            "{doc}: {result:?}"
        );
    }
    // Without any target, each finding is rejected, not the document.
    let doc = r#"{"clearinghouse_findings": "1.0", "findings": [{"title": "t"}]}"#;
    let (items, result) = run(doc, FindingFormat::Native, None);
    assert_eq!(result.expect("parses").rejected, 1);
    assert!(rejections(&items)[0].message.starts_with("no target"));
}

#[test]
fn osv_documents_become_one_finding_per_package() {
    let doc = r#"{"id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-01T00:00:00Z",
      "aliases": ["CVE-2018-1000805"], "summary": "Auth bypass in paramiko",
      "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected": [
        {"package": {"ecosystem": "PyPI", "name": "Paramiko"}, "versions": ["2.4.0", "2.4.1"]},
        {"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0"]}
      ]}"#;
    let (items, result) = run(doc, FindingFormat::Osv, None);
    assert_eq!(result.expect("parses").findings, 2);
    let f = findings(&items);
    assert_eq!(f[0].position, "affected[0]");
    assert_eq!(f[0].target.identity(), "pkg:pypi/paramiko");
    assert_eq!(f[0].target.version(), None);
    assert_eq!(f[0].title, "Auth bypass in paramiko");
    assert_eq!(f[0].severity, Some(Severity::Critical));
    assert_eq!(f[0].aliases, ["GHSA-xxxx-yyyy-zzzz", "CVE-2018-1000805"]);
    assert_ne!(f[0].fingerprint, f[1].fingerprint);

    let (_, result) = run("{\"id\": ", FindingFormat::Osv, None);
    assert!(matches!(result, Err(FindingError::Document { .. })));
}

#[test]
fn id_scanning_steps_over_multibyte_characters() {
    // Found by the proptest: a 4-byte character starting inside the first
    // four bytes of the rest of the text.
    let mut ids = Vec::new();
    super::text::scan_ids(
        &mut ids,
        "M=\"H\u{6e078}=:V and CVE-2018-1000805, ghsa-f8q4-jwww-x3wv \u{e9}",
    );
    assert_eq!(ids, ["CVE-2018-1000805", "GHSA-f8q4-jwww-x3wv"]);
}

/// Two results of one rule in one file without a line are told apart by their
/// messages; the same message twice is one finding.
#[test]
fn results_without_a_region_are_told_apart_by_message() {
    let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "zap"}}, "results": [
      {"ruleId": "GENERIC", "message": {"text": "SQL injection in /login"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}}}]},
      {"ruleId": "GENERIC", "message": {"text": "Remote code execution through pickle.loads"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"}}}]},
      {"message": {"text": "Hardcoded AWS key"}},
      {"message": {"text": "Path traversal in download endpoint"}},
      {"message": {"text": "Path traversal in download endpoint"}},
      {"ruleId": "L", "message": {"text": "first"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}]},
      {"ruleId": "L", "message": {"text": "second, same line"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}]},
      {"ruleId": "P", "message": {"text": "x"}, "partialFingerprints": {"primaryLocationLineHash": "h:1"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "one.py"}, "region": {"startLine": 6}}}]},
      {"ruleId": "P", "message": {"text": "x"}, "partialFingerprints": {"primaryLocationLineHash": "h:1"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "two.py"}, "region": {"startLine": 6}}}]}
    ]}]}"#;
    let (items, result) = run(doc, FindingFormat::Sarif, Some("pkg:pypi/dedupcheck@1.0"));
    result.expect("parses");
    let fps: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Finding(f) => f.fingerprint.clone(),
            Item::Rejected(r) => panic!("rejected: {r:?}"),
        })
        .collect();
    assert_ne!(fps[0], fps[1], "different messages, no line");
    assert_ne!(fps[2], fps[3], "no rule, no location, different messages");
    assert_eq!(fps[3], fps[4], "the same message twice is one finding");
    assert_eq!(fps[5], fps[6], "with a line, the message does not count");
    assert_ne!(fps[7], fps[8], "one partial fingerprint in two files");
}

#[test]
fn items_of_every_target_kind_survive_their_serde_form() {
    let targets = [
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar#src/main",
        "pkg:npm/%40angular/core@12.0.0",
        "repo:https://github.com/example/app@9fceb02",
        "product:acme/router@1.2",
    ];
    for target in targets {
        let doc = serde_json::json!({
            "clearinghouse_findings": "1.0",
            "target": target,
            "findings": [
                {"title": "Injection", "cwe": "CWE-89", "severity": "critical",
                 "location": {"path": "src/db.rs", "start_line": 7}},
                {"description": "no title"},
            ],
        })
        .to_string();
        let (items, outcome) = run(&doc, FindingFormat::Native, None);
        outcome.expect("the document parses");
        assert_eq!(items.len(), 2, "{target}");
        assert!(matches!(items[1], Item::Rejected(_)), "{target}");
        for item in items {
            let text = serde_json::to_string(&item).expect("serialises");
            let back: Item = serde_json::from_str(&text).expect("deserialises");
            assert_eq!(back, item, "{text}");
        }
    }
}
