//! Headless-browser tests of the frontier pages: a developer registers a
//! model (a compute figure that is not a number is refused beside its field
//! with everything typed kept) and sees its compute beside the non-binding
//! reference points; an evaluator loads Cybench with one command, defines
//! a suite through the form, uploads a real Inspect log (`.eval`) and
//! follows it to its run page and samples, and has a refused log's reason
//! shown beside the file field; a designation authority proposes a
//! threshold through the form; the model page's chart draws threshold
//! lines for the cleared authority only, and no page the developer reaches
//! holds a threshold value.
//!
//! Same set-up as `browser.rs` (Chromium through chromedriver, SQLite).
//! Screenshots go to `CARGO_TARGET_TMPDIR/ui-screens/frontier-*.png`.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{
    browse, click, count, error_page, fill, open, select, sign_in, sign_out, text,
};
use crate::harness::TestApp;
use crate::harness::real_data::sub_dir;
use crate::submit_cli::cli;

async fn shot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screens");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("frontier-{name}.png")), png).unwrap();
}

/// Scrolls the element into view (for a screenshot of what is below the fold).
async fn scroll_to(c: &Client, id: &str) {
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView()",
        vec![json!(id)],
    )
    .await
    .expect("scroll");
}

async fn source(c: &Client) -> String {
    c.source().await.expect("page source")
}

