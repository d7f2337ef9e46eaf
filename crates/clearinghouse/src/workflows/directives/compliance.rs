//! The compliance dashboard's figures: per directive, overall, per action
//! and per organisation, the on time / overdue / excepted / satisfied
//! counts, the score (percent not overdue), the median days to remediate,
//! and the worst offenders (most overdue first). The CSV export is written
//! from the same [`DirectiveCompliance`] value as the JSON, so the numbers
//! on the page are the numbers of the export. Organisations other than the
//! caller's appear only for `READ_ALL` roles.

use std::collections::HashMap;

use clearinghouse_domain::directive::DirectiveBody;
use clearinghouse_domain::directive::compliance::{Counter, ObligationState, Tally, worst_first};
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::obligations::{self, org_filter};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::directives::DirectiveRow;
use crate::store::directives::obligations::OrgRow;

/// How many organisations the worst-offenders list names.
pub const WORST_OFFENDERS: usize = 10;

/// Counts of obligations by state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Counts {
    pub total: u64,
    pub on_time: u64,
    pub overdue: u64,
    pub excepted: u64,
    pub satisfied: u64,
    /// Percent of obligations not overdue (100 when there are none).
    pub score: f64,
    /// Median days from first seen to satisfied (remediate obligations).
    pub median_days_to_remediate: Option<f64>,
}

