//! Host-name and range probing (issue 14), on both backends: a researcher
//! who may not see an operator's network learns nothing finer than what
//! the operator discloses of the asset, whatever it asks. The exact host
//! name of another laboratory's campaign and a made-up name under the
//! same disclosed domain get the same overlap, history, refusal and
//! claim answers; nothing disclosed is never matched; what is shown is
//! the asset's domain, never a finer one taken from the campaign target.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;
use crate::scans::{at, cast, setup};

const SECRET: &str = "host:scada-7.plant.grid.example";
const DECOY: &str = "host:nothing-here.grid.example";

fn hours(h: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::hours(h))
}

fn planned(targets: &[&str]) -> Value {
    json!({"targets": targets, "start": hours(2), "end": hours(20),
           "scanner": "Lab2Scan 0.9", "techniques": ["passive"]})
}

/// The answer with every echo of the asked target removed.
fn without_asked(mut v: Value, asked: &str) -> String {
    if let Some(items) = v["overlaps"].as_array_mut() {
        for o in items {
            o.as_object_mut().unwrap().remove("target");
        }
    }
    v.to_string().replace(asked, "ASKED")
}

async fn probing(app: TestApp) {
    let c = cast(&app).await;
    let _s = setup(&app, &c).await;
    // The operator's wildcard domain, disclosed as its domain only.
    let (s, grid) = app
        .post(
            &c.op,
            "/api/v1/scans/assets",
            &json!({"target": "host:*.grid.example", "disclose_prefix": 1}),
        )
        .await;
    assert_eq!(s, 201, "{grid}");
    let gid = grid["id"].as_str().unwrap();
    let (s, v) = app
        .post(
            &c.coord,
            &format!("/api/v1/scans/assets/{gid}/attest"),
            &json!({"reason": "the registrar lists the utility"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, g) = app
        .post(
            &c.op,
            "/api/v1/scans/grants",
            &json!({"scanner_org_id": c.r1_org, "assets": [gid],
                    "techniques": ["passive", "active"], "rate_limit": 10,
                    "start": at(-1), "end": at(30),
                    "operator_contact": "soc@water.example",
                    "scanner_contact": "oncall@lab1.example"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    // A grant on `*.grid.example` covers a campaign on all of it.
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/scans/check",
            &planned(&["host:*.grid.example"]),
        )
        .await;
    assert_eq!((s, &v["authorized"]), (200, &json!(true)), "{v}");
    // Lab one scans one plant host and the portal (disclosed: nothing).
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &json!({"targets": [SECRET, "host:portal.water.example"], "start": hours(1),
                    "end": hours(48), "scanner": "ExampleScanner 2.1",
                    "techniques": ["active"], "sources": ["198.51.100.0/29"],
                    "tlp": "GREEN"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    // Lab two: the exact name, a made-up one and a wildcard under the
    // disclosed domain get the same answer, naming only the domain.
    let mut answers = Vec::new();
    for probe in [SECRET, DECOY, "host:*.plant.grid.example"] {
        let (s, v) = app
            .post(&c.r2, "/api/v1/scans/check", &planned(&[probe]))
            .await;
        assert_eq!(s, 200, "{v}");
        let overlaps = v["overlaps"].as_array().unwrap();
        assert_eq!(overlaps.len(), 1, "{probe}: {v}");
        assert_eq!(
            overlaps[0]["other_target"], "an operator's hosts under grid.example",
            "{v}"
        );
        answers.push(without_asked(v, probe));
        let (s, h) = app
            .get(&c.r2, &format!("/api/v1/scans/history?target={probe}"))
            .await;
        assert_eq!(s, 200, "{h}");
        assert_eq!(h.as_array().unwrap().len(), 1, "{probe}: {h}");
        answers.push(h.to_string());
    }
    assert_eq!(answers[0], answers[2], "check: exact name vs decoy");
    assert_eq!(answers[0], answers[4], "check: exact name vs wildcard");
    assert_eq!(answers[1], answers[3], "history: exact name vs decoy");
    assert_eq!(answers[1], answers[5], "history: exact name vs wildcard");
    for a in &answers {
        assert!(!a.contains("scada") && !a.contains("plant"), "{a}");
    }
    // Outside the disclosed domain, at its apex, or on an asset that
    // discloses nothing: no answer, for the exact name as for any other.
    for probe in [
        "host:scada-7.plant.grid.other",
        "host:grid.example",
        "host:portal.water.example",
        "host:www.water.example",
    ] {
        let (_, v) = app
            .post(&c.r2, "/api/v1/scans/check", &planned(&[probe]))
            .await;
        assert!(v["overlaps"].as_array().unwrap().is_empty(), "{probe}: {v}");
        let (_, h) = app
            .get(&c.r2, &format!("/api/v1/scans/history?target={probe}"))
            .await;
        assert!(h.as_array().unwrap().is_empty(), "{probe}: {h}");
    }

    // Registration refusals and claims say the same for either name.
    let mut refusals = Vec::new();
    for probe in [SECRET, DECOY] {
        let mut body = planned(&[probe]);
        body["start"] = json!(hours(1));
        let (s, v) = app.post(&c.r2, "/api/v1/scans/campaigns", &body).await;
        assert_eq!((s, v["field"].as_str()), (422, Some("targets")), "{v}");
        refusals.push(v.to_string().replace(probe, "ASKED"));
        let (s, v) = app
            .post(
                &c.r2,
                "/api/v1/scans/claims",
                &json!({"target": probe, "start": at(1), "end": at(2)}),
            )
            .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("target")), "{v}");
        refusals.push(v.to_string().replace(probe, "ASKED"));
        // Another operator's report of scanning there: not its asset.
        let (s, v) = app
            .post(
                &c.op2,
                "/api/v1/scans/reports",
                &json!({"sources": ["192.0.2.1"], "targets": [probe],
                        "start": hours(-1), "end": hours(0)}),
            )
            .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("targets[0]")), "{v}");
        refusals.push(v.to_string().replace(probe, "ASKED"));
    }
    assert_eq!(
        refusals[..3],
        refusals[3..],
        "refusals: exact name vs decoy"
    );

    // The grantee and the operator match exactly: the decoy meets nothing.
    for who in [&c.r1, &c.op] {
        let (_, h) = app
            .get(who, &format!("/api/v1/scans/history?target={DECOY}"))
            .await;
        assert!(h.as_array().unwrap().is_empty(), "{h}");
        let (_, h) = app
            .get(who, &format!("/api/v1/scans/history?target={SECRET}"))
            .await;
        assert_eq!(h[0]["target"], SECRET, "{h}");
    }
}

both_backends!(scan_host_probing, probing);
