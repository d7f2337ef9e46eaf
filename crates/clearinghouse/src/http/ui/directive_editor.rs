//! The directive editor for directive managers: `/directives/new` (a new
//! draft) and `/directives/{id}/edit` (the latest draft, or an amendment
//! of the version in force). One form: number, title, summary, dates,
//! scope (kinds and sectors ticked, organisations named one per line) and
//! required actions of the three types (remediate: rule and due-date
//! table; report: fields, first due date, period; attest: statement and
//! due date), added and removed by posting the form back (no script).
//! "Preview" shows per organisation what each remediate rule would catch
//! today (`workflows::directives::preview`, the obligations computation
//! itself); "Save draft" and "Save and file for issue" go through
//! `workflows::directives::{create, update, amend, issue}`: issuing still
//! needs a second directive manager on the approvals page. A refusal shows
//! the form again with the message beside the field and everything typed
//! kept, and stores nothing.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::directive::due::DuePolicy;
use clearinghouse_domain::directive::{
    DirectiveBody, DirectiveScope, MAX_ACTIONS, ReportField, RequiredAction,
};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::{OrgKind, Scope, Sector};

use super::{Nav, UiAuth, UiCaller, UiResult, check_csrf, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::directives::preview::{self, Preview};
use crate::workflows::directives::{self, DirectiveView, MANAGERS};

/// At most this many inputs in one posted editor form.
const MAX_INPUTS: usize = 2000;
/// The periods of a due-date table, as their inputs are named.
const DUE_PERIODS: [&str; 9] = [
    "act",
    "attend",
    "track_star",
    "track",
    "critical",
    "high",
    "medium",
    "low",
    "days",
];
/// The due-date policies, with their words.
const DUE_KINDS: [(&str, &str); 5] = [
    ("kev_due_date", "the KEV entry's due date (BOD 22-01)"),
    ("bod_26_04", "the exposure's BOD 26-04 deadline"),
    ("ssvc_days", "days per SSVC decision"),
    ("severity_days", "days per CVSS severity"),
    ("days", "a fixed number of days"),
];

/// One required action as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    /// `remediate`, `report` or `attest`.
    pub kind: String,
    pub key: String,
    pub title: String,
    pub rule: String,
    pub due_kind: String,
    /// The due-date table's periods by name (`act`, `critical`, `days`...).
    pub due: BTreeMap<String, String>,
    /// A report's fields, one per line (`name`, or `name (optional)`).
    pub fields: String,
    pub first_due: String,
    pub every_days: String,
    pub statement: String,
    /// An attestation's due date.
    pub due_date: String,
}

/// The editor's form as typed.
#[derive(Debug, Clone, Default)]
pub struct EditorInput {
    pub number: String,
    pub title: String,
    pub summary: String,
    pub issued: String,
    pub effective: String,
    pub kinds: Vec<String>,
    pub sectors: Vec<String>,
    /// Organisations, one per line, by name or id.
    pub organizations: String,
    pub actions: Vec<ActionInput>,
}

fn opt_days(v: Option<u32>) -> String {
    v.map(|d| d.to_string()).unwrap_or_default()
}

impl ActionInput {
    fn blank(kind: &str) -> ActionInput {
        ActionInput {
            kind: kind.to_owned(),
            due_kind: "kev_due_date".into(),
            ..Default::default()
        }
    }

