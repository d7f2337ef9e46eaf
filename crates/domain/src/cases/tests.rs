//! The case rules, data-driven: each input beside the field it must name.

use super::*;

fn today() -> CalendarDate {
    CalendarDate::parse("2026-12-06").unwrap()
}

fn input() -> CaseInput {
    CaseInput {
        title: "Authentication bypass in paramiko".into(),
        summary: "Reported by a hospital's IT team.".into(),
        vulnerabilities: vec!["CVE-2018-1000805".into(), "chx-2026-00001".into()],
        target_date: "2027-01-15".into(),
        tlp: None,
    }
}

#[test]
fn a_good_case_is_normalised() {
    let mut i = input();
    i.vulnerabilities.push("CVE-2018-1000805".into());
    let v = i.validate(today()).unwrap();
    assert_eq!(v.tlp, Tlp::Amber, "AMBER by default");
    assert_eq!(
        v.vulnerabilities,
        vec![
            VulnRef::Cve("CVE-2018-1000805".into()),
            VulnRef::Chx("CHX-2026-00001".into())
        ]
    );
    assert_eq!(v.target_date.to_string(), "2027-01-15");
    let mut i = input();
    i.target_date = "2026-12-06".into();
    assert!(i.validate(today()).is_ok(), "today is not in the past");
    i.target_date = "2027-12-06".into();
    assert!(i.validate(today()).is_ok(), "365 days ahead is the limit");
}

/// An edit of a good input, the field it must be refused on, and words of the message.
type BadCase = (fn(&mut CaseInput), &'static str, &'static str);

#[test]
fn bad_input_names_the_field() {
    let cases: Vec<BadCase> = vec![
        (|i| i.title = "  ".into(), "title", "empty"),
        (|i| i.title = "a\u{202E}b".into(), "title", "U+202E"),
        (|i| i.title = "\u{200B}\u{200B}".into(), "title", "U+200B"),
        (
            |i| i.vulnerabilities.clear(),
            "vulnerabilities",
            "at least one",
        ),
        (
            |i| i.vulnerabilities = vec!["CVE-2018-1".into()],
            "vulnerabilities[0]",
            "CVE-YYYY-NNNN",
        ),
        (
            |i| i.vulnerabilities.push("GHSA-f8q4-jwww-x3wv".into()),
            "vulnerabilities[2]",
            "validated finding",
        ),
        (
            |i| i.target_date = "2026-12-05".into(),
            "target_date",
            "in the past",
        ),
        (
            |i| i.target_date = "15/01/2027".into(),
            "target_date",
            "YYYY-MM-DD",
        ),
        (
            |i| i.target_date = "2027-12-07".into(),
            "target_date",
            "more than 365 days ahead",
        ),
        (
            |i| i.tlp = Some("RED".into()),
            "tlp",
            "CLEAR, GREEN or AMBER",
        ),
        (
            |i| i.tlp = Some("AMBER+STRICT".into()),
            "tlp",
            "several parties",
        ),
        (|i| i.tlp = Some("PURPLE".into()), "tlp", ""),
        (
            |i| i.summary = "x".repeat(MAX_SUMMARY_CHARS + 1),
            "summary",
            "at most",
        ),
    ];
    for (edit, field, words) in cases {
        let mut i = input();
        edit(&mut i);
        let e = i.validate(today()).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(words), "{e} should say {words:?}");
    }
    let mut i = input();
    i.vulnerabilities = vec!["CVE-2018-1000805".into(); MAX_VULNERABILITIES + 1];
    assert_eq!(i.validate(today()).unwrap_err().field, "vulnerabilities");
}

#[test]
fn finding_ids_are_uuids() {
    let id = "0193F0A2-7C1E-7A4B-9C3D-1E2F3A4B5C6D";
    assert_eq!(
        VulnRef::parse("v", id).unwrap(),
        VulnRef::Finding(id.to_ascii_lowercase())
    );
    assert!(VulnRef::parse("v", "0193f0a2-7c1e-7a4b-9c3d-1e2f3a4b5c6").is_err());
}

