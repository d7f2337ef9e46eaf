//! Brokered access to a covered model over HTTP, on both backends, against
//! a real OpenAI-compatible endpoint on loopback (`model_endpoint.rs`):
//! a window opened on a model designated covered (through a whole
//! designation inquiry), its refusals (over 30 days, in the past, past the
//! partner release, a model not covered, a bad endpoint, a government user
//! moving the release), grants with quotas, terms acceptance by digest, a
//! short-lived credential, the three broker routes (a streamed answer's
//! first chunk arrives before the endpoint sent its last), every call in
//! the usage log with token counts and never the prompt, 429 with
//! `Retry-After` over quota, new terms needing a new acceptance,
//! revocation, expiry, an earlier release shortening the window, and
//! withdrawal ending it all.

use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, count, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

const PROMPT: &str = "PROMPT-MARKER-never-stored-5e2";
const TERMS: &str = "Confidential. Use only for defensive evaluation. Report insider risks.";

fn at(days: i64, secs: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days) + time::Duration::seconds(secs))
        .format(&Rfc3339)
        .unwrap()
}

fn date(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    app.send(reqwest::Method::PUT, token, path, &body).await
}

async fn broker(app: &TestApp, token: &str, path: &str, body: Option<Value>) -> reqwest::Response {
    let req = match body {
        Some(b) => app.client.post(app.url(path)).json(&b),
        None => app.client.get(app.url(path)),
    };
    req.bearer_auth(token).send().await.unwrap()
}

/// Usage rows of a window as `token` sees them, once `n` are there (rows
/// are written when an answer has passed through).
async fn usage(app: &TestApp, token: &str, window: &str, n: usize) -> Vec<Value> {
    for _ in 0..500 {
        let (s, v) = app
            .get(token, &format!("/api/v1/windows/{window}/usage?limit=1000"))
            .await;
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} usage rows");
}

fn chat(stream: bool) -> Value {
    json!({"model": "atlas-1", "stream": stream,
        "messages": [{"role": "user", "content": PROMPT}]})
}

