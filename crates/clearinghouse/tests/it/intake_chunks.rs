//! A large submission split into chunks (`--chunk-findings`): the job that
//! reads the file commits the first chunk and queues the rest, which other
//! workers commit at once. Whoever commits them, the counts are exact, no
//! finding is stored twice, every item has one result in file order, and
//! the work files are gone afterwards. Run in one process and with two
//! `clearinghouse worker` processes.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Row;

use crate::findings::{reporter, submit};
use crate::harness::{Db, TestApp};
use crate::workers::{start_worker, wait};

/// Items a chunk in these tests.
const CHUNK: usize = 10;

/// A native document of `n` items: every 13th is rejected (no title), the
/// others name fingerprint `fp-(i % distinct)`, so later items repeat
/// earlier ones across chunk boundaries.
fn document(n: usize, distinct: usize) -> Vec<u8> {
    document_with(n, distinct, false)
}

/// [`document`], each item at its own version `2.<i>.0` when `versioned`
/// (so each item found is its own sighting).
pub(crate) fn document_with(n: usize, distinct: usize, versioned: bool) -> Vec<u8> {
    let findings: Vec<Value> = (0..n)
        .map(|i| {
            if i % 13 == 12 {
                return json!({"description": "no title"});
            }
            let k = i % distinct;
            let mut f = json!({"title": format!("Shell injection in handler {k}"),
                   "rule_id": "CHX-CHUNK", "severity": "high", "fingerprint": format!("fp-{k}"),
                   "location": {"path": format!("paramiko/m{k}.py"), "start_line": k + 1}});
            if versioned {
                f["target"] = json!(format!("pkg:pypi/paramiko@2.{i}.0"));
            }
            f
        })
        .collect();
    crate::findings::native(&findings)
}

/// What the document must give: (received, new, duplicates, rejected) and
/// each item's fingerprint key (None when rejected).
pub(crate) fn expected(n: usize, distinct: usize) -> ([i64; 4], Vec<Option<usize>>) {
    let keys: Vec<Option<usize>> = (0..n)
        .map(|i| (i % 13 != 12).then_some(i % distinct))
        .collect();
    let found = keys.iter().flatten().count() as i64;
    let unique = keys.iter().flatten().collect::<HashSet<_>>().len() as i64;
    let rejected = n as i64 - found;
    ([n as i64, unique, found - unique, rejected], keys)
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&app.app.store.pool)
        .await
        .expect("query")
        .try_get::<i64, _>(0)
        .expect("count")
}

/// Checks a finished split submission against the document.
async fn check(app: &TestApp, token: &str, id: &str, n: usize, distinct: usize) {
    let (want, keys) = expected(n, distinct);
    let (s, sub) = app.get(token, &format!("/api/v1/submissions/{id}")).await;
    assert_eq!(s, 200, "{sub}");
    assert_eq!(sub["state"], "done", "{sub}");
    assert!(sub["error"].is_null(), "{sub}");
    let c = &sub["counts"];
    let got = ["received", "new", "duplicates", "rejected"].map(|k| c[k].as_i64().unwrap());
    assert_eq!(got, want, "received/new/duplicates/rejected: {sub}");

    // No finding twice: one row per fingerprint, all from this submission.
    let stored = scalar(
        app,
        "SELECT COUNT(*) FROM findings WHERE submission_id = $1",
        id,
    )
    .await;
    let fingerprints = scalar(
        app,
        "SELECT COUNT(DISTINCT fingerprint) FROM findings WHERE submission_id = $1",
        id,
    )
    .await;
    assert_eq!((stored, fingerprints), (want[1], want[1]));

    // One result per item, in file order; repeats name the first's finding.
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/submissions/{id}/items?limit=1000{cursor}");
        let (s, page) = app.get(token, &path).await;
        assert_eq!(s, 200, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(items.len(), n);
    check_items(&items, &keys);

    // Every chunk job ran once, and its work file is gone.
    let chunks = scalar(
        app,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'submission_chunk' AND state = 'done' \
         AND attempts = 1 AND payload LIKE '%' || $1 || '%'",
        id,
    )
    .await;
    assert_eq!(chunks as usize, n.div_ceil(CHUNK) - 1);
    let work = app.data_dir.join("artifacts/work/submissions").join(id);
    let left = std::fs::read_dir(&work).map_or(0, |d| d.count());
    assert_eq!(left, 0, "work files left in {}", work.display());
}

/// Checks item results against each item's fingerprint key (None when
/// rejected): one per item in file order, the first of a key `new`, its
/// repeats `duplicate` naming the same finding. Returns how many distinct
/// findings the items name.
pub(crate) fn check_items(items: &[Value], keys: &[Option<usize>]) -> usize {
    let mut first_id: HashMap<usize, &str> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["seq"], i as i64, "{item}");
        let Some(k) = keys[i] else {
            assert_eq!(item["outcome"], "rejected", "{item}");
            continue;
        };
        let fid = item["finding_id"].as_str().expect("a finding");
        match first_id.get(&k) {
            None => {
                assert_eq!(item["outcome"], "new", "{item}");
                first_id.insert(k, fid);
            }
            Some(first) => {
                assert_eq!(item["outcome"], "duplicate", "{item}");
                assert_eq!(fid, *first, "{item}");
            }
        }
    }
    first_id.values().collect::<HashSet<_>>().len()
}

