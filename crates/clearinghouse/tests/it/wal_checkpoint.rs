//! SQLite's WAL is checkpointed by the store's own task, not in commits
//! (`store::checkpoint`): a commit too small to reach the connections'
//! 100,000-page threshold still reaches the database file within seconds,
//! as a reader that ignores the WAL (`immutable`) sees.

use std::time::{Duration, Instant};

use clearinghouse::clock;
use clearinghouse::store::jobs;
use sqlx::Connection;

use crate::harness::{Db, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_reaches_the_database_file() {
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let store = &app.app.store;
    let now = clock::now_text();
    let mut tx = store.begin_write().await.unwrap();
    jobs::enqueue(&mut *tx, "purge.sessions", "{\"wal\": 1}", None, &now, &now)
        .await
        .unwrap();
    sqlx::query("UPDATE jobs SET state = 'done', finished_at = $1 WHERE payload = '{\"wal\": 1}'")
        .bind(&now)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let file = app.data_dir.join("clearinghouse.db");
    let url = format!("sqlite://{}?mode=ro&immutable=true", file.display());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut reader = sqlx::AnyConnection::connect(&url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE payload = '{\"wal\": 1}'")
            .fetch_one(&mut reader)
            .await
            .unwrap();
        reader.close().await.unwrap();
        if n == 1 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the committed row never reached the database file: no checkpoint ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
