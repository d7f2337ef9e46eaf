//! Binding Operational Directives in the web UI: `/directives` (the
//! directives in force, and for directive managers their drafts) and
//! `/directives/{id}` (what the directive requires, its versions and
//! changes; for CISA's readers the compliance dashboard from the
//! materialised figures: on time / overdue / excepted / satisfied, median
//! time to remediate, since yesterday, the trend chart (`ui/chart.rs`),
//! worst offenders and every organisation, with CSV and JSON export links
//! that answer from the same figures; for an agency its own obligations
//! and score, computed live, with its report, attestation and request
//! forms from `ui/directive_forms.rs`). Past reports and attestations with
//! their evidence, and directive managers' queue of requests to decide,
//! come from `ui/directive_records.rs`; the editor is `ui/directive_editor.rs`.
//! Everything goes through `workflows::directives`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use serde::Deserialize;

use super::directive_forms::{self, AgencyForms, Refused};
use super::directive_records::{self, QueueView, SubmissionsView};
use super::{Nav, UiCaller, UiResult, chart};
use crate::app::AppState;
use crate::workflows::directives::compliance::{self, ComplianceQuery, Counts, OrgCompliance};
use crate::workflows::directives::dashboard::{self, SinceYesterday};
use crate::workflows::directives::obligations::{self, ObligationQuery};
use crate::workflows::directives::{self, DirectiveView, READ_ALL};

/// How many organisations the dashboard lists on the page (the export has all).
pub const ORGS_SHOWN: usize = 50;
/// How many of an agency's obligations its page lists.
const OBLIGATIONS_SHOWN: usize = 500;

/// One directive in a list.
pub struct Row {
    pub id: String,
    pub number: String,
    pub title: String,
    pub state: String,
    pub effective: String,
    pub actions: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "directives.html")]
pub struct DirectivesPage {
    nav: Nav,
    items: Vec<Row>,
    /// Directive managers draft new directives.
    can_draft: bool,
}

pub async fn list(UiCaller { app, who }: UiCaller) -> UiResult<DirectivesPage> {
    let items = directives::list(&app, &who)
        .await?
        .into_iter()
        .map(|d| Row {
            id: d.id,
            number: d.number,
            title: d.body.title.clone(),
            state: d.state,
            effective: d.body.effective.to_string(),
            actions: d.body.actions.len(),
        })
        .collect();
    Ok(DirectivesPage {
        nav: Nav::new(&who, "directives"),
        items,
        can_draft: directive_records::decides(&who),
    })
}

/// One required action as the page shows it.
pub struct ActionRow {
    pub key: String,
    pub kind: String,
    pub title: String,
    /// The rule and due policy, the fields, or the statement.
    pub detail: String,
}

/// Counts formatted for the page.
pub struct CountsRow {
    pub total: u64,
    pub on_time: u64,
    pub overdue: u64,
    pub excepted: u64,
    pub satisfied: u64,
    pub score: String,
    pub median: String,
}

impl From<&Counts> for CountsRow {
    fn from(c: &Counts) -> Self {
        CountsRow {
            total: c.total,
            on_time: c.on_time,
            overdue: c.overdue,
            excepted: c.excepted,
            satisfied: c.satisfied,
            score: format!("{:.1}%", c.score),
            median: c
                .median_days_to_remediate
                .map_or_else(|| "—".into(), |m| format!("{m} days")),
        }
    }
}

pub struct OrgRow {
    pub org_id: String,
    pub name: String,
    pub counts: CountsRow,
}

fn org_row(o: &OrgCompliance) -> OrgRow {
    OrgRow {
        org_id: o.org_id.clone(),
        name: o.org_name.clone(),
        counts: (&o.counts).into(),
    }
}

/// The dashboard part of the page (CISA's readers).
pub struct DashboardView {
    pub as_of: String,
    pub computed_at: String,
    pub overall: CountsRow,
    pub by_action: Vec<(String, String, CountsRow)>,
    pub since: SinceYesterday,
    pub chart: String,
    pub worst: Vec<OrgRow>,
    pub orgs: Vec<OrgRow>,
    pub orgs_total: usize,
}

