//! A busy case's messages and timeline (tester finding F4), on both
//! backends: a read shows the newest page (oldest first within it), a
//! `Link` header carries the cursor of the older page until the first
//! message, an unknown cursor is 422 naming `before`; the case page shows
//! the newest messages with a link to the older ones.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{open_case, parties};
use crate::directives_records::page;
use crate::harness::TestApp;

/// GET with a token: the status, the JSON and the `Link` header's path.
async fn get_page(app: &TestApp, token: &str, path: &str) -> (u16, Value, Option<String>) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let next = resp
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix('<'))
        .and_then(|v| v.split_once('>'))
        .map(|(p, _)| p.to_owned());
    (status, resp.json().await.unwrap_or(Value::Null), next)
}

fn bodies(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn newest_messages_first(app: TestApp) {
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Busy case", &[crate::exposure::CVE]).await;
    for n in 1..=5 {
        let (s, v) = app
            .post(
                &p.coord,
                &format!("/api/v1/cases/{id}/messages"),
                &json!({"body": format!("msg {n}")}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, v, next) = get_page(
        &app,
        &p.coord,
        &format!("/api/v1/cases/{id}/messages?limit=2"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(bodies(&v), ["msg 4", "msg 5"], "the newest, oldest first");
    let (s, v, next) = get_page(&app, &p.coord, &next.expect("an older page")).await;
    assert_eq!(
        (s, bodies(&v)),
        (200, vec!["msg 2".to_owned(), "msg 3".to_owned()])
    );
    let (s, v, next) = get_page(&app, &p.coord, &next.expect("an older page")).await;
    assert_eq!((s, bodies(&v)), (200, vec!["msg 1".to_owned()]));
    assert!(next.is_none(), "the first message ends it");
    let (s, v, _) = get_page(&app, &p.coord, &format!("/api/v1/cases/{id}/messages")).await;
    assert_eq!(bodies(&v).len(), 5, "{s}: {v}");
    for bad in ["?before=nope", "?limit=0", "?limit=1001"] {
        let (s, v, _) =
            get_page(&app, &p.coord, &format!("/api/v1/cases/{id}/messages{bad}")).await;
        assert_eq!(s, 422, "{bad}: {v}");
    }
    // The timeline pages the same way.
    let (s, v, next) = get_page(
        &app,
        &p.coord,
        &format!("/api/v1/cases/{id}/events?limit=3"),
    )
    .await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(3)), "{v}");
    assert_eq!(v[2]["kind"], "message");
    assert!(next.is_some());
    // The page: the newest messages, a link to the older ones.
    let cookie = app.login_cookie("cc-coord").await;
    let (s, html) = page(&app, &cookie, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("msg 5") && !html.contains("id=\"older-messages\""),
        "{html}"
    );
}
both_backends!(newest_messages_first, newest_messages_first);
