//! `clearinghouse tools list|request|requests|decide` and `clearinghouse
//! model partner nominate|approve|list|withdraw` through the binary against
//! a real server, on both backends: an operator lists the catalog and asks
//! for a tool; an organisation the tool is not offered to exits non-zero
//! with the server's field; a coordinator decides; the developer's admin
//! and two coordinators make a trusted partner and the developer withdraws
//! it.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::directives_cli::cli;
use crate::frontier_inquiries::{Observer, lifecycle, world};
use crate::harness::TestApp;
use crate::tools::scanner;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("JSON output")
}

async fn tools_cli(app: TestApp) {
    let (gov, _) = (app.org("CISA", "government_agency").await, ());
    let (_, coord) = app.user(&gov, "cli-coord", &["coordinator"]).await;
    let hospital = app
        .org("Rural Hospital", "critical_infrastructure_operator")
        .await;
    let (_, it_lead) = app.user(&hospital, "cli-it-lead", &["member"]).await;
    let vendor = app.org("Vendor Inc", "vendor").await;
    let (_, seller) = app.user(&vendor, "cli-seller", &["member"]).await;
    let (s, tool) = app.post(&coord, "/api/v1/tools", &scanner()).await;
    assert_eq!(s, 201, "{tool}");
    let tool_id = tool["id"].as_str().unwrap();

    let r = cli(&app, &it_lead, &["tools", "list"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Hosted web scanner") && r.stdout.contains("you may ask"),
        "{}",
        r.stdout
    );
    let r = cli(&app, &seller, &["tools", "list", "--eligible", "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json_of(&r.stdout), json!([]));
    let r = cli(
        &app,
        &seller,
        &["tools", "request", tool_id, "--purpose", "Resell"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("org_kind"), "{}", r.stderr);
    let r = cli(
        &app,
        &it_lead,
        &[
            "tools",
            "request",
            tool_id,
            "--purpose",
            "Scan our patient portal",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let req = json_of(&r.stdout);
    assert_eq!(req["state"], "pending");
    let req_id = req["id"].as_str().unwrap();
    let r = cli(&app, &coord, &["tools", "requests", "--state", "pending"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(req_id), "{}", r.stdout);
    let ends = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&Rfc3339)
        .unwrap();
    let r = cli(
        &app,
        &it_lead,
        &[
            "tools",
            "decide",
            req_id,
            "--ends-at",
            &ends,
            "--requests-per-day",
            "5",
            "--tokens-per-day",
            "100",
        ],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    let r = cli(
        &app,
        &coord,
        &[
            "tools",
            "decide",
            req_id,
            "--ends-at",
            &ends,
            "--requests-per-day",
            "5",
            "--tokens-per-day",
            "100",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("approved"), "{}", r.stdout);
}

async fn partner_cli(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let (_, dev_admin) = app.user(&w.dev_org, "cli-dev-admin", &["org_admin"]).await;
    let (_, coord1) = app.user(&w.a.org, "cli-coord1", &["coordinator"]).await;
    let (_, coord2) = app.user(&w.a.org, "cli-coord2", &["coordinator"]).await;
    let lab = app.org("Partner Lab", "researcher").await;

    let nominate = [
        "model",
        "partner",
        "nominate",
        w.model.as_str(),
        "--org",
        lab.as_str(),
        "--reason",
        "Joint red team",
    ];
    let r = cli(&app, &w.dev, &nominate).await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    let mut args = nominate.to_vec();
    args.push("--json");
    let r = cli(&app, &dev_admin, &args).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pid = json_of(&r.stdout)["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = cli(
        &app,
        &coord1,
        &["model", "partner", "approve", &pid, "--json"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let approval = json_of(&r.stdout)["approval"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = app
        .post(
            &coord2,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = cli(&app, &w.dev, &["model", "partner", "list", &w.model]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&pid) && r.stdout.contains("approved"),
        "{}",
        r.stdout
    );
    let r = cli(
        &app,
        &dev_admin,
        &["model", "partner", "withdraw", &pid, "--reason", "Ended"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("withdrawn"), "{}", r.stdout);
}

both_backends!(tools_cli, tools_cli);
both_backends!(partner_cli, partner_cli);