impl From<Tally> for Counts {
    fn from(t: Tally) -> Self {
        Counts {
            total: t.total,
            on_time: t.on_time,
            overdue: t.overdue,
            excepted: t.excepted,
            satisfied: t.satisfied,
            score: t.score,
            median_days_to_remediate: t.median_days_to_remediate,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgCompliance {
    pub org_id: String,
    pub org_name: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionCompliance {
    pub action: String,
    pub kind: String,
    pub counts: Counts,
}

/// One directive's compliance as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectiveCompliance {
    pub directive_id: String,
    pub number: String,
    pub version: i64,
    /// The day the figures are computed for (`YYYY-MM-DD`, UTC).
    pub as_of: String,
    /// False when no organisation the figures cover is in the directive's
    /// scope (an organisation outside it reading its own): it has no
    /// obligations, and the counts and score mean nothing.
    pub applies: bool,
    pub overall: Counts,
    pub by_action: Vec<ActionCompliance>,
    /// Every organisation in scope the caller may see, worst first.
    pub by_org: Vec<OrgCompliance>,
    /// The organisations with overdue obligations, worst first (at most 10).
    pub worst_offenders: Vec<OrgCompliance>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplianceQuery {
    /// One organisation (managers, coordinators, auditors, admins; others
    /// always see their own).
    pub org: Option<String>,
}

pub(crate) fn state_of(s: &str) -> ObligationState {
    ObligationState::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .unwrap_or(ObligationState::OnTime)
}

/// Counters per (organisation, action): what the figures are made of,
/// whether counted now from obligations or read back materialised.
pub type Parts = HashMap<(String, String), Counter>;

/// The figures of a directive from its parts: overall, per action (in the
/// directive's order), per organisation in scope (worst first) and the
/// worst offenders. The one assembly of the live and the materialised
/// figures.
pub(crate) fn assemble(
    d: &DirectiveRow,
    body: &DirectiveBody,
    as_of: String,
    orgs: &[OrgRow],
    parts: &Parts,
) -> DirectiveCompliance {
    let mut overall = Counter::default();
    let mut by_action: HashMap<&str, Counter> = HashMap::new();
    let mut by_org: HashMap<&str, Counter> = HashMap::new();
    for ((org, action), c) in parts {
        overall.merge(c);
        by_action.entry(action.as_str()).or_default().merge(c);
        by_org.entry(org.as_str()).or_default().merge(c);
    }
    let mut orgs: Vec<OrgCompliance> = orgs
        .iter()
        .map(|o| OrgCompliance {
            org_id: o.id.clone(),
            org_name: o.name.clone(),
            counts: by_org
                .remove(o.id.as_str())
                .unwrap_or_default()
                .finish()
                .into(),
        })
        .collect();
    worst_first(&mut orgs, |o| {
        (o.counts.overdue, o.counts.score, o.org_name.as_str())
    });
    let worst = orgs
        .iter()
        .filter(|o| o.counts.overdue > 0)
        .take(WORST_OFFENDERS)
        .cloned()
        .collect();
    let by_action = body
        .actions
        .iter()
        .map(|a| ActionCompliance {
            action: a.key().to_owned(),
            kind: a.kind().to_owned(),
            counts: by_action
                .remove(a.key())
                .unwrap_or_default()
                .finish()
                .into(),
        })
        .collect();
    DirectiveCompliance {
        directive_id: d.id.clone(),
        number: d.number.clone(),
        version: d.issued_version.unwrap_or_default(),
        as_of,
        applies: !orgs.is_empty(),
        overall: overall.finish().into(),
        by_action,
        by_org: orgs,
        worst_offenders: worst,
    }
}

/// The figures of one directive in force.
pub async fn of_directive(
    app: &AppState,
    who: &Principal,
    id: &str,
    q: ComplianceQuery,
) -> AppResult<DirectiveCompliance> {
    who.require_scope(Scope::ExposuresRead)?;
    let (d, body) = super::in_force(app, who, id).await?;
    let org = org_filter(who, q.org.as_deref())?;
    let computed = obligations::compute(app, who, &d.id, &body, org.as_deref()).await?;
    let mut parts = Parts::new();
    for (o, days) in &computed.items {
        parts
            .entry((o.org_id.clone(), o.action.clone()))
            .or_default()
            .add(state_of(&o.state), *days);
    }
    Ok(assemble(
        &d,
        &body,
        computed.today.to_string(),
        &computed.orgs,
        &parts,
    ))
}

/// The figures of every directive in force (for `clearinghouse compliance`).
pub async fn all(
    app: &AppState,
    who: &Principal,
    q: ComplianceQuery,
) -> AppResult<Vec<DirectiveCompliance>> {
    who.require_scope(Scope::ExposuresRead)?;
    org_filter(who, q.org.as_deref())?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::directives::list(&mut conn, true).await?;
    drop(conn);
    let mut out = Vec::new();
    for d in rows.into_iter().filter(|d| d.state == "issued") {
        let q = ComplianceQuery { org: q.org.clone() };
        match of_directive(app, who, &d.id, q).await {
            Ok(c) => out.push(c),
            Err(AppError::NotFound | AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A CSV cell: quoted when needed, and a leading `=`, `+`, `-` or `@`
/// defused so a spreadsheet does not run it as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The counts as CSV cells, numbers written exactly as the JSON writes
/// them (`75.0`), so both exports read the same.
fn counts_cells(c: &Counts) -> String {
    let number = |x: f64| serde_json::Value::from(x).to_string();
    format!(
        "{},{},{},{},{},{},{}",
        c.total,
        c.on_time,
        c.overdue,
        c.excepted,
        c.satisfied,
        number(c.score),
        c.median_days_to_remediate.map(number).unwrap_or_default()
    )
}

/// The CSV export of compliance figures: one row overall, one per action,
/// one per organisation, for each directive.
pub fn to_csv(items: &[DirectiveCompliance]) -> String {
    let mut out = String::from(
        "directive,version,as_of,row,key,name,total,on_time,overdue,excepted,satisfied,score,median_days_to_remediate\n",
    );
    for c in items {
        let lead = format!("{},{},{}", cell(&c.number), c.version, c.as_of);
        out.push_str(&format!("{lead},overall,,,{}\n", counts_cells(&c.overall)));
        for a in &c.by_action {
            out.push_str(&format!(
                "{lead},action,{},{},{}\n",
                cell(&a.action),
                cell(&a.kind),
                counts_cells(&a.counts)
            ));
        }
        for o in &c.by_org {
            out.push_str(&format!(
                "{lead},organization,{},{},{}\n",
                cell(&o.org_id),
                cell(&o.org_name),
                counts_cells(&o.counts)
            ));
        }
    }
    out
}
