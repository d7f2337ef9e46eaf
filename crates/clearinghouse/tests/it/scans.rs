//! Scan coordination end to end (issue 14), on both backends: network
//! assets proven by DNS TXT through a fixture verifier (never the
//! internet) or attested by a coordinator; a second operator's
//! overlapping claim shown to coordinators as a conflict; grants with
//! every bad input refused naming the field; campaigns refused whole
//! (audited, no partial rows) when a network target lacks a covering
//! grant, technique or window; overlaps by CIDR containment and
//! version-range intersection; a researcher never learning another
//! operator's exact asset; claims; and revocation stopping the campaign
//! and telling the scanner.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{TestApp, temp_dir};
use clearinghouse::workflows::scans::proof::FixtureVerifier;

pub fn at(days: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::days(days))
}

pub struct Cast {
    pub op: String,
    pub op_org: String,
    pub op2: String,
    pub r1: String,
    pub r1_org: String,
    pub r2: String,
    pub r2_org: String,
    pub coord: String,
    pub fixtures: std::path::PathBuf,
}

pub async fn cast(app: &TestApp) -> Cast {
    let fixtures = temp_dir();
    app.app.proof_verifier.install(Arc::new(FixtureVerifier {
        dir: fixtures.clone(),
    }));
    let op_org = app
        .org("County Water Utility", "critical_infrastructure_operator")
        .await;
    let (_, op) = app.user(&op_org, "water-it", &["member"]).await;
    let op2_org = app
        .org("Regional Hospital", "critical_infrastructure_operator")
        .await;
    let (_, op2) = app.user(&op2_org, "hospital-it", &["member"]).await;
    let r1_org = app.org("Lab One", "researcher").await;
    let (_, r1) = app.user(&r1_org, "lab1-scanner", &["member"]).await;
    let r2_org = app.org("Lab Two", "researcher").await;
    let (_, r2) = app.user(&r2_org, "lab2-scanner", &["member"]).await;
    let t_org = app.org("Treasury", "government_agency").await;
    let (_, coord) = app.user(&t_org, "coordinator1", &["coordinator"]).await;
    Cast {
        op,
        op_org,
        op2,
        r1,
        r1_org,
        r2,
        r2_org,
        coord,
        fixtures,
    }
}

#[track_caller]
pub fn refused(s: u16, v: &Value, field: &str, contains: &str) {
    assert_eq!(s, 422, "{v}");
    let text = v.to_string();
    assert!(text.contains(field), "names {field}: {v}");
    assert!(text.contains(contains), "says {contains}: {v}");
}

/// The operator's verified block 203.0.113.0/26 (attested, disclosed at
/// /24) and host portal.water.example (DNS TXT), granted to lab one for
/// passive and active scanning from 198.51.100.0/28 for 30 days.
pub struct Setup {
    pub block: String,
    pub host: String,
    pub grant: String,
}

