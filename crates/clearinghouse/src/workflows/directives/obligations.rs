//! What each organisation in a directive's scope owes, computed at read
//! time from the version in force and today's data, so a new KEV entry,
//! advisory or SBOM extends obligations without anyone touching the
//! directive: per remediate action, every readable exposure of an
//! organisation in scope that its rule catches, with the due date of its
//! policy (a granted extension replaces it); per report action, each
//! period due so far and the next; per attest action, one. The states are
//! the domain's `directive::compliance` rules.
//!
//! Who sees what: an organisation its own obligations; directive
//! managers, coordinators, auditors and platform admins every
//! organisation's (`READ_ALL`). Exposures are read through the one read
//! policy (only those whose vulnerability the caller may read).

use std::collections::{HashMap, HashSet};

use clearinghouse_domain::directive::compliance::{
    ObligationState, RemediationFacts, RequestKind, effective_due, form_state,
    gives_remediate_obligation, remediate_state, report_periods,
};
use clearinghouse_domain::directive::due::{DueFacts, date_of, days_between};
use clearinghouse_domain::directive::{DirectiveBody, ExposureFacts, RequiredAction, Rule};
use clearinghouse_domain::exposure::{Remediation, RemediationState};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::{OrgKind, Scope, Sector};
use clearinghouse_domain::priority::best_cvss;
use clearinghouse_domain::ssvc::{CisaLevel, Deadline};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::READ_ALL;
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::directives::forms::RequestRow;
use crate::store::directives::obligations::{ExposureRow, OrgRow};
use crate::workflows::read_policy::PolicyReader;

/// One obligation of one organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Obligation {
    /// The action's key.
    pub action: String,
    /// `remediate`, `report` or `attest`.
    pub kind: String,
    pub org_id: String,
    pub org_name: String,
    /// Remediate: the exposure and what it is.
    pub exposure_id: Option<String>,
    pub asset_name: Option<String>,
    pub component: Option<String>,
    pub vuln_id: Option<String>,
    /// The exposure's remediation state.
    #[schema(value_type = Option<String>)]
    pub remediation_state: Option<RemediationState>,
    pub first_seen: Option<String>,
    /// Report and attest: the period (its due date).
    pub period: Option<String>,
    /// The policy's due date (`YYYY-MM-DD`), if it gives one.
    pub due_date: Option<String>,
    /// A granted extension's due date.
    pub extended_to: Option<String>,
    /// `on_time`, `overdue`, `excepted` or `satisfied`.
    pub state: String,
    /// When it was satisfied (remediate: resolved or last changed; report:
    /// submitted).
    pub satisfied_at: Option<String>,
}

/// Filters of an obligations list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ObligationQuery {
    /// An organisation id (managers, coordinators, auditors, admins);
    /// others always see their own.
    pub org: Option<String>,
    /// `on_time`, `overdue`, `excepted` or `satisfied`.
    pub state: Option<String>,
    /// One action's key.
    pub action: Option<String>,
}

/// Everything computed for one directive: the organisations in scope the
/// caller may see, and their obligations with days to remediate.
pub struct Computed {
    pub orgs: Vec<OrgRow>,
    pub items: Vec<(Obligation, Option<i64>)>,
    pub today: CalendarDate,
}

/// Today's date (UTC).
pub fn today() -> AppResult<CalendarDate> {
    date_of(&clock::now_text()).ok_or_else(|| AppError::internal_msg("clock date"))
}

/// The organisation whose obligations `who` may read: `org` when given
/// and allowed (404 otherwise, as for a missing one), else all
/// (`READ_ALL`) or its own.
pub fn org_filter(who: &Principal, org: Option<&str>) -> AppResult<Option<String>> {
    let all = who.has_any_role(READ_ALL);
    match org {
        Some(o) if all || o == who.org_id() => Ok(Some(o.to_owned())),
        Some(_) => Err(AppError::NotFound),
        None if all => Ok(None),
        None => Ok(Some(who.org_id().to_owned())),
    }
}

fn in_scope(body: &DirectiveBody, o: &OrgRow) -> bool {
    let Ok(kind) = o.kind.parse::<OrgKind>() else {
        return false;
    };
    let sector = o.sector.as_deref().and_then(|s| s.parse::<Sector>().ok());
    body.scope.includes(&o.id, kind, sector)
}

/// Granted requests by (action, org, exposure or period): the extension's
/// latest date and whether an exception was granted.
type Grants = HashMap<(String, String, String), (Option<CalendarDate>, bool)>;

