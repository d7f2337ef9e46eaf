//! Agents made for one campaign and findings refused outside a campaign's
//! targets (issue 14), on both backends: an agent issued only for an
//! active campaign of its organisation (refusals audited), expiring with
//! the window, calling nothing but submitting to and reading its
//! campaign, refused (and audited) when it names another, and stopping
//! when the campaign is stopped or its grant revoked; a submission naming
//! a stopped, unknown or other organisation's campaign refused in the same
//! words with nothing stored; and each result outside the campaign's
//! targets (a package version outside the range, an address outside the
//! blocks, SARIF `webRequest.target` or native `url`) rejected with its
//! reason, the rest stored.

use serde_json::{Value, json};

use crate::both_backends;
use crate::findings::{finding, native_for, submit, submit_and_wait};
use crate::harness::TestApp;
use crate::scans::{at, cast, refused, setup};

fn hours(h: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::hours(h))
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    let needles = vec![format!("\"action\":\"{action}\"")];
    clearinghouse::store::audit::search(&app.app.store.pool, &needles, 0, 100)
        .await
        .unwrap()
        .1
}

async fn campaign(app: &TestApp, token: &str, targets: &[&str]) -> String {
    let (s, v) = app
        .post(
            token,
            "/api/v1/scans/campaigns",
            &json!({"targets": targets, "start": hours(-1), "end": at(2),
                    "scanner": "lab1 dast 1.0", "techniques": ["active"],
                    "sources": ["198.51.100.1"]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn agent_for(app: &TestApp, token: &str, campaign: &str) -> (u16, Value) {
    app.post(
        token,
        "/api/v1/tokens",
        &json!({"name": "dast runner", "kind": "agent",
                "scopes": ["findings:write", "findings:read"],
                "expires_in_days": 30, "campaign_id": campaign}),
    )
    .await
}

async fn campaign_agents(app: TestApp) {
    let c = cast(&app).await;
    let s_ = setup(&app, &c).await;
    let one = campaign(&app, &c.r1, &["cidr:203.0.113.0/27", "pkg:npm/lodash"]).await;
    let two = campaign(&app, &c.r1, &["host:portal.water.example"]).await;
    let theirs = campaign(&app, &c.r2, &["pkg:npm/left-pad"]).await;

    // Issue: only for an active campaign of one's own organisation, only
    // findings scopes; refusals audited and nothing stored.
    let (s, v) = agent_for(&app, &c.r1, &theirs).await;
    refused(
        s,
        &v,
        "campaign_id",
        "no active campaign of your organisation",
    );
    let (s, v) = agent_for(&app, &c.r1, "no-such-campaign").await;
    refused(
        s,
        &v,
        "campaign_id",
        "no active campaign of your organisation",
    );
    assert_eq!(audit_count(&app, "token.campaign_refused").await, 2);
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/tokens",
            &json!({"name": "x", "kind": "agent", "scopes": ["findings:write", "assets:read"],
                    "expires_in_days": 3, "campaign_id": one}),
        )
        .await;
    refused(s, &v, "scopes[1]", "only findings:write and findings:read");
    let (s, v) = app
        .post(
            &c.r1,
            "/api/v1/tokens",
            &json!({"name": "x", "kind": "user", "campaign_id": one}),
        )
        .await;
    refused(s, &v, "kind", "agent tokens only");
    let (s, v) = app.get(&c.r1, "/api/v1/tokens").await;
    assert_eq!(s, 200);
    assert!(!v.to_string().contains(&one), "nothing stored: {v}");

    let (s, made) = agent_for(&app, &c.r1, &one).await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["campaign_id"], one.as_str());
    let (_, camp) = app
        .get(&c.r1, &format!("/api/v1/scans/campaigns/{one}"))
        .await;
    assert_eq!(made["expires_at"], camp["end"], "expires with the window");
    let agent = made["token"].as_str().unwrap().to_owned();

    // Calls: its campaign, its submissions, nothing else.
    let (s, v) = app
        .get(&agent, &format!("/api/v1/scans/campaigns/{one}"))
        .await;
    assert_eq!(s, 200, "{v}");
    for path in [
        format!("/api/v1/scans/campaigns/{two}"),
        "/api/v1/scans/campaigns".to_owned(),
        "/api/v1/findings".to_owned(),
        "/api/v1/submissions".to_owned(),
        "/api/v1/scans/grants".to_owned(),
    ] {
        let (s, v) = app.get(&agent, &path).await;
        assert_eq!(s, 403, "{path}: {v}");
    }
    let (s, v) = app
        .post(
            &agent,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["pkg:npm/x"], "start": hours(1), "end": at(2), "scanner": "s"}),
        )
        .await;
    assert_eq!(s, 403, "an agent registers no campaign: {v}");

    // Submitting: to its campaign when none is named; another refused.
    let body = native_for("pkg:npm/lodash@4.17.20", &[finding("Pollution", "a.js", 3)]);
    let sub = submit_and_wait(&app, &agent, body, "").await;
    assert_eq!(sub["campaign"], one.as_str(), "{sub}");
    assert_eq!(sub["counts"]["new"], 1, "{sub}");
    let body = native_for("pkg:npm/lodash@4.17.20", &[finding("Other", "b.js", 3)]);
    let (s, v) = submit(&app, &agent, body, &format!("?campaign={two}"), None).await;
    refused(s, &v, "campaign", "only to the campaign it was made for");
    assert_eq!(audit_count(&app, "scan_campaign.agent_refused").await, 1);
    // Its user's own submission is not the agent's to read.
    let body = native_for("pkg:npm/lodash@4.17.20", &[finding("Mine", "c.js", 3)]);
    let mine = submit_and_wait(&app, &c.r1, body, &format!("?campaign={one}")).await;
    let (s, _) = app
        .get(
            &agent,
            &format!("/api/v1/submissions/{}", mine["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, 404);

    // Stopping the campaign stops the agent.
    let (s, _) = app.get(&agent, "/api/v1/me").await;
    assert_eq!(s, 200);
    let (s, v) = app
        .post(
            &c.r1,
            &format!("/api/v1/scans/campaigns/{one}/stop"),
            &json!({"reason": "finished early"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = app.get(&agent, "/api/v1/me").await;
    assert_eq!(s, 401, "a stopped campaign's agent no longer works");
    let (s, v) = agent_for(&app, &c.r1, &one).await;
    refused(s, &v, "campaign_id", "no active campaign");

    // Revoking the grant a campaign relies on stops its agent too.
    let (s, made) = agent_for(&app, &c.r1, &two).await;
    assert_eq!(s, 201, "{made}");
    let agent2 = made["token"].as_str().unwrap().to_owned();
    let (s, _) = app.get(&agent2, "/api/v1/me").await;
    assert_eq!(s, 200);
    let (s, v) = app
        .post(
            &c.op,
            &format!("/api/v1/scans/grants/{}/revoke", s_.grant),
            &json!({"reason": "incident"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = app.get(&agent2, "/api/v1/me").await;
    assert_eq!(s, 401, "the revocation stopped the campaign and its agent");
}

both_backends!(scan_campaign_agents, campaign_agents);

fn sarif(results: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "dast", "rules": [{"id": "XSS"}]}},
                  "results": results}]
    }))
    .unwrap()
}

async fn out_of_scope_results(app: TestApp) {
    let c = cast(&app).await;
    let _ = setup(&app, &c).await;
    let id = campaign(
        &app,
        &c.r1,
        &[
            "cidr:203.0.113.0/27",
            "host:portal.water.example",
            "pkg:npm/lodash vers:npm/<4.17.21",
        ],
    )
    .await;
    let q = format!("?campaign={id}");
    let web = |title: &str, url: &str, line: u32| {
        let mut f = finding(title, "login", line);
        f["url"] = json!(url);
        f["target"] = json!("product:acme/router@2.1");
        f
    };
    let body = native_for(
        "pkg:npm/lodash@4.17.20",
        &[
            finding("In range", "a.js", 1),
            {
                let mut f = finding("Other package", "b.py", 1);
                f["target"] = json!("pkg:pypi/requests@2.0.0");
                f
            },
            {
                let mut f = finding("Fixed version", "c.js", 1);
                f["target"] = json!("pkg:npm/lodash@4.17.21");
                f
            },
            web("Inside block", "https://203.0.113.5/login", 1),
            web("Outside block", "https://203.0.113.77/login", 2),
            web("Covered host", "https://portal.water.example/admin", 3),
        ],
    );
    let sub = submit_and_wait(&app, &c.r1, body, &q).await;
    assert_eq!(sub["counts"]["new"], 3, "{sub}");
    assert_eq!(sub["counts"]["rejected"], 3, "{sub}");
    let sid = sub["id"].as_str().unwrap();
    let (s, items) = app
        .get(
            &c.r1,
            &format!("/api/v1/submissions/{sid}/items?outcome=rejected"),
        )
        .await;
    assert_eq!(s, 200, "{items}");
    let text = items.to_string();
    for says in [
        "pkg:pypi/requests@2.0.0 is not among its software targets",
        "pkg:npm/lodash@4.17.21 is not among its software targets",
        "203.0.113.77/32 is not inside any of its network targets",
        "findings[1]",
        "findings[2]",
        "findings[4]",
    ] {
        assert!(text.contains(says), "{says}: {items}");
    }
    // SARIF, per result: webRequest.target and an absolute location URI.
    let body = sarif(json!([
        {"ruleId": "XSS", "message": {"text": "reflected"}, "properties": {"target": "product:acme/router@2.1"},
         "webRequest": {"target": "https://203.0.113.9/search?q=x"}},
        {"ruleId": "XSS", "message": {"text": "stored"}, "properties": {"target": "product:acme/router@2.1"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "https://192.0.2.10/comments"}}}]}
    ]));
    let sub = submit_and_wait(&app, &c.r1, body, &q).await;
    assert_eq!(sub["counts"]["new"], 1, "{sub}");
    assert_eq!(sub["counts"]["rejected"], 1, "{sub}");
    let (s, v) = app
        .get(&c.r1, &format!("/api/v1/scans/campaigns/{id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["findings"], 4, "only in-scope results stored: {v}");

    // Stopped, unknown, another organisation's: one answer, nothing stored.
    let theirs = campaign(&app, &c.r2, &["pkg:npm/left-pad"]).await;
    let stopped = campaign(&app, &c.r1, &["pkg:npm/lodash"]).await;
    let (s, v) = app
        .post(
            &c.r1,
            &format!("/api/v1/scans/campaigns/{stopped}/stop"),
            &json!({"reason": "done"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, before) = app.get(&c.r1, "/api/v1/submissions").await;
    let mut details = Vec::new();
    for camp in [theirs.as_str(), stopped.as_str(), "no-such-campaign"] {
        let body = native_for("pkg:npm/lodash@4.17.20", &[finding("X", "x.js", 9)]);
        let (s, v) = submit(&app, &c.r1, body, &format!("?campaign={camp}"), None).await;
        refused(s, &v, "campaign", "no active campaign of your organisation");
        details.push(v["detail"].clone());
    }
    assert!(details.windows(2).all(|w| w[0] == w[1]), "{details:?}");
    let (_, after) = app.get(&c.r1, "/api/v1/submissions").await;
    assert_eq!(before, after, "nothing stored");
}

both_backends!(scan_out_of_scope_results, out_of_scope_results);
