//! Binding Operational Directives (Sec. 2(c)): what a directive says, as
//! validated values. A directive has a number (`BOD 26-05`), a title,
//! issued and effective dates, a scope (organisations of named kinds and/or
//! sectors, or named organisations) and required actions of three types:
//! *remediate* (a [`rule::Rule`] over exposures with a [`due::DuePolicy`]),
//! *report* (named fields due on a schedule) and *attest* (once, with
//! evidence). Issued versions are never edited: an amendment is a new
//! version, and [`diff_actions`] states what it changed.
//!
//! `rule` parses the remediate rule language, `due` computes due dates,
//! `compliance` decides each obligation's state and the dashboard's figures.

pub mod compliance;
pub mod due;
pub mod rule;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::frontier::date::CalendarDate;
use crate::identity::{OrgKind, Sector};
use crate::text::{check_long_text, validate_title};

pub use due::DuePolicy;
pub use rule::{ExposureFacts, Rule, RuleError};

/// The most required actions in one directive.
pub const MAX_ACTIONS: usize = 50;
/// The most fields of one report.
pub const MAX_FIELDS: usize = 50;
/// The most organisations named in a scope.
pub const MAX_SCOPE_ORGS: usize = 1000;
/// The longest summary or statement.
pub const MAX_LONG_TEXT: usize = 20_000;

/// A field-level refusal: the JSON path of the field and why.
pub use crate::field_error::FieldError as DirectiveError;

fn bad(field: impl Into<String>, message: impl Into<String>) -> DirectiveError {
    DirectiveError::new(field, message)
}

/// Checks a directive number: `BOD` or `ED`, a space, two-digit year, `-`,
/// two-digit sequence (`BOD 26-05`, `ED 24-02`).
pub fn validate_number(text: &str) -> Result<String, DirectiveError> {
    let t = text.trim();
    let (prefix, rest) = t
        .split_once(' ')
        .ok_or_else(|| bad("number", "must look like 'BOD 26-05' or 'ED 24-02'"))?;
    let b = rest.as_bytes();
    let shape = b.len() == 5 && b[2] == b'-' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
    if !matches!(prefix, "BOD" | "ED") || !shape {
        return Err(bad("number", "must look like 'BOD 26-05' or 'ED 24-02'"));
    }
    if &rest[3..] == "00" {
        return Err(bad("number", "the sequence number starts at 01"));
    }
    Ok(t.to_owned())
}

/// Which organisations a directive binds. An organisation is in scope when
/// it is named, or when it matches the kinds (if any are named) and the
/// sectors (if any are named) and at least one of the two lists is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectiveScope {
    #[serde(default)]
    pub kinds: Vec<OrgKind>,
    #[serde(default)]
    pub sectors: Vec<Sector>,
    /// Organisation ids.
    #[serde(default)]
    pub organizations: Vec<String>,
}

impl DirectiveScope {
    pub fn includes(&self, org_id: &str, kind: OrgKind, sector: Option<Sector>) -> bool {
        if self.organizations.iter().any(|o| o == org_id) {
            return true;
        }
        if self.kinds.is_empty() && self.sectors.is_empty() {
            return false;
        }
        let kind_ok = self.kinds.is_empty() || self.kinds.contains(&kind);
        let sector_ok =
            self.sectors.is_empty() || sector.is_some_and(|s| self.sectors.contains(&s));
        kind_ok && sector_ok
    }
}

/// One field of a periodic report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportField {
    /// A snake_case name (`asset_count`).
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// What its value is: text (the default, kept exactly as typed: a ZIP
    /// code `02134` stays `"02134"`), a number or yes/no.
    #[serde(rename = "type", default, skip_serializing_if = "FieldKind::is_text")]
    pub kind: FieldKind,
}

impl ReportField {
    /// A field as the editor writes it, one per line: `name`, then
    /// `: number` or `: yes/no` unless it is text, then ` (optional)`
    /// unless it is required (`asset_count: number`, `notes (optional)`).
    pub fn to_line(&self) -> String {
        let mut l = self.name.clone();
        match self.kind {
            FieldKind::Text => {}
            FieldKind::Number => l.push_str(": number"),
            FieldKind::Boolean => l.push_str(": yes/no"),
        }
        if !self.required {
            l.push_str(" (optional)");
        }
        l
    }

