//! Scan coordination under attack, on both backends: an operator's report
//! of scanning is "covered" only when authorized campaigns' targets hold
//! the whole reported target (else "not covered" naming the uncovered
//! parts, an incident); no one person makes another operator's verified
//! network their own organisation's (a coordinator never attests their
//! own organisation's asset, and no asset overlapping another
//! organisation's verified one is verified); campaigns and reports count
//! only the grant of the organisation holding the verified asset.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;
use crate::scans::{at, cast, setup};

fn hours(h: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::hours(h))
}

fn report(sources: &[&str], targets: &[&str]) -> Value {
    json!({"sources": sources, "targets": targets, "start": hours(-1), "end": hours(0)})
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

async fn partial_coverage(app: TestApp) {
    let c = cast(&app).await;
    let _s = setup(&app, &c).await;
    // Lab one scans 203.0.113.16/28 only, inside the operator's /26.
    let (s, one) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["cidr:203.0.113.16/28"], "start": hours(-2), "end": hours(48),
                    "scanner": "ExampleScanner 2.1", "techniques": ["active"],
                    "sources": ["198.51.100.0/29"]}),
        )
        .await;
    assert_eq!(s, 201, "{one}");
    let one_id = one["id"].as_str().unwrap();
    // Scanning of the whole /26 is not covered: 48 of its 64 addresses
    // are outside the campaign.
    let (s, r) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["198.51.100.3"], &["cidr:203.0.113.0/26"]),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["covered"], false, "{r}");
    assert_eq!(r["incident_state"], "open", "{r}");
    let t = &r["per_target"][0];
    assert_eq!(
        strings(&t["uncovered"]),
        ["cidr:203.0.113.0/28", "cidr:203.0.113.32/27"],
        "{r}"
    );
    assert!(t["covered_by"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(t["possible"][0]["campaign_id"], one_id, "{r}");
    let answer = r["answer"].as_str().unwrap();
    assert!(answer.starts_with("Not covered"), "{answer}");
    assert!(answer.contains("cidr:203.0.113.32/27"), "{answer}");
    assert!(!answer.contains("stand down"), "{answer}");
    // Inside the campaign's target: covered, nothing uncovered.
    let (s, r) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["198.51.100.3"], &["cidr:203.0.113.16/29"]),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["covered"], true, "{r}");
    assert!(strings(&r["per_target"][0]["uncovered"]).is_empty());
    assert_eq!(r["per_target"][0]["covered_by"][0]["campaign_id"], one_id);
}

both_backends!(scan_report_partial_coverage, partial_coverage);

async fn no_takeover(app: TestApp) {
    let c = cast(&app).await;
    let _s = setup(&app, &c).await;
    let adm = app
        .org("Scan Coordination Office", "government_agency")
        .await;
    let (_, coord1) = app.user(&adm, "coord-admin", &["coordinator"]).await;
    // A coordinator registers the operator's verified block for their own
    // organisation.
    let (s, squat) = app
        .post(
            &coord1,
            "/api/v1/scans/assets",
            &json!({"target": "cidr:203.0.113.0/24"}),
        )
        .await;
    assert_eq!(s, 201, "{squat}");
    let sid = squat["id"].as_str().unwrap().to_owned();
    let attest = format!("/api/v1/scans/assets/{sid}/attest");
    // Not by themself: never their own organisation's asset.
    let (s, v) = app.post(&coord1, &attest, &json!({"reason": "ours"})).await;
    assert_eq!(s, 403, "{v}");
    assert!(v.to_string().contains("own organisation"), "{v}");
    // Not by another coordinator either, while it overlaps a verified
    // asset of another organisation (named only as such).
    let (s, v) = app
        .post(&c.coord, &attest, &json!({"reason": "ours"}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v.to_string().contains("another organisation"), "{v}");
    assert!(!v.to_string().contains(&c.op_org), "{v}");
    let (_, a) = app
        .get(&c.coord, &format!("/api/v1/scans/assets/{sid}"))
        .await;
    assert_ne!(a["state"], "verified", "{a}");

    // Had it been verified (before this rule), its grant still authorizes
    // nothing on the operator's network.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE scan_assets SET state = 'verified' WHERE id = '{sid}'"
    )))
    .execute(&app.app.store.pool)
    .await
    .unwrap();
    let (s, g) = app
        .post(
            &coord1,
            "/api/v1/scans/grants",
            &json!({"scanner_org_id": c.r2_org, "assets": [sid],
                    "techniques": ["passive", "active"], "rate_limit": 50,
                    "sources": ["192.0.2.0/28"], "start": at(-1), "end": at(30),
                    "operator_contact": "noc@admin.example",
                    "scanner_contact": "oncall@lab2.example"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["cidr:203.0.113.32/28"], "start": hours(-2), "end": hours(48),
                    "scanner": "Lab2Scan", "techniques": ["active"],
                    "sources": ["192.0.2.3/32"]}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("targets")), "{v}");
    assert!(v.to_string().contains("targets[0]"), "{v}");
    assert!(v.to_string().contains("another organisation"), "{v}");
    // A campaign outside the operator's block is still authorized by it.
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["cidr:203.0.113.128/28"], "start": hours(-2), "end": hours(48),
                    "scanner": "Lab2Scan", "techniques": ["active"],
                    "sources": ["192.0.2.3/32"]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

