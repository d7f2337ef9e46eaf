//! A suite shared with two developers shows each developer only the runs of
//! models it may read: another developer's run (its scores, samples and
//! the model name Inspect recorded) is 404 by id, absent from lists and
//! model filters, and absent from the web pages. Evaluators still read all.

use serde_json::{Value, json};

use crate::both_backends;
use crate::frontier_inquiries::log;
use crate::harness::TestApp;

async fn upload(app: &TestApp, token: &str, model: &str, bytes: Vec<u8>) -> String {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/runs?suite=shared-ctf&model={model}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn register(app: &TestApp, token: &str, name: &str, agency: &str) -> String {
    let body = json!({"name": name, "version": "1", "training_compute": "3.2e25",
        "contact": "policy@example.com", "tlp": "AMBER", "shared_with_orgs": [agency]});
    let (s, m) = app.post(token, "/api/v1/models", &body).await;
    assert_eq!(s, 201, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_shared_suite_does_not_share_other_developers_runs(app: TestApp) {
    let agency = app.org("CAISI", "government_agency").await;
    let (_, eval) = app.user(&agency, "evaluator", &["evaluator"]).await;
    let atlas = app.org("Atlas Labs", "ai_developer").await;
    let borealis = app.org("Borealis AI", "ai_developer").await;
    let (_, atlas_dev) = app.user(&atlas, "atlas-dev", &["member"]).await;
    let (_, borealis_dev) = app.user(&borealis, "borealis-dev", &["member"]).await;
    let suite = json!({"key": "shared-ctf", "tlp": "AMBER", "shared_with_orgs": [atlas, borealis],
        "tasks": [{"id": "alpha"}, {"id": "beta"}]});
    let (s, v) = app.post(&eval, "/api/v1/suites", &suite).await;
    assert_eq!(s, 201, "{v}");
    let atlas_model = register(&app, &atlas_dev, "atlas-1", &agency).await;
    let borealis_model = register(&app, &borealis_dev, "borealis-1", &agency).await;
    let atlas_run = upload(&app, &eval, &atlas_model, log(true, "atlas")).await;
    let borealis_run = upload(&app, &eval, &borealis_model, log(false, "borealis")).await;

    // Both developers read the suite: it was shared with them.
    assert_eq!(
        app.get(&atlas_dev, "/api/v1/suites/shared-ctf").await.0,
        200
    );
    // Atlas reads its own run, not Borealis's, by any route.
    let (_, list) = app.get(&atlas_dev, "/api/v1/runs").await;
    assert_eq!(ids(&list), vec![atlas_run.as_str()], "{list}");
    let (_, list) = app.get(&atlas_dev, "/api/v1/runs?suite=shared-ctf").await;
    assert_eq!(ids(&list), vec![atlas_run.as_str()], "{list}");
    let path = format!("/api/v1/runs?model={borealis_model}");
    let (s, list) = app.get(&atlas_dev, &path).await;
    assert_eq!((s, ids(&list).len()), (200, 0), "{list}");
    let (missing_s, missing) = app
        .get(
            &atlas_dev,
            "/api/v1/runs/00000000-0000-4000-8000-000000000000",
        )
        .await;
    for path in [
        format!("/api/v1/runs/{borealis_run}"),
        format!("/api/v1/runs/{borealis_run}/samples"),
    ] {
        let (s, v) = app.get(&atlas_dev, &path).await;
        assert_eq!(
            (s, &v["detail"]),
            (missing_s, &missing["detail"]),
            "{path}: {v}"
        );
    }
    assert_eq!(
        app.get(&atlas_dev, &format!("/api/v1/runs/{atlas_run}"))
            .await
            .0,
        200
    );
    // The same through the web pages.
    let cookie = app.login_cookie("atlas-dev").await;
    for (path, want) in [
        (format!("/frontier/runs/{borealis_run}"), 404),
        (format!("/frontier/runs/{atlas_run}"), 200),
        ("/frontier/runs".to_owned(), 200),
    ] {
        let resp = app
            .client
            .get(app.url(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want, "{path}");
        let body = resp.text().await.unwrap();
        assert!(!body.contains(&borealis_run), "{path}: {body}");
    }
    // The evaluator reads both.
    let (_, list) = app.get(&eval, "/api/v1/runs").await;
    assert_eq!(ids(&list).len(), 2, "{list}");
}
both_backends!(
    a_shared_suite_does_not_share_other_developers_runs,
    a_shared_suite_does_not_share_other_developers_runs
);
