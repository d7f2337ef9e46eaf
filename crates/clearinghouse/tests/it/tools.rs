//! The tool catalog for operators (issue 13 item 6) over HTTP, on both
//! backends: a coordinator lists a hosted scanner and the developer offers
//! its covered model through its access window (others refused: 403,
//! audited; bad entries: 422 naming the field); each reader sees whether
//! its organisation may ask; requests from an organisation of the wrong
//! kind or sector are refused (422 `org_kind` / `sector`, audited, nothing
//! stored); a coordinator approves with a time box and quota (a model
//! entry's approval is a grant in its window: terms, credential and the
//! same broker and usage log), declines with a reason, and is held to the
//! entry's capacity; requests are read by their organisation, the
//! provider and coordinators only; coordinators see demand and use by
//! sector.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, audit_actions, count, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;
use crate::partners::open_window;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

fn at(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

/// An organisation of `kind` with `sector`; returns its id.
pub async fn org_in(app: &TestApp, name: &str, kind: &str, sector: Option<&str>) -> String {
    let (s, v) = app
        .post(
            &app.admin_token,
            "/api/v1/orgs",
            &json!({"name": name, "kind": kind, "sector": sector}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

pub fn scanner() -> Value {
    json!({"kind": "hosted_scanner", "name": "Hosted web scanner",
        "description": "Weekly external scans of your internet-facing hosts.",
        "org_kinds": ["critical_infrastructure_operator", "state_local_authority"],
        "sectors": ["healthcare_and_public_health", "financial_services", "energy", "water_and_wastewater"],
        "terms": "Scan only what you own.", "capacity": 10, "contact": "scans@cisa.example"})
}

async fn catalog_flow(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let wid = open_window(&app, &w.dev, &w.model, &endpoint.base_url).await;
    let (_, coord) = app.user(&w.a.org, "t-coord", &["coordinator"]).await;
    let hospital = app
        .org("County Hospital", "critical_infrastructure_operator")
        .await;
    let (_, nurse) = app.user(&hospital, "it-lead", &["member"]).await;
    let bank = org_in(
        &app,
        "Community Bank",
        "critical_infrastructure_operator",
        Some("financial_services"),
    )
    .await;
    let (_, teller) = app.user(&bank, "bank-it", &["member"]).await;
    let county = app.org("Polk County", "state_local_authority").await;
    let (_, clerk) = app.user(&county, "county-it", &["member"]).await;
    let plant = org_in(
        &app,
        "Chem Plant",
        "critical_infrastructure_operator",
        Some("chemical"),
    )
    .await;
    let (_, chemist) = app.user(&plant, "plant-it", &["member"]).await;
    let vendor = app.org("Vendor Inc", "vendor").await;
    let (_, seller) = app.user(&vendor, "vendor-it", &["member"]).await;

    // Who lists what.
    let (s, v) = app.post(&w.dev, "/api/v1/tools", &scanner()).await;
    assert_eq!(s, 403, "{v}");
    let mut offered = scanner();
    offered["kind"] = json!("model");
    offered["name"] = json!("Atlas for defenders");
    offered["capacity"] = json!(1);
    offered["window_id"] = json!(wid);
    let (s, v) = app.post(&coord, "/api/v1/tools", &offered).await;
    assert_eq!(s, 403, "{v}");
    let bad = [
        ("kind", json!("nope"), "kind"),
        ("org_kinds", json!([]), "org_kinds"),
        ("org_kinds", json!(["alien"]), "org_kinds[0]"),
        ("capacity", json!(0), "capacity"),
        ("contact", json!("a\nb"), "contact"),
        ("window_id", json!(wid), "window_id"),
    ];
    for (key, value, field) in bad {
        let mut b = scanner();
        b[key] = value;
        let (s, v) = app.post(&coord, "/api/v1/tools", &b).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{key}: {v}");
    }
    let mut b = scanner();
    b["org_kinds"] = json!(["state_local_authority"]);
    let (s, v) = app.post(&coord, "/api/v1/tools", &b).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("sectors")), "{v}");
    assert_eq!(count(&app, "tool_entries").await, 0);
    let (s, scan) = app.post(&coord, "/api/v1/tools", &scanner()).await;
    assert_eq!(s, 201, "{scan}");
    let (s, model_tool) = app.post(&w.dev, "/api/v1/tools", &offered).await;
    assert_eq!(s, 201, "{model_tool}");
    assert_eq!(model_tool["window_id"], wid.as_str());
    let (scan_id, model_tool_id) = (
        scan["id"].as_str().unwrap().to_owned(),
        model_tool["id"].as_str().unwrap().to_owned(),
    );

    // What each may ask for.
    let (_, cat) = app.get(&nurse, "/api/v1/tools").await;
    let items = cat["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{cat}");
    assert!(items.iter().all(|t| t["eligible"] == true), "{cat}");
    assert!(items.iter().all(|t| t["window_id"].is_null()), "{cat}");
    let (_, cat) = app.get(&seller, "/api/v1/tools").await;
    assert!(
        cat["items"][0]["ineligible_reason"]
            .as_str()
            .unwrap()
            .contains("vendor"),
        "{cat}"
    );
    let (_, cat) = app.get(&seller, "/api/v1/tools?eligible=true").await;
    assert_eq!(cat["items"].as_array().unwrap().len(), 0, "{cat}");

    // Ineligible requests: refused naming the field, audited, nothing stored.
    let ask = |p: &str| json!({"purpose": p});
    let model_requests = format!("/api/v1/tools/{model_tool_id}/requests");
    let scan_requests = format!("/api/v1/tools/{scan_id}/requests");
    let (s, v) = app.post(&seller, &model_requests, &ask("Resell it")).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("org_kind")), "{v}");
    let (s, v) = app
        .post(&chemist, &scan_requests, &ask("Scan the plant"))
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("sector")), "{v}");
    let (s, v) = app.post(&nurse, &model_requests, &ask(" ")).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("purpose")), "{v}");
    assert_eq!(count(&app, "tool_requests").await, 0);

    // Eligible requests.
    let (s, mine) = app
        .post(
            &nurse,
            &model_requests,
            &ask("Triage alerts from our EHR gateway"),
        )
        .await;
    assert_eq!(
        (s, mine["state"].as_str()),
        (201, Some("pending")),
        "{mine}"
    );
    let (s, v) = app.post(&nurse, &model_requests, &ask("again")).await;
    assert_eq!(s, 409, "{v}");
    let (s, bank_req) = app
        .post(&teller, &scan_requests, &ask("Scan our branches"))
        .await;
    assert_eq!(s, 201, "{bank_req}");
    let (s, county_req) = app
        .post(&clerk, &model_requests, &ask("Review our water SCADA"))
        .await;
    assert_eq!(s, 201, "{county_req}");
    let mine_id = mine["id"].as_str().unwrap().to_owned();

    // Who reads requests.
    let (_, v) = app.get(&nurse, "/api/v1/tool-requests").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (_, v) = app.get(&coord, "/api/v1/tool-requests?state=pending").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 3, "{v}");
    let (_, v) = app.get(&w.dev, "/api/v1/tool-requests").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(
        app.get(&seller, &format!("/api/v1/tool-requests/{mine_id}"))
            .await
            .0,
        404
    );
    let (s, v) = app.get(&coord, "/api/v1/tool-requests?state=maybe").await;
    assert_eq!((s, v["field"].as_str()), (422, Some("state")), "{v}");

    // Decisions: coordinators only; a time box and a quota; the window holds.
    let decide = |id: &str| format!("/api/v1/tool-requests/{id}/decision");
    let approve = |ends: String| {
        json!({"decision": "approve", "ends_at": ends,
        "requests_per_day": 5, "tokens_per_day": 1000})
    };
    let (s, v) = app.post(&nurse, &decide(&mine_id), &approve(at(5))).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &coord,
            &decide(&mine_id),
            &json!({"decision": "approve", "requests_per_day": 5, "tokens_per_day": 1000}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("ends_at")), "{v}");
    let (s, v) = app.post(&coord, &decide(&mine_id), &approve(at(11))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("ends_at")), "{v}");
    assert_eq!(count(&app, "frontier_window_grants").await, 0);
    let (s, ok) = app.post(&coord, &decide(&mine_id), &approve(at(5))).await;
    assert_eq!((s, ok["state"].as_str()), (200, Some("approved")), "{ok}");
    let gid = ok["grant_id"].as_str().unwrap().to_owned();
    // The hospital finds its access from the catalog (N12): the grant's
    // address leads to the window's "My access", which names the model to
    // send to the broker (withheld from the grantee everywhere else).
    let cookie = app.login_cookie("it-lead").await;
    let (s, html) = crate::advisories_pages::page(&app, &cookie, "/defence-tools").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(&format!("href=\"/frontier/grants/{gid}\"")),
        "{html}"
    );
    let resp = app
        .client
        .get(app.url(&format!("/frontier/grants/{gid}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/frontier/windows/{wid}#my-access"));
    let (_, model) = app
        .get(&w.dev, &format!("/api/v1/models/{}", w.model))
        .await;
    let name = model["name"].as_str().unwrap();
    let (s, html) =
        crate::advisories_pages::page(&app, &cookie, &format!("/frontier/windows/{wid}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(&format!("data-copy=\"{name}\">{name}</code>")),
        "{html}"
    );
    let outsider = app.login_cookie("bank-it").await;
    let (s, _) =
        crate::advisories_pages::page(&app, &outsider, &format!("/frontier/grants/{gid}")).await;
    assert_eq!(s, 404, "another organisation's grant");
    let (s, v) = app.post(&coord, &decide(&mine_id), &approve(at(5))).await;
    assert_eq!(s, 409, "{v}");
    // Capacity 1: the county waits.
    let county_id = county_req["id"].as_str().unwrap().to_owned();
    let (s, v) = app.post(&coord, &decide(&county_id), &approve(at(5))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("capacity")), "{v}");
    let (s, v) = app
        .post(&coord, &decide(&county_id), &json!({"decision": "decline"}))
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = app
        .post(
            &coord,
            &decide(&county_id),
            &json!({"decision": "decline", "reason": "At capacity; ask again next month"}),
        )
        .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("declined")), "{v}");
    let bank_id = bank_req["id"].as_str().unwrap().to_owned();
    let (s, v) = app.post(&coord, &decide(&bank_id), &approve(at(400))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("ends_at")), "{v}");
    let (s, v) = app.post(&coord, &decide(&bank_id), &approve(at(30))).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("approved")), "{v}");
    assert!(v["grant_id"].is_null());

    // The approved model request is a grant in the window: terms, a
    // credential, the same broker and usage log.
    let gbase = format!("/api/v1/grants/{gid}");
    let (s, v) = app
        .post(&nurse, &format!("{gbase}/credentials"), &json!({}))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("terms_version")),
        "{v}"
    );
    let (_, terms) = app
        .get(&nurse, &format!("/api/v1/windows/{wid}/terms"))
        .await;
    let sha = terms[0]["sha256"].as_str().unwrap().to_owned();
    let (s, v) = app
        .post(
            &nurse,
            &format!("{gbase}/acceptance"),
            &json!({"terms_version": 1, "sha256": sha}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, cred) = app
        .post(&nurse, &format!("{gbase}/credentials"), &json!({}))
        .await;
    assert_eq!(s, 201, "{cred}");
    let r = app
        .client
        .post(app.url("/broker/v1/chat/completions"))
        .bearer_auth(cred["token"].as_str().unwrap())
        .json(&json!({"model": "atlas-1", "messages": [{"role": "user", "content": "2+2"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = r.bytes().await.unwrap();

    // Demand and use by sector (coordinators only).
    assert_eq!(app.get(&nurse, "/api/v1/tools-demand").await.0, 403);
    let mut lines = Value::Null;
    for _ in 0..200 {
        let (s, v) = app.get(&coord, "/api/v1/tools-demand").await;
        assert_eq!(s, 200, "{v}");
        let used = v
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["sector"] == "healthcare_and_public_health" && l["calls"] == 1);
        lines = v;
        if used {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let lines = lines.as_array().unwrap().clone();
    let line = |sector: Option<&str>, tool: &str| {
        lines
            .iter()
            .find(|l| l["sector"].as_str() == sector && l["tool_id"] == tool)
            .cloned()
            .unwrap_or_else(|| panic!("{sector:?} {tool}: {lines:?}"))
    };
    let h = line(Some("healthcare_and_public_health"), &model_tool_id);
    assert_eq!(
        (h["approved"].as_i64(), h["calls"].as_i64()),
        (Some(1), Some(1)),
        "{h}"
    );
    assert!(h["tokens"].as_i64().unwrap() > 0, "{h}");
    let c = line(None, &model_tool_id);
    assert_eq!(
        (c["org_kind"].as_str(), c["declined"].as_i64()),
        (Some("state_local_authority"), Some(1))
    );
    let b = line(Some("financial_services"), &scan_id);
    assert_eq!(
        (b["approved"].as_i64(), b["calls"].as_i64()),
        (Some(1), Some(0))
    );
    let (_, t) = app
        .get(&nurse, &format!("/api/v1/tools/{model_tool_id}"))
        .await;
    assert_eq!(t["holding"], 1, "{t}");

    let (_, inbox) = app.get(&nurse, "/api/v1/notifications").await;
    assert!(
        inbox.to_string().contains("tool.request_decided"),
        "{inbox}"
    );
    let (_, inbox) = app.get(&w.dev, "/api/v1/notifications").await;
    assert!(inbox.to_string().contains("tool.requested"), "{inbox}");
    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    for want in [
        "tool.refused",
        "tool.create",
        "tool.request",
        "tool.decide",
        "grant.create",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}

both_backends!(catalog_flow, catalog_flow);
