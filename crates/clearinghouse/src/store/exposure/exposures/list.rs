//! The exposure list (`GET /api/v1/exposures` and the pages built on it)
//! and one exposure by id, read as one JSON value per query.
//!
//! The page is aggregated in SQL (`store::json_rows`): the database hands
//! back one text value holding every row instead of 51 rows of 33 values,
//! each of which sqlx's `Any` driver would copy twice (SQLite's value,
//! then `AnyValue`) and send across from the SQLite worker thread one row
//! at a time. The rows are read with serde into [`ListRow`], by position,
//! and turned into [`Exposure`]s here, the same way for the reads that still take
//! rows ([`exposure_from_row`]).

use serde::Deserialize;

use super::{ACTIVE_STATES, Filter, LIST_COLUMNS, LIST_FROM, vuln_readable_clause};
use crate::model::assessment::InputsKey;
use crate::model::exposure::{
    Assessment, ComponentRef, Exposure, MatchDecision, PriorityInputs, SsvcDecision, VulnRef,
};
use crate::store::json_rows;
use crate::store::{Result, Store, StoreError, decode_text, parse_json_list};
use clearinghouse_domain::exposure::{
    Embargo, Remediation, RemediationState, exposure_tlp, is_overdue,
};
use clearinghouse_domain::priority::{AssetFacts, VulnFacts};
use clearinghouse_domain::ssvc::{CisaSsvcInputs, MissionWellbeing};

/// The output names of `LIST_COLUMNS`, in its order, which is also the
/// order of [`ListRow`]'s fields (tests compare both).
const NAMES: &[&str] = &[
    "id",
    "org_id",
    "asset_id",
    "asset_name",
    "component_name",
    "component_version",
    "component_purl",
    "vuln_id",
    "aliases",
    "summary",
    "advisory_id",
    "decision",
    "reason",
    "priority_rank",
    "ssvc_decision",
    "deadline",
    "due_at",
    "embargoed",
    "state",
    "state_reason",
    "accepted_until",
    "first_seen",
    "updated_at",
    "resolved_at",
    "cvss_vectors",
    "ssvc",
    "in_kev",
    "kev_due_date",
    "kev_ransomware",
    "epss",
    "epss_percentile",
    "publicly_exposed",
    "mission_impact",
];

/// One row of `LIST_COLUMNS` as the aggregated JSON carries it: an array
/// of its values, read field by field in this order.
#[derive(Debug, Deserialize)]
struct ListRow {
    id: String,
    org_id: String,
    asset_id: String,
    asset_name: String,
    component_name: String,
    component_version: Option<String>,
    component_purl: Option<String>,
    vuln_id: String,
    aliases: Option<String>,
    summary: Option<String>,
    advisory_id: String,
    decision: String,
    reason: String,
    priority_rank: i64,
    ssvc_decision: String,
    deadline: String,
    due_at: Option<String>,
    embargoed: i64,
    state: String,
    state_reason: Option<String>,
    accepted_until: Option<String>,
    first_seen: String,
    updated_at: String,
    resolved_at: Option<String>,
    cvss_vectors: Option<String>,
    ssvc: Option<String>,
    in_kev: Option<i64>,
    kev_due_date: Option<String>,
    kev_ransomware: Option<i64>,
    epss: Option<f64>,
    epss_percentile: Option<f64>,
    publicly_exposed: i64,
    mission_impact: String,
}

/// An [`Exposure`] from a row of a `LIST_COLUMNS` query that returns rows
/// (the UI table, the summary), through the same [`ListRow`].
pub(super) fn exposure_from_row(r: &sqlx::any::AnyRow, now: &str) -> Result<Exposure> {
    use sqlx::Row;
    let row = from_columns!(r => ListRow {
        id, org_id, asset_id, asset_name, component_name, component_version,
        component_purl, vuln_id, aliases, summary, advisory_id, decision, reason,
        priority_rank, ssvc_decision, deadline, due_at, embargoed, state,
        state_reason, accepted_until, first_seen, updated_at, resolved_at,
        cvss_vectors, ssvc, in_kev, kev_due_date, kev_ransomware, epss,
        epss_percentile, publicly_exposed, mission_impact,
    });
    row.into_exposure(now)
}

