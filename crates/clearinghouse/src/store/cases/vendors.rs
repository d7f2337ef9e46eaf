//! The vendor map (`vendor_products`): package URL and CPE matching keys
//! (the keys `affected_packages.package_key` holds) claimed by vendor
//! organisations, and the vendors a case's vulnerabilities point to
//! through them. The map is not labelled: that a vendor makes a product is
//! public knowledge; which vendors a case points to is read only through
//! a case the workflow has read under the policy. An entry is `pending`
//! until a coordinator confirms it (or rejects it, migration 0027): only
//! `confirmed` entries suggest vendors, let a vendor state VEX and count
//! for matching.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Result, StoreError};

/// One claimed product.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorProductRow {
    /// `purl` or `cpe`.
    pub kind: String,
    pub match_key: String,
    pub org_id: String,
    /// The reference as given (`pkg:pypi/paramiko@2.4.0`).
    pub given_as: String,
    pub added_by: String,
    pub added_at: String,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// A vendor a case's vulnerabilities point to, with the product key.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub org_id: String,
    pub match_key: String,
    pub vuln_id: String,
}

fn from_row(r: &AnyRow) -> Result<VendorProductRow> {
    Ok(from_columns!(r => VendorProductRow {
        kind, match_key, org_id, given_as, added_by, added_at, status, decided_by, decided_at,
    }))
}

/// Adds a claim; the same key for the same organisation twice is a conflict.
pub async fn insert(conn: &mut AnyConnection, p: &VendorProductRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO vendor_products (kind, match_key, org_id, given_as, added_by, added_at, \
         status, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    );
    bind_fields!(q, p => {
        kind, match_key, org_id, given_as, added_by, added_at, status, decided_by, decided_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this product for this organisation"))?;
    Ok(())
}

/// The claims, of one organisation or of all, and in one status or in
/// any, by key (at most `limit`).
pub async fn list(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<VendorProductRow>> {
    let rows = sqlx::query(
        "SELECT kind, match_key, org_id, given_as, added_by, added_at, status, decided_by, \
         decided_at FROM vendor_products \
         WHERE ($1 = '' OR org_id = $2) AND ($3 = '' OR status = $4) \
         ORDER BY match_key, org_id LIMIT $5",
    )
    .bind(org_id.unwrap_or(""))
    .bind(org_id.unwrap_or(""))
    .bind(status.unwrap_or(""))
    .bind(status.unwrap_or(""))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Confirms or rejects a pending claim; false when no pending claim of
/// this key for this organisation exists.
pub async fn decide(
    conn: &mut AnyConnection,
    match_key: &str,
    org_id: &str,
    status: &str,
    by: &str,
    at: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE vendor_products SET status = $1, decided_by = $2, decided_at = $3 \
         WHERE match_key = $4 AND org_id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(by)
    .bind(at)
    .bind(match_key)
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The vendors whose confirmed products an advisory of one of the case's
/// vulnerabilities lists as affected (package or CPE entries).
pub async fn suggestions(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<Suggestion>> {
    let rows = sqlx::query(
        "SELECT DISTINCT vp.org_id AS org_id, vp.match_key AS match_key, cv.vuln_id AS vuln_id \
         FROM case_vulnerabilities cv \
         JOIN advisories a ON a.vuln_id = cv.vuln_id \
         JOIN affected_packages ap ON ap.advisory_id = a.id \
         JOIN vendor_products vp ON vp.match_key = ap.package_key AND vp.status = 'confirmed' \
         WHERE cv.case_id = $1 ORDER BY org_id, match_key, vuln_id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => Suggestion {
                org_id, match_key, vuln_id,
            }))
        })
        .collect()
}