both_backends!(scan_asset_no_takeover, no_takeover);

async fn history_len(app: &TestApp, token: &str, target: &str) -> usize {
    let (s, v) = app
        .get(token, &format!("/api/v1/scans/history?target={target}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().len()
}

async fn labels_probing_and_claims(app: TestApp) {
    let c = cast(&app).await;
    let _s = setup(&app, &c).await;
    let campaign = |targets: &[&str], tlp: &str| {
        json!({"targets": targets, "start": hours(1), "end": hours(48),
               "scanner": "ExampleScanner 2.1", "techniques": ["active"],
               "sources": ["198.51.100.0/29"], "tlp": tlp,
               "contact": "secret-team@lab1.example"})
    };
    let secret = "repo:https://github.com/acme/secret-product@deadbeef";
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &campaign(&[secret], "AMBER+STRICT"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &campaign(&["pkg:npm/left-pad", "cidr:203.0.113.16/28"], "AMBER"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let amber = v["id"].as_str().unwrap().to_owned();

    // AMBER+STRICT campaigns of others are not shown at all.
    assert_eq!(history_len(&app, &c.r2, secret).await, 0);
    assert_eq!(history_len(&app, &c.coord, secret).await, 1);
    let check = |targets: Vec<&str>| {
        json!({"targets": targets, "start": hours(2), "end": hours(20),
               "scanner": "Lab2Scan", "techniques": ["passive"]})
    };
    let (s, v) = app
        .post(&c.r2, "/api/v1/scans/check", &check(vec![secret]))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["overlaps"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(v["truncated"], false);
    // AMBER ones: that another organisation's campaign overlaps, and when.
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/check",
            &check(vec!["pkg:npm/left-pad"]),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let o = &v["overlaps"][0];
    assert_eq!(
        o["other_target"],
        "another organisation's campaign overlaps"
    );
    for hidden in ["id", "org_id", "contact", "scanner"] {
        assert_eq!(o[hidden], Value::Null, "{hidden}: {v}");
    }
    assert!(o["start"].as_str().is_some(), "{v}");
    let text = v.to_string();
    assert!(
        !text.contains("secret-team") && !text.contains(&amber),
        "{text}"
    );
    let (_, h) = app
        .get(&c.r2, "/api/v1/scans/history?target=pkg:npm/left-pad")
        .await;
    assert_eq!(h[0]["campaign_id"], Value::Null, "{h}");
    assert_eq!(h[0]["scanner"], Value::Null, "{h}");
    let (_, h) = app
        .get(&c.coord, "/api/v1/scans/history?target=pkg:npm/left-pad")
        .await;
    assert_eq!(h[0]["campaign_id"], amber.as_str(), "{h}");

    // Probing smaller ranges learns nothing finer than the disclosed /24:
    // inside the campaign's /28 or beside it, the same answer.
    for probe in [
        "cidr:203.0.113.0/24",
        "cidr:203.0.113.16/32",
        "cidr:203.0.113.100/32",
        "cidr:203.0.113.200/30",
    ] {
        assert_eq!(history_len(&app, &c.r2, probe).await, 1, "{probe}");
    }
    assert_eq!(history_len(&app, &c.r2, "cidr:192.0.2.0/24").await, 0);
    // The operator and the grantee match exactly.
    assert_eq!(history_len(&app, &c.op, "cidr:203.0.113.100/32").await, 0);
    assert_eq!(history_len(&app, &c.op, "cidr:203.0.113.16/32").await, 1);

    // Duplicate targets are refused.
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/check",
            &check(vec!["pkg:npm/left-pad", "pkg:npm/left-pad"]),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("targets[1]")), "{v}");

    // Claims: read and answered by their parties only.
    let (s, k) = app
        .post(
            &c.r1,
            "/api/v1/scans/claims",
            &json!({"target": "cidr:203.0.113.16/28", "start": at(1), "end": at(2),
                    "note": "internal pentest, contact 555-0100"}),
        )
        .await;
    assert_eq!(s, 201, "{k}");
    let kid = k["id"].as_str().unwrap();
    let path = format!("/api/v1/scans/claims/{kid}");
    assert_eq!(app.get(&c.r2, &path).await.0, 404);
    let (s, _) = app
        .post(
            &c.r2,
            &format!("{path}/responses"),
            &json!({"choice": "proceed"}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(app.get(&c.op, &path).await.0, 200);
    assert_eq!(app.get(&c.coord, &path).await.0, 200);
    let (s, v) = app
        .post(
            &c.op,
            &format!("{path}/responses"),
            &json!({"choice": "coordinate"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Claims in the past or longer than 90 days, grants over a year: 422.
    for (start, end, field) in [(hours(-3), at(1), "start"), (at(1), at(95), "end")] {
        let (s, v) = app
            .post(
                &c.r1,
                "/api/v1/scans/claims",
                &json!({"target": "pkg:npm/left-pad", "start": start, "end": end}),
            )
            .await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{v}");
    }
    let (_, assets) = app.get(&c.op, "/api/v1/scans/assets").await;
    let block = assets
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == "cidr:203.0.113.0/26")
        .unwrap()["id"]
        .clone();
    let (s, v) = app
        .post(
            &c.op,
            "/api/v1/scans/grants",
            &json!({"scanner_org_id": c.r2_org, "assets": [block],
                    "techniques": ["passive"], "rate_limit": 5, "start": at(-1), "end": at(400),
                    "operator_contact": "soc@water.example", "scanner_contact": "lab2@example"}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("end")), "{v}");
}

both_backends!(scan_labels_probing_claims, labels_probing_and_claims);

async fn network_assets(app: TestApp) {
    let c = cast(&app).await;
    let _s = setup(&app, &c).await;
    let add = |token: &str, target: &str| {
        let token = token.to_owned();
        let body = json!({"target": target});
        let app = &app;
        async move { app.post(&token, "/api/v1/scans/assets", &body).await }
    };
    // Only operators hold networks.
    let (s, v) = add(&c.r2, "cidr:198.51.100.0/26").await;
    assert_eq!(s, 403, "{v}");
    // Size limits.
    let (s, v) = add(&c.op2, "cidr:0.0.0.0/0").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("target")), "{v}");
    let (s, v) = add(&c.op2, "cidr:10.0.0.0/7").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("target")), "{v}");
    let (s, v) = add(&c.op2, "cidr:2001:db8::/31").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("target")), "{v}");
    let (s, v) = add(&c.op2, "cidr:10.0.0.0/8").await;
    assert_eq!(s, 201, "{v}");
    // The later claimant of another's range is not told: pending, not
    // disputed (coordinators see the dispute).
    let (s, v) = add(&c.op2, "cidr:203.0.113.0/24").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["state"], "pending", "{v}");
    let id = v["id"].as_str().unwrap();
    let (_, v) = app
        .get(&c.coord, &format!("/api/v1/scans/assets/{id}"))
        .await;
    assert_eq!(v["state"], "disputed", "{v}");
    // Claims need a verified asset: the unverified /24 holds nothing.
    let (s, v) = app
        .post(
            &c.op2,
            "/api/v1/scans/claims",
            &json!({"target": "cidr:203.0.113.64/26", "start": at(1), "end": at(2)}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("target")), "{v}");
}

both_backends!(scan_network_assets, network_assets);
