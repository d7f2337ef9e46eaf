//! The directive dashboard at scale and the reminders, end to end on
//! both backends: the materialised figures (`/dashboard`, `.csv`) equal
//! the read-time figures (`/compliance`) before and after a remediation
//! change (which queues a refresh of that organisation), "since
//! yesterday" and the trend come from the day before (the test clock is
//! the day passed to the refresh and the reminder run); reminders go out
//! 7 days and 1 day before the due date and once overdue, each once
//! however often the job runs, and directive managers get one digest a
//! day.

use clearinghouse::workflows::directives::{reminders, snapshots};
use clearinghouse_domain::directive::due::add_days;
use clearinghouse_domain::frontier::date::CalendarDate;
use serde_json::{Value, json};

use crate::both_backends;
use crate::directives::{Cast, cast, draft, issue};
use crate::exposure::{CVE, asset, import, osv_paramiko, upload};
use crate::harness::TestApp;

fn today() -> CalendarDate {
    clearinghouse::workflows::directives::obligations::today().unwrap()
}

/// Both agencies and the hospital run paramiko 2.4.0; its KEV entry is
/// due on `due`. Returns the draft directive's id, issued.
pub(crate) async fn setup(app: &TestApp, c: &Cast, due: CalendarDate) -> String {
    seed(app, c, due).await;
    let (s, d) = app.post(&c.m1, "/api/v1/directives", &draft()).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    issue(app, c, &id).await;
    id
}