async fn whole_window_lifecycle(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let model = w.model.clone();
    let (coord_id, coord) = app
        .user(&w.a.org, "gov-coordinator", &["coordinator"])
        .await;
    let _ = coord_id;
    let (analyst_id, analyst) = app.user(&w.a.org, "gov-analyst", &["member"]).await;
    let (_, analyst_admin) = app.user(&w.a.org, "gov-orgadmin", &["org_admin"]).await;
    let res_org = app.org("Outside Research", "researcher").await;
    let (outsider_id, outsider) = app.user(&res_org, "outsider", &["member"]).await;
    let windows = format!("/api/v1/models/{model}/windows");
    let good = |starts: String, ends: String| {
        json!({"starts_at": starts, "ends_at": ends, "terms": TERMS,
            "endpoint_url": endpoint.base_url, "endpoint_secret": model_endpoint::SECRET})
    };

    // No planned partner release yet: a window cannot end before it.
    let (s, v) = app.post(&w.dev, &windows, &good(at(0, 60), at(5, 0))).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("planned_partner_release")),
        "{v}"
    );
    // A government user cannot set the release dates (403, audited).
    let dates = format!("/api/v1/models/{model}/release-dates");
    let (s, v) = put(
        &app,
        &w.a.authority,
        &dates,
        json!({"planned_partner_release": date(1)}),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = put(
        &app,
        &coord,
        &dates,
        json!({"planned_partner_release": date(1)}),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let (_, st) = app
        .get(&w.dev, &format!("/api/v1/models/{model}/release"))
        .await;
    assert_eq!(st["planned_partner_release"], Value::Null, "{st}");
    // The developer sets them.
    let (s, v) = put(
        &app,
        &w.dev,
        &dates,
        json!({"planned_partner_release": date(40), "planned_public_release": date(60)}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["planned_partner_release"], date(40));

    // Refusals name the field and store nothing.
    let bad = [
        (good(at(0, 60), at(31, 0)), "ends_at"),
        (good(at(-1, 0), at(5, 0)), "starts_at"),
        (good(at(0, 60), at(0, 30)), "ends_at"),
        (good(at(20, 0), at(45, 0)), "ends_at"),
        (good("yesterday".into(), at(5, 0)), "starts_at"),
        (
            json!({"starts_at": at(0, 60), "ends_at": at(5, 0), "terms": " ",
            "endpoint_url": endpoint.base_url, "endpoint_secret": "x"}),
            "terms",
        ),
        (
            json!({"starts_at": at(0, 60), "ends_at": at(5, 0), "terms": TERMS,
            "endpoint_url": "ftp://example.com/v1", "endpoint_secret": "x"}),
            "endpoint_url",
        ),
        (
            json!({"starts_at": at(0, 60), "ends_at": at(5, 0), "terms": TERMS,
            "endpoint_url": endpoint.base_url, "endpoint_secret": ""}),
            "endpoint_secret",
        ),
    ];
    for (body, field) in bad {
        let (s, v) = app.post(&w.dev, &windows, &body).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{body}: {v}");
    }
    // A model not designated covered.
    let (s, other) = app
        .post(
            &w.dev,
            "/api/v1/models",
            &json!({"name": "atlas-2", "version": "1",
            "training_compute": "1e24", "contact": "x@example.com",
            "planned_partner_release": date(40)}),
        )
        .await;
    assert_eq!(s, 201, "{other}");
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{}/windows", other["id"].as_str().unwrap()),
            &good(at(0, 60), at(5, 0)),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("model")), "{v}");
    // Only the developer opens one.
    let (s, v) = app.post(&coord, &windows, &good(at(0, 60), at(5, 0))).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(count(&app, "frontier_windows").await, 0);

    // The window: the secret and endpoint never come back.
    let (s, win) = app.post(&w.dev, &windows, &good(at(0, 0), at(10, 0))).await;
    assert_eq!(s, 201, "{win}");
    let text = win.to_string();
    assert!(
        !text.contains(model_endpoint::SECRET) && !text.contains(&endpoint.base_url),
        "{text}"
    );
    let sealed: String = sqlx::query_scalar("SELECT endpoint_sealed FROM frontier_windows")
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap();
    assert!(!sealed.contains(model_endpoint::SECRET));
    let wid = win["id"].as_str().unwrap().to_owned();
    assert_eq!(win["terms_version"], 1);
    let base = format!("/api/v1/windows/{wid}");
    // Readers: the developer and the coordinator; not the analyst yet, nor outsiders.
    assert_eq!(app.get(&coord, &base).await.0, 200);
    assert_eq!(app.get(&analyst, &base).await.0, 404);
    assert_eq!(app.get(&w.other_dev, &base).await.0, 404);

    // Grants: inside the window, to people of the government or the developer.
    let grants = format!("{base}/grants");
    let q = |user: &str| json!({"user_id": user, "requests_per_day": 4, "tokens_per_day": 1000});
    let (s, v) = app
        .post(
            &w.dev,
            &grants,
            &json!({"user_id": analyst_id, "ends_at": at(11, 0),
        "requests_per_day": 4, "tokens_per_day": 1000}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("ends_at")), "{v}");
    let (s, v) = app.post(&w.dev, &grants, &q(&outsider_id)).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("user_id")), "{v}");
    let (s, v) = app
        .post(
            &w.dev,
            &grants,
            &json!({"user_id": analyst_id, "requests_per_day": 0, "tokens_per_day": 1}),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("requests_per_day")),
        "{v}"
    );
    assert_eq!(count(&app, "frontier_window_grants").await, 0);
    let (s, grant) = app.post(&coord, &grants, &q(&analyst_id)).await;
    assert_eq!(s, 201, "{grant}");
    let (s, v) = app.post(&w.dev, &grants, &q(&analyst_id)).await;
    assert_eq!(s, 409, "{v}");
    let gid = grant["id"].as_str().unwrap().to_owned();
    let gbase = format!("/api/v1/grants/{gid}");
    assert_eq!(app.get(&analyst, &base).await.0, 200);
    assert_eq!(app.get(&outsider, &gbase).await.0, 404);

    // Terms first: no credential before acceptance, and only of the exact digest.
    let creds = format!("{gbase}/credentials");
    let (s, v) = app.post(&analyst, &creds, &json!({})).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("terms_version")),
        "{v}"
    );
    let (_, terms) = app.get(&analyst, &format!("{base}/terms")).await;
    let sha = terms[0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(terms[0]["text"], TERMS);
    let accept = format!("{gbase}/acceptance");
    let (s, v) = app
        .post(
            &analyst,
            &accept,
            &json!({"terms_version": 1, "sha256": "0".repeat(64)}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("sha256")), "{v}");
    let (s, v) = app
        .post(&coord, &accept, &json!({"terms_version": 1, "sha256": sha}))
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &analyst,
            &accept,
            &json!({"terms_version": 1, "sha256": sha}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["terms_accepted"], true);
    let (s, v) = app.post(&analyst, &creds, &json!({"minutes": 1})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("minutes")), "{v}");
    let (s, v) = app.post(&coord, &creds, &json!({})).await;
    assert_eq!(s, 403, "{v}");
    let (s, cred) = app.post(&analyst, &creds, &json!({"minutes": 30})).await;
    assert_eq!(s, 201, "{cred}");
    let token = cred["token"].as_str().unwrap().to_owned();

    // The broker: no credential, a wrong one, a personal API token: 401.
    let chat_path = "/broker/v1/chat/completions";
    for t in ["", "chb_nope", analyst.as_str()] {
        let r = broker(&app, t, chat_path, Some(chat(false))).await;
        assert_eq!(r.status().as_u16(), 401);
    }
    // A whole answer, forwarded with the developer's secret.
    let r = broker(&app, &token, chat_path, Some(chat(false))).await;
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "4", "{v}");
    assert!(String::from_utf8_lossy(&endpoint.state.last_body.lock().unwrap()).contains(PROMPT));
    let r = broker(&app, &token, "/broker/v1/models", None).await;
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"][0]["id"], "atlas-1");
    assert_eq!(
        v["data"].as_array().unwrap().len(),
        1,
        "the window's model only: {v}"
    );
    // A streamed answer: the first chunk is here before the last is sent.
    let r = broker(&app, &token, chat_path, Some(chat(true))).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = r.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("first"));
    assert!(
        !endpoint.state.last_sent.load(Ordering::SeqCst),
        "the broker buffered the stream"
    );
    endpoint.state.release.notify_one();
    let mut rest = Vec::new();
    while let Some(c) = body.next().await {
        rest.extend_from_slice(&c.unwrap());
    }
    let rest = String::from_utf8(rest).unwrap();
    assert!(
        rest.contains("second") && rest.ends_with("data: [DONE]\n\n"),
        "{rest}"
    );
    assert!(endpoint.state.last_sent.load(Ordering::SeqCst));

    let rows = usage(&app, &w.dev, &wid, 3).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in &rows {
        assert_eq!(r["outcome"], "ok", "{r}");
        assert_eq!(r["user_id"], analyst_id.as_str());
        assert!(r["latency_ms"].as_i64().unwrap() >= 0);
    }
    let streamed = rows.iter().find(|r| r["streamed"] == true).unwrap();
    assert_eq!(
        (
            streamed["total_tokens"].as_i64(),
            streamed["model"].as_str()
        ),
        (Some(18), Some("atlas-1"))
    );
    assert!(streamed["response_bytes"].as_i64().unwrap() > 0);
    let whole = rows
        .iter()
        .find(|r| r["endpoint"] == "chat/completions" && r["streamed"] == false)
        .unwrap();
    assert_eq!(
        (
            whole["prompt_tokens"].as_i64(),
            whole["completion_tokens"].as_i64()
        ),
        (Some(11), Some(7))
    );
    assert!(whole["request_bytes"].as_i64().unwrap() > 0);

    // New terms: use stops until the new version is accepted.
    let (s, v) = app
        .post(
            &coord,
            &format!("{base}/terms"),
            &json!({"terms": "changed"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &w.dev,
            &format!("{base}/terms"),
            &json!({"terms": format!("{TERMS} v2")}),
        )
        .await;
    assert_eq!((s, v["terms_version"].as_i64()), (200, Some(2)), "{v}");
    let r = broker(&app, &token, chat_path, Some(chat(false))).await;
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["field"], "terms_version", "{v}");
    let sha2 = v2_sha(&app, &analyst, &base).await;
    let (s, v) = app
        .post(
            &analyst,
            &accept,
            &json!({"terms_version": 2, "sha256": sha2}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = broker(
        &app,
        &token,
        "/broker/v1/completions",
        Some(json!({"model": "atlas-1", "prompt": PROMPT})),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    usage(&app, &w.dev, &wid, 5).await;
    // Four forwarded calls used the quota: the fifth is 429 with Retry-After.
    let r = broker(&app, &token, chat_path, Some(chat(false))).await;
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["field"], "requests_per_day", "{v}");
    assert_eq!(endpoint.state.calls.load(Ordering::SeqCst), 4);

    // Revocation by the person's organisation (its org admin) stops it at once.
    let (s, v) = app
        .post(
            &analyst,
            &format!("{gbase}/revocation"),
            &json!({"reason": "mine"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &analyst_admin,
            &format!("{gbase}/revocation"),
            &json!({"reason": "left the team"}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    let r = broker(&app, &token, chat_path, Some(chat(false))).await;
    assert_eq!(r.status().as_u16(), 403);
    let (s, v) = app.post(&analyst, &creds, &json!({})).await;
    assert_eq!(s, 403, "{v}");

    // A second person; an expired credential is refused.
    let (dev2_id, dev2) = app.user(&w.dev_org, "atlas-dev2", &["member"]).await;
    let (s, g2) = app.post(&w.dev, &grants, &q(&dev2_id)).await;
    assert_eq!(s, 201, "{g2}");
    let g2base = format!("/api/v1/grants/{}", g2["id"].as_str().unwrap());
    let (_, terms) = app.get(&dev2, &format!("{base}/terms")).await;
    let (s, _) = app
        .post(
            &dev2,
            &format!("{g2base}/acceptance"),
            &json!({"terms_version": 2, "sha256": terms[0]["sha256"]}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, c2) = app
        .post(&dev2, &format!("{g2base}/credentials"), &json!({}))
        .await;
    assert_eq!(s, 201, "{c2}");
    let token2 = c2["token"].as_str().unwrap().to_owned();
    sqlx::query(
        "UPDATE broker_credentials SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = $1",
    )
    .bind(c2["id"].as_str().unwrap())
    .execute(&app.app.store.pool)
    .await
    .unwrap();
    let r = broker(&app, &token2, chat_path, Some(chat(false))).await;
    assert_eq!(r.status().as_u16(), 401);

    // Each sees its own use; the developer all of it, refusals included.
    let all = usage(&app, &w.dev, &wid, 8).await;
    let outcomes: Vec<&str> = all.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    for o in [
        "refused_terms",
        "refused_quota",
        "refused_revoked",
        "refused_expired",
    ] {
        assert!(outcomes.contains(&o), "{outcomes:?}");
    }
    let (_, mine) = app.get(&analyst, &format!("{base}/usage")).await;
    let mine = mine["items"].as_array().unwrap();
    assert!(mine.len() >= 7 && mine.len() < all.len(), "{mine:?}");
    assert!(
        mine.iter().all(|r| r["user_id"] == analyst_id.as_str()),
        "{mine:?}"
    );
    assert_eq!(app.get(&outsider, &format!("{base}/usage")).await.0, 404);
    // Insider-risk alerts: the call after revocation and the expired
    // credential, with their usage rows as evidence; not for grantees.
    // (The broker queued the scan for the end of the minute; run it now.)
    clearinghouse::workflows::frontier::window_alerts::raise(&app.app, &wid)
        .await
        .unwrap();
    let (s, alerts) = app.get(&w.dev, &format!("{base}/alerts")).await;
    assert_eq!(s, 200, "{alerts}");
    let after: Vec<&Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "after_revocation_or_expiry")
        .collect();
    assert_eq!(after.len(), 2, "{alerts}");
    assert!(
        after
            .iter()
            .all(|a| a["evidence"].as_array().unwrap().len() == 1),
        "{alerts}"
    );
    assert_eq!(app.get(&coord, &format!("{base}/alerts")).await.0, 200);
    // The analyst's grant was revoked: the window is no longer theirs to
    // read at all (404), alerts included.
    assert_eq!(app.get(&analyst, &format!("{base}/alerts")).await.0, 404);
    // These terms keep no transcripts: none is stored, none can be read.
    assert_eq!(count(&app, "broker_transcripts").await, 0);
    let first = all[0]["id"].as_str().unwrap();
    let (s, _) = app
        .get(&w.dev, &format!("/api/v1/usage/{first}/transcript"))
        .await;
    assert_eq!(s, 404);

    // An earlier partner release shortens the window; a later one never lengthens it.
    let (s, v) = put(
        &app,
        &w.dev,
        &dates,
        json!({"planned_partner_release": date(3)}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, win2) = app.get(&w.dev, &base).await;
    assert!(
        win2["ends_at"].as_str().unwrap().starts_with(&date(3)),
        "{win2}"
    );
    let (s, _) = put(
        &app,
        &w.dev,
        &dates,
        json!({"planned_partner_release": date(50)}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, win3) = app.get(&w.dev, &base).await;
    assert_eq!(win3["ends_at"], win2["ends_at"]);
    assert_eq!(win3["state"], "open");

    // Withdrawal closes the window and ends every grant.
    let (s, v) = app
        .post(
            &coord,
            &format!("/api/v1/models/{model}/withdrawal"),
            &json!({"note": "x"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{model}/withdrawal"),
            &json!({"note": "paused"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["withdrawn_at"].is_string());
    let (_, closed) = app.get(&w.dev, &base).await;
    assert_eq!(closed["state"], "closed", "{closed}");
    let (_, g2v) = app.get(&dev2, &g2base).await;
    assert_eq!(g2v["status"], "ended", "{g2v}");
    let (s, v) = app.post(&w.dev, &windows, &good(at(0, 0), at(1, 0))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("model")), "{v}");
    // Those affected are told: the developer and dev2's organisation
    // (the same here) of the shortening and the closure.
    let (_, inbox) = app.get(&dev2, "/api/v1/notifications").await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"window.closed") && kinds.contains(&"window.shortened"),
        "{inbox}"
    );

    // Never the prompt: not in the usage log, not in the audit log.
    let audit = crate::frontier_inquiries::audit_actions(&app).await;
    assert!(!serde_json::to_string(&audit).unwrap().contains(PROMPT));
    assert!(!serde_json::to_string(&all).unwrap().contains(PROMPT));
    let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
    for a in [
        "window.open",
        "grant.create",
        "terms.accept",
        "broker_credential.issue",
        "grant.revoke",
        "window.terms",
        "model.release_dates",
        "model.withdraw",
        "window.refused",
    ] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

async fn v2_sha(app: &TestApp, token: &str, base: &str) -> String {
    let (_, terms) = app.get(token, &format!("{base}/terms")).await;
    assert_eq!(terms[0]["version"], 2, "{terms}");
    terms[0]["sha256"].as_str().unwrap().to_owned()
}

both_backends!(whole_window_lifecycle, whole_window_lifecycle);