    /// Reads [`ReportField::to_line`]'s form back (`text` and `boolean`
    /// are also read as types); the name is checked with the directive.
    pub fn from_line(line: &str) -> Result<ReportField, String> {
        let line = line.trim();
        let (rest, required) = match line.strip_suffix("(optional)") {
            Some(r) => (r.trim_end(), false),
            None => (line, true),
        };
        let (name, kind) = match rest.split_once(':') {
            None => (rest, FieldKind::Text),
            Some((name, kind)) => {
                let kind = match kind.trim() {
                    "yes/no" => FieldKind::Boolean,
                    k => FieldKind::parse(k).ok_or_else(|| {
                        format!(
                            "{}: the type must be text, number or yes/no",
                            name.trim().chars().take(64).collect::<String>()
                        )
                    })?,
                };
                (name, kind)
            }
        };
        Ok(ReportField {
            name: name.trim().to_owned(),
            required,
            kind,
        })
    }
}

/// The type of a report field's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    #[default]
    Text,
    Number,
    Boolean,
}

impl FieldKind {
    pub const ALL: [FieldKind; 3] = [FieldKind::Text, FieldKind::Number, FieldKind::Boolean];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Boolean => "boolean",
        }
    }

    pub fn parse(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_text(&self) -> bool {
        *self == FieldKind::Text
    }
}

fn yes() -> bool {
    true
}

/// A required action, one of three types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RequiredAction {
    /// Remediate every exposure the rule catches by its due date.
    Remediate {
        /// A short snake_case key, unique in the directive (`kev`).
        key: String,
        title: String,
        /// In the rule language of [`rule`].
        rule: String,
        due: DuePolicy,
    },
    /// Submit a report with these fields, first due on `first_due`, then
    /// every `every_days` days (once when absent).
    Report {
        key: String,
        title: String,
        fields: Vec<ReportField>,
        first_due: CalendarDate,
        every_days: Option<u32>,
    },
    /// Attest once, by `due`, to `statement`, with evidence.
    Attest {
        key: String,
        title: String,
        statement: String,
        due: CalendarDate,
    },
}

impl RequiredAction {
    pub fn key(&self) -> &str {
        match self {
            RequiredAction::Remediate { key, .. }
            | RequiredAction::Report { key, .. }
            | RequiredAction::Attest { key, .. } => key,
        }
    }

    pub fn title(&self) -> &str {
        match self {
            RequiredAction::Remediate { title, .. }
            | RequiredAction::Report { title, .. }
            | RequiredAction::Attest { title, .. } => title,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            RequiredAction::Remediate { .. } => "remediate",
            RequiredAction::Report { .. } => "report",
            RequiredAction::Attest { .. } => "attest",
        }
    }
}

/// The content of one directive version, as drafted and as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectiveBody {
    pub number: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub issued: CalendarDate,
    pub effective: CalendarDate,
    pub scope: DirectiveScope,
    pub actions: Vec<RequiredAction>,
}

fn check_key(field: &str, key: &str) -> Result<(), DirectiveError> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            "must be 1 to 64 of a-z, 0-9 and '_', starting with a letter",
        ))
    }
}

fn text_err(e: crate::text::TextError) -> DirectiveError {
    bad(e.field().to_owned(), e.to_string())
}