/// One obligation line of an agency's page.
pub struct ObligationRow {
    pub action: String,
    pub what: String,
    pub due: String,
    pub state: String,
}

/// The agency part of the page.
pub struct MineView {
    pub counts: CountsRow,
    pub items: Vec<ObligationRow>,
    pub more: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "directive.html")]
pub struct DirectivePage {
    nav: Nav,
    d: DirectiveView,
    actions: Vec<ActionRow>,
    /// Why there are no figures (a draft, or revoked).
    not_in_force: Option<String>,
    /// The reader's organisation is outside the directive's scope.
    not_applicable: Option<String>,
    dashboard: Option<DashboardView>,
    mine: Option<MineView>,
    /// The agency's report, attestation and request forms.
    forms: Option<AgencyForms>,
    /// Past reports and attestations with their evidence.
    records: Option<SubmissionsView>,
    /// Directive managers: the requests to decide.
    queue: Option<QueueView>,
    /// Directive managers: the editor's link and its label.
    edit: Option<(String, String)>,
    /// What a form just did.
    notice: Option<String>,
}

/// `?done=report` or `?done=request` after a form was recorded.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: String,
    /// CISA's readers: the organisation whose submissions are listed.
    #[serde(default)]
    pub org: String,
}

/// The notice for `?done=WORD` outside the agency's forms.
fn notice(done: &str) -> Option<String> {
    Some(match done {
        "decided" => "Decision recorded: the organisation sees it with its request.".to_owned(),
        "evidence" => "Evidence stored with the submission.".to_owned(),
        "saved" => "Draft saved. It binds nobody until it is issued.".to_owned(),
        "filed" => {
            "Filed for issue: a second directive manager approves it on the approvals page; \
                    it binds nobody until then."
                .to_owned()
        }
        _ => return None,
    })
}

/// The editor's link for directive managers: the draft to edit, or an
/// amendment of the version in force; none while a version awaits approval
/// or once revoked.
fn edit_link(who: &crate::auth::Principal, d: &DirectiveView) -> Option<(String, String)> {
    if !directive_records::decides(who) || d.state == "revoked" {
        return None;
    }
    let latest = d.versions.iter().find(|v| v.version == d.latest_version)?;
    let label = match latest.state.as_str() {
        "draft" => "Edit the draft",
        "issued" => "Amend this directive",
        _ => return None,
    };
    Some((format!("/directives/{}/edit", d.id), label.to_owned()))
}

fn action_rows(d: &DirectiveView) -> Vec<ActionRow> {
    use clearinghouse_domain::directive::RequiredAction as A;
    d.body
        .actions
        .iter()
        .map(|a| ActionRow {
            key: a.key().to_owned(),
            kind: a.kind().to_owned(),
            title: a.title().to_owned(),
            detail: match a {
                A::Remediate { rule, due, .. } => {
                    format!("rule: {rule}; due: {}", due.describe())
                }
                A::Report {
                    fields,
                    first_due,
                    every_days,
                    ..
                } => format!(
                    "fields: {}; first due {first_due}{}",
                    fields
                        .iter()
                        .map(|f| f.to_line())
                        .collect::<Vec<_>>()
                        .join(", "),
                    every_days.map_or_else(String::new, |d| format!(", then every {d} days"))
                ),
                A::Attest { statement, due, .. } => {
                    format!("due {due}: \u{201c}{statement}\u{201d}")
                }
            },
        })
        .collect()
}

