//! Withdrawing case participants (tester finding F12), on both backends:
//! a coordinator removes an organisation with a reason (others 403, no
//! reason 422, the coordinating organisation 422, a non-participant 404),
//! the removed organisation is told and reads the case no more (404); an
//! org admin leaves a case, the coordinators are told, and the case is
//! 404 to it from then on. Both are on the timeline.

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
    let (s, v) = app.post(&p.vendor_admin, &leave, &json!({})).await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(app.get(&p.vendor_member, &case).await.0, 404);
    assert!(
        inbox_kinds(&app, &p.coord)
            .await
            .contains(&"case.left".to_owned())
    );
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
