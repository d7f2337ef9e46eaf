//! Exposures as a paged table: the list's filter and read policy, plus a
//! text search, a sort column, an offset and the total count (under the
//! same WHERE clause as the rows, so only what the reader may read counts).

use super::list::exposure_from_row;
use super::{Filter, LIST_COLUMNS, LIST_FROM, vuln_readable_clause};
use crate::model::exposure::Exposure;
use crate::store::Result;
use crate::store::paged::{Arg, Paged, direction, like_pattern};

sort_columns!(
    /// A column an exposures table can be sorted by.
    SortBy {
        /// SSVC decision, deadline, KEV, CVSS, EPSS: the priority rank.
        Priority("priority") => "e.priority_rank",
        // No deadline sorts after every deadline when ascending.
        Deadline("deadline") => "COALESCE(e.due_at, '9999')",
        Asset("asset") => "LOWER(a.name)",
        Component("component") => "LOWER(e.component_name)",
        Vulnerability("vulnerability") => "e.vuln_id",
        State("state") => "e.state",
        /// The exposed organisation's name.
        Organisation("organisation") =>
            "COALESCE((SELECT LOWER(o.name) FROM organizations o WHERE o.id = e.org_id), '')",
        FirstSeen("first_seen") => "e.first_seen",
    }
);

/// Paging, sorting and search of an exposures table.
#[derive(Debug, Clone, Default)]
pub struct TableQuery<'a> {
    /// Matched (case-insensitively, as a substring) against the
    /// vulnerability id and aliases, asset name, component name and purl.
    pub search: Option<&'a str>,
    pub sort: SortBy,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of the exposures `filter` selects, and how many it selects.
pub async fn page(
    pool: &sqlx::AnyPool,
    filter: &Filter<'_>,
    q: &TableQuery<'_>,
    now: &str,
) -> Result<(Vec<Exposure>, i64)> {
    let search = q.search.map(like_pattern).unwrap_or_default();
    let clause = format!(
        "WHERE ($1 = '' OR e.org_id = $1) AND ($2 = '' OR e.asset_id = $2) \
         AND ($3 = '' OR e.vuln_id = $3) \
         AND (($4 = 'active' AND e.state IN {active}) OR ($4 = 'all') OR e.state = $4) \
         AND ($5 = '' OR LOWER(e.vuln_id) LIKE $5 ESCAPE '!' OR LOWER(COALESCE(v.aliases, '')) LIKE $5 ESCAPE '!' \
              OR LOWER(a.name) LIKE $5 ESCAPE '!' OR LOWER(e.component_name) LIKE $5 ESCAPE '!' \
              OR LOWER(COALESCE(e.component_purl, '')) LIKE $5 ESCAPE '!') \
         AND {}",
        vuln_readable_clause("e.vuln_id", filter.read.as_ref(), 6, 7),
        active = super::ACTIVE_STATES,
    );
    Paged {
        columns: LIST_COLUMNS,
        from: LIST_FROM,
        clause: &clause,
        order: format!("{} {}, e.id", q.sort.sql(), direction(q.descending)),
        args: vec![
            Arg::Text(filter.org_id.unwrap_or("")),
            Arg::Text(filter.asset_id.unwrap_or("")),
            Arg::Text(filter.vuln_id.unwrap_or("")),
            Arg::Text(filter.state.unwrap_or("active")),
            Arg::Text(&search),
            Arg::Text(filter.read.map(|r| r.org_id).unwrap_or("")),
            Arg::Text(filter.read.map(|r| r.user_id).unwrap_or("")),
        ],
    }
    .fetch(pool, q.offset, q.limit, |r| exposure_from_row(r, now))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_words_round_trip() {
        for (c, w) in SortBy::ALL {
            assert_eq!(SortBy::parse(w), Some(*c));
            assert_eq!(c.word(), *w);
        }
    }
}

/// A component of an asset's inventory with its count of active exposures.
#[derive(Debug, Clone)]
pub struct ComponentRow {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub exposures: i64,
}

/// One page of an asset's components, searched by name or purl, those with
/// active exposures first, then by name; with the number of all matching.
/// Exposures count only vulnerabilities the reader may read.
pub async fn components(
    pool: &sqlx::AnyPool,
    asset_id: &str,
    search: Option<&str>,
    read: Option<&crate::store::read_filter::ReadFilter<'_>>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ComponentRow>, i64)> {
    use sqlx::Row;
    let search = search.map(like_pattern).unwrap_or_default();
    let clause = "WHERE c.asset_id = $1 AND ($2 = '' OR LOWER(c.name) LIKE $2 ESCAPE '!' \
                  OR LOWER(COALESCE(c.purl, '')) LIKE $2 ESCAPE '!')";
    let sql = format!(
        "SELECT c.name, c.version, c.purl, \
         (SELECT COUNT(*) FROM exposures e WHERE e.asset_id = c.asset_id AND e.component_name = c.name \
          AND COALESCE(e.component_version, '') = COALESCE(c.version, '') \
          AND e.state IN {active} AND {readable}) AS n \
         FROM components c {clause} ORDER BY n DESC, LOWER(c.name), c.version, c.id LIMIT $5 OFFSET $6",
        active = super::ACTIVE_STATES,
        readable = vuln_readable_clause("e.vuln_id", read, 3, 4),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(asset_id)
        .bind(search.as_str())
        .bind(read.map(|r| r.org_id).unwrap_or(""))
        .bind(read.map(|r| r.user_id).unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM components c {clause}");
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
        .bind(asset_id)
        .bind(search.as_str())
        .fetch_one(pool)
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(from_columns!(r => ComponentRow {
                name, version, purl,
                exposures: r.try_get("n")?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}
