//! `scan_claims` and `scan_claim_responses`: an organisation claims a
//! target for a period; each other organisation records whether it waits,
//! coordinates or proceeds (one answer per organisation, replaced when it
//! answers again).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::candidates;
use crate::store::Result;
use crate::store::fetch;
use clearinghouse_domain::scans::Target;

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRow {
    pub id: String,
    pub org_id: String,
    pub kind: String,
    pub value: String,
    pub key_lo: String,
    pub key_hi: String,
    pub starts_at: String,
    pub ends_at: String,
    pub note: String,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    pub claim_id: String,
    pub org_id: String,
    /// `wait`, `coordinate` or `proceed`.
    pub choice: String,
    pub note: String,
    pub responded_by: String,
    pub responded_at: String,
}

const COLUMNS: &str = "k.id, k.org_id, k.kind, k.value, k.key_lo, k.key_hi, k.starts_at, \
     k.ends_at, k.note, k.created_by, k.created_at";

fn from_row(row: &AnyRow) -> Result<ClaimRow> {
    Ok(from_columns!(row => ClaimRow {
        id, org_id, kind, value, key_lo, key_hi, starts_at, ends_at, note, created_by, created_at,
    }))
}

fn response_from_row(row: &AnyRow) -> Result<ResponseRow> {
    Ok(from_columns!(row => ResponseRow {
        claim_id, org_id, choice, note, responded_by, responded_at,
    }))
}

pub async fn insert(conn: &mut AnyConnection, k: &ClaimRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO scan_claims (id, org_id, kind, value, key_lo, key_hi, starts_at, ends_at, \
         note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    );
    bind_fields!(q, k => {
        id, org_id, kind, value, key_lo, key_hi, starts_at, ends_at, note, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ClaimRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_claims k WHERE k.id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

/// Claims that may meet `t` in `[start, end)`.
pub async fn overlapping(
    conn: &mut AnyConnection,
    t: &Target,
    start: &str,
    end: &str,
) -> Result<Vec<ClaimRow>> {
    let (clause, binds) = candidates("k", t, 3);
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_claims k WHERE {clause} AND k.starts_at < $1 AND k.ends_at > $2 \
         ORDER BY k.id"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(end).bind(start);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Claims of an organisation, by id.
pub async fn list_for_org(conn: &mut AnyConnection, org_id: &str) -> Result<Vec<ClaimRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_claims k WHERE k.org_id = $1 ORDER BY k.id");
    fetch::all(&mut *conn, sql, &[&org_id], from_row).await
}

/// Claims another organisation answered with `proceed`: disputed, for
/// coordinators.
pub async fn disputed(conn: &mut AnyConnection) -> Result<Vec<ClaimRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_claims k WHERE EXISTS (SELECT 1 FROM scan_claim_responses r \
         WHERE r.claim_id = k.id AND r.choice = 'proceed') ORDER BY k.starts_at, k.id"
    );
    fetch::all(&mut *conn, sql, &[], from_row).await
}

/// Records (or replaces) an organisation's answer to a claim.
pub async fn respond(conn: &mut AnyConnection, r: &ResponseRow) -> Result<()> {
    sqlx::query("DELETE FROM scan_claim_responses WHERE claim_id = $1 AND org_id = $2")
        .bind(&r.claim_id)
        .bind(&r.org_id)
        .execute(&mut *conn)
        .await?;
    let q = sqlx::query(
        "INSERT INTO scan_claim_responses (claim_id, org_id, choice, note, responded_by, \
         responded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    );
    bind_fields!(q, r => {
        claim_id, org_id, choice, note, responded_by, responded_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn responses(conn: &mut AnyConnection, claim_id: &str) -> Result<Vec<ResponseRow>> {
    let rows = sqlx::query(
        "SELECT claim_id, org_id, choice, note, responded_by, responded_at \
         FROM scan_claim_responses WHERE claim_id = $1 ORDER BY org_id",
    )
    .bind(claim_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(response_from_row).collect()
}
