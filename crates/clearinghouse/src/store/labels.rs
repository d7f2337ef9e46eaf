//! Distinct visibility expressions. Records refer to an expression by id, so
//! a list query can filter with `visibility_id IN (...)`: the application
//! evaluates each distinct expression once against the reader (in the
//! domain's policy function) and the database does the rest.

use sqlx::{AnyConnection, AnyPool, Row};

use super::Result;

/// The id of an expression, inserting it when new. The empty (public)
/// expression is always id 1.
pub async fn intern(conn: &mut AnyConnection, expression: &str) -> Result<i64> {
    sqlx::query("INSERT INTO visibility_labels (expression) VALUES ($1) ON CONFLICT (expression) DO NOTHING")
        .bind(expression)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM visibility_labels WHERE expression = $1")
            .bind(expression)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Every distinct expression with its id.
pub async fn all(pool: &AnyPool) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, expression FROM visibility_labels ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("expression")?)))
        .collect()
}

/// How many expressions are stored (the label cache's freshness check).
pub async fn count(pool: &AnyPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM visibility_labels")
            .fetch_one(pool)
            .await?,
    )
}
