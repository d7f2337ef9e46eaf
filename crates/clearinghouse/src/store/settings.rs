//! Small key/value settings of the installation (such as the audit log's origin).

use sqlx::{Any, Executor};

use super::Result;

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?,
    )
}

/// Sets a value if it is not set yet; returns the value now stored.
pub async fn set_once<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(db)
        .await?;
    Ok(())
}
