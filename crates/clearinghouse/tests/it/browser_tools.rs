//! Headless-browser tests of the defensive-tools pages and the trusted
//! partners page: an operator of a rural hospital reads the catalog in
//! plain words, is refused beside the purpose when it leaves it empty, and
//! asks for a scanner; a vendor sees why a tool is not for it; a
//! coordinator is refused an approval without an end date beside the
//! field, approves with a time box and quota, and sees the request in the
//! demand by sector; the operator then reads the answer. On the partners
//! page the developer's admin nominates an organisation by name, a
//! coordinator files the government's approval, and after the second
//! coordinator's approval the developer sees it is a partner and withdraws
//! it with a reason.
//!
//! Same set-up as `browser.rs` (Chromium through chromedriver, SQLite).

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{browse, click, fill, open, sign_in, sign_out, text, wait};
use crate::frontier_inquiries::{Observer, lifecycle, world};
use crate::tools::scanner;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_asks_and_coordinator_answers() {
    browse(async |app, c| {
        let cisa = app.org("CISA", "government_agency").await;
        let (_, coord) = app.user(&cisa, "tools-coord", &["coordinator"]).await;
        let hospital = app
            .org("Valley Rural Hospital", "critical_infrastructure_operator")
            .await;
        app.user(&hospital, "hospital-it", &["member"]).await;
        let vendor = app.org("Vendor Inc", "vendor").await;
        app.user(&vendor, "vendor-it", &["member"]).await;
        let (s, tool) = app.post(&coord, "/api/v1/tools", &scanner()).await;
        assert_eq!(s, 201, "{tool}");
        let id = tool["id"].as_str().unwrap().to_owned();
        let section = format!("section[data-tool='{id}']");

        // The vendor reads why the scanner is not for it.
        sign_in(c, app, "vendor-it").await;
        open(c, app, "/defence-tools").await;
        let why = text(c, &format!("{section} .tool-not-for-you")).await;
        assert!(why.contains("vendor"), "{why}");
        sign_out(c, app).await;

        // The hospital asks; an empty purpose is refused beside it.
        sign_in(c, app, "hospital-it").await;
        click(c, Locator::Id("tools-menu")).await;
        click(c, Locator::Id("nav-defence-tools")).await;
        let about = text(c, &section).await;
        assert!(
            about.contains("critical infrastructure operator"),
            "{about}"
        );
        assert!(about.contains("healthcare and public health"), "{about}");
        assert!(about.contains("0 of 10 taken"), "{about}");
        click(c, Locator::Css(&format!("{section} .tool-ask"))).await;
        let e = text(c, &format!("{section} .tool-error")).await;
        assert!(e.contains("purpose"), "{e}");
        fill(
            c,
            &format!("purpose-{id}"),
            "Scan our patient portal weekly",
        )
        .await;
        click(c, Locator::Css(&format!("{section} .tool-ask"))).await;
        text(c, "#tool-notice").await;
        let answer = text(c, "#my-requests-table .tool-answer").await;
        assert_eq!(answer, "Waiting for a coordinator");
        sign_out(c, app).await;

        // The coordinator answers.
        sign_in(c, app, "tools-coord").await;
        open(c, app, "/defence-tools").await;
        click(
            c,
            Locator::Css("#coordinator-links a[href='/defence-tools/requests']"),
        )
        .await;
        let item = text(c, ".tool-queue-item").await;
        assert!(
            item.contains("Valley Rural Hospital asks for Hosted web scanner"),
            "{item}"
        );
        assert!(item.contains("Scan our patient portal weekly"), "{item}");
        assert!(
            item.contains("0 of "),
            "the places beside the request: {item}"
        );
        click(c, Locator::Css(".approve-submit")).await;
        let e = text(c, ".queue-error").await;
        assert!(e.contains("end"), "{e}");
        let until = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
            .date()
            .to_string();
        // A date input (typing into one depends on the locale).
        wait(c, Locator::Css(".approve-until")).await;
        c.execute(
            "document.querySelector('.approve-until').value = arguments[0];",
            vec![serde_json::Value::from(until.as_str())],
        )
        .await
        .unwrap();
        click(c, Locator::Css(".approve-submit")).await;
        let row = text(c, "#decided-table .decided-row").await;
        assert!(row.contains(&format!("until {until}")), "{row}");
        let sector = text(c, "#demand-table .demand-row").await;
        assert!(sector.contains("healthcare and public health"), "{sector}");
        sign_out(c, app).await;

        sign_in(c, app, "hospital-it").await;
        open(c, app, "/defence-tools").await;
        let answer = text(c, "#my-requests-table .tool-answer").await;
        assert!(answer.starts_with("Approved: from "), "{answer}");
        assert!(
            answer.contains("100 requests and 100000 tokens a day"),
            "{answer}"
        );
        // Not a coordinator: no queue.
        open(c, app, "/defence-tools/requests").await;
        crate::browser::error_page(c, 403).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_page_both_sides() {
    browse(async |app, c| {
        let w = world(app).await;
        lifecycle(app, &w, &mut Quiet).await;
        app.user(&w.dev_org, "atlas-admin", &["org_admin"]).await;
        app.user(&w.a.org, "gov-coord1", &["coordinator"]).await;
        let (_, coord2) = app.user(&w.a.org, "gov-coord2", &["coordinator"]).await;
        app.org("Partner Lab", "researcher").await;

        // The developer's admin nominates by name (an unknown name refused).
        sign_in(c, app, "atlas-admin").await;
        open(c, app, "/frontier").await;
        click(c, Locator::Id("tab-partners")).await;
        text(c, "#partners-empty").await;
        fill(c, "partner-org", "No Such Lab").await;
        fill(c, "partner-reason", "Joint red team for cyber uses").await;
        click(c, Locator::Id("nominate-submit")).await;
        let e = text(c, "#partner-org-error").await;
        assert!(e.contains("exact name"), "{e}");
        fill(c, "partner-org", "Partner Lab").await;
        click(c, Locator::Id("nominate-submit")).await;
        text(c, "#partner-notice").await;
        let standing = text(c, "tr.partner .partner-standing").await;
        assert_eq!(standing, "Waiting for the government's approval");
        sign_out(c, app).await;

        // A coordinator files the government's approval.
        sign_in(c, app, "gov-coord1").await;
        open(c, app, "/frontier/partners").await;
        click(c, Locator::Css("tr.partner .partner-approve")).await;
        let notice = text(c, "#partner-notice").await;
        assert!(notice.contains("second coordinator"), "{notice}");
        let standing = text(c, "tr.partner .partner-standing").await;
        assert!(
            standing.contains("second government coordinator"),
            "{standing}"
        );
        sign_out(c, app).await;
        let (_, list) = app.get(&coord2, "/api/v1/partners").await;
        let approval = list["items"][0]["government_approval_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (s, v) = app
            .post(
                &coord2,
                &format!("/api/v1/approvals/{approval}/decision"),
                &json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");

        // The developer sees the partnership and withdraws it.
        sign_in(c, app, "atlas-admin").await;
        open(c, app, "/frontier/partners").await;
        let standing = text(c, "tr.partner .partner-standing").await;
        assert!(standing.starts_with("Trusted partner since"), "{standing}");
        let reason = wait(c, Locator::Css("tr.partner .partner-withdraw-reason")).await;
        reason.send_keys("The project ended").await.unwrap();
        click(c, Locator::Css("tr.partner .partner-withdraw")).await;
        text(c, "#partner-notice").await;
        let standing = text(c, "tr.partner .partner-standing").await;
        assert!(
            standing.contains("Withdrawn by the developer"),
            "{standing}"
        );
        assert!(standing.contains("The project ended"), "{standing}");
    })
    .await;
}
