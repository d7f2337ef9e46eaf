//! `Store::optimize`, which the worker runs every hour, measures the tables
//! that changed for the query planner on both backends: SQLite's `PRAGMA
//! optimize` and, on PostgreSQL, `ANALYZE` of each table changed by more
//! than a tenth or never measured (so plans do not wait for autovacuum,
//! which may be off). A table left unchanged is not measured again.

use clearinghouse::clock;
use clearinghouse::store::{Backend, jobs};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::harness::TestApp;

async fn scalar(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_optional(&app.app.store.pool)
        .await
        .expect(sql)
        .flatten()
}

/// When PostgreSQL last analysed `jobs` (by us or autovacuum), as text.
const PG_LAST: &str = "SELECT CAST(COALESCE(last_analyze, last_autoanalyze) AS TEXT) \
                       FROM pg_stat_user_tables WHERE relname = 'jobs'";

async fn changed_tables_get_statistics(app: TestApp) {
    let store = &app.app.store;
    let now = clock::now_text();
    for i in 0..300 {
        let payload = format!("{{\"n\": {i}}}");
        jobs::enqueue(&store.pool, "purge.sessions", &payload, None, &now, &now)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE jobs SET state = 'done', finished_at = $1")
        .bind(&now)
        .execute(&store.pool)
        .await
        .unwrap();

    match store.backend {
        Backend::Sqlite => {
            store.optimize().await.unwrap();
            let stat = scalar(
                &app,
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'jobs' LIMIT 1",
            )
            .await;
            assert!(stat.is_some(), "jobs has statistics after optimize");
        }
        Backend::Postgres => {
            // PostgreSQL counts a backend's changes once it reports them
            // (at most once a second).
            let deadline = Instant::now() + Duration::from_secs(20);
            while scalar(
                &app,
                "SELECT CAST(n_live_tup AS TEXT) FROM pg_stat_user_tables \
                 WHERE relname = 'jobs' AND n_live_tup >= 300",
            )
            .await
            .is_none()
            {
                assert!(Instant::now() < deadline, "the changes were never counted");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            store.optimize().await.unwrap();
            let first = scalar(&app, PG_LAST).await;
            assert!(first.is_some(), "jobs was analysed");
            // Nothing changed since: a second run leaves it as it was.
            store.optimize().await.unwrap();
            assert_eq!(scalar(&app, PG_LAST).await, first);
        }
    }
}
both_backends!(changed_tables_get_statistics, changed_tables_get_statistics);
