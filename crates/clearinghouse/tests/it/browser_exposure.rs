//! Headless-browser tests of the exposure pages: asset registration and SBOM
//! upload, the operator's dashboard (decision, deadline, reason and its
//! explanation, the SVG chart, the per-row state form), the coordinator's
//! tables, the inbox, and another organisation's 404.
//!
//! Same set-up and helpers as `browser.rs`: Chromium through chromedriver
//! with fantoccini, against the real server on SQLite; a skip line without
//! `/usr/bin/chromedriver`, a failure with `CI=true`.

use fantoccini::{Client, Locator};

use crate::browser::{
    browse, click, content, count, error_page, fill, open, sign_in, sign_out, text, wait, xtext,
};
use crate::exposure::{CVE, GHSA, asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::temp_dir;

/// The exposure row (in `table.exposures`) for the asset named `asset`.
fn exposure_row(asset: &str) -> String {
    format!(
        "//table[contains(@class, 'exposures')]/tbody\
         /tr[contains(@class, 'exposure')][td[3]/a[text()='{asset}']]"
    )
}

async fn path_and_query(c: &Client) -> String {
    let url = c.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Picks `state` in the row's form, with an empty reason, then saves.
async fn set_state(c: &Client, tr: &str, state: &str) {
    let select = wait(c, Locator::XPath(&format!("{tr}//select[@name='state']"))).await;
    select.select_by_value(state).await.expect("pick state");
    let field = wait(c, Locator::XPath(&format!("{tr}//input[@name='reason']"))).await;
    field.clear().await.expect("clear reason");
    click(c, Locator::XPath(&format!("{tr}//button[text()='Save']"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_registers_an_asset_uploads_an_sbom_and_works_the_dashboard() {
    browse(async |app, c| {
        let (_, ops) = operator(app, "Rural Hospital").await;
        sign_in(c, app, "rural-hospital-ops").await;

        // Register the asset through the form.
        open(c, app, "/assets").await;
        fill(c, "asset-name", "ehr").await;
        fill(c, "asset-owner", "IT").await;
        click(c, Locator::Id("asset-public")).await;
        wait(c, Locator::Id("asset-mission"))
            .await
            .select_by_value("high")
            .await
            .expect("pick impact");
        click(c, Locator::Id("create-asset")).await;
        xtext(c, "//h1[@id='asset-name' and text()='ehr']").await;
        let asset_path = c.current_url().await.expect("url").path().to_owned();
        let asset_id = asset_path.strip_prefix("/assets/").expect("asset page");
        let summary = text(c, "#sbom-summary").await;
        assert_eq!(summary, "No SBOM yet.");
        let (s, a) = app.get(&ops, &format!("/api/v1/assets/{asset_id}")).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["publicly_exposed"], true, "{a}");
        assert_eq!(a["mission_impact"], "high", "{a}");

        // Upload a CycloneDX file through the multipart form.
        let dir = temp_dir();
        let file = dir.join("ehr.cdx.json");
        std::fs::write(
            &file,
            cyclonedx(&[("paramiko", "2.4.0"), ("requests", "2.31.0")]),
        )
        .expect("write SBOM");
        let input = wait(c, Locator::Id("sbom-file")).await;
        input
            .send_keys(file.to_str().expect("utf-8 path"))
            .await
            .expect("choose file");
        click(c, Locator::Id("upload-sbom-button")).await;
        let summary = xtext(c, "//p[@id='sbom-summary' and contains(., '2 components')]").await;
        assert!(
            summary.starts_with("cyclonedx-json 1.5: 2 components, uploaded ")
                && summary.contains(" UTC (sha256 "),
            "{summary}"
        );
        let uploaded = summary
            .split("uploaded ")
            .nth(1)
            .and_then(|rest| rest.split(" (sha256").next())
            .unwrap_or_default();
        assert!(!uploaded.ends_with("..."), "a plain time: {uploaded:?}");
        let _ = std::fs::remove_dir_all(&dir);
        open(c, app, "/assets").await;
        let listed = text(c, "#assets tbody").await;
        assert!(listed.contains("ehr IT yes high"), "{listed}");
        assert!(listed.contains("2 components"), "{listed}");

        // The coordinator publishes the advisory; the dashboard ranks it.
        let (s, v) = import(
            app,
            &app.admin_token,
            "ghsa.json",
            serde_json::to_vec(&osv_paramiko()).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["exposures"]["new"], 1, "{v}");

        open(c, app, "/exposures").await;
        let tr = exposure_row("ehr");
        let row = wait(c, Locator::XPath(&tr)).await;
        let id = row.attr("data-id").await.expect("attr").expect("data-id");
        let cells = row.text().await.expect("row text");
        assert!(cells.contains("pkg:pypi/paramiko@2.4.0"), "{cells}");
        assert!(cells.contains(CVE), "{cells}");
        assert!(cells.contains("3 days"), "deadline: {cells}");
        let (_, e) = app.get(&ops, &format!("/api/v1/exposures/{id}")).await;
        let due_date = &e["due_at"].as_str().expect("due_at")[..10];
        let due = xtext(c, &format!("{tr}/td[2]/small")).await;
        assert_eq!(due, format!("due {due_date}"));
        let badge = wait(c, Locator::XPath(&format!("{tr}/td[1]/span"))).await;
        assert_eq!(badge.text().await.unwrap(), "attend");
        let class = badge.attr("class").await.unwrap();
        assert_eq!(class.as_deref(), Some("ssvc ssvc-attend"));
        let colour = badge.css_value("background-color").await.expect("css");
        assert_ne!(colour, "rgba(0, 0, 0, 0)", "the decision badge is styled");
        let summary = xtext(c, &format!("{tr}//details/summary")).await;
        assert!(
            summary.contains(GHSA),
            "the reason names the advisory: {summary}"
        );

        // The chart is drawn on the server, one rectangle per decision and day.
        let title = content(c, "svg#exposure-chart > title").await;
        assert!(title.contains("peak 1"), "{title}");
        let bars = c
            .find_all(Locator::Css("svg#exposure-chart rect[data-decision]"))
            .await
            .expect("bars");
        let today = bars.last().expect("at least one bar in the chart");
        assert_eq!(
            today.attr("data-decision").await.unwrap().as_deref(),
            Some("attend")
        );
        let tip = today.find(Locator::Css("title")).await.expect("bar title");
        let tip = tip.prop("textContent").await.unwrap().unwrap_or_default();
        assert!(tip.ends_with(": 1 attend"), "today's bar: {tip}");
        // Axis labels never touch each other.
        let mut xs = Vec::new();
        for label in c
            .find_all(Locator::Css(
                "svg#exposure-chart > text[text-anchor=middle]",
            ))
            .await
            .expect("axis labels")
        {
            let x = label.attr("x").await.unwrap().expect("x");
            xs.push(x.parse::<f64>().expect("a number"));
        }
        assert!(xs.len() >= 2, "{xs:?}");
        let gap = xs.windows(2).map(|w| w[1] - w[0]).fold(f64::MAX, f64::min);
        assert!(gap >= 28.0, "labels {gap:.1} units apart overlap: {xs:?}");

        // The explanation opens on click and shows the BOD 26-04 step.
        let lines = format!("{tr}//details//li");
        let bod = format!("{lines}[starts-with(normalize-space(), 'BOD 26-04')]");
        let hidden = wait(c, Locator::XPath(&bod)).await;
        assert!(
            !hidden.is_displayed().await.expect("displayed"),
            "closed at first"
        );
        click(c, Locator::XPath(&format!("{tr}//details/summary"))).await;
        let bod_line = xtext(c, &bod).await;
        assert_eq!(
            bod_line,
            "BOD 26-04: not in KEV, publicly exposed, \
             automatable yes, technical impact total → 3 days"
        );
        assert_eq!(count(c, Locator::XPath(&lines)).await, 3);

        // Acknowledge it through the row's form; it persists.
        set_state(c, &tr, "acknowledged").await;
        let chosen = format!("{tr}//option[@value='acknowledged' and @selected]");
        xtext(c, &chosen).await;
        assert!(
            path_and_query(c)
                .await
                .starts_with("/exposures?state=active")
        );
        c.refresh().await.expect("reload");
        let select = wait(c, Locator::XPath(&format!("{tr}//select[@name='state']"))).await;
        assert_eq!(
            select.prop("value").await.expect("prop").as_deref(),
            Some("acknowledged")
        );
        let (s, e) = app.get(&ops, &format!("/api/v1/exposures/{id}")).await;
        assert_eq!(s, 200, "{e}");
        assert_eq!(e["state"], "acknowledged", "{e}");

        // Accepting the risk needs a reason: said on the same page, the row marked.
        set_state(c, &tr, "risk_accepted").await;
        let detail = text(c, "#state-error").await;
        assert!(detail.starts_with("reason:"), "{detail}");
        let refused = wait(c, Locator::Css("tr.exposure.refused")).await;
        assert_eq!(refused.attr("data-id").await.unwrap().as_deref(), Some(id.as_str()));
        assert_eq!(count(c, Locator::Id("main-nav")).await, 1, "with its navigation");
        let (_, e) = app.get(&ops, &format!("/api/v1/exposures/{id}")).await;
        assert_eq!(e["state"], "acknowledged", "unchanged: {e}");

        // The inbox told the operator.
        open(c, app, "/inbox").await;
        let inbox = xtext(
            c,
            "//table[@id='notifications']//tr[starts-with(@id, 'n-')][.//strong[contains(., 'affects')]]",
        )
        .await;
        assert!(inbox.contains(CVE), "{inbox}");
        assert!(
            inbox.contains("affects 1 component(s) of your assets"),
            "{inbox}"
        );
        assert!(inbox.contains("attend"), "the priority badge: {inbox}");
        assert!(inbox.contains("ehr"), "the asset's link: {inbox}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinator_sees_who_is_exposed_and_other_operators_see_nothing() {
    browse(async |app, c| {
        let (_, ops) = operator(app, "Rural Hospital").await;
        operator(app, "Community Bank").await;
        let ehr = asset(app, &ops, "ehr", true).await;
        let (s, v) = upload(app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = import(
            app,
            &app.admin_token,
            "ghsa.json",
            serde_json::to_vec(&osv_paramiko()).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");

        sign_in(c, app, "admin").await;
        open(c, app, "/exposures").await;
        let sector = xtext(
            c,
            "//table[@id='by-sector']/tbody/tr[td[1]='healthcare_and_public_health']",
        )
        .await;
        assert_eq!(sector, "healthcare_and_public_health 1 1 0 0");
        let by_vuln = text(c, "#by-vulnerability tbody").await;
        assert!(by_vuln.contains(CVE), "{by_vuln}");
        open(c, app, &format!("/vulnerabilities/{CVE}")).await;
        assert_eq!(text(c, "#vuln-id").await, CVE);
        let orgs = xtext(
            c,
            "//table[@id='exposed-orgs']/tbody/tr[td[1]='Rural Hospital']",
        )
        .await;
        assert_eq!(orgs, "Rural Hospital 1 0 0");
        sign_out(c, app).await;

        sign_in(c, app, "rural-hospital-ops").await;
        open(c, app, &format!("/vulnerabilities/{CVE}")).await;
        assert_eq!(text(c, "#vuln-id").await, CVE);
        xtext(c, &exposure_row("ehr")).await;
        assert_eq!(count(c, Locator::Id("exposed-orgs")).await, 0);
        open(c, app, "/exposures").await;
        xtext(c, &exposure_row("ehr")).await;
        assert_eq!(count(c, Locator::Id("by-sector")).await, 0);
        assert_eq!(count(c, Locator::Id("by-vulnerability")).await, 0);
        sign_out(c, app).await;

        sign_in(c, app, "community-bank-ops").await;
        open(c, app, &format!("/assets/{ehr}")).await;
        error_page(c, 404).await;
        let page = text(c, "body").await;
        assert!(
            !page.contains("ehr") && !page.contains("paramiko"),
            "{page}"
        );
        open(c, app, "/exposures").await;
        let rows = text(c, "table.exposures tbody").await;
        assert!(rows.starts_with("No exposures need work."), "{rows}");
    })
    .await;
}
