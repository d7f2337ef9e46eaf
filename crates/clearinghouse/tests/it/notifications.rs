//! Notifications end to end: webhooks reach a real HTTP receiver signed per
//! Standard Webhooks (verified with the domain's verifier) and keep their
//! message id across retries; email reaches a fake SMTP server, one by one
//! or as a digest; one organisation never sees or marks another's inbox;
//! bad webhook URLs are refused naming `url`.
//!
//! Notifications are created the way the exposure-matching code creates
//! them: `workflows::notifications::enqueue` inside a write transaction on
//! the test's own `AppState`. There is deliberately no HTTP route for
//! creating them. Jobs are driven with `TestApp::run_pending_jobs`; a failed delivery
//! is made due again by moving its `run_at` back in the jobs table, so no
//! test-only knob exists in the server.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use clearinghouse::app::{self, AppState, HttpSettings};
use clearinghouse::model::notify::NotificationKind;
use clearinghouse::notify_email::{Mailer, SmtpArgs};
use clearinghouse::workflows::notifications::{NewNotification, enqueue};
use clearinghouse_domain::webhook_signature::{self, Secret};
use serde_json::{Value, json};
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::both_backends;
use crate::harness::{TestApp, run_pending_jobs};

pub fn notification(org_id: &str, title: &str, tlp: &str) -> NewNotification {
    NewNotification {
        org_id: org_id.to_owned(),
        kind: NotificationKind::ExposureNew,
        exposure_id: Some("exp-1".into()),
        vuln_id: Some("CVE-2024-3094".into()),
        tlp: tlp.into(),
        visibility: String::new(),
        title: title.into(),
        body: "xz-utils 5.6.0 on build-host-7 is affected.".into(),
        data: json!({"exposure_id": "exp-1", "vuln_id": "CVE-2024-3094", "priority": "act"}),
    }
}

/// Creates a notification as the matching code will.
pub async fn notify(app: &AppState, n: NewNotification) {
    let mut tx = app.store.begin_write().await.unwrap();
    enqueue(app, &mut tx, n).await.unwrap();
    tx.commit().await.unwrap();
}

/// Makes queued (retrying) jobs due now instead of after their backoff.
async fn make_due(app: &AppState) {
    sqlx::query("UPDATE jobs SET run_at = '2000-01-01T00:00:00.000000Z' WHERE state = 'queued'")
        .execute(&app.store.pool)
        .await
        .unwrap();
}

pub async fn job_states(app: &AppState, kind: &str) -> Vec<(String, i64)> {
    sqlx::query("SELECT state, attempts FROM jobs WHERE kind = $1 ORDER BY id")
        .bind(kind)
        .fetch_all(&app.store.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("state"), r.get("attempts")))
        .collect()
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// A webhook receiver on a random port that answers 500 to the first
/// `failures` requests and 204 after.
pub async fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen = Arc::new(Mutex::new(Vec::<Received>::new()));
    let state = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let mut seen = state.lock().unwrap();
                seen.push(Received { headers, body });
                if seen.len() <= failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// An organisation with an org_admin; returns (org id, token).
pub async fn org_with_admin(app: &TestApp, name: &str) -> (String, String) {
    let org = app.org(name, "vendor").await;
    let (_, token) = app
        .user(
            &org,
            &format!("{}-admin", name.to_lowercase()),
            &["org_admin"],
        )
        .await;
    (org, token)
}

