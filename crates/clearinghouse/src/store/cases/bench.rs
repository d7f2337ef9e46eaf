//! `bench publish`'s SQL (built with the `bench` feature only): one
//! component of the same package on every seeded asset (`bench-asset-i`,
//! from `store::directives::bench::seed_orgs`), generated in the database,
//! and the counts the benchmark checks itself with.

use sqlx::AnyConnection;

use crate::store::Result;

/// Component `pkg:npm/<name>@<version>` on assets `bench-asset-0..n`.
pub async fn seed_components(
    conn: &mut AnyConnection,
    n: u64,
    name: &str,
    version: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO components (asset_id, package_key, ecosystem, purl, name, version) \
         WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($1 AS BIGINT)) \
         SELECT 'bench-asset-' || CAST(i AS TEXT), $2, 'npm', $3, $4, $5 FROM n",
    )
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .bind(format!("pkg:npm/{name}"))
    .bind(format!("pkg:npm/{name}@{version}"))
    .bind(name)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notifications of `kind` in every inbox.
pub async fn notifications_of_kind(conn: &mut AnyConnection, kind: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = $1")
            .bind(kind)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Unresolved exposures to a vulnerability.
pub async fn open_exposures(conn: &mut AnyConnection, vuln_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM exposures WHERE vuln_id = $1 AND resolved_at IS NULL",
    )
    .bind(vuln_id)
    .fetch_one(&mut *conn)
    .await?)
}
