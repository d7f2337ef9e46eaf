//! API tokens: personal tokens and agent principals. Only a SHA-256 of each
//! token is stored.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::model::{ApiToken, User};
use crate::store::accounts::users::{ALIASED_COLUMNS, from_aliased_row};
use crate::store::fetch;
use crate::store::{Result, StoreError, decode, json_list, parse_json_list};

const COLUMNS: &str = "id, user_id, kind, name, scopes, authorizations, rate_limit_per_minute, \
                       expires_at, revoked_at, created_at, last_used_at, campaign_id";

fn from_row(row: &AnyRow) -> Result<ApiToken> {
    let auths: Option<String> = row.try_get("authorizations")?;
    Ok(from_columns!(row => ApiToken {
        id, user_id,
        kind: decode(row, "api_tokens", "kind", |s| s.parse().ok())?,
        name,
        scopes: parse_json_list(&row.try_get::<String, _>("scopes")?)?,
        authorizations: auths.as_deref().map(parse_json_list).transpose()?,
        rate_limit_per_minute, expires_at, revoked_at, created_at, last_used_at, campaign_id,
    }))
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token: &ApiToken,
    token_hash: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, kind, name, token_hash, scopes, authorizations, \
         rate_limit_per_minute, expires_at, revoked_at, created_at, last_used_at, campaign_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, $11)",
    )
    .bind(&token.id)
    .bind(&token.user_id)
    .bind(token.kind.as_str())
    .bind(&token.name)
    .bind(token_hash)
    .bind(json_list(&token.scopes))
    .bind(token.authorizations.as_deref().map(json_list))
    .bind(token.rate_limit_per_minute)
    .bind(&token.expires_at)
    .bind(&token.created_at)
    .bind(&token.campaign_id)
    .execute(db)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this token"))?;
    Ok(())
}

/// A token with its user, as one authenticated request needs them.
#[derive(Debug)]
pub struct Holder {
    pub token: ApiToken,
    /// The token's user, only while they may act: not disabled, their
    /// organisation not archived.
    pub user: User,
    /// How many visibility expressions exist (the read policy's label
    /// cache is current when it holds as many; see `store::labels`).
    pub label_count: i64,
}

/// The token with this hash and its active user, in one query: the first
/// thing every request with a bearer token does. None when the token is
/// unknown, or its user disabled or organisation archived.
pub async fn get_with_holder<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> Result<Option<Holder>> {
    let sql = format!(
        "SELECT t.id, t.user_id, t.kind, t.name, t.scopes, t.authorizations, \
         t.rate_limit_per_minute, t.expires_at, t.revoked_at, t.created_at, t.last_used_at, \
         t.campaign_id, {ALIASED_COLUMNS}, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM visibility_labels) AS label_count \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND u.disabled = 0 AND NOT EXISTS \
         (SELECT 1 FROM organizations o WHERE o.id = u.org_id AND o.archived_at IS NOT NULL)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Holder {
            token: from_row(&r)?,
            user: from_aliased_row(&r)?,
            label_count: r.try_get("label_count")?,
        })
    })
    .transpose()
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<ApiToken>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// Every token of a user, by id.
pub async fn all_for_user<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id");
    fetch::all(db, sql, &[&user_id], from_row).await
}

/// A user's tokens after the cursor (by id), at most `limit`.
pub async fn list_for_user<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ApiToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    fetch::all(db, sql, &[&user_id, &after.unwrap_or(""), &limit], from_row).await
}

pub async fn revoke<'e, E: Executor<'e, Database = Any>>(db: E, id: &str, at: &str) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn touch<'e, E: Executor<'e, Database = Any>>(db: E, id: &str, at: &str) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every unrevoked token of a user; returns the ids revoked.
pub async fn revoke_all_for_user<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: &str,
    at: &str,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
         RETURNING id",
    )
    .bind(at)
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("id")?))
        .collect()
}
