//! Embargoed vulnerabilities the reader may read, oldest embargo first,
//! for the coordinator's home page. There are no embargo end dates yet, so
//! the age (the first embargoed advisory's import) is what is known.

use sqlx::{Any, Executor, Row};

use crate::store::Result;
use crate::store::read_filter::{ADVISORIES, ReadFilter};

/// One embargoed vulnerability.
#[derive(Debug, Clone)]
pub struct Embargoed {
    pub vuln_id: String,
    pub summary: String,
    /// When its first embargoed advisory was imported (RFC 3339).
    pub since: String,
    /// Organisations with an exposure to it.
    pub exposed_orgs: i64,
}

/// The oldest `limit` embargoed vulnerabilities whose every advisory the
/// reader may read, and how many there are in all.
pub async fn oldest<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    filter: &ReadFilter<'_>,
    limit: i64,
) -> Result<(Vec<Embargoed>, i64)> {
    let readable = ADVISORIES.clause(filter, 1, 2);
    let clause = format!(
        "FROM vulnerabilities v WHERE v.embargoed <> 0 AND NOT EXISTS (SELECT 1 FROM advisories a \
         JOIN visibility_labels av ON av.id = a.visibility_id \
         WHERE a.vuln_id = v.id AND NOT ({readable}))"
    );
    let sql = format!(
        "SELECT v.id AS id, v.summary AS summary, \
         COALESCE((SELECT MIN(x.imported_at) FROM advisories x \
                   WHERE x.vuln_id = v.id AND x.embargoed <> 0), v.updated_at) AS since, \
         (SELECT COUNT(DISTINCT e.org_id) FROM exposures e WHERE e.vuln_id = v.id) AS orgs \
         {clause} ORDER BY since ASC, v.id LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(limit)
        .fetch_all(db)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {clause}")))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .fetch_one(db)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Embargoed {
                vuln_id: r.try_get("id")?,
                summary: r.try_get("summary")?,
                since: r.try_get("since")?,
                exposed_orgs: r.try_get("orgs")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}