async fn webhook_is_signed_per_standard_webhooks(app: TestApp) {
    let (org, token) = org_with_admin(&app, "Acme").await;
    let (url, seen) = receiver(0).await;
    let (s, hook) = app
        .post(
            &token,
            "/api/v1/webhooks",
            &json!({"url": url, "description": "SOC"}),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let secret_text = hook["secret"].as_str().unwrap();
    assert!(secret_text.starts_with("whsec_"), "{hook}");
    let secret = Secret::parse(secret_text).unwrap();
    // The secret is shown only at creation.
    let (s, list) = app.get(&token, "/api/v1/webhooks").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none(), "{list}");

    notify(
        &app.app,
        notification(&org, "xz backdoor on build-host-7", "AMBER"),
    )
    .await;
    assert_eq!(app.run_pending_jobs().await, 1);

    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let id = header(r, "webhook-id");
    let ts: i64 = header(r, "webhook-timestamp").parse().unwrap();
    let now = clearinghouse::clock::now().unix_timestamp();
    assert_eq!(
        webhook_signature::verify(
            &secret,
            id,
            ts,
            &r.body,
            header(r, "webhook-signature"),
            now,
            webhook_signature::DEFAULT_TOLERANCE_SECS,
        ),
        Ok(())
    );
    assert!(id.starts_with("msg_"), "{id}");
    assert_eq!(header(r, "content-type"), "application/json");
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["type"], "exposure.new");
    assert_eq!(body["data"]["vuln_id"], "CVE-2024-3094");
    let stamp = body["timestamp"].as_str().unwrap();
    assert!(clearinghouse::clock::parse(stamp).is_some(), "{stamp}");
    // Another secret does not verify.
    let other = Secret::from_bytes(vec![9; 32]).unwrap();
    assert!(
        webhook_signature::verify(
            &other,
            id,
            ts,
            &r.body,
            header(r, "webhook-signature"),
            now,
            300
        )
        .is_err()
    );

    // After deletion, nothing more is sent.
    let hook_id = hook["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            reqwest::Method::DELETE,
            &token,
            &format!("/api/v1/webhooks/{hook_id}"),
            &Value::Null,
        )
        .await;
    assert_eq!(s, 204);
    notify(&app.app, notification(&org, "second", "GREEN")).await;
    app.run_pending_jobs().await;
    assert_eq!(seen.lock().unwrap().len(), 1);
}
both_backends!(
    webhook_is_signed_per_standard_webhooks,
    webhook_is_signed_per_standard_webhooks
);

async fn failed_webhook_is_retried_with_the_same_id(app: TestApp) {
    app.expect_failed_jobs();
    let (org, token) = org_with_admin(&app, "Retry").await;
    let (url, seen) = receiver(2).await;
    let (s, hook) = app
        .post(&token, "/api/v1/webhooks", &json!({"url": url}))
        .await;
    assert_eq!(s, 201, "{hook}");
    let secret = Secret::parse(hook["secret"].as_str().unwrap()).unwrap();
    notify(&app.app, notification(&org, "retry me", "GREEN")).await;

    assert_eq!(app.run_pending_jobs().await, 1);
    assert_eq!(
        job_states(&app.app, "webhook.deliver").await,
        [("queued".to_owned(), 1)],
        "a failed delivery waits for its backoff"
    );
    for _ in 0..2 {
        make_due(&app.app).await;
        assert_eq!(app.run_pending_jobs().await, 1);
    }
    assert_eq!(
        job_states(&app.app, "webhook.deliver").await,
        [("done".to_owned(), 3)]
    );
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    let ids: Vec<&str> = got.iter().map(|r| header(r, "webhook-id")).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    for r in &got {
        assert_eq!(r.body, got[0].body, "every attempt sends the same body");
        let ts: i64 = header(r, "webhook-timestamp").parse().unwrap();
        webhook_signature::verify(
            &secret,
            ids[0],
            ts,
            &r.body,
            header(r, "webhook-signature"),
            ts,
            0,
        )
        .unwrap();
    }
}
both_backends!(
    failed_webhook_is_retried_with_the_same_id,
    failed_webhook_is_retried_with_the_same_id
);

/// A fake SMTP server speaking just enough of RFC 5321; every message's
/// DATA lands in the returned list.
async fn fake_smtp() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(line.strip_prefix('.').unwrap_or(&line));
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 fake\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 end with .\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

