//! Imported advisories (keyed by publisher and the publisher's own id, the
//! domain's `Advisory::key`), their aliases, the package index of their
//! affected ranges (`affected_packages`, keyed by package identity), the
//! vulnerabilities they are grouped into (facts computed by the domain's
//! `advisory::grouping`), and the KEV and EPSS feeds (`feeds`).

pub mod embargoes;
pub mod feeds;
pub mod imports;
pub mod vuln_labels;
pub mod vuln_list;

use std::collections::HashMap;

use crate::store::fetch;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

pub use self::feeds::{KevRow, upsert_epss, upsert_kev};
pub use self::vuln_labels::vuln_readable;
use super::read_filter::{ADVISORIES, ReadFilter};
use super::{Result, StoreError, bulk_values, json_list, parse_json_list, rows_in};
use crate::model::exposure::{Advisory, AdvisoryRef, AffectedPackage, DocumentPart, Vulnerability};
use clearinghouse_domain::advisory::grouping::{self, MemberFacts};

/// Rows of `affected_packages` per insert statement (8 parameters each).
const AFFECTED_ROWS: usize = 120;

/// An advisory as stored, with what the import needs to compare.
#[derive(Debug, Clone)]
pub struct AdvisoryRow {
    pub advisory: Advisory,
    pub ssvc: Option<String>,
    pub cpes: Vec<String>,
    pub content_sha256: String,
    /// The id of `advisory.visibility` (interned).
    pub visibility_id: i64,
}

/// One `affected[]` entry in the package index.
#[derive(Debug, Clone)]
pub struct AffectedRow {
    /// The advisory's storage key.
    pub advisory_id: String,
    pub vuln_id: String,
    pub package_key: String,
    pub ecosystem: String,
    /// JSON of `Vec<OsvRange>`.
    pub ranges: String,
    /// JSON of `Vec<String>`.
    pub versions: String,
    /// JSON of `Vec<String>`: versions stated fixed.
    pub fixed: String,
    /// JSON of `Vec<String>`: versions stated not affected.
    pub not_affected: String,
}

/// One affected entry to store: package key, ecosystem, and the JSON of
/// ranges, versions, fixed and not-affected versions.
pub struct NewAffected {
    pub package_key: String,
    pub ecosystem: String,
    pub ranges: String,
    pub versions: String,
    pub fixed: String,
    pub not_affected: String,
}

const ADVISORY_COLUMNS: &str = "a.id, a.doc_id, a.publisher, a.vuln_ref, a.unmapped_products, \
     a.vuln_id, a.source, a.summary, a.details, a.published, \
     a.modified, a.withdrawn, a.cvss_vectors, a.cwes, a.ssvc, a.refs, a.cpes, a.content_sha256, \
     a.embargoed, a.tlp, a.visibility_id, av.expression";

pub(super) const ADVISORY_FROM: &str =
    "FROM advisories a JOIN visibility_labels av ON av.id = a.visibility_id";

fn advisory_from_row(r: &AnyRow, aliases: Vec<String>) -> Result<AdvisoryRow> {
    let key: String = r.try_get("id")?;
    let doc_id: String = r.try_get("doc_id")?;
    let cpes = parse_json_list(&r.try_get::<String, _>("cpes")?)?;
    Ok(AdvisoryRow {
        advisory: Advisory {
            id: if doc_id.is_empty() {
                key.clone()
            } else {
                doc_id
            },
            key,
            publisher: r.try_get("publisher")?,
            vuln_ref: r.try_get("vuln_ref")?,
            vuln_id: r.try_get("vuln_id")?,
            source: r.try_get("source")?,
            aliases,
            summary: r.try_get("summary")?,
            details: r.try_get("details")?,
            published: r.try_get("published")?,
            modified: r.try_get("modified")?,
            withdrawn: r.try_get("withdrawn")?,
            cvss_vectors: parse_json_list(&r.try_get::<String, _>("cvss_vectors")?)?,
            cwes: parse_json_list(&r.try_get::<String, _>("cwes")?)?,
            references: parse_json_list(&r.try_get::<String, _>("refs")?)?,
            embargoed: r.try_get::<i64, _>("embargoed")? != 0,
            tlp: r.try_get("tlp")?,
            visibility: r.try_get("expression")?,
            cpes: cpes.clone(),
            unmapped_products: r.try_get("unmapped_products")?,
            affected: Vec::new(),
            document_vulnerabilities: Vec::new(),
        },
        ssvc: r.try_get("ssvc")?,
        cpes,
        content_sha256: r.try_get("content_sha256")?,
        visibility_id: r.try_get("visibility_id")?,
    })
}

