//! An optional double written through one cached statement, NULL first and
//! a number after, on one connection of each backend: what
//! `store::bind_f64` is for (sqlx's `Any` driver would send the NULL to
//! PostgreSQL as `float4` and the number then fails as "incorrect binary
//! data format"; the directive dashboard hit it).

use clearinghouse::store::{Store, bind_f64};

use crate::harness::{fresh_pg_database, temp_dir};

async fn null_then_number(url: &str) {
    let store = Store::connect(url, 1).await.expect("connect");
    sqlx::query("CREATE TABLE floats (k BIGINT, x DOUBLE PRECISION)")
        .execute(&store.pool)
        .await
        .expect("create");
    for (k, x) in [(1_i64, None), (2, Some(2.5)), (3, None), (4, Some(-0.125))] {
        let q = sqlx::query("INSERT INTO floats (k, x) VALUES ($1, $2)").bind(k);
        bind_f64(q, x)
            .execute(&store.pool)
            .await
            .unwrap_or_else(|e| panic!("row {k} ({x:?}): {e}"));
    }
    let rows: Vec<(i64, Option<f64>)> = sqlx::query_as("SELECT k, x FROM floats ORDER BY k")
        .fetch_all(&store.pool)
        .await
        .expect("read");
    assert_eq!(
        rows,
        vec![(1, None), (2, Some(2.5)), (3, None), (4, Some(-0.125))]
    );
}

#[tokio::test]
async fn optional_doubles_sqlite() {
    let dir = temp_dir();
    null_then_number(&format!("sqlite://{}?mode=rwc", dir.join("f.db").display())).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn optional_doubles_postgres() {
    if let Some(url) = fresh_pg_database().await {
        null_then_number(&url).await;
    }
}