#[test]
fn products_reduce_to_matching_keys() {
    for (given, kind, key) in [
        ("pkg:pypi/Paramiko@2.4.0", "purl", "pkg:pypi/paramiko"),
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core",
            "purl",
            "pkg:maven/org.apache.logging.log4j/log4j-core",
        ),
        (
            "cpe:2.3:a:Paramiko:paramiko:2.4.0:*:*:*:*:*:*:*",
            "cpe",
            "cpe:paramiko:paramiko",
        ),
        ("cpe:/a:apache:log4j:2.14.1", "cpe", "cpe:apache:log4j"),
    ] {
        let p = ProductRef::parse("products[0]", given).unwrap();
        assert_eq!((p.kind, p.key.as_str()), (kind, key), "{given}");
    }
    for bad in ["paramiko", "pkg:", "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*", ""] {
        let e = ProductRef::parse("products[0]", bad).unwrap_err();
        assert_eq!(e.field, "products[0]", "{bad}: {e}");
    }
}

#[test]
fn messages_and_roles() {
    assert_eq!(validate_message("  hello\nworld ").unwrap(), "hello\nworld");
    assert_eq!(validate_message(" ").unwrap_err().field, "body");
    assert_eq!(validate_message("a\u{7}b").unwrap_err().field, "body");
    assert_eq!("vendor".parse::<CaseRole>().unwrap(), CaseRole::Vendor);
    assert_eq!("admin".parse::<CaseRole>().unwrap_err().field, "role");
    for r in CaseRole::ALL {
        assert_eq!(r.as_str().parse::<CaseRole>().unwrap(), *r);
    }
}

#[test]
fn an_invited_vendor_turns_unresponsive_after_a_week() {
    assert_eq!(responsiveness(true, 30), Responsiveness::Joined);
    assert_eq!(responsiveness(false, 6), Responsiveness::Invited);
    assert_eq!(responsiveness(false, 7), Responsiveness::Unresponsive);
}

mod vex_rules {
    use super::super::vex::*;
    use crate::versions::Ecosystem;