fn grants(rows: &[RequestRow]) -> Grants {
    let mut out: Grants = HashMap::new();
    for r in rows.iter().filter(|r| r.state == "granted") {
        let target = r
            .exposure_id
            .clone()
            .or(r.period.clone())
            .unwrap_or_default();
        let e = out
            .entry((r.action_key.clone(), r.org_id.clone(), target))
            .or_default();
        match RequestKind::parse(&r.kind) {
            Some(RequestKind::Exception) => e.1 = true,
            Some(RequestKind::Extension) => {
                let until = r.until.as_deref().and_then(|u| CalendarDate::parse(u).ok());
                e.0 = e.0.max(until);
            }
            None => {}
        }
    }
    out
}

fn exposure_facts(e: &ExposureRow, cvss: Option<f64>) -> (ExposureFacts, DueFacts) {
    let ssvc = CisaLevel::parse(&e.ssvc_decision);
    let facts = ExposureFacts {
        in_kev: e.in_kev,
        kev_ransomware: e.kev_ransomware,
        ssvc,
        cvss,
        epss: e.epss,
    };
    let due = DueFacts {
        kev_due_date: e
            .kev_due_date
            .as_deref()
            .and_then(|d| CalendarDate::parse(d.get(..10).unwrap_or(d)).ok()),
        bod_26_04: Deadline::parse(&e.deadline).or(match e.deadline.as_str() {
            "3 days & forensic triage" => Some(Deadline::Days3WithForensicTriage),
            "next upgrade" => Some(Deadline::NextUpgrade),
            _ => None,
        }),
        ssvc,
        cvss,
        first_seen: date_of(&e.first_seen),
    };
    (facts, due)
}

/// One remediate obligation as the rules decide it for one exposure.
pub struct RemediateEval<'a> {
    pub action: &'a str,
    /// The exposure's state as it stands now.
    pub state: RemediationState,
    pub due: Option<CalendarDate>,
    pub extended_to: Option<CalendarDate>,
    pub ob_state: ObligationState,
    pub satisfied_at: Option<String>,
    /// Days from first seen to satisfied.
    pub days: Option<i64>,
}

/// One report or attestation period of one organisation.
pub struct FormEval<'a> {
    pub action: &'a str,
    pub kind: &'static str,
    pub period: CalendarDate,
    pub extended_to: Option<CalendarDate>,
    pub ob_state: ObligationState,
    pub submitted_at: Option<String>,
}

/// The rules of one directive version and the facts beside the exposures
/// (granted requests, submissions, the day): what decides every
/// obligation. The read-time lists and the materialised figures both
/// evaluate through it, so they cannot disagree on a rule.
pub struct Evaluator<'a> {
    body: &'a DirectiveBody,
    rules: Vec<(
        &'a str,
        &'a clearinghouse_domain::directive::due::DuePolicy,
        Rule,
    )>,
    forms: Vec<(&'a str, &'static str, Vec<CalendarDate>)>,
    granted: Grants,
    /// (action, org, period) → submitted at.
    submitted: HashMap<(String, String, String), String>,
    cvss_cache: HashMap<String, Option<f64>>,
    pub today: CalendarDate,
    now: String,
}

impl<'a> Evaluator<'a> {
    /// The evaluator of `body` on `today` (`now`: the instant risk
    /// acceptances are judged at), with the directive's requests and
    /// submissions.
    pub fn new(
        body: &'a DirectiveBody,
        requests: &[RequestRow],
        submissions: &[store::directives::forms::SubmissionRow],
        today: CalendarDate,
        now: String,
    ) -> Self {
        let rules = body
            .actions
            .iter()
            .filter_map(|a| match a {
                RequiredAction::Remediate { key, rule, due, .. } => {
                    Rule::parse(rule).ok().map(|r| (key.as_str(), due, r))
                }
                _ => None,
            })
            .collect();
        let forms = body
            .actions
            .iter()
            .filter_map(|a| match a {
                RequiredAction::Report {
                    key,
                    first_due,
                    every_days,
                    ..
                } => Some((
                    key.as_str(),
                    "report",
                    report_periods(*first_due, *every_days, today),
                )),
                RequiredAction::Attest { key, due, .. } => {
                    Some((key.as_str(), "attest", vec![*due]))
                }
                RequiredAction::Remediate { .. } => None,
            })
            .collect();
        let submitted = submissions
            .iter()
            .map(|s| {
                (
                    (s.action_key.clone(), s.org_id.clone(), s.period.clone()),
                    s.submitted_at.clone(),
                )
            })
            .collect();
        Evaluator {
            body,
            rules,
            forms,
            granted: grants(requests),
            submitted,
            cvss_cache: HashMap::new(),
            today,
            now,
        }
    }

