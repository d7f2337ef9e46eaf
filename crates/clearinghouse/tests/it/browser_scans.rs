//! The scan coordination pages in Chromium (issue 14): an operator sees
//! its proven assets and the permission it gave, is told beside the
//! field what is wrong with a new asset and a new permission, adds both;
//! a researcher's campaign on an uncovered block is refused with the
//! uncovered target listed beside the form, a covered one registered,
//! and a target claimed; a second lab sees the overlap and the claim and
//! chooses to proceed; the coordinator sees the disputed claim; the
//! operator revokes the permission (the campaign stops on its timeline)
//! and reports scanning, answered at once, which the coordinator sees as
//! an incident. No page shows a bare id.

use fantoccini::{Client, Locator};

use crate::browser::{WAIT, browse, click, fill, open, sign_in, sign_out, text, xtext};
use crate::browser_ui::{has_uuid, text_without_ids};
use crate::scans::{cast, setup};

/// Waits until the page a form posted to has loaded: the field `id`, typed
/// into before the post, is empty again (a fresh page after a success).
/// Opening another page before then can abort the post on a loaded machine.
async fn form_cleared(c: &Client, id: &str) {
    let started = std::time::Instant::now();
    loop {
        if let Ok(field) = c.find(Locator::Id(id)).await
            && let Ok(Some(value)) = field.prop("value").await
            && value.is_empty()
        {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "#{id} still holds what was typed: the form's post did not land"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Fails when the page's text shows a UUID outside `<code class="id">`.
async fn no_bare_ids(c: &Client, what: &str) {
    let all = text_without_ids(c).await;
    if let Some(id) = has_uuid(&all) {
        panic!("{what} shows the id {id}:\n{all}");
    }
}

fn hours(h: i64) -> String {
    clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::hours(h))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_researchers_and_coordinators_walk_the_scan_pages() {
    browse(async |app, c| {
        let people = cast(app).await;
        let _ = setup(app, &people).await;

        // The operator: its assets, proven, and the permission it gave.
        sign_in(c, app, "water-it").await;
        click(c, Locator::Id("nav-scans")).await;
        xtext(
            c,
            "//table[@id='scan-assets']//tr[@data-target='cidr:203.0.113.0/26']/td[contains(., 'proven')]",
        )
        .await;
        xtext(
            c,
            "//table[@id='scan-grants']//tr[@data-scanner='Lab One']/td[contains(., 'in force')]",
        )
        .await;
        no_bare_ids(c, "the operator's page").await;
        fill(c, "asset-target", "cidr:198.18.0.7/24").await;
        click(c, Locator::Id("add-asset")).await;
        let e = text(c, "#asset-target-error").await;
        assert!(e.contains("did you mean 198.18.0.0/24"), "{e}");
        fill(c, "asset-target", "cidr:198.18.0.0/24").await;
        click(c, Locator::Id("add-asset")).await;
        xtext(
            c,
            "//table[@id='scan-assets']//tr[@data-target='cidr:198.18.0.0/24']/td[contains(., 'waiting for proof')]",
        )
        .await;

        // A permission for the second lab: an unknown name, then right.
        fill(c, "grant-scanner", "Nobody Labs").await;
        click(
            c,
            Locator::XPath("//label[code='host:portal.water.example']/input[@name='asset']"),
        )
        .await;
        click(
            c,
            Locator::XPath("//form[@id='grant-form']//input[@name='technique' and @value='passive']"),
        )
        .await;
        fill(c, "grant-rate", "5").await;
        fill(c, "grant-op-contact", "soc@water.example").await;
        fill(c, "grant-sc-contact", "lab2@example").await;
        click(c, Locator::Id("create-grant")).await;
        let e = text(c, "#grant-scanner-error").await;
        assert!(e.contains("no organisation has this"), "{e}");
        fill(c, "grant-scanner", "Lab Two").await;
        click(c, Locator::Id("create-grant")).await;
        xtext(
            c,
            "//table[@id='scan-grants']//tr[@data-scanner='Lab Two']/td[contains(., 'in force')]",
        )
        .await;
        sign_out(c, app).await;

        // Lab one: refused with the uncovered target beside the form.
        sign_in(c, app, "lab1-scanner").await;
        click(c, Locator::Id("nav-scans")).await;
        fill(c, "campaign-targets", "cidr:203.0.113.0/24\npkg:npm/lodash").await;
        fill(c, "campaign-scanner", "ExampleScanner 2.1").await;
        click(
            c,
            Locator::XPath("//form[@id='campaign-form']//input[@name='technique' and @value='active']"),
        )
        .await;
        fill(c, "campaign-sources", "198.51.100.1").await;
        click(c, Locator::Id("register-campaign")).await;
        let listed = text(c, "#uncovered").await;
        assert!(listed.contains("cidr:203.0.113.0/24"), "{listed}");
        assert!(!listed.contains("lodash"), "{listed}");
        let e = text(c, "#campaign-targets-error").await;
        assert!(e.contains("Refused"), "{e}");
        fill(c, "campaign-targets", "cidr:203.0.113.0/27\npkg:npm/lodash").await;
        click(c, Locator::Id("register-campaign")).await;
        assert_eq!(text(c, "#campaign-state").await, "active");
        no_bare_ids(c, "the campaign page").await;
        // Claim the package for the coming days.
        click(
            c,
            Locator::XPath("//select[@id='claim-target']/option[@value='pkg:npm/lodash']"),
        )
        .await;
        fill(c, "claim-note", "fuzzing the parser").await;
        click(c, Locator::Id("make-claim")).await;
        form_cleared(c, "claim-note").await;
        open(c, app, "/scans/campaigns").await;
        xtext(
            c,
            "//table[@id='scan-claims']//td[contains(., 'pkg:npm/lodash')]",
        )
        .await;
        sign_out(c, app).await;

        // Lab two: the overlap and the claim, and its choice to proceed.
        sign_in(c, app, "lab2-scanner").await;
        click(c, Locator::Id("nav-scans")).await;
        fill(c, "campaign-targets", "pkg:npm/lodash vers:npm/>=4.0.0").await;
        fill(c, "campaign-scanner", "Lab Two Fuzz 1").await;
        fill(c, "campaign-start", &hours(2)).await;
        click(c, Locator::Id("register-campaign")).await;
        xtext(
            c,
            // Lab One's campaign is labelled for its own organisation: the
            // overlap is shown with its window, who runs it withheld.
            "//table[@id='campaign-overlaps']//td[contains(., 'another organisation')]",
        )
        .await;
        xtext(
            c,
            "//table[@id='campaign-claims']//td[normalize-space()='Lab One']",
        )
        .await;
        no_bare_ids(c, "the second lab's campaign page").await;
        click(
            c,
            Locator::XPath("//form[contains(@class, 'respond-claim')]//option[@value='proceed']"),
        )
        .await;
        click(
            c,
            Locator::XPath("//form[contains(@class, 'respond-claim')]//button"),
        )
        .await;
        let mine = text(c, ".my-choice").await;
        assert_eq!(mine, "proceeds anyway");
        sign_out(c, app).await;

        // The coordinator: the disputed claim.
        sign_in(c, app, "coordinator1").await;
        click(c, Locator::Id("nav-scans")).await;
        xtext(
            c,
            "//table[@id='scan-disputed-claims']//td[contains(., 'Lab Two proceeds anyway')]",
        )
        .await;
        no_bare_ids(c, "the coordination page").await;
        sign_out(c, app).await;

        // The operator revokes lab one's permission; its campaign stops.
        sign_in(c, app, "water-it").await;
        click(c, Locator::Id("nav-scans")).await;
        let revoke = "//table[@id='scan-grants']//tr[@data-scanner='Lab One']//form";
        fill_xpath(c, &format!("{revoke}//input[@name='reason']"), "incident on site").await;
        click(c, Locator::XPath(&format!("{revoke}//button"))).await;
        xtext(
            c,
            "//table[@id='scan-grants']//tr[@data-scanner='Lab One']/td[contains(., 'revoked')]",
        )
        .await;
        xtext(
            c,
            "//table[@id='scan-timeline']//td[contains(., 'stopped')]",
        )
        .await;
        // Scanning it saw: answered at once.
        fill(c, "report-sources", "192.0.2.66").await;
        fill(c, "report-targets", "host:portal.water.example").await;
        fill(c, "report-start", &hours(-2)).await;
        fill(c, "report-end", &hours(-1)).await;
        click(c, Locator::Id("send-report")).await;
        let answer = text(c, "#report-answer").await;
        assert!(answer.contains("Not covered"), "{answer}");
        no_bare_ids(c, "the operator's page after a report").await;
        sign_out(c, app).await;

        sign_in(c, app, "coordinator1").await;
        open(c, app, "/scans/coordination").await;
        let incident = text(c, "#scan-incidents .incident-state").await;
        assert_eq!(incident, "open");
    })
    .await;
}

async fn fill_xpath(c: &Client, xpath: &str, value: &str) {
    let field = crate::browser::wait(c, Locator::XPath(xpath)).await;
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}
