//! Taking a catalog entry off the list and revoking approved access to a
//! tool (issue 13 item 1), over HTTP, through the web UI and through the
//! binary, on both backends: only a coordinator (or the developer offering
//! a model entry) delists, with a reason; pending requests are declined
//! and their organisations told; no new request is taken; approved access
//! stays shown. A coordinator revokes approved access with a reason (a
//! model entry's grant with it, the broker refusing at once), the
//! requester's organisation and the window's developer told. Refusals are audited, bad input names
//! its field, and nothing is stored.

use serde_json::{Value, json};

use crate::archive_ui::{csrf, form, page};
use crate::both_backends;
use crate::directives_cli::cli;
use crate::frontier_inquiries::{audit_actions, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;
use crate::partners::{Quiet, at, open_window};
use crate::tools::scanner;

fn approve() -> Value {
    json!({"decision": "approve", "ends_at": at(5), "requests_per_day": 5, "tokens_per_day": 1000})
}

/// Asks for `tool` as `token` and has `coord` approve; returns the request.
async fn approved(app: &TestApp, token: &str, coord: &str, tool: &str) -> Value {
    let (s, r) = app
        .post(
            token,
            &format!("/api/v1/tools/{tool}/requests"),
            &json!({"purpose": "Defend our network"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let path = format!(
        "/api/v1/tool-requests/{}/decision",
        r["id"].as_str().unwrap()
    );
    let (s, r) = app.post(coord, &path, &approve()).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("approved")), "{r}");
    r
}

/// Refusals audited on one object (a tool or a request).
async fn refused_audits(app: &TestApp, object_id: &str) -> usize {
    audit_actions(app)
        .await
        .iter()
        .filter(|e| e["action"] == "tool.refused" && e["object"]["id"] == object_id)
        .count()
}

async fn delist_and_revoke(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let wid = open_window(&app, &w.dev, &w.model, &endpoint.base_url).await;
    let (_, coord) = app.user(&w.a.org, "d-coord", &["coordinator"]).await;
    let hospital = app
        .org("County Hospital", "critical_infrastructure_operator")
        .await;
    let (_, nurse) = app.user(&hospital, "d-nurse", &["member"]).await;
    let county = app.org("Polk County", "state_local_authority").await;
    let (_, clerk) = app.user(&county, "d-clerk", &["member"]).await;
    let (s, scan) = app.post(&coord, "/api/v1/tools", &scanner()).await;
    assert_eq!(s, 201, "{scan}");
    let scan_id = scan["id"].as_str().unwrap().to_owned();
    let mut offered = scanner();
    offered["kind"] = json!("model");
    offered["name"] = json!("Atlas for defenders");
    offered["window_id"] = json!(wid);
    let (s, model_tool) = app.post(&w.dev, "/api/v1/tools", &offered).await;
    assert_eq!(s, 201, "{model_tool}");
    let model_tool_id = model_tool["id"].as_str().unwrap().to_owned();

    // Approved access to the scanner, and to the model (a grant).
    let hosp_req = approved(&app, &nurse, &coord, &scan_id).await;
    let hosp_id = hosp_req["id"].as_str().unwrap().to_owned();
    let model_req = approved(&app, &clerk, &coord, &model_tool_id).await;
    let model_req_id = model_req["id"].as_str().unwrap().to_owned();
    let gid = model_req["grant_id"].as_str().unwrap().to_owned();

    // Revocation: coordinators only, with a reason; the organisation told.
    let revoke = |id: &str| format!("/api/v1/tool-requests/{id}/revocation");
    let why = json!({"reason": "The hospital's contract ended"});
    // The requester's organisation reads it and is refused (audited);
    // anyone else does not see it at all.
    for (token, status) in [(&nurse, 403), (&w.dev, 404), (&clerk, 404)] {
        let (s, v) = app.post(token, &revoke(&hosp_id), &why).await;
        assert_eq!(s, status, "{v}");
    }
    assert_eq!(refused_audits(&app, &hosp_id).await, 1);
    for bad in [json!({"reason": " "}), json!({"reason": "a\u{0}b"})] {
        let (s, v) = app.post(&coord, &revoke(&hosp_id), &bad).await;
        assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    }
    let (s, v) = app.post(&coord, &revoke(&hosp_id), &json!({})).await;
    assert!(s == 400 || s == 422, "{s} {v}");
    let (_, still) = app
        .get(&nurse, &format!("/api/v1/tool-requests/{hosp_id}"))
        .await;
    assert_eq!(still["state"], "approved", "nothing stored: {still}");
    let (s, v) = app.post(&coord, &revoke(&hosp_id), &why).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("revoked")), "{v}");
    assert_eq!(v["revoke_reason"], "The hospital's contract ended");
    assert!(
        v["revoked_at"].is_string() && v["revoked_by"].is_string(),
        "{v}"
    );
    let (s, v) = app.post(&coord, &revoke(&hosp_id), &why).await;
    assert_eq!(s, 409, "{v}");
    let (_, t) = app.get(&nurse, &format!("/api/v1/tools/{scan_id}")).await;
    assert_eq!(t["holding"], 0, "{t}");
    app.run_pending_jobs().await;
    let (_, inbox) = app.get(&nurse, "/api/v1/notifications").await;
    assert!(inbox.to_string().contains("tool.access_revoked"), "{inbox}");
    // A model entry's revocation revokes its grant: the broker refuses.
    let (s, v) = app.post(&coord, &revoke(&model_req_id), &why).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("revoked")), "{v}");
    let (_, g) = app.get(&clerk, &format!("/api/v1/grants/{gid}")).await;
    assert_eq!(g["status"], "revoked", "{g}");
    // The window's developer is told its grant ended, like any revocation
    // from outside it.
    let (_, inbox) = app.get(&w.dev, "/api/v1/notifications").await;
    assert!(
        inbox.to_string().contains("window.grant_revoked"),
        "{inbox}"
    );
    let (s, v) = app
        .post(
            &clerk,
            &format!("/api/v1/grants/{gid}/credentials"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 403, "{v}");

    // Delisting: a coordinator, or the developer for its own model entry.
    let (s, pending) = app
        .post(
            &clerk,
            &format!("/api/v1/tools/{scan_id}/requests"),
            &json!({"purpose": "Scan the county's hosts"}),
        )
        .await;
    assert_eq!(s, 201, "{pending}");
    let delist = |id: &str| format!("/api/v1/tools/{id}/delisting");
    let off = json!({"reason": "The service is being replaced"});
    for (token, id) in [
        (&nurse, &scan_id),
        (&w.dev, &scan_id),
        (&w.other_dev, &model_tool_id),
    ] {
        let (s, v) = app.post(token, &delist(id), &off).await;
        assert!(s == 403 || s == 404, "{s} {v}");
    }
    assert_eq!(refused_audits(&app, &scan_id).await, 2);
    assert_eq!(refused_audits(&app, &model_tool_id).await, 1);
    let (s, v) = app
        .post(&coord, &delist(&scan_id), &json!({"reason": ""}))
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = app.post(&coord, &delist(&scan_id), &off).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    assert_eq!(v["delist_reason"], "The service is being replaced");
    let (s, v) = app.post(&coord, &delist(&scan_id), &off).await;
    assert_eq!(s, 409, "{v}");
    let pid = pending["id"].as_str().unwrap();
    let (_, p) = app
        .get(&clerk, &format!("/api/v1/tool-requests/{pid}"))
        .await;
    assert_eq!(p["state"], "declined", "{p}");
    assert!(
        p["decision_reason"]
            .as_str()
            .unwrap()
            .contains("off the list"),
        "{p}"
    );
    let (s, v) = app
        .post(
            &nurse,
            &format!("/api/v1/tools/{scan_id}/requests"),
            &json!({"purpose": "again"}),
        )
        .await;
    assert!(s == 404 || s == 422, "no new request: {s} {v}");
    // Off the list for operators; past requests still shown to their org.
    let (_, cat) = app.get(&nurse, "/api/v1/tools").await;
    assert!(!cat.to_string().contains(&scan_id), "{cat}");
    let (_, mine) = app.get(&nurse, "/api/v1/tool-requests").await;
    assert!(mine.to_string().contains(&hosp_id), "{mine}");
    let (_, cat) = app.get(&coord, "/api/v1/tools").await;
    assert!(cat.to_string().contains("withdrawn"), "{cat}");

    // The web UI: the developer takes its model entry off the list; the
    // coordinator's queue shows the revoked access.
    let cookie = app.login_cookie(&w.dev_username).await;
    let (s, html) = page(&app, &cookie, "/defence-tools").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("/defence-tools/{model_tool_id}/delist")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/defence-tools/{scan_id}/delist")),
        "{html}"
    );
    let token = csrf(&html);
    let path = format!("/defence-tools/{model_tool_id}/delist");
    let (s, html) = form(
        &app,
        &cookie,
        &path,
        &[("csrf_token", &token), ("reason", "")],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("tool-error"), "{html}");
    let (s, _) = form(
        &app,
        &cookie,
        &path,
        &[("csrf_token", &token), ("reason", "Window ends soon")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, t) = app
        .get(&w.dev, &format!("/api/v1/tools/{model_tool_id}"))
        .await;
    assert_eq!(t["state"], "withdrawn", "{t}");
    let coord_cookie = app.login_cookie("d-coord").await;
    let (s, html) = page(&app, &coord_cookie, "/defence-tools/requests").await;
    assert_eq!(s, 200);
    assert!(html.contains("Revoked on"), "{html}");

    // The binary: `tools revoke` and `tools delist`.
    let (s, listed) = app.post(&coord, "/api/v1/tools", &scanner()).await;
    assert_eq!(s, 201, "{listed}");
    let listed_id = listed["id"].as_str().unwrap().to_owned();
    let req = approved(&app, &nurse, &coord, &listed_id).await;
    let req_id = req["id"].as_str().unwrap();
    let r = cli(
        &app,
        &nurse,
        &["tools", "revoke", req_id, "--reason", "mine"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    let r = cli(
        &app,
        &coord,
        &[
            "tools",
            "revoke",
            req_id,
            "--reason",
            "Contract ended",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["state"], "revoked", "{out}");
    let r = cli(
        &app,
        &coord,
        &["tools", "delist", &listed_id, "--reason", "Retired"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("withdrawn"), "{}", r.stdout);
    let r = cli(
        &app,
        &coord,
        &["tools", "delist", &listed_id, "--reason", "Again"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
}

both_backends!(delist_and_revoke, delist_and_revoke);
