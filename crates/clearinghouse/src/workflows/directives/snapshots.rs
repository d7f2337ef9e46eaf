//! The compliance dashboard at scale: the figures of a directive are
//! materialised per (directive, day, organisation, action) with the
//! version in force (`store::directives::snapshots`), so the dashboard
//! reads ten thousand small rows, not three million exposures. The
//! read-time computation (`obligations::compute`) stays the definition:
//! [`refresh`] evaluates every obligation through the same
//! `obligations::Evaluator` and the dashboard is assembled by the same
//! `compliance::assemble`, and a test checks that both give the same
//! numbers.
//!
//! What the figures count: exposures whose every advisory anyone may read
//! (the anonymous reader of the public feeds), so a figure shown to a
//! directive manager never reveals an embargoed vulnerability; an
//! organisation reads its own obligations live, with its own rights.
//!
//! When they are refreshed: daily (`directive.refresh`, every directive,
//! every organisation), when a version is issued, and per organisation
//! when its exposures or remediation states change ([`changed`], called in
//! the transaction of the change). The dashboard shows when its figures
//! were computed; a directive without today's figures is computed on
//! first read.

use std::collections::{HashMap, HashSet};

use clearinghouse_domain::directive::DirectiveBody;
use clearinghouse_domain::directive::compliance::Counter;
use clearinghouse_domain::directive::due::add_days;
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::READ_ALL;
use super::compliance::{DirectiveCompliance, Parts, assemble};
use super::obligations::{Evaluator, orgs_in_scope, today};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::jobs;
use crate::store::directives::DirectiveRow;
use crate::store::directives::snapshots::{DayRow, RunRow};
use crate::store::{self, AnyConnection, Tx};
use crate::workflows::read_policy::PolicyReader;

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
}

/// What one refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Refreshed {
    pub organizations: u64,
    pub exposures_read: u64,
    pub obligations: u64,
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored directive figures: {e}"))
}

/// The version in force of a directive and its content, for the system
/// (no reader): None when never issued or revoked.
pub(crate) async fn in_force_row(
    conn: &mut AnyConnection,
    id: &str,
) -> AppResult<Option<(DirectiveRow, DirectiveBody)>> {
    let Some(d) = store::directives::get(conn, id).await? else {
        return Ok(None);
    };
    let Some(n) = d.issued_version.filter(|_| d.state != "revoked") else {
        return Ok(None);
    };
    let v = store::directives::version(conn, &d.id, n)
        .await?
        .ok_or_else(|| corrupt("missing issued version"))?;
    let body: DirectiveBody = serde_json::from_str(&v.body).map_err(corrupt)?;
    Ok(Some((d, body)))
}

/// Counts every obligation of the directive in force for the
/// organisations in scope (one when `org` is given) on `today`, as the
/// anonymous reader may see the exposures. Returns the organisations and
/// the counters per (organisation, action).
pub async fn count(
    app: &AppState,
    conn: &mut AnyConnection,
    d: &DirectiveRow,
    body: &DirectiveBody,
    org: Option<&str>,
    today: CalendarDate,
    now: &str,
) -> AppResult<(
    Vec<store::directives::obligations::OrgRow>,
    Parts,
    Refreshed,
)> {
    let orgs = orgs_in_scope(conn, body, org).await?;
    let requests = store::directives::forms::requests(conn, &d.id, org, None).await?;
    let subs = store::directives::forms::submissions(conn, &d.id, org).await?;
    let mut ev = Evaluator::new(body, &requests, &subs, today, now.to_owned());
    let mut parts = Parts::new();
    for o in &orgs {
        for a in &body.actions {
            parts.insert((o.id.clone(), a.key().to_owned()), Counter::default());
        }
    }
    let in_scope: HashSet<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    let mut done = Refreshed {
        organizations: orgs.len() as u64,
        ..Refreshed::default()
    };
    let (any_rule, kev_only) = ev.remediate_rules();
    if any_rule && !orgs.is_empty() {
        let reader = PolicyReader::anonymous(app).await?;
        let mut obligations = 0u64;
        done.exposures_read = store::directives::obligations::for_each_exposure(
            conn,
            org,
            kev_only,
            &reader.filter(),
            |e| {
                if !in_scope.contains(e.org_id.as_str()) {
                    return;
                }
                for r in ev.remediate(&e) {
                    obligations += 1;
                    if let Some(c) = parts.get_mut(&(e.org_id.clone(), r.action.to_owned())) {
                        c.add(r.ob_state, r.days);
                    }
                }
            },
        )
        .await?;
        done.obligations = obligations;
    }
    if ev.has_forms() {
        for o in &orgs {
            for f in ev.forms_of(&o.id) {
                done.obligations += 1;
                if let Some(c) = parts.get_mut(&(o.id.clone(), f.action.to_owned())) {
                    c.add(f.ob_state, None);
                }
            }
        }
    }
    Ok((orgs, parts, done))
}

