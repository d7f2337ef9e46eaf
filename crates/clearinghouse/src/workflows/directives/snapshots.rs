//! The compliance dashboard at scale: the figures of a directive are
//! materialised per (directive, day, organisation, action) with the
//! version in force (`store::directives::snapshots`), and from the same
//! counters per organisation (score and median worked out) and per action
//! (`store::directives::dashboard`), so the dashboard (`dashboard.rs`)
//! reads a page of small rows, not three million exposures. The read-time
//! computation (`obligations::compute`) stays the definition: [`refresh`]
//! evaluates every obligation through the same `obligations::Evaluator`
//! and merges the same `Counter`s as `compliance::assemble`, and a test
//! checks that both give the same numbers.
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

use std::collections::HashMap;

use clearinghouse_domain::directive::DirectiveBody;
use clearinghouse_domain::directive::compliance::Counter;
use clearinghouse_domain::frontier::date::CalendarDate;
use serde::{Deserialize, Serialize};

use super::compliance::Parts;
use super::obligations::{Evaluator, orgs_in_scope};
use crate::app::AppState;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::jobs;
use crate::store::directives::DirectiveRow;
use crate::store::directives::dashboard::{ActionDayRow, OrgDayRow};
use crate::store::directives::obligations::ExposureRow;
use crate::store::directives::snapshots::{DayRow, RunRow};
use crate::store::{self, AnyConnection, Tx};
use crate::workflows::read_policy::PolicyReader;

/// What one refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Refreshed {
    pub organizations: u64,
    pub exposures_read: u64,
    pub obligations: u64,
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> AppError {
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
    // Counters by (organisation, action) position: no key built per
    // obligation; made into `Parts` at the end.
    let org_at: HashMap<&str, usize> = orgs
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    let action_at: HashMap<&str, usize> = body
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key(), i))
        .collect();
    let mut grid = vec![vec![Counter::default(); body.actions.len()]; orgs.len()];
    let mut done = Refreshed {
        organizations: orgs.len() as u64,
        ..Refreshed::default()
    };
    let (any_rule, kev_only) = ev.remediate_rules();
    if any_rule && !orgs.is_empty() {
        let reader = PolicyReader::anonymous(app).await?;
        let mut obligations = 0u64;
        let vulns = match org {
            // Every organisation: each vulnerability's facts and read
            // check once, then one plain scan of the exposures.
            None => {
                let v =
                    store::directives::obligations::exposed_vulns(conn, kev_only, &reader.filter())
                        .await?;
                for (id, f) in &v {
                    ev.learn_cvss(id, &f.cvss_vectors);
                }
                Some(v)
            }
            Some(_) => None,
        };
        let each = |e: ExposureRow| {
            let Some(&o) = org_at.get(e.org_id.as_str()) else {
                return;
            };
            for r in ev.remediate(&e) {
                obligations += 1;
                if let Some(&a) = action_at.get(r.action) {
                    grid[o][a].add(r.ob_state, r.days);
                }
            }
        };
        done.exposures_read = match &vulns {
            Some(v) => store::directives::obligations::for_each_exposure_of(conn, v, each).await?,
            None => {
                store::directives::obligations::for_each_exposure(
                    conn,
                    org,
                    kev_only,
                    &reader.filter(),
                    each,
                )
                .await?
            }
        };
        done.obligations = obligations;
    }
    if ev.has_forms() {
        for (i, o) in orgs.iter().enumerate() {
            for f in ev.forms_of(&o.id) {
                done.obligations += 1;
                if let Some(&a) = action_at.get(f.action) {
                    grid[i][a].add(f.ob_state, None);
                }
            }
        }
    }
    let mut parts = Parts::new();
    for (o, row) in orgs.iter().zip(grid) {
        for (a, c) in body.actions.iter().zip(row) {
            parts.insert((o.id.clone(), a.key().to_owned()), c);
        }
    }
    Ok((orgs, parts, done))
}