impl ListRow {
    /// What the priority is computed from; none without the vulnerability.
    fn inputs(&self) -> Result<Option<PriorityInputs>> {
        let Some(vectors) = self.cvss_vectors.as_deref() else {
            return Ok(None);
        };
        Ok(Some(PriorityInputs {
            vuln: VulnFacts {
                cvss_vectors: parse_json_list(vectors)?,
                epss: self.epss.zip(self.epss_percentile),
                in_kev: self.in_kev.unwrap_or(0) != 0,
                kev_due_date: self.kev_due_date.clone(),
                kev_ransomware: self.kev_ransomware.unwrap_or(0) != 0,
                ssvc: self
                    .ssvc
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .and_then(|v| CisaSsvcInputs::from_json(&v).ok()),
            },
            asset: AssetFacts {
                publicly_exposed: self.publicly_exposed != 0,
                mission_impact: MissionWellbeing::parse(&self.mission_impact)
                    .unwrap_or(MissionWellbeing::Medium),
            },
        }))
    }

    /// The priority, from the memo when these inputs were assessed before:
    /// keyed by every column [`ListRow::inputs`] reads, as stored.
    fn assessment(&self) -> Result<Assessment> {
        let key = InputsKey::new()
            .text(self.cvss_vectors.as_deref())
            .number(self.epss)
            .number(self.epss_percentile)
            .int(self.in_kev)
            .text(self.kev_due_date.as_deref())
            .int(self.kev_ransomware)
            .text(self.ssvc.as_deref())
            .int(Some(self.publicly_exposed))
            .text(Some(&self.mission_impact));
        Assessment::memoized(key, || self.inputs())
    }

    fn into_exposure(self, now: &str) -> Result<Exposure> {
        let aliases = match self.aliases.as_deref() {
            Some(a) => parse_json_list(a)?
                .into_iter()
                .filter(|a| *a != self.vuln_id)
                .collect(),
            None => Vec::new(),
        };
        let priority = self.assessment()?;
        let stored = Remediation {
            state: decode_text("exposures", "state", self.state, RemediationState::parse)?,
            reason: self.state_reason,
            accepted_until: self.accepted_until,
        };
        // An expired risk acceptance is open again, without a write: the
        // operator sees it the moment the acceptance runs out.
        let Remediation {
            state,
            reason: state_reason,
            accepted_until,
        } = stored.at(now);
        let embargo = Embargo::from_flag(self.embargoed != 0);
        let overdue = is_overdue(state, self.due_at.as_deref(), now);
        Ok(Exposure {
            id: self.id,
            org_id: self.org_id,
            asset_id: self.asset_id,
            asset_name: self.asset_name,
            component: ComponentRef {
                name: self.component_name,
                version: self.component_version,
                purl: self.component_purl,
            },
            vulnerability: VulnRef {
                id: self.vuln_id,
                aliases,
                summary: self.summary.unwrap_or_default(),
            },
            advisory_id: self.advisory_id,
            decision: decode_text("exposures", "decision", self.decision, MatchDecision::parse)?,
            reason: self.reason,
            priority,
            priority_rank: self.priority_rank,
            ssvc_decision: decode_text(
                "exposures",
                "ssvc_decision",
                self.ssvc_decision,
                SsvcDecision::parse,
            )?,
            deadline: self.deadline,
            due_at: self.due_at,
            overdue,
            state,
            state_reason,
            accepted_until,
            tlp: exposure_tlp(embargo),
            embargoed: embargo.in_force(),
            first_seen: self.first_seen,
            updated_at: self.updated_at,
            resolved_at: self.resolved_at,
        })
    }
}

/// The exposures `select` (a statement over `LIST_COLUMNS`) returns, in
/// the order `order` (over those names) gives.
async fn fetch(
    store: &Store,
    select: &str,
    order: &str,
    binds: Vec<Bound<'_>>,
    now: &str,
) -> Result<Vec<Exposure>> {
    let sql = json_rows::rows_of(store.backend, NAMES, order, select);
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bound::Int(v) => query.bind(v),
            Bound::Text(v) => query.bind(v),
        };
    }
    let text = store
        .reads
        .run(async move |conn| Ok(query.fetch_one(&mut *conn).await?))
        .await?;
    let rows: Vec<ListRow> = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("exposure rows: {e}")))?;
    rows.into_iter().map(|r| r.into_exposure(now)).collect()
}

