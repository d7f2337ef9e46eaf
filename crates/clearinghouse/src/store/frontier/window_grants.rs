//! Grants' SQL (`frontier_window_grants`, `frontier_terms_acceptances`,
//! `broker_credentials`) and the broker's usage log (`broker_usage`),
//! including the one joined read the broker makes per call ([`authorize`]:
//! credential, grant, window, acceptance and the day's use at once).

use sqlx::{AnyConnection, AnyPool, Row};

use crate::store::fetch;
use crate::store::{Result, StoreError};

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct GrantRow {
        id: String, window_id: String, user_id: String, org_id: String, granted_by: String,
        starts_at: String, ends_at: String, requests_per_day: i64, tokens_per_day: i64,
        created_at: String, revoked_at: Option<String>, revoked_by: Option<String>,
        revoke_reason: Option<String>,
    }
    const COLUMNS = g.*;
    fn from_row(r);
}

pub async fn insert(conn: &mut AnyConnection, g: &GrantRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_window_grants (id, window_id, user_id, org_id, granted_by, starts_at, \
         ends_at, requests_per_day, tokens_per_day, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    );
    bind_fields!(q, g => {
        id, window_id, user_id, org_id, granted_by, starts_at, ends_at, requests_per_day,
        tokens_per_day, created_at,
    })
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<GrantRow>> {
    let q = format!("SELECT {COLUMNS} FROM frontier_window_grants g WHERE g.id = $1");
    fetch::optional(conn, q, &[&id], from_row).await
}

/// Grants of a window (`user`: only that person's), oldest first.
pub async fn of_window(
    conn: &mut AnyConnection,
    window_id: &str,
    user: Option<&str>,
) -> Result<Vec<GrantRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_window_grants g WHERE g.window_id = $1 \
         AND ($2 = '' OR g.user_id = $2) ORDER BY g.created_at, g.id LIMIT 10000"
    );
    fetch::all(conn, q, &[&window_id, &user.unwrap_or("")], from_row).await
}

/// A person's grants, newest first.
pub async fn of_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<GrantRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_window_grants g WHERE g.user_id = $1 \
         ORDER BY g.created_at DESC, g.id LIMIT 10000"
    );
    fetch::all(conn, q, &[&user_id], from_row).await
}

/// The grants not yet revoked of every person of an organisation.
pub async fn unrevoked_of_org(conn: &mut AnyConnection, org_id: &str) -> Result<Vec<GrantRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_window_grants g JOIN users u ON u.id = g.user_id \
         WHERE u.org_id = $1 AND g.revoked_at IS NULL ORDER BY g.id LIMIT 100000"
    );
    fetch::all(conn, q, &[&org_id], from_row).await
}

/// Revokes every live broker credential of a person's grants; how many.
pub async fn revoke_credentials_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
    now: &str,
) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE broker_credentials SET revoked_at = $2 WHERE revoked_at IS NULL AND grant_id IN \
         (SELECT id FROM frontier_window_grants WHERE user_id = $1)",
    )
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Revokes a grant not yet revoked, and every credential of it.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    now: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE frontier_window_grants SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 \
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE broker_credentials SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records an acceptance; a second one of the same version is a conflict.
pub async fn accept(
    conn: &mut AnyConnection,
    grant_id: &str,
    version: i64,
    sha256: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_terms_acceptances (grant_id, terms_version, sha256, accepted_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(grant_id)
    .bind(version)
    .bind(sha256)
    .bind(now)
    .execute(conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "an acceptance of this terms version"))?;
    Ok(())
}

/// The versions a grant's person accepted, with their digest and time.
pub async fn acceptances(
    conn: &mut AnyConnection,
    grant_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT terms_version, sha256, accepted_at FROM frontier_terms_acceptances \
         WHERE grant_id = $1 ORDER BY terms_version",
    )
    .bind(grant_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("terms_version")?,
                r.try_get("sha256")?,
                r.try_get("accepted_at")?,
            ))
        })
        .collect()
}

