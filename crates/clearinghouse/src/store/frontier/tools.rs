//! The tool catalog's SQL (`tool_entries`, `tool_requests`) and the
//! coordinators' demand and use by sector (requests joined with the
//! broker's usage log through the grants approvals made). A request row is
//! also what the API shows of a request ([`RequestRow`], with its entry's
//! name joined in).

use sqlx::{AnyConnection, Row};

use crate::store::Result;
use crate::store::fetch;

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct ToolRow {
        id: String, kind: String, name: String, description: String, provider_org: String,
        window_id: Option<String>,
        /// JSON array of organisation kinds.
        org_kinds: String,
        /// JSON array of sectors.
        sectors: String,
        terms: String, capacity: i64, contact: String, state: String, created_by: String,
        created_at: String, updated_at: String, delisted_by: Option<String>,
        delisted_at: Option<String>, delist_reason: Option<String>,
    }
    const TOOL_COLUMNS = *;
    fn tool(r);
}

pub async fn insert_tool(conn: &mut AnyConnection, t: &ToolRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO tool_entries (id, kind, name, description, provider_org, window_id, \
         org_kinds, sectors, terms, capacity, contact, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    );
    bind_fields!(q, t => {
        id, kind, name, description, provider_org, window_id, org_kinds, sectors, terms, capacity,
        contact, state, created_by, created_at, updated_at,
    })
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_tool(conn: &mut AnyConnection, id: &str) -> Result<Option<ToolRow>> {
    let q = format!("SELECT {TOOL_COLUMNS} FROM tool_entries WHERE id = $1");
    fetch::optional(conn, q, &[&id], tool).await
}

/// Every entry, by name (at most 10,000).
pub async fn tools(conn: &mut AnyConnection) -> Result<Vec<ToolRow>> {
    let q = format!("SELECT {TOOL_COLUMNS} FROM tool_entries ORDER BY name, id LIMIT 10000");
    let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(conn).await?;
    rows.iter().map(tool).collect()
}

table_record! {
    /// A request for an entry, as stored and as the API shows it.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
    #[schema(as = ToolRequest)]
    pub struct RequestRow {
        id: String, tool_id: String,
        /// The entry's name (joined in; not a column of the request).
        tool_name: String as "t.name AS tool_name",
        org_id: String, user_id: String,
        /// The organisation's kind and sector as at the request.
        org_kind: String,
        sector: Option<String>, purpose: String,
        /// `pending`, `approved`, `declined` or `revoked`.
        state: String,
        decided_by: Option<String>, decided_at: Option<String>,
        decision_reason: Option<String>, starts_at: Option<String>, ends_at: Option<String>,
        requests_per_day: Option<i64>, tokens_per_day: Option<i64>,
        /// For a model entry: the grant in its window (accept its terms, then
        /// take a broker credential under `/grants/{id}`).
        grant_id: Option<String>,
        created_at: String,
        /// An approved request revoked: by whom, when and why.
        revoked_by: Option<String>,
        revoked_at: Option<String>, revoke_reason: Option<String>,
    }
    const REQUEST_COLUMNS = r.*;
    fn request(r);
}

/// The requests joined with their entries (`r`, `t`).
const REQUESTS: &str = "tool_requests r JOIN tool_entries t ON t.id = r.tool_id";

pub async fn insert_request(conn: &mut AnyConnection, r: &RequestRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO tool_requests (id, tool_id, org_id, user_id, org_kind, sector, purpose, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    );
    bind_fields!(q, r => {
        id, tool_id, org_id, user_id, org_kind, sector, purpose, state, created_at,
    })
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a decision on a pending request (false when it was decided
/// meanwhile).
pub async fn decide(conn: &mut AnyConnection, r: &RequestRow) -> Result<bool> {
    let q = sqlx::query(
        "UPDATE tool_requests SET state = $2, decided_by = $3, decided_at = $4, \
         decision_reason = $5, starts_at = $6, ends_at = $7, requests_per_day = $8, \
         tokens_per_day = $9, grant_id = $10 WHERE id = $1 AND state = 'pending'",
    );
    let done = bind_fields!(q, r => {
        id, state, decided_by, decided_at, decision_reason, starts_at, ends_at, requests_per_day,
        tokens_per_day, grant_id,
    })
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_request(conn: &mut AnyConnection, id: &str) -> Result<Option<RequestRow>> {
    let q = format!("SELECT {REQUEST_COLUMNS} FROM {REQUESTS} WHERE r.id = $1");
    fetch::optional(conn, q, &[&id], request).await
}

/// Requests, newest first, narrowed to one tool and/or one organisation
/// (empty: any); at most 10,000.
pub async fn requests(
    conn: &mut AnyConnection,
    tool_id: &str,
    org_id: &str,
) -> Result<Vec<RequestRow>> {
    let q = format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUESTS} WHERE ($1 = '' OR r.tool_id = $1) \
         AND ($2 = '' OR r.org_id = $2) ORDER BY r.created_at DESC, r.id LIMIT 10000"
    );
    fetch::all(conn, q, &[&tool_id, &org_id], request).await
}

/// Runs an update of one row `$1` setting who (`$2`), when (`$3`) and why
/// (`$4`); whether it changed the row (its state guard held).
async fn mark(
    conn: &mut AnyConnection,
    sql: &'static str,
    id: &str,
    by: &str,
    reason: &str,
    at: &str,
) -> Result<bool> {
    let done = sqlx::query(sql)
        .bind(id)
        .bind(by)
        .bind(at)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a listed entry off the list (false when it was not listed).
pub async fn delist(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    at: &str,
) -> Result<bool> {
    let sql = "UPDATE tool_entries SET state = 'withdrawn', delisted_by = $2, delisted_at = $3, \
         delist_reason = $4, updated_at = $3 WHERE id = $1 AND state = 'listed'";
    mark(conn, sql, id, by, reason, at).await
}

/// Revokes an approved request (false when it was not approved).
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    at: &str,
) -> Result<bool> {
    let sql = "UPDATE tool_requests SET state = 'revoked', revoked_by = $2, revoked_at = $3, \
         revoke_reason = $4 WHERE id = $1 AND state = 'approved'";
    mark(conn, sql, id, by, reason, at).await
}

/// How many organisations hold approved access to a tool now (approved
/// requests not yet ended at `now`).
pub async fn holding(conn: &mut AnyConnection, tool_id: &str, now: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT org_id) FROM tool_requests WHERE tool_id = $1 \
         AND state = 'approved' AND ends_at > $2 AND (grant_id IS NULL OR grant_id IN \
         (SELECT id FROM frontier_window_grants WHERE revoked_at IS NULL))",
    )
    .bind(tool_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// One line of demand and use: per tool and sector (or organisation kind
/// when there is no sector), as the API shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DemandLine)]
pub struct DemandRow {
    pub tool_id: String,
    pub tool_name: String,
    pub org_kind: String,
    pub sector: Option<String>,
    pub pending: i64,
    pub approved: i64,
    pub declined: i64,
    pub revoked: i64,
    /// Successful brokered calls through the grants these requests made.
    pub calls: i64,
    pub tokens: i64,
}

/// Demand (requests by state) and use (brokered calls and tokens) per tool
/// and sector.
pub async fn demand(conn: &mut AnyConnection) -> Result<Vec<DemandRow>> {
    let rows = sqlx::query(
        "SELECT r.tool_id, t.name AS tool_name, r.org_kind, r.sector, \
         CAST(SUM(CASE WHEN r.state = 'pending' THEN 1 ELSE 0 END) AS BIGINT) AS pending, \
         CAST(SUM(CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
         CAST(SUM(CASE WHEN r.state = 'declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined, \
         CAST(SUM(CASE WHEN r.state = 'revoked' THEN 1 ELSE 0 END) AS BIGINT) AS revoked, \
         CAST(COALESCE(SUM(u.calls), 0) AS BIGINT) AS calls, \
         CAST(COALESCE(SUM(u.tokens), 0) AS BIGINT) AS tokens \
         FROM tool_requests r JOIN tool_entries t ON t.id = r.tool_id \
         LEFT JOIN (SELECT grant_id, COUNT(*) AS calls, \
         COALESCE(SUM(total_tokens), 0) AS tokens FROM broker_usage WHERE outcome = 'ok' \
         GROUP BY grant_id) u ON u.grant_id = r.grant_id \
         GROUP BY r.tool_id, t.name, r.org_kind, r.sector ORDER BY r.tool_id, r.org_kind, r.sector",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => DemandRow {
                tool_id, tool_name, org_kind, sector, pending, approved, declined, revoked,
                calls, tokens,
            }))
        })
        .collect()
}
