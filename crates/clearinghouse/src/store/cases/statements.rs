//! Vendors' VEX statements (`case_statements`): one row per statement, the
//! current one per (case, vulnerability, vendor, product, versions) without
//! `superseded_at`. [`covering`] gives matching the current not_affected
//! and fixed statements of some vulnerabilities; the rest is read through
//! a case the workflow has read under the policy.

use sqlx::AnyConnection;

use crate::store::fetch;
use crate::store::{Result, in_params, json_list, parse_json_list};

table_record! {
    /// One statement as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct StatementRow {
        id: String, case_id: String, vuln_id: String, vendor_org: String,
        /// `purl` or `cpe`.
        product_kind: String,
        product_key: String, product_given: String,
        versions: Vec<String> = parse_json_list(&r.try_get::<String, _>("versions")?)?,
        status: String, justification: Option<String>, fixed_version: Option<String>,
        remediation: String,
        /// `api`, `cyclonedx` or `csaf`.
        source: String,
        stated_by: String, stated_at: String, superseded_at: Option<String>,
    }
    const COLUMNS = *;
    fn from_row(r);
}

/// Inserts a statement, superseding the current one of the same case,
/// vulnerability, vendor, product and versions.
pub async fn insert(conn: &mut AnyConnection, s: &StatementRow) -> Result<()> {
    let versions = json_list(&s.versions);
    sqlx::query(
        "UPDATE case_statements SET superseded_at = $1 WHERE case_id = $2 AND vuln_id = $3 \
         AND vendor_org = $4 AND product_key = $5 AND versions = $6 AND superseded_at IS NULL",
    )
    .bind(&s.stated_at)
    .bind(&s.case_id)
    .bind(&s.vuln_id)
    .bind(&s.vendor_org)
    .bind(&s.product_key)
    .bind(&versions)
    .execute(&mut *conn)
    .await?;
    let sql = format!(
        "INSERT INTO case_statements ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&s.id)
        .bind(&s.case_id)
        .bind(&s.vuln_id)
        .bind(&s.vendor_org)
        .bind(&s.product_kind)
        .bind(&s.product_key)
        .bind(&s.product_given)
        .bind(&versions)
        .bind(&s.status)
        .bind(&s.justification)
        .bind(&s.fixed_version)
        .bind(&s.remediation)
        .bind(&s.source)
        .bind(&s.stated_by)
        .bind(&s.stated_at)
        .bind(&s.superseded_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A case's statements, current ones only unless `history`, by
/// vulnerability, product and time.
pub async fn of_case(
    conn: &mut AnyConnection,
    case_id: &str,
    history: bool,
) -> Result<Vec<StatementRow>> {
    let filter = if history {
        ""
    } else {
        "AND superseded_at IS NULL"
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM case_statements WHERE case_id = $1 {filter} \
         ORDER BY vuln_id, product_key, stated_at, id"
    );
    fetch::all(&mut *conn, sql, &[&case_id], from_row).await
}

/// The current not_affected and fixed statements of these vulnerabilities
/// (in any case) by a vendor the vendor map confirms for the product:
/// what takes components out of exposure.
pub async fn covering(conn: &mut AnyConnection, vuln_ids: &[String]) -> Result<Vec<StatementRow>> {
    let mut out = Vec::new();
    for chunk in vuln_ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} FROM case_statements s WHERE superseded_at IS NULL \
             AND status IN ('not_affected', 'fixed') AND vuln_id IN ({}) \
             AND EXISTS (SELECT 1 FROM vendor_products vp WHERE vp.match_key = s.product_key \
             AND vp.org_id = s.vendor_org AND vp.status = 'confirmed') ORDER BY stated_at, id",
            in_params(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// Matching keys the advisories of a vulnerability list as affected.
pub async fn affected_keys(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT ap.package_key FROM affected_packages ap \
         JOIN advisories a ON a.id = ap.advisory_id WHERE a.vuln_id = $1",
    )
    .bind(vuln_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether this product key is mapped to an organisation, confirmed by a
/// coordinator (a pending or rejected claim counts for nothing).
pub async fn vendor_claims(conn: &mut AnyConnection, org_id: &str, key: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM vendor_products WHERE org_id = $1 AND match_key = $2 \
         AND status = 'confirmed'",
    )
    .bind(org_id)
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}
