//! CycloneDX VEX upload to a case with the real files (issue 15, item 1),
//! on both backends: every file of the shared data with
//! `vulnerabilities[].analysis` (CycloneDX's and CISA's VEX examples, the
//! specification's test BOMs, Dependency-Track's) is uploaded by a joined
//! vendor to a case on the file's vulnerabilities, and is imported with the
//! expected number of statements or refused with a 422 naming the stated
//! CycloneDX field. Products named only by name (CISA's "ABC") are matched
//! to the vendor's mapped products; BOM-links to other BOMs are refused
//! alone and imported with the BOMs beside them. Refusals store nothing.
//! Skipped with a printed line when the shared data is absent (never in CI).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{Parties, map_product, open_with_vendor, parties};
use crate::exposure::{import, raw};
use crate::harness::TestApp;

/// What each file gives: imported with n statements, or refused naming a field.
enum Expect {
    Imported(usize),
    Refused(&'static str),
}
use Expect::{Imported, Refused};

/// Every VEX file of the shared data, by path below it, and its outcome.
const FILES: &[(&str, Expect)] = &[
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-affected.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-fixed.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-not_affected.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-under_investigation.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-2/vex.json",
        Imported(19),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-3/vex.json",
        Imported(19),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-4/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-5/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-6/vex.json",
        Imported(2),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json",
        Imported(5),
    ),
    (
        "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-8/vex.json",
        Imported(11),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-1/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-10/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-11/vex.json",
        Imported(19),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-12/vex.json",
        Imported(3),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-13/vex.json",
        Imported(3),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-2/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-3/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-4/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-5/vex.json",
        Imported(2),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-6/vex.json",
        Imported(3),
    ),
    // "not exploitable in any current version of any product": no affects.
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-7/vex.json",
        Refused("vulnerabilities[0].affects"),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-8/vex.json",
        Imported(1),
    ),
    (
        "cyclonedx-bom-examples/VEX/Use-Cases/Case-9/vex.json",
        Imported(57),
    ),
    ("cyclonedx-bom-examples/VEX/vex.json", Imported(1)),
    // not_affected, yet its versions are marked affected.
    (
        "cyclonedx-spec/tools/src/test/resources/1.6/valid-vulnerability-1.6.json",
        Refused("vulnerabilities[0].affects[0].versions[0].status"),
    ),
    (
        "cyclonedx-spec/tools/src/test/resources/1.7/valid-vulnerability-1.7.json",
        Refused("vulnerabilities[0].affects[0].versions[0].status"),
    ),
    // not_affected without a justification.
    (
        "dependency-track-testdata/apiserver/src/test/resources/unit/vex-issue2549.json",
        Refused("vulnerabilities[0].analysis.justification"),
    ),
];

/// The products the examples name without purl or CPE, mapped to the
/// vendor as CPEs (`Acme Product` → `cpe:2.3:a:example:acme_product`).
const NAMED: &[&str] = &[
    "ABC",
    "DEF",
    "GHI",
    "JKL",
    "XYZ",
    "Acme Product",
    "Acme Product 1",
    "Acme Product 2",
    "Acme Product 3",
    "Acme example",
];

fn cpe_for(name: &str) -> String {
    format!(
        "cpe:2.3:a:example:{}:*:*:*:*:*:*:*:*",
        name.to_lowercase().replace(' ', "_")
    )
}

/// Every JSON file with `vulnerabilities[].analysis` below `root`.
fn vex_files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json")
                && let Ok(doc) = serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap())
                && doc["vulnerabilities"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|x| x.get("analysis").is_some()))
            {
                let rel = path.strip_prefix(root).unwrap();
                out.insert(rel.to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// The CVE ids a file states.
fn cves(doc: &Value) -> Vec<String> {
    let ids: BTreeSet<String> = doc["vulnerabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["id"].as_str())
        .filter(|id| id.starts_with("CVE-"))
        .map(str::to_owned)
        .collect();
    ids.into_iter().collect()
}

fn osv(cve: &str) -> Value {
    json!({
        "schema_version": "1.6.0", "id": format!("PYSEC-{}", &cve[4..]),
        "modified": "2022-01-01T00:00:00Z", "published": "2022-01-01T00:00:00Z",
        "aliases": [cve], "summary": format!("{cve} as the VEX examples name it"),
        "affected": [{"package": {"ecosystem": "Maven", "name": "org.example:example"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}]}]
    })
}

async fn statement_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM case_statements")
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
}

/// The sibling `bom-*.json` files a VEX's BOM-links may name.
fn sibling_boms(file: &Path) -> Vec<PathBuf> {
    let mut boms: Vec<PathBuf> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("bom-"))
        })
        .collect();
    boms.sort();
    boms
}

async fn upload(app: &TestApp, p: &Parties, id: &str, body: Vec<u8>) -> (u16, Value) {
    raw(
        app,
        reqwest::Method::POST,
        &p.vendor_member,
        &format!("/api/v1/cases/{id}/vex"),
        body,
    )
    .await
}

