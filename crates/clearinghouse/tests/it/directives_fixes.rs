//! Regression tests for the hostile pass's directive findings, on both
//! backends: report values typed by the directive's field definition (a
//! ZIP code typed in the form stays text); a requester organisation's own
//! directive managers cannot decide its request; an organisation outside
//! the scope is told the directive does not apply (no score); a second
//! pending request about the same obligation is refused with 409 naming
//! the first; directive forms posted without a CSRF token get the 403
//! page; due rules read as sentences on the directive's page.

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives::{Cast, cast, draft, issue};
use crate::directives_dashboard::seed;
use crate::harness::TestApp;

/// BOD 26-05 with its inventory report asking for a ZIP code (text) and an
/// asset count (a number), issued; the KEV entry due long ago.
async fn setup(app: &TestApp, c: &Cast) -> String {
    let due = clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").unwrap();
    seed(app, c, due).await;
    let mut d = draft();
    d["actions"][2]["fields"] = json!([
        {"name": "zip"},
        {"name": "asset_count", "type": "number"},
        {"name": "encrypted", "type": "boolean", "required": false},
        {"name": "notes", "required": false}
    ]);
    let (s, v) = app.post(&c.m1, "/api/v1/directives", &d).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    issue(app, c, &id).await;
    id
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get");
    let status = resp.status().as_u16();
    let kind = content_type(&resp);
    (status, kind, resp.text().await.expect("body"))
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    let kind = content_type(&resp);
    (status, kind, resp.text().await.expect("body"))
}

fn csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

