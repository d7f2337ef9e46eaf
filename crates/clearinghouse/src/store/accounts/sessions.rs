//! Web sessions: a hashed cookie value, the user, and the CSRF token bound to
//! the session.

use sqlx::{Any, Executor, Row};

use crate::store::{Result, fetch};

pub struct SessionRow {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: String,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    user_id: &str,
    csrf_token: &str,
    expires_at: &str,
    created_at: &str,
) -> Result<()> {
    let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, created_at) \
               VALUES ($1, $2, $3, $4, $5)";
    fetch::execute(
        db,
        sql,
        &[&token_hash, &user_id, &csrf_token, &expires_at, &created_at],
    )
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> Result<Option<SessionRow>> {
    let row =
        sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(db)
            .await?;
    Ok(match row {
        Some(r) => Some(SessionRow {
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            expires_at: r.try_get("expires_at")?,
        }),
        None => None,
    })
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn purge_expired<'e, E: Executor<'e, Database = Any>>(db: E, now: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Ends every session of a user except the one whose digest is `keep`
/// (password changes); returns how many ended.
pub async fn delete_for_user<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
