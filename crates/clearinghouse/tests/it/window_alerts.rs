//! Insider-risk alerts as records and sealed transcripts (issue 13 items 3
//! and 4), on both backends. Alerts: a scripted usage log (written through
//! the store, with chosen times) trips each of the five rules for two
//! people and none for a third with a normal pattern; raising again stores
//! nothing twice; the developer and the security officer's agency are
//! notified; readers and acknowledgement (with a reason, once, audited).
//! Transcripts: a window whose terms keep them stores each call's prompt
//! and completion sealed (a streamed answer assembled), readable by the
//! developer only; new terms that do not keep them store none.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use clearinghouse::store::frontier::window_grants::UsageRow;
use futures_util::StreamExt;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, World, audit_actions, count, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

const PROMPT: &str = "TRANSCRIPT-MARKER-sealed-91b";
const DAY: i64 = 86_400;

fn at(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

/// A covered model with planned dates, and a window on it.
async fn window(app: &TestApp, w: &World, base_url: &str, keep: bool) -> String {
    let model = &w.model;
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &format!("/api/v1/models/{model}/release-dates"),
            &json!({"planned_partner_release": (OffsetDateTime::now_utc() + time::Duration::days(40)).date().to_string()}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, win) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{model}/windows"),
            &json!({"starts_at": at(0), "ends_at": at(10), "terms": "Confidential.",
                "endpoint_url": base_url, "endpoint_secret": model_endpoint::SECRET,
                "keep_transcripts": keep}),
        )
        .await;
    assert_eq!(s, 201, "{win}");
    win["id"].as_str().unwrap().to_owned()
}