async fn split_in_one_process(db: Db) {
    let Some(app) = TestApp::spawn_configured(db, |s| s.chunk_findings = Some(CHUNK)).await else {
        return;
    };
    let (_, token) = reporter(&app, "lab").await;
    let (n, distinct) = (95, 40);
    let (status, s) = submit(&app, &token, document(n, distinct), "", None).await;
    assert_eq!(status, 202, "{s}");
    app.run_pending_jobs().await;
    let id = s["id"].as_str().unwrap();
    check(&app, &token, id, n, distinct).await;

    // Another laboratory learns nothing of it, split or not.
    let (_, other) = reporter(&app, "other-lab").await;
    for path in [
        format!("/api/v1/submissions/{id}"),
        format!("/api/v1/submissions/{id}/items"),
    ] {
        let (status, body) = app.get(&other, &path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, list) = app.get(&other, "/api/v1/findings").await;
    assert_eq!(status, 200, "{list}");
    let listed = list["items"].as_array().expect("a page of findings");
    assert!(listed.is_empty(), "it filed none and reads none: {list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_in_one_process_sqlite() {
    split_in_one_process(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_in_one_process_postgres() {
    split_in_one_process(Db::Postgres).await;
}

/// This process reads the file and commits the first chunk; two worker
/// processes then commit the other chunks at once.
async fn chunks_by_two_workers(db: Db) {
    let Some(app) = TestApp::spawn_configured(db, |s| s.chunk_findings = Some(CHUNK)).await else {
        return;
    };
    let (_, token) = reporter(&app, "lab").await;
    let (n, distinct) = (2_000, 700);
    let (status, s) = submit(&app, &token, document(n, distinct), "", None).await;
    assert_eq!(status, 202, "{s}");
    let id = s["id"].as_str().unwrap().to_owned();
    let ran = clearinghouse::jobs::run_next(&app.app, "reader")
        .await
        .expect("claiming the submission's job");
    assert!(ran, "the submission's job ran");
    let queued = scalar(
        &app,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'submission_chunk' AND state = 'queued' \
         AND payload LIKE '%' || $1 || '%'",
        &id,
    )
    .await;
    assert_eq!(
        queued as usize,
        n.div_ceil(CHUNK) - 1,
        "every later chunk is queued"
    );

    let workers = [start_worker(&app, "w1"), start_worker(&app, "w2")];
    tokio::task::spawn_blocking(move || {
        for w in workers {
            wait(w, Duration::from_secs(180));
        }
    })
    .await
    .expect("join");
    check(&app, &token, &id, n, distinct).await;

    let by_worker: Vec<(String, i64)> = sqlx::query_as(
        "SELECT locked_by, COUNT(*) FROM jobs WHERE kind = 'submission_chunk' \
         GROUP BY locked_by ORDER BY locked_by",
    )
    .fetch_all(&app.app.store.pool)
    .await
    .expect("jobs by worker");
    println!("{db:?}: chunk jobs by worker: {by_worker:?}");
    // SQLite has one writer, so one worker may take them all; PostgreSQL's
    // SKIP LOCKED lets both commit chunks at once.
    if db == Db::Postgres {
        assert_eq!(
            by_worker.len(),
            2,
            "both workers commit chunks: {by_worker:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_by_two_workers_sqlite() {
    chunks_by_two_workers(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_by_two_workers_postgres() {
    chunks_by_two_workers(Db::Postgres).await;
}

/// The store's insert reports a fingerprint another transaction stored
/// first (what two workers committing chunks of one file can meet) and
/// still inserts the rest of its statement: the batch then links those
/// items to the stored finding instead.
async fn insert_reports_a_fingerprint_stored_first(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    let (_, token) = reporter(&app, "lab").await;
    let (status, s) = submit(&app, &token, document(3, 3), "", None).await;
    assert_eq!(status, 202, "{s}");
    app.run_pending_jobs().await;
    let (stored_id, taken): (String, String) =
        sqlx::query_as("SELECT id, fingerprint FROM findings ORDER BY fingerprint LIMIT 1")
            .fetch_one(&app.app.store.pool)
            .await
            .expect("a stored finding");
    let visibility_id: i64 = sqlx::query_scalar("SELECT visibility_id FROM findings WHERE id = $1")
        .bind(&stored_id)
        .fetch_one(&app.app.store.pool)
        .await
        .expect("its label");
    let stored = clearinghouse::store::findings::get(&app.app.store.pool, &stored_id)
        .await
        .expect("read")
        .expect("found");
    let mut again = stored.clone();
    again.id = "meant-for-a-stored-fingerprint".into();
    let mut fresh = stored.clone();
    fresh.id = "fresh-one".into();
    fresh.fingerprint = "fp-fresh".into();

    let mut tx = app.app.store.begin_write().await.expect("begin");
    let lost = clearinghouse::store::findings::insert_many(&mut tx, &[again, fresh], visibility_id)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    assert_eq!(lost, vec![taken.clone()], "the one stored first");
    for (fingerprint, id) in [
        (taken.as_str(), stored_id.as_str()),
        ("fp-fresh", "fresh-one"),
    ] {
        let got: String = sqlx::query_scalar("SELECT id FROM findings WHERE fingerprint = $1")
            .bind(fingerprint)
            .fetch_one(&app.app.store.pool)
            .await
            .expect("read back");
        assert_eq!(got, id, "{fingerprint}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_reports_a_fingerprint_stored_first_sqlite() {
    insert_reports_a_fingerprint_stored_first(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_reports_a_fingerprint_stored_first_postgres() {
    insert_reports_a_fingerprint_stored_first(Db::Postgres).await;
}