pub async fn insert_credential(
    conn: &mut AnyConnection,
    id: &str,
    grant_id: &str,
    token_sha256: &str,
    now: &str,
    expires_at: &str,
) -> Result<()> {
    let sql = "INSERT INTO broker_credentials (id, grant_id, token_sha256, created_at, \
               expires_at) VALUES ($1, $2, $3, $4, $5)";
    fetch::execute(
        conn,
        sql,
        &[&id, &grant_id, &token_sha256, &now, &expires_at],
    )
    .await?;
    Ok(())
}

/// Everything the broker checks for one call, read in one query.
#[derive(Debug, Clone)]
pub struct CallFacts {
    pub credential_id: String,
    pub credential_expires_at: String,
    pub credential_revoked: bool,
    pub grant: GrantRow,
    pub window_starts_at: String,
    pub window_ends_at: String,
    pub window_state: String,
    pub terms_version: i64,
    pub endpoint_sealed: String,
    /// The person accepted the window's current terms version.
    pub accepted_current: bool,
    /// The current terms version keeps transcripts.
    pub keep_transcripts: bool,
    /// The grantee is not disabled and their organisation not archived.
    pub person_active: bool,
    /// The window's model's name: the only model forwarded.
    pub model_name: String,
    /// Calls forwarded and tokens charged on the day asked for.
    pub used_requests: i64,
    pub used_tokens: i64,
}

/// `day`: the UTC day whose use is summed (the quota's day).
pub async fn authorize(pool: &AnyPool, token_sha256: &str, day: i64) -> Result<Option<CallFacts>> {
    let q = format!(
        "SELECT c.id AS credential_id, c.expires_at AS credential_expires_at, \
         c.revoked_at AS credential_revoked_at, {COLUMNS}, w.starts_at AS w_starts_at, \
         w.ends_at AS w_ends_at, w.state AS w_state, w.terms_version AS w_terms_version, \
         w.endpoint_sealed AS w_endpoint_sealed, \
         (SELECT COUNT(*) FROM frontier_terms_acceptances a WHERE a.grant_id = g.id \
          AND a.terms_version = w.terms_version) AS accepted, \
         (SELECT COALESCE(MAX(t.keep_transcripts), 0) FROM frontier_window_terms t \
          WHERE t.window_id = w.id AND t.version = w.terms_version) AS keep_transcripts, \
         (SELECT COUNT(*) FROM users pu JOIN organizations po ON po.id = pu.org_id \
          WHERE pu.id = g.user_id AND pu.disabled = 0 AND po.archived_at IS NULL) AS person_active, \
         (SELECT COUNT(*) FROM broker_usage u WHERE u.grant_id = g.id AND u.day = $2 \
          AND u.outcome NOT LIKE 'refused%') AS used_requests, \
         (SELECT CAST(COALESCE(SUM(COALESCE(u.total_tokens, 0)), 0) AS BIGINT) FROM broker_usage u \
          WHERE u.grant_id = g.id AND u.day = $2 AND u.outcome NOT LIKE 'refused%') AS used_tokens, \
         (SELECT m.name FROM frontier_models m WHERE m.id = w.model_id) AS m_name \
         FROM broker_credentials c JOIN frontier_window_grants g ON g.id = c.grant_id \
         JOIN frontier_windows w ON w.id = g.window_id WHERE c.token_sha256 = $1"
    );
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(q))
        .bind(token_sha256)
        .bind(day)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let revoked: Option<String> = r.try_get("credential_revoked_at")?;
    let accepted: i64 = r.try_get("accepted")?;
    let keep: i64 = r.try_get("keep_transcripts")?;
    let person_active: i64 = r.try_get("person_active")?;
    Ok(Some(CallFacts {
        credential_id: r.try_get("credential_id")?,
        credential_expires_at: r.try_get("credential_expires_at")?,
        credential_revoked: revoked.is_some(),
        grant: from_row(&r)?,
        window_starts_at: r.try_get("w_starts_at")?,
        window_ends_at: r.try_get("w_ends_at")?,
        window_state: r.try_get("w_state")?,
        terms_version: r.try_get("w_terms_version")?,
        endpoint_sealed: r.try_get("w_endpoint_sealed")?,
        accepted_current: accepted > 0,
        keep_transcripts: keep != 0,
        person_active: person_active > 0,
        model_name: r
            .try_get::<Option<String>, _>("m_name")?
            .unwrap_or_default(),
        used_requests: r.try_get("used_requests")?,
        used_tokens: r.try_get("used_tokens")?,
    }))
}

