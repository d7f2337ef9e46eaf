//! Records derived from a labelled record carry labels at least as strict:
//! the vulnerability, advisory, exposures, inbox notifications, webhook
//! payloads, emails and audit entries that validating a `CUI` finding makes;
//! and finding analysis never links a finding to an id its readers may not
//! read (an embargoed advisory), with its writes audited.

use serde_json::{Value, json};

use super::{submit, world};
use crate::both_backends;
use crate::exposure::{CVE, asset, cyclonedx, operator, osv_paramiko, upload};
use crate::findings::finding;
use crate::harness::TestApp;

const SECRET: &str = "Secret CUI title";

/// Every stored job payload of `kind`.
async fn payloads(app: &TestApp, kind: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = $1")
        .bind(kind)
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap()
}

/// Every audit entry, as text.
async fn audit_entries(app: &TestApp) -> Vec<Value> {
    let (_, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    let n = cp["tree_size"].as_u64().unwrap();
    let (s, v) = app
        .get(
            &app.admin_token,
            &format!("/api/v1/audit/entries?start=0&end={n}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["entry"].as_str().unwrap()).unwrap())
        .collect()
}

async fn validation_keeps_labels_on_every_derived_record(app: TestApp) {
    // The test makes a job fail (or kills its worker) on purpose.
    app.expect_failed_jobs();
    let w = world(&app).await;
    let gov = app.org("Cleared Centre", "government_agency").await;
    let (cc_id, _) = app.user(&gov, "cleared-coord", &["coordinator"]).await;
    let (cv_id, _) = app.user(&gov, "cleared-val", &["validator"]).await;
    app.grant(&cc_id, &["CUI"]).await;
    app.grant(&cv_id, &["CUI"]).await;
    let cleared_coord = app.token_for(&cc_id).await;
    let cleared_val = app.token_for(&cv_id).await;
    // A vetted operator running paramiko 2.4.0, with a webhook and email.
    let (water, ops) = operator(&app, "Water District").await;
    crate::org_flags::set_flags(&app, &water, json!({"vetted": true})).await;
    let (ops_admin_id, ops_admin) = app.user(&water, "water-admin", &["org_admin"]).await;
    let (s, v) = app
        .post(
            &ops_admin,
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &ops_admin,
            "/api/v1/notification-settings",
            &json!({"email": "soc@water.example", "daily_digest": false}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    app.grant(&ops_admin_id, &["CUI"]).await;
    let ops_cui = app.token_for(&ops_admin_id).await;
    let scada = asset(&app, &ops, "scada", true).await;
    let (s, v) = upload(&app, &ops, &scada, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");

    // A CUI finding, validated into a CHX vulnerability.
    let mut bug = finding(SECRET, "paramiko/transport.py", 3);
    bug["description"] = json!("CUI description of the bug");
    let (_, items) = submit(&app, &w.rita, &[bug], "?tlp=AMBER&visibility=CUI").await;
    let fid = items[0]["finding_id"].as_str().unwrap().to_owned();
    let review = |token: String, body: Value| {
        let app = &app;
        let fid = fid.clone();
        async move {
            let (s, v) = app
                .post(&token, &format!("/api/v1/findings/{fid}/review"), &body)
                .await;
            assert_eq!(s, 200, "{body}: {v}");
            v
        }
    };
    review(
        cleared_coord.clone(),
        json!({"action": "triage", "reason": "plausible"}),
    )
    .await;
    review(
        cleared_val.clone(),
        json!({"action": "start_validation", "reason": "go"}),
    )
    .await;
    let f = review(
        cleared_val.clone(),
        json!({"action": "validate", "reason": "reproduced"}),
    )
    .await;
    let chx = f["vulnerability_id"].as_str().unwrap().to_owned();
    app.run_pending_jobs().await;

    // Readers without CUI: staff, auditors, the exposed vetted operator's member.
    let missing_vuln = app
        .get(&w.coord, "/api/v1/vulnerabilities/CHX-1999-00001")
        .await;
    assert_eq!(missing_vuln.0, 404);
    let admin = app.admin_token.clone();
    for (who, token) in [
        ("coordinator", &w.coord),
        ("auditor", &w.auditor),
        ("platform admin", &admin),
        ("vetted operator", &ops),
        ("validator", &w.validator),
    ] {
        for path in [
            format!("/api/v1/vulnerabilities/{chx}"),
            format!("/api/v1/advisories/{chx}"),
        ] {
            let (s, v) = app.get(token, &path).await;
            assert_eq!((s, &v), (404, &missing_vuln.1), "{who}: {path}");
        }
        for path in [
            "/api/v1/exposures?state=all",
            "/api/v1/notifications",
            "/api/v1/exposure-stats?by=vulnerability",
        ] {
            let (_, v) = app.get(token, path).await;
            let text = v.to_string();
            assert!(
                !text.contains(&chx) && !text.contains(SECRET),
                "{who}: {path}: {v}"
            );
        }
    }
    // Counts do not reveal it either: the operator's SBOM upload summary and
    // exposure chart count only what it may read (its one paramiko
    // exposure is the CHX one), the cleared member's count it.
    let (s, v) = upload(&app, &ops, &scada, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["open"], 0, "{v}");
    let (s, v) = upload(&app, &ops_cui, &scada, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["open"], 1, "{v}");
    let (_, vetted_ops) = app.get(&ops, "/api/v1/me").await;
    let user = clearinghouse::store::accounts::users::get(
        &app.app.store.pool,
        vetted_ops["user"]["id"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let who = clearinghouse::auth::Principal::new(user, clearinghouse::auth::Via::System);
    let chart = clearinghouse::workflows::exposure::exposures::timeline(&app.app, &who, None)
        .await
        .unwrap();
    assert!(chart.is_empty(), "{chart:?}");

    // The cleared member of the exposed vetted operator is told, under the labels.
    let (_, inbox) = app.get(&ops_cui, "/api/v1/notifications").await;
    let told: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["vuln_id"] == chx.as_str())
        .collect();
    assert_eq!(told.len(), 1, "{inbox}");
    assert_eq!(
        (told[0]["visibility"].as_str(), told[0]["tlp"].as_str()),
        (Some("CUI"), Some("AMBER"))
    );
    let (s, v) = app
        .get(&ops_cui, &format!("/api/v1/advisories/{chx}"))
        .await;
    assert_eq!((s, v["visibility"].as_str()), (200, Some("CUI")), "{v}");
    let (s, v) = app
        .get(&cleared_coord, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!((s, v["visibility"].as_str()), (200, Some("CUI")), "{v}");
    let (_, v) = app.get(&ops_cui, "/api/v1/exposures").await;
    assert!(v.to_string().contains(&chx), "{v}");

    // Nothing of the finding leaves the platform: webhook bodies, emails, audit.
    let hooks = payloads(&app, "webhook.deliver").await;
    assert!(!hooks.is_empty());
    for p in &hooks {
        assert!(!p.contains(SECRET) && !p.contains(&chx), "{p}");
    }
    let n = clearinghouse::store::notifications::get(
        &app.app.store.pool,
        told[0]["id"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let (subject, body) = clearinghouse::notify_email::single(&n.for_delivery(), "");
    assert!(!subject.contains(&chx) && !body.contains(&chx) && !body.contains(SECRET));
    let (subject, body) = clearinghouse::notify_email::digest(&[n.for_delivery()], "");
    assert!(!subject.contains(&chx) && !body.contains(SECRET), "{body}");
    for e in audit_entries(&app).await {
        assert!(!e.to_string().contains(SECRET), "{e}");
    }
}
both_backends!(
    validation_keeps_labels_on_every_derived_record,
    validation_keeps_labels_on_every_derived_record
);

async fn analysis_never_links_an_embargoed_id(app: TestApp) {
    let w = world(&app).await;
    let mut osv = osv_paramiko();
    osv["database_specific"] = json!({"cwe_ids": ["CWE-287"]});
    let (s, v) = crate::exposure::import_at(
        &app,
        &w.coord,
        "/api/v1/advisories/import?name=e.json&embargo=true",
        serde_json::to_vec(&osv).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Probes: package, affected version and CWE; and the alias itself.
    let mut by_alias = finding("Alias probe", "x.py", 1);
    by_alias["aliases"] = json!([CVE]);
    let (sub, items) = submit(
        &app,
        &w.rival,
        &[
            finding("Package probe", "paramiko/auth_handler.py", 9),
            by_alias,
        ],
        "",
    )
    .await;
    for item in &items {
        let fid = item["finding_id"].as_str().unwrap();
        let (s, d) = app.get(&w.rival, &format!("/api/v1/findings/{fid}")).await;
        assert_eq!(s, 200, "{d}");
        assert_eq!(d["finding"]["known_vuln_id"], Value::Null, "{d}");
    }
    assert_eq!(
        app.get(&w.rival, &format!("/api/v1/vulnerabilities/{CVE}"))
            .await
            .0,
        404
    );
    // The analysis wrote, and said so in the audit log.
    let sid = sub["id"].as_str().unwrap();
    let analysed: Vec<Value> = audit_entries(&app)
        .await
        .into_iter()
        .filter(|e| e["action"] == "finding.analyse" && e["object"]["id"] == sid)
        .collect();
    assert_eq!(analysed.len(), 1, "{analysed:?}");

    // Once published (a coordinator lifts the embargo), a new probe is linked.
    let lift = format!("/api/v1/vulnerabilities/{CVE}/lift-embargo");
    let (s, v) = app
        .post(&w.coord, &lift, &json!({"reason": "published"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, items) = submit(
        &app,
        &w.rival,
        &[finding("Later probe", "paramiko/auth_handler.py", 11)],
        "",
    )
    .await;
    let fid = items[0]["finding_id"].as_str().unwrap();
    let (_, d) = app.get(&w.rival, &format!("/api/v1/findings/{fid}")).await;
    assert_eq!(d["finding"]["known_vuln_id"], CVE, "{d}");
}
both_backends!(
    analysis_never_links_an_embargoed_id,
    analysis_never_links_an_embargoed_id
);

async fn amber_strict_findings_stay_with_the_staff(app: TestApp) {
    let w = world(&app).await;
    let (water, ops) = operator(&app, "Water District").await;
    crate::org_flags::set_flags(&app, &water, json!({"vetted": true})).await;
    let scada = asset(&app, &ops, "scada", true).await;
    let (s, v) = upload(&app, &ops, &scada, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let (_, items) = submit(
        &app,
        &w.rita,
        &[finding(SECRET, "paramiko/client.py", 5)],
        "?tlp=AMBER%2BSTRICT",
    )
    .await;
    let fid = items[0]["finding_id"].as_str().unwrap().to_owned();
    for (token, body) in [
        (&w.coord, json!({"action": "triage", "reason": "r"})),
        (
            &w.validator,
            json!({"action": "start_validation", "reason": "r"}),
        ),
        (&w.validator, json!({"action": "validate", "reason": "r"})),
    ] {
        let (s, v) = app
            .post(token, &format!("/api/v1/findings/{fid}/review"), &body)
            .await;
        assert_eq!(s, 200, "{body}: {v}");
    }
    let (_, f) = app.get(&w.coord, &format!("/api/v1/findings/{fid}")).await;
    let chx = f["finding"]["vulnerability_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_pending_jobs().await;
    // The staff read it; the exposed vetted operator learns nothing of it.
    assert_eq!(
        app.get(&w.coord, &format!("/api/v1/vulnerabilities/{chx}"))
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(&ops, &format!("/api/v1/vulnerabilities/{chx}"))
            .await
            .0,
        404
    );
    for path in ["/api/v1/notifications", "/api/v1/exposures?state=all"] {
        let (_, v) = app.get(&ops, path).await;
        let text = v.to_string();
        assert!(
            !text.contains(&chx) && !text.contains(SECRET),
            "{path}: {v}"
        );
    }
}
both_backends!(
    amber_strict_findings_stay_with_the_staff,
    amber_strict_findings_stay_with_the_staff
);
