//! The directive pages in Chromium: a directive manager finds the
//! directive in the navigation and reads CISA's dashboard (the overall
//! figures, the trend chart, worst offenders, the organisations) whose
//! numbers are the export's; an agency member reads what its organisation
//! owes (the KEV exposure overdue) and sees no dashboard.

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{browse, click, count, fill, open, select, sign_in, sign_out, text, wait};
use crate::directives::cast;
use crate::directives_dashboard::setup;

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