pub async fn setup(app: &TestApp, c: &Cast) -> Setup {
    let (s, host) = app
        .post(
            &c.op,
            "/api/v1/scans/assets",
            &json!({"target": "host:portal.water.example"}),
        )
        .await;
    assert_eq!(s, 201, "{host}");
    assert_eq!(host["state"], "pending");
    let id = host["id"].as_str().unwrap().to_owned();
    let verify = format!("/api/v1/scans/assets/{id}/verify");
    let (s, v) = app
        .post(&c.op, &verify, &json!({"method": "dns_txt"}))
        .await;
    refused(s, &v, "method", "nothing published");
    assert_eq!(
        host["verification"]["dns_name"],
        "_clearinghouse-verification.portal.water.example"
    );
    let dns = c.fixtures.join("dns");
    std::fs::create_dir_all(&dns).unwrap();
    std::fs::write(
        dns.join("_clearinghouse-verification.portal.water.example"),
        "clearinghouse-verification=not-the-token\n",
    )
    .unwrap();
    let (s, v) = app
        .post(&c.op, &verify, &json!({"method": "dns_txt"}))
        .await;
    refused(s, &v, "method", "does not hold");
    std::fs::write(
        dns.join("_clearinghouse-verification.portal.water.example"),
        format!(
            "v=spf1 -all\n{}\n",
            host["verification"]["txt_value"].as_str().unwrap()
        ),
    )
    .unwrap();
    let (s, v) = app
        .post(&c.r1, &verify, &json!({"method": "dns_txt"}))
        .await;
    assert_eq!(s, 404, "another organisation's asset is not found: {v}");
    let (s, v) = app
        .post(&c.op, &verify, &json!({"method": "dns_txt"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "verified");
    assert_eq!(v["proof_method"], "dns_txt");

    let (s, block) = app
        .post(
            &c.op,
            "/api/v1/scans/assets",
            &json!({"target": "cidr:203.0.113.0/26", "disclose_prefix": 24}),
        )
        .await;
    assert_eq!(s, 201, "{block}");
    let bid = block["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .post(
            &c.op,
            &format!("/api/v1/scans/assets/{bid}/verify"),
            &json!({"method": "dns_txt"}),
        )
        .await;
    refused(s, &v, "method", "coordinator");
    let attest = format!("/api/v1/scans/assets/{bid}/attest");
    let (s, v) = app.post(&c.op, &attest, &json!({"reason": "mine"})).await;
    assert_eq!(s, 403, "only coordinators attest: {v}");
    let (s, v) = app
        .post(
            &c.coord,
            &attest,
            &json!({"reason": "ARIN whois lists the utility as registrant"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["proof_method"], "attestation");

    let (s, g) = app
        .post(
            &c.op,
            "/api/v1/scans/grants",
            &json!({"scanner_org_id": c.r1_org, "assets": [bid, id],
                    "excluded": ["cidr:203.0.113.60/32"],
                    "techniques": ["passive", "active"], "rate_limit": 50,
                    "sources": ["198.51.100.0/28"], "start": at(-1), "end": at(30),
                    "operator_contact": "soc@water.example +1 555 0100",
                    "scanner_contact": "oncall@lab1.example"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    Setup {
        block: bid,
        host: id,
        grant: g["id"].as_str().unwrap().to_owned(),
    }
}

async fn assets_and_grants(app: TestApp) {
    let c = cast(&app).await;
    let s_ = setup(&app, &c).await;
    let post = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.post(&token, "/api/v1/scans/assets", &body).await }
    };
    // Bad assets: the field named, nothing stored.
    let (s, v) = post(&c.op, json!({"target": "cidr:203.0.113.7/24"})).await;
    refused(s, &v, "target", "did you mean 203.0.113.0/24");
    let (s, v) = post(&c.op, json!({"target": "pkg:npm/lodash"})).await;
    refused(s, &v, "target", "network asset");
    let (s, v) = post(
        &c.op,
        json!({"target": "cidr:192.0.2.0/24", "disclose_prefix": 25}),
    )
    .await;
    refused(s, &v, "disclose_prefix", "0 to 24");
    let (s, v) = post(&c.op, json!({"target": "cidr:203.0.113.0/26"})).await;
    assert_eq!(s, 409, "registered twice: {v}");
    let (s, v) = app.get(&c.op, "/api/v1/scans/assets").await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");

    // A second operator claiming an overlapping range is a conflict for
    // coordinators, never silently given to the later one.
    let (s, v) = post(&c.op2, json!({"target": "cidr:203.0.113.0/24"})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["state"], "pending", "the later claimant is not told: {v}");
    let (s, v) = app.get(&c.op, "/api/v1/scans/conflicts").await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.get(&c.coord, "/api/v1/scans/conflicts").await;
    assert_eq!(s, 200, "{v}");
    let conflicts = v.as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{v}");
    assert_eq!(conflicts[0]["asset"]["target"], "cidr:203.0.113.0/24");
    assert_eq!(conflicts[0]["overlapping"][0]["id"], s_.block.as_str());
    let (s, v) = app
        .post(
            &c.op2,
            &format!(
                "/api/v1/scans/assets/{}/verify",
                conflicts[0]["asset"]["id"].as_str().unwrap()
            ),
            &json!({"method": "dns_txt"}),
        )
        .await;
    assert!(
        s == 409 || s == 422,
        "a disputed block is not proven by its claimant: {v}"
    );

    // Bad grants.
    let grant = |over: Value| {
        let mut g = json!({"scanner_org_id": c.r2_org, "assets": [s_.host],
            "techniques": ["passive"], "rate_limit": 5, "start": at(-1), "end": at(10),
            "operator_contact": "soc@water.example", "scanner_contact": "lab2@example"});
        for (k, v) in over.as_object().unwrap() {
            g[k] = v.clone();
        }
        g
    };
    for (over, field, says) in [
        (json!({"end": at(-1), "start": at(-2)}), "end", "past"),
        (json!({"end": at(-3)}), "end", "inverted"),
        (json!({"start": at(1), "end": at(1)}), "end", "empty"),
        (
            json!({"assets": ["no-such-asset"]}),
            "assets[0]",
            "no such asset",
        ),
        (
            json!({"techniques": ["exploit"]}),
            "techniques[0]",
            "not a technique",
        ),
        (json!({"rate_limit": 0}), "rate_limit", "1 to"),
        (json!({"sources": ["10.0.0.1/33"]}), "sources[0]", "prefix"),
        (
            json!({"excluded": ["cidr:10.0.0.0/8"]}),
            "excluded[0]",
            "not inside",
        ),
        (
            json!({"scanner_org_id": c.op_org}),
            "scanner_org_id",
            "your own",
        ),
        // The scanner is looked up after every other field: an unknown
        // name answers like a known one until then (F15).
        (
            json!({"scanner_org_id": "no-such-org", "assets": ["no-such-asset"]}),
            "assets[0]",
            "no such asset",
        ),
    ] {
        let (s, v) = app.post(&c.op, "/api/v1/scans/grants", &grant(over)).await;
        refused(s, &v, field, says);
    }
    let (s, v) = app
        .post(&c.op2, "/api/v1/scans/grants", &grant(json!({})))
        .await;
    refused(s, &v, "assets[0]", "no such asset");
    let (s, v) = app.get(&c.r2, "/api/v1/scans/grants").await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 0, "nothing stored: {v}");
    let (s, v) = app.get(&c.r1, "/api/v1/scans/grants").await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["id"], s_.grant.as_str());
    assert!(
        v[0]["assets"]
            .as_array()
            .unwrap()
            .contains(&json!("cidr:203.0.113.0/26")),
        "{v}"
    );
}

both_backends!(scan_assets_and_grants, assets_and_grants);

fn campaign(targets: &[&str], techniques: &[&str]) -> Value {
    json!({"targets": targets, "start": at(1), "end": at(5), "scanner": "ExampleScanner 2.1",
           "techniques": techniques, "sources": ["198.51.100.1"]})
}

async fn refused_count(app: &TestApp) -> i64 {
    let needles = vec!["\"action\":\"scan_campaign.refused\"".to_owned()];
    clearinghouse::store::audit::search(&app.app.store.pool, &needles, 0, 100)
        .await
        .unwrap()
        .1
}

async fn campaigns_refusal_overlaps_labels_revocation(app: TestApp) {
    let c = cast(&app).await;
    let s_ = setup(&app, &c).await;
    let create = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.post(&token, "/api/v1/scans/campaigns", &body).await }
    };
    // Lab one: the granted block and a package.
    let (s, one) = create(
        &c.r1,
        campaign(&["cidr:203.0.113.0/27", "pkg:npm/lodash"], &["active"]),
    )
    .await;
    assert_eq!(s, 201, "{one}");
    let one_id = one["id"].as_str().unwrap().to_owned();
    assert_eq!(one["targets"][0]["grant_id"], s_.grant.as_str());

    // Refusals: whole, audited, listing each uncovered target.
    let before = refused_count(&app).await;
    for (who, body, says) in [
        (
            &c.r2,
            campaign(&["pkg:npm/lodash", "cidr:203.0.113.0/26"], &["passive"]),
            "targets[1] cidr:203.0.113.0/26: no grant",
        ),
        (
            &c.r1,
            campaign(&["cidr:203.0.113.0/27"], &["authenticated"]),
            "authenticated",
        ),
        (
            &c.r1,
            campaign(&["cidr:203.0.113.0/24"], &["passive"]),
            "only part",
        ),
        (
            &c.r1,
            campaign(&["cidr:203.0.113.32/27"], &["passive"]),
            "excludes cidr:203.0.113.60/32",
        ),
        (
            &c.r1,
            {
                let mut b = campaign(&["host:portal.water.example"], &["passive"]);
                b["end"] = json!(at(60));
                b
            },
            "window",
        ),
        (
            &c.r1,
            {
                let mut b = campaign(&["host:portal.water.example"], &["passive"]);
                b["sources"] = json!(["192.0.2.9"]);
                b
            },
            "source address 192.0.2.9/32",
        ),
    ] {
        let (s, v) = create(who, body).await;
        refused(s, &v, "targets", says);
    }
    assert_eq!(
        refused_count(&app).await,
        before + 6,
        "each refusal is audited"
    );
    let (s, v) = app.get(&c.r2, "/api/v1/scans/campaigns").await;
    assert_eq!(s, 200);
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "no partial rows: {v}"
    );

    // Bad input.
    let mut bad = campaign(&["pkg:npm/lodash"], &[]);
    bad["end"] = bad["start"].clone();
    let (s, v) = create(&c.r2, bad).await;
    refused(s, &v, "end", "empty");
    let (s, v) = create(&c.r2, campaign(&["pkg:npm/lodash", "cidr:10.0.0.1/8"], &[])).await;
    refused(s, &v, "targets[1]", "did you mean 10.0.0.0/8");
    let (s, v) = create(&c.r2, campaign(&["pkg:"], &[])).await;
    refused(s, &v, "targets[0]", "pkg:");

    // Overlaps: version-range intersection, not equal strings.
    let (s, two) = create(
        &c.r2,
        campaign(&["pkg:npm/lodash vers:npm/>=4.0.0|<4.17.21"], &[]),
    )
    .await;
    assert_eq!(s, 201, "{two}");
    let overlaps = two["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1, "{two}");
    // Lab one's AMBER campaign, which lab two may not read: its window only.
    assert_eq!(overlaps[0]["id"], Value::Null, "{two}");
    assert_eq!(
        overlaps[0]["other_target"],
        "another organisation's campaign overlaps"
    );
    assert_eq!(overlaps[0]["contact"], Value::Null);
    assert!(!two.to_string().contains("lab1-scanner"), "{two}");
    let (s, three) = create(&c.r2, campaign(&["pkg:npm/lodash@4.17.21"], &[])).await;
    assert_eq!(s, 201);
    let ids: Vec<&Value> = three["overlaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(
        ids,
        vec![&Value::Null],
        "4.17.21 is outside >=4.0.0|<4.17.21 (lab two's own campaign): {three}"
    );

    // Labels: lab two never learns the operator's exact block.
    let (s, v) = app
        .get(&c.r2, &format!("/api/v1/scans/campaigns/{one_id}"))
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, check) = app
        .post(
            &c.r2,
            "/api/v1/scans/check",
            &campaign(&["cidr:203.0.113.0/24"], &["passive"]),
        )
        .await;
    assert_eq!(s, 200, "{check}");
    assert_eq!(check["authorized"], false);
    let o = &check["overlaps"][0];
    assert_eq!(
        o["other_target"], "another organisation's campaign overlaps",
        "{check}"
    );
    let (s, hist) = app
        .get(&c.r2, "/api/v1/scans/history?target=cidr:203.0.113.0/24")
        .await;
    assert_eq!(s, 200, "{hist}");
    assert_eq!(hist.as_array().unwrap().len(), 1, "{hist}");
    for leaked in [check.to_string(), hist.to_string()] {
        assert!(
            !leaked.contains("203.0.113.0/27"),
            "exact target leaked: {leaked}"
        );
        assert!(
            !leaked.contains("203.0.113.0/26"),
            "exact asset leaked: {leaked}"
        );
    }
    // The operator and the coordinator see it; the operator only its own targets.
    let (s, v) = app
        .get(&c.op, &format!("/api/v1/scans/campaigns/{one_id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["targets"].as_array().unwrap().len(), 1);
    assert_eq!(v["hidden_targets"], 1);
    let (s, v) = app.get(&c.op, "/api/v1/scans/timeline").await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["id"], one_id.as_str());
    let (s, v) = app
        .get(&c.coord, "/api/v1/scans/history?target=cidr:203.0.113.0/24")
        .await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["target"], "cidr:203.0.113.0/27");
    let (s, v) = app
        .get(&c.r1, &format!("/api/v1/scans/campaigns/{one_id}/overlaps"))
        .await;
    assert_eq!(s, 200);
    assert!(
        v.as_array().unwrap().iter().any(|o| o["other_target"]
            == "another organisation's campaign overlaps"
            && o["org_id"] == Value::Null),
        "lab two's campaigns, not readable by lab one, by their window only: {v}"
    );

    // Claims.
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/claims",
            &json!({"target": "cidr:203.0.113.0/26", "start": at(1), "end": at(2)}),
        )
        .await;
    refused(s, &v, "target", "own assets or under a grant");
    let (s, k) = app
        .post(
            &c.r1,
            "/api/v1/scans/claims",
            &json!({"target": "pkg:npm/lodash", "start": at(1), "end": at(3), "note": "fuzzing"}),
        )
        .await;
    assert_eq!(s, 201, "{k}");
    let kid = k["id"].as_str().unwrap();
    let path = format!("/api/v1/scans/claims/{kid}/responses");
    let (s, v) = app.post(&c.r2, &path, &json!({"choice": "later"})).await;
    refused(s, &v, "choice", "wait");
    let (s, v) = app
        .post(
            &c.r2,
            &path,
            &json!({"choice": "wait", "note": "after you"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["responses"][0]["choice"], "wait");
    let (s, v) = app
        .post(
            &c.r2,
            "/api/v1/scans/check",
            &campaign(&["pkg:npm/lodash@4.0.0"], &[]),
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        v["overlaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "claim" && o["id"] == kid),
        "{v}"
    );

    // Revocation stops the campaign at once and tells the scanner.
    let revoke = format!("/api/v1/scans/grants/{}/revoke", s_.grant);
    let (s, v) = app.post(&c.r1, &revoke, &json!({"reason": "done"})).await;
    assert_eq!(s, 403, "the scanner cannot revoke: {v}");
    let (s, v) = app
        .post(
            &c.op,
            &revoke,
            &json!({"reason": "maintenance window moved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stopped_campaigns"], json!([one_id]));
    let (s, v) = app
        .get(&c.r1, &format!("/api/v1/scans/campaigns/{one_id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["state"], "stopped");
    assert!(
        v["stop_reason"]
            .as_str()
            .unwrap()
            .contains("maintenance window moved")
    );
    let (s, v) = app.get(&c.r1, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    assert!(v.to_string().contains("scan.grant_revoked"), "{v}");
    let (s, v) = create(&c.r1, campaign(&["cidr:203.0.113.0/26"], &["active"])).await;
    refused(s, &v, "targets", "no grant");
    let (s, v) = app.post(&c.op, &revoke, &json!({"reason": "again"})).await;
    assert_eq!(s, 409, "{v}");
}

both_backends!(
    scan_campaigns_refusal_overlaps_labels_revocation,
    campaigns_refusal_overlaps_labels_revocation
);