    fn of(a: &RequiredAction) -> ActionInput {
        let mut out = ActionInput {
            kind: a.kind().to_owned(),
            key: a.key().to_owned(),
            title: a.title().to_owned(),
            ..Default::default()
        };
        match a {
            RequiredAction::Remediate { rule, due, .. } => {
                out.rule = rule.clone();
                let (kind, periods): (&str, Vec<(&str, Option<u32>)>) = match due {
                    DuePolicy::KevDueDate => ("kev_due_date", vec![]),
                    DuePolicy::Bod2604 => ("bod_26_04", vec![]),
                    DuePolicy::SsvcDays {
                        act,
                        attend,
                        track_star,
                        track,
                    } => (
                        "ssvc_days",
                        vec![
                            ("act", *act),
                            ("attend", *attend),
                            ("track_star", *track_star),
                            ("track", *track),
                        ],
                    ),
                    DuePolicy::SeverityDays {
                        critical,
                        high,
                        medium,
                        low,
                    } => (
                        "severity_days",
                        vec![
                            ("critical", *critical),
                            ("high", *high),
                            ("medium", *medium),
                            ("low", *low),
                        ],
                    ),
                    DuePolicy::Days { days } => ("days", vec![("days", Some(*days))]),
                };
                out.due_kind = kind.to_owned();
                out.due = periods
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), opt_days(v)))
                    .collect();
            }
            RequiredAction::Report {
                fields,
                first_due,
                every_days,
                ..
            } => {
                out.fields = fields
                    .iter()
                    .map(ReportField::to_line)
                    .collect::<Vec<_>>()
                    .join("\n");
                out.first_due = first_due.to_string();
                out.every_days = opt_days(*every_days);
            }
            RequiredAction::Attest { statement, due, .. } => {
                out.statement = statement.clone();
                out.due_date = due.to_string();
            }
        }
        out
    }

    fn to_action(&self, i: usize) -> Result<RequiredAction, AppError> {
        let at = |f: &str| format!("actions[{i}].{f}");
        let date = |f: &str, v: &str| {
            CalendarDate::parse(v.trim())
                .map_err(|_| AppError::invalid(at(f), "must be a date (YYYY-MM-DD)"))
        };
        let days = |f: &str| -> Result<Option<u32>, AppError> {
            match self.due.get(f).map(|v| v.trim()).unwrap_or_default() {
                "" => Ok(None),
                v => v.parse::<u32>().map(Some).map_err(|_| {
                    AppError::invalid(format!("actions[{i}].due.{f}"), "must be a number of days")
                }),
            }
        };
        let (key, title) = (self.key.trim().to_owned(), self.title.clone());
        Ok(match self.kind.as_str() {
            "remediate" => {
                let due = match self.due_kind.as_str() {
                    "kev_due_date" => DuePolicy::KevDueDate,
                    "bod_26_04" => DuePolicy::Bod2604,
                    "ssvc_days" => DuePolicy::SsvcDays {
                        act: days("act")?,
                        attend: days("attend")?,
                        track_star: days("track_star")?,
                        track: days("track")?,
                    },
                    "severity_days" => DuePolicy::SeverityDays {
                        critical: days("critical")?,
                        high: days("high")?,
                        medium: days("medium")?,
                        low: days("low")?,
                    },
                    "days" => DuePolicy::Days {
                        days: days("days")?.ok_or_else(|| {
                            AppError::invalid(at("due.days"), "give the number of days")
                        })?,
                    },
                    _ => return Err(AppError::invalid(at("due"), "choose how it falls due")),
                };
                RequiredAction::Remediate {
                    key,
                    title,
                    rule: self.rule.clone(),
                    due,
                }
            }
            "report" => {
                let fields = self
                    .fields
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        ReportField::from_line(l).map_err(|m| AppError::invalid(at("fields"), m))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let every_days = match self.every_days.trim() {
                    "" => None,
                    v => Some(v.parse::<u32>().map_err(|_| {
                        AppError::invalid(at("every_days"), "must be a number of days")
                    })?),
                };
                RequiredAction::Report {
                    key,
                    title,
                    fields,
                    first_due: date("first_due", &self.first_due)?,
                    every_days,
                }
            }
            "attest" => RequiredAction::Attest {
                key,
                title,
                statement: self.statement.clone(),
                due: date("due", &self.due_date)?,
            },
            _ => {
                return Err(AppError::invalid(
                    at("type"),
                    "must be remediate, report or attest",
                ));
            }
        })
    }
}

impl EditorInput {
    /// The form filled in with a directive version's content.
    pub fn of(body: &DirectiveBody, org_names: &[String]) -> EditorInput {
        EditorInput {
            number: body.number.clone(),
            title: body.title.clone(),
            summary: body.summary.clone(),
            issued: body.issued.to_string(),
            effective: body.effective.to_string(),
            kinds: body
                .scope
                .kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            sectors: body
                .scope
                .sectors
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            organizations: org_names.join("\n"),
            actions: body.actions.iter().map(ActionInput::of).collect(),
        }
    }

