//! The case forms in Chromium (N1, N2, N7, N6, N11): the coordinator opens
//! a case from `/cases` (a refused vulnerability beside its field, the
//! title kept), invites the vendor and moves the date (a missing reason
//! beside its field); the vendor's admin finds the invitation on its home
//! page and joins there, claims its product, which the coordinator
//! confirms from the claims queue; the vendor states "not affected"
//! (refused without a justification, the choice kept), then "fixed",
//! uploads a VEX document and releases a patch; it reads the embargoed
//! vulnerability through the case. Reloading a form's address shows a
//! page, not an empty 405.

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{
    browse, click, error_page, fill, open, select, sign_in, sign_out, text, wait, xtext,
};
use crate::cases_support::{parties, target_date};
use crate::exposure::CVE;

/// Sets a date input's value (typing into one depends on the locale).
async fn set_date(c: &Client, id: &str, value: &str) {
    wait(c, Locator::Id(id)).await;
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![Value::from(id), Value::from(value)],
    )
    .await
    .expect("set the date");
}

/// Chooses a file for a file input.
async fn choose(c: &Client, id: &str, name: &str, bytes: &[u8]) {
    let file = crate::harness::temp_dir().join(name);
    std::fs::write(&file, bytes).unwrap();
    wait(c, Locator::Id(id))
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_and_vendor_work_a_case_in_the_browser() {
    browse(async |app, c| {
        let p = parties(app).await;

        // The coordinator opens a case: a bad id is refused beside its field.
        sign_in(c, app, "cc-coord").await;
        open(c, app, "/cases").await;
        fill(c, "case-title-input", "Paramiko auth bypass").await;
        fill(c, "case-vulns-input", "CVE-1999-0001").await;
        set_date(c, "case-date-input", &target_date(30)).await;
        click(c, Locator::Id("open-case-submit")).await;
        let e = text(c, "#vulnerabilities-error").await;
        assert!(e.contains("no vulnerability"), "{e}");
        let kept = wait(c, Locator::Id("case-title-input")).await;
        assert_eq!(kept.prop("value").await.unwrap().unwrap(), "Paramiko auth bypass");
        fill(c, "case-vulns-input", CVE).await;
        set_date(c, "case-date-input", &target_date(30)).await;
        click(c, Locator::Id("open-case-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Case opened"));
        let id = c.current_url().await.unwrap().path().trim_start_matches("/cases/").to_owned();

        // Invites the vendor: without an organisation, refused beside it.
        click(c, Locator::Id("invite-submit")).await;
        wait(c, Locator::Id("invite-org-error")).await;
        select(c, "invite-org", &p.vendor_org).await;
        select(c, "invite-role", "vendor").await;
        click(c, Locator::Id("invite-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Invited"));
        xtext(c, "//table[@id='participants']//td[text()='Paramiko Maintainers']").await;

        // Moves the date: the reason is needed.
        set_date(c, "date-value", &target_date(45)).await;
        click(c, Locator::Id("date-submit")).await;
        wait(c, Locator::Id("date-reason-error")).await;
        fill(c, "date-reason", "The vendor needs two more weeks").await;
        set_date(c, "date-value", &target_date(45)).await;
        click(c, Locator::Id("date-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Target date moved"));
        assert!(text(c, "#case-state").await.contains("open"));
        sign_out(c, app).await;

        // The vendor's admin: the invitation on the home page, joined there.
        sign_in(c, app, "pm-admin").await;
        xtext(c, "//table[@id='home-invitations-table']//a[text()='Paramiko auth bypass']").await;
        click(c, Locator::Css(&format!("button.join[data-id='{id}']"))).await;
        assert_eq!(text(c, "#case-notice").await, "You joined the case.");
        // Reads the vulnerability through the case.
        click(c, Locator::Css("a.vuln")).await;
        assert!(text(c, "#case-vuln-label").await.contains("TLP:AMBER"));
        xtext(c, "//table[@id='affected']//code[text()='pkg:pypi/paramiko']").await;
        click(c, Locator::Id("back-to-case")).await;
        // Claims its product.
        fill(c, "claim-product", "pkg:pypi/paramiko").await;
        click(c, Locator::Id("claim-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Product claimed"));
        xtext(c, "//ul[@id='my-claims']/li[contains(., 'pending')]").await;
        sign_out(c, app).await;

        // The coordinator confirms the claim from the queue.
        sign_in(c, app, "cc-coord").await;
        open(c, app, "/cases").await;
        click(c, Locator::Css("button.confirm-claim[data-product='pkg:pypi/paramiko']")).await;
        assert!(text(c, "#cases-notice").await.starts_with("Product claim confirmed"));
        sign_out(c, app).await;

        // The vendor states its status: not affected needs a justification.
        sign_in(c, app, "pm-admin").await;
        open(c, app, &format!("/cases/{id}")).await;
        select(c, "status-product", "pkg:pypi/paramiko").await;
        fill(c, "status-versions", "2.4.0").await;
        click(c, Locator::Id("status-choice-not_affected")).await;
        click(c, Locator::Id("status-submit")).await;
        let e = text(c, "#status-justification-error").await;
        assert!(!e.is_empty());
        let kept = wait(c, Locator::Id("status-choice-not_affected")).await;
        assert!(kept.prop("checked").await.unwrap().is_some_and(|v| v == "true"));
        let versions = wait(c, Locator::Id("status-versions")).await;
        assert_eq!(versions.prop("value").await.unwrap().unwrap(), "2.4.0");
        select(c, "status-justification", "vulnerable_code_not_in_execute_path").await;
        click(c, Locator::Id("status-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Status stated"));
        xtext(c, "//table[@id='status-matrix']//td[starts-with(text(), 'not affected')]").await;
        // Then fixed in 2.4.1, for every version.
        fill(c, "status-versions", "").await;
        click(c, Locator::Id("status-choice-fixed")).await;
        fill(c, "status-fixed", "2.4.1").await;
        click(c, Locator::Id("status-submit")).await;
        xtext(c, "//table[@id='status-matrix']//td[text()='fixed in 2.4.1']").await;

        // A VEX document: none chosen is refused; a CycloneDX one is read.
        click(c, Locator::Id("vex-submit")).await;
        assert!(text(c, "#vex-error").await.contains("choose"));
        let vex = json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "components": [{"bom-ref": "pm", "type": "library", "name": "paramiko",
                            "purl": "pkg:pypi/paramiko@2.3.0"}],
            "vulnerabilities": [{"id": CVE, "analysis": {"state": "exploitable"},
                "affects": [{"ref": "pm", "versions": [{"version": "2.3.0", "status": "affected"}]}]}]
        });
        choose(c, "vex-file", "paramiko.vex.json", &serde_json::to_vec(&vex).unwrap()).await;
        click(c, Locator::Id("vex-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("VEX document read"));
        xtext(c, "//table[@id='status-matrix']//td[text()='affected']").await;

        // A patch: the version kept when the file is missing; then released.
        fill(c, "patch-version", "2.4.1").await;
        click(c, Locator::Id("patch-submit")).await;
        assert!(text(c, "#patch-error").await.contains("choose"));
        let kept = wait(c, Locator::Id("patch-version")).await;
        assert_eq!(kept.prop("value").await.unwrap().unwrap(), "2.4.1");
        choose(c, "patch-file", "paramiko-2.4.1.tar.gz", b"the fixed paramiko").await;
        click(c, Locator::Id("patch-submit")).await;
        assert!(text(c, "#case-notice").await.starts_with("Patch released"));
        xtext(c, "//table[@id='patches']//a[text()='paramiko-2.4.1.tar.gz']").await;

        // A form's address reloaded: a page with a way back, not an empty 405.
        open(c, app, &format!("/cases/{id}/statements")).await;
        let e = error_page(c, 405).await;
        assert!(e.contains("form"), "{e}");
    })
    .await;
}