/// Recomputes the figures of one directive on `today`: of one
/// organisation when `org` is given and the day already has figures for
/// the version in force, else of all. Writes the rows per (organisation,
/// action), per organisation (score and median worked out) and per
/// action, and the day's totals; for one organisation, the totals are the
/// stored ones with its old figures taken out and its new ones put in.
/// Nothing for a directive not in force.
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
            .filter(|r| r.day == day && r.version == version && r.detailed)
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
    let org_rows = org_rows(&parts, version, &computed_at);
    let mut tx = app.store.begin_write().await?;
    store::directives::lock(&mut tx, &d.id).await?;
    let swapped = match org {
        None => Some(by_action(parts.iter())),
        Some(o) => swap_org(&mut tx, &d.id, &day, o, &parts).await?,
    };
    store::directives::snapshots::replace_day(&mut tx, &d.id, &day, org, &rows).await?;
    store::directives::dashboard::replace_orgs(&mut tx, &d.id, &day, org, &org_rows).await?;
    let actions = match swapped {
        Some(a) => a,
        None => {
            let all = store::directives::snapshots::day_rows(&mut tx, &d.id, &day, None).await?;
            let mut parts = Parts::new();
            for r in &all {
                parts.insert((r.org_id.clone(), r.action_key.clone()), stored(r)?);
            }
            by_action(parts.iter())
        }
    };
    let mut total = Counter::default();
    let mut action_rows = Vec::new();
    for (key, c) in &actions {
        total.merge(c);
        action_rows.push(ActionDayRow {
            action_key: key.clone(),
            version,
            counts: c.counts(),
            days_hist: c.days_text(),
            computed_at: computed_at.clone(),
        });
    }
    store::directives::dashboard::replace_actions(&mut tx, &d.id, &day, &action_rows).await?;
    let orgs = store::directives::dashboard::org_count(&mut tx, &d.id, &day).await?;
    store::directives::snapshots::put_run(
        &mut tx,
        &RunRow {
            directive_id: d.id.clone(),
            day: day.clone(),
            version,
            orgs: i64::try_from(orgs).unwrap_or(i64::MAX),
            counts: total.counts(),
            days_hist: total.days_text(),
            computed_at,
            detailed: true,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// The counters per action of some parts.
fn by_action<'a>(
    parts: impl Iterator<Item = (&'a (String, String), &'a Counter)>,
) -> HashMap<String, Counter> {
    let mut out: HashMap<String, Counter> = HashMap::new();
    for ((_, a), c) in parts {
        out.entry(a.clone()).or_default().merge(c);
    }
    out
}

/// The rows per organisation of some parts, score and median worked out.
fn org_rows(parts: &Parts, version: i64, computed_at: &str) -> Vec<OrgDayRow> {
    let mut by_org: HashMap<&str, Counter> = HashMap::new();
    for ((o, _), c) in parts {
        by_org.entry(o.as_str()).or_default().merge(c);
    }
    by_org
        .into_iter()
        .map(|(o, c)| {
            let counts = c.counts();
            let t = c.finish();
            OrgDayRow {
                org_id: o.to_owned(),
                version,
                counts,
                score: t.score,
                median_days: t.median_days_to_remediate,
                computed_at: computed_at.to_owned(),
            }
        })
        .collect()
}

/// The day's stored totals per action with `org`'s stored figures taken
/// out and its new `parts` put in; None when the stored totals do not
/// contain its old figures (then every organisation's rows are summed).
async fn swap_org(
    tx: &mut Tx,
    directive_id: &str,
    day: &str,
    org: &str,
    parts: &Parts,
) -> AppResult<Option<HashMap<String, Counter>>> {
    let mut totals = HashMap::new();
    for r in store::directives::dashboard::actions(tx, directive_id, day).await? {
        let c = Counter::stored(r.counts, &r.days_hist)
            .ok_or_else(|| corrupt(format!("histogram of action {}", r.action_key)))?;
        totals.insert(r.action_key, c);
    }
    for old in store::directives::snapshots::day_rows(tx, directive_id, day, Some(org)).await? {
        let taken = totals
            .get_mut(&old.action_key)
            .is_some_and(|t| stored(&old).is_ok_and(|c| t.remove(&c)));
        if !taken {
            return Ok(None);
        }
    }
    for ((_, a), c) in parts {
        totals.entry(a.clone()).or_default().merge(c);
    }
    Ok(Some(totals))
}

pub(crate) fn stored(r: &DayRow) -> AppResult<Counter> {
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