    /// Reads the posted pairs; returns the form and what the button asked.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<(EditorInput, String, String), AppError> {
        if pairs.len() > MAX_INPUTS {
            return Err(AppError::invalid(
                "actions",
                format!("a form has at most {MAX_INPUTS} inputs"),
            ));
        }
        let mut f = EditorInput::default();
        let (mut csrf, mut intent) = (String::new(), String::new());
        let mut actions: BTreeMap<usize, ActionInput> = BTreeMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf_token" => csrf = v,
                "intent" => intent = v,
                "number" => f.number = v,
                "title" => f.title = v,
                "summary" => f.summary = v,
                "issued" => f.issued = v,
                "effective" => f.effective = v,
                "kinds" => f.kinds.push(v),
                "sectors" => f.sectors.push(v),
                "organizations" => f.organizations = v,
                _ => {
                    let Some((i, name)) = k
                        .strip_prefix('a')
                        .and_then(|r| r.split_once('.'))
                        .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n)))
                    else {
                        continue;
                    };
                    if i >= MAX_ACTIONS {
                        return Err(AppError::invalid(
                            "actions",
                            format!("at most {MAX_ACTIONS} actions"),
                        ));
                    }
                    let a = actions.entry(i).or_default();
                    match name {
                        "type" => a.kind = v,
                        "key" => a.key = v,
                        "title" => a.title = v,
                        "rule" => a.rule = v,
                        "due_kind" => a.due_kind = v,
                        "fields" => a.fields = v,
                        "first_due" => a.first_due = v,
                        "every_days" => a.every_days = v,
                        "statement" => a.statement = v,
                        "due_date" => a.due_date = v,
                        other => {
                            if let Some(p) = other.strip_prefix("due_")
                                && DUE_PERIODS.contains(&p)
                            {
                                a.due.insert(p.to_owned(), v);
                            }
                        }
                    }
                }
            }
        }
        f.actions = actions.into_values().collect();
        Ok((f, csrf, intent))
    }

    /// The draft the form says, with the scope's organisations as ids.
    pub fn to_body(&self, organizations: Vec<String>) -> Result<DirectiveBody, AppError> {
        let date = |f: &str, v: &str| {
            CalendarDate::parse(v.trim())
                .map_err(|_| AppError::invalid(f, "must be a date (YYYY-MM-DD)"))
        };
        let kinds = self
            .kinds
            .iter()
            .map(|k| k.parse::<OrgKind>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::invalid("scope.kinds", e.to_string()))?;
        let sectors = self
            .sectors
            .iter()
            .map(|k| k.parse::<Sector>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::invalid("scope.sectors", e.to_string()))?;
        let actions = self
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| a.to_action(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DirectiveBody {
            number: self.number.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            issued: date("issued", &self.issued)?,
            effective: date("effective", &self.effective)?,
            scope: DirectiveScope {
                kinds,
                sectors,
                organizations,
            },
            actions,
        })
    }
}

/// Where a refusal goes: a directive field, an action's field, or above.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    /// `number`, `title`, `summary`, `issued`, `effective`, `scope`, or empty.
    pub field: String,
    /// The action and its field (`rule`, `due`, `fields`, `key`...).
    pub action: Option<(usize, String)>,
    pub message: String,
}