/// A second application state on the test's database that sends email
/// through the fake server (as a `worker --smtp-url ...` process would).
async fn app_with_smtp(app: &TestApp, port: u16) -> AppState {
    let storage = app.storage();
    let settings = crate::harness::test_settings();
    let mailer = Mailer::from_args(&SmtpArgs {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        smtp_from: "Clearinghouse <ch@example.org>".into(),
    })
    .unwrap();
    assert!(mailer.is_some());
    app::open_with_mailer(&storage, settings, mailer)
        .await
        .unwrap()
}

async fn email_goes_out_one_by_one_or_as_a_digest(app: TestApp) {
    let (org, token) = org_with_admin(&app, "Mailco").await;
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &token,
            "/api/v1/notification-settings",
            &json!({"email": "not an address"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "email");
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &token,
            "/api/v1/notification-settings",
            &json!({"email": "soc@mailco.example", "daily_digest": false}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = app.get(&token, "/api/v1/notification-settings").await;
    assert_eq!(v["email"], "soc@mailco.example");

    // Without SMTP the job completes without sending.
    notify(&app.app, notification(&org, "unsent", "GREEN")).await;
    assert_eq!(app.run_pending_jobs().await, 1);
    assert_eq!(job_states(&app.app, "email.send").await[0].0, "done");

    let (port, messages) = fake_smtp().await;
    let mailing = app_with_smtp(&app, port).await;
    notify(
        &mailing,
        notification(&org, "xz backdoor reaches prod", "AMBER"),
    )
    .await;
    assert_eq!(run_pending_jobs(&mailing).await, 1);
    {
        let got = messages.lock().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("To: soc@mailco.example"), "{}", got[0]);
        assert!(
            got[0].contains("Subject: [TLP:AMBER] xz backdoor reaches prod"),
            "{}",
            got[0]
        );
        assert!(got[0].contains("CVE-2024-3094"), "{}", got[0]);
    }
    let (_, inbox) = app.get(&token, "/api/v1/notifications").await;
    assert!(inbox["items"][0]["emailed_at"].is_string(), "{inbox}");

    // With a daily digest, nothing goes out per notification; the digest
    // takes everything not yet emailed (including the one sent while SMTP
    // was off) and marks it.
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &token,
            "/api/v1/notification-settings",
            &json!({"email": "soc@mailco.example", "daily_digest": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    notify(&mailing, notification(&org, "digest one", "CLEAR")).await;
    notify(&mailing, notification(&org, "digest two", "GREEN")).await;
    assert_eq!(job_states(&mailing, "email.send").await.len(), 2);
    let now = clearinghouse::clock::now_text();
    clearinghouse::store::jobs::enqueue(
        &mailing.store.pool,
        "email.digest",
        "{}",
        None,
        &now,
        &now,
    )
    .await
    .unwrap();
    assert_eq!(run_pending_jobs(&mailing).await, 1);
    let got = messages.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let digest = &got[1];
    assert!(
        digest.contains("Subject: [TLP:GREEN] 3 new notifications"),
        "{digest}"
    );
    for title in ["unsent", "digest one", "digest two"] {
        assert!(digest.contains(title), "{title} in {digest}");
    }
    let (_, inbox) = app.get(&token, "/api/v1/notifications").await;
    for n in inbox["items"].as_array().unwrap() {
        assert!(n["emailed_at"].is_string(), "{n}");
    }
}
both_backends!(
    email_goes_out_one_by_one_or_as_a_digest,
    email_goes_out_one_by_one_or_as_a_digest
);

async fn inbox_is_the_organisations_own(app: TestApp) {
    let (org_a, admin_a) = org_with_admin(&app, "Alpha").await;
    let (_, member_a) = app.user(&org_a, "alpha-member", &["member"]).await;
    let (_, admin_b) = org_with_admin(&app, "Beta").await;
    notify(&app.app, notification(&org_a, "first", "GREEN")).await;
    notify(&app.app, notification(&org_a, "amber one", "AMBER")).await;

    let (s, inbox) = app.get(&member_a, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{inbox}");
    let items = inbox["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["amber one", "first"], "newest first");
    let id = items[0]["id"].as_str().unwrap().to_owned();

    let (s, page) = app.get(&member_a, "/api/v1/notifications?limit=1").await;
    assert_eq!(s, 200);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, page2) = app
        .get(
            &member_a,
            &format!("/api/v1/notifications?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(page2["items"][0]["title"], "first");
    assert!(page2["next_cursor"].is_null(), "{page2}");

    // Another organisation sees nothing and cannot mark it.
    let (s, other) = app.get(&admin_b, "/api/v1/notifications").await;
    assert_eq!(s, 200);
    assert_eq!(other["items"], json!([]));
    let read_path = format!("/api/v1/notifications/{id}/read");
    let (s, v) = app.post(&admin_b, &read_path, &Value::Null).await;
    assert_eq!(s, 404, "{v}");
    // Not even the platform administrator of another organisation.
    let (s, _) = app.post(&app.admin_token, &read_path, &Value::Null).await;
    assert_eq!(s, 404);
    let (s, v) = app
        .post(&admin_b, "/api/v1/notifications/nope/read", &Value::Null)
        .await;
    assert_eq!(s, 404, "{v}");

    let (s, v) = app.post(&member_a, &read_path, &Value::Null).await;
    assert_eq!(s, 200, "{v}");
    let read_at = v["read_at"].as_str().unwrap().to_owned();
    let (_, v) = app.post(&admin_a, &read_path, &Value::Null).await;
    assert_eq!(v["read_at"], read_at.as_str(), "the first read time stays");
    let (_, unread) = app
        .get(&member_a, "/api/v1/notifications?unread=true")
        .await;
    let titles: Vec<&str> = unread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["first"]);

    // Members read settings; only administrators change them or webhooks.
    let (s, _) = app.get(&member_a, "/api/v1/notification-settings").await;
    assert_eq!(s, 200);
    let (s, _) = app
        .send(
            reqwest::Method::PUT,
            &member_a,
            "/api/v1/notification-settings",
            &json!({"email": "x@alpha.example"}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post(
            &member_a,
            "/api/v1/webhooks",
            &json!({"url": "https://alpha.example/h"}),
        )
        .await;
    assert_eq!(s, 403);

    // Marking read is audited.
    let (s, entries) = app
        .get(&app.admin_token, "/api/v1/audit/entries?start=0&end=1000")
        .await;
    assert_eq!(s, 200, "{entries}");
    assert!(
        entries.to_string().contains("notification.read"),
        "{entries}"
    );
}
both_backends!(
    inbox_is_the_organisations_own,
    inbox_is_the_organisations_own
);

async fn bad_webhook_urls_are_refused(app: TestApp) {
    let (_, token) = org_with_admin(&app, "Gamma").await;
    for url in [
        "ftp://gamma.example/hook",
        "file:///etc/passwd",
        "not a url",
        "javascript:alert(1)",
        "https://user:pw@gamma.example/h",
    ] {
        let (s, v) = app
            .post(&token, "/api/v1/webhooks", &json!({"url": url}))
            .await;
        assert_eq!(s, 422, "{url}: {v}");
        assert_eq!(v["field"], "url", "{url}: {v}");
    }
    let (s, v) = app
        .post(
            &token,
            "/api/v1/webhooks",
            &json!({"url": "https://gamma.example/h", "colour": 1}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
}
both_backends!(bad_webhook_urls_are_refused, bad_webhook_urls_are_refused);

async fn inbox_page_marks_read_through_htmx(app: TestApp) {
    let (org, _) = org_with_admin(&app, "Delta").await;
    let (_, member) = app.user(&org, "delta-member", &["member"]).await;
    notify(&app.app, notification(&org, "seen in the browser", "AMBER")).await;
    let cookie = app.login_cookie("delta-member").await;
    let page = app
        .client
        .get(app.url("/inbox"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("seen in the browser"), "{html}");
    assert!(html.contains("class=\"unread\""), "{html}");
    assert!(
        !html.contains("id=\"new-webhook\""),
        "members do not manage webhooks"
    );
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (_, inbox) = app.get(&member, "/api/v1/notifications").await;
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();

    let stale = app
        .client
        .post(app.url(&format!("/inbox/{id}/read")))
        .header("cookie", &cookie)
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 403);
    let row = app
        .client
        .post(app.url(&format!("/inbox/{id}/read")))
        .header("cookie", &cookie)
        .header("hx-request", "true")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(row.status(), 200);
    let row = row.text().await.unwrap();
    assert!(row.starts_with("<tr id=\"n-"), "{row}");
    assert!(
        !row.contains("class=\"unread\"") && !row.contains("Mark read"),
        "{row}"
    );
}
both_backends!(
    inbox_page_marks_read_through_htmx,
    inbox_page_marks_read_through_htmx
);

/// Without `--allow-private-webhooks`, a webhook that resolves to loopback
/// is never called: the delivery fails with the reason and the receiver
/// sees nothing (no server-side request forgery by an organisation admin).
async fn private_webhook_destinations_are_refused(app: TestApp) {
    app.expect_failed_jobs();
    let (org, token) = org_with_admin(&app, "Ssrf").await;
    let (url, seen) = receiver(0).await;
    let (s, hook) = app
        .post(&token, "/api/v1/webhooks", &json!({"url": url}))
        .await;
    assert_eq!(s, 201, "{hook}");
    let storage = app.storage();
    let strict = app::open(
        &storage,
        HttpSettings {
            allow_private_webhooks: false,
            ..crate::harness::test_settings()
        },
    )
    .await
    .unwrap();
    notify(&strict, notification(&org, "internal?", "GREEN")).await;
    assert_eq!(run_pending_jobs(&strict).await, 1);
    assert!(
        seen.lock().unwrap().is_empty(),
        "the receiver was not called"
    );
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM jobs WHERE kind = 'webhook.deliver'")
            .fetch_one(&strict.store.pool)
            .await
            .unwrap();
    assert!(
        error
            .as_deref()
            .unwrap_or_default()
            .contains("loopback or private"),
        "{error:?}"
    );

    // A server that delivers only to public addresses refuses non-public
    // literals and `localhost` when they are registered, naming the field.
    let Some(public_only) =
        TestApp::spawn_configured(app.db, |s| s.allow_private_webhooks = false).await
    else {
        return;
    };
    let (_, token) = org_with_admin(&public_only, "Ssrf").await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://localhost:8080/",
        "http://10.0.0.7/hook",
    ] {
        let (s, v) = public_only
            .post(&token, "/api/v1/webhooks", &json!({"url": url}))
            .await;
        assert_eq!(s, 422, "{url}: {v}");
        assert_eq!(v["field"], "url", "{v}");
    }
    let (_, list) = public_only.get(&token, "/api/v1/webhooks").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
}

both_backends!(
    private_webhook_destinations_are_refused,
    private_webhook_destinations_are_refused
);

/// Webhook signing secrets are stored sealed under the key-encryption key:
/// the database never holds the `whsec_` text.
async fn webhook_secrets_are_sealed_at_rest(app: TestApp) {
    let (_, token) = org_with_admin(&app, "Sealed").await;
    let (s, hook) = app
        .post(
            &token,
            "/api/v1/webhooks",
            &json!({"url": "https://example.org/hook"}),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    let stored: String = sqlx::query_scalar("SELECT secret FROM webhooks")
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("sealed:"), "{stored}");
    assert!(!stored.contains("whsec_"));
    let sealed_secret = hook["secret"].as_str().unwrap();
    assert!(!stored.contains(&sealed_secret[6..]));
}

both_backends!(
    webhook_secrets_are_sealed_at_rest,
    webhook_secrets_are_sealed_at_rest
);
