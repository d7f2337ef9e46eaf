//! Regression tests for the hostile pass's frontier findings, on both
//! backends, and the window page's findings:
//! - granting to a user id of another organisation answers exactly as for
//!   an id that names no one (no user-id oracle);
//! - a person whose grant was revoked no longer reads the window, its
//!   terms (nor their later versions) or its findings, and keeps reading
//!   their own grant record and their own use;
//! - planned release dates are never set in the past (registration or a
//!   move); a date left as it was and recording the release now are fine;
//! - a government administrator cannot grant themself access (403,
//!   audited, nothing stored); a second administrator can, and the
//!   developer is told of every grant the government makes, and the
//!   grantee's organisation (with the developer) of a revocation;
//! - findings filed from a window are listed on its page, with their
//!   state and a link, to those who may read them.

use serde_json::{Value, json};

use crate::archive_ui::page;
use crate::both_backends;
use crate::findings::{finding, native, submit};
use crate::frontier_inquiries::{audit_actions, count, lifecycle, world};
use crate::harness::TestApp;
use crate::model_endpoint;
use crate::partners::{Quiet, date, open_window};

fn quota(user: &str) -> Value {
    json!({"user_id": user, "requests_per_day": 5, "tokens_per_day": 1000})
}

async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let (s, v) = app.get(token, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str().map(str::to_owned))
        .collect()
}

