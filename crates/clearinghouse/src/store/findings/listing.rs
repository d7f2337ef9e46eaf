//! Findings and submissions as paged tables: the same filters and read policy as
//! [`super::list`], plus a text search, a sort column, an offset and the
//! total count of rows the reader may read (the count goes through the same
//! WHERE clause as the rows, so it never counts what the reader cannot see).

use sqlx::{Any, Executor};

use super::{COLUMNS, FILTER_SQL, FINDINGS, FROM, bind_filter, from_row, submissions};
use crate::model::finding::{Finding, FindingFilter, Submission};
use crate::store::Result;
use crate::store::read_filter::{ReadFilter, SUBMISSIONS};

/// A column a findings table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Received,
    Severity,
    Title,
    Target,
    State,
    /// The reporting organisation's name.
    Reporter,
}

impl SortBy {
    /// The URL word of each column, for links and parsing.
    pub const ALL: &'static [(SortBy, &'static str)] = &[
        (SortBy::Received, "received"),
        (SortBy::Severity, "severity"),
        (SortBy::Title, "title"),
        (SortBy::Target, "target"),
        (SortBy::State, "state"),
        (SortBy::Reporter, "reporter"),
    ];

    pub fn parse(s: &str) -> Option<SortBy> {
        Self::ALL.iter().find(|(_, w)| *w == s).map(|(c, _)| *c)
    }

    fn sql(self) -> &'static str {
        match self {
            SortBy::Received => "f.created_at",
            SortBy::Severity => {
                "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 \
                 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
            }
            SortBy::Title => "LOWER(f.title)",
            SortBy::Target => "LOWER(f.target)",
            SortBy::State => "f.state",
            SortBy::Reporter => {
                "COALESCE((SELECT LOWER(o.name) FROM organizations o WHERE o.id = f.reporter_org), '')"
            }
        }
    }
}

/// Paging, sorting and search of a findings table.
#[derive(Debug, Clone, Default)]
pub struct TableQuery<'a> {
    /// Words matched (case-insensitively, as a substring) against title,
    /// description, target, rule id and location path.
    pub search: Option<&'a str>,
    pub sort: SortBy,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A LIKE pattern for `s` with its wildcards escaped (escape character `!`).
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn where_clause(read: &ReadFilter<'_>) -> String {
    format!(
        "WHERE {} AND {FILTER_SQL} \
         AND ($9 = '' OR LOWER(f.title) LIKE $9 ESCAPE '!' OR LOWER(f.description) LIKE $9 ESCAPE '!' \
              OR LOWER(f.target) LIKE $9 ESCAPE '!' OR LOWER(COALESCE(f.rule_id, '')) LIKE $9 ESCAPE '!' \
              OR LOWER(COALESCE(f.location_path, '')) LIKE $9 ESCAPE '!')",
        FINDINGS.clause(read, 7, 8)
    )
}

/// One page of the findings matching `filter` and `q` that `read` admits,
/// and how many match in all.
pub async fn page<'e, E>(
    db: E,
    filter: &FindingFilter,
    read: &ReadFilter<'_>,
    q: &TableQuery<'_>,
) -> Result<(Vec<Finding>, i64)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let search = q.search.map(like_pattern).unwrap_or_default();
    let clause = where_clause(read);
    let dir = if q.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS} {FROM} {clause} ORDER BY {} {dir}, f.id {dir} LIMIT $10 OFFSET $11",
        q.sort.sql()
    );
    let count_sql = format!("SELECT COUNT(*) {FROM} {clause}");
    macro_rules! bind_all {
        ($query:expr) => {
            bind_filter($query, filter)
                .bind(read.org_id)
                .bind(read.user_id)
                .bind(search.as_str())
        };
    }
    let rows = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(db)
        .await?;
    let total: i64 = bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)))
        .fetch_one(db)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

/// A column the submissions table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubmissionSort {
    #[default]
    Submitted,
    File,
    Format,
    State,
    Items,
    New,
    Rejected,
}

impl SubmissionSort {
    pub const ALL: &'static [(SubmissionSort, &'static str)] = &[
        (SubmissionSort::Submitted, "submitted"),
        (SubmissionSort::File, "file"),
        (SubmissionSort::Format, "format"),
        (SubmissionSort::State, "state"),
        (SubmissionSort::Items, "items"),
        (SubmissionSort::New, "new"),
        (SubmissionSort::Rejected, "rejected"),
    ];

    pub fn parse(s: &str) -> Option<SubmissionSort> {
        Self::ALL.iter().find(|(_, w)| *w == s).map(|(c, _)| *c)
    }

    pub fn word(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("submitted", |(_, w)| *w)
    }

    fn sql(self) -> &'static str {
        match self {
            SubmissionSort::Submitted => "s.created_at",
            SubmissionSort::File => "LOWER(COALESCE(s.file_name, ''))",
            SubmissionSort::Format => "COALESCE(s.format, '')",
            SubmissionSort::State => "s.state",
            SubmissionSort::Items => "s.items",
            SubmissionSort::New => "s.new_findings",
            SubmissionSort::Rejected => "s.rejected",
        }
    }
}

/// Paging, sorting, a state filter and a search (file name, campaign,
/// target or format) of the submissions a reader may read.
#[derive(Debug, Clone, Default)]
pub struct SubmissionTable<'a> {
    pub search: Option<&'a str>,
    pub state: Option<&'a str>,
    pub sort: SubmissionSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of the submissions `filter` lets the reader read, and how many
/// match in all (counted under the same read filter).
pub async fn submission_page<'e, E>(
    db: E,
    filter: &ReadFilter<'_>,
    q: &SubmissionTable<'_>,
) -> Result<(Vec<Submission>, i64)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let search = q.search.map(like_pattern).unwrap_or_default();
    let from = "FROM submissions s JOIN visibility_labels v ON v.id = s.visibility_id";
    let clause = format!(
        "WHERE {} AND ($3 = '' OR s.state = $3) \
         AND ($4 = '' OR LOWER(COALESCE(s.file_name, '')) LIKE $4 ESCAPE '!' \
              OR LOWER(COALESCE(s.campaign, '')) LIKE $4 ESCAPE '!' \
              OR LOWER(COALESCE(s.default_target, '')) LIKE $4 ESCAPE '!' \
              OR LOWER(COALESCE(s.format, '')) LIKE $4 ESCAPE '!')",
        SUBMISSIONS.clause(filter, 1, 2)
    );
    let dir = if q.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {} {from} {clause} ORDER BY {} {dir}, s.id {dir} LIMIT $5 OFFSET $6",
        submissions::COLUMNS,
        q.sort.sql()
    );
    let count_sql = format!("SELECT COUNT(*) {from} {clause}");
    macro_rules! bind_filter {
        ($query:expr) => {
            $query
                .bind(filter.org_id)
                .bind(filter.user_id)
                .bind(q.state.unwrap_or(""))
                .bind(search.as_str())
        };
    }
    let rows = bind_filter!(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(db)
        .await?;
    let total: i64 = bind_filter!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)))
        .fetch_one(db)
        .await?;
    let items = rows
        .iter()
        .map(|r| submissions::from_row(r).map(|s| s.submission))
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern(" SQL "), "%sql%");
        assert_eq!(like_pattern("50%_a!"), "%50!%!_a!!%");
    }

    #[test]
    fn every_sort_word_parses_back() {
        for (c, w) in SortBy::ALL {
            assert_eq!(SortBy::parse(w), Some(*c));
        }
        assert_eq!(SortBy::parse("id; DROP"), None);
    }
}
