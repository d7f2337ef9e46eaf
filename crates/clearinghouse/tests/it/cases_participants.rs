//! Withdrawing case participants (tester finding F12), on both backends:
//! a coordinator removes an organisation with a reason (others 403, no
//! reason 422, the coordinating organisation 422, a non-participant 404),
//! the removed organisation is told and reads the case no more (404); an
//! org admin leaves a case (a body that says anything is refused first),
//! the coordinators are told who left, and the case is 404 to it and gone
//! from its list from then on; a removed organisation may be invited
//! again. Both are on the timeline, and both work from
//! the case page.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases::inbox_kinds;
use crate::cases_support::{invite_as, open_case, parties};
use crate::harness::TestApp;

async fn delete(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    app.send(reqwest::Method::DELETE, token, path, body).await
}

async fn remove_and_leave(app: TestApp) {
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Paramiko", &[crate::exposure::CVE]).await;
    let case = format!("/api/v1/cases/{id}");
    invite_as(&app, &p, &id, &p.vendor_org, "vendor").await;
    invite_as(&app, &p, &id, &p.hospital_org, "operator").await;
    assert_eq!(app.get(&p.hospital, &case).await.0, 200);

    // Removal: coordinators only, with a reason, never the coordinator.
    let hospital = format!("{case}/participants/{}", p.hospital_org);
    let why = json!({"reason": "Invited by mistake: a look-alike name"});
    let (s, v) = delete(&app, &p.vendor_admin, &hospital, &why).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = delete(&app, &p.coord, &hospital, &json!({"reason": "  "})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let own = format!("{case}/participants/{}", p.coord_org);
    let (s, v) = delete(&app, &p.coord, &own, &why).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("org_id")), "{v}");
    assert_eq!(app.get(&p.hospital, &case).await.0, 200, "nothing changed");
    let (s, v) = delete(&app, &p.coord, &hospital, &why).await;
    assert_eq!(s, 204, "{v}");
    for path in [case.clone(), format!("{case}/messages")] {
        assert_eq!(app.get(&p.hospital, &path).await.0, 404, "{path}");
    }
    assert!(
        inbox_kinds(&app, &p.hospital)
            .await
            .contains(&"case.removed".to_owned())
    );
    let (s, _) = delete(&app, &p.coord, &hospital, &why).await;
    assert_eq!(s, 404, "no participant any more");
    // Marking the notice read takes no body: one that says anything is
    // refused and the notice stays unread.
    let (_, inbox) = app.get(&p.hospital, "/api/v1/notifications").await;
    let notice = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let read = format!("/api/v1/notifications/{notice}/read");
    let (s, v) = app.post(&p.hospital, &read, &json!({"read": true})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("read")), "{v}");
    let (_, inbox) = app.get(&p.hospital, "/api/v1/notifications").await;
    assert!(inbox["items"][0]["read_at"].is_null(), "{inbox}");
    let (s, v) = app.post(&p.hospital, &read, &json!({})).await;
    assert_eq!(s, 200, "{v}");
    let (s, list) = app.get(&p.hospital, "/api/v1/cases").await;
    assert_eq!(s, 200, "{list}");
    assert!(
        !list.to_string().contains(&id),
        "gone from its list: {list}"
    );
    // A removed organisation may be invited again.
    invite_as(&app, &p, &id, &p.hospital_org, "operator").await;
    assert_eq!(app.get(&p.hospital, &case).await.0, 200);
    let (s, _) = delete(&app, &p.coord, &hospital, &why).await;
    assert_eq!(s, 204);

    // Leaving: the org admin of a participant, not a member.
    let (s, v) = app
        .post(&p.vendor_admin, &format!("{case}/join"), &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let leave = format!("{case}/leave");
    let (s, v) = app.post(&p.vendor_member, &leave, &json!({})).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&p.coord, &leave, &json!({})).await;
    assert_eq!(s, 403, "the coordinating organisation stays: {v}");
    // A body that says anything, or is no JSON, changes nothing.
    let (s, v) = app
        .post(&p.vendor_admin, &leave, &json!({"reason": "x"}))
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = crate::exposure::raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_admin,
        &leave,
        b"garbage".to_vec(),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(app.get(&p.vendor_member, &case).await.0, 200, "still in");
    let (s, v) = app.post(&p.vendor_admin, &leave, &json!({})).await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(app.get(&p.vendor_member, &case).await.0, 404);
    let (s, list) = app.get(&p.vendor_member, "/api/v1/cases").await;
    assert_eq!(s, 200, "{list}");
    assert!(
        !list.to_string().contains(&id),
        "gone from its list: {list}"
    );
    let (_, inbox) = app.get(&p.coord, "/api/v1/notifications").await;
    let left = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "case.left")
        .cloned()
        .unwrap_or_else(|| panic!("no case.left notice: {inbox}"));
    let (_, vendor) = app
        .get(&p.coord, &format!("/api/v1/orgs/{}", p.vendor_org))
        .await;
    let name = vendor["name"].as_str().unwrap();
    for part in ["title", "body"] {
        let text = left[part].as_str().unwrap_or_default();
        assert!(text.starts_with(name), "the notice names who left: {left}");
    }
    let (s, events) = app.get(&p.coord, &format!("{case}/events")).await;
    assert_eq!(s, 200, "{events}");
    let text = events.to_string();
    assert!(
        text.contains("\"removed\"") && text.contains("\"left\""),
        "{events}"
    );
    let (s, c) = app.get(&p.coord, &case).await;
    assert_eq!(s, 200);
    assert_eq!(c["participants"].as_array().map(Vec::len), Some(1), "{c}");
}
both_backends!(remove_and_leave, remove_and_leave);

