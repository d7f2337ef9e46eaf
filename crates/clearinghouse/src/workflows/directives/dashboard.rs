//! CISA's compliance dashboard of one directive, answered from the
//! figures a refresh materialised (`snapshots.rs`; migrations 0015 and
//! 0028) with a handful of indexed queries, whatever the number of
//! exposures and organisations: the day's totals row (overall, and the
//! trend over 90 days), the action rows, the organisations worst first (a
//! page of them, or every one for the export) and those whose figures
//! moved since the previous day, both ordered and cut in SQL. The score
//! and median of each organisation were worked out by the refresh from
//! the same counters the live `/compliance` merges, so the figures equal
//! `compliance::of_directive`'s (a test checks it on both backends).

use std::collections::HashMap;

use clearinghouse_domain::directive::compliance::Counter;
use clearinghouse_domain::directive::due::add_days;
use clearinghouse_domain::identity::Scope;
use serde::Serialize;
use utoipa::ToSchema;

use super::READ_ALL;
use super::compliance::{
    ActionCompliance, Counts, DirectiveCompliance, OrgCompliance, WORST_OFFENDERS,
};
use super::obligations::today;
use super::snapshots::{corrupt, refresh};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::directives::dashboard::{MovedRow, OrgFigures};
use crate::store::directives::snapshots::RunRow;

/// How many days the trend line shows.
pub const TREND_DAYS: i64 = 90;
/// How many organisations "since yesterday" names.
pub const CHANGED_ORGS: usize = 10;

/// A directive's totals on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    pub day: String,
    pub version: i64,
    pub total: u64,
    pub on_time: u64,
    pub overdue: u64,
    pub excepted: u64,
    pub satisfied: u64,
    /// Percent of obligations not overdue.
    pub score: f64,
}

/// One organisation whose figures moved since the previous day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrgChange {
    pub org_id: String,
    pub org_name: String,
    pub overdue_before: u64,
    pub overdue_now: u64,
    pub satisfied_before: u64,
    pub satisfied_now: u64,
}

/// What changed since the previous day with figures.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SinceYesterday {
    /// The day compared with (`None`: no earlier figures).
    pub previous_day: Option<String>,
    pub total: i64,
    pub on_time: i64,
    pub overdue: i64,
    pub excepted: i64,
    pub satisfied: i64,
    /// The organisations whose overdue or satisfied counts moved, the
    /// largest change in overdue first (at most 10).
    pub orgs: Vec<OrgChange>,
}

/// The CISA dashboard of one directive.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// The figures (the same shape as the live `/compliance`).
    pub compliance: DirectiveCompliance,
    /// When the figures were computed (RFC 3339).
    pub computed_at: String,
    /// The last 90 days with figures, oldest first.
    pub trend: Vec<TrendPoint>,
    pub since_yesterday: SinceYesterday,
    /// How many organisations are in scope: `compliance.by_org` lists
    /// them all here (and in the CSV); the page lists the first 50.
    pub orgs_total: u64,
}

fn point(r: &RunRow) -> AppResult<TrendPoint> {
    let t = Counter::stored(r.counts, &r.days_hist)
        .ok_or_else(|| corrupt(format!("histogram of {}", r.day)))?
        .finish();
    Ok(TrendPoint {
        day: r.day.clone(),
        version: r.version,
        total: t.total,
        on_time: t.on_time,
        overdue: t.overdue,
        excepted: t.excepted,
        satisfied: t.satisfied,
        score: t.score,
    })
}

fn delta(now: u64, before: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX) - i64::try_from(before).unwrap_or(i64::MAX)
}

fn org_compliance(f: OrgFigures) -> OrgCompliance {
    let (total, on_time, overdue, excepted, satisfied) = f.counts;
    OrgCompliance {
        org_id: f.org_id,
        org_name: f.org_name,
        counts: Counts {
            total,
            on_time,
            overdue,
            excepted,
            satisfied,
            score: f.score,
            median_days_to_remediate: f.median_days,
        },
    }
}

fn change(m: MovedRow) -> OrgChange {
    OrgChange {
        org_id: m.org_id,
        org_name: m.org_name,
        overdue_before: m.overdue.0,
        overdue_now: m.overdue.1,
        satisfied_before: m.satisfied.0,
        satisfied_now: m.satisfied.1,
    }
}