    fn st(status: &str) -> StatementInput {
        StatementInput {
            vulnerability: "CVE-2018-1000805".into(),
            product: "pkg:pypi/paramiko".into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn statements_need_what_their_status_needs() {
        let e = st("not_affected").validate("statements[0]").unwrap_err();
        assert_eq!(e.field, "statements[0].justification");
        let mut s = st("not_affected");
        s.justification = Some("code_not_reachable".into());
        let v = s.validate("").unwrap();
        assert_eq!(
            v.justification,
            Some(Justification::VulnerableCodeNotInExecutePath),
            "CycloneDX justifications map to CSAF's"
        );
        assert_eq!(v.product.key, "pkg:pypi/paramiko");
        assert_eq!(st("fixed").validate("").unwrap_err().field, "fixed_version");
        let mut s = st("affected");
        s.justification = Some("component_not_present".into());
        assert_eq!(s.validate("").unwrap_err().field, "justification");
        assert_eq!(st("maybe").validate("").unwrap_err().field, "status");
        let mut s = st("affected");
        s.product = "paramiko".into();
        assert_eq!(s.validate("").unwrap_err().field, "product");
        let mut s = st("not_affected");
        s.justification = Some("because".into());
        assert_eq!(s.validate("").unwrap_err().field, "justification");
    }

    #[test]
    fn a_fixed_version_is_checked_in_the_products_ecosystem() {
        let fixed = |product: &str, v: &str| StatementInput {
            product: product.into(),
            fixed_version: Some(v.into()),
            ..st("fixed")
        };
        let e = fixed("pkg:pypi/paramiko", "two point five")
            .validate("statements[2]")
            .unwrap_err();
        assert_eq!(e.field, "statements[2].fixed_version");
        assert!(e.message.contains("PyPI"), "{e}");
        assert!(
            fixed("pkg:pypi/paramiko", "not-a-version")
                .validate("")
                .is_err()
        );
        assert!(
            fixed("pkg:npm/lodash", "4.17").validate("").is_ok(),
            "npm is read leniently"
        );
        assert!(fixed("pkg:npm/lodash", "4.x.y!").validate("").is_err());
        assert!(
            fixed("pkg:deb/debian/openssl", "1.1.1n-0+deb11u4")
                .validate("")
                .is_ok()
        );
        assert!(fixed("pkg:pypi/paramiko", "2.4.2").validate("").is_ok());
        // No ordering known for a CPE: any one-line version text.
        assert!(
            fixed("cpe:2.3:a:acme:abc:*:*:*:*:*:*:*:*", "R7 SP2")
                .validate("")
                .is_ok()
        );
        // A range as the fix is checked as a range.
        assert!(
            fixed("pkg:pypi/paramiko", "vers:pypi/>=2.4.2")
                .validate("")
                .is_ok()
        );
    }

    #[test]
    fn what_a_statement_covers() {
        const E: Ecosystem = Ecosystem::PyPI;
        let none: Vec<String> = Vec::new();
        let listed = vec!["2.4.0".to_owned()];
        assert!(covers(E, VexStatus::NotAffected, &none, None, Some("1.0")));
        assert!(covers(E, VexStatus::NotAffected, &none, None, None));
        assert!(covers(
            E,
            VexStatus::NotAffected,
            &listed,
            None,
            Some("2.4.0")
        ));
        assert!(!covers(
            E,
            VexStatus::NotAffected,
            &listed,
            None,
            Some("2.3.0")
        ));
        assert!(covers(
            E,
            VexStatus::Fixed,
            &none,
            Some("2.4.1"),
            Some("2.4.1")
        ));
        assert!(!covers(
            E,
            VexStatus::Fixed,
            &none,
            Some("2.4.1"),
            Some("2.4.0")
        ));
        // At or above the fixed version, in the ecosystem's order.
        for v in ["2.4.2", "2.10.0", "3.0", "2.4.1.post1"] {
            assert!(
                covers(E, VexStatus::Fixed, &none, Some("2.4.1"), Some(v)),
                "{v}"
            );
        }
        for v in ["2.4.1rc1", "2.4.0", "1.99"] {
            assert!(
                !covers(E, VexStatus::Fixed, &none, Some("2.4.1"), Some(v)),
                "{v}"
            );
        }
        // A product without an ordering: dotted numbers, else the same text.
        let other = Ecosystem::Other;
        assert!(covers(
            other,
            VexStatus::Fixed,
            &none,
            Some("5.1"),
            Some("5.10")
        ));
        assert!(!covers(
            other,
            VexStatus::Fixed,
            &none,
            Some("5.1"),
            Some("5.0.9")
        ));
        assert!(covers(
            other,
            VexStatus::Fixed,
            &none,
            Some("r7b"),
            Some("r7b")
        ));
        assert!(!covers(
            other,
            VexStatus::Fixed,
            &none,
            Some("r7b"),
            Some("r8")
        ));
        assert!(!covers(E, VexStatus::Affected, &none, None, Some("2.4.0")));
        assert!(!covers(
            E,
            VexStatus::UnderInvestigation,
            &none,
            None,
            Some("2.4.0")
        ));
    }

    #[test]
    fn a_statement_over_a_range_covers_the_versions_inside_it() {
        let range = vec!["vers:pypi/>=2.0|<2.4.2".to_owned()];
        let na = |v: &str| {
            covers(
                Ecosystem::Other,
                VexStatus::NotAffected,
                &range,
                None,
                Some(v),
            )
        };
        assert!(na("2.0"), "the scheme names PyPI ordering");
        assert!(na("2.4.1"));
        assert!(na("2.4.0rc1"), "a PEP 440 pre-release orders inside");
        assert!(!na("2.4.2"));
        assert!(!na("1.9"));
        // A bare range takes the product's ecosystem; a CPE's has none, so
        // only dotted numbers order (CISA's `vers:generic/>=2.9|<=4.1`).
        let bare = vec!["<2.4.2".to_owned()];
        assert!(covers(
            Ecosystem::PyPI,
            VexStatus::NotAffected,
            &bare,
            None,
            Some("2.3")
        ));
        let na_other = |range: &str, v: &str| {
            covers(
                Ecosystem::Other,
                VexStatus::NotAffected,
                &[range.to_owned()],
                None,
                Some(v),
            )
        };
        assert!(na_other("<2.4.2", "2.3"));
        assert!(na_other("vers:generic/>=2.9|<=4.1", "4.1"));
        assert!(na_other("vers:generic/>=2.9|<=4.1", "2.10"));
        assert!(!na_other("vers:generic/>=2.9|<=4.1", "4.2"));
        assert!(!na_other("vers:generic/>=2.9|<=4.1", "2.8"));
        assert!(!na_other("<V2.4", "V2.3"), "not dotted numbers: no order");
        assert!(!na_other("<2.4", "2.3-beta"));
        // Fixed in a range of versions.
        let fixed = vec!["vers:npm/>=3.1.0".to_owned()];
        let f = |v: &str| {
            covers(
                Ecosystem::Npm,
                VexStatus::Fixed,
                &fixed,
                Some("3.1.0"),
                Some(v),
            )
        };
        assert!(f("3.1.0") && f("3.2.5") && !f("3.0.9"));
        // An affected statement never covers, whatever its range.
        assert!(!covers(
            Ecosystem::PyPI,
            VexStatus::Affected,
            &range,
            None,
            Some("2.1")
        ));
        assert_eq!(ecosystem_of("pkg:pypi/paramiko"), Ecosystem::PyPI);
        assert_eq!(ecosystem_of("cpe:ex:app"), Ecosystem::Other);
    }

    #[test]
    fn a_range_that_cannot_be_evaluated_is_refused_naming_the_version() {
        let mut s = StatementInput {
            vulnerability: "CVE-2018-1000805".into(),
            product: "pkg:pypi/paramiko".into(),
            versions: vec!["2.0".into(), "vers:pypi/>2.0".into()],
            status: "affected".into(),
            ..Default::default()
        };
        assert_eq!(s.validate("").unwrap_err().field, "versions[1]");
        s.versions = vec!["vers:pypi/>=2.0|<3".into()];
        assert!(s.validate("").is_ok());
    }

    proptest::proptest! {
        /// A version inside a `>=a|<b` range is covered exactly when
        /// a <= v < b (numeric versions, PyPI ordering).
        #[test]
        fn range_cover_agrees_with_numeric_order(a in 0u32..50, w in 1u32..20, v in 0u32..80) {
            let b = a + w;
            let range = vec![format!("vers:pypi/>={a}|<{b}")];
            let got = covers(Ecosystem::PyPI, VexStatus::NotAffected, &range, None, Some(&v.to_string()));
            proptest::prop_assert_eq!(got, a <= v && v < b);
        }
    }
}

mod csaf_output {
    use super::super::csaf_out::*;
    use super::super::vex::VexStatus;
    use crate::labels::Tlp;

    fn input() -> CsafInput {
        let st = |product: &str,
                  kind: &str,
                  status,
                  justification: Option<&str>,
                  fixed: Option<&str>| CsafStatement {
            vulnerability: "CVE-2018-1000805".into(),
            vendor: "Paramiko Maintainers".into(),
            product_given: product.into(),
            product_kind: kind.into(),
            versions: vec!["2.4.0".into()],
            status,
            justification: justification.map(str::to_owned),
            fixed_version: fixed.map(str::to_owned),
            remediation: String::new(),
        };
        CsafInput {
            tracking_id: "CHX-CASE-2026-0001".into(),
            title: "Paramiko authentication bypass".into(),
            publisher: Publisher {
                name: "Clearinghouse".into(),
                namespace: "https://clearinghouse.example".into(),
            },
            tlp: Tlp::Clear,
            vex_only: false,
            summary: "Coordinated disclosure.".into(),
            vulnerabilities: vec![CsafVulnerability {
                id: "CVE-2018-1000805".into(),
                aliases: vec!["GHSA-f8q4-jwww-x3wv".into()],
                title: "Authentication bypass".into(),
                description: "Paramiko does not check authentication before other requests.".into(),
                cwes: vec!["CWE-287".into()],
                cvss_vectors: vec![
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
                ],
            }],
            statements: vec![
                st(
                    "pkg:pypi/paramiko@2.4.0",
                    "purl",
                    VexStatus::Affected,
                    None,
                    None,
                ),
                st(
                    "pkg:pypi/paramiko",
                    "purl",
                    VexStatus::Fixed,
                    None,
                    Some("2.4.1"),
                ),
                st(
                    "cpe:2.3:a:paramiko:paramiko:1.0:*:*:*:*:*:*:*",
                    "cpe",
                    VexStatus::NotAffected,
                    Some("vulnerable_code_not_present"),
                    None,
                ),
                st(
                    "pkg:pypi/paramiko-ng",
                    "purl",
                    VexStatus::UnderInvestigation,
                    None,
                    None,
                ),
            ],
            acknowledgments: vec!["County Hospital".into()],
            revisions: vec![
                Revision {
                    number: 1,
                    date: "2026-12-06T10:00:00.000000Z".into(),
                    summary: "Initial".into(),
                },
                Revision {
                    number: 2,
                    date: "2026-12-07T10:00:00.000000Z".into(),
                    summary: "Vendor fix".into(),
                },
            ],
            self_url: Some(
                "https://clearinghouse.example/.well-known/csaf/white/2026/chx-case-2026-0001.json"
                    .into(),
            ),
        }
    }

    /// Our own reader (the specification's mandatory tests 6.1.1–6.1.33,
    /// profiles included) accepts every document we emit, advisory and VEX.
    #[test]
    fn documents_pass_the_mandatory_tests() {
        for vex_only in [false, true] {
            let mut i = input();
            i.vex_only = vex_only;
            let doc = document(&i);
            let bytes = serde_json::to_vec(&doc).unwrap();
            let read = crate::advisory::parse_csaf(&bytes);
            assert!(read.is_ok(), "{:?}\n{doc:#}", read.err());
            assert_eq!(doc["document"]["tracking"]["version"], "2");
            assert_eq!(doc["document"]["distribution"]["tlp"]["label"], "WHITE");
            assert_eq!(
                doc["vulnerabilities"][0]["cwe"]["name"],
                "Improper Authentication"
            );
            // CVSS 3.1 as a score of the affected, fixed and investigated
            // products (not the not-affected one), 4.0 as a note.
            let scores = &doc["vulnerabilities"][0]["scores"];
            assert_eq!(scores[0]["cvss_v3"]["baseScore"], 9.8, "{doc:#}");
            assert_eq!(
                scores[0]["products"],
                serde_json::json!(["CSAFPID-0001", "CSAFPID-0002", "CSAFPID-0004"])
            );
            assert_eq!(doc["vulnerabilities"][0]["notes"][1]["title"], "CVSS v4.0");
            assert_eq!(
                doc["vulnerabilities"][0]["references"][0]["category"],
                "external"
            );
            assert_eq!(doc["document"]["references"][0]["category"], "self");
        }
    }

    /// And so does the official CSAF 2.0 JSON schema.
    #[test]
    fn documents_are_valid_against_the_schema() {
        let Some(validator) = crate::advisory::schema_tests::csaf_validator() else {
            return;
        };
        for vex_only in [false, true] {
            let mut i = input();
            i.vex_only = vex_only;
            let doc = document(&i);
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
        }
    }
}
