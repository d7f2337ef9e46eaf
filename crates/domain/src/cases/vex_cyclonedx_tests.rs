//! CycloneDX VEX reading: products by purl, bom-ref, BOM-link and name;
//! versions and their status; refusals naming CycloneDX fields; and every
//! real VEX file of the shared data read or refused for a stated reason.

use serde_json::{Value, json};

use super::*;
use crate::cases::vex::{Justification, VexStatus};

fn read(doc: &Value) -> Vec<CdxStatement> {
    read_cyclonedx_vex(doc, &[]).unwrap()
}

fn refused(doc: &Value) -> CaseError {
    read_cyclonedx_vex(doc, &[]).unwrap_err()
}

#[test]
fn ranges_and_resolved_versions() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "vulnerabilities": [
            {"id": "CVE-2018-1000805", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
             "affects": [{"ref": "pkg:pypi/paramiko", "versions": [{"range": "vers:pypi/>=2.0|<2.4.2", "status": "unaffected"}]}]},
            {"id": "CVE-2018-1000805", "analysis": {"state": "resolved"},
             "affects": [{"ref": "pkg:pypi/paramiko", "versions": [
                 {"range": "vers:pypi/<2.4.2", "status": "affected"},
                 {"version": "2.4.2", "status": "unaffected"},
                 {"range": "vers:pypi/>=2.5.0", "status": "unaffected"}]}]}
        ]
    });
    let s = read(&doc);
    assert_eq!(s[0].input.versions, vec!["vers:pypi/>=2.0|<2.4.2"]);
    assert_eq!(
        s[0].paths.version(0),
        "vulnerabilities[0].affects[0].versions[0].range"
    );
    assert_eq!(s[1].input.status, "fixed");
    assert_eq!(s[1].input.fixed_version.as_deref(), Some("2.4.2"));
    assert_eq!(
        s[1].paths.fixed_version,
        "vulnerabilities[1].affects[0].versions[1].version"
    );
    assert_eq!(
        s[1].input.versions,
        vec!["vers:pypi/>=2.5.0"],
        "the affected range of a resolved vulnerability is history, not a fix"
    );
    for st in &s {
        st.input.validate_at(&st.paths).unwrap();
    }
}

#[test]
fn products_by_purl_bom_ref_and_bom_link() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [{"bom-ref": "pm", "name": "paramiko", "purl": "pkg:pypi/paramiko@2.4.0"}],
        "vulnerabilities": [
            {"id": "CVE-2018-1000805", "analysis": {"state": "not_affected", "justification": "code_not_present"},
             "affects": [{"ref": "pm"}]},
            {"id": "CVE-2018-1000805", "analysis": {"state": "resolved"},
             "affects": [{"ref": "urn:cdx:x/1#pkg:pypi/paramiko", "versions": [{"version": "2.4.1", "status": "unaffected"}]}]}
        ]
    });
    let s = read(&doc);
    assert_eq!(s[0].input.product, "pkg:pypi/paramiko@2.4.0");
    assert_eq!(s[0].input.versions, vec!["2.4.0"], "the purl's version");
    assert_eq!(s[0].paths.version(0), "components[0].purl");
    assert_eq!(s[1].input.fixed_version.as_deref(), Some("2.4.1"));
    let v = s[0].input.validate_at(&s[0].paths).unwrap();
    assert_eq!(
        v.justification,
        Some(Justification::VulnerableCodeNotPresent)
    );
}

