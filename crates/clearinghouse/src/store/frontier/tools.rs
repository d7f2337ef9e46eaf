//! The tool catalog's SQL (`tool_entries`, `tool_requests`) and the
//! coordinators' demand and use by sector (requests joined with the
//! broker's usage log through the grants approvals made).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct ToolRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub provider_org: String,
    pub window_id: Option<String>,
    /// JSON array of organisation kinds.
    pub org_kinds: String,
    /// JSON array of sectors.
    pub sectors: String,
    pub terms: String,
    pub capacity: i64,
    pub contact: String,
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const TOOL_COLUMNS: &str = "id, kind, name, description, provider_org, window_id, org_kinds, \
     sectors, terms, capacity, contact, state, created_by, created_at, updated_at";

fn tool(r: &AnyRow) -> Result<ToolRow> {
    Ok(ToolRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        provider_org: r.try_get("provider_org")?,
        window_id: r.try_get("window_id")?,
        org_kinds: r.try_get("org_kinds")?,
        sectors: r.try_get("sectors")?,
        terms: r.try_get("terms")?,
        capacity: r.try_get("capacity")?,
        contact: r.try_get("contact")?,
        state: r.try_get("state")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert_tool(conn: &mut AnyConnection, t: &ToolRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO tool_entries (id, kind, name, description, provider_org, window_id, \
         org_kinds, sectors, terms, capacity, contact, state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&t.id)
    .bind(&t.kind)
    .bind(&t.name)
    .bind(&t.description)
    .bind(&t.provider_org)
    .bind(&t.window_id)
    .bind(&t.org_kinds)
    .bind(&t.sectors)
    .bind(&t.terms)
    .bind(t.capacity)
    .bind(&t.contact)
    .bind(&t.state)
    .bind(&t.created_by)
    .bind(&t.created_at)
    .bind(&t.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_tool(conn: &mut AnyConnection, id: &str) -> Result<Option<ToolRow>> {
    let q = format!("SELECT {TOOL_COLUMNS} FROM tool_entries WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(q))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(tool).transpose()
}

/// Every entry, by name (at most 10,000).
pub async fn tools(conn: &mut AnyConnection) -> Result<Vec<ToolRow>> {
    let q = format!("SELECT {TOOL_COLUMNS} FROM tool_entries ORDER BY name, id LIMIT 10000");
    let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(conn).await?;
    rows.iter().map(tool).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestRow {
    pub id: String,
    pub tool_id: String,
    pub org_id: String,
    pub user_id: String,
    pub org_kind: String,
    pub sector: Option<String>,
    pub purpose: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub requests_per_day: Option<i64>,
    pub tokens_per_day: Option<i64>,
    pub grant_id: Option<String>,
    pub created_at: String,
}

const REQUEST_COLUMNS: &str = "id, tool_id, org_id, user_id, org_kind, sector, purpose, state, \
     decided_by, decided_at, decision_reason, starts_at, ends_at, requests_per_day, \
     tokens_per_day, grant_id, created_at";

fn request(r: &AnyRow) -> Result<RequestRow> {
    Ok(RequestRow {
        id: r.try_get("id")?,
        tool_id: r.try_get("tool_id")?,
        org_id: r.try_get("org_id")?,
        user_id: r.try_get("user_id")?,
        org_kind: r.try_get("org_kind")?,
        sector: r.try_get("sector")?,
        purpose: r.try_get("purpose")?,
        state: r.try_get("state")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        requests_per_day: r.try_get("requests_per_day")?,
        tokens_per_day: r.try_get("tokens_per_day")?,
        grant_id: r.try_get("grant_id")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert_request(conn: &mut AnyConnection, r: &RequestRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO tool_requests (id, tool_id, org_id, user_id, org_kind, sector, purpose, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.tool_id)
    .bind(&r.org_id)
    .bind(&r.user_id)
    .bind(&r.org_kind)
    .bind(&r.sector)
    .bind(&r.purpose)
    .bind(&r.state)
    .bind(&r.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a decision on a pending request (false when it was decided
/// meanwhile).
pub async fn decide(conn: &mut AnyConnection, r: &RequestRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tool_requests SET state = $2, decided_by = $3, decided_at = $4, \
         decision_reason = $5, starts_at = $6, ends_at = $7, requests_per_day = $8, \
         tokens_per_day = $9, grant_id = $10 WHERE id = $1 AND state = 'pending'",
    )
    .bind(&r.id)
    .bind(&r.state)
    .bind(&r.decided_by)
    .bind(&r.decided_at)
    .bind(&r.decision_reason)
    .bind(&r.starts_at)
    .bind(&r.ends_at)
    .bind(r.requests_per_day)
    .bind(r.tokens_per_day)
    .bind(&r.grant_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_request(conn: &mut AnyConnection, id: &str) -> Result<Option<RequestRow>> {
    let q = format!("SELECT {REQUEST_COLUMNS} FROM tool_requests WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(q))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(request).transpose()
}

/// Requests, newest first, narrowed to one tool and/or one organisation
/// (empty: any); at most 10,000.
pub async fn requests(
    conn: &mut AnyConnection,
    tool_id: &str,
    org_id: &str,
) -> Result<Vec<RequestRow>> {
    let q = format!(
        "SELECT {REQUEST_COLUMNS} FROM tool_requests WHERE ($1 = '' OR tool_id = $1) \
         AND ($2 = '' OR org_id = $2) ORDER BY created_at DESC, id LIMIT 10000"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(q))
        .bind(tool_id)
        .bind(org_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(request).collect()
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
/// when there is no sector).
#[derive(Debug, Clone, PartialEq)]
pub struct DemandRow {
    pub tool_id: String,
    pub org_kind: String,
    pub sector: Option<String>,
    pub pending: i64,
    pub approved: i64,
    pub declined: i64,
    /// Brokered calls through the grants these requests made.
    pub calls: i64,
    pub tokens: i64,
}

/// Demand (requests by state) and use (brokered calls and tokens) per tool
/// and sector.
pub async fn demand(conn: &mut AnyConnection) -> Result<Vec<DemandRow>> {
    let rows = sqlx::query(
        "SELECT r.tool_id, r.org_kind, r.sector, \
         CAST(SUM(CASE WHEN r.state = 'pending' THEN 1 ELSE 0 END) AS BIGINT) AS pending, \
         CAST(SUM(CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
         CAST(SUM(CASE WHEN r.state = 'declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined, \
         CAST(COALESCE(SUM(u.calls), 0) AS BIGINT) AS calls, \
         CAST(COALESCE(SUM(u.tokens), 0) AS BIGINT) AS tokens \
         FROM tool_requests r LEFT JOIN (SELECT grant_id, COUNT(*) AS calls, \
         COALESCE(SUM(total_tokens), 0) AS tokens FROM broker_usage WHERE outcome = 'ok' \
         GROUP BY grant_id) u ON u.grant_id = r.grant_id \
         GROUP BY r.tool_id, r.org_kind, r.sector ORDER BY r.tool_id, r.org_kind, r.sector",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DemandRow {
                tool_id: r.try_get("tool_id")?,
                org_kind: r.try_get("org_kind")?,
                sector: r.try_get("sector")?,
                pending: r.try_get("pending")?,
                approved: r.try_get("approved")?,
                declined: r.try_get("declined")?,
                calls: r.try_get("calls")?,
                tokens: r.try_get("tokens")?,
            })
        })
        .collect()
}