table_record! {
    /// One brokered call as logged.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
    pub struct UsageRow {
        id: String, window_id: String, grant_id: String, user_id: String,
        credential_id: String, at: String,
        #[serde(skip)]
        day: i64,
        /// `chat/completions`, `completions` or `models`.
        endpoint: String,
        model: String,
        streamed: bool = r.try_get::<i64, _>("streamed")? != 0,
        request_bytes: i64, response_bytes: i64, prompt_tokens: Option<i64>,
        completion_tokens: Option<i64>, total_tokens: Option<i64>, latency_ms: i64,
        /// HTTP status returned to the caller.
        status: i64,
        /// `ok`, `upstream_error`, `upstream_unreachable`, `interrupted`, or
        /// `refused_<reason>` (expired, revoked, ended, not_yet, terms, model, quota).
        outcome: String,
        client_addr: String,
    }
    const USAGE_COLUMNS = *;
    fn usage_from_row(r);
}

/// Inserts one usage row.
pub async fn insert_usage(conn: &mut AnyConnection, u: &UsageRow) -> Result<()> {
    insert_usages(conn, std::slice::from_ref(u)).await
}

/// Rows one `INSERT` of [`insert_usages`] writes at most.
pub const USAGE_ROWS_PER_STATEMENT: usize = 64;

/// `INSERT … VALUES (…), (…)` of `n` usage rows (19 columns each).
fn usage_insert(n: usize) -> String {
    const ARITY: usize = 19;
    let mut sql = format!("INSERT INTO broker_usage ({USAGE_COLUMNS}) VALUES ");
    for r in 0..n {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        let params: Vec<String> = (1..=ARITY).map(|c| format!("${}", r * ARITY + c)).collect();
        sql.push_str(&params.join(", "));
        sql.push(')');
    }
    sql
}

/// Inserts usage rows with one statement per [`USAGE_ROWS_PER_STATEMENT`]
/// (a group commit of a few rows is one round trip to the database).
pub async fn insert_usages(conn: &mut AnyConnection, rows: &[UsageRow]) -> Result<()> {
    for chunk in rows.chunks(USAGE_ROWS_PER_STATEMENT) {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(usage_insert(chunk.len())));
        for u in chunk {
            q = q
                .bind(&u.id)
                .bind(&u.window_id)
                .bind(&u.grant_id)
                .bind(&u.user_id)
                .bind(&u.credential_id)
                .bind(&u.at)
                .bind(u.day)
                .bind(&u.endpoint)
                .bind(&u.model)
                .bind(i64::from(u.streamed))
                .bind(u.request_bytes)
                .bind(u.response_bytes)
                .bind(u.prompt_tokens)
                .bind(u.completion_tokens)
                .bind(u.total_tokens)
                .bind(u.latency_ms)
                .bind(u.status)
                .bind(&u.outcome)
                .bind(&u.client_addr);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Usage of a window (`user`: only that person's), newest first, at most
/// `limit` rows.
pub async fn usage(
    conn: &mut AnyConnection,
    window_id: &str,
    user: Option<&str>,
    limit: i64,
) -> Result<Vec<UsageRow>> {
    let sql = format!(
        "SELECT {USAGE_COLUMNS} FROM broker_usage WHERE window_id = $1 \
         AND ($2 = '' OR user_id = $2) ORDER BY at DESC, id LIMIT $3"
    );
    fetch::all(
        conn,
        sql,
        &[&window_id, &user.unwrap_or(""), &limit],
        usage_from_row,
    )
    .await
}

/// Usage rows of a window (all outcomes).
pub async fn count_usage(pool: &AnyPool, window_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM broker_usage WHERE window_id = $1")
            .bind(window_id)
            .fetch_one(pool)
            .await?,
    )
}