/// CISA's examples name products only by name and version.
#[test]
fn named_components_and_their_versions() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.4",
        "metadata": {"component": {"name": "DEF", "version": "1.1", "bom-ref": "product-DEF"},
                     "supplier": {"name": "Example Company"}},
        "vulnerabilities": [{"id": "CVE-2021-44228", "analysis": {"state": "resolved", "detail": "Fixed."},
                             "affects": [{"ref": "product-DEF"}]}]
    });
    let s = read(&doc);
    let named = s[0].named.clone().expect("a named component");
    assert_eq!(named.name, "DEF");
    assert_eq!(named.supplier.as_deref(), Some("Example Company"));
    assert_eq!(s[0].input.fixed_version.as_deref(), Some("1.1"));
    assert_eq!(s[0].paths.fixed_version, "metadata.component.version");
    assert!(s[0].input.product.is_empty());
    let mine = vec![
        ("pkg:generic/abc".to_owned(), "pkg:generic/abc".to_owned()),
        (
            "cpe:example_company:def".to_owned(),
            "cpe:2.3:a:example_company:def:*:*:*:*:*:*:*:*".to_owned(),
        ),
    ];
    assert_eq!(
        resolve_named(&named, &mine, &[]).unwrap(),
        "cpe:2.3:a:example_company:def:*:*:*:*:*:*:*:*"
    );
    let e = resolve_named(&named, &mine[..1], &[]).unwrap_err();
    assert!(e.contains("'DEF'") && e.contains("pkg:generic/abc"), "{e}");
}

#[test]
fn names_match_across_spelling_and_are_narrowed_by_owner_then_case() {
    let c = NamedComponent {
        bom_ref: "acme-product-1".into(),
        name: "Acme Product 1".into(),
        group: Some("com.example".into()),
        supplier: None,
    };
    let pair = |k: &str| (k.to_owned(), k.to_owned());
    let both = vec![
        pair("pkg:maven/com.example/acme-product-1"),
        pair("pkg:maven/org.other/acme-product-1"),
    ];
    assert_eq!(
        resolve_named(&c, &both, &[]).unwrap(),
        "pkg:maven/com.example/acme-product-1"
    );
    let anon = NamedComponent {
        group: None,
        ..c.clone()
    };
    let e = resolve_named(&anon, &both, &[]).unwrap_err();
    assert!(e.contains("several"), "{e}");
    assert_eq!(
        resolve_named(
            &anon,
            &both,
            &["pkg:maven/org.other/acme-product-1".to_owned()]
        )
        .unwrap(),
        "pkg:maven/org.other/acme-product-1"
    );
    assert_eq!(
        resolve_named(&anon, &[pair("pkg:npm/%40acme/acme_product_1")], &[]).unwrap(),
        "pkg:npm/%40acme/acme_product_1"
    );
}

#[test]
fn bom_links_resolve_through_uploaded_boms() {
    let vex = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.4",
        "vulnerabilities": [{"id": "CVE-2021-44228", "analysis": {"state": "not_affected", "justification": "code_not_present"},
            "affects": [{"ref": "urn:cdx:e4c3eedc-4978-470c-ad02-6ffff63738ff/1#product-JKL",
                         "versions": [{"range": "vers:generic/>=1.0|<=4.4", "status": "unaffected"}]}]}]
    });
    let e = refused(&vex);
    assert_eq!(e.field, "vulnerabilities[0].affects[0].ref");
    assert!(e.message.contains("another BOM"), "{e}");
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
        "serialNumber": "urn:uuid:e4c3eedc-4978-470c-ad02-6ffff63738ff",
        "metadata": {"component": {"name": "JKL", "bom-ref": "product-JKL"}}});
    let s = read_cyclonedx_vex(&vex, std::slice::from_ref(&bom)).unwrap();
    assert_eq!(s[0].named.as_ref().unwrap().name, "JKL");
    // Another version of that BOM is not the one linked.
    let mut v2 = bom;
    v2["version"] = json!(2);
    assert!(read_cyclonedx_vex(&vex, &[v2]).is_err());
}

