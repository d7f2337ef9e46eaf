//! Accounts whose password someone else set (`password_change_required`,
//! migration 0020): marked when an administrator creates an account with a
//! password or resets one, cleared when the holder changes it.

use sqlx::{Any, Executor};

use crate::store::Result;

/// Marks `user_id` as having to change its password (again, if already).
pub async fn require<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
    set_by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_change_required (user_id, set_by, set_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(user_id)
    .bind(set_by)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether `user_id` must change its password before anything else.
pub async fn is_required<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM password_change_required WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(db)
            .await?;
    Ok(n > 0)
}

/// The holder chose a password: nothing is required any more.
pub async fn clear<'e, E: Executor<'e, Database = Any>>(db: E, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM password_change_required WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
