//! The agency's directive forms over plain HTTP with a session cookie: a
//! report missing a required field, a request without a justification and
//! a form with a forged CSRF token are refused (the message beside the
//! field, what was typed kept) and change nothing; the same forms filled
//! in are recorded.

use serde_json::Value;

use crate::both_backends;
use crate::directives::cast;
use crate::directives_dashboard::setup;
use crate::harness::TestApp;

async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

async fn form(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

/// The state of the organisation's obligations under `action`.
async fn states(app: &TestApp, token: &str, id: &str, action: &str) -> Vec<String> {
    let (s, v): (u16, Value) = app
        .get(token, &format!("/api/v1/directives/{id}/obligations"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .expect("a list")
        .iter()
        .filter(|o| o["action"] == action)
        .map(|o| o["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn requests(app: &TestApp, token: &str, id: &str) -> usize {
    let (s, v): (u16, Value) = app
        .get(token, &format!("/api/v1/directives/{id}/requests"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().expect("a list").len()
}

async fn directives_ui_bad_forms_change_nothing(app: TestApp) {
    let c = cast(&app).await;
    let due =
        clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
    let id = setup(&app, &c, due).await;
    let cookie = app.login_cookie("doe-ops").await;
    let path = format!("/directives/{id}");
    let (s, html) = page(&app, &cookie, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"form-inventory\""), "{html}");
    assert!(html.contains("name=\"field.asset_count\""), "{html}");
    assert!(html.contains("id=\"form-process\""), "{html}");
    assert!(html.contains("id=\"request-form\""), "{html}");
    let token = csrf(&html);
    assert_eq!(states(&app, &c.a, &id, "inventory").await, ["overdue"]);

    // A report missing its required field: refused beside it, nothing stored.
    let report = format!("/directives/{id}/report");
    let (s, html) = form(
        &app,
        &cookie,
        &report,
        &[
            ("csrf_token", &token),
            ("action", "inventory"),
            ("period", "2026-02-01"),
            ("field.asset_count", ""),
            ("field.notes", "kept as typed"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("id=\"inventory-asset_count-error\">fields.asset_count: is required"),
        "{html}"
    );
    assert!(
        html.contains("kept as typed"),
        "what was typed is kept: {html}"
    );
    assert_eq!(states(&app, &c.a, &id, "inventory").await, ["overdue"]);

    // An attestation without the box ticked.
    let (s, html) = form(
        &app,
        &cookie,
        &report,
        &[
            ("csrf_token", &token),
            ("action", "process"),
            ("field.evidence", "Our runbook"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"error-process\""), "{html}");
    assert!(html.contains("attested"), "{html}");
    assert_eq!(states(&app, &c.a, &id, "process").await, ["on_time"]);

    // A field the report does not have, and a remediate action: said above.
    let (s, html) = form(
        &app,
        &cookie,
        &report,
        &[
            ("csrf_token", &token),
            ("action", "inventory"),
            ("field.asset_count", "42"),
            ("field.bogus", "x"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"error-inventory\""), "{html}");
    assert!(html.contains("is not a field of this report"), "{html}");
    let (s, html) = form(
        &app,
        &cookie,
        &report,
        &[("csrf_token", &token), ("action", "kev")],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("id=\"forms-error\""), "{html}");
    assert_eq!(states(&app, &c.a, &id, "inventory").await, ["overdue"]);

    // A forged CSRF token: refused, nothing stored.
    let (s, _) = form(
        &app,
        &cookie,
        &report,
        &[
            ("csrf_token", "forged"),
            ("action", "inventory"),
            ("field.asset_count", "42"),
        ],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(states(&app, &c.a, &id, "inventory").await, ["overdue"]);

    // A request without a justification after the due date.
    let request = format!("/directives/{id}/request");
    let (s, html) = form(
        &app,
        &cookie,
        &request,
        &[
            ("csrf_token", &token),
            ("obligation", "inventory|2026-02-01"),
            ("kind", "exception"),
            ("until", ""),
            ("justification", "  "),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("id=\"request-justification-error\">justification: the due date has passed"),
        "{html}"
    );
    assert_eq!(requests(&app, &c.a, &id).await, 0);
    // An unknown kind names the kind.
    let (s, html) = form(
        &app,
        &cookie,
        &request,
        &[
            ("csrf_token", &token),
            ("obligation", "inventory|2026-02-01"),
            ("kind", "forgiveness"),
            ("justification", "Budget"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("kind: must be extension or exception"),
        "{html}"
    );
    assert_eq!(requests(&app, &c.a, &id).await, 0);

    // Filled in, both are recorded.
    let (s, html) = form(
        &app,
        &cookie,
        &report,
        &[
            ("csrf_token", &token),
            ("action", "inventory"),
            ("period", "2026-02-01"),
            ("field.asset_count", "42"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(states(&app, &c.a, &id, "inventory").await, ["satisfied"]);
    let (s, html) = form(
        &app,
        &cookie,
        &request,
        &[
            ("csrf_token", &token),
            ("obligation", "process|2036-01-01"),
            ("kind", "exception"),
            ("justification", "The process is being replaced this year."),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(requests(&app, &c.a, &id).await, 1);
    assert_eq!(
        requests(&app, &c.b, &id).await,
        0,
        "another agency's is not shown"
    );
    let (_, html) = page(&app, &cookie, &path).await;
    assert!(html.contains("id=\"my-requests\""), "{html}");
    assert!(html.contains("being replaced"), "{html}");
}

both_backends!(
    directives_ui_bad_forms_change_nothing,
    directives_ui_bad_forms_change_nothing
);
