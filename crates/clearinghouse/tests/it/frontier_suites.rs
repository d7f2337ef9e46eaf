//! Benchmark suites over HTTP and the CLI: an evaluator defines a suite, the
//! same task list keeps its version and a changed one is the next version
//! (old versions stay readable); other organisations read nothing (404);
//! non-evaluators are refused; bad input is 422 naming the field with
//! nothing stored; `suite load-cybench` loads Cybench's 40 tasks.

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure_realdata::sub_dir;
use crate::harness::TestApp;
use crate::submit_cli::cli;

/// An evaluator in a government agency: (org id, user id, token).
pub async fn evaluator(app: &TestApp, org_name: &str, name: &str) -> (String, String, String) {
    let org = app.org(org_name, "government_agency").await;
    let (id, token) = app.user(&org, name, &["evaluator"]).await;
    (org, id, token)
}

async fn suites_stored(app: &TestApp) -> (i64, i64) {
    let pool = &app.app.store.pool;
    let s: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM frontier_suites")
        .fetch_one(pool)
        .await
        .unwrap();
    let v: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM frontier_suite_versions")
        .fetch_one(pool)
        .await
        .unwrap();
    (s, v)
}

fn suite(tasks: Value) -> Value {
    json!({"key": "cyber-core", "name": "Cyber core", "tasks": tasks})
}

async fn versions_follow_content(app: TestApp) {
    let (_, _, eval) = evaluator(&app, "Evaluation Agency", "eva").await;
    let tasks = json!([{"id": "b", "categories": ["web"]}, {"id": "a", "categories": ["pwn"], "first_solve_seconds": 60}]);
    let (s, v1) = app
        .post(&eval, "/api/v1/suites", &suite(tasks.clone()))
        .await;
    assert_eq!(s, 201, "{v1}");
    assert_eq!(v1["version"]["number"], 1);
    assert_eq!(v1["tlp"], "AMBER+STRICT");
    assert_eq!(v1["tasks"][0]["id"], "a", "sorted by id");
    assert_eq!(v1["errored_samples"], "count_as_failure");
    // The same list in another order: the same version, 200, nothing written.
    let mut rev = tasks.as_array().unwrap().clone();
    rev.reverse();
    let (s, same) = app
        .post(&eval, "/api/v1/suites", &suite(Value::Array(rev)))
        .await;
    assert_eq!(s, 200, "{same}");
    assert_eq!(same["version"], v1["version"]);
    assert_eq!(suites_stored(&app).await, (1, 1));
    // A changed list is version 2; version 1 stays as it was.
    let (s, v2) = app
        .post(
            &eval,
            "/api/v1/suites",
            &suite(json!([{"id": "a"}, {"id": "c"}])),
        )
        .await;
    assert_eq!(s, 201, "{v2}");
    assert_eq!(v2["version"]["number"], 2);
    assert_eq!(v2["id"], v1["id"]);
    assert_ne!(v2["version"]["digest"], v1["version"]["digest"]);
    let (s, old) = app.get(&eval, "/api/v1/suites/cyber-core/versions/1").await;
    assert_eq!(s, 200, "{old}");
    assert_eq!(old["tasks"], v1["tasks"]);
    let (_, by_id) = app
        .get(
            &eval,
            &format!("/api/v1/suites/{}", v1["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(by_id["version"]["number"], 2);
    let (_, all) = app.get(&eval, "/api/v1/suites/cyber-core/versions").await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Another organisation (a developer, another agency) reads nothing.
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    let (_, _, other) = evaluator(&app, "Other Agency", "oscar").await;
    for who in [&dev, &other] {
        assert_eq!(app.get(who, "/api/v1/suites/cyber-core").await.0, 404);
        assert_eq!(app.get(who, "/api/v1/suites").await.1["items"], json!([]));
    }
    // Only evaluators define suites.
    let (s, p) = app
        .post(&dev, "/api/v1/suites", &suite(json!([{"id": "x"}])))
        .await;
    assert_eq!(s, 403, "{p}");
    // Bad input names the field; nothing stored.
    for (body, field) in [
        (suite(json!([])), "tasks"),
        (suite(json!([{"id": " "}])), "tasks[0].id"),
        (suite(json!([{"id": "a"}, {"id": "a"}])), "tasks"),
        (json!({"key": "bad key!", "tasks": [{"id": "a"}]}), "key"),
        (
            json!({"key": "k", "tasks": [{"id": "a"}], "errored_samples": "sometimes"}),
            "errored_samples",
        ),
        (
            json!({"key": "k", "tasks": [{"id": "a"}], "visibility": "CLASSIFIED"}),
            "visibility",
        ),
    ] {
        let (s, p) = app.post(&other, "/api/v1/suites", &body).await;
        assert_eq!(s, 422, "{body} {p}");
        assert_eq!(p["field"], field, "{p}");
    }
    assert_eq!(suites_stored(&app).await, (1, 2));
    // Audited: one create, one revision.
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM audit_log")
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.contains("suite.create"))
            .count(),
        1
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.contains("suite.revise"))
            .count(),
        1
    );
}
both_backends!(versions_follow_content, versions_follow_content);

async fn cli_create_and_load_cybench(app: TestApp) {
    let (_, _, eval) = evaluator(&app, "Evaluation Agency", "eva").await;
    let server = app.url("");
    let run = cli(&[
        "suite",
        "create",
        "mini",
        "--server",
        &server,
        "--token",
        &eval,
        "--task",
        "alpha=web",
        "--task",
        "beta",
    ])
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("version:  1"), "{}", run.stdout);
    assert!(run.stdout.contains("alpha\tweb"), "{}", run.stdout);
    let Some(dir) = sub_dir("cybench-metadata") else {
        return;
    };
    let run = cli(&[
        "suite",
        "load-cybench",
        dir.to_str().unwrap(),
        "--server",
        &server,
        "--token",
        &eval,
        "--json",
    ])
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let s: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(s["key"], "cybench");
    assert_eq!(s["tasks"].as_array().unwrap().len(), 40);
    let pkcrc = s["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "noisier_crc")
        .cloned()
        .unwrap();
    assert!(
        pkcrc["categories"]
            .as_array()
            .unwrap()
            .contains(&json!("crypto")),
        "{pkcrc}"
    );
    assert!(pkcrc["difficulty"]["first_solve_seconds"].as_u64().unwrap() > 0);
    // Loading again changes nothing.
    let again = cli(&[
        "suite",
        "load-cybench",
        dir.to_str().unwrap(),
        "--server",
        &server,
        "--token",
        &eval,
    ])
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("(unchanged)"), "{}", again.stdout);
}
both_backends!(cli_create_and_load_cybench, cli_create_and_load_cybench);
