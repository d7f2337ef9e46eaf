//! A full re-match shared by every process (`POST /api/v1/rematch-runs`,
//! `matching::runs`): cut into parts that jobs take, in this process or in
//! two `clearinghouse worker` processes; its counts are the sums of its
//! parts and its exposures the same as one process's full match gives.

use std::time::Duration;

use serde_json::{Value, json};

use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::{Db, TestApp};
use crate::workers::{start_worker, wait};

/// Operators with one asset each, `paramiko 2.4.0` in every SBOM (exposed
/// to the advisory) and the fixed `2.4.1` in every third (not exposed); returns the
/// operators' tokens.
async fn exposed_operators(app: &TestApp, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        let (_, ops) = operator(app, &format!("Operator {i}")).await;
        let id = asset(app, &ops, &format!("ehr-{i}"), i % 2 == 0).await;
        let version = if i % 3 == 2 { "2.4.1" } else { "2.4.0" };
        let (s, v) = upload(app, &ops, &id, cyclonedx(&[("paramiko", version)])).await;
        assert_eq!(s, 200, "{v}");
        tokens.push(ops);
    }
    let (s, v) = import(
        app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert!(s == 200 || s == 202, "{v}");
    app.run_pending_jobs().await;
    tokens
}

async fn open_exposures(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM exposures WHERE state IN ('open', 'acknowledged', 'mitigated', 'risk_accepted')",
    )
    .fetch_one(&app.app.store.pool)
    .await
    .expect("count")
}

async fn execute(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&app.app.store.pool)
        .await
        .expect(sql);
}

/// Starts a run of `parts` parts as the administrator.
async fn start(app: &TestApp, parts: usize) -> Value {
    let (s, run) = app
        .post(
            &app.admin_token,
            "/api/v1/rematch-runs",
            &json!({ "parts": parts }),
        )
        .await;
    assert_eq!(s, 202, "{run}");
    assert_eq!(run["state"], "running", "{run}");
    run
}

async fn finished(app: &TestApp, run: &Value) -> Value {
    let id = run["id"].as_str().unwrap();
    let (s, run) = app
        .get(&app.admin_token, &format!("/api/v1/rematch-runs/{id}"))
        .await;
    assert_eq!(s, 200, "{run}");
    assert_eq!(run["state"], "finished", "{run}");
    assert_eq!(run["parts_done"], run["parts"], "{run}");
    run
}

/// Starts a run of `parts` parts, lets this process's jobs take them,
/// and answers the finished run.
async fn run_to_end(app: &TestApp, parts: usize) -> Value {
    let run = start(app, parts).await;
    app.run_pending_jobs().await;
    finished(app, &run).await
}

/// Empties the package index behind the incremental paths' back (kept
/// aside for [`restore_package_index`]).
async fn hide_package_index(app: &TestApp) {
    execute(
        app,
        "CREATE TABLE saved_affected AS SELECT * FROM affected_packages",
    )
    .await;
    execute(app, "DELETE FROM affected_packages").await;
}

async fn restore_package_index(app: &TestApp) {
    execute(
        app,
        "INSERT INTO affected_packages SELECT * FROM saved_affected",
    )
    .await;
    execute(app, "DROP TABLE saved_affected").await;
}

fn counts(run: &Value) -> [u64; 3] {
    ["new", "changed", "resolved"].map(|k| run[k].as_u64().unwrap())
}

async fn run_in_one_process(app: TestApp) {
    exposed_operators(&app, 9).await;
    let exposed = open_exposures(&app).await;
    assert_eq!(
        exposed, 6,
        "two of three operators run the affected version"
    );

    // Nothing changed since the incremental matches: the run agrees.
    let run = run_to_end(&app, 4).await;
    assert_eq!(run["parts"], 4, "{run}");
    assert_eq!(counts(&run), [0, 0, 0], "{run}");

    // The package index emptied behind the incremental paths' back: the
    // run resolves every exposure; put back, the next run opens them again.
    hide_package_index(&app).await;
    let run = run_to_end(&app, 3).await;
    assert_eq!(counts(&run), [0, 0, exposed as u64], "{run}");
    assert_eq!(open_exposures(&app).await, 0);
    restore_package_index(&app).await;
    let run = run_to_end(&app, 3).await;
    assert_eq!(open_exposures(&app).await, exposed);
    assert_eq!(
        counts(&run)[0] + counts(&run)[1],
        exposed as u64,
        "reopened: {run}"
    );

    // Every run is in the audit log.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entry LIKE '%\"exposures.rematch_run\"%'",
    )
    .fetch_one(&app.app.store.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 3);
}

crate::both_backends!(run_in_one_process, run_in_one_process);

