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
    Ok(from_columns!(r => AdvisoryRow {
        case_id, version, category, document, sha256, summary, created_at,
    }))
}

pub async fn insert(conn: &mut AnyConnection, a: &AdvisoryRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO case_advisories (case_id, version, category, document, sha256, summary, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, a => {
        case_id, version, category, document, sha256, summary, created_at,
    })
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
