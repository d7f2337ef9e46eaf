//! A new user's first pages over plain HTTP (N3, N4, N5, N6, N10): a
//! coordinator is not offered the platform admins' Authorizations page;
//! the home page names the organisation's kind and the roles in words;
//! reloading a form's address gives a page, not an empty 405; Swagger UI
//! may use inline styles (its script sets them) while every other page
//! keeps the strict policy and scripts stay the server's own files.

use crate::advisories_pages::page;
use crate::harness::TestApp;

async fn first_pages(app: TestApp) {
    let hospital = app
        .org("Saint Mary Hospital", "critical_infrastructure_operator")
        .await;
    app.user(&hospital, "st-mary-it", &["org_admin"]).await;
    let agency = app.org("Coordination Agency", "government_agency").await;
    app.user(&agency, "agency-coord", &["coordinator"]).await;

    let coord = app.login_cookie("agency-coord").await;
    let (s, home) = page(&app, &coord, "/").await;
    assert_eq!(s, 200, "{home}");
    assert!(!home.contains("href=\"/authorizations\""), "{home}");
    assert!(home.contains("government agency"), "{home}");
    let admin = app.login_cookie("admin").await;
    let (_, home) = page(&app, &admin, "/").await;
    assert!(home.contains("href=\"/authorizations\""), "{home}");

    let ops = app.login_cookie("st-mary-it").await;
    let (_, home) = page(&app, &ops, "/").await;
    assert!(home.contains("critical infrastructure operator"), "{home}");
    assert!(home.contains("organisation administrator"), "{home}");
    assert!(!home.contains("critical_infrastructure_operator"), "{home}");
    assert!(!home.contains(">org_admin<"), "{home}");

    // A form's address opened by itself: a page with a way back.
    for path in [
        "/exposures/x/state",
        "/cases/x/messages",
        "/cases/x/statements",
    ] {
        let (s, html) = page(&app, &ops, path).await;
        assert_eq!(s, 405, "{path}: {html}");
        assert!(html.contains("receives a form"), "{path}: {html}");
        assert!(html.contains("data-back"), "{path}: {html}");
    }

    // The content security policy: inline styles only for Swagger UI.
    let csp = |resp: &reqwest::Response| {
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let policy = csp(&docs);
    assert!(
        policy.contains("style-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    let policy = csp(&login);
    assert!(policy.contains("style-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
}
crate::both_backends!(first_pages_a_new_user_sees, first_pages);