impl DirectiveBody {
    /// Checks and normalises a draft: every error names its field, and a
    /// rule that does not parse names its position.
    pub fn validate(mut self) -> Result<DirectiveBody, DirectiveError> {
        self.number = validate_number(&self.number)?;
        self.title = validate_title("title", &self.title, 300).map_err(text_err)?;
        check_long_text("summary", &self.summary).map_err(text_err)?;
        if self.summary.chars().count() > MAX_LONG_TEXT {
            return Err(bad(
                "summary",
                format!("must be at most {MAX_LONG_TEXT} characters"),
            ));
        }
        if self.effective < self.issued {
            return Err(bad("effective", "must not be before the issued date"));
        }
        let s = &self.scope;
        if s.kinds.is_empty() && s.sectors.is_empty() && s.organizations.is_empty() {
            return Err(bad(
                "scope",
                "name organisation kinds, sectors or organisations",
            ));
        }
        if s.organizations.len() > MAX_SCOPE_ORGS {
            return Err(bad(
                "scope.organizations",
                format!("at most {MAX_SCOPE_ORGS}"),
            ));
        }
        if self.actions.is_empty() {
            return Err(bad("actions", "name at least one required action"));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(bad("actions", format!("at most {MAX_ACTIONS} actions")));
        }
        let mut keys = Vec::new();
        for (i, a) in self.actions.iter_mut().enumerate() {
            let at = |f: &str| format!("actions[{i}].{f}");
            check_key(&at("key"), a.key())?;
            if keys.contains(&a.key().to_owned()) {
                return Err(bad(at("key"), "is used by another action"));
            }
            keys.push(a.key().to_owned());
            match a {
                RequiredAction::Remediate {
                    title, rule, due, ..
                } => {
                    *title = validate_title(&at("title"), title, 300).map_err(text_err)?;
                    let parsed = Rule::parse(rule).map_err(|e| bad(at("rule"), e.to_string()))?;
                    *rule = parsed.to_string();
                    due.validate()
                        .map_err(|(f, m)| bad(format!("actions[{i}].due.{f}"), m))?;
                }
                RequiredAction::Report {
                    title,
                    fields,
                    first_due,
                    every_days,
                    ..
                } => {
                    *title = validate_title(&at("title"), title, 300).map_err(text_err)?;
                    if fields.is_empty() || fields.len() > MAX_FIELDS {
                        return Err(bad(at("fields"), format!("name 1 to {MAX_FIELDS} fields")));
                    }
                    let mut names: Vec<&str> = Vec::new();
                    for (j, f) in fields.iter().enumerate() {
                        check_key(&format!("actions[{i}].fields[{j}].name"), &f.name)?;
                        if names.contains(&f.name.as_str()) {
                            return Err(bad(
                                format!("actions[{i}].fields[{j}].name"),
                                "is used by another field",
                            ));
                        }
                        names.push(&f.name);
                    }
                    if *first_due < self.effective {
                        return Err(bad(
                            at("first_due"),
                            "must not be before the directive is effective",
                        ));
                    }
                    if every_days.is_some_and(|d| d == 0 || d > due::MAX_DAYS) {
                        return Err(bad(
                            at("every_days"),
                            format!("must be 1 to {} days", due::MAX_DAYS),
                        ));
                    }
                }
                RequiredAction::Attest {
                    title,
                    statement,
                    due,
                    ..
                } => {
                    *title = validate_title(&at("title"), title, 300).map_err(text_err)?;
                    check_long_text(&at("statement"), statement).map_err(text_err)?;
                    if statement.trim().is_empty() || statement.chars().count() > MAX_LONG_TEXT {
                        return Err(bad(
                            at("statement"),
                            format!("must be 1 to {MAX_LONG_TEXT} characters"),
                        ));
                    }
                    if *due < self.effective {
                        return Err(bad(
                            at("due"),
                            "must not be before the directive is effective",
                        ));
                    }
                }
            }
        }
        Ok(self)
    }

    pub fn action(&self, key: &str) -> Option<&RequiredAction> {
        self.actions.iter().find(|a| a.key() == key)
    }
}

/// How one action changed between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ActionChange {
    Added {
        key: String,
    },
    Removed {
        key: String,
    },
    /// The fields whose values differ (`rule`, `due`, `title`, ...).
    Changed {
        key: String,
        fields: Vec<String>,
    },
}

/// What an amendment changed: actions added, removed or changed (with the
/// fields that differ), and the directive-level fields that differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Amendment {
    pub fields: Vec<String>,
    pub actions: Vec<ActionChange>,
}

fn object_fields(v: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The changes from `old` to `new`, in the order of `old`'s actions then
/// the new ones.
pub fn diff_actions(old: &DirectiveBody, new: &DirectiveBody) -> Amendment {
    let mut fields = Vec::new();
    let (o, n) = (
        serde_json::to_value(old).unwrap_or_default(),
        serde_json::to_value(new).unwrap_or_default(),
    );
    let (o, n) = (object_fields(&o), object_fields(&n));
    for (k, v) in &o {
        if k != "actions" && n.get(k) != Some(v) {
            fields.push(k.clone());
        }
    }
    let mut actions = Vec::new();
    for a in &old.actions {
        match new.action(a.key()) {
            None => actions.push(ActionChange::Removed {
                key: a.key().to_owned(),
            }),
            Some(b) if b != a => {
                let (x, y) = (
                    object_fields(&serde_json::to_value(a).unwrap_or_default()),
                    object_fields(&serde_json::to_value(b).unwrap_or_default()),
                );
                let mut changed: Vec<String> = x
                    .iter()
                    .filter(|(k, v)| y.get(*k) != Some(v))
                    .map(|(k, _)| k.clone())
                    .collect();
                changed.extend(y.keys().filter(|k| !x.contains_key(*k)).cloned());
                actions.push(ActionChange::Changed {
                    key: a.key().to_owned(),
                    fields: changed,
                });
            }
            Some(_) => {}
        }
    }
    for b in &new.actions {
        if old.action(b.key()).is_none() {
            actions.push(ActionChange::Added {
                key: b.key().to_owned(),
            });
        }
    }
    Amendment { fields, actions }
}
