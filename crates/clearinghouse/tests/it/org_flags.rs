//! The vetted and trusted-partner flags of an organisation change only
//! through a two-person request approved by a second coordinator: `vetted`
//! opens the embargo channel, so one person (or one stolen token) must not
//! set it alone.

// Helpers outside #[test] functions panic on purpose too.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use clearinghouse::workflows::accounts::bootstrap;

use crate::harness::{ADMIN_PASSWORD, TestApp};

/// A coordinator of the administrators' organisation, created once by the
/// operator beside the database (like `admin add-platform-admin`), so no
/// cooling-off link ties it to the admin whose requests it decides.
pub async fn coordinator(app: &TestApp) -> String {
    use clearinghouse::store::accounts::users;
    let pool = &app.app.store.pool;
    let user = match users::get_by_username(pool, "coord2").await.unwrap() {
        Some(user) => user,
        None => {
            let seeded = bootstrap::seed_platform_admin(&app.app, "coord2", ADMIN_PASSWORD)
                .await
                .unwrap();
            users::set_roles(pool, &seeded.id, &["coordinator".to_owned()])
                .await
                .unwrap();
            seeded
        }
    };
    app.token_for(&user.id).await
}

/// Sets flags the way people must: the admin asks, a coordinator approves.
pub async fn set_flags(app: &TestApp, org_id: &str, flags: Value) {
    let path = format!("/api/v1/orgs/{org_id}");
    let (s, request) = app
        .send(Method::PATCH, &app.admin_token, &path, &flags)
        .await;
    assert_eq!(s, 202, "{request}");
    let coord = coordinator(app).await;
    let decision = format!(
        "/api/v1/approvals/{}/decision",
        request["id"].as_str().unwrap()
    );
    let (s, v) = app
        .post(&coord, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 200, "{v}");
}

async fn flags_need_a_second_coordinator(app: TestApp) {
    let admin = app.admin_token.clone();
    let org = app
        .org("Pine County Hospital", "critical_infrastructure_operator")
        .await;
    let path = format!("/api/v1/orgs/{org}");
    let coord = coordinator(&app).await;

    // One coordinator asks: nothing changes until someone else approves.
    let (s, request) = app
        .send(Method::PATCH, &coord, &path, &json!({"vetted": true}))
        .await;
    assert_eq!(s, 202, "{request}");
    assert_eq!(request["action"], "set_organization_flags", "{request}");
    let (_, now) = app.get(&admin, &path).await;
    assert_eq!(now["vetted"], false, "{now}");
    let decision = format!(
        "/api/v1/approvals/{}/decision",
        request["id"].as_str().unwrap()
    );
    let approve = json!({"decision": "approve"});
    let (s, v) = app.post(&coord, &decision, &approve).await;
    assert_eq!(s, 403, "the maker cannot approve: {v}");
    // The admin is not a coordinator: not a party to the request at all.
    let (s, v) = app.post(&admin, &decision, &approve).await;
    assert_eq!(s, 404, "{v}");
    let (_, now) = app.get(&admin, &path).await;
    assert_eq!(now["vetted"], false, "{now}");

    // A request that changes nothing is refused, naming the field.
    let (s, v) = app
        .send(Method::PATCH, &admin, &path, &json!({"vetted": false}))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "vetted", "{v}");

    // The admin's own request, approved by the coordinator, takes effect,
    // with its audit entry.
    set_flags(&app, &org, json!({"trusted_partner": true})).await;
    let (_, now) = app.get(&admin, &path).await;
    assert_eq!(
        (&now["vetted"], &now["trusted_partner"]),
        (&json!(false), &json!(true))
    );
    let actions = crate::archive::audit_actions(&app, &org).await;
    assert_eq!(actions, ["org.create", "org.set_flags"]);

    // Creating an organisation with flags files the request instead.
    let body = json!({"name": "Valley Bank", "kind": "vendor", "vetted": true});
    let (s, created) = app.post(&coord, "/api/v1/orgs", &body).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["vetted"], false, "{created}");
    assert_eq!(created["flags_request"]["state"], "pending", "{created}");

    // Someone who may not change flags gets the same answer whether the
    // organisation exists or not: the answer does not reveal it.
    let (_, outsider) = crate::findings::reporter(&app, "outsider-lab").await;
    let flags = json!({"vetted": true});
    let (s1, v1) = app.send(Method::PATCH, &outsider, &path, &flags).await;
    let missing = "/api/v1/orgs/00000000-0000-4000-8000-000000000000";
    let (s2, v2) = app.send(Method::PATCH, &outsider, missing, &flags).await;
    assert_eq!((s1, s2), (403, 403), "{v1} / {v2}");
    assert_eq!(v1["detail"], v2["detail"], "{v1} / {v2}");
}
both_backends!(
    flags_need_a_second_coordinator,
    flags_need_a_second_coordinator
);
