//! Headless-browser walk of the UI by role, on a seeded database with more
//! rows than a page: each role's home page and navigation, paging totals,
//! sorting and search on the findings and asset lists, bulk triage, an
//! inline form error that keeps what was typed, and a check over the text
//! of every page reached that no UUID shows where a name exists.
//! Screenshots go to `CARGO_TARGET_TMPDIR/ui-screens/` for a person to look at.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{browse, click, count, fill, open, sign_in, sign_out, text, xtext};
use crate::findings::{native_for, reporter, submit_and_wait};
use crate::harness::TestApp;

/// Whether `s` holds a UUID (8-4-4-4-12 hex digits).
pub(crate) fn has_uuid(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let groups = [8, 4, 4, 4, 12];
    let len = 36;
    if b.len() < len {
        return None;
    }
    (0..=b.len() - len).find_map(|start| {
        let mut i = start;
        for (g, n) in groups.iter().enumerate() {
            if !b[i..i + n].iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            i += n;
            if g < 4 {
                if b[i] != b'-' {
                    return None;
                }
                i += 1;
            }
        }
        s.get(start..start + len)
    })
}

#[test]
fn uuid_detector() {
    assert!(has_uuid("by 0192f0a2-7c1e-7d44-b0a1-2f3e4d5c6b7a today").is_some());
    assert!(has_uuid("CVE-2021-44228 and sha 0123456789abcdef").is_none());
}

/// Saves a screenshot of the current page under the test target folder.
pub(crate) async fn shot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The page's whole text (hidden parts too: a folded `<details>`, the
/// Tools menu), without the ids shown on purpose as secondary, copyable
/// text (`<code class="id">`).
pub(crate) async fn text_without_ids(c: &Client) -> String {
    let script = "const b = document.body.cloneNode(true); \
                  b.querySelectorAll('.id, script, style').forEach(e => e.remove()); \
                  return b.textContent;";
    let v = c.execute(script, vec![]).await.expect("page text");
    v.as_str().unwrap_or_default().to_owned()
}

