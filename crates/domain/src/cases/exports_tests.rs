//! OSV and CVE 5 exports against the official schemas in the shared data
//! (a test that can fail: a damaged record is rejected too).

use super::*;
use crate::cases::csaf_out::{Publisher, Revision};
use crate::labels::Tlp;

fn statement(product: &str, kind: &str, status: VexStatus, fixed: Option<&str>) -> CsafStatement {
    CsafStatement {
        vulnerability: "CVE-2018-1000805".into(),
        vendor: "Paramiko Maintainers".into(),
        product_given: product.into(),
        product_kind: kind.into(),
        versions: Vec::new(),
        status,
        justification: (status == VexStatus::NotAffected)
            .then(|| "vulnerable_code_not_present".to_owned()),
        fixed_version: fixed.map(str::to_owned),
        remediation: String::new(),
    }
}

fn input() -> CsafInput {
    CsafInput {
        tracking_id: "CHX-CASE-0190f2a1".into(),
        title: "Paramiko authentication bypass".into(),
        publisher: Publisher {
            name: "Clearinghouse".into(),
            namespace: "https://ch.example".into(),
        },
        tlp: Tlp::Clear,
        vex_only: false,
        summary: "Coordinated disclosure.".into(),
        vulnerabilities: vec![CsafVulnerability {
            id: "CVE-2018-1000805".into(),
            aliases: vec!["GHSA-f8q4-jwww-x3wv".into()],
            title: "Authentication bypass".into(),
            description: "Paramiko does not check authentication first.".into(),
            cwes: vec!["CWE-287".into()],
            cvss_vectors: vec![
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
            ],
        }],
        statements: vec![
            statement("pkg:pypi/paramiko", "purl", VexStatus::Fixed, Some("2.4.1")),
            statement(
                "pkg:maven/org.example/ssh@1.0",
                "purl",
                VexStatus::Affected,
                None,
            ),
            statement(
                "cpe:2.3:a:paramiko:paramiko:1.0:*:*:*:*:*:*:*",
                "cpe",
                VexStatus::NotAffected,
                None,
            ),
        ],
        acknowledgments: vec!["County Hospital".into()],
        revisions: vec![Revision {
            number: 1,
            date: "2026-12-06T10:00:00.000000Z".into(),
            summary: "Initial".into(),
        }],
        self_url: Some(
            "https://ch.example/.well-known/csaf/white/2026/chx-case-0190f2a1.json".into(),
        ),
    }
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn osv_records_name_packages_ranges_and_scores() {
    let records = osv(&input());
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["id"], "x_CHX-CASE-0190f2a1");
    assert_eq!(
        r["aliases"],
        json!(["CVE-2018-1000805", "GHSA-f8q4-jwww-x3wv"])
    );
    assert_eq!(r["affected"][0]["package"]["ecosystem"], "PyPI");
    assert_eq!(r["affected"][0]["ranges"][0]["events"][1]["fixed"], "2.4.1");
    assert_eq!(r["affected"][1]["package"]["name"], "org.example:ssh");
    assert_eq!(
        r["affected"].as_array().unwrap().len(),
        2,
        "not-affected is left out"
    );
    assert_eq!(r["severity"][1]["type"], "CVSS_V4");
    assert_eq!(r["credits"][0]["type"], "REPORTER");
    let Some(v) = crate::advisory::schema_tests::osv_validator() else {
        return;
    };
    assert_eq!(errors(&v, r), Vec::<String>::new(), "{r:#}");
    let mut bad = r.clone();
    bad["id"] = json!("CHX-CASE-1");
    assert!(!v.is_valid(&bad), "an unregistered prefix is refused");
    // And our own reader takes it back.
    let bytes = serde_json::to_vec(r).unwrap();
    crate::advisory::parse_osv(&bytes).expect("our OSV reader reads the export");
}

#[test]
fn cve5_records_are_valid_and_need_a_cve_id_and_an_assigner() {
    let assigner = "8254265b-2729-46b6-b9e3-3dfca2d5bfca";
    let r = cve5(&input(), "GHSA-f8q4-jwww-x3wv", assigner).unwrap();
    assert_eq!(r["cveMetadata"]["cveId"], "CVE-2018-1000805");
    let cna = &r["containers"]["cna"];
    assert_eq!(cna["affected"][0]["versions"][0]["lessThan"], "2.4.1");
    assert_eq!(cna["affected"][2]["vendor"], "paramiko");
    assert_eq!(cna["affected"][2]["defaultStatus"], "unaffected");
    assert_eq!(
        cna["problemTypes"][0]["descriptions"][0]["cweId"],
        "CWE-287"
    );
    assert_eq!(cna["metrics"][0]["cvssV3_1"]["baseScore"], 9.8);
    assert_eq!(cna["metrics"][1]["cvssV4_0"]["baseSeverity"], "CRITICAL");
    assert_eq!(
        cve5(&input(), "CVE-2018-1000805", "not-a-uuid"),
        Err(ExportError::BadAssigner("not-a-uuid".into()))
    );
    let mut chx = input();
    chx.vulnerabilities[0].id = "CHX-2026-0001".into();
    chx.vulnerabilities[0].aliases.clear();
    assert_eq!(
        cve5(&chx, "CHX-2026-0001", assigner),
        Err(ExportError::NoCveId("CHX-2026-0001".into()))
    );
    let Some(v) = crate::advisory::schema_tests::cve5_validator() else {
        return;
    };
    assert_eq!(errors(&v, &r), Vec::<String>::new(), "{r:#}");
    let mut bad = r.clone();
    bad["containers"]["cna"]["affected"][0]["versions"][0]["status"] = json!("broken");
    assert!(!v.is_valid(&bad), "the schema check can fail");
    crate::advisory::parse_cve5(&serde_json::to_vec(&r).unwrap())
        .expect("our CVE 5 reader reads the export");
}