/// Places a refusal of field `field` (`actions[2].due.act`,
/// `scope.kinds`, `number`) beside its input.
pub fn place(field: &str, message: String) -> Placed {
    if let Some(rest) = field.strip_prefix("actions[")
        && let Some((i, tail)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
    {
        let local = tail
            .trim_start_matches('.')
            .split(['.', '['])
            .next()
            .unwrap_or_default();
        return Placed {
            action: Some((i, local.to_owned())),
            message,
            ..Default::default()
        };
    }
    let top = field.split(['.', '[']).next().unwrap_or_default();
    let known = ["number", "title", "summary", "issued", "effective", "scope"];
    Placed {
        field: if known.contains(&top) {
            top.to_owned()
        } else {
            String::new()
        },
        action: None,
        message,
    }
}

/// One action of the form as the template draws it.
pub struct ActionView {
    pub i: usize,
    pub input: ActionInput,
    /// The due-date table's period values in [`DUE_PERIODS`] order.
    pub periods: Vec<(String, String)>,
    /// The refusal beside one of its fields: (field, message).
    pub error: Option<(String, String)>,
    /// The due-date policies: (value, words, chosen).
    pub due_kinds: Vec<(&'static str, &'static str, bool)>,
}

impl ActionView {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn period(&self, name: &str) -> &str {
        self.input.due.get(name).map_or("", String::as_str)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "directive_editor.html")]
pub struct EditorPage {
    nav: Nav,
    heading: String,
    /// Where the form posts.
    post_to: String,
    /// An amendment or a draft of an issued number: the number is kept.
    number_fixed: bool,
    f: EditorInput,
    /// (value, words, ticked)
    kinds: Vec<(&'static str, String, bool)>,
    sectors: Vec<(&'static str, String, bool)>,
    actions: Vec<ActionView>,
    error: Placed,
    preview: Option<Preview>,
}

impl EditorPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        (!self.error.field.is_empty() && self.error.field == field)
            .then_some(self.error.message.as_str())
    }

    /// The refusal said above the form.
    pub fn general(&self) -> Option<&str> {
        (self.error.field.is_empty()
            && self.error.action.is_none()
            && !self.error.message.is_empty())
        .then_some(self.error.message.as_str())
    }
}

/// A checkbox: its value, its words, and whether it was ticked.
fn ticked(value: &'static str, chosen: &[String]) -> (&'static str, String, bool) {
    (
        value,
        value.replace('_', " "),
        chosen.iter().any(|x| x == value),
    )
}

fn page(
    who: &Principal,
    editing: Option<&DirectiveView>,
    f: EditorInput,
    error: Placed,
    preview: Option<Preview>,
) -> EditorPage {
    let (heading, post_to, number_fixed) = match editing {
        None => (
            "New directive".to_owned(),
            "/directives/new".to_owned(),
            false,
        ),
        Some(d) if d.issued_version == Some(d.latest_version) => (
            format!("Amend {}", d.number),
            format!("/directives/{}/edit", d.id),
            true,
        ),
        Some(d) => (
            format!("Edit the draft of {}", d.number),
            format!("/directives/{}/edit", d.id),
            true,
        ),
    };
    let actions = f
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| ActionView {
            i,
            periods: DUE_PERIODS
                .iter()
                .map(|p| ((*p).to_owned(), a.due.get(*p).cloned().unwrap_or_default()))
                .collect(),
            due_kinds: DUE_KINDS
                .iter()
                .map(|(k, words)| (*k, *words, a.due_kind == *k))
                .collect(),
            input: a.clone(),
            error: error
                .action
                .as_ref()
                .filter(|(n, _)| *n == i)
                .map(|(_, field)| (field.clone(), error.message.clone())),
        })
        .collect();
    EditorPage {
        nav: Nav::new(who, "directives"),
        heading,
        post_to,
        number_fixed,
        kinds: OrgKind::ALL
            .iter()
            .map(|k| ticked(k.as_str(), &f.kinds))
            .collect(),
        sectors: Sector::ALL
            .iter()
            .map(|s| ticked(s.as_str(), &f.sectors))
            .collect(),
        actions,
        f,
        error,
        preview,
    }
}