/// One advisory by its storage key or its publisher's own id (the first
/// by key when several publishers use the id, or a CSAF document covers
/// several vulnerabilities), only if the reader may read it (the one read
/// policy); with its affected packages and, for a CSAF document, every
/// vulnerability it covers.
pub async fn get_readable<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<AdvisoryRow>> {
    let sql = format!(
        "SELECT {ADVISORY_COLUMNS} {ADVISORY_FROM} WHERE (a.id = $3 OR a.doc_id = $3) AND {} \
         ORDER BY CASE WHEN a.id = $3 THEN 0 ELSE 1 END, a.id LIMIT 1",
        ADVISORIES.clause(filter, 1, 2)
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(id)
        .fetch_optional(db)
        .await?
    else {
        return Ok(None);
    };
    let key: String = row.try_get("id")?;
    let aliases: Vec<String> = sqlx::query_scalar(
        "SELECT alias FROM advisory_aliases WHERE advisory_id = $1 AND alias <> $1 ORDER BY alias",
    )
    .bind(&key)
    .fetch_all(db)
    .await?;
    let mut out = advisory_from_row(&row, aliases)?;
    let rows = sqlx::query(
        "SELECT p.advisory_id, a.vuln_id, p.package_key, p.ecosystem, p.ranges, p.versions, \
         p.fixed, p.not_affected FROM affected_packages p JOIN advisories a ON a.id = p.advisory_id \
         WHERE p.advisory_id = $1 ORDER BY p.idx",
    )
        .bind(&key)
        .fetch_all(db)
        .await?;
    for r in &rows {
        out.advisory
            .affected
            .push(affected_package(&affected_from_row(r)?)?);
    }
    if out.advisory.source == "csaf" {
        let parts = sqlx::query(
            "SELECT id, vuln_ref, vuln_id FROM advisories WHERE doc_id = $1 AND publisher = $2 ORDER BY id",
        )
        .bind(&out.advisory.id)
        .bind(&out.advisory.publisher)
        .fetch_all(db)
        .await?;
        for p in &parts {
            out.advisory.document_vulnerabilities.push(DocumentPart {
                key: p.try_get("id")?,
                vuln_ref: p.try_get("vuln_ref")?,
                vuln_id: p.try_get("vuln_id")?,
            });
        }
    }
    Ok(Some(out))
}

/// An affected entry as the API shows it.
pub fn affected_package(r: &AffectedRow) -> Result<AffectedPackage> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("affected_packages: {e}"));
    Ok(AffectedPackage {
        advisory_key: r.advisory_id.clone(),
        package: r.package_key.clone(),
        ecosystem: r.ecosystem.clone(),
        ranges: serde_json::from_str(&r.ranges).map_err(corrupt)?,
        versions: parse_json_list(&r.versions)?,
        fixed: parse_json_list(&r.fixed)?,
        not_affected: parse_json_list(&r.not_affected)?,
    })
}

/// Removes a CSAF row stored before advisories had publishers (migration
/// 0009: keyed by the CVE `cve`, its tracking id lost), with its aliases
/// and affected entries; returns its vulnerability, to be refreshed.
pub async fn drop_legacy_csaf(conn: &mut AnyConnection, cve: &str) -> Result<Option<String>> {
    let vuln: Option<String> = sqlx::query_scalar(
        "SELECT vuln_id FROM advisories WHERE id = $1 AND source = 'csaf' AND publisher = ''",
    )
    .bind(cve)
    .fetch_optional(&mut *conn)
    .await?;
    if vuln.is_some() {
        for sql in [
            "DELETE FROM advisory_aliases WHERE advisory_id = $1",
            "DELETE FROM affected_packages WHERE advisory_id = $1",
            "DELETE FROM advisories WHERE id = $1",
        ] {
            sqlx::query(sql).bind(cve).execute(&mut *conn).await?;
        }
    }
    Ok(vuln)
}