fn trend_chart(points: &[dashboard::TrendPoint]) -> String {
    let series: Vec<(time::Date, [u32; 4])> = points
        .iter()
        .filter_map(|p| {
            let day = time::Date::parse(
                &p.day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            let n = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
            Some((
                day,
                [n(p.satisfied), n(p.excepted), n(p.on_time), n(p.overdue)],
            ))
        })
        .collect();
    chart::render_stacked(&series, &chart::OBLIGATIONS)
}

/// An agency's own figures and obligations (the first
/// [`OBLIGATIONS_SHOWN`]).
fn mine_view(c: &compliance::DirectiveCompliance, items: Vec<obligations::Obligation>) -> MineView {
    let more = items.len().saturating_sub(OBLIGATIONS_SHOWN);
    MineView {
        counts: (&c.overall).into(),
        items: items
            .into_iter()
            .take(OBLIGATIONS_SHOWN)
            .map(|o| ObligationRow {
                what: match (&o.component, &o.vuln_id, &o.asset_name, &o.period) {
                    (Some(c), Some(v), Some(a), _) => format!("{v} in {c} on {a}"),
                    (_, _, _, Some(p)) => format!("{} for {p}", o.kind),
                    _ => o.kind.clone(),
                },
                due: o
                    .extended_to
                    .clone()
                    .map(|e| format!("{e} (extended)"))
                    .or(o.due_date.clone())
                    .unwrap_or_else(|| "—".into()),
                state: o.state.replace('_', " "),
                action: o.action,
            })
            .collect(),
        more,
    }
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> UiResult<DirectivePage> {
    render(&app, &who, &id, None, &done).await
}

/// The directive's page, with a refused agency form shown again.
pub async fn render(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    refused: Option<Refused>,
    done: &Done,
) -> UiResult<DirectivePage> {
    let d = directives::get(app, who, id).await?;
    let actions = action_rows(&d);
    let not_in_force = match (d.state.as_str(), d.issued_version) {
        ("revoked", _) => Some(format!(
            "Revoked: {}",
            d.revoke_reason.clone().unwrap_or_default()
        )),
        (_, None) => Some(
            "A draft: it binds nobody until a second directive manager approves its issue.".into(),
        ),
        _ => None,
    };
    let (refused, record_refused) = match refused {
        Some(Refused::Records(r)) => (None, Some(r)),
        other => (other, None),
    };
    let (mut dashboard, mut mine, mut forms) = (None, None, None);
    let (mut records, mut queue) = (None, None);
    if d.issued_version.is_some() {
        let org = Some(done.org.as_str()).filter(|o| !o.is_empty());
        records =
            Some(directive_records::submissions(app, who, &d, org, record_refused.as_ref()).await?);
        if directive_records::decides(who) && d.state == "issued" {
            queue = Some(directive_records::queue(app, who, &d, record_refused.as_ref()).await?);
        }
    }
    let mut not_applicable = None;
    if not_in_force.is_none() {
        if who.has_any_role(READ_ALL) {
            let dash = dashboard::dashboard(app, who, &d.id, Some(ORGS_SHOWN)).await?;
            let c = &dash.compliance;
            dashboard = Some(DashboardView {
                as_of: c.as_of.clone(),
                computed_at: dash.computed_at.clone(),
                overall: (&c.overall).into(),
                by_action: c
                    .by_action
                    .iter()
                    .map(|a| (a.action.clone(), a.kind.clone(), (&a.counts).into()))
                    .collect(),
                since: dash.since_yesterday.clone(),
                chart: trend_chart(&dash.trend),
                worst: c.worst_offenders.iter().map(org_row).collect(),
                orgs: c.by_org.iter().take(ORGS_SHOWN).map(org_row).collect(),
                orgs_total: usize::try_from(dash.orgs_total).unwrap_or(usize::MAX),
            });
        } else {
            let c = compliance::of_directive(app, who, &d.id, ComplianceQuery::default()).await?;
            if c.applies {
                let items = obligations::list(app, who, &d.id, ObligationQuery::default()).await?;
                forms = Some(directive_forms::build(app, who, &d, &items, refused, done).await?);
                mine = Some(mine_view(&c, items));
            } else {
                not_applicable = Some(format!(
                    "{} does not apply to your organisation: it is outside the directive's \
                     scope, so your organisation has no obligations and no score under it.",
                    d.number
                ));
            }
        }
    }
    Ok(DirectivePage {
        nav: Nav::new(who, "directives"),
        edit: edit_link(who, &d),
        notice: notice(&done.done),
        d,
        actions,
        not_in_force,
        not_applicable,
        dashboard,
        mine,
        forms,
        records,
        queue,
    })
}
