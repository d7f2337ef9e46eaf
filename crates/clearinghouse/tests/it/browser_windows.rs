//! Headless-browser test of the access-window pages (issue 13 item 9): the
//! developer opens a window through the form (empty terms refused beside
//! the field, everything typed kept), gives a government analyst access by
//! username; the analyst finds it under "Access windows", reads the terms
//! and their fingerprint, accepts them, gets a credential shown once and
//! uses it through the broker, and sees its own use; the developer sees
//! use by person and day and revokes the grant with a reason; a call after
//! that raises an alert, which the security officer reads in plain words
//! and acknowledges with a reason.
//!
//! Same set-up as `browser.rs` (Chromium through chromedriver, SQLite).

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{browse, click, fill, open, select, sign_in, sign_out, text};
use crate::frontier_inquiries::{Observer, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

async fn source(c: &Client) -> String {
    c.source().await.expect("page source")
}

async fn call(app: &TestApp, token: &str) -> u16 {
    let r = app
        .client
        .post(app.url("/broker/v1/chat/completions"))
        .bearer_auth(token)
        .json(&json!({"model": "atlas-1", "messages": [{"role": "user", "content": "hello"}]}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let _ = r.bytes().await;
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_window_pages_by_role() {
    browse(async |app, c| {
        let w = world(app).await;
        lifecycle(app, &w, &mut Quiet).await;
        let endpoint = model_endpoint::start().await;
        let partner = (time::OffsetDateTime::now_utc() + time::Duration::days(40))
            .date()
            .to_string();
        let (s, v) = app
            .send(
                reqwest::Method::PUT,
                &w.dev,
                &format!("/api/v1/models/{}/release-dates", w.model),
                &json!({"planned_partner_release": partner}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (_, _) = app.user(&w.a.org, "win-ann", &["member"]).await;
        let (_, _) = app
            .user(&w.a.org, "win-officer", &["security_officer"])
            .await;

        // The developer opens a window; empty terms are refused beside
        // their field with the rest kept.
        sign_in(c, app, &w.dev_username).await;
        click(c, Locator::Id("nav-windows")).await;
        text(c, "#windows-empty").await;
        select(c, "window-model", &w.model).await;
        fill(c, "window-url", &endpoint.base_url).await;
        fill(c, "window-secret", model_endpoint::SECRET).await;
        click(c, Locator::Id("open-window-submit")).await;
        let err = text(c, "#window-terms-error").await;
        assert!(!err.is_empty());
        assert_eq!(value(c, "window-url").await, endpoint.base_url);
        fill(
            c,
            "window-terms",
            "Confidential. Defensive evaluation only.",
        )
        .await;
        fill(c, "window-secret", model_endpoint::SECRET).await;
        click(c, Locator::Id("open-window-submit")).await;
        let digest = text(c, "#terms-digest").await;
        assert_eq!(digest.len(), 64);
        assert!(text(c, "#transcripts-note").await.contains("never kept"));
        // Access for the analyst, by username.
        fill(c, "grant-username", "nobody-here").await;
        fill(c, "grant-requests", "10").await;
        fill(c, "grant-tokens", "10000").await;
        click(c, Locator::Id("grant-submit")).await;
        assert!(!text(c, "#grant-username-error").await.is_empty());
        fill(c, "grant-username", "win-ann").await;
        click(c, Locator::Id("grant-submit")).await;
        let row = text(c, ".grant-row").await;
        assert!(
            row.contains("win-ann") && row.contains("not yet accepted"),
            "{row}"
        );
        let window_path = c.current_url().await.unwrap().path().to_owned();
        sign_out(c, app).await;

        // The analyst accepts the terms and gets a credential, once.
        sign_in(c, app, "win-ann").await;
        click(c, Locator::Id("nav-windows")).await;
        click(c, Locator::Css(".open-grant")).await;
        assert!(
            text(c, "#terms-text")
                .await
                .contains("Defensive evaluation only")
        );
        assert_eq!(text(c, "#terms-digest").await, digest);
        click(c, Locator::Id("accept-terms")).await;
        text(c, "#terms-accepted").await;
        click(c, Locator::Id("get-credential")).await;
        let token = text(c, "#credential-token").await;
        assert!(!token.is_empty());
        assert_eq!(call(app, &token).await, 200);
        open(c, app, &window_path).await;
        assert!(
            !source(c).await.contains(&token),
            "the credential is shown once"
        );
        let mut seen = false;
        for _ in 0..50 {
            open(c, app, &window_path).await;
            if source(c).await.contains("use-row") {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(seen, "the analyst sees its use");
        sign_out(c, app).await;

        // The developer sees use by person and day and revokes with a reason.
        sign_in(c, app, &w.dev_username).await;
        open(c, app, &window_path).await;
        assert!(text(c, ".use-row").await.contains("win-ann"));
        fill_css(c, ".revoke-reason", "Left the project").await;
        click(c, Locator::Css(".revoke")).await;
        // The page before the post's answer has a `.grant-state` too.
        let started = std::time::Instant::now();
        loop {
            let state = text(c, ".grant-state").await;
            if state.contains("Left the project") {
                break;
            }
            assert!(started.elapsed() < crate::browser::WAIT, "{state}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        sign_out(c, app).await;

        // A call after revocation raises an alert for the security officer.
        assert_eq!(call(app, &token).await, 403);
        let wid = window_path.rsplit('/').next().unwrap().to_owned();
        clearinghouse::workflows::frontier::window_alerts::raise(&app.app, &wid)
            .await
            .unwrap();
        sign_in(c, app, "win-officer").await;
        click(c, Locator::Id("nav-windows")).await;
        click(c, Locator::Css("a[href='/frontier/alerts']")).await;
        let alert = text(c, ".alert-item").await;
        assert!(
            alert.contains("after the grant was revoked") && alert.contains("win-ann"),
            "{alert}"
        );
        fill_css(c, ".ack-reason", "Known: access ended the same hour").await;
        click(c, Locator::Css(".ack")).await;
        text(c, "#alerts-empty").await;
        click(c, Locator::Id("alerts-all")).await;
        assert!(
            text(c, ".alert-acknowledged")
                .await
                .contains("Known: access ended the same hour")
        );
    })
    .await;
}

async fn fill_css(c: &Client, css: &str, value: &str) {
    let e = c
        .wait()
        .for_element(Locator::Css(css))
        .await
        .expect("field");
    e.clear().await.expect("clear");
    e.send_keys(value).await.expect("type");
}
