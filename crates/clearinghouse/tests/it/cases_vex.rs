//! CSAF 2.0 VEX upload to a case (issue 15, item 3) on both backends, with
//! the OASIS example files from the shared data: products named only by
//! their vendor and product branches are refused until the vendor maps the
//! CPE they spell, then the statements are stored with their range and
//! justification; a not-affected product with only an impact statement,
//! a document that is not `csaf_vex` and one failing the schema are
//! refused naming the field, and nothing is stored. `vex upload` through
//! the binary takes the same file.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{map_product, open_with_vendor, parties};
use crate::directives_cli::cli;
use crate::exposure::{import, raw};
use crate::harness::TestApp;

const LOG4J: [&str; 3] = ["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"];

fn osv_log4j(n: usize, cve: &str) -> Value {
    json!({
        "schema_version": "1.6.0", "id": format!("GHSA-jfh8-c2jp-5v3{n}"),
        "modified": "2021-12-20T00:00:00Z", "published": "2021-12-10T00:00:00Z",
        "aliases": [cve], "summary": "Log4j JNDI",
        "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.17.1"}]}]}]
    })
}

async fn statement_count(app: &TestApp, token: &str, id: &str) -> usize {
    let (s, v) = app
        .get(token, &format!("/api/v1/cases/{id}/statements"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().len()
}

async fn csaf_vex_upload(app: TestApp) {
    let Some(dir) =
        crate::harness::real_data::sub_dir("oasis-csaf/csaf_2.0/examples/csaf/csaf_vex")
    else {
        return;
    };
    let p = parties(&app).await;
    for (n, cve) in LOG4J.iter().enumerate() {
        let (s, v) = import(
            &app,
            &app.admin_token,
            &format!("log4j-{n}.json"),
            serde_json::to_vec(&osv_log4j(n, cve)).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let id = open_with_vendor(&app, &p, "Log4Shell in Secvisogram?", &LOG4J, &[], true).await;
    let upload = format!("/api/v1/cases/{id}/vex");
    let real = std::fs::read(dir.join("sec-vex-2022-0001.json")).unwrap();

    // The product is not the case's yet: refused naming the status entry.
    let (s, v) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        real.clone(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["field"], "vulnerabilities[0].product_status.known_not_affected[0].product",
        "{v}"
    );
    // Only an impact statement, no justification flag.
    let na = std::fs::read(dir.join("2022-evd-uc-01-na-001.json")).unwrap();
    let (s, v) = raw(&app, reqwest::Method::POST, &p.vendor_member, &upload, na).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("vulnerabilities[0].flags")),
        "{v}"
    );
    // Not a VEX document; then failing the schema (no title).
    let mut doc: Value = serde_json::from_slice(&real).unwrap();
    doc["document"]["category"] = json!("csaf_base");
    let (s, v) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        serde_json::to_vec(&doc).unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("document.category")),
        "{v}"
    );
    doc["document"]["category"] = json!("csaf_vex");
    doc["document"].as_object_mut().unwrap().remove("title");
    let (s, v) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        serde_json::to_vec(&doc).unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["field"].as_str().unwrap_or_default().contains("title"),
        "{v}"
    );
    assert_eq!(
        statement_count(&app, &p.coord, &id).await,
        0,
        "nothing stored"
    );

    // The coordinator maps the CPE the branches spell to the vendor (a
    // vendor's own claim waits for a coordinator); the real file is accepted.
    map_product(
        &app,
        &p,
        "cpe:2.3:a:secvisogram:secvisogram:*:*:*:*:*:*:*:*",
    )
    .await;
    let file = crate::harness::temp_dir().join("sec-vex-2022-0001.json");
    std::fs::write(&file, &real).unwrap();
    let r = cli(
        &app,
        &p.vendor_member,
        &[
            "vex",
            "upload",
            "--case",
            &id,
            file.to_str().unwrap(),
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON statements");
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 3, "{v}");
    for st in list {
        assert_eq!(st["source"], "csaf");
        assert_eq!(st["status"], "not_affected");
        assert_eq!(st["justification"], "component_not_present");
        assert_eq!(st["product"], "cpe:secvisogram:secvisogram");
        assert_eq!(st["versions"], json!(["<=1.14.0"]));
        assert!(
            st["remediation"].as_str().unwrap().contains("No Java"),
            "{st}"
        );
    }
    assert_eq!(statement_count(&app, &p.coord, &id).await, 3);

    // The same document again changes nothing: no statement, no event, no
    // notice; the current statements are the answer (F13).
    let events = format!("/api/v1/cases/{id}/events");
    let history = format!("/api/v1/cases/{id}/statements?history=true");
    let (_, before) = app.get(&p.coord, &events).await;
    let (s, v) = raw(&app, reqwest::Method::POST, &p.vendor_member, &upload, real).await;
    assert!(s == 200 || s == 201, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    let (_, after) = app.get(&p.coord, &events).await;
    assert_eq!(before, after, "no new event");
    let (s, all) = app.get(&p.coord, &history).await;
    assert_eq!((s, all.as_array().map(Vec::len)), (200, Some(3)), "{all}");
}
both_backends!(csaf_vex_upload, csaf_vex_upload);