/// Who may start and read a run, and what a bad request gets.
async fn refusals(app: TestApp) {
    let tokens = exposed_operators(&app, 1).await;
    let (s, v) = app
        .post(&tokens[0], "/api/v1/rematch-runs", &json!({ "parts": 2 }))
        .await;
    assert_eq!(s, 403, "an operator may not start one: {v}");
    for parts in [0, 1025] {
        let (s, v) = app
            .post(
                &app.admin_token,
                "/api/v1/rematch-runs",
                &json!({ "parts": parts }),
            )
            .await;
        assert_eq!(s, 422, "{parts} parts: {v}");
        assert!(v.to_string().contains("parts"), "names the field: {v}");
    }
    let (s, v) = app
        .post(
            &app.admin_token,
            "/api/v1/rematch-runs",
            &json!({ "part": 2 }),
        )
        .await;
    assert!(s == 400 || s == 422, "an unknown field is refused: {s} {v}");
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rematch_runs")
        .fetch_one(&app.app.store.pool)
        .await
        .expect("count");
    assert_eq!(runs, 0, "a refused request starts nothing");

    let run = start(&app, 2).await;
    let id = run["id"].as_str().unwrap();
    let (s, v) = app
        .post(&app.admin_token, "/api/v1/rematch-runs", &json!({}))
        .await;
    assert_eq!(s, 409, "one run at a time: {v}");
    assert!(v.to_string().contains(id), "names the running one: {v}");
    let (s, v) = app
        .get(&tokens[0], &format!("/api/v1/rematch-runs/{id}"))
        .await;
    assert_eq!(s, 403, "an operator may not read one: {v}");
    let (s, v) = app
        .get(&app.admin_token, "/api/v1/rematch-runs/no-such-run")
        .await;
    assert_eq!(s, 404, "{v}");

    // An agent of the administrator's that may only read follows the run
    // but cannot start one.
    let (s, agent) = app
        .post(
            &app.admin_token,
            "/api/v1/tokens",
            &json!({"name": "monitor", "kind": "agent", "scopes": ["advisories:read"], "expires_in_days": 1}),
        )
        .await;
    assert_eq!(s, 201, "{agent}");
    let agent = agent["token"].as_str().expect("the agent's token");
    let (s, v) = app.get(agent, &format!("/api/v1/rematch-runs/{id}")).await;
    assert_eq!(s, 200, "a read-only agent follows the run: {v}");
    let (s, v) = app
        .post(agent, "/api/v1/rematch-runs", &json!({ "parts": 1 }))
        .await;
    assert_eq!(s, 403, "a read-only agent starts none: {v}");
    app.run_pending_jobs().await;
}

crate::both_backends!(refusals, refusals);

/// The parts taken by two worker processes at once.
async fn run_by_two_workers(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    exposed_operators(&app, 40).await;
    let exposed = open_exposures(&app).await;
    hide_package_index(&app).await;
    let run = start(&app, 40).await;
    let workers = [start_worker(&app, "w1"), start_worker(&app, "w2")];
    tokio::task::spawn_blocking(move || {
        for w in workers {
            wait(w, Duration::from_secs(180));
        }
    })
    .await
    .expect("join");
    let run = finished(&app, &run).await;
    assert_eq!(counts(&run), [0, 0, exposed as u64], "{run}");
    assert_eq!(open_exposures(&app).await, 0);
    restore_package_index(&app).await;

    let by_worker: Vec<(String, i64)> = sqlx::query_as(
        "SELECT locked_by, COUNT(*) FROM jobs WHERE kind = 'rematch_part' AND state = 'done' \
         GROUP BY locked_by ORDER BY locked_by",
    )
    .fetch_all(&app.app.store.pool)
    .await
    .expect("jobs by worker");
    println!("{db:?}: re-match parts by worker: {by_worker:?}");
    assert_eq!(by_worker.iter().map(|(_, n)| n).sum::<i64>(), 40);
    if db == Db::Postgres {
        assert_eq!(by_worker.len(), 2, "both workers take parts: {by_worker:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_by_two_workers_sqlite() {
    run_by_two_workers(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_by_two_workers_postgres() {
    run_by_two_workers(Db::Postgres).await;
}

/// `clearinghouse rematch` starts a run over the API and follows it to its
/// counts while the server's jobs take the parts.
async fn cli_follows_a_run(app: TestApp) {
    exposed_operators(&app, 6).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["rematch", "--parts", "3", "--server", &app.base])
        .args(["--token", &app.admin_token])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the CLI");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the CLI did not finish"
        );
        app.run_pending_jobs().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = child.wait_with_output().expect("output");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("started: 3 part(s)"), "{stderr}");
    assert!(
        stdout.contains("finished in") && stdout.contains(": 0 new, 0 changed, 0 resolved"),
        "{stdout}"
    );
}

crate::both_backends!(cli_follows_a_run, cli_follows_a_run);

/// A part that fails on its last attempt ends the run as `failed`, with
/// the error; the other parts' exposures are committed.
async fn a_failed_part_ends_the_run(app: TestApp) {
    app.expect_failed_jobs();
    exposed_operators(&app, 4).await;
    let run = start(&app, 2).await;
    execute(
        &app,
        "UPDATE jobs SET max_attempts = 1 WHERE kind = 'rematch_part'",
    )
    .await;
    // The components' table gone for the moment: every part fails.
    execute(&app, "ALTER TABLE components RENAME TO components_away").await;
    app.run_pending_jobs().await;
    execute(&app, "ALTER TABLE components_away RENAME TO components").await;
    let id = run["id"].as_str().unwrap();
    let (s, run) = app
        .get(&app.admin_token, &format!("/api/v1/rematch-runs/{id}"))
        .await;
    assert_eq!(s, 200, "{run}");
    assert_eq!(run["state"], "failed", "{run}");
    assert_eq!(
        (run["parts_done"].as_i64(), run["parts_failed"].as_i64()),
        (Some(2), Some(2)),
        "{run}"
    );
    assert!(
        run["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{run}"
    );
    assert!(run["finished_at"].is_string(), "{run}");
}

crate::both_backends!(a_failed_part_ends_the_run, a_failed_part_ends_the_run);
