//! Archiving instead of deleting, over HTTP on both backends: an asset
//! (exposures resolved and hidden, SBOM uploads refused, matching restored
//! on unarchive), a token (revoked is 401), an organisation (refused with
//! active users, then their tokens are 401), each audited; and the real
//! binary's `asset archive`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::{ADMIN_PASSWORD, TestApp};
use crate::submit_cli::cli;

/// The actions of every audit entry about `object_id`, in order.
pub async fn audit_actions(app: &TestApp, object_id: &str) -> Vec<String> {
    let (_, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    let n = cp["tree_size"].as_u64().unwrap();
    let path = format!("/api/v1/audit/entries?start=0&end={n}");
    let (s, v) = app.get(&app.admin_token, &path).await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["entry"].as_str().unwrap()).unwrap())
        .filter(|e| e["object"]["id"] == object_id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    let items = page["items"].as_array().unwrap_or_else(|| panic!("{page}"));
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn exposures(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = app.get(token, &format!("/api/v1/exposures{query}")).await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn asset_archive_resolves_exposures_and_refuses_uploads(app: TestApp) {
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let (_, stranger) = operator(&app, "Other Utility").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let sbom = cyclonedx(&[("paramiko", "2.4.0")]);
    let (s, v) = upload(&app, &ops, &ehr, sbom.clone()).await;
    assert_eq!(s, 200, "{v}");
    let advisory = serde_json::to_vec(&osv_paramiko()).unwrap();
    let (s, v) = import(&app, &app.admin_token, "ghsa.json", advisory).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(exposures(&app, &ops, "").await.len(), 1);

    let archive = format!("/api/v1/assets/{ehr}/archive");
    let reason = json!({"reason": "decommissioned"});
    // Another organisation's member: not found, like a missing asset.
    let (s, v) = app.post(&stranger, &archive, &reason).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.post(&ops, &archive, &json!({"reason": "  "})).await;
    assert_eq!((s, v["field"].clone()), (422, json!("reason")), "{v}");
    let long = "x".repeat(2001);
    let (s, v) = app.post(&ops, &archive, &json!({ "reason": long })).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = app.post(&ops, &archive, &reason).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["archive_reason"], "decommissioned");
    assert!(v["archived_at"].is_string(), "{v}");
    let (s, v) = app.post(&ops, &archive, &reason).await;
    assert_eq!(s, 409, "{v}");

    // Resolved and no longer listed; kept as history.
    assert!(exposures(&app, &ops, "").await.is_empty());
    let all = exposures(&app, &ops, "?state=all").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["state_reason"], "asset archived");
    let (_, v) = app.get(&ops, "/api/v1/assets").await;
    assert!(!ids(&v).contains(&ehr), "{v}");
    let (_, v) = app.get(&ops, "/api/v1/assets?archived=true").await;
    assert!(ids(&v).contains(&ehr), "{v}");
    let (s, v) = app.get(&ops, &format!("/api/v1/assets/{ehr}")).await;
    assert_eq!(s, 200, "{v}");

    // No SBOM until unarchived; the refusal names the asset.
    let (s, v) = upload(&app, &ops, &ehr, sbom.clone()).await;
    assert_eq!(s, 409, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("'ehr'"), "{v}");
    // A changed advisory does not find the archived asset's components.
    let mut changed = osv_paramiko();
    changed["modified"] = json!("2025-01-01T00:00:00Z");
    let (s, v) = import(
        &app,
        &app.admin_token,
        "ghsa2.json",
        serde_json::to_vec(&changed).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(exposures(&app, &ops, "").await.is_empty());

    let unarchive = format!("/api/v1/assets/{ehr}/unarchive");
    let (s, v) = app.post(&stranger, &unarchive, &reason).await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app
        .post(&ops, &unarchive, &json!({"reason": "back in service"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("archived_at").is_none(), "{v}");
    let (s, v) = upload(&app, &ops, &ehr, sbom).await;
    assert_eq!(s, 200, "{v}");
    let open = exposures(&app, &ops, "").await;
    assert_eq!(open.len(), 1, "matching is back");
    let (_, v) = app.get(&ops, "/api/v1/assets").await;
    assert!(ids(&v).contains(&ehr), "{v}");

    let actions = audit_actions(&app, &ehr).await;
    let archive_at = actions.iter().position(|a| a == "asset.archive");
    let unarchive_at = actions.iter().position(|a| a == "asset.unarchive");
    assert!(
        archive_at.is_some() && archive_at < unarchive_at,
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| *a == "asset.archive").count(), 1);
}
both_backends!(
    asset_archive_resolves_exposures_and_refuses_uploads,
    asset_archive_resolves_exposures_and_refuses_uploads
);

async fn token_revoke_is_401_on_use(app: TestApp) {
    let (_, ops) = operator(&app, "Water Co").await;
    let (_, stranger) = operator(&app, "Power Co").await;
    let body = json!({"name": "laptop", "kind": "user", "expires_in_days": 30});
    let (s, made) = app.post(&ops, "/api/v1/tokens", &body).await;
    assert_eq!(s, 201, "{made}");
    let secret = made["token"].as_str().unwrap();
    let id = made["id"].as_str().unwrap();
    assert_eq!(app.get(secret, "/api/v1/me").await.0, 200);

    let path = format!("/api/v1/tokens/{id}");
    let none = Value::Null;
    let (s, v) = app.send(Method::DELETE, &stranger, &path, &none).await;
    assert_eq!(s, 404, "someone else's token: {v}");
    assert_eq!(app.get(secret, "/api/v1/me").await.0, 200);
    let (s, v) = app.send(Method::DELETE, &ops, &path, &none).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["revoked_at"].is_string(), "{v}");
    assert_eq!(app.get(secret, "/api/v1/me").await.0, 401);
    let (_, list) = app.get(&ops, "/api/v1/tokens").await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned();
    assert!(
        listed.is_some_and(|t| t["revoked_at"].is_string()),
        "{list}"
    );

    // A platform admin revokes anyone's.
    let (s, made) = app.post(&stranger, "/api/v1/tokens", &body).await;
    assert_eq!(s, 201, "{made}");
    let other = made["id"].as_str().unwrap();
    let path = format!("/api/v1/tokens/{other}");
    let (s, v) = app
        .send(Method::DELETE, &app.admin_token, &path, &none)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        app.get(made["token"].as_str().unwrap(), "/api/v1/me")
            .await
            .0,
        401
    );

    assert_eq!(
        audit_actions(&app, id).await,
        ["token.create", "token.revoke"]
    );
    assert_eq!(
        audit_actions(&app, other).await,
        ["token.create", "token.revoke"]
    );
}
both_backends!(token_revoke_is_401_on_use, token_revoke_is_401_on_use);

