//! Background jobs: two `clearinghouse worker` processes drain one queue without running a job twice, and a failing job is retried with exponential backoff and its error kept.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clearinghouse::clock;
use clearinghouse::store::jobs;
use sqlx::Row;

use crate::harness::{Db, TestApp};

const JOBS: usize = 300;

pub fn start_worker(app: &TestApp, id: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args([
            "worker",
            "--exit-when-idle",
            "--worker-id",
            id,
            "--db-connections",
            "4",
        ])
        .arg("--data-dir")
        .arg(&app.data_dir)
        .args(["--database-url", &app.database_url])
        .env("CLEARINGHOUSE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start worker")
}

/// Waits for a worker to exit (killing it after `limit`); returns its stderr.
pub fn wait(mut child: Child, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert!(status.success(), "worker failed ({status}): {err}");
            return err;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("worker did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct JobRow {
    state: String,
    attempts: i64,
    locked_by: Option<String>,
    last_error: Option<String>,
    run_at: String,
}

async fn job_rows(app: &TestApp) -> Vec<JobRow> {
    let rows =
        sqlx::query("SELECT state, attempts, locked_by, last_error, run_at FROM jobs ORDER BY id")
            .fetch_all(&app.app.store.pool)
            .await
            .expect("jobs");
    rows.iter()
        .map(|r| JobRow {
            state: r.try_get("state").expect("state"),
            attempts: r.try_get("attempts").expect("attempts"),
            locked_by: r.try_get("locked_by").expect("locked_by"),
            last_error: r.try_get("last_error").expect("last_error"),
            run_at: r.try_get("run_at").expect("run_at"),
        })
        .collect()
}

async fn two_workers_drain_one_queue(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    assert!(
        job_rows(&app).await.is_empty(),
        "a fresh installation has no jobs"
    );
    let now = clock::now_text();
    for _ in 0..JOBS {
        let queued = jobs::enqueue(
            &app.app.store.pool,
            "audit.checkpoint",
            "{}",
            None,
            &now,
            &now,
        )
        .await
        .expect("enqueue");
        assert!(queued);
    }
    let started = Instant::now();
    let workers = [start_worker(&app, "w1"), start_worker(&app, "w2")];
    tokio::task::spawn_blocking(move || {
        for w in workers {
            wait(w, Duration::from_secs(120));
        }
    })
    .await
    .expect("join");
    let rows = job_rows(&app).await;
    assert_eq!(rows.len(), JOBS);
    let mut ran = [0usize; 2];
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.state, "done", "job {i}: {:?}", r.last_error);
        assert_eq!(r.attempts, 1, "job {i} was claimed {} times", r.attempts);
        assert_eq!(r.last_error, None, "job {i}");
        match r.locked_by.as_deref() {
            Some("w1") => ran[0] += 1,
            Some("w2") => ran[1] += 1,
            other => panic!("job {i} finished by {other:?}"),
        }
    }
    println!(
        "{db:?}: w1 ran {}, w2 ran {} of {JOBS} jobs in {:?}",
        ran[0],
        ran[1],
        started.elapsed()
    );
    // SQLite has one writer, so one worker may legitimately take them all;
    // PostgreSQL's SKIP LOCKED must let both make progress.
    if db == Db::Postgres {
        assert!(
            ran[0] > 0 && ran[1] > 0,
            "both workers must take jobs: {ran:?}"
        );
    }
    // The jobs did their work: the log's checkpoint was signed and kept.
    let (s, v) = app.get(&app.admin_token, "/api/v1/audit/checkpoints").await;
    assert_eq!(s, 200, "{v}");
    assert!(!v.as_array().expect("checkpoints").is_empty(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_drain_one_queue_sqlite() {
    two_workers_drain_one_queue(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_drain_one_queue_postgres() {
    two_workers_drain_one_queue(Db::Postgres).await;
}

/// Seconds from now until `text`.
fn seconds_until(text: &str) -> i64 {
    let at = clock::parse(text).unwrap_or_else(|| panic!("bad time {text:?}"));
    (at - clock::now()).whole_seconds()
}

async fn failing_job_is_retried_with_backoff(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    app.expect_failed_jobs();
    let now = clock::now_text();
    jobs::enqueue(&app.app.store.pool, "no.such.kind", "{}", None, &now, &now)
        .await
        .expect("enqueue");
    let mut previous_delay = 0;
    for attempt in 1..=5i64 {
        assert!(
            clearinghouse::jobs::run_next(&app.app, "tester")
                .await
                .expect("run"),
            "attempt {attempt} ran"
        );
        let rows = job_rows(&app).await;
        let r = &rows[0];
        assert_eq!(r.attempts, attempt);
        let err = r.last_error.as_deref().unwrap_or_default();
        assert!(
            err.contains("unknown job kind 'no.such.kind'"),
            "last_error: {err:?}"
        );
        assert_eq!(r.locked_by, None, "a failed job is released");
        if attempt < 5 {
            assert_eq!(r.state, "queued", "retried after attempt {attempt}");
            // 10 s, 20 s, 40 s, 80 s: doubling each time.
            let delay = seconds_until(&r.run_at);
            let want = 5 * 2i64.pow(attempt as u32);
            assert!(
                (want - 2..=want).contains(&delay),
                "attempt {attempt}: retry in {delay} s, want about {want}"
            );
            assert!(delay > previous_delay);
            previous_delay = delay;
            // Not due yet, so nothing runs now.
            assert!(
                !clearinghouse::jobs::run_next(&app.app, "tester")
                    .await
                    .expect("run")
            );
            // Let the backoff pass.
            let past = clock::format(clock::now() - time::Duration::seconds(1));
            sqlx::query("UPDATE jobs SET run_at = $1")
                .bind(past)
                .execute(&app.app.store.pool)
                .await
                .expect("rewind");
        } else {
            assert_eq!(r.state, "failed", "out of attempts");
        }
    }
    assert!(
        !clearinghouse::jobs::run_next(&app.app, "tester")
            .await
            .expect("run"),
        "a failed job is never run again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_job_is_retried_with_backoff_sqlite() {
    failing_job_is_retried_with_backoff(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_job_is_retried_with_backoff_postgres() {
    failing_job_is_retried_with_backoff(Db::Postgres).await;
}