/// Opens `path` and fails when its text shows a UUID (outside the ids
/// shown on purpose as copyable `<code class="id">`).
pub(crate) async fn visit(c: &Client, app: &TestApp, path: &str, screen: &str) -> String {
    open(c, app, path).await;
    let body = text(c, "body").await;
    let all = text_without_ids(c).await;
    if let Some(id) = has_uuid(&all) {
        panic!("{path} shows the id {id}:\n{all}");
    }
    shot(c, screen).await;
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_walks_home_and_paged_lists() {
    browse(async |app, c| {
        // Reporters: one with 60 findings (more than a page), one with 2.
        let night_lab = app.org("Night Lab", "researcher").await;
        let (_, lab) = app.user(&night_lab, "nightlab", &["member"]).await;
        let many: Vec<_> = (0..60)
            .map(|i| {
                json!({"title": format!("Unchecked input number {i:02}"),
                       "description": format!("Input {i} reaches a query unchecked."),
                       "rule_id": format!("R{i}"), "severity": if i % 3 == 0 { "high" } else { "low" },
                       "location": {"path": format!("src/mod{i}.py"), "start_line": i + 1}})
            })
            .collect();
        submit_and_wait(app, &lab, native_for("pkg:pypi/webapp@1.0.0", &many), "").await;
        let (_, firm) = reporter(app, "firm").await;
        let two = vec![
            json!({"title": "Zebra overflow in parser", "description": "A length is trusted.", "severity": "critical",
                   "location": {"path": "parser.c", "start_line": 10}}),
            json!({"title": "Alpha race in cache", "description": "Two writers race.", "severity": "medium",
                   "location": {"path": "cache.c", "start_line": 20}}),
        ];
        submit_and_wait(app, &firm, native_for("pkg:pypi/cachelib@2.0.0", &two), "").await;

        // An operator with 55 assets.
        let hospital = app.org("Rural Hospital", "critical_infrastructure_operator").await;
        let (_, ops) = app.user(&hospital, "olga", &["member"]).await;
        for i in 0..55 {
            let (s, v) = app
                .post(&ops, "/api/v1/assets", &json!({"name": format!("Device {i:02}"), "owner": "Biomed", "mission_impact": "high"}))
                .await;
            assert_eq!(s, 201, "{v}");
        }
        let agency = app.org("Clearing Agency", "government_agency").await;
        let (_, cora) = app.user(&agency, "cora", &["coordinator"]).await;
        app.user(&agency, "audrey", &["auditor"]).await;

        // Coordinator: home with the queues, the findings list paged, sorted, searched.
        sign_in(c, app, "cora").await;
        let home = visit(c, app, "/", "coordinator-home").await;
        assert!(home.contains("Finding queues"), "{home}");
        assert_eq!(text(c, "#tile-triage .n").await, "62");
        let list = visit(c, app, "/findings", "coordinator-findings").await;
        assert!(list.contains("Night Lab"), "reporter names: {list}");
        assert_eq!(text(c, "#findings-range").await, "1–50 of 62");
        assert_eq!(count(c, Locator::Css("tr.finding")).await, 50);
        click(c, Locator::Css("a.next")).await;
        xtext(c, "//span[@id='findings-range' and text()='51–62 of 62']").await;
        assert_eq!(count(c, Locator::Css("tr.finding")).await, 12);
        visit(c, app, "/findings?state=received&sort=title&dir=asc", "coordinator-sorted").await;
        let first = text(c, "tr.finding td:nth-child(2) a").await;
        assert_eq!(first, "Alpha race in cache");
        click(c, Locator::Css("a[data-sort=title]")).await;
        xtext(c, "//tr[contains(@class,'finding')][1]/td[2]/a[text()='Zebra overflow in parser']").await;
        fill(c, "finding-search", "number 4").await;
        click(c, Locator::Id("apply-filters")).await;
        xtext(c, "//span[@id='findings-range' and text()='1–10 of 10']").await;
        assert!(crate::browser::path(c).await.starts_with("/findings"));
        let url = c.current_url().await.unwrap();
        assert!(url.query().unwrap_or("").contains("q=number+4"), "{url}");
        // Bulk triage of the ten found, with one reason.
        click(c, Locator::Css("input[data-select-all]")).await;
        fill(c, "bulk-reason", "in scope, reproducible by reading").await;
        click(c, Locator::Id("bulk-submit")).await;
        let done = text(c, "#bulk-result").await;
        assert_eq!(done, "10 findings updated.");
        xtext(c, "//span[@id='findings-range' and text()='0 of 0']").await;
        let (_, v) = app.get(&cora, "/api/v1/findings?state=triaged&limit=100").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 10, "{v}");
        // A finding: names, markdown, and the decision form's explanations.
        open(c, app, "/findings?q=zebra").await;
        click(c, Locator::LinkText("Zebra overflow in parser")).await;
        let page = text(c, "main").await;
        assert!(page.contains("by firm (firm-scanner)"), "{page}");
        assert!(has_uuid(&page).is_none(), "{page}");
        let offered = text(c, "#review-action").await;
        assert!(offered.contains("Triage") && offered.contains("Reject"), "{offered}");
        let withheld = text(c, "#withheld").await;
        assert!(withheld.contains("Take for validation") || withheld.contains("validator"), "{withheld}");
        shot(c, "coordinator-finding").await;
        visit(c, app, "/assets", "coordinator-assets").await;
        assert_eq!(text(c, "#assets-range").await, "1–50 of 55");
        let orgs = text(c, "#assets tbody").await;
        assert!(orgs.contains("Rural Hospital"), "organisation shown to coordinators");
        for page in ["/approvals", "/users", "/orgs", "/inbox", "/exposures", "/submissions"] {
            visit(c, app, page, &format!("coordinator{}", page.replace('/', "-"))).await;
        }
        sign_out(c, app).await;

        // Operator: no findings in the navigation; assets paged; an inline form error.
        sign_in(c, app, "olga").await;
        let home = visit(c, app, "/", "operator-home").await;
        assert!(home.contains("Exposures that need you"), "{home}");
        assert!(home.contains("No open exposures"), "{home}");
        for link in ["Findings", "Submissions"] {
            assert_eq!(count(c, Locator::LinkText(link)).await, 0, "{link}");
        }
        assert_eq!(count(c, Locator::LinkText("Approvals")).await, 0);
        for link in ["Assets", "Exposures", "Inbox"] {
            assert_eq!(count(c, Locator::LinkText(link)).await, 1, "{link}");
        }
        let nav_width: f64 = c
            .execute("return document.querySelector('header').scrollWidth;", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(nav_width <= 1280.0, "header is {nav_width} px wide");
        visit(c, app, "/assets", "operator-assets").await;
        assert_eq!(text(c, "#assets-range").await, "1–50 of 55");
        click(c, Locator::Css("a[data-sort=name]")).await;
        xtext(c, "//table[@id='assets']/tbody/tr[1]/td[1]/a[text()='Device 54']").await;
        fill(c, "asset-search", "Device 1").await;
        click(c, Locator::Css("#asset-filters button")).await;
        xtext(c, "//span[@id='assets-range' and text()='1–10 of 10']").await;
        fill(c, "asset-name", "Device 07").await;
        fill(c, "asset-owner", "Night shift").await;
        click(c, Locator::Id("create-asset")).await;
        let error = text(c, "#asset-name-error").await;
        assert!(error.contains("already exists") || error.contains("name"), "{error}");
        let owner = crate::browser::wait(c, Locator::Id("asset-owner")).await;
        assert_eq!(owner.prop("value").await.unwrap().as_deref(), Some("Night shift"));
        let name = crate::browser::wait(c, Locator::Id("asset-name")).await;
        assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("Device 07"));
        assert_eq!(count(c, Locator::Id("main-nav")).await, 1, "same page, with navigation");
        shot(c, "operator-inline-error").await;
        for page in ["/exposures", "/inbox"] {
            visit(c, app, page, &format!("operator{}", page.replace('/', "-"))).await;
        }
        sign_out(c, app).await;

        // Reporter: submissions and outcomes.
        sign_in(c, app, "nightlab").await;
        let home = visit(c, app, "/", "reporter-home").await;
        assert!(home.contains("Your submissions"), "{home}");
        assert_eq!(count(c, Locator::Css("#my-submissions tbody tr")).await, 1);
        assert_eq!(text(c, "#tile-triaged .n").await, "10");
        visit(c, app, "/findings", "reporter-findings").await;
        assert_eq!(text(c, "#findings-range").await, "1–50 of 60");
        sign_out(c, app).await;

        // Auditor: the log.
        sign_in(c, app, "audrey").await;
        let home = visit(c, app, "/", "auditor-home").await;
        assert!(home.contains("entries in the log"), "{home}");
        let size: u64 = text(c, "#tile-log-size .n").await.parse().unwrap();
        assert!(size > 60, "{size}");
        visit(c, app, "/audit", "auditor-audit").await;
        // The API browser: Swagger UI from the binary, with the document's title.
        visit(c, app, "/api", "api-reference").await;
        click(c, Locator::Id("swagger-link")).await;
        let title = text(c, ".swagger-ui .info .title").await;
        assert!(title.starts_with("Clearinghouse API"), "{title}");
        shot(c, "api-swagger").await;
        open(c, app, "/").await;
        sign_out(c, app).await;
    })
    .await;
}
