//! The KEV and EPSS feeds as stored: upserts that return which CVEs changed,
//! and the entries of a vulnerability's CVE aliases for its facts.

use std::collections::HashMap;

use clearinghouse_domain::advisory::grouping::{EpssFacts, KevFacts};
use sqlx::{AnyConnection, Row};

use crate::model::exposure::KevEntry;
use crate::store::{Result, bulk_values, rows_in};

/// The KEV entries of `cves`.
pub async fn kev_of(conn: &mut AnyConnection, cves: &[String]) -> Result<Vec<KevFacts>> {
    let mut out = Vec::new();
    for r in rows_in(conn, cves, |list| {
        format!(
            "SELECT cve_id, due_date, known_ransomware FROM kev_entries WHERE cve_id IN ({list}) \
             ORDER BY cve_id"
        )
    })
    .await?
    {
        out.push(KevFacts {
            cve_id: r.try_get("cve_id")?,
            due_date: r.try_get("due_date")?,
            known_ransomware: r.try_get::<i64, _>("known_ransomware")? != 0,
        });
    }
    Ok(out)
}

/// The EPSS scores of `cves`.
pub async fn epss_of(conn: &mut AnyConnection, cves: &[String]) -> Result<Vec<EpssFacts>> {
    let mut out = Vec::new();
    for r in rows_in(conn, cves, |list| {
        format!(
            "SELECT cve_id, probability, percentile, score_date FROM epss_scores \
             WHERE cve_id IN ({list}) ORDER BY cve_id"
        )
    })
    .await?
    {
        out.push(EpssFacts {
            cve_id: r.try_get("cve_id")?,
            probability: r.try_get("probability")?,
            percentile: r.try_get("percentile")?,
            score_date: r.try_get("score_date")?,
        });
    }
    Ok(out)
}

/// The full KEV entries of `cves`.
pub async fn kev_entries(conn: &mut AnyConnection, cves: &[String]) -> Result<Vec<KevEntry>> {
    let mut out = Vec::new();
    for r in rows_in(conn, cves, |list| {
        format!(
            "SELECT cve_id, vendor, product, name, date_added, due_date, known_ransomware, \
             required_action FROM kev_entries WHERE cve_id IN ({list}) ORDER BY cve_id"
        )
    })
    .await?
    {
        out.push(KevEntry {
            cve_id: r.try_get("cve_id")?,
            vendor: r.try_get("vendor")?,
            product: r.try_get("product")?,
            name: r.try_get("name")?,
            date_added: r.try_get("date_added")?,
            due_date: r.try_get("due_date")?,
            known_ransomware: r.try_get::<i64, _>("known_ransomware")? != 0,
            required_action: r.try_get("required_action")?,
        });
    }
    Ok(out)
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
            bulk_values(conn, chunk.len(), 8)
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
            bulk_values(conn, chunk.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (cve, p, pct) in chunk {
            q = q.bind(cve).bind(*p).bind(*pct).bind(score_date);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(changed.iter().map(|(c, _, _)| c.clone()).collect())
}
