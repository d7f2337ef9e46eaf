//! Imported advisories, their aliases, the package index of their affected
//! ranges (`affected_packages`, keyed by package identity), the
//! vulnerabilities they are grouped into, and the KEV and EPSS feeds.

pub mod vuln_labels;

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

pub use self::vuln_labels::vuln_readable;
use super::read_filter::{ADVISORIES, ReadFilter};
use super::{Result, json_list, parse_json_list, rows_in, values_params};
use crate::model::exposure::{Advisory, Vulnerability};

/// Rows of `affected_packages` per insert statement (6 parameters each).
const AFFECTED_ROWS: usize = 150;

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
    pub advisory_id: String,
    pub vuln_id: String,
    pub package_key: String,
    pub ecosystem: String,
    /// JSON of `Vec<OsvRange>`.
    pub ranges: String,
    /// JSON of `Vec<String>`.
    pub versions: String,
}

const ADVISORY_COLUMNS: &str = "a.id, a.vuln_id, a.source, a.summary, a.details, a.published, \
     a.modified, a.withdrawn, a.cvss_vectors, a.cwes, a.ssvc, a.refs, a.cpes, a.content_sha256, \
     a.embargoed, a.tlp, a.visibility_id, av.expression";

pub(super) const ADVISORY_FROM: &str =
    "FROM advisories a JOIN visibility_labels av ON av.id = a.visibility_id";

fn advisory_from_row(r: &AnyRow, aliases: Vec<String>) -> Result<AdvisoryRow> {
    Ok(AdvisoryRow {
        advisory: Advisory {
            id: r.try_get("id")?,
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
        },
        ssvc: r.try_get("ssvc")?,
        cpes: parse_json_list(&r.try_get::<String, _>("cpes")?)?,
        content_sha256: r.try_get("content_sha256")?,
        visibility_id: r.try_get("visibility_id")?,
    })
}

