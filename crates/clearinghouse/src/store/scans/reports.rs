//! `scan_reports`: scanning an operator observed (source blocks, targets,
//! time range, an optional log excerpt), the answer given at once
//! (`covered`, with the campaigns and grants that cover it, as JSON) and,
//! when uncovered, its incident state (`open`, `referred`, `closed`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;
use crate::store::fetch;

#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub id: String,
    pub org_id: String,
    /// JSON array of CIDR texts.
    pub sources: String,
    /// JSON array of target texts.
    pub targets: String,
    pub starts_at: String,
    pub ends_at: String,
    pub covered: bool,
    /// The answer as JSON.
    pub answer: String,
    pub log_excerpt: Option<String>,
    /// `none` (covered), `open`, `referred` or `closed`.
    pub incident_state: String,
    pub created_by: String,
    pub created_at: String,
}

const COLUMNS: &str = "id, org_id, sources, targets, starts_at, ends_at, covered, answer, \
     log_excerpt, incident_state, created_by, created_at";

fn from_row(r: &AnyRow) -> Result<ReportRow> {
    Ok(from_columns!(r => ReportRow {
        id, org_id, sources, targets, starts_at, ends_at,
        covered: r.try_get::<i64, _>("covered")? != 0,
        answer, log_excerpt, incident_state, created_by, created_at,
    }))
}

pub async fn insert(conn: &mut AnyConnection, r: &ReportRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO scan_reports (id, org_id, sources, targets, starts_at, ends_at, covered, \
         answer, log_excerpt, incident_state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    );
    bind_fields!(q, r => {
        id, org_id, sources, targets, starts_at, ends_at,
        covered: i64::from(r.covered),
        answer, log_excerpt, incident_state, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ReportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_reports WHERE id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

/// An organisation's reports (every report: `org_id` None), by id.
pub async fn list(conn: &mut AnyConnection, org_id: Option<&str>) -> Result<Vec<ReportRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM scan_reports WHERE ($1 = '' OR org_id = $1) ORDER BY id");
    fetch::all(&mut *conn, sql, &[&org_id.unwrap_or("")], from_row).await
}

/// Moves an incident from `from` to `to` (compare-and-set).
pub async fn set_incident(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE scan_reports SET incident_state = $1 WHERE id = $2 AND incident_state = $3",
    )
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
