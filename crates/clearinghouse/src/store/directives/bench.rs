//! `bench directives`' SQL (built with the `bench` feature only): seeding
//! organisations, assets, components and exposures by the million with
//! `INSERT ... WITH RECURSIVE` (portable to SQLite and PostgreSQL, no rows
//! through the client), a few thousand vulnerabilities with bound values,
//! and the baseline: reading every exposure row.

use sqlx::{AnyConnection, Row};

use crate::store::{Result, bulk_values};

/// The ids the seed gives (the generator counts with the same rules).
pub fn org_id(i: u64) -> String {
    format!("bench-org-{i}")
}

/// Organisations `bench-org-0..n` (`government_agency`), one asset each.
pub async fn seed_orgs(conn: &mut AnyConnection, n: u64, now: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, sector, vetted, trusted_partner, created_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($1 AS BIGINT)) \
         SELECT 'bench-org-' || CAST(i AS TEXT), 'Agency ' || CAST(i AS TEXT), 'government_agency', \
         NULL, 0, 0, $2 FROM n",
    )
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO assets (id, org_id, name, owner, description, publicly_exposed, mission_impact, \
         created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($1 AS BIGINT)) \
         SELECT 'bench-asset-' || CAST(i AS TEXT), 'bench-org-' || CAST(i AS TEXT), 'systems', \
         'it', '', 0, 'medium', $2, $3 FROM n",
    )
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One generated vulnerability.
pub struct BenchVuln {
    pub id: String,
    pub cvss_vectors: String,
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
}

