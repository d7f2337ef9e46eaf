//! Signing in returns to the page that was asked for (a bookmark, a link
//! in a notification e-mail), and never to another site: the sign-in
//! page is not an open redirect.

use crate::both_backends;
use crate::harness::{ADMIN_PASSWORD, TestApp};

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn sign_in(app: &TestApp, next: &str) -> (u16, String) {
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("sign in");
    (resp.status().as_u16(), location(&resp))
}

async fn signing_in_returns_to_the_page_asked_for(app: TestApp) {
    let asked = "/findings?state=received";
    let resp = app.client.get(app.url(asked)).send().await.expect("a page");
    assert_eq!(resp.status().as_u16(), 303);
    let login = location(&resp);
    assert_eq!(login, "/login?next=%2Ffindings%3Fstate%3Dreceived");

    // The form carries the page through the sign-in.
    let form = app.client.get(app.url(&login)).send().await.expect("form");
    let body = form.text().await.expect("html");
    assert!(
        body.contains(&format!("name=\"next\" value=\"{asked}\"")),
        "{body}"
    );
    assert_eq!(sign_in(&app, asked).await, (303, asked.to_owned()));

    // The home page is the default; another site, or the sign-in and
    // sign-out pages, never a destination.
    for next in [
        "",
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/a\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
        "/login?next=/admin",
        "/logout",
    ] {
        assert_eq!(sign_in(&app, next).await, (303, "/".to_owned()), "{next:?}");
    }
    // A form posted without a session is not returned to (only pages are).
    let resp = app
        .client
        .post(app.url("/logout"))
        .send()
        .await
        .expect("post");
    assert_eq!(
        (resp.status().as_u16(), location(&resp)),
        (303, "/login".to_owned())
    );
}
both_backends!(
    signing_in_returns_to_the_page_asked_for,
    signing_in_returns_to_the_page_asked_for
);