async fn upload(app: &TestApp, token: &str, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/runs?{query}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Proposes a threshold through the API and has the second authority approve it.
async fn set_threshold(app: &TestApp, authority: &str, second: &str, suite: &str, rate: &str) {
    let (s, p) = app
        .post(
            authority,
            &format!("/api/v1/suites/{suite}/thresholds"),
            &json!({"success_rate": rate}),
        )
        .await;
    assert_eq!(s, 202, "{p}");
    approve(app, second, p["approval"]["id"].as_str().unwrap()).await;
}

async fn approve(app: &TestApp, second: &str, approval: &str) {
    let (s, d) = app
        .post(
            second,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
}

/// The real `.eval` log used here: 10 samples with ids 1..10 (zstd or
/// deflate entries, whatever the file holds).
fn popularity_log() -> Option<PathBuf> {
    let dir = sub_dir("inspect-ai-logs")?;
    Some(
        dir.join(
            "tests/scorer/logs/2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval",
        ),
    )
}

/// A real log whose status is `error`: refused with the reason.
fn failed_log() -> Option<PathBuf> {
    let dir = sub_dir("inspect-ai-logs")?;
    Some(dir.join(
        "tests/test_eval_set/2024-08-29T15-11-18+00-00_popularity_5EAmX6wjMFqea6WY7XHzZp.json",
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontier_pages_by_role() {
    let (Some(log), Some(failed)) = (popularity_log(), failed_log()) else {
        return;
    };
    browse(async |app, c| {
        let lab = app.org("Frontier Lab", "ai_developer").await;
        let (_, developer) = app.user(&lab, "labdev", &["member"]).await;
        let nsa = app.org("National Security Agency", "government_agency").await;
        let (_, evaluator) = app.user(&nsa, "evaluator", &["evaluator"]).await;
        let (a1, authority) = app.user(&nsa, "authority", &["designation_authority"]).await;
        let (a2, second) = app.user(&nsa, "authority2", &["designation_authority"]).await;
        app.grant(&a1, &["FRONTIER", "CLASSIFIED"]).await;
        app.grant(&a2, &["FRONTIER", "CLASSIFIED"]).await;

        // The developer registers a model; a compute that is not a number
        // is refused beside its field, everything typed kept.
        sign_in(c, app, "labdev").await;
        click(c, Locator::Id("nav-frontier")).await;
        text(c, "#models-empty").await;
        fill(c, "model-name", "Atlas").await;
        fill(c, "model-version", "2.0-preview").await;
        fill(c, "model-compute", "a lot").await;
        fill(c, "model-contact", "safety@lab.example").await;
        fill(c, "model-description", "A general model with tool use").await;
        click(c, Locator::Id("modality-code")).await;
        select(c, "model-tlp", "AMBER").await;
        click(c, Locator::Css(&format!("input[name='shared_with_orgs'][value='{nsa}']"))).await;
        click(c, Locator::Id("register-model")).await;
        let err = text(c, "#model-compute-error").await;
        assert!(!err.is_empty(), "an inline error for the compute");
        shot(c, "register-error").await;
        let value = |id: &'static str| async move {
            crate::browser::wait(c, Locator::Id(id)).await.prop("value").await.unwrap().unwrap_or_default()
        };
        assert_eq!(value("model-name").await, "Atlas");
        assert_eq!(value("model-version").await, "2.0-preview");
        assert_eq!(value("model-compute").await, "a lot");
        assert_eq!(value("model-contact").await, "safety@lab.example");
        assert_eq!(value("model-description").await, "A general model with tool use");
        assert_eq!(value("model-tlp").await, "AMBER");
        let checked = |css: String| async move {
            crate::browser::wait(c, Locator::Css(&css)).await.prop("checked").await.unwrap()
        };
        assert_eq!(checked("#modality-code".into()).await.as_deref(), Some("true"));
        assert_eq!(
            checked(format!("input[name='shared_with_orgs'][value='{nsa}']")).await.as_deref(),
            Some("true")
        );
        fill(c, "model-compute", "3.2e25").await;
        click(c, Locator::Id("register-model")).await;
        assert_eq!(text(c, "#model-title").await, "Atlas 2.0-preview");
        assert_eq!(text(c, "#compute-value").await, "3.2e25");
        let eu = text(c, "#reference-points tr[data-id='eu_ai_act_1e25']").await;
        assert!(eu.contains("10^25") && eu.contains("non-binding") && eu.contains("exceeds"), "{eu}");
        let us = text(c, "#reference-points tr[data-id='us_state_1e26']").await;
        assert!(us.contains("10^26") && us.contains("does not exceed"), "{us}");
        assert_eq!(count(c, Locator::Css("#reference-points strong.exceeds")).await, 1);
        text(c, "#runs-empty").await;
        shot(c, "model-developer").await;
        let model_id = crate::browser::path(c).await.rsplit('/').next().unwrap().to_owned();
        sign_out(c, app).await;

        // The evaluator loads Cybench with one command.
        if let Some(dir) = sub_dir("cybench-metadata") {
            let run = cli(&[
                "suite", "load-cybench", dir.to_str().unwrap(), "--server", &app.url(""),
                "--token", &evaluator,
            ])
            .await;
            assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        }
        sign_in(c, app, "evaluator").await;
        open(c, app, "/frontier/suites").await;
        // A suite through the form: a bad key is refused, the tasks kept.
        let tasks: String = (1..=10).map(|i| format!("{i}=popularity\n")).collect();
        fill(c, "suite-key", "bad key!").await;
        fill(c, "suite-name", "Popularity").await;
        fill(c, "suite-tasks", &tasks).await;
        click(c, Locator::Id("create-suite")).await;
        text(c, "#suite-key-error").await;
        assert_eq!(value("suite-tasks").await.trim(), tasks.trim());
        fill(c, "suite-key", "popularity").await;
        click(c, Locator::Id("create-suite")).await;
        assert!(text(c, "#suite-title").await.starts_with("Popularity"));
        assert_eq!(text(c, "#suite-task-count").await, "10");
        assert_eq!(text(c, "#tasks-range").await, "1–10 of 10");
        let popularity_id = crate::browser::path(c).await.rsplit('/').next().unwrap().to_owned();
        if sub_dir("cybench-metadata").is_some() {
            open(c, app, "/frontier/suites").await;
            click(c, Locator::XPath("//table[@id='suites']//tr[td/code[text()='cybench']]//a")).await;
            assert_eq!(text(c, "#suite-task-count").await, "40");
            assert_eq!(text(c, "#tasks-range").await, "1–40 of 40");
            // Sorted by first-solve time, fastest first.
            open(c, app, &format!("{}?sort=solve&dir=asc", crate::browser::path(c).await)).await;
            let first = text(c, "#tasks tbody tr:first-child td.solve").await;
            assert!(!first.is_empty(), "first-solve times shown");
            shot(c, "suite-cybench").await;
        }

        // Upload a real log; a refused log shows its reason beside the file.
        open(c, app, "/frontier/runs").await;
        text(c, "#runs-empty").await;
        select(c, "run-suite", &popularity_id).await;
        select(c, "run-model", &model_id).await;
        let file = crate::browser::wait(c, Locator::Id("run-file")).await;
        file.send_keys(failed.to_str().unwrap()).await.unwrap();
        click(c, Locator::Id("import-run")).await;
        let reason = text(c, "#run-file-error").await;
        assert!(reason.contains("status") || reason.contains("error"), "{reason}");
        assert_eq!(value("run-suite").await, popularity_id, "the suite choice is kept");
        assert_eq!(value("run-model").await, model_id, "the model choice is kept");
        shot(c, "upload-refused").await;
        let file = crate::browser::wait(c, Locator::Id("run-file")).await;
        file.send_keys(log.to_str().unwrap()).await.unwrap();
        click(c, Locator::Id("import-run")).await;
        assert_eq!(text(c, "#run-status").await, "success");
        assert_eq!(text(c, "#run-samples").await, "10");
        assert_eq!(count(c, Locator::Css("#samples tr.sample")).await, 10);
        assert_eq!(text(c, "#samples-range").await, "1–10 of 10");
        assert!(text(c, "#run-model").await.contains("Atlas 2.0-preview"));
        assert!(text(c, "#success-rate").await.ends_with('%'));
        shot(c, "run").await;
        scroll_to(c, "samples").await;
        shot(c, "run-samples").await;
        open(c, app, "/frontier/runs").await;
        assert_eq!(count(c, Locator::Css("#runs tr.run")).await, 1);
        assert_eq!(text(c, "#runs-range").await, "1–1 of 1");
        assert!(text(c, "#runs tr.run td.score").await.contains('['));
        shot(c, "runs").await;
        sign_out(c, app).await;

        // A suite shared with the developer, the same log scored against it,
        // so the developer has a run released to it, and thresholds on both
        // suites (two authorities, through the API here).
        let tasks: Vec<Value> = (1..=10).map(|i| json!({"id": i.to_string()})).collect();
        let (s, v) = app
            .post(&evaluator, "/api/v1/suites", &json!({"key": "popularity-shared",
                "name": "Popularity (shared)", "tlp": "AMBER", "shared_with_orgs": [lab], "tasks": tasks}))
            .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = upload(app, &evaluator, &format!("suite=popularity-shared&model={model_id}"),
            std::fs::read(&log).unwrap()).await;
        assert_eq!(s, 201, "{v}");
        set_threshold(app, &authority, &second, "popularity-shared", "0.371").await;

        // The authority proposes through the form; a bad rate is refused inline.
        sign_in(c, app, "authority").await;
        click(c, Locator::Id("nav-frontier")).await;
        click(c, Locator::Id("tab-thresholds")).await;
        select(c, "threshold-suite", &popularity_id).await;
        fill(c, "threshold-rate", "1.5").await;
        click(c, Locator::Id("propose-submit")).await;
        text(c, "#threshold-rate-error").await;
        assert_eq!(value("threshold-rate").await, "1.5");
        fill(c, "threshold-rate", "0.373").await;
        click(c, Locator::Id("propose-submit")).await;
        let notice = text(c, "#threshold-proposed").await;
        assert!(notice.contains("second designation authority"), "{notice}");
        let page = text(c, "main").await;
        assert!(page.contains("0.373000") && page.contains("0.371000"), "{page}");
        shot(c, "thresholds").await;
        let (_, pending) = app.get(&second, "/api/v1/approvals?state=pending").await;
        let pending = pending["items"].as_array().unwrap().iter()
            .find(|a| a["action"] == "set_threshold").unwrap()["id"].as_str().unwrap().to_owned();
        approve(app, &second, &pending).await;

        // The cleared authority's model page: the chart with threshold lines.
        open(c, app, &format!("/frontier/models/{model_id}")).await;
        assert_eq!(count(c, Locator::Css("#score-chart g.score-row")).await, 2);
        assert_eq!(count(c, Locator::Css("#score-chart line.threshold")).await, 2);
        let html = source(c).await;
        assert!(html.contains("37.1%") && html.contains("37.3%"), "the authority sees the values");
        scroll_to(c, "score-chart-card").await;
        shot(c, "model-authority").await;
        sign_out(c, app).await;

        // The evaluator (not cleared for the policy): the chart, no lines.
        sign_in(c, app, "evaluator").await;
        open(c, app, &format!("/frontier/models/{model_id}")).await;
        assert_eq!(count(c, Locator::Css("#score-chart g.score-row")).await, 2);
        assert_eq!(count(c, Locator::Css("#score-chart line.threshold")).await, 0);
        let html = source(c).await;
        assert!(!html.contains("37.1") && !html.contains("37.3"), "no threshold value");
        sign_out(c, app).await;

        // The developer: only the run released to it, a chart without any
        // threshold, and no page it reaches holds a value.
        sign_in(c, app, "labdev").await;
        let mut pages = vec![
            "/".to_owned(),
            "/frontier".to_owned(),
            "/frontier/models".to_owned(),
            format!("/frontier/models/{model_id}"),
        ];
        open(c, app, "/").await;
        assert!(text(c, "#tile-frontier-models").await.starts_with('1'), "the home tile counts the model");
        open(c, app, &format!("/frontier/models/{model_id}")).await;
        assert_eq!(count(c, Locator::Css("#model-runs tr.run")).await, 1, "only the shared suite's run");
        assert_eq!(count(c, Locator::Css("#score-chart g.score-row")).await, 1);
        assert_eq!(count(c, Locator::Css("#score-chart line.threshold")).await, 0);
        scroll_to(c, "score-chart-card").await;
        shot(c, "model-developer-released").await;
        click(c, Locator::Css("#model-runs tr.run a")).await;
        text(c, "#run-status").await;
        pages.push(crate::browser::path(c).await);
        for p in &pages {
            open(c, app, p).await;
            let html = source(c).await;
            for leak in ["0.371", "37.1", "0.373", "37.3", "threshold in force"] {
                assert!(!html.contains(leak), "{p} shows {leak}");
            }
        }
        open(c, app, "/frontier/thresholds").await;
        error_page(c, 403).await;
        let html = source(c).await;
        assert!(!html.contains("0.371") && !html.contains("0.373"));
        open(c, app, "/frontier/suites").await;
        assert!(!source(c).await.contains("id=\"new-suite\""), "no suite form for developers");
        let _ = developer;
    })
    .await;
}