/// Vulnerabilities, each with one public (TLP:CLEAR) advisory.
pub async fn seed_vulns(conn: &mut AnyConnection, vulns: &[BenchVuln], now: &str) -> Result<()> {
    for chunk in vulns.chunks(100) {
        let sql = format!(
            "INSERT INTO vulnerabilities (id, aliases, summary, cvss_vectors, cwes, in_kev, \
             kev_due_date, updated_at) VALUES {}",
            bulk_values(conn, chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q
                .bind(v.id.as_str())
                .bind("[]")
                .bind("generated")
                .bind(v.cvss_vectors.as_str())
                .bind("[]")
                .bind(i64::from(v.in_kev))
                .bind(v.kev_due_date.as_deref())
                .bind(now);
        }
        q.execute(&mut *conn).await?;
        let sql = format!(
            "INSERT INTO advisories (id, vuln_id, source, summary, details, cvss_vectors, cwes, \
             refs, cpes, content_sha256, imported_by, imported_at, updated_at) VALUES {}",
            bulk_values(conn, chunk.len(), 13)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q
                .bind(format!("adv-{}", v.id))
                .bind(v.id.as_str())
                .bind("osv")
                .bind("generated")
                .bind("")
                .bind(v.cvss_vectors.as_str())
                .bind("[]")
                .bind("[]")
                .bind("[]")
                .bind("")
                .bind("bench")
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Components and exposures `from..to`: exposure `i` belongs to
/// organisation `i / per_org` (its asset), concerns vulnerability
/// `vuln_ids[(i * 7919) % len]` (`vuln_ids` are `CVE-2026-` + 5 digits of
/// the index: the SQL rebuilds the id), and is `patched` (resolved a month
/// after first seen) when `i % 10 = 0`, else `open`.
pub async fn seed_exposures(
    conn: &mut AnyConnection,
    from: u64,
    to: u64,
    per_org: u64,
    vulns: u64,
) -> Result<()> {
    let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO components (asset_id, package_key, ecosystem, purl, name, version) \
         WITH RECURSIVE n(i) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($2 AS BIGINT)) \
         SELECT 'bench-asset-' || CAST(i / $3 AS TEXT), 'npm/pkg-' || CAST(i % $4 AS TEXT), 'npm', \
         'pkg:npm/pkg-' || CAST(i % $5 AS TEXT) || '@1.0.0', 'pkg-' || CAST(i % $6 AS TEXT), '1.0.0' FROM n",
    )
    .bind(int(from))
    .bind(int(to))
    .bind(int(per_org))
    .bind(int(per_org))
    .bind(int(per_org))
    .bind(int(per_org))
    .execute(&mut *conn)
    .await?;
    // Exposure ids of hex digits and dashes, as the API's cursors (which
    // carry ids) must be.
    sqlx::query(
        "INSERT INTO exposures (id, org_id, asset_id, component_key, component_name, \
         component_version, component_purl, vuln_id, advisory_id, decision, reason, priority_rank, \
         ssvc_decision, deadline, state, first_seen, updated_at, resolved_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($2 AS BIGINT)), \
         m(i, v) AS (SELECT i, (i * 7919) % $3 FROM n) \
         SELECT 'e0-' || CAST(i AS TEXT), 'bench-org-' || CAST(i / $4 AS TEXT), \
         'bench-asset-' || CAST(i / $5 AS TEXT), 'npm/pkg-' || CAST(i % $6 AS TEXT), \
         'pkg-' || CAST(i % $7 AS TEXT), '1.0.0', NULL, \
         'CVE-2026-' || CAST(10000 + v AS TEXT), 'adv-CVE-2026-' || CAST(10000 + v AS TEXT), \
         'affected', 'generated', 0, 'track', '', \
         CASE WHEN i % 10 = 0 THEN 'patched' ELSE 'open' END, \
         '2026-01-01T00:00:00.000000Z', \
         CASE WHEN i % 10 = 0 THEN '2026-02-01T00:00:00.000000Z' ELSE '2026-01-01T00:00:00.000000Z' END, \
         CASE WHEN i % 10 = 0 THEN '2026-02-01T00:00:00.000000Z' ELSE NULL END FROM m",
    )
    .bind(int(from))
    .bind(int(to))
    .bind(int(vulns))
    .bind(int(per_org))
    .bind(int(per_org))
    .bind(int(per_org))
    .bind(int(per_org))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The baseline: every exposure row read (the columns an obligation
/// reads from it), decoded and dropped; returns how many.
pub async fn read_exposures(conn: &mut AnyConnection) -> Result<u64> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT id, org_id, asset_id, component_name, component_version, vuln_id, ssvc_decision, \
         deadline, state, accepted_until, first_seen, updated_at, resolved_at FROM exposures",
    )
    .fetch(&mut *conn);
    let mut n = 0u64;
    while let Some(r) = rows.try_next().await? {
        for i in 0..13 {
            let v: Option<String> = r.try_get(i)?;
            std::hint::black_box(v);
        }
        n += 1;
    }
    Ok(n)
}

/// The figures of `from` copied to the earlier day `to` with every
/// seventh organisation one overdue obligation better off, so "since
/// yesterday" has a previous day and organisations that moved, as the
/// daily job leaves them.
pub async fn copy_day(
    conn: &mut AnyConnection,
    directive_id: &str,
    from: &str,
    to: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO directive_compliance_days (directive_id, day, org_id, action_key, version, \
         total, on_time, overdue, excepted, satisfied, days_hist, computed_at) \
         SELECT directive_id, $1, org_id, action_key, version, total, \
         CASE WHEN org_id LIKE '%7' AND overdue > 0 THEN on_time + 1 ELSE on_time END, \
         CASE WHEN org_id LIKE '%7' AND overdue > 0 THEN overdue - 1 ELSE overdue END, \
         excepted, satisfied, days_hist, computed_at \
         FROM directive_compliance_days WHERE directive_id = $2 AND day = $3",
    )
    .bind(to)
    .bind(directive_id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO directive_compliance_orgs (directive_id, day, org_id, version, total, \
         on_time, overdue, excepted, satisfied, score, median_days, computed_at) \
         SELECT directive_id, $1, org_id, version, total, \
         CASE WHEN org_id LIKE '%7' AND overdue > 0 THEN on_time + 1 ELSE on_time END, \
         CASE WHEN org_id LIKE '%7' AND overdue > 0 THEN overdue - 1 ELSE overdue END, \
         excepted, satisfied, score, median_days, computed_at \
         FROM directive_compliance_orgs WHERE directive_id = $2 AND day = $3",
    )
    .bind(to)
    .bind(directive_id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO directive_compliance_actions (directive_id, day, action_key, version, total, \
         on_time, overdue, excepted, satisfied, days_hist, computed_at) \
         SELECT directive_id, $1, action_key, version, total, on_time, overdue, excepted, \
         satisfied, days_hist, computed_at FROM directive_compliance_actions \
         WHERE directive_id = $2 AND day = $3",
    )
    .bind(to)
    .bind(directive_id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO directive_compliance_runs (directive_id, day, version, orgs, total, on_time, \
         overdue, excepted, satisfied, days_hist, computed_at, detailed) \
         SELECT directive_id, $1, version, orgs, total, on_time, overdue, excepted, satisfied, \
         days_hist, computed_at, detailed FROM directive_compliance_runs \
         WHERE directive_id = $2 AND day = $3",
    )
    .bind(to)
    .bind(directive_id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
