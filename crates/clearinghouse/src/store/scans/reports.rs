//! `scan_reports`: scanning an operator observed (source blocks, targets,
//! time range, an optional log excerpt), the answer given at once
//! (`covered`, with the campaigns and grants that cover it, as JSON) and,
//! when uncovered, its incident state (`open`, `referred`, `closed`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;

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
    Ok(ReportRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        sources: r.try_get("sources")?,
        targets: r.try_get("targets")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        covered: r.try_get::<i64, _>("covered")? != 0,
        answer: r.try_get("answer")?,
        log_excerpt: r.try_get("log_excerpt")?,
        incident_state: r.try_get("incident_state")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, r: &ReportRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO scan_reports (id, org_id, sources, targets, starts_at, ends_at, covered, \
         answer, log_excerpt, incident_state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(&r.org_id)
    .bind(&r.sources)
    .bind(&r.targets)
    .bind(&r.starts_at)
    .bind(&r.ends_at)
    .bind(i64::from(r.covered))
    .bind(&r.answer)
    .bind(&r.log_excerpt)
    .bind(&r.incident_state)
    .bind(&r.created_by)
    .bind(&r.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ReportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_reports WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An organisation's reports (every report: `org_id` None), by id.
pub async fn list(conn: &mut AnyConnection, org_id: Option<&str>) -> Result<Vec<ReportRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM scan_reports WHERE ($1 = '' OR org_id = $1) ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
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
