//! Sign-in under attack, replayed through the web form and the API: wrong
//! passwords lock the account (the right one included) with 429 and
//! `Retry-After`, failures are audited without flooding the log and never
//! with the password; a password change ends the other sessions, and
//! "revoke all my tokens" ends the tokens.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_PASSWORD, TestApp};

const WRONG: &str = "wrong horse battery staple";

/// Posts the sign-in form; returns status, `Retry-After` and the cookie.
async fn sign_in(app: &TestApp, user: &str, password: &str) -> (u16, Option<u64>, Option<String>) {
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chx_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    (resp.status().as_u16(), retry, cookie)
}

/// Every audit entry, parsed.
async fn audit_entries(app: &TestApp) -> Vec<Value> {
    let (_, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    let size = cp["tree_size"].as_u64().unwrap();
    let path = format!("/api/v1/audit/entries?start=0&end={size}");
    let (s, v) = app.get(&app.admin_token, &path).await;
    assert_eq!(s, 200, "{v}");
    let entries = v.as_array().unwrap();
    entries
        .iter()
        .map(|e| serde_json::from_str(e["entry"].as_str().unwrap()).unwrap())
        .collect()
}

async fn wrong_passwords_lock_the_account(app: TestApp) {
    let org = app.org("Alpha", "vendor").await;
    let (lena, _) = app.user(&org, "lena", &["member"]).await;
    app.user(&org, "otto", &["member"]).await;
    for _ in 0..5 {
        let (s, retry, _) = sign_in(&app, "lena", WRONG).await;
        assert_eq!((s, retry), (401, None));
    }
    // Locked: the right password is refused too, with a time to wait.
    let (s, retry, cookie) = sign_in(&app, "lena", ADMIN_PASSWORD).await;
    assert_eq!(s, 429);
    assert!(retry.is_some_and(|r| r >= 1), "{retry:?}");
    assert!(cookie.is_none());
    let (s, _, _) = sign_in(&app, " LENA", ADMIN_PASSWORD).await;
    assert_eq!(s, 429, "the username is matched as the account is");
    // Another account from the same address is not locked by it.
    let (s, _, cookie) = sign_in(&app, "otto", ADMIN_PASSWORD).await;
    assert_eq!(s, 303);
    assert!(cookie.is_some());
    // An unknown account locks the same way (throttling reveals nothing).
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "nobody", WRONG).await.0, 401);
    }
    assert_eq!(sign_in(&app, "nobody", WRONG).await.0, 429);

    // Audited: the first failure and the lockout, named by account, never
    // the password; the unknown name the same way, by the system, under
    // the name as typed.
    let entries = audit_entries(&app).await;
    let failed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "session.login_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed.iter().all(|e| e["object"]["id"] == lena.as_str()));
    let unknown: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "session.login_failed_unknown")
        .collect();
    assert_eq!(unknown.len(), 2, "first failure and lockout: {unknown:?}");
    assert!(unknown.iter().all(|e| e["object"]["type"] == "sign_in_name"
        && e["object"]["id"] == "nobody"
        && e["actor"]["user"] == "system"));
    let all = serde_json::to_string(&entries).unwrap();
    assert!(!all.contains("wrong horse") && !all.contains(ADMIN_PASSWORD));
}
both_backends!(
    wrong_passwords_lock_the_account,
    wrong_passwords_lock_the_account
);

/// A stranger's wrong passwords, from another address, lock the account
/// for that address only: its holder still signs in (F18).
async fn a_stranger_cannot_lock_out_the_holder(app: TestApp) {
    let org = app.org("Alpha", "vendor").await;
    app.user(&org, "hugo", &["member"]).await;
    let stranger = reqwest::Client::builder()
        .local_address(Some(std::net::IpAddr::from([127, 0, 0, 2])))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let attempt = |password: &'static str| {
        stranger
            .post(app.url("/login"))
            .form(&[("username", "hugo"), ("password", password)])
            .send()
    };
    for _ in 0..5 {
        assert_eq!(attempt(WRONG).await.unwrap().status(), 401);
    }
    assert_eq!(attempt(ADMIN_PASSWORD).await.unwrap().status(), 429);
    let (s, _, cookie) = sign_in(&app, "hugo", ADMIN_PASSWORD).await;
    assert_eq!(s, 303, "the holder's own address is not locked");
    assert!(cookie.is_some());
}
both_backends!(
    a_stranger_cannot_lock_out_the_holder,
    a_stranger_cannot_lock_out_the_holder
);

