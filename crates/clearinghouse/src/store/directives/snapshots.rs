//! The dashboard's materialised figures (migration 0015): per directive,
//! day, organisation and action the counts by obligation state and the
//! days-to-remediate histogram (`directive_compliance_days`), and per
//! directive and day the totals (`directive_compliance_runs`, the trend
//! line). Rows of one day are replaced, never updated in place, so a
//! refresh of one organisation is a delete and an insert.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch::{self, Query};
use crate::store::{Result, bulk_values};

/// Counts by obligation state: (total, on_time, overdue, excepted, satisfied).
pub type Counts = (u64, u64, u64, u64, u64);

/// One organisation's figures for one action on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub org_id: String,
    pub action_key: String,
    pub version: i64,
    pub counts: Counts,
    pub days_hist: String,
    pub computed_at: String,
}

/// A directive's totals on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub directive_id: String,
    pub day: String,
    pub version: i64,
    pub orgs: i64,
    pub counts: Counts,
    pub days_hist: String,
    pub computed_at: String,
    /// Written with the per-organisation and per-action figures
    /// (migration 0028); a day without them is recomputed on first read.
    pub detailed: bool,
}

pub(crate) fn count(r: &AnyRow, col: &str) -> Result<u64> {
    let v: i64 = r.try_get(col)?;
    Ok(u64::try_from(v).unwrap_or(0))
}

pub(crate) fn counts(r: &AnyRow) -> Result<Counts> {
    Ok((
        count(r, "total")?,
        count(r, "on_time")?,
        count(r, "overdue")?,
        count(r, "excepted")?,
        count(r, "satisfied")?,
    ))
}

/// Deletes the rows of `directive_id` on `day` from a per-day table: of
/// one organisation when `org` is given, else all of them. `table` is one
/// of this module's own table names, never input.
pub(crate) async fn delete_day(
    conn: &mut AnyConnection,
    table: &'static str,
    directive_id: &str,
    day: &str,
    org: Option<&str>,
) -> Result<()> {
    let o = org.unwrap_or("");
    let sql = format!(
        "DELETE FROM {table} WHERE directive_id = $1 AND day = $2 AND ($3 = '' OR org_id = $4)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directive_id)
        .bind(day)
        .bind(o)
        .bind(o)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Binds the five [`Counts`] as the columns `total, on_time, overdue,
/// excepted, satisfied` (every per-day table of this module and of
/// `dashboard.rs` has them in this order).
pub(crate) fn bind_counts(q: Query<'_>, (t, on, over, ex, sat): Counts) -> Query<'_> {
    q.bind(int(t))
        .bind(int(on))
        .bind(int(over))
        .bind(int(ex))
        .bind(int(sat))
}

/// Inserts `rows` into a per-day table, 80 rows a statement: `insert` is
/// `INSERT INTO <table> (directive_id, day, ...)` with `width` columns, of
/// which this binds the first two and `bind` the rest of one row. Used by
/// [`replace_day`] and `dashboard::replace_orgs`.
pub(crate) async fn insert_day_rows<R>(
    conn: &mut AnyConnection,
    insert: &str,
    width: usize,
    directive_id: &str,
    day: &str,
    rows: &[R],
    bind: impl for<'q> Fn(Query<'q>, &'q R) -> Query<'q>,
) -> Result<()> {
    for chunk in rows.chunks(80) {
        let sql = format!("{insert} VALUES {}", bulk_values(conn, chunk.len(), width));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = bind(q.bind(directive_id).bind(day), r);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Replaces the rows of `directive_id` on `day`: of one organisation when
/// `org` is given, else all of them.
pub async fn replace_day(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    org: Option<&str>,
    rows: &[DayRow],
) -> Result<()> {
    delete_day(conn, "directive_compliance_days", directive_id, day, org).await?;
    let insert = "INSERT INTO directive_compliance_days (directive_id, day, org_id, action_key, \
                  version, total, on_time, overdue, excepted, satisfied, days_hist, computed_at)";
    insert_day_rows(conn, insert, 12, directive_id, day, rows, |q, r| {
        let q = q
            .bind(r.org_id.as_str())
            .bind(r.action_key.as_str())
            .bind(r.version);
        bind_counts(q, r.counts)
            .bind(r.days_hist.as_str())
            .bind(r.computed_at.as_str())
    })
    .await
}

/// Every row of `directive_id` on `day`, or of one organisation.
pub async fn day_rows(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    org: Option<&str>,
) -> Result<Vec<DayRow>> {
    let o = org.unwrap_or("");
    let rows = sqlx::query(
        "SELECT org_id, action_key, version, total, on_time, overdue, excepted, satisfied, \
         days_hist, computed_at FROM directive_compliance_days \
         WHERE directive_id = $1 AND day = $2 AND ($3 = '' OR org_id = $4)",
    )
    .bind(directive_id)
    .bind(day)
    .bind(o)
    .bind(o)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => DayRow {
                org_id, action_key, version,
                counts: counts(r)?,
                days_hist, computed_at,
            }))
        })
        .collect()
}

/// Writes a directive's totals for a day (replacing that day's).
pub async fn put_run(conn: &mut AnyConnection, run: &RunRow) -> Result<()> {
    sqlx::query("DELETE FROM directive_compliance_runs WHERE directive_id = $1 AND day = $2")
        .bind(run.directive_id.as_str())
        .bind(run.day.as_str())
        .execute(&mut *conn)
        .await?;
    let (t, on, over, ex, sat) = run.counts;
    sqlx::query(
        "INSERT INTO directive_compliance_runs (directive_id, day, version, orgs, total, on_time, \
         overdue, excepted, satisfied, days_hist, computed_at, detailed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(run.directive_id.as_str())
    .bind(run.day.as_str())
    .bind(run.version)
    .bind(run.orgs)
    .bind(int(t))
    .bind(int(on))
    .bind(int(over))
    .bind(int(ex))
    .bind(int(sat))
    .bind(run.days_hist.as_str())
    .bind(run.computed_at.as_str())
    .bind(i64::from(run.detailed))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn run_of(r: &AnyRow) -> Result<RunRow> {
    Ok(from_columns!(r => RunRow {
        directive_id, day, version, orgs,
        counts: counts(r)?,
        days_hist, computed_at,
        detailed: r.try_get::<i64, _>("detailed")? != 0,
    }))
}

const RUN_COLUMNS: &str = "directive_id, day, version, orgs, total, on_time, overdue, excepted, \
     satisfied, days_hist, computed_at, detailed";

/// A directive's totals from `from` to `to` (days, inclusive), oldest first.
pub async fn runs(
    conn: &mut AnyConnection,
    directive_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM directive_compliance_runs \
         WHERE directive_id = $1 AND day >= $2 AND day <= $3 ORDER BY day"
    );
    fetch::all(&mut *conn, sql, &[&directive_id, &from, &to], run_of).await
}

/// The latest totals of a directive on or before `day`.
pub async fn latest_run(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
) -> Result<Option<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM directive_compliance_runs \
         WHERE directive_id = $1 AND day <= $2 ORDER BY day DESC LIMIT 1"
    );
    fetch::optional(&mut *conn, sql, &[&directive_id, &day], run_of).await
}

/// Whether any directive is in force (changes elsewhere queue a refresh
/// of the figures only then).
pub async fn any_in_force(conn: &mut AnyConnection) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM directives WHERE state = 'issued' LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}
