//! The dashboard's figures per organisation and per action (migration
//! 0028), beside the per-(organisation, action) rows of `snapshots.rs`:
//! written by a refresh, read by the dashboard a page at a time. The
//! organisations come worst first from SQL (most overdue, lowest score,
//! then name in byte order, as `domain::directive::compliance::worst_first`
//! orders them), with their names joined at read time.

use sqlx::{AnyConnection, Row};

use super::snapshots::{Counts, bind_counts, count, counts, delete_day, insert_day_rows, int};
use crate::store::Result;

/// One organisation's figures on one day (every action together).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgDayRow {
    pub org_id: String,
    pub version: i64,
    pub counts: Counts,
    pub score: f64,
    pub median_days: Option<f64>,
    pub computed_at: String,
}

/// An organisation's figures as the dashboard lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgFigures {
    pub org_id: String,
    pub org_name: String,
    pub counts: Counts,
    pub score: f64,
    pub median_days: Option<f64>,
}

/// One action's figures on one day (every organisation together).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDayRow {
    pub action_key: String,
    pub version: i64,
    pub counts: Counts,
    pub days_hist: String,
    pub computed_at: String,
}

/// An organisation whose overdue or satisfied count moved since an
/// earlier day: (before, now) of each.
#[derive(Debug, Clone, PartialEq)]
pub struct MovedRow {
    pub org_id: String,
    pub org_name: String,
    pub overdue: (u64, u64),
    pub satisfied: (u64, u64),
}

/// `ORDER BY` of names in byte order, as Rust compares strings
/// (PostgreSQL's default collation would follow the locale).
fn by_name(conn: &AnyConnection, expr: &str) -> String {
    if conn.backend_name() == "SQLite" {
        expr.to_owned()
    } else {
        format!("{expr} COLLATE \"C\"")
    }
}

/// Replaces the organisation rows of `directive_id` on `day`: of one
/// organisation when `org` is given, else all of them.
pub async fn replace_orgs(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    org: Option<&str>,
    rows: &[OrgDayRow],
) -> Result<()> {
    delete_day(conn, "directive_compliance_orgs", directive_id, day, org).await?;
    let insert = "INSERT INTO directive_compliance_orgs (directive_id, day, org_id, version, \
                  total, on_time, overdue, excepted, satisfied, score, median_days, computed_at)";
    insert_day_rows(conn, insert, 12, directive_id, day, rows, |q, r| {
        let q = bind_counts(q.bind(r.org_id.as_str()).bind(r.version), r.counts).bind(r.score);
        crate::store::bind_f64(q, r.median_days).bind(r.computed_at.as_str())
    })
    .await
}

/// Replaces every action row of `directive_id` on `day`.
pub async fn replace_actions(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    rows: &[ActionDayRow],
) -> Result<()> {
    sqlx::query("DELETE FROM directive_compliance_actions WHERE directive_id = $1 AND day = $2")
        .bind(directive_id)
        .bind(day)
        .execute(&mut *conn)
        .await?;
    for r in rows {
        let q = sqlx::query(
            "INSERT INTO directive_compliance_actions (directive_id, day, action_key, version, \
             total, on_time, overdue, excepted, satisfied, days_hist, computed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(directive_id)
        .bind(day)
        .bind(r.action_key.as_str())
        .bind(r.version);
        bind_counts(q, r.counts)
            .bind(r.days_hist.as_str())
            .bind(r.computed_at.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The action rows of `directive_id` on `day`.
pub async fn actions(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
) -> Result<Vec<ActionDayRow>> {
    let rows = sqlx::query(
        "SELECT action_key, version, total, on_time, overdue, excepted, satisfied, days_hist, \
         computed_at FROM directive_compliance_actions WHERE directive_id = $1 AND day = $2",
    )
    .bind(directive_id)
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => ActionDayRow {
                action_key, version,
                counts: counts(r)?,
                days_hist, computed_at,
            }))
        })
        .collect()
}

/// How many organisations have figures for `directive_id` on `day`.
pub async fn org_count(conn: &mut AnyConnection, directive_id: &str, day: &str) -> Result<u64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM directive_compliance_orgs WHERE directive_id = $1 AND day = $2",
    )
    .bind(directive_id)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?;
    count(&row, "n")
}

/// The organisations of `directive_id` on `day`, worst first: the first
/// `limit` (every one when None).
pub async fn worst_first(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    limit: Option<u64>,
) -> Result<Vec<OrgFigures>> {
    let sql = format!(
        "SELECT o.org_id, COALESCE(g.name, '') AS org_name, o.total, o.on_time, o.overdue, \
         o.excepted, o.satisfied, o.score, o.median_days \
         FROM directive_compliance_orgs o LEFT JOIN organizations g ON g.id = o.org_id \
         WHERE o.directive_id = $1 AND o.day = $2 \
         ORDER BY o.overdue DESC, o.score, {}, o.org_id LIMIT $3",
        by_name(conn, "COALESCE(g.name, '')")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(directive_id)
        .bind(day)
        .bind(limit.map_or(i64::MAX, int))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => OrgFigures {
                org_id, org_name,
                counts: counts(r)?,
                score, median_days,
            }))
        })
        .collect()
}

/// The organisations whose overdue or satisfied count on `day` differs
/// from `before` (an organisation without figures then counts zero): the
/// largest change in overdue first, then by name, at most `limit`.
pub async fn moved(
    conn: &mut AnyConnection,
    directive_id: &str,
    day: &str,
    before: &str,
    limit: u64,
) -> Result<Vec<MovedRow>> {
    let sql = format!(
        "SELECT t.org_id, COALESCE(g.name, '') AS org_name, t.overdue, t.satisfied, \
         COALESCE(p.overdue, 0) AS overdue_before, COALESCE(p.satisfied, 0) AS satisfied_before \
         FROM directive_compliance_orgs t \
         LEFT JOIN directive_compliance_orgs p \
           ON p.directive_id = t.directive_id AND p.day = $1 AND p.org_id = t.org_id \
         LEFT JOIN organizations g ON g.id = t.org_id \
         WHERE t.directive_id = $2 AND t.day = $3 \
         AND (COALESCE(p.overdue, 0) <> t.overdue OR COALESCE(p.satisfied, 0) <> t.satisfied) \
         ORDER BY ABS(t.overdue - COALESCE(p.overdue, 0)) DESC, {}, t.overdue DESC, t.score, \
         t.org_id LIMIT $4",
        by_name(conn, "COALESCE(g.name, '')")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(before)
        .bind(directive_id)
        .bind(day)
        .bind(int(limit))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(MovedRow {
                org_id: r.try_get("org_id")?,
                org_name: r.try_get("org_name")?,
                overdue: (count(r, "overdue_before")?, count(r, "overdue")?),
                satisfied: (count(r, "satisfied_before")?, count(r, "satisfied")?),
            })
        })
        .collect()
}
