//! Reminders and escalation: before an obligation falls due (7 days and 1
//! day before its effective due date) and once it is overdue, the
//! organisation is told through its inbox, and so through its webhooks
//! (agencies' own ticketing) and email (`notifications::enqueue`); each
//! directive manager's organisation gets a daily digest. One notification
//! per (directive, organisation, action, kind) and run, naming how many
//! obligations it concerns and their due dates; never one per exposure.
//!
//! Each reminder goes out once: a `directive_notices` row per (directive,
//! organisation, action, kind, due date) is inserted in the transaction
//! that queues the notification, and a reminder already recorded is not
//! sent again, however often the daily `directive.remind` job runs (or is
//! retried). The day is a parameter, so tests drive it with their own
//! clock. Like the dashboard's figures, reminders count exposures of
//! vulnerabilities anyone may read: an embargoed one is reminded of once
//! the embargo is lifted.

use crate::model::notify::NotificationKind;
use std::collections::{BTreeMap, HashMap, HashSet};

use clearinghouse_domain::directive::compliance::{ObligationState, effective_due};
use clearinghouse_domain::directive::due::add_days;
use clearinghouse_domain::frontier::date::CalendarDate;
use serde::Serialize;
use serde_json::json;

use super::obligations::{Evaluator, orgs_in_scope};
use crate::app::AppState;
use crate::error::AppResult;
use crate::store;
use crate::store::directives::notices::NoticeRow;
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::read_policy::PolicyReader;

/// Days before the due date a reminder goes out.
pub const REMIND_BEFORE: [i64; 2] = [7, 1];

/// What one run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Reminded {
    /// Reminders and overdue notices (notifications) sent.
    pub notifications: u64,
    /// Due dates newly recorded as reminded.
    pub notices: u64,
    pub digests: u64,
}

/// (organisation, action, kind) → due date → how many obligations.
type Groups = BTreeMap<(String, String, &'static str), BTreeMap<CalendarDate, u64>>;

fn kind_of(
    state: ObligationState,
    due: Option<CalendarDate>,
    today: CalendarDate,
) -> Option<&'static str> {
    let due = due?;
    match state {
        ObligationState::Overdue => Some("overdue"),
        ObligationState::OnTime if due == add_days(today, REMIND_BEFORE[0]) => Some("due_in_7"),
        ObligationState::OnTime if due == add_days(today, REMIND_BEFORE[1]) => Some("due_in_1"),
        _ => None,
    }
}

/// The overall counts of one directive on `today`, for the digest.
#[derive(Debug, Default)]
struct Totals {
    orgs: u64,
    total: u64,
    overdue: u64,
    on_time: u64,
    excepted: u64,
    satisfied: u64,
}

impl Totals {
    fn add(&mut self, s: ObligationState) {
        self.total += 1;
        match s {
            ObligationState::OnTime => self.on_time += 1,
            ObligationState::Overdue => self.overdue += 1,
            ObligationState::Excepted => self.excepted += 1,
            ObligationState::Satisfied => self.satisfied += 1,
        }
    }
}

/// Sends the reminders, overdue notices and digests due on `today` for
/// every directive in force.
pub async fn run(app: &AppState, today: CalendarDate, now: &str) -> AppResult<Reminded> {
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::directives::list(&mut conn, true).await?;
    drop(conn);
    let mut sum = Reminded::default();
    for d in rows.iter().filter(|d| d.state == "issued") {
        let r = directive(app, &d.id, today, now).await?;
        sum.notifications += r.notifications;
        sum.notices += r.notices;
        sum.digests += r.digests;
    }
    Ok(sum)
}