/// Recomputes the figures of one directive on `today`: of one
/// organisation when `org` is given and the day already has figures for
/// the version in force, else of all. Nothing for a directive not in force.
pub async fn refresh(
    app: &AppState,
    directive_id: &str,
    org: Option<&str>,
    today: CalendarDate,
    now: &str,
) -> AppResult<Refreshed> {
    let mut conn = app.store.pool.acquire().await?;
    let Some((d, body)) = in_force_row(&mut conn, directive_id).await? else {
        return Ok(Refreshed::default());
    };
    let version = d.issued_version.unwrap_or_default();
    let day = today.to_string();
    let org = match org {
        Some(o) => store::directives::snapshots::latest_run(&mut conn, &d.id, &day)
            .await?
            .filter(|r| r.day == day && r.version == version)
            .map(|_| o),
        None => None,
    };
    let (_, parts, done) = count(app, &mut conn, &d, &body, org, today, now).await?;
    drop(conn);
    let computed_at = clock::now_text();
    let rows: Vec<DayRow> = parts
        .iter()
        .map(|((o, a), c)| DayRow {
            org_id: o.clone(),
            action_key: a.clone(),
            version,
            counts: c.counts(),
            days_hist: c.days_text(),
            computed_at: computed_at.clone(),
        })
        .collect();
    let mut tx = app.store.begin_write().await?;
    store::directives::snapshots::replace_day(&mut tx, &d.id, &day, org, &rows).await?;
    let all = store::directives::snapshots::day_rows(&mut tx, &d.id, &day).await?;
    let mut total = Counter::default();
    let mut orgs = HashSet::new();
    for r in &all {
        total.merge(&stored(r)?);
        orgs.insert(r.org_id.as_str());
    }
    store::directives::snapshots::put_run(
        &mut tx,
        &RunRow {
            directive_id: d.id.clone(),
            day: day.clone(),
            version,
            orgs: orgs.len() as i64,
            counts: total.counts(),
            days_hist: total.days_text(),
            computed_at,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

fn stored(r: &DayRow) -> AppResult<Counter> {
    Counter::stored(r.counts, &r.days_hist)
        .ok_or_else(|| corrupt(format!("histogram of {} / {}", r.org_id, r.action_key)))
}

/// Refreshes every directive in force (one organisation's figures, or all).
pub async fn refresh_all(
    app: &AppState,
    org: Option<&str>,
    today: CalendarDate,
    now: &str,
) -> AppResult<Refreshed> {
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::directives::list(&mut conn, true).await?;
    drop(conn);
    let mut sum = Refreshed::default();
    for d in rows.iter().filter(|d| d.state == "issued") {
        let r = refresh(app, &d.id, org, today, now).await?;
        sum.organizations += r.organizations;
        sum.exposures_read += r.exposures_read;
        sum.obligations += r.obligations;
    }
    Ok(sum)
}

/// Called in the transaction of a change to exposures or remediation
/// states of `orgs`: queues one figures refresh per organisation
/// (coalesced while queued), only when some directive is in force.
pub async fn changed<'a>(tx: &mut Tx, orgs: impl IntoIterator<Item = &'a str>) -> AppResult<()> {
    let mut orgs: Vec<&str> = orgs.into_iter().collect();
    if orgs.is_empty() || !store::directives::snapshots::any_in_force(tx).await? {
        return Ok(());
    }
    orgs.sort_unstable();
    orgs.dedup();
    let now = clock::now_text();
    for o in orgs {
        let job = jobs::directive_refresh::DirectiveRefresh {
            org_id: Some(o.to_owned()),
            as_of: None,
        };
        jobs::enqueue(
            tx,
            &job,
            Some(&format!("directive.refresh:{o}")),
            &now,
            &now,
        )
        .await?;
    }
    Ok(())
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

/// The dashboard of one directive in force (directive managers,
/// coordinators, auditors, platform admins), from its materialised
/// figures; computed first when today has none for the version in force.
pub async fn dashboard(app: &AppState, who: &Principal, id: &str) -> AppResult<Dashboard> {
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
        .filter(|r| r.day == day && r.version == version);
    let run = match fresh {
        Some(r) => r,
        None => {
            drop(conn);
            refresh(app, &d.id, None, today, &clock::now_text()).await?;
            conn = app.store.pool.acquire().await?;
            store::directives::snapshots::latest_run(&mut conn, &d.id, &day)
                .await?
                .ok_or_else(|| corrupt("no figures after a refresh"))?
        }
    };
    let rows = store::directives::snapshots::day_rows(&mut conn, &d.id, &day).await?;
    let names: HashMap<String, String> = store::directives::obligations::organizations(&mut conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut parts = Parts::new();
    let mut seen = HashSet::new();
    let mut orgs = Vec::new();
    for r in &rows {
        if seen.insert(r.org_id.clone()) {
            orgs.push(store::directives::obligations::OrgRow {
                id: r.org_id.clone(),
                name: names.get(&r.org_id).cloned().unwrap_or_default(),
                kind: String::new(),
                sector: None,
            });
        }
        parts.insert((r.org_id.clone(), r.action_key.clone()), stored(r)?);
    }
    let compliance = assemble(&d, &body, day.clone(), &orgs, &parts);
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
        let o = &compliance.overall;
        since.total = delta(o.total, before.total);
        since.on_time = delta(o.on_time, before.on_time);
        since.overdue = delta(o.overdue, before.overdue);
        since.excepted = delta(o.excepted, before.excepted);
        since.satisfied = delta(o.satisfied, before.satisfied);
        let mut old: HashMap<String, (u64, u64)> = HashMap::new();
        for r in store::directives::snapshots::day_rows(&mut conn, &d.id, &p.day).await? {
            let e = old.entry(r.org_id).or_default();
            e.0 += r.counts.2;
            e.1 += r.counts.4;
        }
        let mut moved: Vec<OrgChange> = compliance
            .by_org
            .iter()
            .filter_map(|o| {
                let (ob, sb) = old.get(&o.org_id).copied().unwrap_or_default();
                let (on, sn) = (o.counts.overdue, o.counts.satisfied);
                ((ob, sb) != (on, sn)).then(|| OrgChange {
                    org_id: o.org_id.clone(),
                    org_name: o.org_name.clone(),
                    overdue_before: ob,
                    overdue_now: on,
                    satisfied_before: sb,
                    satisfied_now: sn,
                })
            })
            .collect();
        moved.sort_by(|a, b| {
            let da = delta(a.overdue_now, a.overdue_before).unsigned_abs();
            let db = delta(b.overdue_now, b.overdue_before).unsigned_abs();
            db.cmp(&da).then(a.org_name.cmp(&b.org_name))
        });
        moved.truncate(CHANGED_ORGS);
        since.previous_day = Some(p.day);
        since.orgs = moved;
    }
    Ok(Dashboard {
        compliance,
        computed_at: run.computed_at,
        trend,
        since_yesterday: since,
    })
}
