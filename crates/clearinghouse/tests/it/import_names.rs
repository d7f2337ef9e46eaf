//! The name given with an advisory import is shown on import pages: it
//! follows the one text rule for file names (no control or bidi characters,
//! no path), refused with 422 on `name` before anything is stored; and a
//! refused title names its field once in the problem's detail.

use serde_json::json;

use crate::both_backends;
use crate::exposure::osv_paramiko;
use crate::frontier_inquiries::count;
use crate::harness::TestApp;

async fn import_names_follow_the_file_name_rule(app: TestApp) {
    let admin = app.admin_token.clone();
    let file = serde_json::to_vec(&osv_paramiko()).unwrap();
    // Percent-encoded: U+202E, a line feed, a path, a backslash.
    for name in [
        "invoice%E2%80%AEnosj.json",
        "two%0Alines.json",
        "..%2F..%2Fetc%2Fpasswd",
        "a%5Cb.json",
    ] {
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/advisories/import?name={name}")))
            .bearer_auth(&admin)
            .body(file.clone())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            (status, v["field"].as_str()),
            (422, Some("name")),
            "{name:?}: {v}"
        );
    }
    assert_eq!(count(&app, "advisory_imports").await, 0);
    let resp = app
        .client
        .post(app.url("/api/v1/advisories/import?name=ghsa.json"))
        .bearer_auth(&admin)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);

    // A refused title: "title: must be ...", the field said once.
    let body = json!({"title": "t".repeat(300), "body": "x", "tlp": "AMBER"});
    let (s, v) = app.post(&admin, "/api/v1/documents", &body).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("title")), "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.starts_with("title: must"), "{detail}");
}
both_backends!(
    import_names_follow_the_file_name_rule,
    import_names_follow_the_file_name_rule
);