async fn directive(
    app: &AppState,
    id: &str,
    today: CalendarDate,
    now: &str,
) -> AppResult<Reminded> {
    let mut conn = app.store.pool.acquire().await?;
    let Some((d, body)) = super::snapshots::in_force_row(&mut conn, id).await? else {
        return Ok(Reminded::default());
    };
    let orgs = orgs_in_scope(&mut conn, &body, None).await?;
    let requests = store::directives::forms::requests(&mut conn, &d.id, None, None).await?;
    let subs = store::directives::forms::submissions(&mut conn, &d.id, None).await?;
    let mut ev = Evaluator::new(&body, &requests, &subs, today, now.to_owned());
    let in_scope: HashSet<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    let mut groups = Groups::new();
    let mut totals = Totals {
        orgs: orgs.len() as u64,
        ..Totals::default()
    };
    let mut add = |groups: &mut Groups, org: &str, action: &str, state, due| {
        totals.add(state);
        if let Some(kind) = kind_of(state, due, today)
            && let Some(due) = due
        {
            *groups
                .entry((org.to_owned(), action.to_owned(), kind))
                .or_default()
                .entry(due)
                .or_default() += 1;
        }
    };
    let (any_rule, kev_only) = ev.remediate_rules();
    if any_rule && !orgs.is_empty() {
        let reader = PolicyReader::anonymous(app).await?;
        store::directives::obligations::for_each_exposure(
            &mut conn,
            None,
            kev_only,
            &reader.filter(),
            |e| {
                if !in_scope.contains(e.org_id.as_str()) {
                    return;
                }
                for r in ev.remediate(&e) {
                    let due = effective_due(r.due, r.extended_to);
                    add(&mut groups, &e.org_id, r.action, r.ob_state, due);
                }
            },
        )
        .await?;
    }
    for o in &orgs {
        for f in ev.forms_of(&o.id) {
            let due = effective_due(Some(f.period), f.extended_to);
            add(&mut groups, &o.id, f.action, f.ob_state, due);
        }
    }
    let managers = store::directives::notices::manager_orgs(&mut conn).await?;
    drop(conn);

    let titles: HashMap<&str, &str> = body.actions.iter().map(|a| (a.key(), a.title())).collect();
    let mut out = Reminded::default();
    let mut tx = app.store.begin_write().await?;
    let mut items = Vec::new();
    for ((org, action, kind), dues) in &groups {
        let mut fresh = BTreeMap::new();
        for (due, n) in dues {
            let row = NoticeRow {
                directive_id: d.id.clone(),
                org_id: org.clone(),
                action_key: action.clone(),
                kind: (*kind).to_owned(),
                due_date: due.to_string(),
                items: i64::try_from(*n).unwrap_or(i64::MAX),
                sent_at: now.to_owned(),
            };
            if store::directives::notices::record(&mut tx, &row).await? {
                fresh.insert(*due, *n);
            }
        }
        if fresh.is_empty() {
            continue;
        }
        out.notices += fresh.len() as u64;
        let count: u64 = fresh.values().sum();
        let title_of_action = titles
            .get(action.as_str())
            .copied()
            .unwrap_or(action.as_str());
        let when = match *kind {
            "due_in_7" => "due in 7 days".to_owned(),
            "due_in_1" => "due tomorrow".to_owned(),
            _ => "overdue".to_owned(),
        };
        let dates: Vec<String> = fresh.iter().map(|(d, n)| format!("{n} due {d}")).collect();
        items.push(NewNotification {
            org_id: org.clone(),
            kind: if *kind == "overdue" {
                NotificationKind::DirectiveOverdue
            } else {
                NotificationKind::DirectiveReminder
            },
            exposure_id: None,
            vuln_id: None,
            tlp: "CLEAR".into(),
            visibility: String::new(),
            title: format!(
                "{}: {count} obligation(s) of \"{title_of_action}\" {when}",
                d.number
            ),
            body: format!(
                "{} ({}) requires \"{title_of_action}\". {}. See /directives/{}/obligations \
                 for the items, or ask for an extension or an exception there.",
                d.number,
                body.title,
                dates.join("; "),
                d.id
            ),
            data: json!({
                "directive_id": d.id, "number": d.number, "action": action, "kind": kind,
                "items": count,
                "due_dates": fresh.iter().map(|(d, n)| json!({"due_date": d.to_string(), "items": n})).collect::<Vec<_>>(),
            }),
        });
    }
    out.notifications = items.len() as u64;
    for m in &managers {
        let row = NoticeRow {
            directive_id: d.id.clone(),
            org_id: m.clone(),
            action_key: String::new(),
            kind: "digest".into(),
            due_date: today.to_string(),
            items: i64::try_from(totals.total).unwrap_or(i64::MAX),
            sent_at: now.to_owned(),
        };
        if !store::directives::notices::record(&mut tx, &row).await? {
            continue;
        }
        out.digests += 1;
        items.push(NewNotification {
            org_id: m.clone(),
            kind: NotificationKind::DirectiveDigest,
            exposure_id: None,
            vuln_id: None,
            tlp: "CLEAR".into(),
            visibility: String::new(),
            title: format!(
                "{} on {today}: {} overdue of {} obligation(s) in {} organisation(s)",
                d.number, totals.overdue, totals.total, totals.orgs
            ),
            body: format!(
                "On time {}, overdue {}, excepted {}, satisfied {}. Reminders and overdue \
                 notices sent today: {}. The dashboard: /directives/{}/dashboard",
                totals.on_time,
                totals.overdue,
                totals.excepted,
                totals.satisfied,
                out.notifications,
                d.id
            ),
            data: json!({
                "directive_id": d.id, "number": d.number, "day": today.to_string(),
                "organizations": totals.orgs, "total": totals.total, "on_time": totals.on_time,
                "overdue": totals.overdue, "excepted": totals.excepted,
                "satisfied": totals.satisfied, "notices_sent": out.notifications,
            }),
        });
    }
    notifications::enqueue_many(app, &mut tx, items).await?;
    tx.commit().await?;
    Ok(out)
}
