//! The designation inquiry pages in Chromium: a consultant finds the
//! pending consultation, is told beside the form that a dissent needs a
//! comment, then dissents; an authority sees the decision queue with the
//! computed rule outcome, is told a departure from the rule needs a
//! reason, proposes the decision; a second authority approves it,
//! communicates it and releases the findings; the developer sees the
//! outcome and what was released, and nothing else.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{browse, click, fill, open, select, sign_in, sign_out, text, xtext};
use crate::browser_ui::{has_uuid, text_without_ids};
use crate::frontier_inquiries::{THRESHOLD, ok, world};
use crate::harness::TestApp;

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(format!("/tmp/chx-inquiry-{name}.png"), png).expect("write screenshot");
}

/// Fails when the page's text shows a UUID outside `<code class="id">`.
async fn no_bare_ids(c: &Client, what: &str) {
    let all = text_without_ids(c).await;
    if let Some(id) = has_uuid(&all) {
        panic!("{what} shows the id {id}:\n{all}");
    }
}

async fn state(c: &Client, app: &TestApp, id: &str) -> String {
    open(c, app, &format!("/inquiries/{id}")).await;
    text(c, "#inquiry-state").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consultee_and_authorities_walk_the_inquiry_pages() {
    browse(async |app, c| {
        let w = world(app).await;
        let q = ok(
            app,
            &w.dev,
            &format!("/api/v1/models/{}/inquiries", w.model),
            json!({}),
            201,
        )
        .await;
        let id = q["id"].as_str().expect("id").to_owned();
        let base = format!("/api/v1/inquiries/{id}");
        ok(
            app,
            &w.eval,
            &format!("{base}/runs"),
            json!({"run_id": w.run}),
            200,
        )
        .await;
        ok(
            app,
            &w.eval,
            &format!("{base}/consultation"),
            json!({}),
            200,
        )
        .await;

        // The consultant (APST's) finds it pending and answers in the page.
        sign_in(c, app, "consultant1").await;
        click(c, Locator::LinkText("Inquiries")).await;
        xtext(
            c,
            &format!("//table[@id='pending-consultations']//a[@data-id='{id}']"),
        )
        .await;
        no_bare_ids(c, "the consultant's list").await;
        click(
            c,
            Locator::Css(&format!("#pending-consultations a[data-id='{id}']")),
        )
        .await;
        // The model is not shared with APST: the page does not name it.
        let model = text(c, "#inquiry-model").await;
        assert!(model.starts_with("not shared with you"), "{model}");
        no_bare_ids(c, "the consultant's inquiry page").await;
        assert_eq!(text(c, "#inquiry-state").await, "consulting");
        click(c, Locator::Css("input[name='response'][value='dissent']")).await;
        click(c, Locator::Id("respond-submit")).await;
        let e = text(c, "#respond-error").await;
        assert!(e.contains("comment"), "{e}");
        shot(c, "consultant-error").await;
        click(c, Locator::Css("input[name='response'][value='dissent']")).await;
        fill(c, "respond-comment", "the suite is too narrow").await;
        click(c, Locator::Id("respond-submit")).await;
        xtext(
            c,
            "//table[@id='consultations']//td[text()='the suite is too narrow']",
        )
        .await;
        sign_out(c, app).await;
        for i in [0, 2, 3] {
            ok(
                app,
                &w.consultants[i],
                &format!("{base}/consultations"),
                json!({"response": "concur"}),
                200,
            )
            .await;
        }

        // The authority: the queue with the computed outcome, then the decision.
        sign_in(c, app, "authority").await;
        open(c, app, "/inquiries").await;
        let computed = xtext(c, "//table[@id='decision-queue']/tbody/tr/td[3]").await;
        assert_eq!(computed, "covered");
        shot(c, "queue").await;
        no_bare_ids(c, "the decision queue").await;
        click(
            c,
            Locator::Css(&format!("#decision-queue a[data-id='{id}']")),
        )
        .await;
        assert_eq!(text(c, "#computed-outcome").await, "covered");
        let model = text(c, "#inquiry-model").await;
        assert_eq!(model, format!("atlas-1 1 {}", w.model));
        assert_eq!(text(c, "#inquiry-developer").await, "Atlas Labs");
        xtext(
            c,
            "//table[@id='findings']//td[starts-with(normalize-space(), 'ctf')]",
        )
        .await;
        let page = c.source().await.expect("source");
        assert!(
            !page.contains(THRESHOLD),
            "the page shows no threshold value"
        );
        select(c, "decide-determination", "not_covered").await;
        click(c, Locator::Id("decide-submit")).await;
        let e = text(c, "#decide-error").await;
        assert!(e.contains("reason"), "{e}");
        select(c, "decide-determination", "covered").await;
        click(c, Locator::Id("decide-submit")).await;
        assert_eq!(text(c, "#proposed").await, "covered");
        shot(c, "proposed").await;
        sign_out(c, app).await;

        // A second authority approves, communicates and releases.
        sign_in(c, app, "authority2").await;
        open(c, app, &format!("/inquiries/{id}")).await;
        click(c, Locator::Id("approve-submit")).await;
        xtext(c, "//span[@id='inquiry-state' and text()='decided']").await;
        click(c, Locator::Id("communicate-submit")).await;
        xtext(c, "//span[@id='inquiry-state' and text()='communicated']").await;
        select(c, "release-part", "findings").await;
        click(c, Locator::Id("release-submit")).await;
        xtext(
            c,
            "//ul[@id='releases']/li[starts-with(normalize-space(), 'findings')]",
        )
        .await;
        shot(c, "authority").await;
        no_bare_ids(c, "the decided inquiry (authority)").await;
        sign_out(c, app).await;

        // The developer: the outcome and the released findings.
        sign_in(c, app, &w.dev_username).await;
        assert_eq!(state(c, app, &id).await, "communicated");
        assert_eq!(text(c, "#inquiry-outcome").await, "covered");
        assert!(text(c, "#inquiry-model").await.starts_with("atlas-1 1"));
        xtext(c, "//table[@id='released-findings']//td[text()='reached']").await;
        let page = c.source().await.expect("source");
        assert!(!page.contains("computed-outcome") && !page.contains(THRESHOLD));
        shot(c, "developer").await;
        no_bare_ids(c, "the developer's inquiry page").await;
        open(c, app, "/inquiries").await;
        no_bare_ids(c, "the developer's list").await;
    })
    .await;
}
