//! Unauthorized-scan reports and evidence (issue 14, Sec. 4), on both
//! backends: an operator's report answered at once (covered, naming the
//! campaign; or not, an incident), the coordinator's evidence bundle
//! verified offline by `clearinghouse audit verify-bundle` after the
//! server and its database are gone, and a tampered bundle, a wrong key
//! or no key refused. Also the scripts' interface: `campaign create`
//! refused with a non-zero exit naming the uncovered target, `--json`
//! giving the id, and `campaign overlaps ID --json`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives_cli::cli;
use crate::harness::{TestApp, temp_dir};
use crate::scans::{cast, refused, setup};

fn hours(h: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::hours(h))
}

fn verify_bundle(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["audit", "verify-bundle"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn reports_and_evidence(app: TestApp) {
    let c = cast(&app).await;
    let s_ = setup(&app, &c).await;
    let (s, one) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["cidr:203.0.113.0/27"], "start": hours(-2), "end": hours(48),
                    "scanner": "ExampleScanner 2.1", "techniques": ["active"],
                    "sources": ["198.51.100.0/29"]}),
        )
        .await;
    assert_eq!(s, 201, "{one}");
    let one_id = one["id"].as_str().unwrap();

    let report = |sources: &[&str], targets: &[&str]| {
        json!({"sources": sources, "targets": targets, "start": hours(-1), "end": hours(0),
               "log_excerpt": "Dec  6 08:01:02 fw DROP SRC=192.0.2.66 DST=203.0.113.5 DPT=22"})
    };
    // Covered: named at once, no incident.
    let (s, ok) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["198.51.100.3"], &["cidr:203.0.113.0/28"]),
        )
        .await;
    assert_eq!(s, 201, "{ok}");
    assert_eq!(ok["covered"], true, "{ok}");
    assert_eq!(ok["per_target"][0]["covered_by"][0]["campaign_id"], one_id);
    assert_eq!(ok["incident_state"], "none");
    assert!(ok["answer"].as_str().unwrap().contains("stand down"));
    // Not covered: a source outside the campaign's; the campaign is only possible.
    let (s, bad) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["192.0.2.66"], &["cidr:203.0.113.0/28"]),
        )
        .await;
    assert_eq!(s, 201, "{bad}");
    assert_eq!(bad["covered"], false, "{bad}");
    assert_eq!(bad["incident_state"], "open");
    assert_eq!(bad["per_target"][0]["possible"][0]["campaign_id"], one_id);
    let bad_id = bad["id"].as_str().unwrap().to_owned();
    // Bad reports.
    let (s, v) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["192.0.2.66"], &["cidr:198.18.0.0/15"]),
        )
        .await;
    refused(s, &v, "targets[0]", "not inside a verified network asset");
    let (s, v) = app
        .post(
            &c.op,
            "/api/v1/scans/reports",
            &report(&["192.0.2.666"], &["cidr:203.0.113.0/28"]),
        )
        .await;
    refused(s, &v, "sources[0]", "not an IPv4");
    // Observed scanning is in the past (F6).
    let mut future = report(&["192.0.2.66"], &["cidr:203.0.113.0/28"]);
    future["start"] = json!(hours(24));
    future["end"] = json!(hours(25));
    let (s, v) = app.post(&c.op, "/api/v1/scans/reports", &future).await;
    refused(s, &v, "start", "in the future");
    future["start"] = json!(hours(-1));
    let (s, v) = app.post(&c.op, "/api/v1/scans/reports", &future).await;
    refused(s, &v, "end", "in the future");
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/scans/reports",
            &report(&["192.0.2.66"], &["cidr:203.0.113.0/28"]),
        )
        .await;
    refused(s, &v, "targets[0]", "your organisation");

    // The incident: coordinators see it and refer it with evidence.
    let (s, v) = app.get(&c.coord, "/api/v1/scans/reports").await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    let evidence = format!("/api/v1/scans/reports/{bad_id}/evidence");
    let (s, v) = app.get(&c.op, &evidence).await;
    assert_eq!(s, 403, "{v}");
    let ok_evidence = format!(
        "/api/v1/scans/reports/{}/evidence",
        ok["id"].as_str().unwrap()
    );
    let (s, v) = app.get(&c.coord, &ok_evidence).await;
    assert_eq!(s, 409, "a covered report is no incident: {v}");
    // Reading the bundle (a read-only agent may) changes nothing (F5).
    let (s, agent) = app
        .post(
            &c.coord,
            "/api/v1/tokens",
            &json!({"kind": "agent", "name": "ro", "scopes": ["assets:read"], "expires_in_days": 1}),
        )
        .await;
    assert_eq!(s, 201, "{agent}");
    let agent = agent["token"].as_str().unwrap().to_owned();
    let (s, v) = app.get(&agent, &evidence).await;
    assert_eq!(s, 200, "{v}");
    let (s, bundle) = app.get(&c.coord, &evidence).await;
    assert_eq!(s, 200, "{bundle}");
    let (_, v) = app
        .get(&c.op, &format!("/api/v1/scans/reports/{bad_id}"))
        .await;
    assert_eq!(v["incident_state"], "open");
    // Referring is its own act: a write scope, a coordinator, a reason.
    let refer = format!("/api/v1/scans/reports/{bad_id}/refer");
    let why = json!({"reason": "Repeated SSH brute force against the hospital"});
    let (s, v) = app.post(&agent, &refer, &why).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&c.op, &refer, &why).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&c.coord, &refer, &json!({"reason": " "})).await;
    refused(s, &v, "reason", "say why");
    let (s, v) = app.post(&c.coord, &refer, &why).await;
    assert_eq!(
        (s, v["incident_state"].as_str()),
        (200, Some("referred")),
        "{v}"
    );
    let (s, v) = app.post(&c.coord, &refer, &why).await;
    assert_eq!(s, 409, "{v}");
    let kinds: Vec<&str> = bundle["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "scan_report.create",
            "scan_campaign.create",
            "scan_grant.create"
        ],
        "{bundle}"
    );
    assert_eq!(bundle["records"][2]["object_id"], s_.grant.as_str());
    let (s, v) = app
        .get(&c.op, &format!("/api/v1/scans/reports/{bad_id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["incident_state"], "referred");
    let (s, pk) = app.get(&c.coord, "/api/v1/audit/public-key").await;
    assert_eq!(s, 200);
    let key = pk["verifier_key"].as_str().unwrap().to_owned();

    // Offline: the server and its database are gone.
    drop(app);
    let dir = temp_dir();
    let file = dir.join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let path = file.to_string_lossy().into_owned();
    let (code, out, err) = verify_bundle(&[&path, "--key", &key]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verified: 3 record(s)"), "{out}");

    let tamper = |edit: &dyn Fn(&mut Value)| {
        let mut b = bundle.clone();
        edit(&mut b);
        let f = dir.join("tampered.json");
        std::fs::write(&f, b.to_string()).unwrap();
        verify_bundle(&[&f.to_string_lossy(), "--key", &key])
    };
    let (code, _, err) =
        tamper(&|b| b["records"][0]["change"]["sources"] = json!("[\"198.51.100.3/32\"]"));
    assert_eq!(code, 1);
    assert!(err.contains("altered"), "{err}");
    let (code, _, err) =
        tamper(&|b| b["records"][1]["inclusion_proof"][0] = json!("00".repeat(32)));
    assert_eq!(code, 1);
    assert!(err.contains("not in the signed log"), "{err}");
    let (code, _, err) = tamper(&|b| {
        let e = b["records"][2]["entry"]
            .as_str()
            .unwrap()
            .replace("scan_grant.create", "scan_grant.revoke");
        b["records"][2]["entry"] = json!(e);
    });
    assert_eq!(code, 1);
    assert!(err.contains("records[2]"), "{err}");
    let (code, _, err) = tamper(&|b| {
        let n = b["checkpoint"].as_str().unwrap().replacen('\n', "\n1", 1);
        b["checkpoint"] = json!(n);
    });
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("checkpoint"), "{err}");
    let other = "other+12345678+AXrdmMAzlM6D0L2qjj4pXytsLfqtKcIrq3Z9dEPmnSfz";
    let (code, _, err) = verify_bundle(&[&path, "--key", other]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = verify_bundle(&[&path]);
    assert_ne!(code, 0);
    assert!(err.contains("--key"), "{err}");
}

both_backends!(scan_reports_and_evidence, reports_and_evidence);

async fn campaign_cli(app: TestApp) {
    let c = cast(&app).await;
    let _ = setup(&app, &c).await;
    let (start, end) = (hours(1), hours(30));
    let r = cli(
        &app,
        &c.r2,
        &[
            "campaign",
            "create",
            "--target",
            "pkg:npm/lodash",
            "--target",
            "cidr:203.0.113.0/26",
            "--start",
            &start,
            "--end",
            &end,
            "--scanner",
            "lab2-fuzz 0.9",
            "--json",
        ],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("targets[1] cidr:203.0.113.0/26"),
        "{}",
        r.stderr
    );
    let r = cli(
        &app,
        &c.r1,
        &[
            "campaign",
            "create",
            "--target",
            "pkg:npm/lodash vers:npm/<5",
            "--target",
            "cidr:203.0.113.0/27",
            "--start",
            &start,
            "--end",
            &end,
            "--scanner",
            "lab1 1.0",
            "--technique",
            "active",
            "--source",
            "198.51.100.1",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first: Value = serde_json::from_str(&r.stdout).unwrap();
    let first_window = first["start"].clone();
    let r = cli(
        &app,
        &c.r2,
        &[
            "campaign",
            "create",
            "--target",
            "pkg:npm/lodash@4.17.20",
            "--start",
            &start,
            "--end",
            &end,
            "--scanner",
            "lab2-fuzz 0.9",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let second: Value = serde_json::from_str(&r.stdout).unwrap();
    let second_id = second["id"].as_str().unwrap();
    let r = cli(&app, &c.r2, &["campaign", "overlaps", second_id, "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let overlaps: Value = serde_json::from_str(&r.stdout).unwrap();
    // Lab one's AMBER campaign: lab two sees that it overlaps, not whose.
    assert_eq!(overlaps[0]["id"], Value::Null, "{overlaps}");
    assert_eq!(
        overlaps[0]["other_target"], "another organisation's campaign overlaps",
        "{overlaps}"
    );
    assert_eq!(overlaps[0]["start"], first_window, "{overlaps}");
    let r = cli(&app, &c.r2, &["campaign", "show", second_id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("pkg:npm/lodash vers:npm/4.17.20"),
        "{}",
        r.stdout
    );
    let r = cli(
        &app,
        &c.r2,
        &["campaign", "stop", second_id, "--reason", "found it"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("stopped"), "{}", r.stdout);
    let r = cli(&app, &c.op, &["netasset", "list"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("cidr:203.0.113.0/26"), "{}", r.stdout);
    let r = cli(
        &app,
        &c.op,
        &[
            "scan-report",
            "--source",
            "192.0.2.66",
            "--target",
            "host:portal.water.example",
            "--start",
            &hours(-1),
            "--end",
            &hours(0),
        ],
    )
    .await;
    assert_eq!(r.code, 3, "not covered: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Not covered"), "{}", r.stdout);
}

both_backends!(scan_campaign_cli, campaign_cli);

/// Findings submitted with a campaign link back to it: counted, listed
/// for its organisation and coordinators with their state; a result
/// outside every target of the campaign is refused at intake (rejected
/// with its reason, not stored).
async fn campaign_findings(app: TestApp) {
    use crate::findings::{finding, native_for, submit_and_wait};
    let c = cast(&app).await;
    let (s, camp) = app
        .post(
            &c.r1,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["pkg:npm/lodash vers:npm/<4.17.21", "repo:https://github.com/paramiko/paramiko@main"],
                    "start": hours(1), "end": hours(48), "scanner": "lab1 fuzz 3"}),
        )
        .await;
    assert_eq!(s, 201, "{camp}");
    let id = camp["id"].as_str().unwrap();
    let query = format!("?campaign={id}");
    for (i, (target, title, in_scope)) in [
        ("pkg:npm/lodash@4.17.20", "Prototype pollution", true),
        ("pkg:npm/lodash@4.17.21", "Prototype pollution again", false),
        ("pkg:pypi/requests@2.0.0", "Header injection", false),
        (
            "repo:https://github.com/paramiko/paramiko@v3.4.0",
            "Auth bypass",
            true,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let path = format!("src/file{i}.js");
        let body = native_for(target, &[finding(title, &path, 3 + i as u32)]);
        let sub = submit_and_wait(&app, &c.r1, body, &query).await;
        let (new, rejected) = if in_scope { (1, 0) } else { (0, 1) };
        assert_eq!(sub["counts"]["new"], new, "{sub}");
        assert_eq!(sub["counts"]["rejected"], rejected, "{sub}");
    }
    let (s, v) = app
        .get(&c.r1, &format!("/api/v1/scans/campaigns/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["findings"], 2, "{v}");
    assert_eq!(v["validated"], 0);
    assert_eq!(v["out_of_scope"], 0, "{v}");
    assert!(
        v["finding_list"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["in_scope"] == true),
        "{v}"
    );
    let (s, v) = app
        .get(&c.coord, &format!("/api/v1/scans/campaigns/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["findings"], 2, "coordinators see the findings: {v}");
}

both_backends!(scan_campaign_findings, campaign_findings);
