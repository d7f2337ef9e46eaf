//! The server starts, answers health checks and serves its OpenAPI document.

use crate::both_backends;
use crate::harness::TestApp;

async fn health_and_openapi(app: TestApp) {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["paths"]["/documents"]["post"].is_object());
    let (s, me) = app.get(&app.admin_token, "/api/v1/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["user"]["username"], "admin");
}

both_backends!(health_and_openapi, health_and_openapi);
