//! Headless-browser tests of the finding pages: a reporter submits a file
//! through the web form and follows it to done; a coordinator works the
//! triage queue with filters, opens a finding with its known vulnerability
//! and a possible duplicate with its similarity, and compares the two side
//! by side; another organisation gets 404.
//!
//! Same set-up as `browser.rs` (Chromium through chromedriver, SQLite).

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{
    browse, click, count, error_page, fill, open, sign_in, sign_out, text, xtext,
};
use crate::exposure::{CVE, import, osv_paramiko};
use crate::findings::{native, reporter, submit_and_wait};
use crate::harness::temp_dir;

const CODE: &str = "def _parse_service_accept(self, m):\n    service = m.get_text()\n    if not self.authenticated: pass";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporter_submits_and_coordinator_works_the_queue() {
    browse(async |app, c| {
        let (s, r) = import(
            app,
            &app.admin_token,
            "ghsa.json",
            serde_json::to_vec(&osv_paramiko()).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let (_, lab) = reporter(app, "lab").await;
        let sweep = crate::findings::paramiko_campaign(app, &lab).await;
        let (_, firm) = reporter(app, "firm").await;

        // The reporter submits a SARIF file that names only paths, with a target.
        sign_in(c, app, "lab-scanner").await;
        open(c, app, "/submissions").await;
        let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "lab-agent"}},
            "results": [
                {"ruleId": "auth-bypass", "level": "error",
                 "message": {"text": "Authentication bypass: the server processes channel requests before the client has completed authentication."},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "paramiko/auth_handler.py"},
                     "region": {"startLine": 120, "snippet": {"text": CODE}}}}]},
                {"ruleId": "tmpfile", "level": "warning", "message": {"text": "Insecure temporary file"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "paramiko/util.py"},
                     "region": {"startLine": 7}}}]}]}]});
        let dir = temp_dir();
        let file = dir.join("scan.sarif");
        std::fs::write(&file, serde_json::to_vec(&sarif).unwrap()).unwrap();
        fill(c, "submit-target", "pkg:pypi/paramiko@2.4.0").await;
        fill(c, "submit-campaign", &sweep).await;
        let input = crate::browser::wait(c, Locator::Id("submit-file")).await;
        input.send_keys(file.to_str().unwrap()).await.unwrap();
        click(c, Locator::Id("submit-findings")).await;
        xtext(c, "//strong[@id='submission-state']").await;
        app.run_pending_jobs().await;
        let path = crate::browser::path(c).await;
        open(c, app, &path).await;
        xtext(c, "//strong[@id='submission-state' and text()='done']").await;
        assert_eq!(text(c, "#count-received").await, "2");
        assert_eq!(text(c, "#count-new").await, "2");
        open(c, app, "/submissions").await;
        assert_eq!(count(c, Locator::Css("tr.submission")).await, 1);
        sign_out(c, app).await;

        // Another reporter describes the first bug in other words.
        let other = native(&[json!({"title": "Auth bypass in auth handler",
            "description": "Authentication bypass: the server processes channel requests before the client has completed authentication.",
            "tool": "firm-scanner", "location": {"path": "paramiko/auth_handler.py", "start_line": 118},
            "evidence": CODE, "aliases": [CVE]})]);
        submit_and_wait(app, &firm, other, "").await;
        app.run_pending_jobs().await;

        // The coordinator's triage queue, filtered, then the finding and the comparison.
        let treasury = app.org("Treasury", "government_agency").await;
        app.user(&treasury, "coord", &["coordinator"]).await;
        sign_in(c, app, "coord").await;
        open(c, app, "/findings").await;
        assert_eq!(count(c, Locator::Css("tr.finding")).await, 3);
        crate::browser::select(c, "filter-severity", "high").await;
        click(c, Locator::Id("apply-filters")).await;
        let until = c.wait().at_most(std::time::Duration::from_secs(10));
        until
            .for_url(&url::Url::parse(&app.url("/findings?state=received&q=&severity=high&target=&campaign=&reporter_org=")).unwrap())
            .await
            .expect("the filtered queue");
        let rows = count(c, Locator::Css("tr.finding")).await;
        assert_eq!(rows, 1, "only the error-level SARIF result is high");
        open(c, app, &format!("/findings?state=received&campaign={sweep}")).await;
        assert_eq!(count(c, Locator::Css("tr.finding")).await, 2);
        open(c, app, "/findings?state=received").await;
        click(c, Locator::LinkText("Auth bypass in auth handler")).await;
        xtext(c, "//h1[@id='finding-title' and text()='Auth bypass in auth handler']").await;
        assert_eq!(text(c, "#known").await, CVE);
        let similarity: f64 = text(c, "#similar tr.similar td.similarity").await.parse().unwrap();
        assert!(similarity >= 0.5, "{similarity}");
        click(c, Locator::Css("#similar a.compare")).await;
        let shown: f64 = text(c, "#compare-similarity").await.parse().unwrap();
        assert!((shown - similarity).abs() < 0.011, "{shown} vs {similarity}");
        let table = text(c, "#compare").await;
        assert!(table.contains("lab-agent") && table.contains("firm-scanner"), "{table}");

        // Triage through the form; the near-duplicate is judged another bug.
        let firm_id = {
            let (_, page) = app.get(&firm, "/api/v1/findings").await;
            page["items"][0]["id"].as_str().unwrap().to_owned()
        };
        open(c, app, &format!("/findings/{firm_id}")).await;
        crate::browser::select(c, "review-action", "triage").await;
        fill(c, "review-reason", "credible, names the CVE").await;
        click(c, Locator::Id("review-submit")).await;
        xtext(c, "//strong[@id='finding-state' and text()='triaged']").await;
        let reason = crate::browser::wait(c, Locator::Css("form.similar-decision input[name='reason']")).await;
        reason.send_keys("different line and wording").await.unwrap();
        click(c, Locator::Css("form.similar-decision button[value='split']")).await;
        xtext(c, "//table[@id='similar']//td[text()='split']").await;
        sign_out(c, app).await;

        // A validator from another organisation takes it and validates it.
        let nist = app.org("NIST", "government_agency").await;
        let (_, validator) = app.user(&nist, "validator", &["validator"]).await;
        sign_in(c, app, "validator").await;
        open(c, app, &format!("/findings/{firm_id}")).await;
        crate::browser::select(c, "review-action", "start_validation").await;
        fill(c, "review-reason", "reproducing").await;
        click(c, Locator::Id("review-submit")).await;
        xtext(c, "//strong[@id='finding-state' and text()='validating']").await;
        crate::browser::select(c, "review-action", "validate").await;
        fill(c, "review-reason", "reproduced against 2.4.0").await;
        click(c, Locator::Id("review-submit")).await;
        xtext(c, "//strong[@id='finding-state' and text()='validated']").await;
        let history = text(c, "#events").await;
        assert!(history.contains("triaged → validating"), "{history}");
        let (_, f) = app.get(&validator, &format!("/api/v1/findings/{firm_id}")).await;
        let vuln = f["finding"]["vulnerability_id"].as_str().unwrap().to_owned();
        assert!(vuln.starts_with("CHX-") && vuln.len() == "CHX-2026-00001".len(), "{vuln}");
        click(c, Locator::LinkText(&vuln)).await;
        xtext(c, "//h1[@id='vuln-id']").await;
        let supporting = text(c, "#supporting-findings").await;
        assert!(supporting.contains("Auth bypass in auth handler"), "{supporting}");
        sign_out(c, app).await;

        // Reporter quality for coordinators.
        sign_in(c, app, "coord").await;
        open(c, app, "/findings").await;
        click(c, Locator::Id("reporters-link")).await;
        let stats = text(c, "#reporter-stats tbody").await;
        assert!(stats.contains("lab"), "{stats}");
        assert_eq!(count(c, Locator::Css("tr.reporter")).await, 2, "{stats}");
        sign_out(c, app).await;

        // A bystander organisation: the queue is empty and a finding is 404.
        let (_, _) = reporter(app, "bystander").await;
        sign_in(c, app, "bystander-scanner").await;
        open(c, app, "/findings").await;
        assert_eq!(count(c, Locator::Css("tr.finding")).await, 0);
        let href = {
            let (_, page) = app.get(&firm, "/api/v1/findings").await;
            format!("/findings/{}", page["items"][0]["id"].as_str().unwrap())
        };
        open(c, app, &href).await;
        let detail = error_page(c, 404).await;
        assert!(!detail.contains("auth"), "{detail}");
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
