//! Lists as paged tables, written once: [`Paged`] reads one page of rows
//! and the count of all the rows its WHERE clause selects, the two through
//! the same FROM and WHERE (read policy included), so a list never counts
//! what its reader cannot see; [`like_pattern`] is its search; and
//! `sort_columns!` declares the columns a table sorts by.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use super::Result;

/// A parameter of a paged query's WHERE clause.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// `SELECT {columns} {from} {clause} ORDER BY {order}`, a page at a time.
pub(crate) struct Paged<'a> {
    pub columns: &'a str,
    /// `FROM <table> <alias> [JOIN ...]`.
    pub from: &'a str,
    /// `WHERE ...` over `$1`..`$n`, the [`Paged::args`].
    pub clause: &'a str,
    /// The sort column and direction, then the id as a tie-break.
    pub order: String,
    pub args: Vec<Arg<'a>>,
}

impl Paged<'_> {
    /// The rows `offset..offset + limit` and how many there are in all.
    pub(crate) async fn fetch<'e, E, T>(
        &self,
        db: E,
        offset: i64,
        limit: i64,
        from_row: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<(Vec<T>, i64)>
    where
        E: Executor<'e, Database = Any> + Copy,
    {
        let n = self.args.len();
        let sql = format!(
            "SELECT {} {} {} ORDER BY {} LIMIT ${} OFFSET ${}",
            self.columns,
            self.from,
            self.clause,
            self.order,
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) {} {}", self.from, self.clause);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql));
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        for arg in &self.args {
            (rows, count) = match *arg {
                Arg::Text(v) => (rows.bind(v), count.bind(v)),
                Arg::Int(v) => (rows.bind(v), count.bind(v)),
            };
        }
        let rows = rows.bind(limit).bind(offset).fetch_all(db).await?;
        let total = count.fetch_one(db).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }
}

/// `ASC` or `DESC`.
pub(crate) fn direction(descending: bool) -> &'static str {
    if descending { "DESC" } else { "ASC" }
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

/// Declares the columns a table sorts by: an enum (its first column the
/// default) with `ALL` (column, URL word), `parse` and `word` for links,
/// and `sql`, the expression it orders by.
macro_rules! sort_columns {
    ($(#[$meta:meta])* $name:ident {
        $(#[$fm:meta])* $first:ident ($first_word:literal) => $first_sql:expr,
        $($(#[$vm:meta])* $variant:ident ($word:literal) => $sql:expr,)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum $name {
            $(#[$fm])*
            #[default]
            $first,
            $($(#[$vm])* $variant,)*
        }

        impl $name {
            /// Each column with its URL word, for links and parsing.
            pub const ALL: &'static [($name, &'static str)] =
                &[($name::$first, $first_word), $(($name::$variant, $word)),*];

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().find(|(_, w)| *w == s).map(|(c, _)| *c)
            }

            pub fn word(self) -> &'static str {
                match self {
                    $name::$first => $first_word,
                    $($name::$variant => $word,)*
                }
            }

            /// The SQL expression the column orders by.
            fn sql(self) -> &'static str {
                match self {
                    $name::$first => $first_sql,
                    $($name::$variant => $sql,)*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern(" SQL "), "%sql%");
        assert_eq!(like_pattern("50%_a!"), "%50!%!_a!!%");
    }
}
