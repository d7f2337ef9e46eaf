//! Snapshots of what clients see, so every change to it is reviewed: the
//! OpenAPI document and the problem documents of each kind of refusal.
//! The `.snap` files in `snapshots/` are committed; a change shows as a
//! failing test and a `.snap.new` to review (`cargo insta review`). CI runs
//! with `INSTA_UPDATE=no`, so a missing or changed snapshot fails there
//! instead of being written.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;

#[test]
fn openapi_document() {
    let doc = serde_json::to_value(clearinghouse::http::router::openapi()).unwrap();
    insta::assert_json_snapshot!("openapi", doc);
}

/// Every parameter declared `in: path` names a `{placeholder}` of its path,
/// and every placeholder is declared as a path parameter: query parameters
/// (cursors, file names, filters) must be `in: query`, or generated clients
/// and "try it out" cannot send them.
#[test]
fn openapi_path_parameters_match_the_templates() {
    let doc = serde_json::to_value(clearinghouse::http::router::openapi()).unwrap();
    let mut wrong = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let vars: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(v, _)| v))
            .collect();
        for (method, op) in ops.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            for name in &declared {
                if !vars.contains(name) {
                    wrong.push(format!("{method} {path}: `{name}` is in: path"));
                }
            }
            for var in &vars {
                if !declared.contains(var) {
                    wrong.push(format!("{method} {path}: `{{{var}}}` is not declared"));
                }
            }
            for p in params.iter().filter(|p| p["in"] == "query") {
                if vars.contains(&p["name"].as_str().unwrap()) {
                    wrong.push(format!("{method} {path}: `{}` is in: query", p["name"]));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Sends `body` with `method` to `path`; returns the status, the
/// Content-Type and the problem document, as one JSON value.
async fn problem(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Value {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let doc: Value = resp.json().await.unwrap_or(Value::Null);
    json!({"status": status, "content_type": content_type, "body": doc})
}

/// One refusal of each kind a client meets, through the real server; the
/// same snapshots on both backends.
async fn problem_documents(app: TestApp) {
    let admin = app.admin_token.clone();
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;
    let unauthenticated = problem(&app, get.clone(), "/api/v1/orgs", None, "").await;
    insta::assert_json_snapshot!("problem_unauthenticated", unauthenticated);
    let bad_token = problem(&app, get.clone(), "/api/v1/orgs", Some("chx_nope"), "").await;
    insta::assert_json_snapshot!("problem_bad_token", bad_token);
    let not_found = problem(&app, get.clone(), "/api/v1/no/such/path", Some(&admin), "").await;
    insta::assert_json_snapshot!("problem_not_found", not_found);
    let malformed = problem(&app, post.clone(), "/api/v1/orgs", Some(&admin), "{").await;
    insta::assert_json_snapshot!("problem_malformed_json", malformed);
    let unknown_field = r#"{"name": "Acme", "kind": "vendor", "colour": "red"}"#;
    let unknown = problem(
        &app,
        post.clone(),
        "/api/v1/orgs",
        Some(&admin),
        unknown_field,
    )
    .await;
    insta::assert_json_snapshot!("problem_unknown_field", unknown);
    let bad_kind = r#"{"name": "Acme", "kind": "pirate"}"#;
    let invalid = problem(&app, post.clone(), "/api/v1/orgs", Some(&admin), bad_kind).await;
    insta::assert_json_snapshot!("problem_invalid_field", invalid);
    let org = r#"{"name": "Acme", "kind": "vendor"}"#;
    let created = problem(&app, post.clone(), "/api/v1/orgs", Some(&admin), org).await;
    assert_eq!(created["status"], 201, "{created}");
    let conflict = problem(&app, post.clone(), "/api/v1/orgs", Some(&admin), org).await;
    insta::assert_json_snapshot!("problem_conflict", conflict);
    let big = json!({"title": "big", "tlp": "CLEAR", "body": "x".repeat(90 * 1024)}).to_string();
    let too_large = problem(&app, post, "/api/v1/documents", Some(&admin), &big).await;
    insta::assert_json_snapshot!("problem_too_large", too_large);
}
both_backends!(problem_documents, problem_documents);