/// `GET /directives/new`: an empty draft with one remediate action.
pub async fn new_form(State(_app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<EditorPage> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let f = EditorInput {
        actions: vec![ActionInput::blank("remediate")],
        ..Default::default()
    };
    Ok(page(&who, None, f, Placed::default(), None))
}

/// The directive being edited and the content its editor starts from:
/// the latest version (a draft, or the version in force to amend).
async fn editing(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> UiResult<(DirectiveView, EditorInput)> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let d = directives::get(app, who, id).await?;
    let latest = d
        .versions
        .iter()
        .find(|v| v.version == d.latest_version)
        .ok_or(AppError::NotFound)?;
    let names = preview::organization_names(app, &latest.body.scope.organizations).await?;
    let f = EditorInput::of(&latest.body, &names);
    Ok((d, f))
}

/// `GET /directives/{id}/edit`: the latest draft, or an amendment.
pub async fn edit_form(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<EditorPage> {
    let (d, f) = editing(&app, &who, &id).await?;
    Ok(page(&who, Some(&d), f, Placed::default(), None))
}

/// `POST /directives/new`.
pub async fn new_post(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    post(&app, &who, None, pairs).await
}

/// `POST /directives/{id}/edit`.
pub async fn edit_post(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let (d, _) = editing(&app, &who, &id).await?;
    post(&app, &who, Some(d), pairs).await
}

/// Saves the draft (a new directive, the draft's new content, or a new
/// amendment) and, when asked, files it for issue. Returns its id.
async fn save(
    app: &AppState,
    who: &Principal,
    editing: Option<&DirectiveView>,
    body: DirectiveBody,
    file: bool,
) -> Result<String, AppError> {
    let id = match editing {
        None => directives::create(app, who, body).await?.id,
        Some(d) if d.issued_version == Some(d.latest_version) => {
            directives::amend(app, who, &d.id, body).await?.id
        }
        Some(d) => directives::update(app, who, &d.id, body).await?.id,
    };
    if file {
        directives::issue(app, who, &id).await?;
    }
    Ok(id)
}

/// Previews (`Err` of the inner result) or saves (`Ok`: the id) the form.
async fn act(
    app: &AppState,
    who: &Principal,
    editing: Option<&DirectiveView>,
    f: &EditorInput,
    intent: &str,
) -> Result<Result<String, Preview>, AppError> {
    let orgs = preview::scope_organizations(app, who, &f.organizations).await?;
    let body = f.to_body(orgs)?;
    match intent {
        "preview" => Ok(Err(preview::preview(
            app,
            who,
            body,
            editing.map(|d| d.id.as_str()),
        )
        .await?)),
        "save" | "file" => Ok(Ok(save(app, who, editing, body, intent == "file").await?)),
        _ => Err(AppError::invalid("intent", "choose preview, save or file")),
    }
}

async fn post(
    app: &AppState,
    who: &Principal,
    editing: Option<DirectiveView>,
    pairs: Vec<(String, String)>,
) -> UiResult<Response> {
    let sent = pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    check_csrf(who, &sent)?;
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let (mut f, _, intent) = match EditorInput::parse(pairs) {
        Ok(parsed) => parsed,
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let p = page(
                who,
                editing.as_ref(),
                EditorInput::default(),
                place("", message),
                None,
            );
            return Ok((status, p).into_response());
        }
    };
    if let Some(n) = &editing {
        // A directive keeps its number.
        f.number = n.number.clone();
    }
    // Adding or removing an action only draws the form again.
    if let Some(kind) = intent.strip_prefix("add_") {
        if f.actions.len() < MAX_ACTIONS && matches!(kind, "remediate" | "report" | "attest") {
            f.actions.push(ActionInput::blank(kind));
        }
        return Ok(page(who, editing.as_ref(), f, Placed::default(), None).into_response());
    }
    if let Some(i) = intent
        .strip_prefix("remove_")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if i < f.actions.len() {
            f.actions.remove(i);
        }
        return Ok(page(who, editing.as_ref(), f, Placed::default(), None).into_response());
    }
    let outcome = act(app, who, editing.as_ref(), &f, &intent).await;
    match outcome {
        Ok(Ok(saved)) => {
            let done = if intent == "file" { "filed" } else { "saved" };
            Ok(Redirect::to(&format!("/directives/{saved}?done={done}")).into_response())
        }
        Ok(Err(preview)) => {
            Ok(page(who, editing.as_ref(), f, Placed::default(), Some(preview)).into_response())
        }
        Err(e) => {
            let field = match &e {
                AppError::Invalid { field, .. } => field.clone(),
                _ => String::new(),
            };
            let (status, message) = inline_error(e)?;
            let p = page(who, editing.as_ref(), f, place(&field, message), None);
            Ok((status, p).into_response())
        }
    }
}

#[cfg(test)]
#[path = "directive_editor_tests.rs"]
mod tests;
