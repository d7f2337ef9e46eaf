//! Crash safety of finding intake: a real `clearinghouse serve` process is
//! killed (SIGKILL) while its worker processes a large submission, and while
//! a file is still being uploaded; restarted on the same database and data
//! folder, every acknowledged item ends up stored exactly once, and an
//! unacknowledged upload leaves nothing behind. SQLite and PostgreSQL.
//! `Serve` (a `serve` process on a `TestApp`'s storage) is shared with
//! `submit_cli.rs`.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clearinghouse_domain::findings::{self, FindingFormat, Item};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use sqlx::Row as _;

use crate::both_backends;
use crate::findings::reporter;
use crate::harness::{TestApp, temp_dir};
use crate::submit_cli::cli;

/// Items in the large file (`CHX_CRASH_ITEMS` to change; a multiple of 5):
/// thirty intake batches of [`BATCH`], so the kill after a tenth falls
/// mid-way.
fn crash_items() -> usize {
    std::env::var("CHX_CRASH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000)
}

/// The job lease of both processes: the restarted one takes the killed
/// one's job over after it (the default, 30 s, would make the test wait).
const LEASE: &[&str] = &["--job-lease-secs", "3"];

/// The batch size the killed process makes the large submission with; the
/// restarted one has the default (five times as large) and must keep it.
const BATCH: &str = "2000";

/// A `clearinghouse serve` process (with its worker) on a test app's
/// database and data folder; killed when dropped.
pub struct Serve {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Serve {
    /// Starts `serve` on a free port and waits until `/readyz` answers.
    pub async fn start(app: &TestApp) -> Serve {
        Self::start_with(app, &[]).await
    }

    /// Like [`Serve::start`], with more arguments for `serve`.
    pub async fn start_with(app: &TestApp, extra: &[&str]) -> Serve {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap().to_string();
        drop(free);
        let log = app
            .data_dir
            .join(format!("serve-{}.log", uuid::Uuid::new_v4().simple()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
        for (key, _) in std::env::vars() {
            if key.starts_with("CLEARINGHOUSE_") {
                cmd.env_remove(key);
            }
        }
        cmd.args(["serve", "--listen", &addr, "--db-connections", "8"])
            .arg("--data-dir")
            .arg(&app.data_dir)
            .args(["--database-url", &app.database_url])
            .args(extra)
            .env("CLEARINGHOUSE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let child = cmd.spawn().expect("start serve");
        let mut server = Serve {
            child,
            base: format!("http://{addr}"),
            log,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let client = reqwest::Client::new();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("serve exited ({status}): {}", self.log_text());
            }
            let ready = client.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "serve not ready: {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown handler runs.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Polls a submission until `done_when` holds of it.
    pub async fn poll(
        &self,
        token: &str,
        id: &str,
        limit: Duration,
        done_when: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (s, v) = self.get(token, &format!("/api/v1/submissions/{id}")).await;
            assert_eq!(s, 200, "{v}");
            if done_when(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting: {v}\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Item `i`'s finding number: items with `i % 5 < 3` are distinct, each
/// other one repeats one of those (40 % repeats, spread through the file).
fn finding_number(i: usize, n: usize) -> usize {
    if i % 5 < 3 {
        return i;
    }
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17;
    let h = usize::try_from(h).unwrap();
    (h % (n / 5)) * 5 + (h / 7) % 3
}

/// Writes a native findings document of `n` items to `path`, streamed.
pub fn write_large_native(path: &Path, n: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::new(file);
    write!(
        out,
        r#"{{"clearinghouse_findings": "1.0", "target": "pkg:pypi/paramiko@2.4.0", "findings": ["#
    )
    .unwrap();
    for i in 0..n {
        let k = finding_number(i, n);
        let finding = json!({
            "title": format!("Unchecked input reaches a shell in handler {k}"),
            "rule_id": format!("CHX-CRASH-{}", k % 97),
            "tool": "crash-test-generator",
            "severity": "medium",
            "location": {"path": format!("paramiko/m{}.py", k % 1000), "start_line": k % 5000 + 1},
            "fingerprint": format!("crash-{k}"),
        });
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        serde_json::to_writer(&mut out, &finding).unwrap();
    }
    out.write_all(b"]}\n").unwrap();
    out.flush().unwrap();
}

/// The distinct fingerprints of a file, as the domain computes them.
fn distinct_fingerprints(path: &Path) -> usize {
    let reader = std::fs::File::open(path).unwrap();
    let mut seen = HashSet::new();
    findings::parse_stream(reader, FindingFormat::Native, None, &mut |item| {
        if let Item::Finding(f) = item {
            seen.insert(f.fingerprint);
        }
    })
    .unwrap();
    seen.len()
}

async fn count(app: &TestApp, sql: &str, id: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// Every item result of a submission, following `next_cursor`.
pub async fn all_items(server: &Serve, token: &str, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/submissions/{id}/items?limit=1000{cursor}");
        let (s, page) = server.get(token, &path).await;
        assert_eq!(s, 200, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

async fn killed_while_processing(app: TestApp) {
    // The test makes a job fail (or kills its worker) on purpose.
    app.expect_failed_jobs();
    let n = crash_items();
    let dir = temp_dir();
    let file = dir.join("large.findings.json");
    write_large_native(&file, n);
    let distinct = distinct_fingerprints(&file);
    assert_eq!(distinct, n / 5 * 3);
    let (_, token) = reporter(&app, "crashlab").await;
    let server = Serve::start_with(&app, &[LEASE, &["--batch-findings", BATCH]].concat()).await;
    let path = file.display().to_string();
    let run = cli(&[
        "submit",
        "--server",
        &server.base,
        "--token",
        &token,
        "--no-wait",
        "--json",
        &path,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let id = run.json()["submissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Several batches committed (a tenth of the file), not all: kill.
    let tenth = (n / 10) as i64;
    let started = server
        .poll(&token, &id, Duration::from_secs(300), |s| {
            s["counts"]["received"].as_i64() >= Some(tenth)
        })
        .await;
    assert_ne!(
        started["state"], "done",
        "processed before the kill; raise CHX_CRASH_ITEMS"
    );
    server.kill();
    let (_, at_kill) = app.get(&token, &format!("/api/v1/submissions/{id}")).await;
    println!("killed at {}", at_kill["counts"]);

    // The restarted worker takes the job over once the dead one's lease
    // (LEASE, no longer renewed) has run out, in the submission's batches
    // of BATCH items, not its own default size.
    let server = Serve::start_with(&app, LEASE).await;
    let done = server
        .poll(&token, &id, Duration::from_secs(900), |s| {
            matches!(s["state"].as_str(), Some("done" | "failed"))
        })
        .await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["error"], Value::Null, "{done}");
    let c = &done["counts"];
    let (received, new, duplicates, rejected) = (
        c["received"].as_u64().unwrap(),
        c["new"].as_u64().unwrap(),
        c["duplicates"].as_u64().unwrap(),
        c["rejected"].as_u64().unwrap(),
    );
    assert_eq!(received, n as u64, "{done}");
    assert_eq!(new + duplicates + rejected, received, "{done}");
    assert_eq!((new, rejected), (distinct as u64, 0), "{done}");

    // Stored once: one finding per distinct fingerprint, nothing else.
    let sql = "SELECT COUNT(*) FROM findings WHERE submission_id = $1";
    assert_eq!(count(&app, sql, &id).await, distinct as i64);
    let all: i64 = sqlx::query("SELECT COUNT(*) FROM findings")
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(all, distinct as i64);
    let fps = "SELECT COUNT(DISTINCT fingerprint) FROM findings WHERE submission_id = $1";
    assert_eq!(count(&app, fps, &id).await, distinct as i64);
    // Both processes committed batches of the size the submission was made with.
    let batch: usize = BATCH.parse().unwrap();
    let batches = "SELECT COUNT(*) FROM submission_results WHERE submission_id = $1";
    assert_eq!(count(&app, batches, &id).await, n.div_ceil(batch) as i64);

    // Every item's result exactly once, in file order.
    let items = all_items(&server, &token, &id).await;
    assert_eq!(items.len(), n);
    let mut finding_ids = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["seq"].as_u64(), Some(i as u64), "{item}");
        assert_eq!(item["position"], format!("findings[{i}]"), "{item}");
        let outcome = item["outcome"].as_str().unwrap();
        assert!(matches!(outcome, "new" | "duplicate"), "{item}");
        let finding = item["finding_id"].as_str().unwrap();
        if outcome == "new" {
            assert!(
                finding_ids.insert(finding.to_owned()),
                "two items created {finding}"
            );
        }
    }
    assert_eq!(finding_ids.len(), distinct);
    let _ = std::fs::remove_dir_all(dir);
}

async fn killed_while_uploading(app: TestApp) {
    // The test makes a job fail (or kills its worker) on purpose.
    app.expect_failed_jobs();
    let n = 50_000;
    let dir = temp_dir();
    let file = dir.join("upload.findings.json");
    write_large_native(&file, n);
    let bytes = std::fs::read(&file).unwrap();
    let (org, token) = reporter(&app, "uploadlab").await;
    let server = Serve::start(&app).await;

    // Half the body, then nothing until the server is gone.
    let len = bytes.len();
    let half = bytes[..len / 2].to_vec();
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel::<()>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let first = futures_util::stream::once(async move {
        let _ = sent_tx.send(());
        Ok::<_, std::io::Error>(half)
    });
    let rest = futures_util::stream::once(async move {
        let _ = stop_rx.await;
        Err(std::io::Error::other("the test stopped the upload"))
    });
    let request = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/submissions?name=upload.findings.json",
            server.base
        ))
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(reqwest::Body::wrap_stream(first.chain(rest)))
        .send();
    let request = tokio::spawn(request);
    sent_rx.await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    let answer = request.await.unwrap();
    assert!(
        answer.is_err(),
        "acknowledged before the body ended: {answer:?}"
    );
    drop(stop_tx);

    let server = Serve::start(&app).await;
    let (s, list) = server.get(&token, "/api/v1/submissions").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"], json!([]), "{list}");
    let sql = "SELECT COUNT(*) FROM submissions WHERE org_id = $1";
    assert_eq!(count(&app, sql, &org).await, 0);

    // The whole file again, through the CLI: accepted and processed.
    let path = file.display().to_string();
    let run = cli(&[
        "submit",
        "--server",
        &server.base,
        "--token",
        &token,
        "--json",
        &path,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let sub = &out["submissions"][0];
    assert_eq!(sub["state"], "done", "{out}");
    assert_eq!(sub["counts"]["received"], n, "{out}");
    assert_eq!(sub["counts"]["new"], n / 5 * 3, "{out}");
    assert_eq!(out["total"], sub["counts"], "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

both_backends!(killed_while_processing, killed_while_processing);
both_backends!(killed_while_uploading, killed_while_uploading);

#[test]
fn repeats_are_spread_and_point_at_distinct_items() {
    let n = 1000;
    let numbers: Vec<usize> = (0..n).map(|i| finding_number(i, n)).collect();
    assert!(numbers.iter().all(|&k| k < n && k % 5 < 3));
    let distinct: HashSet<usize> = numbers.iter().copied().collect();
    assert_eq!(distinct.len(), n / 5 * 3);
    // Repeats reach both earlier and later items.
    assert!((0..n).any(|i| numbers[i] > i) && (0..n).any(|i| numbers[i] < i));
}