    /// Whether any remediate rule exists, and whether all need KEV.
    pub fn remediate_rules(&self) -> (bool, bool) {
        (
            !self.rules.is_empty(),
            self.rules.iter().all(|(_, _, r)| r.requires_kev()),
        )
    }

    pub fn has_forms(&self) -> bool {
        !self.forms.is_empty()
    }

    /// Tells the evaluator a vulnerability's CVSS vectors ahead of its
    /// exposures (which then need not carry them).
    pub fn learn_cvss(&mut self, vuln_id: &str, vectors: &[String]) {
        self.cvss_cache
            .insert(vuln_id.to_owned(), best_cvss(vectors).map(|s| s.base_score));
    }

    fn grant_of(&self, action: &str, org: &str, target: &str) -> (Option<CalendarDate>, bool) {
        if self.granted.is_empty() {
            return (None, false);
        }
        self.granted
            .get(&(action.to_owned(), org.to_owned(), target.to_owned()))
            .copied()
            .unwrap_or((None, false))
    }

    /// The remediate obligations one exposure gives, one per rule that
    /// catches it.
    pub fn remediate(&mut self, e: &ExposureRow) -> Vec<RemediateEval<'a>> {
        let cvss = match self.cvss_cache.get(&e.vuln_id) {
            Some(c) => *c,
            None => *self
                .cvss_cache
                .entry(e.vuln_id.clone())
                .or_insert_with(|| best_cvss(&e.cvss_vectors).map(|s| s.base_score)),
        };
        let (facts, due_facts) = exposure_facts(e, cvss);
        let Some(state) = RemediationState::parse(&e.state).map(|s| {
            Remediation {
                state: s,
                reason: None,
                accepted_until: e.accepted_until.clone(),
            }
            .at(&self.now)
            .state
        }) else {
            return Vec::new();
        };
        // Not affected per the vendor's VEX: out of the directive's scope.
        if !gives_remediate_obligation(state) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (key, due, rule) in &self.rules {
            if !rule.matches(&facts) {
                continue;
            }
            let due_date = due.due(&due_facts, self.body.effective);
            let (extended_to, excepted) = self.grant_of(key, &e.org_id, &e.id);
            let ob_state = remediate_state(
                &RemediationFacts {
                    state,
                    resolved: e.resolved_at.is_some(),
                    due: due_date,
                    extended_to,
                    exception_granted: excepted,
                },
                self.today,
            );
            let satisfied_at = (ob_state == ObligationState::Satisfied).then(|| {
                e.resolved_at
                    .clone()
                    .unwrap_or_else(|| e.updated_at.clone())
            });
            let days = satisfied_at
                .as_deref()
                .and_then(date_of)
                .zip(date_of(&e.first_seen))
                .map(|(s, f)| days_between(f, s));
            out.push(RemediateEval {
                action: key,
                state,
                due: due_date,
                extended_to,
                ob_state,
                satisfied_at,
                days,
            });
        }
        out
    }

    /// The report and attestation periods of one organisation.
    pub fn forms_of(&self, org_id: &str) -> Vec<FormEval<'a>> {
        let mut out = Vec::new();
        for (key, kind, periods) in &self.forms {
            for p in periods {
                let period = p.to_string();
                let at = self
                    .submitted
                    .get(&((*key).to_owned(), org_id.to_owned(), period.clone()))
                    .cloned();
                let (extended_to, excepted) = self.grant_of(key, org_id, &period);
                let st = form_state(at.is_some(), excepted, *p, extended_to, self.today);
                out.push(FormEval {
                    action: key,
                    kind,
                    period: *p,
                    extended_to,
                    ob_state: st,
                    submitted_at: at,
                });
            }
        }
        out
    }
}

/// The organisations in scope of `body` (one when `org` is given).
pub async fn orgs_in_scope(
    conn: &mut store::AnyConnection,
    body: &DirectiveBody,
    org: Option<&str>,
) -> AppResult<Vec<OrgRow>> {
    Ok(store::directives::obligations::organizations(conn)
        .await?
        .into_iter()
        .filter(|o| in_scope(body, o) && org.is_none_or(|x| x == o.id))
        .collect())
}