/// A grant to `user` with its terms accepted; returns the grant id and a
/// fresh credential (id, token).
async fn granted(
    app: &TestApp,
    w: &World,
    wid: &str,
    user: &str,
    token: &str,
) -> (String, String, String) {
    let (s, g) = app
        .post(
            &w.dev,
            &format!("/api/v1/windows/{wid}/grants"),
            &json!({"user_id": user, "requests_per_day": 1000, "tokens_per_day": 1_000_000}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    let (_, terms) = app
        .get(token, &format!("/api/v1/windows/{wid}/terms"))
        .await;
    let (s, v) = app
        .post(
            token,
            &format!("/api/v1/grants/{gid}/acceptance"),
            &json!({"terms_version": terms[0]["version"], "sha256": terms[0]["sha256"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, c) = app
        .post(
            token,
            &format!("/api/v1/grants/{gid}/credentials"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    (
        gid,
        c["id"].as_str().unwrap().to_owned(),
        c["token"].as_str().unwrap().to_owned(),
    )
}

struct Person {
    user: String,
    grant: String,
    credential: String,
}

/// A usage log written straight into the store, with chosen times.
struct Script<'a> {
    app: &'a TestApp,
    wid: String,
    /// Unix seconds the script's times count from.
    base: i64,
    n: usize,
}

impl Script<'_> {
    /// Writes one call `secs` after `base`.
    async fn call(&mut self, p: &Person, secs: i64, outcome: &str, addr: &str) {
        let t = OffsetDateTime::from_unix_timestamp(self.base + secs).unwrap();
        self.n += 1;
        let row = UsageRow {
            id: format!("scripted-{}-{:04}", self.wid, self.n),
            window_id: self.wid.clone(),
            grant_id: p.grant.clone(),
            user_id: p.user.clone(),
            credential_id: p.credential.clone(),
            at: clearinghouse::clock::format(t),
            day: (self.base + secs).div_euclid(DAY),
            endpoint: "chat/completions".into(),
            model: "atlas-1".into(),
            streamed: false,
            request_bytes: 10,
            response_bytes: 10,
            prompt_tokens: Some(1),
            completion_tokens: Some(1),
            total_tokens: Some(2),
            latency_ms: 5,
            status: if outcome == "ok" { 200 } else { 403 },
            outcome: outcome.into(),
            client_addr: addr.into(),
        };
        let mut conn = self.app.app.store.pool.acquire().await.unwrap();
        clearinghouse::store::frontier::window_grants::insert_usage(&mut conn, &row)
            .await
            .unwrap();
    }
}

async fn notifications(app: &TestApp, org: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE org_id = $1 AND kind = 'window.alert'",
    )
    .bind(org)
    .fetch_one(&app.app.store.pool)
    .await
    .unwrap()
}

async fn alerts_are_records(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let wid = window(&app, &w, &endpoint.base_url, false).await;
    // The security officer works for the agency the model is shared with
    // (alerts are read under the model's labels like everything else).
    let sec_org = w.a.org.clone();
    let (_, officer) = app
        .user(&sec_org, "sec-officer", &["security_officer"])
        .await;
    let (_, coord) = app.user(&w.a.org, "al-coord", &["coordinator"]).await;
    let mut people = Vec::new();
    let mut tokens = Vec::new();
    let mut broker_tokens = Vec::new();
    for name in ["ann", "bob", "cara"] {
        let (id, token) = app.user(&w.a.org, name, &["member"]).await;
        let (grant, credential, broker_token) = granted(&app, &w, &wid, &id, &token).await;
        broker_tokens.push(broker_token);
        people.push(Person {
            user: id,
            grant,
            credential,
        });
        tokens.push(token);
    }
    let outsider_org = app.org("Elsewhere Labs", "researcher").await;
    let (_, outsider) = app.user(&outsider_org, "al-outsider", &["member"]).await;

    // The script, from 00:00 UTC ten days ago.
    let base = (OffsetDateTime::now_utc().unix_timestamp() / DAY - 10) * DAY;
    let (ann, bob, cara) = (&people[0], &people[1], &people[2]);
    let bob_token = broker_tokens[1].clone();
    let mut script = Script {
        app: &app,
        wid: wid.clone(),
        base,
        n: 0,
    };
    // ann: 5 calls a day at 09:00 for 4 days, then 40 on day 5 at 03:00
    // (volume, new hour).
    for d in 0..4 {
        for j in 0..5 {
            script
                .call(ann, d * DAY + 9 * 3600 + j, "ok", "10.0.0.1")
                .await;
        }
    }
    for j in 0..40 {
        script
            .call(ann, 4 * DAY + 3 * 3600 + j, "ok", "10.0.0.1")
            .await;
    }
    // bob: refused over quota, then a burst; the next day a call after
    // revocation from a second address.
    for j in 0..7 {
        script
            .call(bob, 2 * DAY + j, "refused_quota", "10.0.0.2")
            .await;
    }
    script
        .call(bob, 3 * DAY, "refused_revoked", "192.0.2.7")
        .await;
    // cara: the normal pattern, 6 calls a day at 14:00 from one address.
    for d in 0..5 {
        for j in 0..6 {
            script
                .call(cara, d * DAY + 14 * 3600 + j * 60, "ok", "10.0.0.3")
                .await;
        }
    }

    use clearinghouse::workflows::frontier::window_alerts::raise;
    assert_eq!(raise(&app.app, &wid).await.unwrap(), 5);
    assert_eq!(raise(&app.app, &wid).await.unwrap(), 0, "raised twice");
    assert_eq!(count(&app, "window_alerts").await, 5);
    let base_path = format!("/api/v1/windows/{wid}/alerts");
    let (s, list) = app.get(&w.dev, &base_path).await;
    assert_eq!(s, 200, "{list}");
    let got: BTreeSet<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_owned(),
                a["user_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("volume", &ann.user),
        ("new_hour", &ann.user),
        ("burst_after_refusal", &bob.user),
        ("after_revocation_or_expiry", &bob.user),
        ("several_addresses", &bob.user),
    ]
    .into_iter()
    .map(|(r, u)| (r.to_owned(), u.clone()))
    .collect();
    assert_eq!(got, want, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| !a["evidence"].as_array().unwrap().is_empty()
                && a["user_id"] != cara.user.as_str()),
        "{list}"
    );

    // Sent to the developer and to the security officer's agency.
    assert_eq!(notifications(&app, &w.dev_org).await, 5);
    assert_eq!(notifications(&app, &sec_org).await, 5);
    assert_eq!(notifications(&app, &outsider_org).await, 0);

    // Readers: the security officer and a coordinator too; a grantee is
    // refused, anyone else gets 404.
    assert_eq!(app.get(&officer, &base_path).await.0, 200);
    assert_eq!(app.get(&coord, &base_path).await.0, 200);
    assert_eq!(app.get(&tokens[0], &base_path).await.0, 403);
    assert_eq!(app.get(&outsider, &base_path).await.0, 404);
    let (s, mine) = app.get(&officer, "/api/v1/alerts?open=true").await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["items"].as_array().unwrap().len(), 5, "{mine}");
    let (_, none) = app.get(&tokens[1], "/api/v1/alerts").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0, "{none}");

    // One alert with its evidence rows.
    let burst = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "burst_after_refusal")
        .unwrap();
    let aid = burst["id"].as_str().unwrap();
    let (s, one) = app.get(&officer, &format!("/api/v1/alerts/{aid}")).await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["evidence_rows"].as_array().unwrap().len(), 7, "{one}");
    assert!(
        one["evidence_rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["user_id"] == bob.user.as_str()),
        "{one}"
    );
    assert_eq!(
        app.get(&tokens[1], &format!("/api/v1/alerts/{aid}"))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get(&outsider, &format!("/api/v1/alerts/{aid}")).await.0,
        404
    );

    // Acknowledgement: a reason, once; the developer or a security officer.
    let ack = format!("/api/v1/alerts/{aid}/acknowledgement");
    let (s, v) = app.post(&tokens[1], &ack, &json!({"reason": "me"})).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.post(&coord, &ack, &json!({"reason": "looked"})).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&officer, &ack, &json!({"reason": "  "})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = app
        .post(
            &officer,
            &ack,
            &json!({"reason": "Quota tests agreed with the lab"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["acknowledge_reason"], "Quota tests agreed with the lab");
    assert!(v["acknowledged_at"].is_string(), "{v}");
    let (s, _) = app.post(&w.dev, &ack, &json!({"reason": "again"})).await;
    assert_eq!(s, 409);
    let other = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "volume")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/alerts/{other}/acknowledgement"),
            &json!({"reason": "Release-day load test"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, open) = app.get(&officer, "/api/v1/alerts?open=true").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 3, "{open}");
    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "window_alert.raise")
            .count(),
        5
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "window_alert.acknowledge")
            .count(),
        2
    );
    assert!(actions.iter().any(|a| a == "window.refused"));

    // The broker path raises alerts by itself: a call on a revoked grant
    // is followed, a moment later, by a stored alert for today.
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/grants/{}/revocation", bob.grant),
            &json!({"reason": "left the team"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = app
        .client
        .post(app.url("/broker/v1/chat/completions"))
        .bearer_auth(&bob_token)
        .json(&json!({"model": "atlas-1", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let today = OffsetDateTime::now_utc().date().to_string();
    for _ in 0..100 {
        let (_, list) = app.get(&officer, &base_path).await;
        if list.as_array().unwrap().iter().any(|a| {
            a["rule"] == "after_revocation_or_expiry"
                && a["user_id"] == bob.user.as_str()
                && a["period"] == today.as_str()
        }) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no alert raised by the broker path");
}

async fn transcripts(app: &TestApp, token: &str, usage_id: &str) -> (u16, Value) {
    app.get(token, &format!("/api/v1/usage/{usage_id}/transcript"))
        .await
}

async fn sealed_transcripts(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let wid = window(&app, &w, &endpoint.base_url, true).await;
    let (_, terms) = app
        .get(&w.dev, &format!("/api/v1/windows/{wid}/terms"))
        .await;
    assert_eq!(terms[0]["keep_transcripts"], true, "{terms}");
    assert!(
        terms[0]["text"]
            .as_str()
            .unwrap()
            .contains("readable by the model's developer only"),
        "{terms}"
    );
    let (ann_id, ann) = app.user(&w.a.org, "tr-ann", &["member"]).await;
    let (_, coord) = app.user(&w.a.org, "tr-coord", &["coordinator"]).await;
    let sec_org = app.org("Clearinghouse Security", "government_agency").await;
    let (_, officer) = app
        .user(&sec_org, "tr-officer", &["security_officer"])
        .await;
    let (gid, _, token) = granted(&app, &w, &wid, &ann_id, &ann).await;
    let send = |path: &'static str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let chat = |stream: bool| {
        json!({"model": "atlas-1", "stream": stream,
            "messages": [{"role": "user", "content": PROMPT}]})
    };
    // A whole answer, a completion, and a streamed answer whose first chunk
    // arrives before the endpoint sends the rest (no buffering).
    let r = send("/broker/v1/chat/completions", chat(false))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = r.bytes().await;
    let r = send(
        "/broker/v1/completions",
        json!({"model": "atlas-1", "prompt": PROMPT}),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = r.bytes().await;
    let r = send("/broker/v1/chat/completions", chat(true))
        .await
        .unwrap();
    let mut body = r.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("first"));
    assert!(
        !endpoint.state.last_sent.load(Ordering::SeqCst),
        "the broker buffered the stream"
    );
    endpoint.state.release.notify_one();
    while let Some(c) = body.next().await {
        c.unwrap();
    }
    let mut rows = Vec::new();
    for _ in 0..500 {
        let (_, v) = app
            .get(&w.dev, &format!("/api/v1/windows/{wid}/usage"))
            .await;
        rows = v["items"].as_array().unwrap().clone();
        if rows.len() >= 3 && count(&app, "broker_transcripts").await >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count(&app, "broker_transcripts").await, 3);
    // Sealed at rest: neither the prompt nor the answer in the clear.
    let sealed: Vec<String> = sqlx::query_scalar("SELECT sealed FROM broker_transcripts")
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap();
    for s in &sealed {
        assert!(!s.contains(PROMPT) && !s.contains(&hex::encode(PROMPT)));
    }
    let mut seen = BTreeSet::new();
    for r in &rows {
        let id = r["id"].as_str().unwrap();
        let (s, t) = transcripts(&app, &w.dev, id).await;
        assert_eq!(s, 200, "{t}");
        assert!(t["prompt"].as_str().unwrap().contains(PROMPT), "{t}");
        seen.insert((
            r["endpoint"].as_str().unwrap().to_owned(),
            r["streamed"].as_bool().unwrap(),
            t["completion"].as_str().unwrap().to_owned(),
        ));
        // Nobody else: not the grantee who made the call, nor government.
        for other in [&ann, &coord, &officer, &w.other_dev] {
            assert_eq!(transcripts(&app, other, id).await.0, 404);
        }
    }
    let want: BTreeSet<(String, bool, String)> = [
        ("chat/completions", false, "4"),
        ("completions", false, " world"),
        ("chat/completions", true, "firstsecond"),
    ]
    .into_iter()
    .map(|(e, s, c)| (e.to_owned(), s, c.to_owned()))
    .collect();
    assert_eq!(seen, want);
    let reads = audit_actions(&app)
        .await
        .iter()
        .filter(|e| e["action"] == "window.transcript_read")
        .count();
    assert_eq!(reads, 3);

    // New terms that keep none: after acceptance, calls store no transcript.
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/windows/{wid}/terms"),
            &json!({"terms": "Confidential, v2."}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, terms) = app.get(&ann, &format!("/api/v1/windows/{wid}/terms")).await;
    assert_eq!(terms[0]["keep_transcripts"], false, "{terms}");
    let (s, v) = app
        .post(
            &ann,
            &format!("/api/v1/grants/{gid}/acceptance"),
            &json!({"terms_version": 2, "sha256": terms[0]["sha256"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = send("/broker/v1/chat/completions", chat(false))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = r.bytes().await;
    for _ in 0..500 {
        let (_, v) = app
            .get(&w.dev, &format!("/api/v1/windows/{wid}/usage"))
            .await;
        if v["items"].as_array().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count(&app, "broker_transcripts").await, 3);
    // The clause cannot be written into terms that do not keep them.
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/windows/{wid}/terms"),
            &json!({"terms": format!("x {}", clearinghouse_domain::frontier::access::TRANSCRIPT_CLAUSE)}),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("keep_transcripts")),
        "{v}"
    );
}

both_backends!(window_alerts_are_records, alerts_are_records);
both_backends!(window_transcripts_are_sealed, sealed_transcripts);
