//! Voluntary, no veto (Sec. 3(c)), proved generically: every route of the
//! OpenAPI document, every method, is called as a person of every role in
//! a government agency, with the ids of a covered model shared with that
//! agency and of its open access window substituted for every path
//! parameter, and with empty, release-shaped and hostile bodies. Then the
//! model's release state and dates are what the developer set, and the
//! developer can still move its dates and release. New routes are covered
//! without touching this test.

use clearinghouse_domain::identity::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::frontier_inquiries::{Observer, lifecycle, world};
use crate::harness::TestApp;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

fn bodies() -> Vec<Value> {
    vec![
        json!({}),
        json!({"planned_partner_release": "2020-01-02", "planned_public_release": "2020-01-03"}),
        json!({"note": "the government conditions this release", "reason": "veto"}),
        json!({"planned_partner_release": null, "released_at": "2099-01-01T00:00:00Z",
            "state": "blocked", "decision": "reject", "determination": "not_covered",
            "starts_at": "2099-01-01T00:00:00Z", "ends_at": "2099-03-01T00:00:00Z",
            "model_id": "x'; DROP TABLE frontier_models; --", "terms": "\u{202e}"}),
    ]
}

async fn no_government_role_changes_a_release(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let model = w.model.clone();
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &format!("/api/v1/models/{model}/release-dates"),
            &json!({"planned_partner_release": "2099-06-01", "planned_public_release": "2099-07-01"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::format_description::well_known::Rfc3339;
    let (s, win) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{model}/windows"),
            &json!({"starts_at": now.format(&fmt).unwrap(),
                "ends_at": (now + time::Duration::days(20)).format(&fmt).unwrap(),
                "terms": "Confidential.", "endpoint_url": "http://127.0.0.1:9/v1",
                "endpoint_secret": "s"}),
        )
        .await;
    assert_eq!(s, 201, "{win}");
    let window = win["id"].as_str().unwrap().to_owned();
    let release = format!("/api/v1/models/{model}/release");
    let (_, before) = app.get(&w.dev, &release).await;
    let (_, window_before) = app.get(&w.dev, &format!("/api/v1/windows/{window}")).await;

    let mut people = vec![app.admin_token.clone()];
    for (i, role) in Role::ALL.iter().enumerate() {
        let (_, token) = app
            .user(
                &w.a.org,
                &format!("gov-{i}-{}", role.as_str()),
                &[role.as_str()],
            )
            .await;
        people.push(token);
    }
    people.push(w.a.authority.clone());
    people.push(w.eval.clone());

    let doc = clearinghouse::http::router::openapi();
    let mut calls = 0;
    for (path, item) in &doc.paths.paths {
        let server = item
            .servers
            .as_ref()
            .and_then(|s| s.first())
            .map_or("/api/v1".to_owned(), |s| s.url.clone());
        let mut methods = Vec::new();
        for (m, op) in [
            (reqwest::Method::GET, &item.get),
            (reqwest::Method::POST, &item.post),
            (reqwest::Method::PUT, &item.put),
            (reqwest::Method::PATCH, &item.patch),
            (reqwest::Method::DELETE, &item.delete),
        ] {
            if op.is_some() {
                methods.push(m);
            }
        }
        for id in [&model, &window] {
            let concrete = substitute(path, id);
            let url = format!("{}{}", server.trim_end_matches('/'), concrete);
            for method in &methods {
                let bodies = if *method == reqwest::Method::GET {
                    vec![json!({})]
                } else {
                    bodies()
                };
                for token in &people {
                    for body in &bodies {
                        let (s, _) = app.send(method.clone(), token, &url, body).await;
                        assert!(s < 500, "{method} {url} answered {s}");
                        calls += 1;
                    }
                }
            }
        }
    }
    assert!(
        calls > 1000,
        "only {calls} calls: did the route walk break?"
    );

    let (_, after) = app.get(&w.dev, &release).await;
    assert_eq!(before, after, "a government call changed the release state");
    let (_, window_after) = app.get(&w.dev, &format!("/api/v1/windows/{window}")).await;
    for k in ["state", "ends_at", "starts_at", "terms_version"] {
        assert_eq!(window_before[k], window_after[k], "{k} changed");
    }
    // The developer still moves its dates and releases, alone.
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &format!("/api/v1/models/{model}/release-dates"),
            &json!({"planned_partner_release": "2099-05-01"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(&w.dev, &release, &json!({"note": "released"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["released_at"].is_string(), "{v}");
}

/// `/models/{id}/windows` with every `{...}` replaced by `id`.
fn substitute(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(id);
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

both_backends!(
    no_government_role_changes_a_release,
    no_government_role_changes_a_release
);