/// Computes the obligations of one directive in force for the
/// organisations `org` names (or all in scope), as `who` may see them.
pub async fn compute(
    app: &AppState,
    who: &Principal,
    directive_id: &str,
    body: &DirectiveBody,
    org: Option<&str>,
) -> AppResult<Computed> {
    let today = today()?;
    let reader = PolicyReader::of(app, who).await?;
    let mut conn = app.store.pool.acquire().await?;
    let orgs = orgs_in_scope(&mut conn, body, org).await?;
    let names: HashMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    let requests = store::directives::forms::requests(&mut conn, directive_id, org, None).await?;
    let subs = store::directives::forms::submissions(&mut conn, directive_id, org).await?;
    let mut ev = Evaluator::new(body, &requests, &subs, today, clock::now_text());
    let mut items = Vec::new();

    let (any_rule, kev_only) = ev.remediate_rules();
    if any_rule && !orgs.is_empty() {
        let rows =
            store::directives::obligations::exposures(&mut conn, org, kev_only, &reader.filter())
                .await?;
        for e in &rows {
            let Some(org_name) = names.get(e.org_id.as_str()) else {
                continue;
            };
            for r in ev.remediate(e) {
                let component = match &e.component_version {
                    Some(v) => format!("{}@{v}", e.component_name),
                    None => e.component_name.clone(),
                };
                items.push((
                    Obligation {
                        action: r.action.to_owned(),
                        kind: "remediate".into(),
                        org_id: e.org_id.clone(),
                        org_name: (*org_name).to_owned(),
                        exposure_id: Some(e.id.clone()),
                        asset_name: Some(e.asset_name.clone()),
                        component: Some(component),
                        vuln_id: Some(e.vuln_id.clone()),
                        remediation_state: Some(r.state),
                        first_seen: Some(e.first_seen.clone()),
                        period: None,
                        due_date: r.due.map(|d| d.to_string()),
                        extended_to: r.extended_to.map(|d| d.to_string()),
                        state: r.ob_state.as_str().to_owned(),
                        satisfied_at: r.satisfied_at,
                    },
                    r.days,
                ));
            }
        }
    }

    if ev.has_forms() {
        for o in &orgs {
            for f in ev.forms_of(&o.id) {
                items.push((
                    Obligation {
                        action: f.action.to_owned(),
                        kind: f.kind.to_owned(),
                        org_id: o.id.clone(),
                        org_name: o.name.clone(),
                        exposure_id: None,
                        asset_name: None,
                        component: None,
                        vuln_id: None,
                        remediation_state: None,
                        first_seen: None,
                        period: Some(f.period.to_string()),
                        due_date: Some(f.period.to_string()),
                        extended_to: f.extended_to.map(|d| d.to_string()),
                        state: f.ob_state.as_str().to_owned(),
                        satisfied_at: f.submitted_at,
                    },
                    None,
                ));
            }
        }
    }
    Ok(Computed { orgs, items, today })
}

/// The obligations of one directive the caller may see, filtered.
pub async fn list(
    app: &AppState,
    who: &Principal,
    id: &str,
    q: ObligationQuery,
) -> AppResult<Vec<Obligation>> {
    who.require_scope(Scope::ExposuresRead)?;
    if let Some(s) = q.state.as_deref()
        && !ObligationState::ALL.iter().any(|x| x.as_str() == s)
    {
        return Err(AppError::invalid(
            "state",
            "must be on_time, overdue, excepted or satisfied",
        ));
    }
    let (d, body) = super::in_force(app, who, id).await?;
    if let Some(a) = q.action.as_deref()
        && body.action(a).is_none()
    {
        return Err(AppError::invalid(
            "action",
            "is not an action of this directive",
        ));
    }
    let org = org_filter(who, q.org.as_deref())?;
    let computed = compute(app, who, &d.id, &body, org.as_deref()).await?;
    Ok(computed
        .items
        .into_iter()
        .map(|(o, _)| o)
        .filter(|o| q.state.as_deref().is_none_or(|s| o.state == s))
        .filter(|o| q.action.as_deref().is_none_or(|a| o.action == a))
        .collect())
}

/// The one obligation a request or submission concerns, of `org`.
pub(crate) async fn find(
    app: &AppState,
    who: &Principal,
    directive_id: &str,
    body: &DirectiveBody,
    org: &str,
    action: &str,
    target: &str,
) -> AppResult<Option<Obligation>> {
    let computed = compute(app, who, directive_id, body, Some(org)).await?;
    let targets: HashSet<&str> = [target].into_iter().collect();
    Ok(computed.items.into_iter().map(|(o, _)| o).find(|o| {
        o.action == action
            && (o
                .exposure_id
                .as_deref()
                .is_some_and(|e| targets.contains(e))
                || o.period.as_deref().is_some_and(|p| targets.contains(p)))
    }))
}

/// The effective due date of an obligation.
pub fn due_of(o: &Obligation) -> Option<CalendarDate> {
    let parse = |s: &Option<String>| s.as_deref().and_then(|d| CalendarDate::parse(d).ok());
    effective_due(parse(&o.due_date), parse(&o.extended_to))
}
