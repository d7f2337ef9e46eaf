//! The statements every table module repeats, written once: a statement
//! with its parameters, run on any executor (a pooled connection, a
//! transaction, the pool), its rows mapped by the module's decoder
//! (usually built with `from_columns!`). Used for the get-by-id and list
//! reads of the modules under `store/` (and by `labelled::Readable`), the
//! cursor lists of users and approvals, and writes of plain text values.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Executor};

use super::Result;

/// A query whose parameters are bound in order (also the type the
/// modules' row binders take and return).
pub(crate) type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments>;

/// A value a read binds as one of its parameters: text, an integer, or
/// either of them absent (NULL).
pub(crate) trait Param: Sync {
    /// `q` with this value bound as its next parameter.
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q>;
}

impl Param for &str {
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(*self)
    }
}

impl Param for String {
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(self.as_str())
    }
}

impl Param for i64 {
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(*self)
    }
}

impl Param for Option<&str> {
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(*self)
    }
}

impl Param for Option<String> {
    fn bind_to<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        q.bind(self.as_deref())
    }
}

/// The statement `sql` with `params` bound as `$1, $2, ...`.
fn query<'q>(sql: String, params: &'q [&'q dyn Param]) -> Query<'q> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for param in params {
        q = param.bind_to(q);
    }
    q
}

/// The one row `sql` selects with `params` (a get by id), if any.
pub(crate) async fn optional<'e, E, T>(
    db: E,
    sql: String,
    params: &[&dyn Param],
    from_row: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Option<T>>
where
    E: Executor<'e, Database = Any>,
{
    let row = query(sql, params).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// Every row `sql` selects with `params`, in its order.
pub(crate) async fn all<'e, E, T>(
    db: E,
    sql: String,
    params: &[&dyn Param],
    from_row: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = query(sql, params).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// Runs the write `sql` with `params`; how many rows it changed.
pub(crate) async fn execute<'e, E>(db: E, sql: &str, params: &[&dyn Param]) -> Result<u64>
where
    E: Executor<'e, Database = Any>,
{
    let done = query(sql.to_owned(), params).execute(db).await?;
    Ok(done.rows_affected())
}

/// The rows of `select` (`SELECT <columns> FROM <table>`) whose `id` comes
/// after the cursor, only those whose `column` is `value` when one is
/// given, in id order, at most `limit` (the users and approvals lists).
pub(crate) async fn after_cursor<'e, E, T>(
    db: E,
    select: &str,
    column: &str,
    value: Option<&str>,
    after: Option<&str>,
    limit: i64,
    from_row: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>>
where
    E: Executor<'e, Database = Any>,
{
    let sql = format!("{select} WHERE id > $1 AND ($2 = '' OR {column} = $2) ORDER BY id LIMIT $3");
    let params: [&dyn Param; 3] = [&after.unwrap_or(""), &value.unwrap_or(""), &limit];
    all(db, sql, &params, from_row).await
}
