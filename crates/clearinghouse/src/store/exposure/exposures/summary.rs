//! What an operator's home page counts: active exposures per SSVC decision,
//! how many are overdue or due within a week, and the newest ones, all
//! under the same filter (organisation and read policy) as the list.

use sqlx::Row;

use super::list::exposure_from_row;
use super::{ACTIVE_STATES, Filter, LIST_COLUMNS, LIST_FROM, vuln_readable_clause};
use crate::model::exposure::{Exposure, SsvcDecision};
use crate::store::{Result, decode};

/// Counts of the active exposures a filter selects.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// (SSVC decision, count), most urgent decision first.
    pub by_decision: Vec<(SsvcDecision, i64)>,
    pub active: i64,
    /// Open or acknowledged past their deadline.
    pub overdue: i64,
    /// Open or acknowledged with a deadline before `soon`.
    pub due_soon: i64,
}

fn rank(decision: SsvcDecision) -> u8 {
    match decision {
        SsvcDecision::Act => 0,
        SsvcDecision::Attend => 1,
        SsvcDecision::TrackStar => 2,
        SsvcDecision::Track => 3,
    }
}

/// Counts of active exposures: per decision, overdue at `now`, due before `soon`.
pub async fn summary(
    pool: &sqlx::AnyPool,
    filter: &Filter<'_>,
    now: &str,
    soon: &str,
) -> Result<Summary> {
    let sql = format!(
        "SELECT e.ssvc_decision, COUNT(*) AS n, \
         SUM(CASE WHEN e.state IN ('open', 'acknowledged') AND e.due_at IS NOT NULL AND e.due_at < $2 THEN 1 ELSE 0 END) AS overdue, \
         SUM(CASE WHEN e.state IN ('open', 'acknowledged') AND e.due_at IS NOT NULL AND e.due_at >= $2 AND e.due_at < $3 THEN 1 ELSE 0 END) AS soon \
         FROM exposures e WHERE ($1 = '' OR e.org_id = $1) AND e.state IN {ACTIVE_STATES} AND {} \
         GROUP BY e.ssvc_decision",
        vuln_readable_clause("e.vuln_id", filter.read.as_ref(), 4, 5)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id.unwrap_or(""))
        .bind(now)
        .bind(soon)
        .bind(filter.read.map(|r| r.org_id).unwrap_or(""))
        .bind(filter.read.map(|r| r.user_id).unwrap_or(""))
        .fetch_all(pool)
        .await?;
    let mut s = Summary::default();
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        let overdue: Option<i64> = r.try_get("overdue")?;
        let soon: Option<i64> = r.try_get("soon")?;
        s.active += n;
        s.overdue += overdue.unwrap_or(0);
        s.due_soon += soon.unwrap_or(0);
        let d = decode(r, "exposures", "ssvc_decision", SsvcDecision::parse)?;
        s.by_decision.push((d, n));
    }
    s.by_decision.sort_by_key(|(d, _)| rank(*d));
    Ok(s)
}

/// The active exposures first seen most recently.
pub async fn newest(
    pool: &sqlx::AnyPool,
    filter: &Filter<'_>,
    limit: i64,
    now: &str,
) -> Result<Vec<Exposure>> {
    let sql = format!(
        "SELECT {LIST_COLUMNS} {LIST_FROM} WHERE ($1 = '' OR e.org_id = $1) \
         AND e.state IN {ACTIVE_STATES} AND {} ORDER BY e.first_seen DESC, e.id LIMIT $2",
        vuln_readable_clause("e.vuln_id", filter.read.as_ref(), 3, 4)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id.unwrap_or(""))
        .bind(limit)
        .bind(filter.read.map(|r| r.org_id).unwrap_or(""))
        .bind(filter.read.map(|r| r.user_id).unwrap_or(""))
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| exposure_from_row(r, now)).collect()
}