async fn reports(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let (s, v) = app
        .get(token, &format!("/api/v1/directives/{id}/reports"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

async fn report_fields_keep_their_type(app: TestApp) {
    let c = cast(&app).await;
    let id = setup(&app, &c).await;
    let api = format!("/api/v1/directives/{id}/reports");

    // Refused by type, nothing stored.
    let (s, v) = app
        .post(
            &c.a,
            &api,
            &json!({"action": "inventory", "period": "2026-02-01",
                "fields": {"zip": "02134", "asset_count": "many"}}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "fields.asset_count", "{v}");
    let (s, v) = app
        .post(
            &c.a,
            &api,
            &json!({"action": "inventory", "period": "2026-02-01",
                "fields": {"zip": "02134", "asset_count": 3, "encrypted": "perhaps"}}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "fields.encrypted", "{v}");
    assert!(reports(&app, &c.a, &id).await.is_empty());

    // Typed in the web form: the ZIP code stays text, the count is a
    // number, yes is true.
    let cookie = app.login_cookie("doe-ops").await;
    let (s, _, html) = page(&app, &cookie, &format!("/directives/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(
            "name=\"field.asset_count\" maxlength=\"4000\" value=\"\" inputmode=\"decimal\""
        ),
        "{html}"
    );
    let token = csrf(&html);
    let (s, _, html) = form(
        &app,
        &cookie,
        &format!("/directives/{id}/report"),
        &[
            ("csrf_token", &token),
            ("action", "inventory"),
            ("period", "2026-02-01"),
            ("field.zip", "02134"),
            ("field.asset_count", "0042"),
            ("field.encrypted", "yes"),
            ("field.notes", "1e3"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    let mine = reports(&app, &c.a, &id).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        mine[0]["fields"],
        json!({"zip": "02134", "asset_count": 42, "encrypted": true, "notes": "1e3"}),
        "typed by the field definition"
    );

    // Through the API: what was sent for a text field is kept.
    let (s, v) = app
        .post(
            &c.b,
            &api,
            &json!({"action": "inventory", "period": "2026-02-01",
                "fields": {"zip": "00501", "asset_count": "7"}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["fields"], json!({"zip": "00501", "asset_count": 7}));
    let theirs = reports(&app, &c.b, &id).await;
    assert_eq!(theirs[0]["fields"]["zip"], "00501");
}

both_backends!(report_fields_keep_their_type, report_fields_keep_their_type);

async fn request(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.post(token, &format!("/api/v1/directives/{id}/requests"), &body)
        .await
}

fn exception() -> Value {
    json!({"action": "inventory", "kind": "exception", "period": "2026-02-01",
        "justification": "Our inventory system is being replaced."})
}

async fn requests_are_decided_by_others(app: TestApp) {
    let c = cast(&app).await;
    let id = setup(&app, &c).await;

    // One pending request per obligation: a second is refused, naming it.
    let (s, first) = request(&app, &c.a, &id, exception()).await;
    assert_eq!(s, 201, "{first}");
    let first_id = first["id"].as_str().unwrap().to_owned();
    let (s, v) = request(&app, &c.a, &id, exception()).await;
    assert_eq!(s, 409, "{v}");
    assert!(v["detail"].as_str().unwrap().contains(&first_id), "{v}");
    let mut extension = exception();
    extension["kind"] = json!("extension");
    extension["until"] = json!(
        clearinghouse_domain::directive::due::add_days(
            clearinghouse::workflows::directives::obligations::today().unwrap(),
            30
        )
        .to_string()
    );
    let (s, v) = request(&app, &c.a, &id, extension.clone()).await;
    assert_eq!(s, 409, "another kind, the same obligation: {v}");
    let (s, v) = request(&app, &c.b, &id, exception()).await;
    assert_eq!(s, 201, "another organisation's obligation: {v}");
    let (s, v) = app
        .get(&c.m1, &format!("/api/v1/directives/{id}/requests"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 2, "nothing stored: {v}");

    // Once decided, the obligation can be asked about again.
    let decide = format!("/api/v1/directive-requests/{first_id}/decide");
    let (s, v) = app
        .post(
            &c.m1,
            &decide,
            &json!({"decision": "deny", "reason": "Replace it after the audit."}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = request(&app, &c.a, &id, extension).await;
    assert_eq!(s, 201, "{v}");

    // CISA's own request: neither of CISA's directive managers decides it.
    let (s, own) = request(&app, &c.m1, &id, exception()).await;
    assert_eq!(s, 201, "CISA is a government agency in scope: {own}");
    let own_id = own["id"].as_str().unwrap().to_owned();
    let decide = format!("/api/v1/directive-requests/{own_id}/decide");
    let (s, v) = app
        .post(
            &c.m2,
            &decide,
            &json!({"decision": "grant", "reason": "ok"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("your own organisation's"),
        "{v}"
    );
    let (s, v) = app
        .get(
            &c.m2,
            &format!("/api/v1/directives/{id}/requests?state=pending"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == own_id.as_str()),
        "still pending: {v}"
    );

    // The queue says so instead of offering the decision.
    let cookie = app.login_cookie("manager2").await;
    let (s, _, html) = page(&app, &cookie, &format!("/directives/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("id=\"own-{own_id}\"")), "{html}");
    assert!(!html.contains(&format!("id=\"grant-{own_id}\"")), "{html}");

    // Forms posted without their CSRF token: the 403 page, nothing decided.
    let pending = v.as_array().unwrap()[0]["id"].as_str().unwrap().to_owned();
    for (path, fields) in [
        (
            format!("/directives/{id}/requests/{pending}/decide"),
            vec![("decision", "grant"), ("reason", "fine")],
        ),
        (
            format!("/directives/{id}/request"),
            vec![
                ("obligation", "inventory|2026-02-01"),
                ("kind", "exception"),
                ("justification", "x"),
            ],
        ),
    ] {
        let (s, kind, html) = form(&app, &cookie, &path, &fields).await;
        assert_eq!(s, 403, "{path}: {html}");
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(html.contains("CSRF"), "{html}");
    }
    let (_, v) = app
        .get(
            &c.m2,
            &format!("/api/v1/directives/{id}/requests?state=pending"),
        )
        .await;
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == pending.as_str()),
        "{v}"
    );
}

both_backends!(
    requests_are_decided_by_others,
    requests_are_decided_by_others
);

async fn the_page_reads_for_people(app: TestApp) {
    let c = cast(&app).await;
    let id = setup(&app, &c).await;

    // Out of scope: said so, no score, no forms.
    let cookie = app.login_cookie("hospital-ops").await;
    let (s, _, html) = page(&app, &cookie, &format!("/directives/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"not-applicable\""), "{html}");
    assert!(
        html.contains("does not apply to your organisation"),
        "{html}"
    );
    assert!(!html.contains("100.0%"), "no score: {html}");
    assert!(!html.contains("id=\"request-form\""), "{html}");
    let (s, v) = app
        .get(&c.hospital, &format!("/api/v1/directives/{id}/compliance"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["applies"], false, "{v}");
    let (_, v) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/compliance"))
        .await;
    assert_eq!(v["applies"], true, "{v}");

    // An agency in scope keeps its figures; the due rules are sentences.
    let cookie = app.login_cookie("doe-ops").await;
    let (_, _, html) = page(&app, &cookie, &format!("/directives/{id}")).await;
    assert!(!html.contains("id=\"not-applicable\""), "{html}");
    assert!(html.contains("id=\"request-form\""), "{html}");
    assert!(
        html.contains("due: the KEV entry&#x27;s due date (exposures not in KEV have none)")
            || html.contains("due: the KEV entry&#39;s due date (exposures not in KEV have none)"),
        "{html}"
    );
    assert!(
        html.contains("due: 3650 days (about 10 years) after first seen"),
        "{html}"
    );
    assert!(
        html.contains("asset_count: number") && html.contains("encrypted: yes/no (optional)"),
        "{html}"
    );
    assert!(!html.contains("&quot;kind&quot;"), "no raw JSON: {html}");
}

both_backends!(the_page_reads_for_people, the_page_reads_for_people);
