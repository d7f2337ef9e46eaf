//! The vulnerability index: one page of vulnerabilities and their total,
//! searched by id, alias or package and filtered by KEV and CISA's SSVC
//! exploitation, counting only those the reader may read (every advisory
//! readable under the one read policy, and embargoed ones only for those
//! who may see them).

use sqlx::{Any, Executor, Row};

use super::vuln_from_row;
use crate::model::exposure::Vulnerability;
use crate::store::Result;
use crate::store::read_filter::{ADVISORIES, ReadFilter};

/// What the index shows.
#[derive(Debug, Clone, Default)]
pub struct VulnQuery<'a> {
    /// An id, alias or part of one, or part of a package identity.
    pub q: Option<&'a str>,
    /// Only vulnerabilities in (true) or not in (false) the KEV catalog.
    pub kev: Option<bool>,
    /// CISA SSVC exploitation: `none`, `poc` or `active`.
    pub exploitation: Option<&'a str>,
    /// Whether embargoed vulnerabilities are listed to everyone who may
    /// read them (coordinators); otherwise only to organisations exposed
    /// and to the parties to its findings.
    pub all_embargoed: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of the index, newest first, and the number of rows the query
/// selects for this reader.
pub async fn list<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    query: &VulnQuery<'_>,
    filter: &ReadFilter<'_>,
) -> Result<(Vec<Vulnerability>, i64)> {
    // $1 org, $2 user, $3 search text, $4 kev, $5 exploitation pattern.
    let readable = ADVISORIES.clause(filter, 1, 2);
    let embargo = if query.all_embargoed {
        "1 = 1".to_owned()
    } else {
        // The readers `workflows::advisories::may_see_embargoed` admits:
        // organisations exposed, and the parties to its findings.
        format!(
            "(v.embargoed = 0 OR EXISTS (SELECT 1 FROM exposures e WHERE e.vuln_id = v.id \
             AND e.org_id = $1) OR {})",
            crate::store::findings::review::party_clause("v.id", "$2", "$1")
        )
    };
    let mut conditions = vec![
        format!(
            "NOT EXISTS (SELECT 1 FROM advisories a JOIN visibility_labels av \
             ON av.id = a.visibility_id WHERE a.vuln_id = v.id AND NOT ({readable}))"
        ),
        embargo,
    ];
    // Every parameter is used whatever the filter (PostgreSQL refuses
    // unused ones): an empty text or a negative number means "any".
    conditions.push(
        "($3 = '' OR UPPER(v.aliases) LIKE '%' || UPPER($3) || '%' OR EXISTS (SELECT 1 \
         FROM affected_packages p JOIN advisories pa ON pa.id = p.advisory_id \
         WHERE pa.vuln_id = v.id AND p.package_key LIKE '%' || LOWER($3) || '%'))"
            .to_owned(),
    );
    conditions.push("($4 < 0 OR v.in_kev = $4)".to_owned());
    conditions.push("($5 = '' OR v.ssvc LIKE $5)".to_owned());
    let where_clause = conditions.join(" AND ");
    let pattern = query
        .exploitation
        .map(|e| format!("%\"Exploitation\":\"{e}\"%"));
    let count_sql = format!("SELECT COUNT(*) AS n FROM vulnerabilities v WHERE {where_clause}");
    let total: i64 = sqlx::query(sqlx::AssertSqlSafe(count_sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(query.q.unwrap_or("").trim())
        .bind(query.kev.map_or(-1, i64::from))
        .bind(pattern.clone().unwrap_or_default())
        .fetch_one(db)
        .await?
        .try_get("n")?;
    let sql = format!(
        "SELECT {} FROM vulnerabilities v WHERE {where_clause} \
         ORDER BY v.published DESC, v.id LIMIT {} OFFSET {}",
        super::VULN_COLUMNS
            .split(", ")
            .map(|c| format!("v.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        query.limit.max(0),
        query.offset.max(0)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(query.q.unwrap_or("").trim())
        .bind(query.kev.map_or(-1, i64::from))
        .bind(pattern.unwrap_or_default())
        .fetch_all(db)
        .await?;
    let list = rows.iter().map(vuln_from_row).collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}
