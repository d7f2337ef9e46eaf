//! The directive pages in Chromium: a directive manager finds the
//! directive in the navigation and reads CISA's dashboard (the overall
//! figures, the trend chart, worst offenders, the organisations) whose
//! numbers are the export's; an agency member reads what its organisation
//! owes (the KEV exposure overdue) and sees no dashboard. A directive
//! manager drafts a directive in the editor, previews what its rule
//! catches and files it for issue, and grants an agency's request from the
//! queue; the agency attaches evidence to its report and sees it listed.

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{browse, click, count, fill, open, select, sign_in, sign_out, text, wait};
use crate::directives::cast;
use crate::directives_dashboard::setup;
use crate::harness::temp_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_reads_the_dashboard_agency_its_obligations() {
    browse(async |app, c| {
        let cast = cast(app).await;
        let due =
            clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
        let id = setup(app, &cast, due).await;

        sign_in(c, app, "manager1").await;
        click(c, Locator::Id("nav-directives")).await;
        click(c, Locator::Css("a.directive-link[data-number='BOD 26-05']")).await;
        wait(c, Locator::Id("compliance-dashboard")).await;
        let (s, dash): (u16, Value) = app
            .get(&cast.m1, &format!("/api/v1/directives/{id}/dashboard"))
            .await;
        assert_eq!(s, 200, "{dash}");
        let o = &dash["compliance"]["overall"];
        let row = text(c, "#overall-row").await;
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells[1..6],
            [
                o["total"].to_string(),
                o["on_time"].to_string(),
                o["overdue"].to_string(),
                o["excepted"].to_string(),
                o["satisfied"].to_string()
            ]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()[..],
            "the page's numbers are the JSON's: {row}"
        );
        let csv = app
            .client
            .get(app.url(&format!("/api/v1/directives/{id}/dashboard.csv")))
            .bearer_auth(&cast.m1)
            .send()
            .await
            .expect("csv")
            .text()
            .await
            .expect("csv text");
        let overall = csv
            .lines()
            .find(|l| l.contains(",overall,"))
            .expect("overall row");
        assert!(
            overall.contains(&format!(
                ",{},{},{},{},{},",
                o["total"], o["on_time"], o["overdue"], o["excepted"], o["satisfied"]
            )),
            "the export's numbers are the page's: {overall}"
        );
        assert!(count(c, Locator::Css("svg#compliance-chart rect[data-day]")).await > 0);
        let worst = text(c, "#worst-offenders").await;
        assert!(worst.contains("Department of Energy"), "{worst}");
        assert_eq!(
            count(c, Locator::Css("#export-csv")).await,
            1,
            "an export link beside the figures"
        );
        sign_out(c, app).await;

        sign_in(c, app, "doe-ops").await;
        open(c, app, &format!("/directives/{id}")).await;
        wait(c, Locator::Id("my-obligations")).await;
        let mine = text(c, "#obligations").await;
        assert!(mine.contains("CVE-2018-1000805"), "{mine}");
        assert!(mine.contains("overdue"), "{mine}");
        assert_eq!(count(c, Locator::Id("compliance-dashboard")).await, 0);
        let score = text(c, "#my-score").await;
        assert!(score.starts_with("Score "), "{score}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agency_submits_a_report_and_asks_for_an_exception() {
    browse(async |app, c| {
        let cast = cast(app).await;
        let due =
            clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
        let id = setup(app, &cast, due).await;

        sign_in(c, app, "doe-ops").await;
        open(c, app, &format!("/directives/{id}")).await;
        wait(c, Locator::Id("form-inventory")).await;
        // Left empty, the required field is refused beside it.
        click(c, Locator::Id("submit-inventory")).await;
        let err = text(c, "#inventory-asset_count-error").await;
        assert!(err.contains("is required"), "{err}");
        fill(c, "inventory-asset_count", "42").await;
        click(c, Locator::Id("submit-inventory")).await;
        let notice = text(c, "#form-notice").await;
        assert!(notice.starts_with("Recorded"), "{notice}");
        let done = text(c, "#form-inventory").await;
        assert!(
            done.contains("Every report due so far is submitted"),
            "{done}"
        );
        let row = text(c, "#obligations tr[data-action='inventory']").await;
        assert!(row.contains("satisfied"), "the report is recorded: {row}");

        // An exception request needs a justification.
        select(c, "request-kind", "exception").await;
        click(c, Locator::Id("request-submit")).await;
        let err = text(c, "#request-justification-error").await;
        assert!(err.contains("justification"), "{err}");
        assert_eq!(count(c, Locator::Id("my-requests")).await, 0);
        select(c, "request-kind", "exception").await;
        fill(
            c,
            "request-justification",
            "A vendor patch ships next month.",
        )
        .await;
        click(c, Locator::Id("request-submit")).await;
        let mine = text(c, "#my-requests").await;
        assert!(mine.contains("pending"), "{mine}");
        assert!(mine.contains("exception"), "{mine}");
    })
    .await;
}

/// Sets a date input's value (typing into one depends on the locale).
async fn set_date(c: &fantoccini::Client, id: &str, value: &str) {
    wait(c, Locator::Id(id)).await;
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![Value::from(id), Value::from(value)],
    )
    .await
    .expect("set the date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_drafts_previews_files_and_decides_agency_attaches_evidence() {
    browse(async |app, c| {
        let cast = cast(app).await;
        let due =
            clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
        let id = setup(app, &cast, due).await;
        let (s, sub) = app
            .post(
                &cast.a,
                &format!("/api/v1/directives/{id}/reports"),
                &serde_json::json!({"action": "inventory", "period": "2026-02-01",
                    "fields": {"asset_count": 42}}),
            )
            .await;
        assert_eq!(s, 201, "{sub}");
        let sid = sub["id"].as_str().expect("id").to_owned();
        let (s, r) = app
            .post(
                &cast.a,
                &format!("/api/v1/directives/{id}/requests"),
                &serde_json::json!({"action": "process", "kind": "exception",
                    "period": "2036-01-01", "justification": "A new process ships in June."}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let rid = r["id"].as_str().expect("id").to_owned();

        // The editor: draft, preview the rule, file for issue.
        sign_in(c, app, "manager1").await;
        click(c, Locator::Id("nav-directives")).await;
        click(c, Locator::Id("new-directive")).await;
        fill(c, "d-number", "BOD 26-08").await;
        fill(c, "d-title", "Known exploited, again").await;
        set_date(c, "d-issued", "2026-01-01").await;
        set_date(c, "d-effective", "2026-01-15").await;
        click(c, Locator::Id("kind-government_agency")).await;
        fill(c, "a0-key", "kev").await;
        fill(c, "a0-title", "Remediate KEV entries").await;
        fill(c, "a0-rule", "kev and").await;
        click(c, Locator::Id("preview-rules")).await;
        let err = text(c, "#a0-rule-error").await;
        assert!(err.contains("at position"), "{err}");
        fill(c, "a0-rule", "kev").await;
        click(c, Locator::Id("preview-rules")).await;
        let preview = text(c, "#rule-preview").await;
        assert!(preview.contains("Department of Energy"), "{preview}");
        assert!(preview.contains("2 overdue today"), "{preview}");
        assert!(!preview.contains("Rural Hospital"), "{preview}");
        click(c, Locator::Id("file-for-issue")).await;
        let notice = text(c, "#page-notice").await;
        assert!(notice.starts_with("Filed for issue"), "{notice}");
        let title = text(c, "h1").await;
        assert!(title.starts_with("BOD 26-08"), "{title}");

        // The queue: grant the agency's request with a reason.
        open(c, app, &format!("/directives/{id}")).await;
        wait(c, Locator::Id("request-queue")).await;
        fill(c, &format!("reason-{rid}"), "Plan reviewed; June is fine.").await;
        click(c, Locator::Id(&format!("grant-{rid}"))).await;
        let decided = text(c, "#decided-requests").await;
        assert!(decided.contains("Plan reviewed"), "{decided}");
        assert!(decided.contains("granted"), "{decided}");
        sign_out(c, app).await;

        // The agency: its report listed; evidence attached and listed.
        sign_in(c, app, "doe-ops").await;
        open(c, app, &format!("/directives/{id}")).await;
        let listed = text(c, &format!("tr[data-submission='{sid}']")).await;
        assert!(listed.contains("asset count"), "{listed}");
        assert!(listed.contains("42"), "{listed}");
        let mine = text(c, "#my-requests").await;
        assert!(mine.contains("Plan reviewed"), "{mine}");
        let dir = temp_dir();
        let file = dir.join("inventory.csv");
        std::fs::write(&file, "asset,owner\nssh-gateway,ops\n").expect("write");
        wait(c, Locator::Id(&format!("evidence-{sid}")))
            .await
            .send_keys(file.to_str().expect("utf-8 path"))
            .await
            .expect("choose file");
        click(c, Locator::Id(&format!("attach-{sid}"))).await;
        let notice = text(c, "#page-notice").await;
        assert!(notice.starts_with("Evidence stored"), "{notice}");
        let listed = text(c, &format!("tr[data-submission='{sid}']")).await;
        assert!(listed.contains("inventory.csv"), "{listed}");
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
