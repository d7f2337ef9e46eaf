//! The two-person rule: granting authorizations needs a second, human platform admin.

// Helpers outside #[test] functions panic on purpose too.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;

/// Asks (as `maker`) for `terms` to be granted to `user_id`; returns the request.
async fn request(app: &TestApp, maker: &str, user_id: &str, terms: &[&str]) -> Value {
    let (s, v) = app
        .post(
            maker,
            &format!("/api/v1/users/{user_id}/authorizations"),
            &json!({"authorizations": terms}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    v
}

async fn decide(app: &TestApp, token: &str, id: &str, decision: &str) -> (u16, Value) {
    app.post(
        token,
        &format!("/api/v1/approvals/{id}/decision"),
        &json!({"decision": decision}),
    )
    .await
}

/// A request's state as a platform admin sees it.
async fn state(app: &TestApp, id: &str) -> String {
    let (s, v) = app
        .get(&app.admin_token, &format!("/api/v1/approvals/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["state"].as_str().unwrap().to_owned()
}

async fn authorizations(app: &TestApp, user_id: &str) -> Value {
    let (s, v) = app
        .get(&app.admin_token, &format!("/api/v1/users/{user_id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["authorizations"].clone()
}

async fn tree_size(app: &TestApp) -> u64 {
    app.get(&app.admin_token, "/api/v1/audit/checkpoint")
        .await
        .1["tree_size"]
        .as_u64()
        .unwrap()
}

async fn user_id_of(app: &TestApp, token: &str) -> String {
    app.get(token, "/api/v1/me").await.1["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A user to receive authorizations: (id, token).
async fn target(app: &TestApp) -> (String, String) {
    let org = app.org("Alpha Labs", "ai_developer").await;
    app.user(&org, "tess", &["member"]).await
}

async fn a_second_admin_approves(app: TestApp) {
    let (tess, _) = target(&app).await;
    let admin_id = user_id_of(&app, &app.admin_token).await;
    let req = request(&app, &app.admin_token, &tess, &["CUI", "FRONTIER", "CUI"]).await;
    assert_eq!(
        (req["state"].as_str(), req["action"].as_str()),
        (Some("pending"), Some("grant_authorizations"))
    );
    assert_eq!(
        req["payload"],
        json!({"user_id": tess, "authorizations": ["CUI", "FRONTIER"]})
    );
    assert_eq!(
        (req["requested_by"].as_str(), req["decided_by"].clone()),
        (Some(admin_id.as_str()), Value::Null)
    );
    let id = req["id"].as_str().unwrap();
    assert_eq!(
        authorizations(&app, &tess).await,
        json!([]),
        "nothing is granted before approval"
    );

    let before = tree_size(&app).await;
    let (s, v) = decide(&app, &app.admin_token, id, "approve").await;
    assert_eq!(s, 403, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("maker"), "{v}");
    assert_eq!(state(&app, id).await, "pending");
    assert_eq!(authorizations(&app, &tess).await, json!([]));
    assert_eq!(tree_size(&app).await, before);

    let second = app.second_admin().await;
    let second_id = user_id_of(&app, &second).await;
    let before = tree_size(&app).await;
    let (s, v) = decide(&app, &second, id, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["decided_by"].as_str()),
        (Some("approved"), Some(second_id.as_str())),
        "{v}"
    );
    assert!(v["decided_at"].is_string(), "{v}");
    assert_eq!(
        authorizations(&app, &tess).await,
        json!(["CUI", "FRONTIER"])
    );
    assert_eq!(
        tree_size(&app).await,
        before + 2,
        "the decision and the grant are audited"
    );

    for (who, decision) in [
        (&second, "approve"),
        (&second, "reject"),
        (&app.admin_token, "reject"),
    ] {
        let (s, v) = decide(&app, who, id, decision).await;
        assert_eq!(s, 409, "{decision}: {v}");
    }
    assert_eq!(state(&app, id).await, "approved");
    let (s, _) = decide(&app, &second, "no-such-request", "approve").await;
    assert_eq!(s, 404);
}
both_backends!(a_second_admin_approves, a_second_admin_approves);

async fn ineligible_deciders_change_nothing(app: TestApp) {
    let (tess, tess_token) = target(&app).await;
    let id = request(&app, &app.admin_token, &tess, &["CUI"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.second_admin().await;
    let (s, v) = app.post(&second, "/api/v1/tokens", &json!({"name": "bot", "kind": "agent", "scopes": ["approvals:read", "approvals:write"], "expires_in_days": 1})).await;
    assert_eq!(s, 201, "{v}");
    let bot = v["token"].as_str().unwrap();
    let before = tree_size(&app).await;

    // A member may not decide; a request they cannot see is "not found",
    // exactly as GET /approvals/{id} answers them.
    let (s, v) = decide(&app, &tess_token, &id, "approve").await;
    assert_eq!(s, 404, "{v}");
    assert_eq!(
        app.get(&tess_token, &format!("/api/v1/approvals/{id}"))
            .await
            .0,
        404
    );

    // A second platform admin acting through an agent token may not either.
    for decision in ["approve", "reject"] {
        let (s, v) = decide(&app, bot, &id, decision).await;
        assert_eq!(s, 403, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("agent cannot decide"),
            "{v}"
        );
    }

    assert_eq!(state(&app, &id).await, "pending");
    assert_eq!(authorizations(&app, &tess).await, json!([]));
    assert_eq!(tree_size(&app).await, before);
    // A member cannot even ask.
    let (s, v) = app
        .post(
            &tess_token,
            &format!("/api/v1/users/{tess}/authorizations"),
            &json!({"authorizations": ["CUI"]}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(tree_size(&app).await, before);
}
both_backends!(
    ineligible_deciders_change_nothing,
    ineligible_deciders_change_nothing
);

async fn the_maker_cancels_a_second_admin_rejects(app: TestApp) {
    let (tess, _) = target(&app).await;
    let admin_id = user_id_of(&app, &app.admin_token).await;
    let first = request(&app, &app.admin_token, &tess, &["CUI"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = app
        .post(
            &app.admin_token,
            &format!("/api/v1/approvals/{first}/decision"),
            &json!({"decision": "reject", "reason": "asked too early"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["state"].as_str(),
            v["decided_by"].as_str(),
            v["reason"].as_str()
        ),
        (
            Some("cancelled"),
            Some(admin_id.as_str()),
            Some("asked too early")
        )
    );
    assert_eq!(state(&app, &first).await, "cancelled");
    let second = app.second_admin().await;
    let (s, v) = decide(&app, &second, &first, "approve").await;
    assert_eq!(s, 409, "a cancelled request cannot be approved: {v}");

    let other = request(&app, &app.admin_token, &tess, &["FRONTIER"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = decide(&app, &second, &other, "reject").await;
    assert_eq!((s, v["state"].as_str()), (200, Some("rejected")), "{v}");
    assert_eq!(authorizations(&app, &tess).await, json!([]));
}
both_backends!(
    the_maker_cancels_a_second_admin_rejects,
    the_maker_cancels_a_second_admin_rejects
);

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn listing_filters_by_state_and_requester(app: TestApp) {
    let (tess, _) = target(&app).await;
    // An administrator the operator made (no cooling-off link to admin, and
    // no role request of her own in the lists).
    let pam = clearinghouse::workflows::accounts::bootstrap::seed_platform_admin(
        &app.app,
        "pam",
        crate::harness::ADMIN_PASSWORD,
    )
    .await
    .unwrap()
    .id;
    let pam_token = app.token_for(&pam).await;
    let approved = request(&app, &app.admin_token, &tess, &["CUI"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = request(&app, &app.admin_token, &tess, &["FRONTIER"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pams = request(&app, &pam_token, &tess, &["PCII"]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = decide(&app, &pam_token, &approved, "approve").await;
    assert_eq!(s, 200, "{v}");

    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app.get(&token, &format!("/api/v1/approvals{query}")).await;
            assert_eq!(s, 200, "{query}: {v}");
            ids(&v)
        }
    };
    let admin = app.admin_token.clone();
    assert_eq!(
        list(admin.clone(), "").await,
        [approved.as_str(), pending.as_str(), pams.as_str()]
    );
    assert_eq!(
        list(admin.clone(), "?state=pending").await,
        [pending.as_str(), pams.as_str()]
    );
    assert_eq!(
        list(admin.clone(), "?state=approved").await,
        [approved.as_str()]
    );
    assert!(list(admin.clone(), "?state=rejected").await.is_empty());
    assert_eq!(
        list(admin.clone(), "?state=pending&limit=1").await,
        [pending.as_str()]
    );

    let (s, v) = app
        .get(&app.admin_token, "/api/v1/approvals?state=done")
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("state")), "{v}");

    // Once pam is no longer a platform admin she sees no request: not
    // even her own, which concerns a user of another organisation that a
    // member may not see (a request is readable only with its object).
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &app.admin_token,
            &format!("/api/v1/users/{pam}/roles"),
            &json!({"roles": ["member"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(list(pam_token.clone(), "").await.is_empty());
    assert!(list(pam_token.clone(), "?state=pending").await.is_empty());
    for id in [&pams, &pending] {
        let path = format!("/api/v1/approvals/{id}");
        assert_eq!(app.get(&pam_token, &path).await.0, 404);
    }
    let (s, v) = decide(&app, &pam_token, &pams, "approve").await;
    assert_eq!(s, 404, "{v}");
    assert_eq!(state(&app, &pams).await, "pending");
}
both_backends!(
    listing_filters_by_state_and_requester,
    listing_filters_by_state_and_requester
);
