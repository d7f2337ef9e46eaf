//! Trusted-partner nominations' SQL (`frontier_partners`). The rules of
//! who may take which step are the domain's (`frontier::access::partners`)
//! and the workflow's; this stores the facts.

use sqlx::AnyConnection;

use crate::store::Result;
use crate::store::fetch;

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct PartnerRow {
        id: String, model_id: String, developer_org: String, org_id: String,
        nominated_by: String, nominated_side: String, reason: String,
        developer_approved_by: Option<String>, developer_approved_at: Option<String>,
        government_approval_id: Option<String>,
        government_pending: bool = r.try_get::<i64, _>("government_pending")? != 0,
        government_approved_by: Option<String>, government_approved_at: Option<String>,
        state: String, withdrawn_by: Option<String>, withdrawn_side: Option<String>,
        withdrawn_at: Option<String>, withdraw_reason: Option<String>, created_at: String,
        updated_at: String,
    }
    const COLUMNS = *;
    fn from_row(r);
}

pub async fn insert(conn: &mut AnyConnection, p: &PartnerRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_partners (id, model_id, developer_org, org_id, nominated_by, \
         nominated_side, reason, developer_approved_by, developer_approved_at, \
         government_approval_id, government_pending, government_approved_by, \
         government_approved_at, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    );
    bind_fields!(q, p => {
        id, model_id, developer_org, org_id, nominated_by, nominated_side, reason,
        developer_approved_by, developer_approved_at, government_approval_id,
        government_pending: i64::from(p.government_pending),
        government_approved_by, government_approved_at, state, created_at, updated_at,
    })
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes every mutable fact of a nomination (read in the same
/// transaction, changed by the workflow), only if `updated_at` is still
/// `seen` (false when someone changed it meanwhile).
pub async fn update(conn: &mut AnyConnection, p: &PartnerRow, seen: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE frontier_partners SET developer_approved_by = $2, developer_approved_at = $3, \
         government_approval_id = $4, government_pending = $5, government_approved_by = $6, \
         government_approved_at = $7, state = $8, withdrawn_by = $9, withdrawn_side = $10, \
         withdrawn_at = $11, withdraw_reason = $12, updated_at = $13 \
         WHERE id = $1 AND updated_at = $14",
    )
    .bind(&p.id)
    .bind(&p.developer_approved_by)
    .bind(&p.developer_approved_at)
    .bind(&p.government_approval_id)
    .bind(i64::from(p.government_pending))
    .bind(&p.government_approved_by)
    .bind(&p.government_approved_at)
    .bind(&p.state)
    .bind(&p.withdrawn_by)
    .bind(&p.withdrawn_side)
    .bind(&p.withdrawn_at)
    .bind(&p.withdraw_reason)
    .bind(&p.updated_at)
    .bind(seen)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<PartnerRow>> {
    let q = format!("SELECT {COLUMNS} FROM frontier_partners WHERE id = $1");
    fetch::optional(conn, q, &[&id], from_row).await
}

/// Nominations of a model, newest first.
pub async fn of_model(conn: &mut AnyConnection, model_id: &str) -> Result<Vec<PartnerRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_partners WHERE model_id = $1 \
         ORDER BY created_at DESC, id LIMIT 10000"
    );
    fetch::all(conn, q, &[&model_id], from_row).await
}

/// Every nomination, newest first (the workflow filters what the caller
/// may read); at most 10,000.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<PartnerRow>> {
    let q =
        format!("SELECT {COLUMNS} FROM frontier_partners ORDER BY created_at DESC, id LIMIT 10000");
    let rows = sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The organisation's nomination for the model that is not withdrawn.
pub async fn live(
    conn: &mut AnyConnection,
    model_id: &str,
    org_id: &str,
) -> Result<Option<PartnerRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_partners WHERE model_id = $1 AND org_id = $2 \
         AND state <> 'withdrawn' ORDER BY created_at DESC LIMIT 1"
    );
    fetch::optional(conn, q, &[&model_id, &org_id], from_row).await
}

/// Ids of the unrevoked grants people of `org_id` hold in the windows of
/// `model_id`.
pub async fn live_grants(
    conn: &mut AnyConnection,
    model_id: &str,
    org_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT g.id FROM frontier_window_grants g JOIN frontier_windows w ON w.id = g.window_id \
         WHERE w.model_id = $1 AND g.org_id = $2 AND g.revoked_at IS NULL ORDER BY g.id",
    )
    .bind(model_id)
    .bind(org_id)
    .fetch_all(conn)
    .await?)
}
