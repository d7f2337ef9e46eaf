//! A submission's batches committed two at once (PostgreSQL) or one after
//! the other (SQLite; `workflows::findings::batches`). Items that repeat a
//! finding of the batch just before, read while that batch is not yet
//! committed, are duplicates of it and keep their sightings; the counts,
//! rows and item results are exactly those of committing one batch after
//! another; and a batch whose predecessor did not commit stores nothing.

use clearinghouse::auth::{Principal, Via};
use clearinghouse::workflows::findings::BatchOutcome;
use clearinghouse::workflows::findings::batches::{Chain, Position, ingest_chained};
use clearinghouse_domain::findings::{FindingFormat, Item, parse_stream};
use serde_json::{Value, json};

use crate::findings::{reporter, submit};
use crate::harness::{Db, TestApp};

/// Items a batch in these tests.
const BATCH: usize = 4;

async fn count(app: &TestApp, sql: &str, id: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(&app.app.store.pool)
        .await
        .expect("count")
}

async fn repeats_of_the_batch_before(db: Db) {
    let Some(app) = TestApp::spawn_configured(db, |s| s.batch_findings = BATCH).await else {
        return;
    };
    let (_, token) = reporter(&app, "lab").await;
    let (n, distinct) = (95, 6);
    let (status, s) = submit(
        &app,
        &token,
        crate::intake_chunks::document_with(n, distinct, true),
        "",
        None,
    )
    .await;
    assert_eq!(status, 202, "{s}");
    app.run_pending_jobs().await;
    let id = s["id"].as_str().expect("an id");

    let (want, keys) = crate::intake_chunks::expected(n, distinct);
    let found = keys.iter().flatten().count() as i64;
    let (status, sub) = app.get(&token, &format!("/api/v1/submissions/{id}")).await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["state"], "done", "{sub}");
    let c = &sub["counts"];
    let got = ["received", "new", "duplicates", "rejected"].map(|k| c[k].as_i64().unwrap());
    assert_eq!(want[1], distinct as i64);
    assert_eq!(got, want, "received/new/duplicates/rejected: {sub}");
    let batches = count(
        &app,
        "SELECT COUNT(*) FROM submission_results WHERE submission_id = $1",
        id,
    )
    .await;
    assert_eq!(batches, n.div_ceil(BATCH) as i64);

    // One finding per fingerprint; one sighting per item found (each names
    // its own version), those of repeats included.
    let rows = count(
        &app,
        "SELECT COUNT(*) FROM findings WHERE submission_id = $1",
        id,
    )
    .await;
    assert_eq!(rows, distinct as i64);
    let sightings = count(
        &app,
        "SELECT COUNT(*) FROM finding_sightings WHERE submission_id = $1",
        id,
    )
    .await;
    assert_eq!(sightings, found);

    // Every repeat names the finding its first item made.
    let (status, page) = app
        .get(
            &token,
            &format!("/api/v1/submissions/{id}/items?limit=1000"),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), n);
    let ids = crate::intake_chunks::check_items(items, &keys);
    assert_eq!(ids, distinct);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_of_the_batch_before_sqlite() {
    repeats_of_the_batch_before(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_of_the_batch_before_postgres() {
    repeats_of_the_batch_before(Db::Postgres).await;
}

fn parsed(findings: &[Value]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let doc = crate::findings::native(findings);
    parse_stream(&doc[..], FindingFormat::Native, None, &mut |i| {
        items.push(i)
    })
    .expect("a native document");
    items
}

/// A batch chained to one that does not commit (another worker had
/// committed it) stops before committing, and what it wrote meanwhile (its
/// own new finding, a repeat of the batch before's) is rolled back.
async fn a_batch_after_one_that_failed_stores_nothing(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    let (_, token) = reporter(&app, "lab").await;
    let (status, s) = submit(
        &app,
        &token,
        crate::intake_chunks::document_with(3, 3, true),
        "",
        None,
    )
    .await;
    assert_eq!(status, 202, "{s}");
    app.run_pending_jobs().await;
    let id = s["id"].as_str().expect("an id");
    let pool = &app.app.store.pool;
    let stored = clearinghouse::store::findings::submissions::get(pool, id)
        .await
        .expect("read")
        .expect("the submission");
    let user = clearinghouse::store::accounts::users::get(pool, &stored.submission.submitted_by)
        .await
        .expect("read")
        .expect("the submitter");
    let who = Principal::new(user, Via::System);
    let first = parsed(&[json!({"title": "First", "fingerprint": "fp-first"})]);
    let second = parsed(&[
        json!({"title": "Second", "fingerprint": "fp-second"}),
        json!({"title": "First again", "fingerprint": "fp-first"}),
    ]);
    let findings_before = count(&app, "SELECT COUNT(*) FROM findings WHERE $1 = $1", id).await;

    // Batch 0 of this submission is committed already: run again, it ends
    // as `AlreadyDone` after inserting its finding, and never commits.
    let (chain_first, link) = Chain::link(None);
    let (chain_second, _next) = Chain::link(Some(link));
    let at = |batch, first_seq| Position {
        batch,
        first_seq,
        visibility_id: stored.visibility_id,
    };
    let (a, b) = tokio::join!(
        ingest_chained(
            &app.app,
            &who,
            &stored.submission,
            at(0, 0),
            &first,
            chain_first
        ),
        ingest_chained(
            &app.app,
            &who,
            &stored.submission,
            at(7, 100),
            &second,
            chain_second
        ),
    );
    assert!(matches!(a, Ok(BatchOutcome::AlreadyDone)), "{a:?}");
    assert!(
        b.is_err(),
        "a batch after one that did not commit must not commit: {b:?}"
    );
    let findings_after = count(&app, "SELECT COUNT(*) FROM findings WHERE $1 = $1", id).await;
    assert_eq!(findings_after, findings_before, "nothing of either stays");
    let batch_rows = count(
        &app,
        "SELECT COUNT(*) FROM submission_results WHERE submission_id = $1 AND batch = 7",
        id,
    )
    .await;
    assert_eq!(batch_rows, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_after_one_that_failed_stores_nothing_sqlite() {
    a_batch_after_one_that_failed_stores_nothing(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_after_one_that_failed_stores_nothing_postgres() {
    a_batch_after_one_that_failed_stores_nothing(Db::Postgres).await;
}