#[test]
fn refusals_name_cyclonedx_fields() {
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [{"bom-ref": "pm", "name": "paramiko", "purl": "pkg:pypi/paramiko@2.4.0"}],
        "vulnerabilities": [
            {"id": "CVE-2018-1000805", "analysis": {"state": "not_affected", "justification": "code_not_present"},
             "affects": [{"ref": "pm", "versions": [{"version": "2.4.0", "status": "unaffected"}]}]}
        ]
    });
    let with = |pointer: &str, value: Value| {
        let mut d = doc.clone();
        *d.pointer_mut(pointer).unwrap() = value;
        refused(&d)
    };
    let cases = [
        (
            "/vulnerabilities/0/affects/0/ref",
            json!("nothing"),
            "vulnerabilities[0].affects[0].ref",
        ),
        (
            "/vulnerabilities/0/analysis/state",
            json!("maybe"),
            "vulnerabilities[0].analysis.state",
        ),
        (
            "/vulnerabilities/0/analysis/justification",
            json!("because"),
            "vulnerabilities[0].analysis.justification",
        ),
        (
            "/vulnerabilities/0/affects/0/versions/0/status",
            json!("affected"),
            "vulnerabilities[0].affects[0].versions[0].status",
        ),
        (
            "/vulnerabilities/0/affects",
            json!([]),
            "vulnerabilities[0].affects",
        ),
        (
            "/vulnerabilities/0/analysis",
            json!({}),
            "vulnerabilities[0].analysis.state",
        ),
        ("/vulnerabilities", json!([]), "vulnerabilities"),
    ];
    for (pointer, value, field) in cases {
        let e = with(pointer, value);
        assert_eq!(e.field, field, "{e}");
        assert!(!e.message.contains("product_status"), "CSAF words: {e}");
    }
    // A not_affected analysis without a justification names it, in CycloneDX values.
    let mut d = doc.clone();
    d["vulnerabilities"][0]["analysis"]
        .as_object_mut()
        .unwrap()
        .remove("justification");
    let e = refused(&d);
    assert_eq!(e.field, "vulnerabilities[0].analysis.justification");
    assert!(e.message.contains("code_not_reachable"), "{e}");
    // Checks after reading name the document's fields too.
    let mut d = doc;
    d["vulnerabilities"][0]["analysis"] = json!({"state": "resolved"});
    d["vulnerabilities"][0]["affects"][0]["versions"][0] =
        json!({"version": "two", "status": "unaffected"});
    let s = read(&d);
    let e = s[0].input.validate_at(&s[0].paths).unwrap_err();
    assert_eq!(e.field, "vulnerabilities[0].affects[0].versions[0].version");
}

/// Every CycloneDX file with `vulnerabilities[].analysis` in the shared
/// data is read, or refused for a reason that names a CycloneDX field.
#[test]
fn real_vex_files_are_read_or_refused_for_a_stated_reason() {
    let mut files = Vec::new();
    for sub in [
        "cyclonedx-bom-examples",
        "cyclonedx-spec/tools/src/test/resources",
        "dependency-track-testdata",
    ] {
        if let Some(dir) = crate::test_data::sub_dir(sub) {
            crate::test_data::json_files(&dir, &mut files);
        }
    }
    let mut read_ok = 0;
    let mut seen = 0;
    for f in &files {
        let Ok(doc) = serde_json::from_slice::<Value>(&std::fs::read(f).unwrap()) else {
            continue;
        };
        let has_analysis = doc
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .is_some_and(|v| v.iter().any(|x| x.get("analysis").is_some()));
        if !has_analysis {
            continue;
        }
        seen += 1;
        match read_cyclonedx_vex(&doc, &[]) {
            Ok(statements) => {
                read_ok += 1;
                for s in &statements {
                    if let Err(e) = s.input.validate_at(&s.paths)
                        && s.named.is_none()
                    {
                        assert!(
                            e.field.starts_with("vulnerabilities"),
                            "{}: {e}",
                            f.display()
                        );
                    }
                }
            }
            Err(e) => {
                assert!(
                    e.field.starts_with("vulnerabilities"),
                    "{}: {e}",
                    f.display()
                );
                assert!(!e.message.is_empty());
            }
        }
    }
    if crate::test_data::sub_dir("cyclonedx-bom-examples").is_some() {
        assert!(seen >= 25, "found {seen} VEX files");
        assert!(read_ok >= 15, "read {read_ok} of {seen}");
        let dir = crate::test_data::sub_dir("cyclonedx-bom-examples/VEX").unwrap();
        let doc: Value =
            serde_json::from_slice(&std::fs::read(dir.join("vex.json")).unwrap()).unwrap();
        let s = read(&doc);
        let v = s[0].input.validate_at(&s[0].paths).unwrap();
        assert_eq!(v.status, VexStatus::NotAffected);
        assert_eq!(
            v.product.key,
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind"
        );
    }
}
