//! The case pages in Chromium: the vendor's admin finds the invitation in
//! the case list and joins; the case page shows the countdown, the
//! participants, the vendor's status in the product × vulnerability
//! matrix and the released patch; a message is posted with a file attached
//! (an empty one is refused beside the field) and the attachment
//! downloads; the coordinator is told a publication before the date needs
//! a reason, publishes, and reads the remediation progress; an outsider
//! gets the 404 page. No page shows a bare id.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{browse, click, error_page, fill, open, sign_in, sign_out, text, wait, xtext};
use crate::browser_ui::{has_uuid, text_without_ids};
use crate::cases_support::{map_product, open_with_vendor, parties};
use crate::exposure::{CVE, raw};

async fn no_bare_ids(c: &Client, what: &str) {
    let all = text_without_ids(c).await;
    if let Some(id) = has_uuid(&all) {
        panic!("{what} shows the id {id}:\n{all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_and_coordinator_walk_the_case_pages() {
    browse(async |app, c| {
        let p = parties(app).await;
        let ehr = crate::exposure::asset(app, &p.hospital, "ehr", true).await;
        let (s, v) = crate::exposure::upload(
            app,
            &p.hospital,
            &ehr,
            crate::exposure::cyclonedx(&[("paramiko", "2.4.0")]),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let id = open_with_vendor(app, &p, "Paramiko auth bypass", &[CVE], &[], false).await;
        let base = format!("/api/v1/cases/{id}");
        let (s, v) = raw(
            app,
            reqwest::Method::POST,
            &p.vendor_member,
            &format!("{base}/patches?name=paramiko-2.4.1.tar.gz&fixed_version=2.4.1"),
            b"the fixed paramiko".to_vec(),
        )
        .await;
        assert_eq!(s, 201, "{v}");

        // The vendor's admin: the invitation, then the case page.
        sign_in(c, app, "pm-admin").await;
        click(c, Locator::Id("nav-cases")).await;
        xtext(
            c,
            "//table[@id='invitations']//a[text()='Paramiko auth bypass']",
        )
        .await;
        no_bare_ids(c, "the case list").await;
        click(c, Locator::Css(&format!("button.join[data-id='{id}']"))).await;
        assert_eq!(text(c, "#case-notice").await, "You joined the case.");
        // Joined: the coordinator maps the product to the vendor, which
        // states the fix (a vendor speaks only for its confirmed products).
        map_product(app, &p, "pkg:pypi/paramiko").await;
        let (s, v) = app
            .post(
                &p.vendor_member,
                &format!("{base}/statements"),
                &json!({"statements": [{"vulnerability": CVE, "product": "pkg:pypi/paramiko",
                                        "status": "fixed", "fixed_version": "2.4.1"}]}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        open(c, app, &format!("/cases/{id}")).await;
        assert!(
            text(c, "#countdown")
                .await
                .starts_with("public disclosure in")
        );
        xtext(
            c,
            "//table[@id='participants']//td[text()='Paramiko Maintainers']",
        )
        .await;
        xtext(
            c,
            "//table[@id='status-matrix']//td[text()='fixed in 2.4.1']",
        )
        .await;
        xtext(
            c,
            "//table[@id='patches']//a[text()='paramiko-2.4.1.tar.gz']",
        )
        .await;
        // Per vulnerability: the patch names none, so it fixes the case's one.
        xtext(
            c,
            &format!(
                "//table[@id='vulnerability-patches']//tr[td[text()='{CVE}']]\
                 /td[contains(., 'paramiko-2.4.1.tar.gz (2.4.1)')]"
            ),
        )
        .await;
        no_bare_ids(c, "the case page").await;

        // An empty message is refused beside the field; one with a file is posted.
        click(c, Locator::Id("message-submit")).await;
        let e = text(c, "#message-error").await;
        assert!(e.contains("empty"), "{e}");
        let file = crate::harness::temp_dir().join("repro-steps.txt");
        std::fs::write(&file, "1. connect\n2. skip auth\n").unwrap();
        fill(c, "message-body", "Reproduction steps attached.").await;
        wait(c, Locator::Id("message-file"))
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .expect("choose the file");
        click(c, Locator::Id("message-submit")).await;
        assert_eq!(text(c, "#case-notice").await, "Message posted.");
        xtext(
            c,
            "//ol[@id='message-list']//p[text()='Reproduction steps attached.']",
        )
        .await;
        let link = wait(c, Locator::Css("a.attachment-link")).await;
        assert_eq!(link.text().await.unwrap(), "repro-steps.txt");
        let href = link.attr("href").await.unwrap().unwrap();
        no_bare_ids(c, "the case page with a message").await;
        sign_out(c, app).await;

        // The coordinator: publication needs a reason before the date.
        sign_in(c, app, "cc-coord").await;
        open(c, app, &format!("/cases/{id}")).await;
        xtext(
            c,
            "//table[@id='participants']//td[@class='answer' and text()='joined']",
        )
        .await;
        click(c, Locator::Id("publish-submit")).await;
        let e = text(c, "#publish-error").await;
        assert!(e.contains("reason") || e.contains("why"), "{e}");
        fill(
            c,
            "publish-reason",
            "A fix is out and exploitation has begun",
        )
        .await;
        click(c, Locator::Id("publish-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Published"));
        assert_eq!(text(c, "#case-state").await, "published");
        click(c, Locator::Id("progress-link")).await;
        assert_eq!(text(c, "#not-acted").await, "1");
        assert_eq!(text(c, "#patched").await, "0");
        xtext(
            c,
            "//table[@id='by-sector']//td[text()='healthcare and public health']",
        )
        .await;
        no_bare_ids(c, "the progress page").await;
        sign_out(c, app).await;

        // An outsider: the case and its attachment are not found.
        sign_in(c, app, "other-dev").await;
        open(c, app, &format!("/cases/{id}")).await;
        error_page(c, 404).await;
        open(c, app, &href.replace(&app.url(""), "")).await;
        error_page(c, 404).await;
    })
    .await;
}
