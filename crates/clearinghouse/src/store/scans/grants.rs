//! `scan_grants`: an operator's permission for a scanning organisation to
//! scan named assets in a window under rules of engagement (techniques,
//! rate limit, excluded hosts, the scanner's source addresses, both
//! sides' emergency contacts). Lists are JSON text. `active` until
//! revoked; a revoked grant is never reactivated.

use sqlx::AnyConnection;

use crate::store::Result;
use crate::store::fetch;

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct GrantRow {
        id: String, operator_org_id: String, scanner_org_id: String,
        /// JSON array of asset ids.
        asset_ids: String,
        /// JSON array of target texts (hosts or blocks) never to be scanned.
        excluded: String,
        /// Comma-separated techniques.
        techniques: String,
        /// Requests per second.
        rate_limit: i64,
        /// JSON array of CIDR texts.
        sources: String,
        starts_at: String, ends_at: String, operator_contact: String, scanner_contact: String,
        state: String, revoked_at: Option<String>, revoked_by: Option<String>,
        revoke_reason: Option<String>, created_by: String, created_at: String,
    }
    const COLUMNS = g.*;
    fn from_row(r);
}

pub async fn insert(conn: &mut AnyConnection, g: &GrantRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO scan_grants (id, operator_org_id, scanner_org_id, asset_ids, excluded, \
         techniques, rate_limit, sources, starts_at, ends_at, operator_contact, scanner_contact, \
         state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    );
    bind_fields!(q, g => {
        id, operator_org_id, scanner_org_id, asset_ids, excluded, techniques, rate_limit, sources,
        starts_at, ends_at, operator_contact, scanner_contact, state, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<GrantRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_grants g WHERE g.id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

/// Grants an organisation gave or received (every grant: `org_id` None).
pub async fn list(conn: &mut AnyConnection, org_id: Option<&str>) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_grants g WHERE ($1 = '' OR g.operator_org_id = $1 \
         OR g.scanner_org_id = $1) ORDER BY g.id"
    );
    fetch::all(&mut *conn, sql, &[&org_id.unwrap_or("")], from_row).await
}

/// Active grants to `scanner_org_id` whose window meets `[start, end)`.
pub async fn active_for(
    conn: &mut AnyConnection,
    scanner_org_id: &str,
    start: &str,
    end: &str,
) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_grants g WHERE g.scanner_org_id = $1 AND g.state = 'active' \
         AND g.starts_at < $2 AND g.ends_at > $3 ORDER BY g.id"
    );
    fetch::all(&mut *conn, sql, &[&scanner_org_id, &end, &start], from_row).await
}

/// Revokes an active grant (compare-and-set).
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    at: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE scan_grants SET state = 'revoked', revoked_at = $1, revoked_by = $2, \
         revoke_reason = $3 WHERE id = $4 AND state = 'active'",
    )
    .bind(at)
    .bind(by)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Grants in force at `at` from `operator_org_id` (every operator: "")
/// to scanners, for answering reports and for evidence.
pub async fn in_force_at(
    conn: &mut AnyConnection,
    operator_org_id: &str,
    at_start: &str,
    at_end: &str,
) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_grants g WHERE ($1 = '' OR g.operator_org_id = $1) \
         AND g.starts_at < $2 AND g.ends_at > $3 \
         AND (g.revoked_at IS NULL OR g.revoked_at > $3) ORDER BY g.id"
    );
    fetch::all(
        &mut *conn,
        sql,
        &[&operator_org_id, &at_end, &at_start],
        from_row,
    )
    .await
}