/// The stored digests of advisories, to skip unchanged ones on re-import.
pub async fn digests(conn: &mut AnyConnection, ids: &[String]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for r in rows_in(conn, ids, |list| {
        format!("SELECT id, content_sha256 FROM advisories WHERE id IN ({list})")
    })
    .await?
    {
        out.insert(r.try_get("id")?, r.try_get("content_sha256")?);
    }
    Ok(out)
}

/// The keys among `ids` of advisories stored under embargo.
pub async fn embargoed_keys(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for r in rows_in(conn, ids, |list| {
        format!("SELECT id FROM advisories WHERE embargoed <> 0 AND id IN ({list})")
    })
    .await?
    {
        out.insert(r.try_get("id")?);
    }
    Ok(out)
}

/// Lifts the embargo of every advisory of a vulnerability; returns how
/// many were embargoed.
pub async fn lift_embargo(conn: &mut AnyConnection, vuln_id: &str, now: &str) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE advisories SET embargoed = 0, updated_at = $2 WHERE vuln_id = $1 AND embargoed <> 0",
    )
    .bind(vuln_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Inserts or replaces an advisory (by its key) with the ids that link it
/// to its group (`group_ids`, stored as its aliases) and affected entries.
pub async fn upsert(
    conn: &mut AnyConnection,
    row: &AdvisoryRow,
    group_ids: &[String],
    affected: &[NewAffected],
    imported_by: &str,
    now: &str,
) -> Result<()> {
    let a = &row.advisory;
    sqlx::query(
        "INSERT INTO advisories (id, vuln_id, source, summary, details, published, modified, withdrawn, \
         cvss_vectors, cwes, ssvc, refs, cpes, content_sha256, embargoed, imported_by, imported_at, updated_at, \
         tlp, visibility_id, doc_id, publisher, vuln_ref, unmapped_products) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, \
         $20, $21, $22, $23) \
         ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id, source = excluded.source, \
         doc_id = excluded.doc_id, publisher = excluded.publisher, vuln_ref = excluded.vuln_ref, \
         unmapped_products = excluded.unmapped_products, \
         summary = excluded.summary, details = excluded.details, published = excluded.published, \
         modified = excluded.modified, withdrawn = excluded.withdrawn, cvss_vectors = excluded.cvss_vectors, \
         cwes = excluded.cwes, ssvc = excluded.ssvc, refs = excluded.refs, cpes = excluded.cpes, \
         content_sha256 = excluded.content_sha256, embargoed = excluded.embargoed, updated_at = excluded.updated_at, \
         tlp = excluded.tlp, visibility_id = excluded.visibility_id",
    )
    .bind(&a.key)
    .bind(&a.vuln_id)
    .bind(&a.source)
    .bind(&a.summary)
    .bind(&a.details)
    .bind(&a.published)
    .bind(&a.modified)
    .bind(&a.withdrawn)
    .bind(json_list(&a.cvss_vectors))
    .bind(json_list(&a.cwes))
    .bind(&row.ssvc)
    .bind(json_list(&a.references))
    .bind(json_list(&row.cpes))
    .bind(&row.content_sha256)
    .bind(i64::from(a.embargoed))
    .bind(imported_by)
    .bind(now)
    .bind(&a.tlp)
    .bind(row.visibility_id)
    .bind(&a.id)
    .bind(&a.publisher)
    .bind(&a.vuln_ref)
    .bind(a.unmapped_products)
    .execute(&mut *conn)
    .await?;
    for table in ["advisory_aliases", "affected_packages"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE advisory_id = $1"
        )))
        .bind(&a.key)
        .execute(&mut *conn)
        .await?;
    }
    let mut aliases: Vec<&String> = group_ids.iter().collect();
    aliases.sort();
    aliases.dedup();
    for chunk in aliases.chunks(300) {
        let sql = format!(
            "INSERT INTO advisory_aliases (alias, advisory_id) VALUES {}",
            bulk_values(conn, chunk.len(), 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for alias in chunk {
            q = q.bind(*alias).bind(&a.key);
        }
        q.execute(&mut *conn).await?;
    }
    for (chunk_no, chunk) in affected.chunks(AFFECTED_ROWS).enumerate() {
        let sql = format!(
            "INSERT INTO affected_packages (advisory_id, idx, package_key, ecosystem, ranges, versions, \
             fixed, not_affected) VALUES {}",
            bulk_values(conn, chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, e) in chunk.iter().enumerate() {
            q = q
                .bind(&a.key)
                .bind((chunk_no * AFFECTED_ROWS + i) as i64)
                .bind(&e.package_key)
                .bind(&e.ecosystem)
                .bind(&e.ranges)
                .bind(&e.versions)
                .bind(&e.fixed)
                .bind(&e.not_affected);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The vulnerability groups that already hold any of `ids` as an alias.
pub async fn groups_holding(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<String>> {
    let rows = rows_in(conn, ids, |list| {
        format!(
            "SELECT DISTINCT a.vuln_id FROM advisory_aliases al JOIN advisories a \
             ON a.id = al.advisory_id WHERE al.alias IN ({list})"
        )
    })
    .await?;
    let mut out = rows
        .iter()
        .map(|r| r.try_get("vuln_id"))
        .collect::<std::result::Result<Vec<String>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every alias of the advisories in a group. `CROSS JOIN` fixes SQLite's
/// join order (PostgreSQL reorders it freely): the group's advisories by
/// `advisories_vuln`, then their aliases, never a walk of every alias in
/// alias order to save the sort, which misleading statistics can choose.
pub async fn group_aliases(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT al.alias FROM advisories a CROSS JOIN advisory_aliases al \
         WHERE al.advisory_id = a.id AND a.vuln_id = $1 ORDER BY al.alias",
    )
    .bind(vuln_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Moves every advisory, exposure, notification and CHX record of group
/// `from` into group `to`. An exposure that exists in both groups for the
/// same component keeps the one of `to`.
pub async fn merge_group(conn: &mut AnyConnection, from: &str, to: &str) -> Result<()> {
    sqlx::query("UPDATE advisories SET vuln_id = $2 WHERE vuln_id = $1")
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM exposures WHERE vuln_id = $1 AND EXISTS (SELECT 1 FROM exposures e2 \
         WHERE e2.vuln_id = $2 AND e2.asset_id = exposures.asset_id AND e2.component_key = exposures.component_key)",
    )
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    for sql in [
        "UPDATE exposures SET vuln_id = $2 WHERE vuln_id = $1",
        "UPDATE notifications SET vuln_id = $2 WHERE vuln_id = $1",
        "UPDATE chx_vulnerabilities SET vuln_id = $2 WHERE vuln_id = $1",
    ] {
        sqlx::query(sql)
            .bind(from)
            .bind(to)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM vulnerabilities WHERE id = $1")
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn affected_from_row(r: &AnyRow) -> Result<AffectedRow> {
    Ok(from_columns!(r => AffectedRow {
        advisory_id, vuln_id, package_key, ecosystem, ranges, versions, fixed, not_affected,
    }))
}

const AFFECTED_SELECT: &str = "SELECT p.advisory_id, a.vuln_id, p.package_key, p.ecosystem, p.ranges, \
     p.versions, p.fixed, p.not_affected FROM affected_packages p JOIN advisories a ON a.id = p.advisory_id \
     WHERE a.withdrawn IS NULL";

/// The affected entries of every advisory of one vulnerability.
pub async fn affected_of_vuln(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<AffectedRow>> {
    let sql = format!("{AFFECTED_SELECT} AND a.vuln_id = $1 ORDER BY p.advisory_id, p.idx");
    fetch::all(&mut *conn, sql, &[&vuln_id], affected_from_row).await
}

/// The affected entries naming any of the package identities `keys`.
pub async fn affected_with_keys(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<Vec<AffectedRow>> {
    let mut out = Vec::new();
    for r in rows_in(conn, keys, |list| {
        format!("{AFFECTED_SELECT} AND p.package_key IN ({list}) ORDER BY p.advisory_id, p.idx")
    })
    .await?
    {
        out.push(affected_from_row(&r)?);
    }
    Ok(out)
}

/// Every affected entry: the whole package index, for a full match.
pub async fn all_affected<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<Vec<AffectedRow>> {
    let sql = format!("{AFFECTED_SELECT} ORDER BY p.advisory_id, p.idx");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db).await?;
    rows.iter().map(affected_from_row).collect()
}

/// Recomputes a vulnerability's row from its advisories and the KEV and
/// EPSS entries of its CVE aliases (the domain's `grouping::group_facts`).
/// Removes the row when no advisory is left.
pub async fn refresh_vulnerability(
    conn: &mut AnyConnection,
    vuln_id: &str,
    now: &str,
) -> Result<()> {
    let sql =
        format!("SELECT {ADVISORY_COLUMNS} {ADVISORY_FROM} WHERE a.vuln_id = $1 ORDER BY a.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(vuln_id)
        .fetch_all(&mut *conn)
        .await?;
    let members = rows
        .iter()
        .map(|r| {
            let row = advisory_from_row(r, Vec::new())?;
            let a = row.advisory;
            Ok(MemberFacts {
                key: a.key,
                id: a.id,
                publisher: a.publisher,
                source: a.source,
                summary: a.summary,
                details: a.details,
                published: a.published,
                withdrawn: a.withdrawn,
                cvss_vectors: a.cvss_vectors,
                cwes: a.cwes,
                ssvc: row.ssvc,
                embargoed: a.embargoed,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let aliases = group_aliases(conn, vuln_id).await?;
    let cves: Vec<String> = aliases
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    let kev = feeds::kev_of(conn, &cves).await?;
    let epss = feeds::epss_of(conn, &cves).await?;
    let Some(f) = grouping::group_facts(&members, &kev, &epss) else {
        sqlx::query("DELETE FROM vulnerabilities WHERE id = $1")
            .bind(vuln_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    };
    let sources = serde_json::to_string(&f.sources)
        .map_err(|e| StoreError::Corrupt(format!("fact sources: {e}")))?;
    sqlx::query(
        "INSERT INTO vulnerabilities (id, aliases, summary, cvss_vectors, cwes, ssvc, published, in_kev, \
         kev_due_date, kev_ransomware, epss, epss_percentile, embargoed, withdrawn, updated_at, details, \
         fact_sources) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CAST($11 AS DOUBLE PRECISION), \
         CAST($12 AS DOUBLE PRECISION), $13, $14, $15, $16, $17) ON CONFLICT (id) DO UPDATE SET aliases = excluded.aliases, summary = excluded.summary, \
         cvss_vectors = excluded.cvss_vectors, cwes = excluded.cwes, ssvc = excluded.ssvc, \
         published = excluded.published, in_kev = excluded.in_kev, kev_due_date = excluded.kev_due_date, \
         kev_ransomware = excluded.kev_ransomware, epss = excluded.epss, epss_percentile = excluded.epss_percentile, \
         embargoed = excluded.embargoed, withdrawn = excluded.withdrawn, updated_at = excluded.updated_at, \
         details = excluded.details, fact_sources = excluded.fact_sources",
    )
    .bind(vuln_id)
    .bind(json_list(&aliases))
    .bind(f.summary)
    .bind(json_list(&f.cvss_vectors))
    .bind(json_list(&f.cwes))
    .bind(f.ssvc)
    .bind(f.published)
    .bind(i64::from(f.in_kev))
    .bind(f.kev_due_date)
    .bind(i64::from(f.kev_ransomware))
    // As text: the `Any` driver binds a NULL f64 with no type, and
    // PostgreSQL's cached statement then rejects a later binary float.
    .bind(f.epss.map(|(e, _)| e.to_string()))
    .bind(f.epss.map(|(_, p)| p.to_string()))
    .bind(i64::from(f.embargoed))
    .bind(f.withdrawn)
    .bind(now)
    .bind(f.details)
    .bind(sources)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VULN_COLUMNS: &str = "id, aliases, summary, cvss_vectors, cwes, ssvc, in_kev, kev_due_date, \
     kev_ransomware, epss, epss_percentile, embargoed, withdrawn, updated_at, details, fact_sources";

fn vuln_from_row(r: &AnyRow) -> Result<Vulnerability> {
    let ssvc: Option<String> = r.try_get("ssvc")?;
    Ok(Vulnerability {
        id: r.try_get("id")?,
        aliases: parse_json_list(&r.try_get::<String, _>("aliases")?)?,
        summary: r.try_get("summary")?,
        cvss_vectors: parse_json_list(&r.try_get::<String, _>("cvss_vectors")?)?,
        cwes: parse_json_list(&r.try_get::<String, _>("cwes")?)?,
        ssvc: ssvc.and_then(|s| serde_json::from_str(&s).ok()),
        in_kev: r.try_get::<i64, _>("in_kev")? != 0,
        kev_due_date: r.try_get("kev_due_date")?,
        kev_ransomware: r.try_get::<i64, _>("kev_ransomware")? != 0,
        epss: r.try_get("epss")?,
        epss_percentile: r.try_get("epss_percentile")?,
        embargoed: r.try_get::<i64, _>("embargoed")? != 0,
        withdrawn: r.try_get("withdrawn")?,
        updated_at: r.try_get("updated_at")?,
        advisories: Vec::new(),
        advisory_refs: Vec::new(),
        details: r.try_get("details")?,
        fact_sources: serde_json::from_str(&r.try_get::<String, _>("fact_sources")?)
            .unwrap_or(serde_json::Value::Null),
        tlp: "CLEAR".to_owned(),
        visibility: String::new(),
    })
}

/// Vulnerabilities by id, with their advisories' ids.
pub async fn vulnerabilities(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vulnerability>> {
    let mut out = HashMap::new();
    for r in rows_in(conn, ids, |list| {
        format!("SELECT {VULN_COLUMNS} FROM vulnerabilities WHERE id IN ({list})")
    })
    .await?
    {
        let v = vuln_from_row(&r)?;
        out.insert(v.id.clone(), v);
    }
    for r in rows_in(conn, ids, |list| {
        format!(
            "SELECT id, doc_id, publisher, source, vuln_ref, summary, withdrawn, unmapped_products, \
             cpes, vuln_id FROM advisories WHERE vuln_id IN ({list}) ORDER BY id"
        )
    })
    .await?
    {
        let vuln_id: String = r.try_get("vuln_id")?;
        let Some(v) = out.get_mut(&vuln_id) else {
            continue;
        };
        let key: String = r.try_get("id")?;
        let doc_id: String = r.try_get("doc_id")?;
        let id = if doc_id.is_empty() { key.clone() } else { doc_id };
        if !v.advisories.contains(&id) {
            v.advisories.push(id.clone());
        }
        v.advisory_refs.push(AdvisoryRef {
            key,
            id,
            publisher: r.try_get("publisher")?,
            source: r.try_get("source")?,
            vuln_ref: r.try_get("vuln_ref")?,
            summary: r.try_get("summary")?,
            withdrawn: r.try_get("withdrawn")?,
            unmapped_products: r.try_get("unmapped_products")?,
            cpes: parse_json_list(&r.try_get::<String, _>("cpes")?)?,
        });
    }
    self::vuln_labels::fill(conn, ids, &mut out).await?;
    Ok(out)
}

/// The vulnerability each of `aliases` belongs to (those that belong to one).
pub async fn vuln_ids_for(
    conn: &mut AnyConnection,
    aliases: &[String],
) -> Result<HashMap<String, String>> {
    let rows = rows_in(conn, aliases, |list| {
        format!(
            "SELECT al.alias, MIN(a.vuln_id) AS vuln_id FROM advisory_aliases al \
             JOIN advisories a ON a.id = al.advisory_id WHERE al.alias IN ({list}) GROUP BY al.alias"
        )
    })
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("alias")?, r.try_get("vuln_id")?)))
        .collect()
}

/// The vulnerability a given id or alias, or an advisory's storage key
/// (`kev:CVE-...`, what audit entries name), belongs to.
pub async fn vuln_id_for<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_or_alias: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT vuln_id FROM (SELECT a.vuln_id FROM advisory_aliases al \
         JOIN advisories a ON a.id = al.advisory_id WHERE al.alias = $1 \
         UNION SELECT vuln_id FROM advisories WHERE id = $1) AS found \
         ORDER BY vuln_id LIMIT 1",
    )
    .bind(id_or_alias)
    .fetch_optional(db)
    .await?)
}
