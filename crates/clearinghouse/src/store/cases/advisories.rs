//! The CSAF documents of published cases (`case_advisories`): one row per
//! revision, inserted, never updated (the primary key refuses a second
//! document of the same version). Read through a case the workflow has
//! read under the policy.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Result, StoreError};

/// One revision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisoryRow {
    pub case_id: String,
    pub version: i64,
    /// `csaf_security_advisory` or `csaf_vex`.
    pub category: String,
    /// The CSAF JSON, as published.
    pub document: String,
    pub sha256: String,
    pub summary: String,
    pub created_at: String,
}

fn from_row(r: &AnyRow) -> Result<AdvisoryRow> {
    Ok(AdvisoryRow {
        case_id: r.try_get("case_id")?,
        version: r.try_get("version")?,
        category: r.try_get("category")?,
        document: r.try_get("document")?,
        sha256: r.try_get("sha256")?,
        summary: r.try_get("summary")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, a: &AdvisoryRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_advisories (case_id, version, category, document, sha256, summary, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&a.case_id)
    .bind(a.version)
    .bind(&a.category)
    .bind(&a.document)
    .bind(&a.sha256)
    .bind(&a.summary)
    .bind(&a.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this advisory revision"))?;
    Ok(())
}

/// Every revision of a case, oldest first.
pub async fn revisions(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<AdvisoryRow>> {
    let rows = sqlx::query(
        "SELECT case_id, version, category, document, sha256, summary, created_at \
         FROM case_advisories WHERE case_id = $1 ORDER BY version",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}
