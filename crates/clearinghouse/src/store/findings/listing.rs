//! Findings and submissions as paged tables: the same filters and read policy as
//! [`super::list`], plus a text search, a sort column, an offset and the
//! total count of rows the reader may read (the count goes through the same
//! WHERE clause as the rows, so it never counts what the reader cannot see).

use sqlx::{Any, Executor};

use super::{COLUMNS, FILTER_SQL, FINDINGS, FROM, filter_args, from_row, submissions};
use crate::model::finding::{Finding, FindingFilter, Submission};
use crate::store::Result;
use crate::store::paged::{Arg, Paged, direction, like_pattern};
use crate::store::read_filter::{ReadFilter, SUBMISSIONS};

sort_columns!(
    /// A column a findings table can be sorted by.
    SortBy {
        Received("received") => "f.created_at",
        Severity("severity") => "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 \
             WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END",
        Title("title") => "LOWER(f.title)",
        Target("target") => "LOWER(f.target)",
        State("state") => "f.state",
        /// The reporting organisation's name.
        Reporter("reporter") =>
            "COALESCE((SELECT LOWER(o.name) FROM organizations o WHERE o.id = f.reporter_org), '')",
    }
);

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
    let dir = direction(q.descending);
    let mut args: Vec<Arg<'_>> = filter_args(filter).into_iter().map(Arg::Text).collect();
    args.extend([read.org_id, read.user_id, search.as_str()].map(Arg::Text));
    Paged {
        columns: COLUMNS,
        from: FROM,
        clause: &where_clause(read),
        order: format!("{} {dir}, f.id {dir}", q.sort.sql()),
        args,
    }
    .fetch(db, q.offset, q.limit, from_row)
    .await
}

sort_columns!(
    /// A column the submissions table sorts by.
    SubmissionSort {
        Submitted("submitted") => "s.created_at",
        File("file") => "LOWER(COALESCE(s.file_name, ''))",
        Format("format") => "COALESCE(s.format, '')",
        State("state") => "s.state",
        Items("items") => "s.items",
        New("new") => "s.new_findings",
        Rejected("rejected") => "s.rejected",
    }
);

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
    let dir = direction(q.descending);
    Paged {
        columns: submissions::COLUMNS,
        from,
        clause: &clause,
        order: format!("{} {dir}, s.id {dir}", q.sort.sql()),
        args: [
            filter.org_id,
            filter.user_id,
            q.state.unwrap_or(""),
            search.as_str(),
        ]
        .map(Arg::Text)
        .to_vec(),
    }
    .fetch(db, q.offset, q.limit, |r| {
        submissions::from_row(r).map(|s| s.submission)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sort_word_parses_back() {
        for (c, w) in SortBy::ALL {
            assert_eq!(SortBy::parse(w), Some(*c));
        }
        assert_eq!(SortBy::parse("id; DROP"), None);
    }
}