async fn org_archive_needs_its_users_disabled(app: TestApp) {
    let admin = app.admin_token.clone();
    let (org, ops) = operator(&app, "Mistaken Org").await;
    let archive = format!("/api/v1/orgs/{org}/archive");
    let reason = json!({"reason": "registered twice"});
    let (s, v) = app.post(&ops, &archive, &reason).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&admin, &archive, &json!({})).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = app.post(&admin, &archive, &reason).await;
    assert_eq!(s, 409, "active users: {v}");
    assert!(
        v["detail"].as_str().unwrap().contains("disable_users"),
        "{v}"
    );
    assert_eq!(app.get(&ops, "/api/v1/me").await.0, 200);

    // The bootstrap administrator's organisation, never.
    let (_, me) = app.get(&admin, "/api/v1/me").await;
    let home = me["user"]["org_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orgs/{home}/archive?disable_users=true");
    let (s, v) = app.post(&admin, &path, &reason).await;
    assert_eq!(s, 409, "{v}");

    let path = format!("{archive}?disable_users=true");
    let (s, v) = app.post(&admin, &path, &reason).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["archive_reason"], "registered twice");
    assert_eq!(app.get(&ops, "/api/v1/me").await.0, 401, "tokens end");
    let login = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "mistaken-org-ops"),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(login.status(), 303, "no sign-in");
    let (s, v) = app.post(&admin, &path, &reason).await;
    assert_eq!(s, 409, "already archived: {v}");

    // Left out of lists, kept as evidence.
    let (_, v) = app.get(&admin, "/api/v1/orgs").await;
    assert!(!ids(&v).contains(&org), "{v}");
    let (_, v) = app.get(&admin, "/api/v1/orgs?archived=true").await;
    assert!(ids(&v).contains(&org), "{v}");
    let (s, v) = app.get(&admin, &format!("/api/v1/orgs/{org}")).await;
    assert_eq!((s, v["archived_at"].is_string()), (200, true), "{v}");
    assert_eq!(
        audit_actions(&app, &org).await,
        ["org.create", "org.archive"]
    );
}
both_backends!(
    org_archive_needs_its_users_disabled,
    org_archive_needs_its_users_disabled
);

async fn cli_asset_archive(app: TestApp) {
    let (_, ops) = operator(&app, "Cli Hospital").await;
    let ehr = asset(&app, &ops, "ehr", false).await;
    let base = app.base.clone();
    let args = ["--server", &base, "--token", &ops];
    let run = |extra: &[&str]| {
        let mut all: Vec<&str> = extra.to_vec();
        all.extend_from_slice(&args);
        let owned: Vec<String> = all.iter().map(|s| (*s).to_owned()).collect();
        async move {
            let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
            cli(&refs).await
        }
    };
    let out = run(&["asset", "archive", "ehr", "--reason", "retired"]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("archived asset \"ehr\""),
        "{}",
        out.stdout
    );
    let (_, v) = app.get(&ops, &format!("/api/v1/assets/{ehr}")).await;
    assert_eq!(v["archive_reason"], "retired", "{v}");
    let out = run(&["asset", "archive", "ehr", "--reason", "again"]).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("already archived"), "{}", out.stderr);
    let out = run(&["asset", "archive", "nope", "--reason", "x"]).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("no asset named \"nope\""),
        "{}",
        out.stderr
    );
    let out = run(&["asset", "unarchive", "ehr", "--reason", "back"]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        audit_actions(&app, &ehr).await,
        ["asset.create", "asset.archive", "asset.unarchive"]
    );
}
both_backends!(cli_asset_archive, cli_asset_archive);

/// The OpenAPI document tells the archive routes and their body.
async fn openapi_lists_the_archive_routes(app: TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for route in [
        "/assets/{id}/archive",
        "/assets/{id}/unarchive",
        "/orgs/{id}/archive",
    ] {
        let found = paths.iter().find(|p| p.ends_with(route));
        let op = found.map(|p| &doc["paths"][p.as_str()]["post"]);
        assert!(op.is_some_and(|o| o.is_object()), "{route} in {paths:?}");
    }
    let revoke = paths.iter().find(|p| p.ends_with("/tokens/{id}")).unwrap();
    assert!(doc["paths"][revoke.as_str()]["delete"].is_object());
    assert!(doc["components"]["schemas"]["ArchiveRequest"].is_object());
}
both_backends!(
    openapi_lists_the_archive_routes,
    openapi_lists_the_archive_routes
);
