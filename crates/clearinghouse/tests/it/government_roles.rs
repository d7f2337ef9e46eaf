//! Government roles (evaluator, consultant, designation authority,
//! directive manager) are held only in a government agency's accounts: an
//! evaluator or consultant cleared for `FRONTIER` reads every developer's
//! designation inquiries, so a role grant must never make an AI developer's
//! (or a vendor's) employee one. Refused with 422 on `roles`, nothing
//! stored, on creation and on a change of roles.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::harness::{ADMIN_PASSWORD, TestApp};

async fn government_roles_stay_in_government_agencies(app: TestApp) {
    let lab = app.org("Borealis AI", "ai_developer").await;
    let vendor = app.org("Acme Software", "vendor").await;
    let agency = app.org("ONCD", "government_agency").await;
    for (org, role) in [
        (&lab, "evaluator"),
        (&lab, "consultant"),
        (&vendor, "designation_authority"),
        (&vendor, "directive_manager"),
        (&lab, "security_officer"),
    ] {
        let body = json!({"org_id": org, "username": format!("x-{role}"), "display_name": "X",
            "password": ADMIN_PASSWORD, "roles": [role]});
        let (s, v) = app.post(&app.admin_token, "/api/v1/users", &body).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (422, Some("roles")),
            "{role}: {v}"
        );
        assert!(v["detail"].as_str().unwrap().contains(role), "{v}");
    }
    let (_, users) = app.get(&app.admin_token, "/api/v1/users").await;
    let names: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("x-")), "{names:?}");

    // A change of roles: the same rule, and the roles stay as they were.
    let (dev, _) = app.user(&lab, "dev", &["member"]).await;
    let path = format!("/api/v1/users/{dev}/roles");
    let body = json!({"roles": ["member", "consultant"]});
    let (s, v) = app.send(Method::PUT, &app.admin_token, &path, &body).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("roles")), "{v}");
    let (_, u) = app
        .get(&app.admin_token, &format!("/api/v1/users/{dev}"))
        .await;
    assert_eq!(u["roles"], json!(["member"]), "{u}");

    // In a government agency both are fine.
    let (official, _) = app.user(&agency, "oncd-official", &["consultant"]).await;
    let (_, u) = app
        .get(&app.admin_token, &format!("/api/v1/users/{official}"))
        .await;
    assert!(
        u["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("consultant")),
        "{u}"
    );
    let (staffer, _) = app.user(&agency, "staffer", &["member"]).await;
    let path = format!("/api/v1/users/{staffer}/roles");
    let body = json!({"roles": ["member", "evaluator"]});
    let (s, v) = app.send(Method::PUT, &app.admin_token, &path, &body).await;
    assert!(s == 200 || s == 202, "{s}: {v}");
}
both_backends!(
    government_roles_stay_in_government_agencies,
    government_roles_stay_in_government_agencies
);
