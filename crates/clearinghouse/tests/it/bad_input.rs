//! Bad input: each kind of malformed request gets its problem document, and nothing is stored.

// Helpers outside #[test] functions panic on purpose too.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Db, TestApp};

const DOCS: &str = "/api/v1/documents";

/// What is stored: the audit log size and the documents the admin sees.
#[derive(Debug, PartialEq)]
struct Stored {
    audit_entries: u64,
    documents: Vec<String>,
}

async fn stored(app: &TestApp) -> Stored {
    let (s, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    assert_eq!(s, 200, "{cp}");
    let (s, docs) = app
        .get(&app.admin_token, "/api/v1/documents?limit=500")
        .await;
    assert_eq!(s, 200, "{docs}");
    let documents = docs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    Stored {
        audit_entries: cp["tree_size"].as_u64().unwrap(),
        documents,
    }
}

/// A fresh app with one document already shared, and what it stores.
async fn seeded(app: &TestApp) -> Stored {
    let (s, v) = app
        .post(
            &app.admin_token,
            DOCS,
            &json!({"title": "seed", "tlp": "CLEAR"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let before = stored(app).await;
    assert_eq!(before.documents.len(), 1);
    before
}

/// Sends raw bytes; returns the status, the Content-Type and the body as JSON.
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, Value) {
    let mut req = app.client.request(method, app.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.json().await.unwrap_or(Value::Null))
}

/// A JSON body POSTed to /documents as the admin.
async fn post_doc(app: &TestApp, body: &str) -> (u16, String, Value) {
    raw(
        app,
        reqwest::Method::POST,
        DOCS,
        Some(&app.admin_token),
        Some("application/json"),
        body.as_bytes().to_vec(),
    )
    .await
}

/// Checks an RFC 9457 problem document with `status` and type slug `slug`.
fn assert_problem(got: &(u16, String, Value), status: u16, slug: &str) {
    let (s, ct, v) = got;
    assert_eq!(*s, status, "{v}");
    assert_eq!(ct, "application/problem+json", "{v}");
    assert_eq!(
        v["type"],
        format!("urn:clearinghouse:problem:{slug}"),
        "{v}"
    );
    assert_eq!(v["status"], status, "{v}");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["detail"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
}

/// Checks a 422 naming `field`.
fn assert_invalid(got: &(u16, String, Value), field: &str) {
    assert_problem(got, 422, "invalid-field");
    assert_eq!(got.2["field"], field, "{}", got.2);
}

async fn malformed_json(app: TestApp) {
    let before = seeded(&app).await;
    for body in [
        r#"{"title": "x", "tlp": "CLEAR""#,
        r#"{"title": "x", "tlp": "CLEAR",}"#,
        "title=x&tlp=CLEAR",
        "",
    ] {
        let got = post_doc(&app, body).await;
        assert_problem(&got, 400, "malformed-json");
        assert!(got.2.get("field").is_none(), "{}", got.2);
    }
    assert_eq!(stored(&app).await, before);
}
both_backends!(malformed_json, malformed_json);

async fn body_over_the_limit(app: TestApp) {
    let before = seeded(&app).await;
    // Valid, and under the document's own 100000-byte body limit, but over
    // the server's 64 KiB request limit.
    let body = json!({"title": "big", "tlp": "CLEAR", "body": "x".repeat(90 * 1024)}).to_string();
    let got = post_doc(&app, &body).await;
    assert_problem(&got, 413, "too-large");
    assert_eq!(stored(&app).await, before);
    // The same document, smaller, is accepted: the limit is what refused it.
    let small = json!({"title": "big", "tlp": "CLEAR", "body": "x".repeat(60 * 1024)}).to_string();
    assert_eq!(post_doc(&app, &small).await.0, 201);
}
both_backends!(body_over_the_limit, body_over_the_limit);

async fn unknown_missing_and_mistyped_fields(app: TestApp) {
    let before = seeded(&app).await;
    let cases = [
        (
            r#"{"title": "x", "tlp": "CLEAR", "colour": "red"}"#,
            "colour",
        ),
        (r#"{"title": "x"}"#, "tlp"),
        (r#"{"title": 5, "tlp": "CLEAR"}"#, "title"),
        (
            r#"{"title": "x", "tlp": "CLEAR", "shared_with_orgs": "all"}"#,
            "shared_with_orgs",
        ),
        (
            r#"{"title": "x", "tlp": "CLEAR", "attachment": {"name": "a.txt", "content_base64": 7}}"#,
            "attachment.content_base64",
        ),
        (r#"[{"title": "x", "tlp": "CLEAR"}]"#, ""),
    ];
    for (body, field) in cases {
        let got = post_doc(&app, body).await;
        if field.is_empty() {
            assert_problem(&got, 422, "invalid-field");
        } else {
            assert_invalid(&got, field);
        }
    }
    assert_eq!(stored(&app).await, before);
    // The same rules hold on other write endpoints.
    let got = raw(
        &app,
        reqwest::Method::POST,
        "/api/v1/orgs",
        Some(&app.admin_token),
        Some("application/json"),
        br#"{"name": "Acme", "kind": "vendor", "vetted": "yes"}"#.to_vec(),
    )
    .await;
    assert_invalid(&got, "vetted");
    let (_, orgs) = app.get(&app.admin_token, "/api/v1/orgs").await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 1, "{orgs}");
    assert_eq!(stored(&app).await, before);
}
both_backends!(
    unknown_missing_and_mistyped_fields,
    unknown_missing_and_mistyped_fields
);

async fn missing_content_type(app: TestApp) {
    let before = seeded(&app).await;
    let body = br#"{"title": "x", "tlp": "CLEAR"}"#.to_vec();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let got = raw(
            &app,
            reqwest::Method::POST,
            DOCS,
            Some(&app.admin_token),
            ct,
            body.clone(),
        )
        .await;
        assert_problem(&got, 415, "unsupported-media-type");
    }
    assert_eq!(stored(&app).await, before);
}
both_backends!(missing_content_type, missing_content_type);

async fn bad_visibility_and_tlp(app: TestApp) {
    let before = seeded(&app).await;
    for (expr, position) in [("A&B|C", 3), ("(A", 0), ("A&", 2), ("!A", 0), ("\"\"", 0)] {
        let body = json!({"title": "x", "tlp": "CLEAR", "visibility": expr}).to_string();
        let got = post_doc(&app, &body).await;
        assert_invalid(&got, "visibility");
        let detail = got.2["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("at position {position}")),
            "{expr}: {detail}"
        );
    }
    for tlp in ["PURPLE", "", "TLP:", "AMBER+"] {
        let got = post_doc(&app, &json!({"title": "x", "tlp": tlp}).to_string()).await;
        assert_invalid(&got, "tlp");
    }
    assert_eq!(stored(&app).await, before);
}
both_backends!(bad_visibility_and_tlp, bad_visibility_and_tlp);

async fn bad_query_parameters(app: TestApp) {
    let before = seeded(&app).await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("colour=red", "colour"),
        ("limit=1.5", "limit"),
    ] {
        let got = raw(
            &app,
            reqwest::Method::GET,
            &format!("{DOCS}?{query}"),
            Some(&app.admin_token),
            None,
            vec![],
        )
        .await;
        assert_problem(&got, 400, "bad-query");
        assert_eq!(
            got.2["field"], field,
            "the problem names the parameter: {}",
            got.2
        );
    }
    let got = raw(
        &app,
        reqwest::Method::GET,
        "/api/v1/audit/entries?start=0",
        Some(&app.admin_token),
        None,
        vec![],
    )
    .await;
    assert_problem(&got, 400, "bad-query");
    assert_eq!(got.2["field"], "end", "{}", got.2);
    assert_eq!(stored(&app).await, before);
}
both_backends!(bad_query_parameters, bad_query_parameters);

async fn unauthenticated(app: TestApp) {
    let before = seeded(&app).await;
    let body = br#"{"title": "x", "tlp": "CLEAR"}"#.to_vec();
    let bad_tokens = [
        None,
        Some("chx_not_a_real_token_0123456789abcdef"),
        Some("not-even-a-token"),
    ];
    for token in bad_tokens {
        let got = raw(
            &app,
            reqwest::Method::POST,
            DOCS,
            token,
            Some("application/json"),
            body.clone(),
        )
        .await;
        assert_problem(&got, 401, "unauthenticated");
        let got = raw(&app, reqwest::Method::GET, DOCS, token, None, vec![]).await;
        assert_problem(&got, 401, "unauthenticated");
    }
    // Basic credentials are not bearer tokens.
    let resp = app
        .client
        .get(app.url(DOCS))
        .basic_auth("admin", Some(crate::harness::ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(stored(&app).await, before);
}
both_backends!(unauthenticated, unauthenticated);

async fn unknown_api_path(app: TestApp) {
    let before = seeded(&app).await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/nope"),
        (reqwest::Method::POST, "/api/v1/documents/x/y/z"),
        (reqwest::Method::GET, "/api/v1"),
        (reqwest::Method::GET, "/api/v1/documents/"),
    ] {
        let got = raw(
            &app,
            method,
            path,
            Some(&app.admin_token),
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
        assert_problem(&got, 404, "not-found");
    }
    let got = raw(
        &app,
        reqwest::Method::GET,
        "/api/v1/nope",
        None,
        None,
        vec![],
    )
    .await;
    assert_problem(&got, 404, "not-found");
    let got = raw(
        &app,
        reqwest::Method::GET,
        "/api/v1/documents/no-such-document",
        Some(&app.admin_token),
        None,
        vec![],
    )
    .await;
    assert_problem(&got, 404, "not-found");
    assert_eq!(stored(&app).await, before);
}
both_backends!(unknown_api_path, unknown_api_path);

/// Files under the artifact store's folder.
fn artifact_files(app: &TestApp) -> usize {
    crate::harness::real_data::all_files(&app.data_dir.join("artifacts")).len()
}

async fn attachment_with_invalid_base64(app: TestApp) {
    let before = seeded(&app).await;
    for content in ["not base64!", "aGVsbG8", "aGVs bG8=", "aGVsbG8=="] {
        let body = json!({"title": "x", "tlp": "CLEAR", "attachment": {"name": "a.txt", "content_base64": content}}).to_string();
        let got = post_doc(&app, &body).await;
        assert_invalid(&got, "attachment.content_base64");
        assert!(
            got.2["detail"].as_str().unwrap().contains("base64"),
            "{}",
            got.2
        );
    }
    assert_eq!(stored(&app).await, before);
    assert_eq!(artifact_files(&app), 0);
    // Valid base64 is stored, so the check above can tell the difference.
    let body = json!({"title": "x", "tlp": "CLEAR", "attachment": {"name": "a.txt", "content_base64": "aGVsbG8="}}).to_string();
    let (s, _, v) = post_doc(&app, &body).await;
    assert_eq!((s, v["attachment"]["size"].as_i64()), (201, Some(5)), "{v}");
    assert_eq!(artifact_files(&app), 1);
}
both_backends!(
    attachment_with_invalid_base64,
    attachment_with_invalid_base64
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn api_root_with_a_trailing_slash_is_a_problem_document() {
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let before = seeded(&app).await;
    let got = raw(
        &app,
        reqwest::Method::GET,
        "/api/v1/",
        Some(&app.admin_token),
        None,
        vec![],
    )
    .await;
    assert_problem(&got, 404, "not-found");
    assert_eq!(stored(&app).await, before);
}