/// A value bound to a list statement.
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

/// Exposures, most urgent first; the cursor is `rank:id` of the last row seen.
///
/// The WHERE names only the filters given (no `$n = '' OR col = $n`, which
/// no planner can serve from an index), so an operator's page walks
/// `exposures_org_rank` in order and stops after `limit` rows.
pub async fn page(
    store: &Store,
    filter: &Filter<'_>,
    after: Option<(i64, &str)>,
    limit: i64,
    now: &str,
) -> Result<Vec<Exposure>> {
    let state = filter.state.unwrap_or("active");
    let (rank, id) = after.unwrap_or((i64::MAX, ""));
    let mut binds = vec![Bound::Int(rank), Bound::Text(id), Bound::Int(limit)];
    let mut conditions: Vec<String> = Vec::new();
    // $1..$3 are the cursor and the limit; the filters follow.
    for (column, value) in [
        ("e.org_id", filter.org_id),
        ("e.asset_id", filter.asset_id),
        ("e.vuln_id", filter.vuln_id),
    ] {
        if let Some(value) = value {
            binds.push(Bound::Text(value));
            conditions.push(format!("{column} = ${}", binds.len()));
        }
    }
    match state {
        "all" => {}
        "active" => conditions.push(format!("e.state IN {ACTIVE_STATES}")),
        one => {
            binds.push(Bound::Text(one));
            conditions.push(format!("e.state = ${}", binds.len()));
        }
    }
    if let Some(read) = filter.read.as_ref() {
        binds.push(Bound::Text(read.org_id));
        binds.push(Bound::Text(read.user_id));
        let (org, user) = (binds.len() - 1, binds.len());
        conditions.push(vuln_readable_clause("e.vuln_id", Some(read), org, user));
    }
    conditions.push("(e.priority_rank < $1 OR (e.priority_rank = $1 AND e.id > $2))".to_owned());
    let select = format!(
        "SELECT {LIST_COLUMNS} {LIST_FROM} WHERE {} \
         ORDER BY e.priority_rank DESC, e.id LIMIT $3",
        conditions.join(" AND ")
    );
    fetch(store, &select, "priority_rank DESC, id", binds, now).await
}

/// One exposure by id, whoever may read it (the caller checks).
pub async fn get(store: &Store, id: &str, now: &str) -> Result<Option<Exposure>> {
    let select = format!("SELECT {LIST_COLUMNS} {LIST_FROM} WHERE e.id = $1");
    Ok(fetch(store, &select, "id", vec![Bound::Text(id)], now)
        .await?
        .into_iter()
        .next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_list_columns_output_names() {
        let from_sql: Vec<&str> = LIST_COLUMNS
            .split(',')
            .map(|c| {
                let c = c.trim();
                c.rsplit(" AS ")
                    .next()
                    .map(|n| n.rsplit('.').next().unwrap_or(n))
                    .unwrap_or(c)
            })
            .collect();
        assert_eq!(from_sql, NAMES);
    }

    /// A row read by position is the row read by name: the struct's fields
    /// are in `NAMES` order.
    #[test]
    fn list_row_fields_are_in_names_order() {
        let value = |i: usize, name: &str| match name {
            "priority_rank" | "embargoed" | "in_kev" | "kev_ransomware" | "publicly_exposed" => {
                serde_json::json!(i)
            }
            "epss" | "epss_percentile" => serde_json::json!(i as f64 / 100.0),
            _ => serde_json::json!(format!("v{i}")),
        };
        let by_name: serde_json::Map<String, serde_json::Value> = NAMES
            .iter()
            .enumerate()
            .map(|(i, n)| ((*n).to_owned(), value(i, n)))
            .collect();
        let by_position: Vec<serde_json::Value> =
            NAMES.iter().enumerate().map(|(i, n)| value(i, n)).collect();
        let named: ListRow = serde_json::from_value(by_name.into()).expect("by name");
        let positional: ListRow = serde_json::from_value(by_position.into()).expect("by position");
        assert_eq!(format!("{named:?}"), format!("{positional:?}"));
    }
}
