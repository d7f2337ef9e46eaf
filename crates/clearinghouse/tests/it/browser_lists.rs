//! Headless-browser tests of the directory lists, the forms' inline errors,
//! the finding page's proofs of concept, embargo lifting, and what a new
//! user noticed: readable times, the favicon, htmx's inline style (refused
//! by the CSP), and the layout on a 390 px phone. Every page reached is
//! checked for UUIDs shown where a name exists; screenshots go to
//! `CARGO_TARGET_TMPDIR/ui-screens/`.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{
    browse, click, count, fill, open, path, sign_in, sign_out, text, wait, xtext,
};
use crate::browser_ui::{shot, visit};
use crate::exposure::{CVE, import_at, osv_paramiko};
use crate::findings::{native_for, reporter, submit_and_wait};

/// The value of a form field.
async fn value(c: &Client, id: &str) -> String {
    let e = wait(c, Locator::Id(id)).await;
    e.prop("value").await.expect("value").unwrap_or_default()
}

/// htmx loaded without adding its indicator `<style>` (which the CSP
/// `style-src 'self'` refuses, a console error on every page).
async fn no_inline_style(c: &Client) {
    let v = c
        .execute(
            "return [typeof htmx !== 'undefined' && htmx.config.includeIndicatorStyles === false, \
             document.querySelectorAll('style').length];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(v, json!([true, 0]), "htmx config or an inline <style>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_paging_inline_errors_and_phone_layout() {
    browse(async |app, c| {
        for i in 0..55 {
            app.org(&format!("Member {i:02}"), if i % 5 == 0 { "vendor" } else { "researcher" }).await;
        }
        sign_in(c, app, "admin").await;
        no_inline_style(c).await;
        visit(c, app, "/orgs", "admin-orgs").await;
        assert_eq!(text(c, "#orgs-range").await, "1–50 of 56");
        click(c, Locator::Css("a.next")).await;
        xtext(c, "//span[@id='orgs-range' and text()='51–56 of 56']").await;
        click(c, Locator::Css("a[data-sort=name]")).await;
        xtext(c, "//table[@id='orgs']/tbody/tr[1]/td[1][normalize-space()='Member 54']").await;
        click(c, Locator::Css("a[data-sort=name]")).await;
        xtext(c, "//table[@id='orgs']/tbody/tr[1]/td[1][normalize-space()='Clearinghouse Administration']").await;
        fill(c, "org-search", "member 1").await;
        crate::browser::select(c, "org-kind-filter", "researcher").await;
        click(c, Locator::Id("apply-org-filters")).await;
        xtext(c, "//span[@id='orgs-range' and text()='1–8 of 8']").await;
        let url = c.current_url().await.unwrap();
        let query = url.query().unwrap_or_default().to_owned();
        assert!(query.contains("q=member+1") && query.contains("kind=researcher"), "{query}");
        // Times read as people write them, the exact value kept.
        let when = text(c, "#orgs tbody tr:first-child time").await;
        assert!(when.ends_with(" UTC") && when.split(' ').count() == 5, "{when}");
        let exact = wait(c, Locator::Css("#orgs tbody tr:first-child time")).await;
        let datetime = exact.attr("datetime").await.unwrap().unwrap_or_default();
        assert!(datetime.contains('T'), "{datetime}");

        // A refused registration: beside the field, typed values kept.
        fill(c, "org-name", "Member 07").await;
        crate::browser::select(c, "org-kind", "vendor").await;
        click(c, Locator::Css("#new-org input[name=trusted_partner]")).await;
        click(c, Locator::Id("create-org")).await;
        let error = text(c, "#org-name-error").await;
        assert!(error.contains("already exists"), "{error}");
        assert_eq!(value(c, "org-name").await, "Member 07");
        assert_eq!(value(c, "org-kind").await, "vendor");
        let ticked = wait(c, Locator::Css("#new-org input[name=trusted_partner]")).await;
        assert_eq!(ticked.prop("checked").await.unwrap().as_deref(), Some("true"));
        assert_eq!(count(c, Locator::Id("main-nav")).await, 1, "the page, with navigation");
        c.execute("document.getElementById('new-org').scrollIntoView();", vec![])
            .await
            .expect("scroll");
        shot(c, "admin-org-inline-error").await;

        // The users list: paged and searched by organisation name.
        let vendor = app.org("Pump Vendor", "vendor").await;
        for i in 0..51 {
            app.user(&vendor, &format!("engineer{i:02}"), &["member"]).await;
        }
        visit(c, app, "/users", "admin-users").await;
        assert_eq!(text(c, "#users-range").await, "1–50 of 52");
        fill(c, "user-search", "pump vendor").await;
        click(c, Locator::Id("apply-user-filters")).await;
        xtext(c, "//span[@id='users-range' and text()='1–50 of 51']").await;
        click(c, Locator::Css("a[data-sort=username]")).await;
        xtext(c, "//table[@id='users']/tbody/tr[1]/td[1][normalize-space()='engineer50']").await;
        // A refused user: the typed fields kept, the password not.
        fill(c, "user-username", "no spaces allowed").await;
        fill(c, "user-display", "Nadia Spaces").await;
        fill(c, "user-password", "correct horse battery").await;
        click(c, Locator::Id("create-user")).await;
        text(c, "#user-username-error").await;
        assert_eq!(value(c, "user-display").await, "Nadia Spaces");
        assert_eq!(value(c, "user-password").await, "");

        // The favicon comes from the binary.
        let resp = app.client.get(app.url("/favicon.ico")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "image/svg+xml");

        // A phone: the header and navigation fit, tables scroll inside their box.
        c.set_window_size(390, 844).await.expect("resize");
        for page in ["/", "/orgs", "/users", "/approvals"] {
            visit(c, app, page, &format!("phone{}", page.replace('/', "-"))).await;
            let w = widths(c, "document.querySelector('header')").await;
            if w[0] > w[1] + 1.0 {
                // Name the elements past the screen's edge, outermost first.
                let wide = c
                    .execute(
                        "return [...document.querySelectorAll('body *')]\
                         .filter(e => !e.closest('nav') && e.getBoundingClientRect().right > window.innerWidth + 1)\
                         .slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.className \
                         + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!("{page}: the page is {} px wide on a {} px screen: {wide}", w[0], w[1]);
            }
            assert!(w[2] <= w[1] + 1.0, "{page}: the header overflows");
        }
        click(c, Locator::Css("#tools-menu summary")).await;
        let users = wait(c, Locator::Css("#tools-menu a[href='/users']")).await;
        assert!(users.is_displayed().await.unwrap(), "the Tools menu opens on a phone");
        shot(c, "phone-tools-menu").await;
        c.set_window_size(1280, 900).await.expect("resize");
        // A laptop: the administrator's long navigation wraps; "Sign out"
        // stays on the screen.
        visit(c, app, "/orgs", "laptop-orgs").await;
        let w = widths(c, "document.getElementById('logout')").await;
        assert!(w[0] <= w[1] + 1.0, "the page is {} px wide on a {} px screen", w[0], w[1]);
        assert!(w[2] <= w[1] + 1.0, "Sign out is off the screen at {} px", w[2]);
        sign_out(c, app).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_bulk_error_pocs_and_embargo_lifting() {
    browse(async |app, c| {
        let (_, firm) = reporter(app, "firm").await;
        let items = vec![
            json!({"title": "Zebra overflow in parser", "description": "A length is trusted.", "severity": "critical",
                   "location": {"path": "parser.c", "start_line": 10}}),
            json!({"title": "Alpha race in cache", "description": "Two writers race.", "severity": "medium",
                   "location": {"path": "cache.c", "start_line": 20}}),
        ];
        submit_and_wait(app, &firm, native_for("pkg:pypi/cachelib@2.0.0", &items), "").await;
        let agency = app.org("Clearing Agency", "government_agency").await;
        app.user(&agency, "cora", &["coordinator"]).await;
        let (_, second) = app.user(&agency, "cole", &["coordinator"]).await;
        let (s, v) = import_at(app, &app.admin_token, "/api/v1/advisories/import?name=osv.json&embargo=true",
            serde_json::to_vec(&osv_paramiko()).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");

        // The reporter stores a proof of concept on its finding.
        sign_in(c, app, "firm-scanner").await;
        open(c, app, "/findings").await;
        click(c, Locator::LinkText("Zebra overflow in parser")).await;
        text(c, "#no-pocs").await;
        let dir = crate::harness::temp_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let poc = dir.join("exploit.py");
        std::fs::write(&poc, b"print('overflow')\n").unwrap();
        click(c, Locator::Id("poc-submit")).await;
        let error = text(c, "#poc-file-error").await;
        assert!(error.contains("choose a file"), "{error}");
        let file = wait(c, Locator::Id("poc-file")).await;
        file.send_keys(&poc.display().to_string()).await.expect("choose file");
        click(c, Locator::Id("poc-submit")).await;
        let notice = text(c, "#finding-notice").await;
        assert!(notice.contains("stored"), "{notice}");
        xtext(c, "//table[@id='poc-list']//strong[text()='exploit.py']").await;
        let finding = path(c).await;
        sign_out(c, app).await;

        // The coordinator: no download without a release; a request; a
        // second coordinator approves; then the download.
        sign_in(c, app, "cora").await;
        let home = visit(c, app, "/", "coordinator-home-embargo").await;
        assert!(home.contains("Embargoes have no end dates yet"), "{home}");
        let row = text(c, "#embargoes tbody tr").await;
        assert!(row.contains(CVE) && row.contains("today"), "{row}");
        visit(c, app, &finding, "coordinator-finding-pocs").await;
        let poc_id = wait(c, Locator::Css("tr.poc")).await.attr("data-id").await.unwrap().unwrap();
        open(c, app, &format!("/pocs/{poc_id}/download")).await;
        let refused = text(c, "#poc-refused").await;
        assert!(refused.contains("no approved release"), "{refused}");
        fill_in(c, "tr.poc input[name=reason]", "to reproduce before validating").await;
        click(c, Locator::Css("tr.poc form.release-request button")).await;
        let notice = text(c, "#finding-notice").await;
        assert!(notice.contains("Release requested"), "{notice}");
        let approvals = visit(c, app, "/approvals", "coordinator-approvals-poc").await;
        assert!(approvals.contains("exploit.py"), "the file named, not its id: {approvals}");
        let (_, list) = app.get(&second, "/api/v1/approvals?state=pending").await;
        let request = list["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, v) = app
            .post(&second, &format!("/api/v1/approvals/{request}/decision"), &json!({"decision": "approve"}))
            .await;
        assert_eq!(s, 200, "{v}");
        open(c, app, &finding).await;
        let link = wait(c, Locator::Id(&format!("download-{poc_id}"))).await;
        let href = link.attr("href").await.unwrap().unwrap();
        let cookie = app.login_cookie("cora").await;
        let resp = app.client.get(app.url(&href)).header("cookie", cookie).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.bytes().await.unwrap().as_ref(), b"print('overflow')\n");
        shot(c, "coordinator-poc-released").await;

        // Bulk triage with no reason: the error on the queue, the ticks kept.
        open(c, app, "/findings").await;
        click(c, Locator::Css("input[data-select-all]")).await;
        click(c, Locator::Id("bulk-submit")).await;
        let error = text(c, "#bulk-error").await;
        assert!(error.contains("reason"), "{error}");
        assert_eq!(count(c, Locator::Css("tr.finding input[name=id]:checked")).await, 2);
        assert_eq!(text(c, "#findings-range").await, "1–2 of 2", "nothing changed");
        shot(c, "coordinator-bulk-error").await;

        // Lifting the embargo: a reason is needed, then done.
        visit(c, app, &format!("/vulnerabilities/{CVE}"), "coordinator-embargoed").await;
        click(c, Locator::Id("lift-submit")).await;
        let error = text(c, "#lift-error").await;
        assert!(error.contains("reason"), "{error}");
        fill(c, "lift-reason", "vendor advisory published").await;
        click(c, Locator::Id("lift-submit")).await;
        let notice = text(c, "#embargo-notice").await;
        assert!(notice.contains("Embargo lifted"), "{notice}");
        assert_eq!(count(c, Locator::Id("lift-embargo")).await, 0);
        let home = visit(c, app, "/", "coordinator-home-no-embargo").await;
        assert!(home.contains("No vulnerability is under embargo"), "{home}");
        sign_out(c, app).await;
    })
    .await;
}

/// Types into the first element matching `css`.
async fn fill_in(c: &Client, css: &str, text: &str) {
    let e = wait(c, Locator::Css(css)).await;
    e.send_keys(text).await.expect("type");
}

/// The page's width, the screen's, and the right edge of `element` (a
/// JavaScript expression naming one element), in CSS pixels.
async fn widths(c: &Client, element: &str) -> Vec<f64> {
    let script = format!(
        "return [document.documentElement.scrollWidth, window.innerWidth, \
         {element}.getBoundingClientRect().right];"
    );
    let v = c.execute(&script, vec![]).await.expect("widths");
    v.as_array()
        .expect("three numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}
