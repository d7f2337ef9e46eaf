//! The broker's authorization under attack, on both backends: a broker
//! credential dies with its person (a disabled account, revoke-all of the
//! person's tokens, an archived organisation ending its people's grants);
//! only the window's model is forwarded; a streamed call asks the
//! endpoint for usage and, when none comes, is charged an estimate so a
//! token quota still trips; and the model endpoint is never a loopback,
//! private, link-local, shared or IPv4-mapped address, nor a URL whose
//! fragment or query bends the forwarded path (`endpoint_guard`).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::dns::Resolve;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, World, count, lifecycle, world};
use crate::harness::{Db, TestApp};
use clearinghouse::workflows::frontier::endpoint_guard::{
    PublicOnly, refusal, resolves_private, upstream_url,
};

const TERMS: &str = "Confidential. Use only for defensive evaluation.";
const SECRET: &str = "sk-dev-secret-91";

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

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

/// An OpenAI-compatible endpoint that never reports usage in a stream
/// (it ignores `stream_options`), keeping the last body it saw.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    last_body: std::sync::Mutex<Vec<u8>>,
}

async fn chat(State(s): State<Arc<Seen>>, body: Bytes) -> Response {
    s.calls.fetch_add(1, Ordering::SeqCst);
    *s.last_body.lock().unwrap() = body.to_vec();
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if req["stream"] != json!(true) {
        return axum::Json(json!({"object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}))
        .into_response();
    }
    let chunk = json!({"object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "x".repeat(400)}}]});
    let events: Vec<Result<Bytes, Infallible>> = vec![
        Ok(Bytes::from(format!("data: {chunk}\n\n"))),
        Ok(Bytes::from(format!("data: {chunk}\n\n"))),
        Ok(Bytes::from_static(b"data: [DONE]\n\n")),
    ];
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(futures_util::stream::iter(events)))
        .unwrap()
}

async fn models() -> Response {
    axum::Json(json!({"object": "list", "data": [{"id": "atlas-1", "object": "model"}]}))
        .into_response()
}

async fn endpoint() -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let router = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (format!("http://{addr}/v1"), seen)
}

/// A covered model (the whole designation inquiry) with release dates set.
async fn covered(app: &TestApp) -> World {
    let w = world(app).await;
    lifecycle(app, &w, &mut Quiet).await;
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &format!("/api/v1/models/{}/release-dates", w.model),
            &json!({"planned_partner_release": date(40), "planned_public_release": date(60)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    w
}

fn window_body(url: &str) -> Value {
    json!({"starts_at": at(0, 0), "ends_at": at(10, 0), "terms": TERMS,
           "endpoint_url": url, "endpoint_secret": SECRET})
}

/// Grants `user` on the window, accepts the terms and takes a credential;
/// the grant's id and the broker credential.
async fn credential(
    app: &TestApp,
    w: &World,
    wid: &str,
    user: (&str, &str),
    tokens_per_day: i64,
) -> (String, String) {
    let (s, g) = app
        .post(
            &w.dev,
            &format!("/api/v1/windows/{wid}/grants"),
            &json!({"user_id": user.0, "requests_per_day": 50, "tokens_per_day": tokens_per_day}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    let (_, terms) = app
        .get(user.1, &format!("/api/v1/windows/{wid}/terms"))
        .await;
    let (s, v) = app
        .post(
            user.1,
            &format!("/api/v1/grants/{gid}/acceptance"),
            &json!({"terms_version": 1, "sha256": terms[0]["sha256"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, c) = app
        .post(
            user.1,
            &format!("/api/v1/grants/{gid}/credentials"),
            &json!({"minutes": 30}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    (gid, c["token"].as_str().unwrap().to_owned())
}

async fn call(app: &TestApp, token: &str, body: Value) -> (u16, Value, String) {
    let r = app
        .client
        .post(app.url("/broker/v1/chat/completions"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, v, text)
}

fn ask(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "2+2?"}]})
}

/// The usage row of `user`'s streamed call, once it is written (rows are
/// written when an answer has passed through).
async fn usage(app: &TestApp, w: &World, wid: &str, user: &str) -> Value {
    for _ in 0..500 {
        let (s, v) = app
            .get(&w.dev, &format!("/api/v1/windows/{wid}/usage?limit=1000"))
            .await;
        assert_eq!(s, 200, "{v}");
        if let Some(row) = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == user && r["streamed"] == true)
        {
            return row.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no streamed usage row of {user}");
}

async fn broker_authorization(app: TestApp) {
    let w = covered(&app).await;
    let (url, seen) = endpoint().await;
    let (s, win) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{}/windows", w.model),
            &window_body(&url),
        )
        .await;
    assert_eq!(s, 201, "{win}");
    let wid = win["id"].as_str().unwrap().to_owned();

    // Only the window's model is forwarded with the developer's secret.
    let (a_id, a_tok) = app.user(&w.a.org, "gov-analyst", &["member"]).await;
    let (_, a_cred) = credential(&app, &w, &wid, (&a_id, &a_tok), 1_000_000).await;
    let (s, v, _) = call(&app, &a_cred, ask("atlas-1", false)).await;
    assert_eq!(s, 200, "{v}");
    let before = seen.calls.load(Ordering::SeqCst);
    let (s, v, _) = call(&app, &a_cred, ask("atlas-2-unreleased-internal", false)).await;
    assert_eq!((s, v["field"].as_str()), (404, Some("model")), "{v}");
    assert_eq!(
        seen.calls.load(Ordering::SeqCst),
        before,
        "nothing forwarded"
    );
    // A key given twice reaches the endpoint once, the checked value (F16).
    let twice = r#"{"model": "atlas-2-unreleased-internal", "model": "atlas-1", "messages": []}"#;
    let r = app
        .client
        .post(app.url("/broker/v1/chat/completions"))
        .bearer_auth(&a_cred)
        .header("content-type", "application/json")
        .body(twice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sent = String::from_utf8(seen.last_body.lock().unwrap().clone()).unwrap();
    assert!(!sent.contains("unreleased"), "{sent}");
    assert_eq!(sent.matches("\"model\"").count(), 1, "{sent}");

    // A streamed call asks the endpoint for usage.
    let (s, _, _) = call(&app, &a_cred, ask("atlas-1", true)).await;
    assert_eq!(s, 200);
    let sent: Value = serde_json::from_slice(&seen.last_body.lock().unwrap()).unwrap();
    assert_eq!(sent["stream_options"]["include_usage"], true, "{sent}");
    assert_eq!(sent["model"], "atlas-1");

    // The endpoint reports none: an estimate is charged and the quota trips.
    let (b_id, b_tok) = app.user(&w.a.org, "gov-streamer", &["member"]).await;
    let (_, b_cred) = credential(&app, &w, &wid, (&b_id, &b_tok), 100).await;
    let (s, _, text) = call(&app, &b_cred, ask("atlas-1", true)).await;
    assert_eq!(s, 200);
    assert!(text.contains("[DONE]"), "{text}");
    let streamed = usage(&app, &w, &wid, &b_id).await;
    let charged = streamed["total_tokens"].as_i64().unwrap_or(0);
    assert!(charged > 200, "charged an estimate: {streamed}");
    let (s, v, _) = call(&app, &b_cred, ask("atlas-1", true)).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (429, Some("tokens_per_day")),
        "{v}"
    );

    // revoke-all of a person's tokens ends their broker credentials.
    let (s, v) = app
        .post(
            &app.admin_token,
            &format!("/api/v1/users/{a_id}/tokens/revoke-all"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v, _) = call(&app, &a_cred, ask("atlas-1", false)).await;
    assert!(matches!(s, 401 | 403), "{s} {v}");

    // A disabled person's credential is refused on the next call.
    let (c_id, c_tok) = app.user(&w.a.org, "gov-leaver", &["member"]).await;
    let (_, c_cred) = credential(&app, &w, &wid, (&c_id, &c_tok), 1_000_000).await;
    assert_eq!(call(&app, &c_cred, ask("atlas-1", false)).await.0, 200);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE users SET disabled = 1 WHERE id = '{c_id}'"
    )))
    .execute(&app.app.store.pool)
    .await
    .unwrap();
    // Written behind the server's back, as another process would: the
    // broker's cached facts see it within `CACHE_TTL`; the test does not wait.
    app.app.broker.invalidate();
    let (s, v, _) = call(&app, &c_cred, ask("atlas-1", false)).await;
    assert_eq!((s, v["field"].as_str()), (401, Some("credential")), "{v}");

    // Archiving an organisation ends its people's grants, audited.
    let tf = app.org("Temporary Task Force", "government_agency").await;
    let (h_id, h_tok) = app.user(&tf, "tf-member", &["member"]).await;
    let (h_grant, h_cred) = credential(&app, &w, &wid, (&h_id, &h_tok), 1_000_000).await;
    assert_eq!(call(&app, &h_cred, ask("atlas-1", false)).await.0, 200);
    let (s, v) = app
        .post(
            &app.admin_token,
            &format!("/api/v1/orgs/{tf}/archive?disable_users=true"),
            &json!({"reason": "task force dissolved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v, _) = call(&app, &h_cred, ask("atlas-1", false)).await;
    assert_eq!(s, 401, "{v}");
    let (s, g) = app.get(&w.dev, &format!("/api/v1/grants/{h_grant}")).await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["status"], "revoked", "{g}");
    let revocations: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit_log WHERE entry LIKE '%grant.revoke%' AND entry LIKE '%{h_grant}%'"
    )))
    .fetch_one(&app.app.store.pool)
    .await
    .unwrap();
    assert_eq!(revocations, 1);

    // A fragment would bend the forwarded path: refused even where
    // private endpoints are allowed.
    let (s, v) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{}/windows", w.model),
            &window_body(&format!("{url}/admin/internal-secrets#")),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("endpoint_url")), "{v}");
}

both_backends!(broker_refuses_what_it_must, broker_authorization);

async fn private_endpoints(db: Db) {
    let Some(app) = TestApp::spawn_configured(db, |s| s.allow_private_webhooks = false).await
    else {
        return;
    };
    let w = covered(&app).await;
    for url in [
        "http://[::ffff:127.0.0.1]:18499",
        "http://[fe80::1]:18499",
        "http://100.64.0.1/",
        "http://localhost.:18499",
        "http://127.1/v1",
        "http://169.254.169.254/",
        "https://api.example.com/v1#",
    ] {
        let (s, v) = app
            .post(
                &w.dev,
                &format!("/api/v1/models/{}/windows", w.model),
                &window_body(url),
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (422, Some("endpoint_url")),
            "{url}: {v}"
        );
    }
    assert_eq!(count(&app, "frontier_windows").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_private_endpoints_refused_sqlite() {
    private_endpoints(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_private_endpoints_refused_postgres() {
    private_endpoints(Db::Postgres).await;
}

fn refused(text: &str) -> bool {
    refusal(&url::Url::parse(text).unwrap(), false).is_some()
}

#[test]
fn broker_guard_refuses_literal_and_local_endpoints() {
    for bad in [
        "http://[::ffff:127.0.0.1]:18499",
        "http://[fe80::1]:18499",
        "http://100.64.0.1/",
        "http://localhost.:18499",
        "http://LOCALHOST/",
        "http://api.localhost/",
        "http://127.1/",
        "http://0x7f000001/",
        "http://169.254.169.254/",
        "http://[fd00::1]/",
        "http://[::1]/",
        "https://api.example.com/v1#",
        "https://api.example.com/v1?x=1",
    ] {
        assert!(refused(bad), "{bad}");
    }
    assert!(!refused("https://api.openai.com/v1"));
    assert!(!refused("https://93.184.215.14/v1"));
    let local = url::Url::parse("http://127.0.0.1:9/v1").unwrap();
    assert!(refusal(&local, true).is_none(), "allowed private");
    let frag = url::Url::parse("http://127.0.0.1:9/v1#").unwrap();
    assert!(refusal(&frag, true).is_some(), "never a fragment");
}

#[test]
fn broker_guard_builds_the_upstream_path() {
    let u = upstream_url("https://api.example.com/v1", "chat/completions", false).unwrap();
    assert_eq!(u.as_str(), "https://api.example.com/v1/chat/completions");
    let u = upstream_url("https://api.example.com/v1/", "models", false).unwrap();
    assert_eq!(u.as_str(), "https://api.example.com/v1/models");
    let u = upstream_url("https://api.example.com", "models", false).unwrap();
    assert_eq!(u.as_str(), "https://api.example.com/models");
    assert!(upstream_url("http://127.0.0.1:9/admin#", "models", true).is_err());
    assert!(upstream_url("http://[::ffff:127.0.0.1]:9", "models", false).is_err());
}

#[tokio::test]
async fn broker_guard_resolves_names_to_public_addresses_only() {
    for name in ["localhost", "localhost.", "x.localhost"] {
        let Ok(n) = name.parse::<reqwest::dns::Name>() else {
            panic!("{name} is a name");
        };
        assert!(PublicOnly.resolve(n).await.is_err(), "{name}");
    }
    assert_eq!(
        resolves_private("localhost", 80)
            .await
            .map(|ip| ip.is_loopback()),
        Some(true)
    );
}
