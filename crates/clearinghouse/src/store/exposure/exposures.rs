//! Exposures: one row per (asset, component, vulnerability), with the
//! priority it was assessed at, its BOD 26-04 deadline and its remediation
//! state; and the aggregate counts coordinators read.

pub mod list;
pub mod summary;
pub mod table;

use crate::store::read_filter::{ADVISORIES, Labelled, ReadFilter};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Result, bulk_values, in_params, rows_in};
use clearinghouse_domain::exposure::RemediationState;

use crate::model::exposure::{ExposureStat, MatchDecision, SsvcDecision};
use crate::store::fetch;

/// An exposure as matching compares it.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: String,
    pub asset_id: String,
    pub component_key: String,
    pub vuln_id: String,
    pub priority_rank: i64,
    pub deadline: String,
    pub state: String,
    pub first_seen: String,
}

/// Everything stored for one exposure as matching assessed it.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub id: String,
    pub org_id: String,
    pub asset_id: String,
    pub component_key: String,
    pub component_name: String,
    pub component_version: Option<String>,
    pub component_purl: Option<String>,
    pub vuln_id: String,
    pub advisory_id: String,
    pub decision: MatchDecision,
    pub reason: String,
    pub priority_rank: i64,
    pub ssvc_decision: SsvcDecision,
    pub deadline: String,
    pub due_at: Option<String>,
    pub embargoed: bool,
    pub first_seen: String,
    pub updated_at: String,
}

/// States in which an exposure still needs work.
pub const ACTIVE_STATES: &str = "('open', 'acknowledged', 'mitigated', 'risk_accepted')";

/// Whether an exposure in `state` still needs work (see [`ACTIVE_STATES`]).
pub fn is_active(state: &str) -> bool {
    RemediationState::parse(state).is_some_and(RemediationState::is_active)
}

fn current_from_row(r: &AnyRow) -> Result<Current> {
    Ok(from_columns!(r => Current {
        id, asset_id, component_key, vuln_id, priority_rank, deadline, state, first_seen,
    }))
}

const CURRENT_COLUMNS: &str =
    "id, asset_id, component_key, vuln_id, priority_rank, deadline, state, first_seen";

/// Every exposure (in any state) of the given assets.
pub async fn of_assets(conn: &mut AnyConnection, asset_ids: &[String]) -> Result<Vec<Current>> {
    let mut out = Vec::new();
    for r in rows_in(conn, asset_ids, |list| {
        format!("SELECT {CURRENT_COLUMNS} FROM exposures WHERE asset_id IN ({list})")
    })
    .await?
    {
        out.push(current_from_row(&r)?);
    }
    Ok(out)
}

/// Every exposure (in any state) to one vulnerability.
pub async fn of_vuln(conn: &mut AnyConnection, vuln_id: &str) -> Result<Vec<Current>> {
    let sql = format!("SELECT {CURRENT_COLUMNS} FROM exposures WHERE vuln_id = $1");
    fetch::all(&mut *conn, sql, &[&vuln_id], current_from_row).await
}