/// The dashboard of one directive in force (directive managers,
/// coordinators, auditors, platform admins), from its materialised
/// figures; computed first when today has none for the version in force.
/// `orgs`: how many organisations `compliance.by_org` lists, worst first
/// (None: every one, as the JSON and CSV exports do).
pub async fn dashboard(
    app: &AppState,
    who: &Principal,
    id: &str,
    orgs: Option<usize>,
) -> AppResult<Dashboard> {
    who.require_scope(Scope::ExposuresRead)?;
    if !who.has_any_role(READ_ALL) {
        return Err(AppError::forbidden(
            "the dashboard is for directive managers, coordinators, auditors and platform \
             admins; an organisation reads its own figures at /directives/{id}/compliance",
        ));
    }
    let (d, body) = super::in_force(app, who, id).await?;
    let version = d.issued_version.unwrap_or_default();
    let today = today()?;
    let day = today.to_string();
    let mut conn = app.store.pool.acquire().await?;
    let fresh = store::directives::snapshots::latest_run(&mut conn, &d.id, &day)
        .await?
        .filter(|r| r.day == day && r.version == version && r.detailed);
    let run = match fresh {
        Some(r) => r,
        None => {
            drop(conn);
            refresh(app, &d.id, None, today, &clock::now_text()).await?;
            conn = app.store.pool.acquire().await?;
            store::directives::snapshots::latest_run(&mut conn, &d.id, &day)
                .await?
                .filter(|r| r.day == day)
                .ok_or_else(|| corrupt("no figures after a refresh"))?
        }
    };
    let mut actions = HashMap::new();
    for r in store::directives::dashboard::actions(&mut conn, &d.id, &day).await? {
        let c = Counter::stored(r.counts, &r.days_hist)
            .ok_or_else(|| corrupt(format!("histogram of action {}", r.action_key)))?;
        actions.insert(r.action_key, c);
    }
    let by_action = body
        .actions
        .iter()
        .map(|a| ActionCompliance {
            action: a.key().to_owned(),
            kind: a.kind().to_owned(),
            counts: actions.remove(a.key()).unwrap_or_default().finish().into(),
        })
        .collect();
    let overall = point(&run)?;
    let overall_counts: Counts = Counter::stored(run.counts, &run.days_hist)
        .ok_or_else(|| corrupt(format!("histogram of {}", run.day)))?
        .finish()
        .into();
    let limit = orgs.map(|n| u64::try_from(n.max(WORST_OFFENDERS)).unwrap_or(u64::MAX));
    let listed: Vec<OrgCompliance> =
        store::directives::dashboard::worst_first(&mut conn, &d.id, &day, limit)
            .await?
            .into_iter()
            .map(org_compliance)
            .collect();
    let worst = listed
        .iter()
        .filter(|o| o.counts.overdue > 0)
        .take(WORST_OFFENDERS)
        .cloned()
        .collect();
    let mut by_org = listed;
    if let Some(n) = orgs {
        by_org.truncate(n);
    }
    let orgs_total = u64::try_from(run.orgs).unwrap_or(0);
    let compliance = DirectiveCompliance {
        directive_id: d.id.clone(),
        number: d.number.clone(),
        version,
        as_of: day.clone(),
        applies: orgs_total > 0,
        overall: overall_counts,
        by_action,
        by_org,
        worst_offenders: worst,
    };
    let from = add_days(today, -(TREND_DAYS - 1)).to_string();
    let trend = store::directives::snapshots::runs(&mut conn, &d.id, &from, &day)
        .await?
        .iter()
        .map(point)
        .collect::<AppResult<Vec<_>>>()?;
    let yesterday = add_days(today, -1).to_string();
    let previous = store::directives::snapshots::latest_run(&mut conn, &d.id, &yesterday).await?;
    let mut since = SinceYesterday {
        previous_day: None,
        total: 0,
        on_time: 0,
        overdue: 0,
        excepted: 0,
        satisfied: 0,
        orgs: Vec::new(),
    };
    if let Some(p) = previous {
        let before = point(&p)?;
        since.total = delta(overall.total, before.total);
        since.on_time = delta(overall.on_time, before.on_time);
        since.overdue = delta(overall.overdue, before.overdue);
        since.excepted = delta(overall.excepted, before.excepted);
        since.satisfied = delta(overall.satisfied, before.satisfied);
        since.orgs = store::directives::dashboard::moved(
            &mut conn,
            &d.id,
            &day,
            &p.day,
            CHANGED_ORGS as u64,
        )
        .await?
        .into_iter()
        .map(change)
        .collect();
        since.previous_day = Some(p.day);
    }
    Ok(Dashboard {
        compliance,
        computed_at: run.computed_at,
        trend,
        since_yesterday: since,
        orgs_total,
    })
}