async fn frontier_fixes(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let wid = open_window(&app, &w.dev, &w.model, &endpoint.base_url).await;
    let (coord1_id, coord1) = app.user(&w.a.org, "fx-coord1", &["coordinator"]).await;
    let (_, coord2) = app.user(&w.a.org, "fx-coord2", &["coordinator"]).await;
    let (analyst_id, analyst) = app.user(&w.a.org, "fx-analyst", &["member"]).await;
    let outside = app.org("Outside Research", "researcher").await;
    let (outsider_id, _) = app.user(&outside, "fx-outsider", &["member"]).await;
    let base = format!("/api/v1/windows/{wid}");
    let grants = format!("{base}/grants");

    // No user-id oracle: someone of another organisation and no one at all
    // get the same answer, word for word.
    let (s1, v1) = app.post(&w.dev, &grants, &quota(&outsider_id)).await;
    let (s2, v2) = app.post(&w.dev, &grants, &quota("no-such-user")).await;
    let (s3, v3) = app.post(&coord1, &grants, &quota(&outsider_id)).await;
    assert_eq!((s1, v1["field"].as_str()), (422, Some("user_id")), "{v1}");
    assert_eq!((s1, &v1["detail"]), (s2, &v2["detail"]), "{v1} {v2}");
    assert_eq!((s1, &v1["detail"]), (s3, &v3["detail"]), "{v1} {v3}");

    // A government administrator never grants themself: 403, audited,
    // nothing stored; a second administrator may, and the developer is told.
    let (s, v) = app.post(&coord1, &grants, &quota(&coord1_id)).await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(count(&app, "frontier_window_grants").await, 0);
    let refused = audit_actions(&app)
        .await
        .into_iter()
        .any(|e| e["action"] == "window.refused" && e["object"]["id"] == wid.as_str());
    assert!(refused, "the self-grant attempt is audited");
    assert!(
        !inbox_kinds(&app, &w.dev)
            .await
            .contains(&"window.granted".to_owned())
    );
    let (s, own) = app.post(&coord2, &grants, &quota(&coord1_id)).await;
    assert_eq!(s, 201, "{own}");
    let (s, g) = app.post(&coord1, &grants, &quota(&analyst_id)).await;
    assert_eq!(s, 201, "{g}");
    app.run_pending_jobs().await;
    let (_, inbox) = app.get(&w.dev, "/api/v1/notifications").await;
    let told: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "window.granted")
        .collect();
    assert_eq!(told.len(), 2, "{inbox}");
    assert!(
        told.iter()
            .any(|n| n["body"].as_str().unwrap().contains("fx-coord2")),
        "{inbox}"
    );

    // A finding filed from the window: on the window's page for those who
    // may read it, with its state and a link.
    let (s, sub) = submit(
        &app,
        &analyst,
        native(&[finding(
            "Found with the model",
            "paramiko/auth_handler.py",
            10,
        )]),
        &format!("?window={wid}"),
        None,
    )
    .await;
    assert_eq!(s, 202, "{sub}");
    app.run_pending_jobs().await;
    let (_, items) = app
        .get(
            &analyst,
            &format!("/api/v1/submissions/{}/items", sub["id"].as_str().unwrap()),
        )
        .await;
    let fid = items["items"][0]["finding_id"].as_str().unwrap().to_owned();
    let link = format!("href=\"/findings/{fid}\"");
    for user in ["atlas-dev", "fx-coord1", "fx-analyst"] {
        let cookie = app.login_cookie(user).await;
        let (s, html) = page(&app, &cookie, &format!("/frontier/windows/{wid}")).await;
        assert_eq!(s, 200, "{user}: {html}");
        assert!(html.contains(&link), "{user}: {html}");
        assert!(html.contains("Found with the model"), "{user}");
        assert!(
            html.contains("class=\"finding-state\">received<"),
            "{user}: {html}"
        );
    }

    // Revoked: no window, no terms, no findings; their own grant and use.
    let gid = g["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .post(
            &coord2,
            &format!("/api/v1/grants/{gid}/revocation"),
            &json!({"reason": "left the programme"}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    // The person's organisation is told, and the developer (the government
    // revoked); the notice names who revoked and why.
    app.run_pending_jobs().await;
    for token in [&analyst, &w.dev] {
        let (_, inbox) = app.get(token, "/api/v1/notifications").await;
        let told: Vec<&Value> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "window.grant_revoked")
            .collect();
        assert_eq!(told.len(), 1, "{inbox}");
        let body = told[0]["body"].as_str().unwrap();
        assert!(
            body.contains("fx-coord2") && body.contains("left the programme"),
            "{body}"
        );
    }
    let (s, v) = app
        .post(
            &w.dev,
            &format!("{base}/terms"),
            &json!({"terms": "Confidential. Version two, with a secret clause."}),
        )
        .await;
    assert_eq!((s, v["terms_version"].as_i64()), (200, Some(2)), "{v}");
    for path in [
        base.clone(),
        format!("{base}/terms"),
        format!("{base}/findings"),
        format!("{base}/alerts"),
    ] {
        let (s, v) = app.get(&analyst, &path).await;
        assert_eq!(s, 404, "{path}: {v}");
    }
    let (s, mine) = app.get(&analyst, &grants).await;
    assert_eq!(s, 200, "{mine}");
    let mine = mine["items"].as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (
            mine[0]["status"].as_str(),
            mine[0]["terms_version"].as_i64()
        ),
        (Some("revoked"), Some(1)),
        "later terms are not the revoked grantee's to see: {mine:?}"
    );
    let (s, v) = app.get(&analyst, &format!("/api/v1/grants/{gid}")).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    let (s, v) = app.get(&analyst, &format!("{base}/usage")).await;
    assert_eq!(s, 200, "{v}");
    let cookie = app.login_cookie("fx-analyst").await;
    let (s, html) = page(&app, &cookie, &format!("/frontier/windows/{wid}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"access-revoked\""), "{html}");
    assert!(
        !html.contains("secret clause") && !html.contains("Confidential."),
        "{html}"
    );
    assert!(!html.contains(&link), "{html}");
    // The developer still sees everything.
    let (_, dev_terms) = app.get(&w.dev, &format!("{base}/terms")).await;
    assert_eq!(dev_terms.as_array().unwrap().len(), 2, "{dev_terms}");

    // Release dates: never planned in the past; left as it was, fine.
    let dates = format!("/api/v1/models/{}/release-dates", w.model);
    let state = format!("/api/v1/models/{}/release", w.model);
    let (_, before) = app.get(&w.dev, &state).await;
    for (body, field) in [
        (
            json!({"planned_partner_release": date(-1)}),
            "planned_partner_release",
        ),
        (
            json!({"planned_partner_release": date(40), "planned_public_release": "2020-01-02"}),
            "planned_public_release",
        ),
    ] {
        let (s, v) = app.send(reqwest::Method::PUT, &w.dev, &dates, &body).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{v}");
    }
    let (_, after) = app.get(&w.dev, &state).await;
    assert_eq!(before, after, "nothing stored");
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &dates,
            &json!({"planned_partner_release": date(40), "planned_public_release": date(0)}),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("planned_partner_release")),
        "{v}"
    );
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &dates,
            &json!({"planned_partner_release": date(0), "planned_public_release": date(1)}),
        )
        .await;
    assert_eq!(s, 200, "today is not the past: {v}");
    let (s, v) = app
        .post(
            &w.dev,
            "/api/v1/models",
            &json!({"name": "atlas-old", "version": "1", "training_compute": "1e26",
                "contact": "dev@atlas.example", "planned_partner_release": date(-3)}),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("planned_partner_release")),
        "{v}"
    );
    // Recording the release itself, now, stays the developer's to do.
    let (s, v) = app.post(&w.dev, &state, &json!({"note": "released"})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["released_at"].is_string(), "{v}");
}

both_backends!(frontier_fixes, frontier_fixes);
