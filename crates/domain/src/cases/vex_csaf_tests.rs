//! Tests of the CSAF VEX reader: the OASIS examples (real files) and the
//! refusals a vendor must be able to fix.

use super::vex::StatementInput;
use super::vex_csaf::*;
use serde_json::json;

fn example(name: &str) -> Option<Vec<u8>> {
    let dir = crate::test_data::sub_dir("oasis-csaf/csaf_2.0/examples/csaf/csaf_vex")?;
    Some(std::fs::read(dir.join(name)).expect("reads the example"))
}

fn doc(status: serde_json::Value, flags: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "document": {"category": "csaf_vex", "csaf_version": "2.0",
          "publisher": {"category": "vendor", "name": "Ex", "namespace": "https://ex.example/"},
          "title": "T", "tracking": {"id": "EX-VEX-1", "status": "final", "version": "1",
            "initial_release_date": "2024-01-01T00:00:00Z", "current_release_date": "2024-01-01T00:00:00Z",
            "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "s"}]}},
        "product_tree": {"branches": [{"category": "vendor", "name": "Ex", "branches": [
            {"category": "product_version_range", "name": "vers:pypi/>=2.0|<2.4.2",
             "product": {"name": "paramiko old", "product_id": "P1",
               "product_identification_helper": {"purl": "pkg:pypi/paramiko"}}},
            {"category": "product_version", "name": "2.4.2",
             "product": {"name": "paramiko 2.4.2", "product_id": "P2",
               "product_identification_helper": {"purl": "pkg:pypi/paramiko@2.4.2"}}}]}],
          "product_groups": [{"group_id": "G1", "product_ids": ["P1", "P2"]}]},
        "vulnerabilities": [{"cve": "CVE-2018-1000805", "product_status": status,
          "notes": [{"category": "description", "text": "Auth bypass.", "title": "CVE description"}],
          "flags": flags,
          "threats": [{"category": "impact", "details": "The server part is not shipped.", "product_ids": ["P1"]}]}]
    }))
    .expect("serialises")
}

#[test]
fn the_oasis_not_affected_example_reads_with_its_range_and_flag() {
    let Some(bytes) = example("sec-vex-2022-0001.json") else {
        return;
    };
    let s = read_csaf_vex(&bytes).expect("reads");
    assert_eq!(s.len(), 3, "three CVEs, one product each");
    let (at, first) = &s[0];
    assert_eq!(
        at,
        "vulnerabilities[0].product_status.known_not_affected[0]"
    );
    assert_eq!(first.vulnerability, "CVE-2021-44228");
    assert_eq!(first.status, "not_affected");
    assert_eq!(
        first.product,
        "cpe:2.3:a:secvisogram:secvisogram:*:*:*:*:*:*:*:*"
    );
    assert_eq!(first.versions, vec!["<=1.14.0".to_owned()]);
    assert_eq!(
        first.justification.as_deref(),
        Some("component_not_present")
    );
    assert!(first.remediation.contains("No Java"));
    for (at, st) in &s {
        st.validate(at).expect("each statement is valid");
    }
}

#[test]
fn the_oasis_fixed_and_affected_examples_read() {
    let (Some(fixed), Some(affected)) = (
        example("2022-evd-uc-01-f-001.json"),
        example("2022-evd-uc-01-a-001.json"),
    ) else {
        return;
    };
    let f = read_csaf_vex(&fixed).expect("reads");
    assert!(f.iter().any(|(_, s)| s.status == "fixed"
        && s.fixed_version.as_deref() == Some("1.1")
        && s.product == "cpe:2.3:a:example_company:def:*:*:*:*:*:*:*:*"));
    let a = read_csaf_vex(&affected).expect("reads");
    assert!(a.iter().all(|(_, s)| s.status == "affected"
        && s.versions == vec!["1.0".to_owned()]
        && !s.remediation.is_empty()));
    for (at, st) in f.iter().chain(&a) {
        st.validate(at).expect("valid");
    }
}

#[test]
fn an_oasis_not_affected_with_only_an_impact_statement_is_refused_naming_flags() {
    let Some(bytes) = example("2022-evd-uc-01-na-001.json") else {
        return;
    };
    let e = read_csaf_vex(&bytes).unwrap_err();
    assert_eq!(e.field, "vulnerabilities[0].flags");
}

#[test]
fn statuses_ranges_groups_and_versions() {
    let bytes = doc(
        json!({"known_not_affected": ["P1"], "fixed": ["P2"]}),
        json!([{"label": "vulnerable_code_not_in_execute_path", "group_ids": ["G1"]}]),
    );
    let s: Vec<StatementInput> = read_csaf_vex(&bytes)
        .expect("reads")
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].versions, vec!["vers:pypi/>=2.0|<2.4.2".to_owned()]);
    assert_eq!(
        s[0].justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path"),
        "the flag names the product through its group"
    );
    assert_eq!(s[1].status, "fixed");
    assert_eq!(s[1].fixed_version.as_deref(), Some("2.4.2"));
    assert!(s[1].versions.is_empty());
}

#[test]
fn refusals_name_the_field() {
    // Not a VEX document.
    let mut v: serde_json::Value =
        serde_json::from_slice(&doc(json!({"known_not_affected": ["P1"]}), json!([]))).unwrap();
    v["vulnerabilities"][0]
        .as_object_mut()
        .unwrap()
        .remove("flags");
    let no_flag = serde_json::to_vec(&v).unwrap();
    let e = read_csaf_vex(&no_flag).unwrap_err();
    assert_eq!(
        e.field, "vulnerabilities[0].flags",
        "not affected without a justification"
    );
    v["document"]["category"] = json!("csaf_base");
    let e = read_csaf_vex(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(e.field, "document.category");
    // Schema failure: a required field missing.
    v["document"]["category"] = json!("csaf_vex");
    v["document"].as_object_mut().unwrap().remove("title");
    let e = read_csaf_vex(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert!(e.field.contains("title"), "{e}");
    // Not JSON at all.
    assert!(read_csaf_vex(b"not json").is_err());
}

#[test]
fn branch_cpes_are_spelled_as_nvd_does() {
    assert_eq!(
        branch_cpe("Example Company", "ABC"),
        "cpe:2.3:a:example_company:abc:*:*:*:*:*:*:*:*"
    );
    let key = crate::cases::ProductRef::parse("p", &branch_cpe("Ex Co", "Box 2"))
        .expect("a valid CPE")
        .key;
    assert_eq!(key, "cpe:ex_co:box_2");
}
