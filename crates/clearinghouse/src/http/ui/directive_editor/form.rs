//! The directive editor's form as posted: its inputs read from the form's
//! pairs (`EditorInput`, one `ActionInput` per required action, at most
//! `MAX_INPUTS` of them), turned into a `DirectiveBody` for the workflow,
//! and a refusal placed beside the input it names (`place`).

use std::collections::BTreeMap;

use clearinghouse_domain::directive::due::DuePolicy;
use clearinghouse_domain::directive::{
    DirectiveBody, DirectiveScope, MAX_ACTIONS, ReportField, RequiredAction,
};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::{OrgKind, Sector};

use crate::error::AppError;

/// At most this many inputs in one posted editor form.
pub(super) const MAX_INPUTS: usize = 2000;
/// The periods of a due-date table, as their inputs are named.
pub(super) const DUE_PERIODS: [&str; 9] = [
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
pub(super) const DUE_KINDS: [(&str, &str); 5] = [
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
    pub(super) fn blank(kind: &str) -> ActionInput {
        ActionInput {
            kind: kind.to_owned(),
            due_kind: "kev_due_date".into(),
            ..Default::default()
        }
    }

    pub(super) fn of(a: &RequiredAction) -> ActionInput {
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

    pub(super) fn to_action(&self, i: usize) -> Result<RequiredAction, AppError> {
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