/// The same from the case page: a coordinator removes a participant with a
/// reason typed beside it (none: the page again, the refusal above the
/// table, nothing changed), and an org admin of a participant leaves with
/// one button; neither form is offered to anyone else.
async fn remove_and_leave_from_the_page(app: TestApp) {
    use crate::archive_ui::{csrf, form, page};
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Paramiko", &[crate::exposure::CVE]).await;
    invite_as(&app, &p, &id, &p.vendor_org, "vendor").await;
    invite_as(&app, &p, &id, &p.hospital_org, "operator").await;
    let case_page = format!("/cases/{id}");

    let coord = app.login_cookie("cc-coord").await;
    let (s, html) = page(&app, &coord, &case_page).await;
    assert_eq!(s, 200, "{html}");
    let remove_hospital = format!("/cases/{id}/participants/{}/remove", p.hospital_org);
    assert!(
        html.contains(&format!("action=\"{remove_hospital}\"")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/participants/{}/remove", p.coord_org)),
        "the coordinating organisation is not offered for removal"
    );
    assert!(!html.contains("id=\"leave-form\""), "{html}");
    let token = csrf(&html);
    let (s, html) = form(
        &app,
        &coord,
        &remove_hospital,
        &[("csrf_token", &token), ("reason", " ")],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"participants-error\""), "{html}");
    assert_eq!(
        app.get(&p.hospital, &format!("/api/v1/cases/{id}")).await.0,
        200
    );
    let (s, _) = form(
        &app,
        &coord,
        &remove_hospital,
        &[("csrf_token", &token), ("reason", "Invited by mistake")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        app.get(&p.hospital, &format!("/api/v1/cases/{id}")).await.0,
        404
    );
    let (_, html) = page(&app, &coord, &format!("{case_page}?done=removed")).await;
    assert!(html.contains("Removed: the organisation is told"), "{html}");

    // The vendor's org admin sees the leave button; its member does not.
    let member = app.login_cookie("pm-dev").await;
    let (_, html) = page(&app, &member, &case_page).await;
    assert!(!html.contains("id=\"leave-form\""), "{html}");
    assert!(!html.contains("class=\"remove-form\""), "{html}");
    let admin = app.login_cookie("pm-admin").await;
    let (_, html) = page(&app, &admin, &case_page).await;
    assert!(html.contains("id=\"leave-form\""), "{html}");
    let token = csrf(&html);
    let (s, _) = form(
        &app,
        &admin,
        &format!("/cases/{id}/leave"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        app.get(&p.vendor_member, &format!("/api/v1/cases/{id}"))
            .await
            .0,
        404
    );
    let (_, c) = app.get(&p.coord, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(c["participants"].as_array().map(Vec::len), Some(1), "{c}");
}
both_backends!(
    remove_and_leave_from_the_page,
    remove_and_leave_from_the_page
);