/// The CSRF token of a session, from the home page's forms.
async fn csrf(app: &TestApp, cookie: &str) -> String {
    let resp = app
        .client
        .get(app.url("/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let html = resp.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    let resp = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie);
    resp.send().await.unwrap().status().as_u16()
}

/// A JSON request with a session cookie and its CSRF header.
async fn send_with_cookie(app: &TestApp, cookie: &str, path: &str, body: &Value) -> (u16, Value) {
    let token = csrf(app, cookie).await;
    let resp = app
        .client
        .request(Method::POST, app.url(path))
        .header("cookie", cookie)
        .header("x-csrf-token", token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn password_change_ends_other_sessions(app: TestApp) {
    let org = app.org("Alpha", "vendor").await;
    let (pia, token) = app.user(&org, "pia", &["member"]).await;
    let here = app.login_cookie("pia").await;
    let elsewhere = app.login_cookie("pia").await;
    let new_password = "a much longer new passphrase";
    let body = json!({"current_password": ADMIN_PASSWORD, "new_password": new_password});
    let (s, v) = send_with_cookie(&app, &here, "/api/v1/me/password", &body).await;
    assert_eq!(s, 204, "{v}");
    // This session stays, the other ends; the API token stays.
    assert_eq!(me_with_cookie(&app, &here).await, 200);
    assert_eq!(me_with_cookie(&app, &elsewhere).await, 401);
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 200);
    assert_eq!(sign_in(&app, "pia", ADMIN_PASSWORD).await.0, 401);
    assert_eq!(sign_in(&app, "pia", new_password).await.0, 303);

    // A change through a token (no session of its own) ends every session.
    let body = json!({"current_password": new_password, "new_password": ADMIN_PASSWORD});
    let (s, v) = app.post(&token, "/api/v1/me/password", &body).await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(me_with_cookie(&app, &here).await, 401);

    // "Revoke all my tokens" ends them, audited; a platform admin may too.
    let second = app.token_for(&pia).await;
    let here = app.login_cookie("pia").await;
    let path = format!("/api/v1/users/{pia}/tokens/revoke-all");
    let (s, v) = send_with_cookie(&app, &here, &path, &json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|t| !t["revoked_at"].is_null()),
        "{v}"
    );
    assert_eq!(app.get(&token, "/api/v1/me").await.0, 401);
    assert_eq!(app.get(&second, "/api/v1/me").await.0, 401);
    let third = app.token_for(&pia).await;
    let (otto, otto_token) = app.user(&org, "otto", &["member"]).await;
    assert_eq!(app.post(&otto_token, &path, &json!({})).await.0, 403);
    let (s, _) = app.post(&app.admin_token, &path, &json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(app.get(&third, "/api/v1/me").await.0, 401);
    assert_eq!(app.get(&otto_token, "/api/v1/me").await.0, 200);
    let entries = audit_entries(&app).await;
    let revokes = entries.iter().filter(|e| e["action"] == "token.revoke_all");
    assert_eq!(revokes.count(), 2);
    assert!(
        !entries
            .iter()
            .any(|e| e["object"]["id"] == otto.as_str() && e["action"] == "token.revoke_all")
    );
}
both_backends!(
    password_change_ends_other_sessions,
    password_change_ends_other_sessions
);

async fn an_admin_reset_ends_every_session(app: TestApp) {
    let org = app.org("Alpha", "vendor").await;
    let (ada, ada_token) = app.user(&org, "ada", &["org_admin"]).await;
    let (uma, uma_token) = app.user(&org, "uma", &["member"]).await;
    let (vic, _) = app.user(&org, "vic", &["validator"]).await;
    let session = app.login_cookie("uma").await;
    let new_password = "reset by the organisation admin";
    let body = json!({"new_password": new_password});
    let path = format!("/api/v1/users/{uma}/password");
    let (s, v) = app.send(Method::PUT, &ada_token, &path, &body).await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(me_with_cookie(&app, &session).await, 401);
    assert_eq!(
        app.get(&uma_token, "/api/v1/me").await.0,
        200,
        "tokens stay"
    );
    assert_eq!(sign_in(&app, "uma", new_password).await.0, 303);
    // Not a privileged account's (that would be signing in as another
    // approver), not one's own, not by the user itself or an agent.
    let path = format!("/api/v1/users/{vic}/password");
    let (s, v) = app.send(Method::PUT, &app.admin_token, &path, &body).await;
    assert_eq!(s, 403, "{v}");
    let path = format!("/api/v1/users/{ada}/password");
    let (s, v) = app.send(Method::PUT, &ada_token, &path, &body).await;
    assert_eq!(s, 422, "{v}");
    let path = format!("/api/v1/users/{ada}/password");
    assert_eq!(app.send(Method::PUT, &uma_token, &path, &body).await.0, 403);
    let entries = audit_entries(&app).await;
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "user.reset_password" && e["object"]["id"] == uma.as_str())
    );
}
both_backends!(
    an_admin_reset_ends_every_session,
    an_admin_reset_ends_every_session
);

/// Guessing the current password through `POST /me/password` (with a stolen
/// token) is throttled like failed sign-ins: locked after 5, for that way in.
async fn current_password_guesses_are_throttled(app: TestApp) {
    let org = app.org("Alpha", "vendor").await;
    let (_, token) = app.user(&org, "rhea", &["member"]).await;
    let guess = json!({"current_password": WRONG, "new_password": "another long passphrase"});
    for _ in 0..5 {
        let (s, v) = app.post(&token, "/api/v1/me/password", &guess).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["field"], "current_password", "{v}");
    }
    let right =
        json!({"current_password": ADMIN_PASSWORD, "new_password": "another long passphrase"});
    let (s, v) = app.post(&token, "/api/v1/me/password", &right).await;
    assert_eq!(s, 429, "locked, even for the right password: {v}");
    // The guesses count under the account as tried from a session, not
    // under its holder's address: a token thief cannot lock the holder out
    // of signing in either (F18).
    assert_eq!(sign_in(&app, "rhea", ADMIN_PASSWORD).await.0, 303);
}
both_backends!(
    current_password_guesses_are_throttled,
    current_password_guesses_are_throttled
);

/// A sign-in form posted by a page of another site (login CSRF) is refused
/// and sets no session; the site's own form and clients without browser
/// headers sign in.
async fn sign_in_from_another_site_is_refused(app: TestApp) {
    app.user(&app.org("Alpha", "vendor").await, "sam", &["member"])
        .await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let cases = [
        (vec![("sec-fetch-site", "cross-site")], 403),
        (vec![("sec-fetch-site", "same-site")], 403),
        (vec![("origin", "http://evil.example")], 403),
        (vec![("origin", "null")], 403),
        (vec![("sec-fetch-site", "same-origin")], 303),
        (vec![("origin", app.base.as_str())], 303),
        (vec![], 303),
    ];
    for (headers, expected) in cases {
        let mut req = app
            .client
            .post(app.url("/login"))
            .header("host", &host)
            .form(&[("username", "sam"), ("password", ADMIN_PASSWORD)]);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let cookie = resp.headers().get_all("set-cookie").iter().count();
        assert_eq!(resp.status().as_u16(), expected, "{headers:?}");
        assert_eq!(cookie > 0, expected == 303, "{headers:?}");
    }
}
both_backends!(
    sign_in_from_another_site_is_refused,
    sign_in_from_another_site_is_refused
);
