//! Trusted partners of a covered model (issue 13 item 5) over HTTP, on
//! both backends: refusals of people who are neither side (403, audited
//! `partner.refused`) and of bad nominations (422 naming the field,
//! nothing stored); the developer's org admin nominates and approves, a
//! coordinator files the government's two-person request and a second
//! coordinator approves it (the maker may not); a grant to the partner's
//! person is refused (422 `user_id`) until both sides approved, then
//! allowed; the parties are notified; a coordinator's own nomination is
//! withdrawn by the developer (its waiting request cancelled); withdrawing
//! a partnership revokes its people's grants and refuses new ones.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, audit_actions, count, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;

pub(crate) struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

pub(crate) fn at(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

pub(crate) fn date(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    let (s, v) = app.get(token, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str().map(str::to_owned))
        .collect()
}

/// Opens a window on the world's model; returns its id.
pub async fn open_window(app: &TestApp, dev: &str, model: &str, base_url: &str) -> String {
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            dev,
            &format!("/api/v1/models/{model}/release-dates"),
            &json!({"planned_partner_release": date(40)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, win) = app
        .post(
            dev,
            &format!("/api/v1/models/{model}/windows"),
            &json!({"starts_at": at(0), "ends_at": at(10), "terms": "Confidential.",
                "endpoint_url": base_url, "endpoint_secret": model_endpoint::SECRET}),
        )
        .await;
    assert_eq!(s, 201, "{win}");
    win["id"].as_str().unwrap().to_owned()
}

async fn trusted_partners(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let model = w.model.clone();
    let (_, dev_admin) = app.user(&w.dev_org, "atlas-admin", &["org_admin"]).await;
    let (_, coord1) = app.user(&w.a.org, "p-coord1", &["coordinator"]).await;
    let (_, coord2) = app.user(&w.a.org, "p-coord2", &["coordinator"]).await;
    let (_, gov_member) = app.user(&w.a.org, "p-member", &["member"]).await;
    let lab = app.org("Partner Lab", "researcher").await;
    let (lab_person_id, lab_person) = app.user(&lab, "lab-person", &["member"]).await;
    let other = app.org("Other Lab", "vendor").await;
    let wid = open_window(&app, &w.dev, &model, &endpoint.base_url).await;
    let grants = format!("/api/v1/windows/{wid}/grants");
    let grant_to =
        |user: &str| json!({"user_id": user, "requests_per_day": 5, "tokens_per_day": 1000});
    let nominate = format!("/api/v1/models/{model}/partners");
    let body = |org: &str| json!({"org_id": org, "reason": "Red-teams our model's cyber uses."});

    // Neither side: a developer member, a government member (403, audited).
    for token in [&w.dev, &gov_member] {
        let (s, v) = app.post(token, &nominate, &body(&lab)).await;
        assert_eq!(s, 403, "{v}");
    }
    // Bad nominations name the field.
    let bad = [
        (json!({"org_id": lab, "reason": "  "}), "reason"),
        (json!({"org_id": "no-such-org", "reason": "x"}), "org_id"),
        (json!({"org_id": w.dev_org, "reason": "x"}), "org_id"),
        (json!({"org_id": w.a.org, "reason": "x"}), "org_id"),
    ];
    for (b, field) in bad {
        let (s, v) = app.post(&dev_admin, &nominate, &b).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{b}: {v}");
    }
    assert_eq!(count(&app, "frontier_partners").await, 0);

    // The developer nominates (its side's approval comes with it).
    let (s, v) = app.post(&dev_admin, &nominate, &body(&lab)).await;
    assert_eq!(s, 201, "{v}");
    let pid = v["partner"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["partner"]["state"], "proposed");
    assert!(v["partner"]["developer_approved_at"].is_string(), "{v}");
    assert_eq!(v["approval"], Value::Null);
    let (s, v) = app.post(&coord1, &nominate, &body(&lab)).await;
    assert_eq!(s, 409, "{v}");

    // Not yet a partner: its person cannot be granted.
    let (s, v) = app.post(&w.dev, &grants, &grant_to(&lab_person_id)).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("user_id")), "{v}");
    assert_eq!(count(&app, "frontier_window_grants").await, 0);

    // The government: a coordinator files, the same one may not decide, a
    // second one approves.
    let pbase = format!("/api/v1/partners/{pid}");
    let (s, v) = app
        .post(&coord1, &format!("{pbase}/approval"), &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["partner"]["state"], "proposed");
    assert_eq!(v["partner"]["government_pending"], true);
    let approval = v["approval"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["approval"]["action"], "approve_trusted_partner", "{v}");
    let (s, v) = app
        .post(&coord1, &format!("{pbase}/approval"), &json!({}))
        .await;
    assert_eq!(s, 409, "{v}");
    let decision = format!("/api/v1/approvals/{approval}/decision");
    let (s, v) = app
        .post(&coord1, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(&w.dev, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app
        .post(&coord2, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, p) = app.get(&w.dev, &pbase).await;
    assert_eq!((s, p["state"].as_str()), (200, Some("approved")), "{p}");
    assert_eq!(p["government_pending"], false);
    assert!(p["government_approved_by"].is_string());
    // Readers: both sides; not another developer.
    assert_eq!(app.get(&coord2, &pbase).await.0, 200);
    assert_eq!(app.get(&w.other_dev, &pbase).await.0, 404);
    let (_, list) = app.get(&w.dev, &nominate).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // Now a partner: its person is granted like anyone else.
    let (s, g) = app.post(&w.dev, &grants, &grant_to(&lab_person_id)).await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    assert!(
        kinds(&app, &lab_person)
            .await
            .contains(&"partner.approved".to_owned())
    );
    assert!(
        kinds(&app, &w.dev)
            .await
            .contains(&"partner.nominated".to_owned())
    );
    assert!(
        kinds(&app, &coord1)
            .await
            .contains(&"partner.approved".to_owned())
    );

    // A government nomination withdrawn by the developer: its waiting
    // request is cancelled.
    let (s, v) = app.post(&coord1, &nominate, &body(&other)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["partner"]["government_pending"], true);
    let other_pid = v["partner"]["id"].as_str().unwrap().to_owned();
    let other_approval = v["approval"]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .post(
            &dev_admin,
            &format!("/api/v1/partners/{other_pid}/withdrawal"),
            &json!({"reason": "We do not work with them."}),
        )
        .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    let (_, a) = app
        .get(&coord1, &format!("/api/v1/approvals/{other_approval}"))
        .await;
    assert_eq!(a["state"], "cancelled", "{a}");
    let (s, v) = app
        .post(
            &coord2,
            &format!("/api/v1/approvals/{other_approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");

    // The government withdraws the partnership: the grant is revoked, and
    // no new one can be made. A government member who is no coordinator
    // may not even read the nomination (404, like a missing one).
    let (s, v) = app
        .post(
            &gov_member,
            &format!("{pbase}/withdrawal"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app
        .post(
            &coord2,
            &format!("{pbase}/withdrawal"),
            &json!({"reason": ""}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = app
        .post(
            &coord2,
            &format!("{pbase}/withdrawal"),
            &json!({"reason": "Insider-risk concerns."}),
        )
        .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("withdrawn")), "{v}");
    assert_eq!(v["withdrawn_side"], "government");
    let (_, g) = app.get(&w.dev, &format!("/api/v1/grants/{gid}")).await;
    assert_eq!(g["status"], "revoked", "{g}");
    let (s, v) = app.post(&w.dev, &grants, &grant_to(&lab_person_id)).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("user_id")), "{v}");
    let (s, v) = app
        .post(&dev_admin, &format!("{pbase}/approval"), &json!({}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        kinds(&app, &lab_person)
            .await
            .contains(&"partner.withdrawn".to_owned())
    );

    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    for want in [
        "partner.refused",
        "partner.nominate",
        "partner.approve",
        "partner.approve_government",
        "partner.withdraw",
        "grant.revoke",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}

both_backends!(trusted_partners, trusted_partners);