/// One advisory, only if the reader may read it (the one read policy).
pub async fn get_readable<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<AdvisoryRow>> {
    let sql = format!(
        "SELECT {ADVISORY_COLUMNS} {ADVISORY_FROM} WHERE a.id = $3 AND {}",
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
    let aliases: Vec<String> = sqlx::query_scalar(
        "SELECT alias FROM advisory_aliases WHERE advisory_id = $1 AND alias <> $1 ORDER BY alias",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    advisory_from_row(&row, aliases).map(Some)
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

/// Inserts or replaces an advisory with its aliases (its own id included)
/// and affected entries.
pub async fn upsert(
    conn: &mut AnyConnection,
    row: &AdvisoryRow,
    affected: &[(String, String, String, String)],
    imported_by: &str,
    now: &str,
) -> Result<()> {
    let a = &row.advisory;
    sqlx::query(
        "INSERT INTO advisories (id, vuln_id, source, summary, details, published, modified, withdrawn, \
         cvss_vectors, cwes, ssvc, refs, cpes, content_sha256, embargoed, imported_by, imported_at, updated_at, \
         tlp, visibility_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19) \
         ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id, source = excluded.source, \
         summary = excluded.summary, details = excluded.details, published = excluded.published, \
         modified = excluded.modified, withdrawn = excluded.withdrawn, cvss_vectors = excluded.cvss_vectors, \
         cwes = excluded.cwes, ssvc = excluded.ssvc, refs = excluded.refs, cpes = excluded.cpes, \
         content_sha256 = excluded.content_sha256, embargoed = excluded.embargoed, updated_at = excluded.updated_at, \
         tlp = excluded.tlp, visibility_id = excluded.visibility_id",
    )
    .bind(&a.id)
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
    .execute(&mut *conn)
    .await?;
    for table in ["advisory_aliases", "affected_packages"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE advisory_id = $1"
        )))
        .bind(&a.id)
        .execute(&mut *conn)
        .await?;
    }
    let mut aliases: Vec<&String> = a.aliases.iter().chain(std::iter::once(&a.id)).collect();
    aliases.sort();
    aliases.dedup();
    for chunk in aliases.chunks(300) {
        let sql = format!(
            "INSERT INTO advisory_aliases (alias, advisory_id) VALUES {}",
            values_params(chunk.len(), 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for alias in chunk {
            q = q.bind(*alias).bind(&a.id);
        }
        q.execute(&mut *conn).await?;
    }
    for (chunk_no, chunk) in affected.chunks(AFFECTED_ROWS).enumerate() {
        let sql = format!(
            "INSERT INTO affected_packages (advisory_id, idx, package_key, ecosystem, ranges, versions) VALUES {}",
            values_params(chunk.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, (key, eco, ranges, versions)) in chunk.iter().enumerate() {
            q = q
                .bind(&a.id)
                .bind((chunk_no * AFFECTED_ROWS + i) as i64)
                .bind(key)
                .bind(eco)
                .bind(ranges)
                .bind(versions);
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

/// Every alias of the advisories in a group.
pub async fn group_aliases(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT al.alias FROM advisory_aliases al JOIN advisories a ON a.id = al.advisory_id \
         WHERE a.vuln_id = $1 ORDER BY al.alias",
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
    Ok(AffectedRow {
        advisory_id: r.try_get("advisory_id")?,
        vuln_id: r.try_get("vuln_id")?,
        package_key: r.try_get("package_key")?,
        ecosystem: r.try_get("ecosystem")?,
        ranges: r.try_get("ranges")?,
        versions: r.try_get("versions")?,
    })
}

const AFFECTED_SELECT: &str = "SELECT p.advisory_id, a.vuln_id, p.package_key, p.ecosystem, p.ranges, \
     p.versions FROM affected_packages p JOIN advisories a ON a.id = p.advisory_id \
     WHERE a.withdrawn IS NULL";

/// The affected entries of every advisory of one vulnerability.
pub async fn affected_of_vuln(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<AffectedRow>> {
    let sql = format!("{AFFECTED_SELECT} AND a.vuln_id = $1 ORDER BY p.advisory_id, p.idx");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(vuln_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(affected_from_row).collect()
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
/// EPSS entries of its CVE aliases. Removes the row when no advisory is left.
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
    let advisories = rows
        .iter()
        .map(|r| advisory_from_row(r, Vec::new()))
        .collect::<Result<Vec<_>>>()?;
    if advisories.is_empty() {
        sqlx::query("DELETE FROM vulnerabilities WHERE id = $1")
            .bind(vuln_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let aliases = group_aliases(conn, vuln_id).await?;
    let mut vectors = Vec::new();
    let mut cwes = Vec::new();
    for a in &advisories {
        vectors.extend(a.advisory.cvss_vectors.iter().cloned());
        cwes.extend(a.advisory.cwes.iter().cloned());
    }
    vectors.sort();
    vectors.dedup();
    cwes.sort();
    cwes.dedup();
    // The CVE record's summary is the most neutral; else the first one.
    let summary = advisories
        .iter()
        .filter(|a| !a.advisory.summary.is_empty())
        .min_by_key(|a| (a.advisory.source != "cve", a.advisory.id.clone()))
        .map(|a| a.advisory.summary.clone())
        .unwrap_or_default();
    let ssvc = advisories.iter().find_map(|a| a.ssvc.clone());
    let published = advisories
        .iter()
        .filter_map(|a| a.advisory.published.clone())
        .min();
    let embargoed = advisories.iter().all(|a| a.advisory.embargoed);
    let withdrawn = if advisories.iter().all(|a| a.advisory.withdrawn.is_some()) {
        advisories
            .iter()
            .filter_map(|a| a.advisory.withdrawn.clone())
            .max()
    } else {
        None
    };
    let cves: Vec<String> = aliases
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    let (mut in_kev, mut kev_due, mut ransomware) = (false, None::<String>, false);
    for r in rows_in(conn, &cves, |list| {
        format!("SELECT due_date, known_ransomware FROM kev_entries WHERE cve_id IN ({list})")
    })
    .await?
    {
        in_kev = true;
        let due: String = r.try_get("due_date")?;
        if kev_due.as_ref().is_none_or(|d| due < *d) {
            kev_due = Some(due);
        }
        ransomware |= r.try_get::<i64, _>("known_ransomware")? != 0;
    }
    let (mut epss, mut pct) = (None::<f64>, None::<f64>);
    for r in rows_in(conn, &cves, |list| {
        format!("SELECT probability, percentile FROM epss_scores WHERE cve_id IN ({list})")
    })
    .await?
    {
        let p: f64 = r.try_get("probability")?;
        if epss.is_none_or(|e| p > e) {
            epss = Some(p);
            pct = Some(r.try_get("percentile")?);
        }
    }
    sqlx::query(
        "INSERT INTO vulnerabilities (id, aliases, summary, cvss_vectors, cwes, ssvc, published, in_kev, \
         kev_due_date, kev_ransomware, epss, epss_percentile, embargoed, withdrawn, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CAST($11 AS DOUBLE PRECISION), \
         CAST($12 AS DOUBLE PRECISION), $13, $14, $15) ON CONFLICT (id) DO UPDATE SET aliases = excluded.aliases, summary = excluded.summary, \
         cvss_vectors = excluded.cvss_vectors, cwes = excluded.cwes, ssvc = excluded.ssvc, \
         published = excluded.published, in_kev = excluded.in_kev, kev_due_date = excluded.kev_due_date, \
         kev_ransomware = excluded.kev_ransomware, epss = excluded.epss, epss_percentile = excluded.epss_percentile, \
         embargoed = excluded.embargoed, withdrawn = excluded.withdrawn, updated_at = excluded.updated_at",
    )
    .bind(vuln_id)
    .bind(json_list(&aliases))
    .bind(summary)
    .bind(json_list(&vectors))
    .bind(json_list(&cwes))
    .bind(ssvc)
    .bind(published)
    .bind(i64::from(in_kev))
    .bind(kev_due)
    .bind(i64::from(ransomware))
    // As text: the `Any` driver binds a NULL f64 with no type, and
    // PostgreSQL's cached statement then rejects a later binary float.
    .bind(epss.map(|e| e.to_string()))
    .bind(pct.map(|p| p.to_string()))
    .bind(i64::from(embargoed))
    .bind(withdrawn)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VULN_COLUMNS: &str = "id, aliases, summary, cvss_vectors, cwes, ssvc, in_kev, kev_due_date, \
     kev_ransomware, epss, epss_percentile, embargoed, withdrawn, updated_at";

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
        format!("SELECT id, vuln_id FROM advisories WHERE vuln_id IN ({list}) ORDER BY id")
    })
    .await?
    {
        let vuln_id: String = r.try_get("vuln_id")?;
        if let Some(v) = out.get_mut(&vuln_id) {
            v.advisories.push(r.try_get("id")?);
        }
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

/// The vulnerability a given id or alias belongs to.
pub async fn vuln_id_for<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id_or_alias: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT a.vuln_id FROM advisory_aliases al JOIN advisories a ON a.id = al.advisory_id \
         WHERE al.alias = $1 ORDER BY a.vuln_id LIMIT 1",
    )
    .bind(id_or_alias)
    .fetch_optional(db)
    .await?)
}

/// A KEV entry as stored.
pub struct KevRow<'a> {
    pub cve_id: &'a str,
    pub vendor: &'a str,
    pub product: &'a str,
    pub name: &'a str,
    pub date_added: &'a str,
    pub due_date: &'a str,
    pub known_ransomware: bool,
    pub required_action: &'a str,
}

/// Upserts KEV entries; returns the CVE ids whose entry is new or changed.
pub async fn upsert_kev(conn: &mut AnyConnection, rows: &[KevRow<'_>]) -> Result<Vec<String>> {
    let mut existing: HashMap<String, (String, i64)> = HashMap::new();
    for r in sqlx::query("SELECT cve_id, due_date, known_ransomware FROM kev_entries")
        .fetch_all(&mut *conn)
        .await?
    {
        existing.insert(
            r.try_get("cve_id")?,
            (r.try_get("due_date")?, r.try_get("known_ransomware")?),
        );
    }
    let changed: Vec<&KevRow<'_>> = rows
        .iter()
        .filter(|k| {
            existing
                .get(k.cve_id)
                .is_none_or(|(due, rw)| due != k.due_date || (*rw != 0) != k.known_ransomware)
        })
        .collect();
    for chunk in changed.chunks(100) {
        let sql = format!(
            "INSERT INTO kev_entries (cve_id, vendor, product, name, date_added, due_date, known_ransomware, \
             required_action) VALUES {} ON CONFLICT (cve_id) DO UPDATE SET vendor = excluded.vendor, \
             product = excluded.product, name = excluded.name, date_added = excluded.date_added, \
             due_date = excluded.due_date, known_ransomware = excluded.known_ransomware, \
             required_action = excluded.required_action",
            values_params(chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for k in chunk {
            q = q
                .bind(k.cve_id)
                .bind(k.vendor)
                .bind(k.product)
                .bind(k.name)
                .bind(k.date_added)
                .bind(k.due_date)
                .bind(i64::from(k.known_ransomware))
                .bind(k.required_action);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(changed.iter().map(|k| k.cve_id.to_owned()).collect())
}

/// Upserts EPSS scores; returns the CVE ids whose score changed.
pub async fn upsert_epss(
    conn: &mut AnyConnection,
    rows: &[(String, f64, f64)],
    score_date: Option<&str>,
) -> Result<Vec<String>> {
    let mut existing: HashMap<String, f64> = HashMap::new();
    for r in sqlx::query("SELECT cve_id, probability FROM epss_scores")
        .fetch_all(&mut *conn)
        .await?
    {
        existing.insert(r.try_get("cve_id")?, r.try_get("probability")?);
    }
    let changed: Vec<&(String, f64, f64)> = rows
        .iter()
        .filter(|(cve, p, _)| existing.get(cve).is_none_or(|old| (old - p).abs() > 1e-9))
        .collect();
    for chunk in changed.chunks(200) {
        let sql = format!(
            "INSERT INTO epss_scores (cve_id, probability, percentile, score_date) VALUES {} \
             ON CONFLICT (cve_id) DO UPDATE SET probability = excluded.probability, \
             percentile = excluded.percentile, score_date = excluded.score_date",
            values_params(chunk.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (cve, p, pct) in chunk {
            q = q.bind(cve).bind(*p).bind(*pct).bind(score_date);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(changed.iter().map(|(c, _, _)| c.clone()).collect())
}
