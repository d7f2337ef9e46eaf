//! The server starts, answers health checks and serves its OpenAPI document.

use crate::both_backends;
use crate::harness::TestApp;

async fn health_and_openapi(app: TestApp) {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/documents"]["post"].is_object());
    // Finding intake, its native form, validation and the PoC vault are described.
    for (path, method) in [
        ("/submissions", "post"),
        ("/submissions/{id}/items", "get"),
        ("/findings/{id}", "get"),
        ("/findings/{id}/review", "post"),
        ("/findings/{id}/pocs", "post"),
        ("/pocs/{id}/content", "get"),
        ("/reporter-stats", "get"),
        ("/models", "post"),
        ("/models", "get"),
        ("/models/{id}", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let model = &doc["components"]["schemas"]["Model"];
    assert!(
        model["properties"]["reference_points"].is_object(),
        "{model}"
    );
    let native = &doc["components"]["schemas"]["NativeFindings"];
    assert!(native["properties"]["findings"].is_object(), "{native}");
    let (s, me) = app.get(&app.admin_token, "/api/v1/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["user"]["username"], "admin");
}

both_backends!(health_and_openapi, health_and_openapi);

/// A browser session may call the API, but a state change needs the
/// session's CSRF token in `X-CSRF-Token`; without it nothing is stored.
async fn cookie_sessions_need_csrf_for_api_writes(app: TestApp) {
    let cookie = app.login_cookie("admin").await;
    let home = app
        .client
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = home
        .split("\"X-CSRF-Token\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf token in page")
        .to_owned();
    let body = serde_json::json!({"name": "Cookie Org", "kind": "vendor"});
    let without = app
        .client
        .post(app.url("/api/v1/orgs"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let wrong = app
        .client
        .post(app.url("/api/v1/orgs"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let (_, orgs) = app.get(&app.admin_token, "/api/v1/orgs").await;
    assert!(
        !orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Cookie Org"),
        "nothing stored without the token"
    );
    let with = app
        .client
        .post(app.url("/api/v1/orgs"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 201);
    let reads = app
        .client
        .get(app.url("/api/v1/orgs"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(reads.status(), 200, "reads need no CSRF token");
}

both_backends!(
    cookie_sessions_need_csrf_for_api_writes,
    cookie_sessions_need_csrf_for_api_writes
);

/// Pages for platform admins answer 403 to others, even when typed in.
async fn admin_pages_refuse_members(app: TestApp) {
    let org = app.org("Member Org", "vendor").await;
    app.user(&org, "mona", &["member"]).await;
    let cookie = app.login_cookie("mona").await;
    for page in ["/authorizations", "/audit"] {
        let resp = app
            .client
            .get(app.url(page))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{page}");
    }
    let home = app
        .client
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
}

both_backends!(admin_pages_refuse_members, admin_pages_refuse_members);

/// Using a token records when it was last used.
async fn token_use_is_recorded(app: TestApp) {
    let org = app.org("Usage Org", "vendor").await;
    let (_, token) = app.user(&org, "uma", &["member"]).await;
    let (_, before) = app.get(&token, "/api/v1/tokens").await;
    // The listing call itself authenticated with the token, so it is already recorded.
    let used = before["items"][0]["last_used_at"]
        .as_str()
        .expect("last_used_at set after use");
    assert!(used.ends_with('Z'), "{used}");
    let (_, admin_tokens) = app.get(&app.admin_token, "/api/v1/tokens").await;
    assert!(admin_tokens["items"][0]["last_used_at"].is_string());
}

both_backends!(token_use_is_recorded, token_use_is_recorded);

/// `/metrics` describes everyone's activity (intake totals, queue depth), so
/// on the main listener it needs a platform admin's or auditor's credential.
async fn metrics_need_a_privileged_credential(app: TestApp) {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let org = app.org("Metrics Org", "vendor").await;
    let (_, member) = app.user(&org, "mia", &["member"]).await;
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("clearinghouse_audit_entries"), "{text}");
}

both_backends!(
    metrics_need_a_privileged_credential,
    metrics_need_a_privileged_credential
);

/// `serve --metrics-listen` serves `/metrics` without credentials on its own
/// address, while the main listener still asks for one.
async fn metrics_listener_serves_without_credentials(app: TestApp) {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics_addr = free.local_addr().unwrap().to_string();
    drop(free);
    let server =
        crate::findings_crash::Serve::start_with(&app, &["--metrics-listen", &metrics_addr]).await;
    let client = reqwest::Client::new();
    let main = client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 401);
    let scraped = client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped.text().await.unwrap().contains("clearinghouse_"));
    // Nothing but metrics and liveness on the metrics address.
    let api = client
        .get(format!("http://{metrics_addr}/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
}

both_backends!(
    metrics_listener_serves_without_credentials,
    metrics_listener_serves_without_credentials
);

/// Signed-in pages and answers to a credential are never cached (a token
/// shown once, an embargoed case on a shared computer); anonymous public
/// answers keep their own policy (F11).
async fn signed_in_answers_are_not_stored(app: TestApp) {
    let cookie = app.login_cookie("admin").await;
    for path in ["/", "/cases", "/tokens"] {
        let resp = app
            .client
            .get(app.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
    }
    let resp = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(resp.headers().get("cache-control").is_none());
}

both_backends!(
    signed_in_answers_are_not_stored,
    signed_in_answers_are_not_stored
);