async fn stated(app: &TestApp, p: &Parties, id: &str) -> Vec<Value> {
    let (s, v) = app
        .get(&p.coord, &format!("/api/v1/cases/{id}/statements"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn real_cyclonedx_vex(app: TestApp) {
    let Some(root) = crate::harness::real_data::sub_dir("") else {
        return;
    };
    let mut found = BTreeSet::new();
    for sub in [
        "cyclonedx-bom-examples",
        "cyclonedx-spec",
        "dependency-track-testdata",
    ] {
        for rel in vex_files(&root.join(sub)) {
            found.insert(format!("{sub}/{rel}"));
        }
    }
    let listed: BTreeSet<String> = FILES.iter().map(|(f, _)| (*f).to_owned()).collect();
    assert_eq!(
        found, listed,
        "every VEX file of the shared data has its expected outcome"
    );

    let p = parties(&app).await;
    let all_cves: BTreeSet<String> = FILES
        .iter()
        .flat_map(|(f, _)| {
            cves(&serde_json::from_slice(&std::fs::read(root.join(f)).unwrap()).unwrap())
        })
        .collect();
    for cve in &all_cves {
        let (s, v) = import(
            &app,
            &app.admin_token,
            &format!("{cve}.json"),
            serde_json::to_vec(&osv(cve)).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }

    // A name matching none of the vendor's products is refused at its
    // affects[].ref, nothing stored; mapped, the same file is imported.
    let first = root.join(FILES[0].0);
    let id = open_with_vendor(&app, &p, "DEF", &["CVE-2021-44228"], &[], true).await;
    let (s, v) = upload(&app, &p, &id, std::fs::read(&first).unwrap()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("vulnerabilities[0].affects[0].ref")),
        "{v}"
    );
    assert!(
        v["detail"].as_str().unwrap_or_default().contains("'DEF'"),
        "{v}"
    );
    assert_eq!(statement_count(&app).await, 0);
    for name in NAMED {
        map_product(&app, &p, &cpe_for(name)).await;
    }
    map_product(
        &app,
        &p,
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind",
    )
    .await;
    let (s, v) = upload(&app, &p, &id, std::fs::read(&first).unwrap()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v[0]["product"], "cpe:example:def");
    assert_eq!(v[0]["status"], "affected");
    assert_eq!(v[0]["versions"], json!(["1.0"]), "the component's version");
    assert_eq!(v[0]["source"], "cyclonedx");

    let mut case_of: HashMap<&str, String> = HashMap::new();
    for (rel, expect) in FILES {
        let path = root.join(rel);
        let bytes = std::fs::read(&path).unwrap();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let mut vulns = cves(&doc);
        if vulns.is_empty() {
            vulns.push("CVE-2020-25649".to_owned());
        }
        let vulns: Vec<&str> = vulns.iter().map(String::as_str).collect();
        let title = format!("VEX example {}", rel.replace('/', " "));
        let id = open_with_vendor(&app, &p, &title, &vulns, &[], true).await;
        case_of.insert(rel, id.clone());
        let before = statement_count(&app).await;
        let boms = sibling_boms(&path);
        let (s, v) = upload(&app, &p, &id, bytes.clone()).await;
        match (expect, boms.is_empty()) {
            (Imported(n), true) => {
                assert_eq!(s, 201, "{rel}: {v}");
                assert_eq!(v.as_array().unwrap().len(), *n, "{rel}: {v}");
            }
            (Imported(n), false) => {
                // Alone, the BOM-links name components it does not describe.
                assert_eq!(s, 422, "{rel}: {v}");
                assert!(v["field"].as_str().unwrap().ends_with(".ref"), "{rel}: {v}");
                assert!(
                    v["detail"].as_str().unwrap().contains("another BOM"),
                    "{rel}: {v}"
                );
                assert_eq!(statement_count(&app).await, before, "{rel}: nothing stored");
                let mut all = vec![doc.clone()];
                for b in &boms {
                    all.push(serde_json::from_slice(&std::fs::read(b).unwrap()).unwrap());
                }
                let (s, v) = upload(&app, &p, &id, serde_json::to_vec(&all).unwrap()).await;
                assert_eq!(s, 201, "{rel} with its BOMs: {v}");
                assert_eq!(v.as_array().unwrap().len(), *n, "{rel}: {v}");
            }
            (Refused(field), _) => {
                assert_eq!((s, v["field"].as_str()), (422, Some(*field)), "{rel}: {v}");
                let detail = v["detail"].as_str().unwrap_or_default();
                assert!(!detail.contains("product_status"), "{rel}: CSAF words: {v}");
                assert_eq!(statement_count(&app).await, before, "{rel}: nothing stored");
            }
        }
    }

    // What CISA's use cases state, as stored.
    let fixed = stated(&app, &p, &case_of[FILES[1].0]).await;
    assert_eq!(
        (
            fixed[0]["status"].as_str(),
            fixed[0]["fixed_version"].as_str()
        ),
        (Some("fixed"), Some("1.1")),
        "{fixed:?}"
    );
    let eight = stated(&app, &p, &case_of[FILES[10].0]).await;
    let jkl_fix = eight
        .iter()
        .find(|s| s["product"] == "cpe:example:jkl" && s["status"] == "fixed")
        .expect("JKL fixed");
    assert_eq!(jkl_fix["fixed_version"], "5.1");
    assert_eq!(jkl_fix["versions"], json!(["5.2"]));
    let na = eight
        .iter()
        .find(|s| s["product"] == "cpe:example:abc" && s["status"] == "not_affected")
        .expect("ABC not affected");
    assert_eq!(na["justification"], "vulnerable_code_not_present");
    assert!(
        na["versions"]
            .as_array()
            .unwrap()
            .contains(&json!("vers:generic/>=1.0|<=2.3")),
        "{na}"
    );
}
both_backends!(real_cyclonedx_vex, real_cyclonedx_vex);
