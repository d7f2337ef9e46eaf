//! S12: a password an administrator set (creating the account with one, or
//! resetting it) is known to that administrator, so its holder must choose
//! their own before anything else. Until then every page sends them to
//! `/account/password`, the API refuses their session (but `/me` and
//! `/me/password`), and the same password again is refused with its field.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_PASSWORD, TestApp};

async fn sign_in(app: &TestApp, user: &str, password: &str) -> Option<String> {
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "sign-in of {user}");
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("chx_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// GET with a cookie: status, `Location`, body.
async fn get(app: &TestApp, cookie: &str, path: &str) -> (u16, String, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location, resp.text().await.unwrap())
}

fn csrf(body: &str) -> String {
    body.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

async fn post_form(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let resp = app
        .client
        .post(app.url("/account/password"))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location, resp.text().await.unwrap())
}

/// Every page but the password form and sign-out sends the person there.
async fn assert_held_at_password_form(app: &TestApp, cookie: &str) {
    for path in ["/", "/exposures", "/orgs", "/tokens", "/inbox"] {
        let (s, location, _) = get(app, cookie, path).await;
        assert_eq!((s, location.as_str()), (303, "/account/password"), "{path}");
    }
    let (s, _, body) = get(app, cookie, "/account/password").await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("id=\"password-required\""), "{body}");
    // The API answers the session 403 with the way out, except `/me`.
    let resp = app
        .client
        .get(app.url("/api/v1/orgs"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["detail"].as_str().unwrap().contains("/me/password"),
        "{v}"
    );
    let resp = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn an_admin_set_password_is_changed_at_first_sign_in(app: TestApp) {
    let org = app
        .org("Valley Hospital", "critical_infrastructure_operator")
        .await;
    let body = json!({"org_id": org, "username": "nora", "display_name": "Nora",
        "password": ADMIN_PASSWORD, "roles": ["member"]});
    let (s, v) = app.post(&app.admin_token, "/api/v1/users", &body).await;
    assert_eq!(s, 201, "{v}");
    let nora = v["id"].as_str().unwrap().to_owned();
    let cookie = sign_in(&app, "nora", ADMIN_PASSWORD).await.unwrap();
    assert_held_at_password_form(&app, &cookie).await;

    // The same password again is refused beside its field; nothing changes.
    let (_, _, page) = get(&app, &cookie, "/account/password").await;
    let token = csrf(&page);
    let same = [
        ("csrf_token", token.as_str()),
        ("current_password", ADMIN_PASSWORD),
        ("new_password", ADMIN_PASSWORD),
    ];
    let (s, _, body) = post_form(&app, &cookie, &same).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"password-error\""), "{body}");
    assert!(body.contains("same as the current password"), "{body}");
    assert_held_at_password_form(&app, &cookie).await;
    // A wrong current password, and a missing CSRF token, change nothing.
    let wrong = [
        ("csrf_token", token.as_str()),
        ("current_password", "not the password at all"),
        ("new_password", "my very own passphrase"),
    ];
    assert_eq!(post_form(&app, &cookie, &wrong).await.0, 422);
    let forged = [
        ("csrf_token", "forged"),
        ("current_password", ADMIN_PASSWORD),
        ("new_password", "my very own passphrase"),
    ];
    assert_eq!(post_form(&app, &cookie, &forged).await.0, 403);
    assert_held_at_password_form(&app, &cookie).await;

    // Her own password frees the session; the old one no longer signs in.
    let mine = [
        ("csrf_token", token.as_str()),
        ("current_password", ADMIN_PASSWORD),
        ("new_password", "my very own passphrase"),
    ];
    let (s, location, body) = post_form(&app, &cookie, &mine).await;
    assert_eq!((s, location.as_str()), (303, "/"), "{body}");
    let (s, _, body) = get(&app, &cookie, "/").await;
    assert_eq!(s, 200, "{body}");
    let (s, _, _) = get(&app, &cookie, "/account/password").await;
    assert_eq!(s, 200, "the form stays reachable");
    let later = sign_in(&app, "nora", "my very own passphrase")
        .await
        .unwrap();
    assert_eq!(get(&app, &later, "/exposures").await.0, 200);

    // An administrator's reset puts the requirement back.
    let (_, admin_of_org) = app.user(&org, "olga", &["org_admin"]).await;
    let path = format!("/api/v1/users/{nora}/password");
    let reset = json!({"new_password": "set by the organisation admin"});
    let (s, v) = app.send(Method::PUT, &admin_of_org, &path, &reset).await;
    assert_eq!(s, 204, "{v}");
    let cookie = sign_in(&app, "nora", "set by the organisation admin")
        .await
        .unwrap();
    assert_held_at_password_form(&app, &cookie).await;
    // Through the API with the session and its CSRF header, too.
    let (_, _, page) = get(&app, &cookie, "/account/password").await;
    let resp = app
        .client
        .post(app.url("/api/v1/me/password"))
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf(&page))
        .json(&json!({"current_password": "set by the organisation admin",
            "new_password": "nora chose this one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(get(&app, &cookie, "/exposures").await.0, 200);
}
both_backends!(
    an_admin_set_password_is_changed_at_first_sign_in,
    an_admin_set_password_is_changed_at_first_sign_in
);