/// Both agencies and the hospital run paramiko 2.4.0; its KEV entry is
/// due on `due`.
pub(crate) async fn seed(app: &TestApp, c: &Cast, due: CalendarDate) {
    let sbom = crate::exposure::cyclonedx(&[("paramiko", "2.4.0")]);
    for token in [&c.a, &c.b, &c.hospital] {
        let a = asset(app, token, "ssh-gateway", true).await;
        let (s, v) = upload(app, token, &a, sbom.clone()).await;
        assert_eq!(s, 200, "{v}");
    }
    let osv = serde_json::to_vec(&osv_paramiko()).unwrap();
    let (s, v) = import(app, &app.admin_token, "paramiko.json", osv).await;
    assert_eq!(s, 200, "{v}");
    let mut kev = crate::exposure::kev(CVE);
    kev["vulnerabilities"][0]["dueDate"] = json!(due.to_string());
    let (s, v) = import(
        app,
        &app.admin_token,
        "kev.json",
        serde_json::to_vec(&kev).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

async fn json_of(app: &TestApp, token: &str, path: &str) -> Value {
    let (s, v) = app.get(token, path).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

async fn text_of(app: &TestApp, token: &str, path: &str) -> String {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn dashboard_equals_live_figures(app: TestApp) {
    let c = cast(&app).await;
    let id = setup(&app, &c, CalendarDate::parse("2021-11-17").unwrap()).await;
    let base = format!("/api/v1/directives/{id}");

    // Yesterday's figures, as the daily job left them.
    let yesterday = add_days(today(), -1);
    let now = clearinghouse::clock::now_text();
    snapshots::refresh(&app.app, &id, None, yesterday, &now)
        .await
        .unwrap();

    let dash = json_of(&app, &c.m1, &format!("{base}/dashboard")).await;
    let live = json_of(&app, &c.m1, &format!("{base}/compliance")).await;
    assert_eq!(dash["compliance"], live, "materialised = read-time");
    assert!(
        dash["compliance"]["overall"]["overdue"].as_u64().unwrap() >= 4,
        "each agency's KEV exposure and report: {dash}"
    );
    assert_eq!(
        dash["since_yesterday"]["previous_day"],
        json!(yesterday.to_string())
    );
    assert_eq!(dash["since_yesterday"]["overdue"], 0, "{dash}");
    assert_eq!(dash["trend"].as_array().unwrap().len(), 2, "{dash}");
    assert_eq!(
        text_of(&app, &c.m1, &format!("{base}/dashboard.csv")).await,
        text_of(&app, &c.m1, &format!("{base}/compliance.csv")).await,
        "the export's numbers are the page's"
    );

    // An agency reads its own figures live, not CISA's dashboard.
    let (s, v) = app.get(&c.a, &format!("{base}/dashboard")).await;
    assert_eq!(s, 403, "{v}");

    // Agency A patches: its refresh is queued; the figures follow.
    let mine = json_of(&app, &c.a, &format!("{base}/obligations?action=kev")).await;
    let exposure = mine[0]["exposure_id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &c.a,
            &format!("/api/v1/exposures/{exposure}"),
            &json!({"state": "patched"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(app.run_pending_jobs().await >= 1, "a refresh was queued");
    let dash = json_of(&app, &c.m1, &format!("{base}/dashboard")).await;
    let live = json_of(&app, &c.m1, &format!("{base}/compliance")).await;
    assert_eq!(
        dash["compliance"], live,
        "materialised = read-time after the change"
    );
    let since = &dash["since_yesterday"];
    assert_eq!(since["overdue"], -1, "{since}");
    assert!(since["satisfied"].as_i64().unwrap() >= 1, "{since}");
    let moved = since["orgs"].as_array().unwrap();
    assert_eq!(moved.len(), 1, "only agency A moved: {since}");
    assert_eq!(moved[0]["org_id"], json!(c.a_org));
    assert_eq!(
        moved[0]["overdue_before"].as_u64().unwrap(),
        moved[0]["overdue_now"].as_u64().unwrap() + 1,
        "{since}"
    );
    assert_eq!(
        text_of(&app, &c.m1, &format!("{base}/dashboard.csv")).await,
        text_of(&app, &c.m1, &format!("{base}/compliance.csv")).await
    );
}

both_backends!(dashboard_equals_live_figures, dashboard_equals_live_figures);

async fn inbox(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let v = json_of(app, token, "/api/v1/notifications?limit=500").await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

async fn reminders_once_each(app: TestApp) {
    let c = cast(&app).await;
    let due = add_days(today(), 10);
    let id = setup(&app, &c, due).await;
    let now = clearinghouse::clock::now_text();
    let run = |day: CalendarDate| {
        let app = &app.app;
        let now = now.clone();
        async move { reminders::run(app, day, &now).await.unwrap() }
    };

    // Eight days before: only the report already overdue (and the digest).
    let first = run(add_days(due, -8)).await;
    assert_eq!(first.digests, 1, "{first:?}");
    assert!(inbox(&app, &c.a, "directive.reminder").await.is_empty());
    let overdue = inbox(&app, &c.a, "directive.overdue").await;
    assert_eq!(overdue.len(), 1, "the inventory report: {overdue:?}");
    assert!(overdue[0]["title"].as_str().unwrap().contains("BOD 26-05"));
    assert_eq!(inbox(&app, &c.m1, "directive.digest").await.len(), 1);

    // Seven days before: one reminder per agency for the KEV obligation.
    run(add_days(due, -7)).await;
    let r = inbox(&app, &c.a, "directive.reminder").await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0]["title"].as_str().unwrap().contains("due in 7 days"),
        "{r:?}"
    );
    assert_eq!(inbox(&app, &c.b, "directive.reminder").await.len(), 1);
    let again = run(add_days(due, -7)).await;
    assert_eq!(
        (again.notifications, again.digests),
        (0, 0),
        "each reminder and digest goes out once"
    );
    assert_eq!(inbox(&app, &c.a, "directive.reminder").await.len(), 1);

    // The day before, then overdue: once each.
    run(add_days(due, -1)).await;
    let r = inbox(&app, &c.a, "directive.reminder").await;
    assert_eq!(r.len(), 2);
    assert!(
        r.iter()
            .any(|n| n["title"].as_str().unwrap().contains("due tomorrow"))
    );
    run(add_days(due, 1)).await;
    run(add_days(due, 1)).await;
    let o = inbox(&app, &c.a, "directive.overdue").await;
    assert_eq!(o.len(), 2, "the report, then the KEV exposure: {o:?}");
    assert_eq!(
        inbox(&app, &c.hospital, "directive.overdue").await.len(),
        0,
        "out of scope"
    );
    assert_eq!(
        inbox(&app, &c.m1, "directive.digest").await.len(),
        4,
        "one digest per day run"
    );

    // The job itself, with its own day, sends nothing twice either.
    let job = clearinghouse::jobs::directive_remind::DirectiveRemind {
        as_of: Some(add_days(due, 1).to_string()),
    };
    let mut tx = app.app.store.begin_write().await.unwrap();
    let stamp = clearinghouse::clock::now_text();
    clearinghouse::jobs::enqueue(&mut tx, &job, None, &stamp, &stamp)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.run_pending_jobs().await;
    assert_eq!(inbox(&app, &c.a, "directive.overdue").await.len(), 2);
    let _ = id;
}

both_backends!(reminders_once_each, reminders_once_each);
