//! The vulnerability a validation makes: a CHX-only record matched against
//! an operator's SBOM and notified, embargo for findings not TLP:CLEAR,
//! joining an existing record, and numbers unique under concurrency.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{cast, decide, finding, is_chx, ok, submit, to_validating};
use crate::both_backends;
use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::TestApp;

async fn chx_only_vulnerability_reaches_exposed_operators(app: TestApp) {
    let c = cast(&app).await;
    let (_, ops) = operator(&app, "County Hospital").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let (s, v) = upload(&app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");

    let id = submit(
        &app,
        &c.reporter,
        &[finding("Channel hijack", &[])],
        "CLEAR",
    )
    .await[0]
        .clone();
    to_validating(&app, &c, &id).await;
    let f = ok(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "validate", "reason": "reproduced"}),
    )
    .await;
    let chx = f["vulnerability_id"].as_str().unwrap().to_owned();

    let (s, v) = app.get(&ops, "/api/v1/exposures").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(
        items[0]["vulnerability"]["id"],
        chx.as_str(),
        "a CHX-only group is named by its CHX id"
    );
    let (s, v) = app
        .get(&ops, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!((s, v["embargoed"].as_bool()), (200, Some(false)), "{v}");
    let (_, v) = app.get(&ops, "/api/v1/notifications").await;
    let told: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["vuln_id"] == chx.as_str())
        .collect();
    assert_eq!(told.len(), 1, "the operator is told: {v}");

    // Not TLP:CLEAR: embargoed, so the (unvetted) operator is not told and
    // cannot read it; the reporter can.
    let id = submit(&app, &c.reporter, &[finding("Key confusion", &[])], "AMBER").await[0].clone();
    to_validating(&app, &c, &id).await;
    let f = ok(&app, &c.validator_b, &id, json!({"action": "validate", "reason": "reproduced",
        "vulnerability": {"cwes": ["CWE-347"], "affected": [{"package": "pkg:pypi/paramiko", "fixed": "2.4.2"}]}})).await;
    let chx2 = f["vulnerability_id"].as_str().unwrap().to_owned();
    assert_ne!(chx, chx2);
    let (s, _) = app
        .get(&ops, &format!("/api/v1/vulnerabilities/{chx2}"))
        .await;
    assert_eq!(s, 404);
    let (s, v) = app
        .get(&c.reporter, &format!("/api/v1/vulnerabilities/{chx2}"))
        .await;
    assert_eq!(
        (s, v["embargoed"].as_bool(), v["cwes"].clone()),
        (200, Some(true), json!(["CWE-347"])),
        "{v}"
    );
    // The index lists what its reader may open: the reporter finds it there,
    // the operator does not.
    let search = format!("/api/v1/vulnerabilities?q={chx2}");
    let (s, v) = app.get(&c.reporter, &search).await;
    assert_eq!((s, v["total"].as_i64()), (200, Some(1)), "{v}");
    let (s, v) = app.get(&ops, &search).await;
    assert_eq!((s, v["total"].as_i64()), (200, Some(0)), "{v}");
    let (_, v) = app.get(&ops, "/api/v1/exposures").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");

    // A CVE published later naming the CHX id takes its group over, exposures included.
    let mut osv = osv_paramiko();
    osv["id"] = json!("GHSA-late-late-late");
    osv["aliases"] = json!([chx, "CVE-2026-0001"]);
    let (s, v) = import(
        &app,
        &app.admin_token,
        "late.json",
        serde_json::to_vec(&osv).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let group: String = sqlx::query_scalar("SELECT vuln_id FROM chx_vulnerabilities WHERE id = $1")
        .bind(&chx)
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap();
    assert_eq!(group, "CVE-2026-0001");
    let (_, v) = app.get(&ops, "/api/v1/exposures").await;
    assert_eq!(v["items"][0]["vulnerability"]["id"], "CVE-2026-0001", "{v}");

    // A third finding joins the first vulnerability.
    let id3 = submit(
        &app,
        &c.reporter,
        &[finding("Channel hijack, again", &[])],
        "CLEAR",
    )
    .await[0]
        .clone();
    to_validating(&app, &c, &id3).await;
    let (s, v) = decide(
        &app,
        &c.validator_b,
        &id3,
        json!({"action": "validate", "reason": "same",
        "vulnerability": {"attach_to": "CHX-1999-00001"}}),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("vulnerability.attach_to")),
        "{v}"
    );
    let f = ok(
        &app,
        &c.validator_b,
        &id3,
        json!({"action": "validate", "reason": "same",
        "vulnerability": {"attach_to": chx}}),
    )
    .await;
    assert_eq!(f["vulnerability_id"], chx.as_str());
    let (_, v) = app
        .get(&c.reporter, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!(v["supporting_findings"].as_array().unwrap().len(), 2, "{v}");
}
both_backends!(
    chx_only_vulnerability_reaches_exposed_operators,
    chx_only_vulnerability_reaches_exposed_operators
);

async fn chx_numbers_are_unique_under_concurrency(app: TestApp) {
    let c = cast(&app).await;
    let findings: Vec<Value> = (0..6).map(|i| finding(&format!("Bug {i}"), &[])).collect();
    let ids = submit(&app, &c.reporter, &findings, "CLEAR").await;
    for id in &ids {
        to_validating(&app, &c, id).await;
    }
    let results = futures_util::future::join_all(ids.iter().map(|id| {
        decide(
            &app,
            &c.validator_b,
            id,
            json!({"action": "validate", "reason": "reproduced"}),
        )
    }))
    .await;
    let mut numbers = BTreeSet::new();
    for (s, v) in results {
        assert_eq!(s, 200, "{v}");
        let chx = v["vulnerability_id"].as_str().unwrap().to_owned();
        assert!(is_chx(&chx), "{chx}");
        numbers.insert(chx[9..].parse::<u32>().unwrap());
    }
    assert_eq!(
        numbers,
        (1..=6).collect::<BTreeSet<u32>>(),
        "distinct and dense"
    );
}
both_backends!(
    chx_numbers_are_unique_under_concurrency,
    chx_numbers_are_unique_under_concurrency
);