/// Inserts new exposures (state `open`) in multi-row batches.
pub async fn insert_many(conn: &mut AnyConnection, rows: &[Assessed]) -> Result<()> {
    const COLS: usize = 19;
    for chunk in rows.chunks(200) {
        let sql = format!(
            "INSERT INTO exposures (id, org_id, asset_id, component_key, component_name, component_version, \
             component_purl, vuln_id, advisory_id, decision, reason, priority_rank, ssvc_decision, \
             deadline, due_at, embargoed, state, first_seen, updated_at) VALUES {}",
            bulk_values(conn, chunk.len(), COLS)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(&e.id)
                .bind(&e.org_id)
                .bind(&e.asset_id)
                .bind(&e.component_key)
                .bind(&e.component_name)
                .bind(&e.component_version)
                .bind(&e.component_purl)
                .bind(&e.vuln_id)
                .bind(&e.advisory_id)
                .bind(e.decision.as_str())
                .bind(&e.reason)
                .bind(e.priority_rank)
                .bind(e.ssvc_decision.as_str())
                .bind(&e.deadline)
                .bind(&e.due_at)
                .bind(i64::from(e.embargoed))
                .bind("open")
                .bind(&e.first_seen)
                .bind(&e.updated_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rewrites the match and priority of an existing exposure; `reopen` also
/// makes a resolved one open again (the component or range came back).
pub async fn update_assessment(conn: &mut AnyConnection, e: &Assessed, reopen: bool) -> Result<()> {
    let sql = if reopen {
        "UPDATE exposures SET advisory_id = $2, decision = $3, reason = $4, priority_rank = $5, \
         ssvc_decision = $6, deadline = $7, due_at = $8, embargoed = $9, updated_at = $10, \
         state = 'open', state_reason = NULL, accepted_until = NULL, resolved_at = NULL, \
         first_seen = $10 WHERE id = $1"
    } else {
        "UPDATE exposures SET advisory_id = $2, decision = $3, reason = $4, priority_rank = $5, \
         ssvc_decision = $6, deadline = $7, due_at = $8, embargoed = $9, updated_at = $10 \
         WHERE id = $1"
    };
    let q = sqlx::query(sql);
    bind_fields!(q, e => {
        id, advisory_id,
        decision: e.decision.as_str(),
        reason, priority_rank,
        ssvc_decision: e.ssvc_decision.as_str(),
        deadline, due_at,
        embargoed: i64::from(e.embargoed),
        updated_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Closes exposures that no longer match, as `patched` with the reason.
pub async fn resolve(
    conn: &mut AnyConnection,
    ids: &[String],
    reason: &str,
    now: &str,
) -> Result<()> {
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE exposures SET state = 'patched', state_reason = $1, resolved_at = $2, updated_at = $2 \
             WHERE id IN ({})",
            in_params(3, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reason).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Closes exposures as `not_affected` (a vendor's VEX statement covers
/// them) with `reason`: neither patched nor open.
pub async fn set_not_affected(
    conn: &mut AnyConnection,
    ids: &[String],
    reason: &str,
    now: &str,
) -> Result<()> {
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE exposures SET state = 'not_affected', state_reason = $1, resolved_at = $2, \
             updated_at = $2 WHERE id IN ({})",
            in_params(3, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reason).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets the remediation state an operator chose.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    reason: Option<&str>,
    accepted_until: Option<&str>,
    resolved_at: Option<&str>,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE exposures SET state = $2, state_reason = $3, accepted_until = $4, resolved_at = $5, \
         updated_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(reason)
    .bind(accepted_until)
    .bind(resolved_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which exposures a listing wants.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub org_id: Option<&'a str>,
    pub asset_id: Option<&'a str>,
    pub vuln_id: Option<&'a str>,
    /// `active` (every state that still needs work, the default), `all`, or one state.
    pub state: Option<&'a str>,
    /// Only exposures to vulnerabilities this reader may read (every
    /// advisory of it readable: an exposure's labels are its vulnerability's).
    pub read: Option<ReadFilter<'a>>,
}

/// The condition "every advisory of `{col}`'s vulnerability is readable",
/// `$org`/`$user` numbering the reader's parameters; always true without a reader.
fn vuln_readable_clause(
    col: &str,
    read: Option<&ReadFilter<'_>>,
    org: usize,
    user: usize,
) -> String {
    match read {
        None => "1 = 1".to_owned(),
        Some(r) => {
            let labelled = Labelled {
                alias: "va",
                ..ADVISORIES
            };
            format!(
                "NOT EXISTS (SELECT 1 FROM advisories va WHERE va.vuln_id = {col} AND NOT {})",
                labelled.clause(r, org, user)
            )
        }
    }
}

const LIST_COLUMNS: &str = "e.id, e.org_id, e.asset_id, a.name AS asset_name, e.component_name, \
     e.component_version, e.component_purl, e.vuln_id, v.aliases, v.summary, e.advisory_id, e.decision, \
     e.reason, e.priority_rank, e.ssvc_decision, e.deadline, e.due_at, e.embargoed, e.state, \
     e.state_reason, e.accepted_until, e.first_seen, e.updated_at, e.resolved_at, \
     v.cvss_vectors, v.ssvc, v.in_kev, v.kev_due_date, v.kev_ransomware, v.epss, v.epss_percentile, \
     a.publicly_exposed, a.mission_impact";

const LIST_FROM: &str = "FROM exposures e JOIN assets a ON a.id = e.asset_id \
     LEFT JOIN vulnerabilities v ON v.id = e.vuln_id";

/// Counts per group: `by` is `sector`, `vuln` or `org`; with a reader,
/// only exposures to vulnerabilities it may read.
pub async fn stats(
    pool: &sqlx::AnyPool,
    by: &str,
    vuln_id: Option<&str>,
    now: &str,
    read: Option<&ReadFilter<'_>>,
) -> Result<Vec<ExposureStat>> {
    let key = match by {
        "sector" => "COALESCE(o.sector, o.kind)",
        "org" => "o.name",
        _ => "e.vuln_id",
    };
    let sql = format!(
        "SELECT {key} AS k, COUNT(DISTINCT e.org_id) AS orgs, \
         SUM(CASE WHEN e.state IN {ACTIVE_STATES} THEN 1 ELSE 0 END) AS open_count, \
         SUM(CASE WHEN e.state = 'patched' THEN 1 ELSE 0 END) AS fixed_count, \
         SUM(CASE WHEN e.state IN ('open', 'acknowledged') AND e.due_at IS NOT NULL AND e.due_at < $1 \
             THEN 1 ELSE 0 END) AS overdue_count \
         FROM exposures e JOIN organizations o ON o.id = e.org_id WHERE ($2 = '' OR e.vuln_id = $2) \
         AND {} GROUP BY {key} ORDER BY open_count DESC, k LIMIT 500",
        vuln_readable_clause("e.vuln_id", read, 3, 4)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(vuln_id.unwrap_or(""))
        .bind(read.map(|r| r.org_id).unwrap_or(""))
        .bind(read.map(|r| r.user_id).unwrap_or(""))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ExposureStat {
                key: r.try_get("k")?,
                exposed_orgs: r.try_get("orgs")?,
                open: r.try_get::<Option<i64>, _>("open_count")?.unwrap_or(0),
                fixed: r.try_get::<Option<i64>, _>("fixed_count")?.unwrap_or(0),
                overdue: r.try_get::<Option<i64>, _>("overdue_count")?.unwrap_or(0),
            })
        })
        .collect()
}

/// (first_seen, resolved_at, ssvc_decision) of an organisation's exposures
/// that `read` may read, for the chart of open exposures over time.
pub async fn timeline(
    pool: &sqlx::AnyPool,
    org_id: Option<&str>,
    read: Option<&ReadFilter<'_>>,
) -> Result<Vec<(String, Option<String>, String)>> {
    let sql = format!(
        "SELECT e.first_seen, e.resolved_at, e.ssvc_decision FROM exposures e \
         WHERE ($1 = '' OR e.org_id = $1) AND {}",
        vuln_readable_clause("e.vuln_id", read, 2, 3)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.unwrap_or(""))
        .bind(read.map(|r| r.org_id).unwrap_or(""))
        .bind(read.map(|r| r.user_id).unwrap_or(""))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("first_seen")?,
                r.try_get("resolved_at")?,
                r.try_get("ssvc_decision")?,
            ))
        })
        .collect()
}

/// Open (active) exposures of one asset that `read` may read.
pub async fn open_count(
    conn: &mut AnyConnection,
    asset_id: &str,
    read: Option<&ReadFilter<'_>>,
) -> Result<u64> {
    let sql = format!(
        "SELECT COUNT(*) FROM exposures e WHERE e.asset_id = $1 AND e.state IN {ACTIVE_STATES} AND {}",
        vuln_readable_clause("e.vuln_id", read, 2, 3)
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(asset_id)
        .bind(read.map(|r| r.org_id).unwrap_or(""))
        .bind(read.map(|r| r.user_id).unwrap_or(""))
        .fetch_one(&mut *conn)
        .await?;
    Ok(n.max(0) as u64)
}

/// How many of the exposures `ids` `read` may read.
pub async fn count_readable(
    conn: &mut AnyConnection,
    ids: &[String],
    read: &ReadFilter<'_>,
) -> Result<u64> {
    let mut total = 0;
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM exposures e WHERE e.id IN ({}) AND {}",
            list.join(", "),
            vuln_readable_clause("e.vuln_id", Some(read), 1, 2)
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(read.org_id)
            .bind(read.user_id);
        for id in chunk {
            q = q.bind(id);
        }
        total += q.fetch_one(&mut *conn).await?.max(0) as u64;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_states_in_sql_are_the_domain_s() {
        let active: Vec<String> = RemediationState::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .map(|s| format!("'{s}'"))
            .collect();
        assert_eq!(ACTIVE_STATES, format!("({})", active.join(", ")));
    }
}
