//! The two-person rule under attack, replayed through the HTTP API: one
//! admin making a second admin to approve its own requests, an agent making
//! privileged accounts, sock puppets inside the cooling-off period, a
//! coordinator deciding the release of material it cannot read, and user
//! routes telling "another organisation's" from "missing".

use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_PASSWORD, TestApp};

async fn decide(app: &TestApp, token: &str, id: &str, decision: &str) -> (u16, Value) {
    let path = format!("/api/v1/approvals/{id}/decision");
    app.post(token, &path, &json!({"decision": decision})).await
}

async fn state(app: &TestApp, id: &str) -> String {
    state_as(app, &app.admin_token, id).await
}

async fn state_as(app: &TestApp, token: &str, id: &str) -> String {
    let (s, v) = app.get(token, &format!("/api/v1/approvals/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v["state"].as_str().unwrap().to_owned()
}

async fn roles(app: &TestApp, user: &str) -> Value {
    let (s, v) = app
        .get(&app.admin_token, &format!("/api/v1/users/{user}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["roles"].clone()
}

async fn admin_org(app: &TestApp) -> String {
    let me = app.get(&app.admin_token, "/api/v1/me").await.1;
    me["user"]["org_id"].as_str().unwrap().to_owned()
}

/// An administrator made by the operator (no cooling-off link to anyone).
async fn operator_admin(app: &TestApp, name: &str) -> (String, String) {
    let user = clearinghouse::workflows::accounts::bootstrap::seed_platform_admin(
        &app.app,
        name,
        ADMIN_PASSWORD,
    )
    .await
    .unwrap();
    let token = app.token_for(&user.id).await;
    (user.id, token)
}

/// Asks for `terms` for `user` as `token`; returns the request id.
async fn grant_request(app: &TestApp, token: &str, user: &str, terms: &[&str]) -> String {
    let path = format!("/api/v1/users/{user}/authorizations");
    let (s, v) = app
        .post(token, &path, &json!({"authorizations": terms}))
        .await;
    assert_eq!(s, 202, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn one_admin_cannot_approve_through_an_account_it_made(app: TestApp) {
    let admin = app.admin_token.clone();
    let org = admin_org(&app).await;
    // The attack: a second platform admin, made by the first.
    let body = json!({"org_id": org, "username": "mallory", "display_name": "M",
        "password": ADMIN_PASSWORD, "roles": ["platform_admin", "org_admin"]});
    let (s, created) = app.post(&admin, "/api/v1/users", &body).await;
    assert_eq!(s, 201, "{created}");
    let mallory = created["id"].as_str().unwrap().to_owned();
    // Created with the unprivileged role only; the rest is a request.
    assert_eq!(created["roles"], json!(["org_admin"]));
    assert_eq!(
        created["created_by"].as_str(),
        Some(
            app.get(&admin, "/api/v1/me").await.1["user"]["id"]
                .as_str()
                .unwrap()
        )
    );
    let request = &created["role_request"];
    assert_eq!(request["action"], "grant_role");
    assert_eq!(request["state"], "pending");
    assert_eq!(
        request["payload"],
        json!({"user_id": mallory, "roles": ["platform_admin"]})
    );
    let role_request = request["id"].as_str().unwrap().to_owned();
    let mallory_token = app.token_for(&mallory).await;
    // Neither the maker nor the new account can approve it.
    assert_eq!(decide(&app, &admin, &role_request, "approve").await.0, 403);
    // (The account is no approver yet: for it the request does not exist.)
    assert_eq!(
        decide(&app, &mallory_token, &role_request, "approve")
            .await
            .0,
        404
    );
    assert_eq!(state(&app, &role_request).await, "pending");
    assert_eq!(roles(&app, &mallory).await, json!(["org_admin"]));
    // Replacing roles does not side-step it either.
    let path = format!("/api/v1/users/{mallory}/roles");
    let (s, v) = app
        .send(
            Method::PUT,
            &admin,
            &path,
            &json!({"roles": ["org_admin", "coordinator"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["roles"], json!(["org_admin"]));
    assert_eq!(
        v["role_request"]["payload"]["roles"],
        json!(["coordinator"])
    );

    // A second, independent admin approves: not while the account still
    // has the password its maker set (he would sign in first and choose
    // "her own"); the summary says so (F7).
    assert!(
        request["summary"]
            .as_str()
            .unwrap()
            .contains("password an administrator set"),
        "{request}"
    );
    let (_, second) = operator_admin(&app, "second").await;
    let (s, v) = decide(&app, &second, &role_request, "approve").await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("chooses their own"),
        "{v}"
    );
    assert_eq!(state(&app, &role_request).await, "pending");
    assert_eq!(roles(&app, &mallory).await, json!(["org_admin"]));
    let (s, v) = app
        .post(
            &mallory_token,
            "/api/v1/me/password",
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "mallory chose this one"}),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    // Her own password in place: now mallory is an admin...
    let (s, v) = decide(&app, &second, &role_request, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        roles(&app, &mallory).await,
        json!(["org_admin", "platform_admin"])
    );

    // ...but within the cooling-off period she cannot decide the requests
    // of the admin who made her, nor he hers, nor the admin who approved
    // her elevation hers.
    let (target, _) = app.user(&org, "tess", &["member"]).await;
    let admins = grant_request(&app, &admin, &target, &["CUI"]).await;
    let (s, v) = decide(&app, &mallory_token, &admins, "approve").await;
    assert_eq!(s, 403, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("7 days"), "{v}");
    let (s, _) = decide(&app, &mallory_token, &admins, "reject").await;
    assert_eq!(s, 403, "rejecting is deciding too");
    let hers = grant_request(&app, &mallory_token, &target, &["FRONTIER"]).await;
    assert_eq!(decide(&app, &admin, &hers, "approve").await.0, 403);
    assert_eq!(decide(&app, &second, &hers, "approve").await.0, 403);
    assert_eq!(state(&app, &hers).await, "pending");
    assert_eq!(state(&app, &admins).await, "pending");
    let (s, v) = app
        .get(&app.admin_token, &format!("/api/v1/users/{target}"))
        .await;
    assert_eq!((s, v["authorizations"].clone()), (200, json!([])));

    // A third person with no link to either decides both.
    let (_, third) = operator_admin(&app, "third").await;
    assert_eq!(decide(&app, &third, &admins, "approve").await.0, 200);
    assert_eq!(decide(&app, &third, &hers, "approve").await.0, 200);
    let (_, v) = app
        .get(&app.admin_token, &format!("/api/v1/users/{target}"))
        .await;
    assert_eq!(v["authorizations"], json!(["CUI", "FRONTIER"]));
}
both_backends!(
    one_admin_cannot_approve_through_an_account_it_made,
    one_admin_cannot_approve_through_an_account_it_made
);

async fn agents_cannot_make_accounts_with_rights(app: TestApp) {
    let org = admin_org(&app).await;
    let body = json!({"name": "provisioner", "kind": "agent",
        "scopes": ["users:read", "users:write", "approvals:read", "approvals:write"], "expires_in_days": 1});
    let (s, v) = app.post(&app.admin_token, "/api/v1/tokens", &body).await;
    assert_eq!(s, 201, "{v}");
    let agent = v["token"].as_str().unwrap().to_owned();
    let new = |name: &str, extra: Value| {
        let mut body = json!({"org_id": org, "username": name, "display_name": name});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for extra in [
        json!({"roles": ["platform_admin"]}),
        json!({"roles": ["member"]}),
        json!({"password": ADMIN_PASSWORD}),
    ] {
        let (s, v) = app
            .post(&agent, "/api/v1/users", &new("sneaky", extra))
            .await;
        assert_eq!(s, 403, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("agent"), "{v}");
    }
    let (s, v) = app.get(&app.admin_token, "/api/v1/users?limit=200").await;
    assert!(!v.to_string().contains("sneaky"), "{s} {v}");
    // A plain account (no roles, no password) is still possible.
    let (s, plain) = app
        .post(&agent, "/api/v1/users", &new("plain", json!({})))
        .await;
    assert_eq!(s, 201, "{plain}");
    assert_eq!(plain["roles"], json!(["member"]));
    assert!(plain["role_request"].is_null());
    let path = format!("/api/v1/users/{}/roles", plain["id"].as_str().unwrap());
    let body = json!({"roles": ["platform_admin"]});
    assert_eq!(app.send(Method::PUT, &agent, &path, &body).await.0, 403);
    let (s, v) = app.get(&app.admin_token, "/api/v1/approvals").await;
    assert_eq!(s, 200);
    assert_eq!(v["items"], json!([]), "no request was filed by the agent");
}
both_backends!(
    agents_cannot_make_accounts_with_rights,
    agents_cannot_make_accounts_with_rights
);

/// A finding reported by `token` (through intake); returns its id.
async fn reported_finding(app: &TestApp, token: &str) -> String {
    let body = crate::findings::native(&[crate::findings::finding("auth bypass", "a/b.py", 7)]);
    let sub = crate::findings::submit_and_wait(app, token, body, "?tlp=AMBER").await;
    let path = format!("/api/v1/submissions/{}/items", sub["id"].as_str().unwrap());
    let (s, items) = app.get(token, &path).await;
    assert_eq!(s, 200, "{items}");
    items["items"][0]["finding_id"].as_str().unwrap().to_owned()
}

async fn release_approvals_follow_the_material_labels(app: TestApp) {
    let finders = app.org("Finder Labs", "researcher").await;
    let agency = app.org("Coordination Centre", "government_agency").await;
    let (rita_id, rita) = app.user(&finders, "rita", &["member"]).await;
    let (cleared_id, cleared) = app.user(&agency, "cora", &["coordinator"]).await;
    let (_, uncleared) = app.user(&agency, "cole", &["coordinator"]).await;
    app.grant(&rita_id, &["CUI"]).await;
    app.grant(&cleared_id, &["CUI"]).await;
    let finding = reported_finding(&app, &rita).await;
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/findings/{finding}/pocs?name=x.py&visibility=CUI"
        )))
        .bearer_auth(&rita)
        .header("content-type", "application/octet-stream")
        .body(b"print('poc')".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let poc: Value = resp.json().await.unwrap();
    let poc = poc["id"].as_str().unwrap();
    let (s, req) = app
        .post(
            &rita,
            &format!("/api/v1/pocs/{poc}/release-requests"),
            &json!({"reason": "repro"}),
        )
        .await;
    assert_eq!(s, 202, "{req}");
    let id = req["id"].as_str().unwrap();

    // A coordinator without CUI: the request does not exist for it.
    let (s, list) = app.get(&uncleared, "/api/v1/approvals?state=pending").await;
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(id), "{list}");
    let (s, missing) = app.get(&uncleared, "/api/v1/approvals/no-such-id").await;
    assert_eq!(s, 404);
    assert_eq!(
        app.get(&uncleared, &format!("/api/v1/approvals/{id}"))
            .await,
        (404, missing)
    );
    assert_eq!(decide(&app, &uncleared, id, "approve").await.0, 404);
    assert_eq!(decide(&app, &uncleared, id, "reject").await.0, 404);
    assert_eq!(state_as(&app, &cleared, id).await, "pending");
    // A coordinator cleared for CUI sees and approves it.
    let (_, list) = app.get(&cleared, "/api/v1/approvals?state=pending").await;
    assert!(list.to_string().contains(id), "{list}");
    let (s, v) = decide(&app, &cleared, id, "approve").await;
    assert_eq!(s, 200, "{v}");
    let content = app
        .client
        .get(app.url(&format!("/api/v1/pocs/{poc}/content")));
    let resp = content.bearer_auth(&rita).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}
both_backends!(
    release_approvals_follow_the_material_labels,
    release_approvals_follow_the_material_labels
);

async fn user_routes_do_not_tell_foreign_from_missing(app: TestApp) {
    let a = app.org("Alpha", "vendor").await;
    let b = app.org("Beta", "vendor").await;
    let (_, alice) = app.user(&a, "alice", &["org_admin"]).await;
    let (bob, _) = app.user(&b, "bob", &["member"]).await;
    let routes: [(Method, &str, Value); 5] = [
        (Method::GET, "", json!(null)),
        (Method::PUT, "/roles", json!({"roles": ["member"]})),
        (
            Method::POST,
            "/authorizations",
            json!({"authorizations": ["CUI"]}),
        ),
        (
            Method::POST,
            "/authorizations/remove",
            json!({"remove": ["CUI"]}),
        ),
        (Method::POST, "/tokens/revoke-all", json!(null)),
    ];
    for (method, tail, body) in routes {
        let real = app
            .send(
                method.clone(),
                &alice,
                &format!("/api/v1/users/{bob}{tail}"),
                &body,
            )
            .await;
        let missing = app
            .send(
                method,
                &alice,
                &format!("/api/v1/users/nobody{tail}"),
                &body,
            )
            .await;
        assert_eq!(real.0, 404, "{tail}: {}", real.1);
        assert_eq!(real, missing, "{tail}");
    }
}
both_backends!(
    user_routes_do_not_tell_foreign_from_missing,
    user_routes_do_not_tell_foreign_from_missing
);

/// The first-start password obeys the rule of every password.
#[test]
fn a_short_first_start_password_refuses_to_start() {
    let dir = crate::harness::temp_dir();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CLEARINGHOUSE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("CLEARINGHOUSE_ADMIN_PASSWORD", "short")
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = cmd.spawn().unwrap().wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("CLEARINGHOUSE_ADMIN_PASSWORD"), "{stderr}");
    assert!(stderr.contains("at least 12 characters"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `clearinghouse admin add-platform-admin` on the app's storage.
fn add_admin_cli(app: &TestApp, username: &str, password: &str) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CLEARINGHOUSE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("CLEARINGHOUSE_NEW_ADMIN_PASSWORD", password)
        .args(["admin", "add-platform-admin", username, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--database-url", &app.database_url])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The operator's way to the second administrator the rule needs: the
/// only other single-person origin, beside the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_adds_the_second_administrator() {
    let Some(app) = TestApp::spawn(crate::harness::Db::Sqlite).await else {
        return;
    };
    let short = add_admin_cli(&app, "olivia", "short");
    assert!(!short.status.success());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("at least 12 characters"), "{err}");
    let out = add_admin_cli(&app, "olivia", ADMIN_PASSWORD);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // She can sign in and approve the first admin's role grant.
    let cookie = app.login_cookie("olivia").await;
    assert!(cookie.starts_with("chx_session="));
    // The operator chose her password: her pages wait until she replaces it.
    let resp = app
        .client
        .get(app.url("/approvals"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/account/password");
    let olivia =
        clearinghouse::store::accounts::users::get_by_username(&app.app.store.pool, "olivia")
            .await
            .unwrap()
            .unwrap();
    assert!(olivia.created_by.is_none());
    let token = app.token_for(&olivia.id).await;
    let org = admin_org(&app).await;
    let body =
        json!({"org_id": org, "username": "val", "display_name": "V", "roles": ["validator"]});
    let (s, v) = app.post(&app.admin_token, "/api/v1/users", &body).await;
    assert_eq!(s, 201, "{v}");
    let request = v["role_request"]["id"].as_str().unwrap();
    assert_eq!(decide(&app, &token, request, "approve").await.0, 200);
    assert_eq!(
        roles(&app, v["id"].as_str().unwrap()).await,
        json!(["member", "validator"])
    );
}

/// The backfill half of migration 0004, run again on this installation's
/// own audit log: an account made through the API yields the fact (and
/// `created_by`) the cooling-off rule would read after an upgrade.
async fn the_upgrade_backfills_elevations_from_the_audit_log(app: TestApp) {
    let org = admin_org(&app).await;
    let body = json!({"org_id": org, "username": "old", "display_name": "Old"});
    let (s, v) = app.post(&app.admin_token, "/api/v1/users", &body).await;
    assert_eq!(s, 201, "{v}");
    let old = v["id"].as_str().unwrap().to_owned();
    let admin = app.get(&app.admin_token, "/api/v1/me").await.1["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pool = &app.app.store.pool;
    sqlx::query("DELETE FROM elevations")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET created_by = NULL")
        .execute(pool)
        .await
        .unwrap();
    let sql = match app.db {
        crate::harness::Db::Sqlite => include_str!("../../migrations/sqlite/0004_two_person.sql"),
        crate::harness::Db::Postgres => {
            include_str!("../../migrations/postgres/0004_two_person.sql")
        }
    };
    let backfill = sql
        .split("-- after the upgrade is covered too.")
        .nth(1)
        .unwrap();
    for statement in backfill
        .split(';')
        .filter(|s| s.contains("INSERT") || s.contains("UPDATE"))
    {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(pool)
            .await
            .unwrap();
    }
    let facts =
        clearinghouse::store::accounts::users::elevations_between(pool, &admin, &old, "0000")
            .await
            .unwrap();
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(
        facts[0].kind,
        clearinghouse_domain::approval::ElevationKind::CreatedAccount
    );
    let user = clearinghouse::store::accounts::users::get(pool, &old)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.created_by.as_deref(), Some(admin.as_str()));
}
both_backends!(
    the_upgrade_backfills_elevations_from_the_audit_log,
    the_upgrade_backfills_elevations_from_the_audit_log
);
