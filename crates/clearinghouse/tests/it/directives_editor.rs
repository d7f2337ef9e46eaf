//! The directive editor over plain HTTP with a directive manager's
//! session, on both backends: only directive managers open it; a rule that
//! does not parse (its position named) and an attestation due before the
//! directive is effective are refused beside their fields with everything
//! typed kept and nothing stored; the preview counts, per organisation in
//! scope, the exposures the rule catches and those overdue today, equal to
//! the API's preview and to the obligations once the directive is filed
//! and approved by a second manager; an issued directive is amended from
//! its page into a new draft version with its changes recorded.

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives::cast;
use crate::directives_dashboard::seed;
use crate::directives_records::{csrf, form, page};
use crate::harness::TestApp;

async fn directive_count(app: &TestApp, token: &str) -> usize {
    let (s, v): (u16, Value) = app.get(token, "/api/v1/directives").await;
    assert_eq!(s, 200, "{v}");
    v.as_array().map_or(0, Vec::len)
}

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

async fn editor_refuses_previews_files_and_amends(app: TestApp) {
    let c = cast(&app).await;
    let due =
        clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
    seed(&app, &c, due).await;

    let a = app.login_cookie("doe-ops").await;
    let (s, _) = page(&app, &a, "/directives/new").await;
    assert_eq!(s, 403, "only directive managers draft");
    let m1 = app.login_cookie("manager1").await;
    let (s, html) = page(&app, &m1, "/directives").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"new-directive\""), "{html}");
    let (s, html) = page(&app, &m1, "/directives/new").await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"a0.rule\""), "{html}");
    let token = csrf(&html);
    let base = [
        ("csrf_token", token.as_str()),
        ("number", "BOD 26-07"),
        ("title", "Known exploited vulnerabilities"),
        ("issued", "2026-01-01"),
        ("effective", "2026-01-15"),
        ("kinds", "government_agency"),
        ("a0.type", "remediate"),
        ("a0.key", "kev"),
        ("a0.title", "Remediate KEV entries"),
        ("a0.due_kind", "kev_due_date"),
    ];

    // A rule that does not parse: beside the rule, its position named.
    let (s, html) = form(
        &app,
        &m1,
        "/directives/new",
        &with(&base, &[("a0.rule", "kev and"), ("intent", "preview")]),
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("id=\"a0-rule-error\">actions[0].rule: at position"),
        "{html}"
    );
    assert!(html.contains("value=\"kev and\""), "typed kept: {html}");
    assert!(html.contains("value=\"Known exploited vulnerabilities\""));
    assert_eq!(directive_count(&app, &c.m1).await, 0);

    // Another action added by posting the form back; an attestation due
    // before the directive is effective is refused beside its date.
    let (s, html) = form(
        &app,
        &m1,
        "/directives/new",
        &with(&base, &[("a0.rule", "kev"), ("intent", "add_attest")]),
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("name=\"a1.statement\""), "{html}");
    let attest = [
        ("a0.rule", "kev"),
        ("a1.type", "attest"),
        ("a1.key", "process"),
        ("a1.title", "Process"),
        (
            "a1.statement",
            "We remediate KEV entries by their due dates.",
        ),
    ];
    let (s, html) = form(
        &app,
        &m1,
        "/directives/new",
        &with(
            &with(&base, &attest),
            &[("a1.due_date", "2026-01-02"), ("intent", "save")],
        ),
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains(
            "id=\"a1-due-error\">actions[1].due: must not be before the directive is effective"
        ),
        "{html}"
    );
    assert_eq!(directive_count(&app, &c.m1).await, 0);

    // The preview: both agencies' paramiko exposure, overdue; not the
    // hospital (out of scope).
    let good = with(&with(&base, &attest), &[("a1.due_date", "2036-01-01")]);
    let (s, html) = form(
        &app,
        &m1,
        "/directives/new",
        &with(&good, &[("intent", "preview")]),
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"rule-preview\""), "{html}");
    assert!(
        html.contains("2 exposures in 2 organisations; 2 overdue today; 0 already remediated."),
        "{html}"
    );
    assert!(html.contains("Department of Energy"), "{html}");
    assert!(html.contains("Department of Labor"), "{html}");
    assert!(!html.contains("Rural Hospital"), "{html}");
    let body = json!({
        "number": "BOD 26-07", "title": "Known exploited vulnerabilities",
        "issued": "2026-01-01", "effective": "2026-01-15",
        "scope": {"kinds": ["government_agency"]},
        "actions": [{"type": "remediate", "key": "kev", "title": "Remediate KEV entries",
            "rule": "kev", "due": {"kind": "kev_due_date"}}]
    });
    let (s, p) = app.post(&c.m1, "/api/v1/directives/preview", &body).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["actions"][0]["exposures"], 2, "{p}");
    assert_eq!(p["actions"][0]["overdue"], 2, "{p}");
    let (s, _) = app.post(&c.a, "/api/v1/directives/preview", &body).await;
    assert_eq!(s, 403, "only directive managers preview");
    assert_eq!(
        directive_count(&app, &c.m1).await,
        0,
        "a preview stores nothing"
    );

    // Filed for issue: pending until a second manager approves.
    let resp = app
        .client
        .post(app.url("/directives/new"))
        .header("cookie", &m1)
        .form(&with(&good, &[("intent", "file")]))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.ends_with("?done=filed"), "{location}");
    let id = location
        .trim_start_matches("/directives/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();
    let (_, d): (u16, Value) = app.get(&c.m1, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(d["versions"][0]["state"], "pending", "{d}");
    assert_eq!(d["body"]["actions"][1]["due"], "2036-01-01", "{d}");
    let approval = d["versions"][0]["approval_id"].as_str().expect("approval");
    let (s, v) = app
        .post(
            &c.m2,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, obligations): (u16, Value) = app
        .get(
            &c.m1,
            &format!("/api/v1/directives/{id}/obligations?action=kev"),
        )
        .await;
    let obligations = obligations.as_array().expect("a list");
    assert_eq!(obligations.len(), 2, "the preview's count");
    assert!(obligations.iter().all(|o| o["state"] == "overdue"));

    // Amended from its page: a new draft version, its changes recorded.
    let (_, html) = page(&app, &m1, &format!("/directives/{id}")).await;
    assert!(
        html.contains(&format!("href=\"/directives/{id}/edit\"")),
        "{html}"
    );
    let (s, html) = page(&app, &m1, &format!("/directives/{id}/edit")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Amend BOD 26-07"), "{html}");
    assert!(html.contains("value=\"Remediate KEV entries\""), "{html}");
    let amended: Vec<(&str, &str)> = good
        .iter()
        .map(|&(k, v)| {
            if k == "title" {
                (k, "KEV, amended")
            } else {
                (k, v)
            }
        })
        .chain([("intent", "save")])
        .collect();
    let (s, html) = form(&app, &m1, &format!("/directives/{id}/edit"), &amended).await;
    assert_eq!(s, 303, "{html}");
    let (_, d): (u16, Value) = app.get(&c.m1, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(d["latest_version"], 2, "{d}");
    assert_eq!(d["issued_version"], 1, "{d}");
    let v2 = &d["versions"][1];
    assert_eq!(v2["state"], "draft", "{d}");
    assert_eq!(v2["changes"]["fields"], json!(["title"]), "{d}");
}

both_backends!(directives_editor, editor_refuses_previews_files_and_amends);
