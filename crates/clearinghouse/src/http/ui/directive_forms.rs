//! The agency's forms on `/directives/{id}`: a report or attestation per
//! report/attest action (the fields from the action's definition, the
//! open periods to choose from) and one extension/exception request form
//! over the organisation's open obligations (justification required),
//! with the organisation's requests and their decisions. Posts go through
//! `workflows::directives::forms` (`submit`, `request`: the same checks,
//! audit and limits as the API), with the session's CSRF token; a refusal
//! renders the page again with the message beside the field at fault and
//! what was typed kept, and stores nothing.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::directive::{FieldKind, RequiredAction};
use clearinghouse_domain::frontier::date::CalendarDate;
use serde::Deserialize;

use super::directives::{Done, render};
use super::forms::FormError;
use super::{CsrfForm, UiCaller, UiResult, check_csrf};
use crate::app::AppState;
use crate::error::AppError;
use crate::workflows::directives::forms::{self, NewRequest, NewSubmission, RequestView};
use crate::workflows::directives::obligations::Obligation;
use crate::workflows::directives::{DirectiveView, forms::list_requests};

/// The prefix of a report field's input name (`field.asset_count`).
const FIELD: &str = "field.";
/// At most this many inputs in one posted form (the report's fields, the
/// CSRF token, the action and the period).
const MAX_INPUTS: usize = 64;

/// One input of a report or attestation form.
pub struct FieldView {
    /// The input's name (`field.asset_count`).
    pub input: String,
    /// The field's name, as the directive defines it.
    pub name: String,
    /// The name as a person reads it (`asset count`).
    pub label: String,
    pub required: bool,
    /// `text`, `number` or `boolean` (the directive's field type).
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// The form for one report or attest action.
pub struct ReportForm {
    pub action: String,
    pub title: String,
    /// `report` or `attest`.
    pub kind: String,
    /// An attestation's statement.
    pub statement: String,
    /// Periods due so far or next and not yet submitted.
    pub periods: Vec<String>,
    pub period: String,
    pub period_error: Option<String>,
    pub fields: Vec<FieldView>,
    /// An attestation's box, as ticked.
    pub attested: bool,
    /// A refusal about no input of the form.
    pub error: Option<String>,
}

/// One open obligation a request can be about.
pub struct Choice {
    /// `action|exposure id` or `action|period`.
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The extension/exception request form.
#[derive(Default)]
pub struct RequestForm {
    pub choices: Vec<Choice>,
    pub kind: String,
    pub until: String,
    pub justification: String,
    pub error: Option<FormError>,
}

/// Everything of the agency's forms the page shows.
#[derive(Default)]
pub struct AgencyForms {
    pub reports: Vec<ReportForm>,
    pub request: RequestForm,
    /// The organisation's requests, newest last.
    pub requests: Vec<RequestView>,
    pub notice: Option<String>,
    /// A refused report about an action with no form on the page.
    pub error: Option<String>,
}

/// What was posted and refused, to show again.
pub enum Refused {
    Report {
        action: String,
        values: BTreeMap<String, String>,
        error: FormError,
    },
    Request {
        form: RequestPost,
        error: FormError,
    },
    /// A refused decision or evidence upload (`ui/directive_records.rs`).
    Records(super::directive_records::RecordRefusal),
}

/// The request form as posted.
#[derive(Debug, Deserialize)]
pub struct RequestPost {
    #[serde(default)]
    obligation: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    justification: String,
}

/// The obligation's choice value: what identifies it to a request.
fn choice_value(o: &Obligation) -> Option<String> {
    let target = o.exposure_id.as_ref().or(o.period.as_ref())?;
    Some(format!("{}|{target}", o.action))
}

fn choice_label(o: &Obligation) -> String {
    let what = match (&o.vuln_id, &o.component, &o.asset_name, &o.period) {
        (Some(v), Some(c), Some(a), _) => format!("{v} in {c} on {a}"),
        (_, _, _, Some(p)) => format!("{} due {p}", o.kind),
        _ => o.kind.clone(),
    };
    let due = o
        .extended_to
        .as_deref()
        .or(o.due_date.as_deref())
        .unwrap_or("no date");
    format!(
        "{}: {what} (due {due}, {})",
        o.action,
        o.state.replace('_', " ")
    )
}

/// Builds the agency's forms from the directive, the organisation's
/// obligations (every one, not just those listed) and a refusal to show.
pub async fn build(
    app: &AppState,
    who: &crate::auth::Principal,
    d: &DirectiveView,
    items: &[Obligation],
    refused: Option<Refused>,
    done: &Done,
) -> UiResult<AgencyForms> {
    let (report_refused, request_refused) = match refused {
        Some(Refused::Report {
            action,
            values,
            error,
        }) => (Some((action, values, error)), None),
        Some(Refused::Request { form, error }) => (None, Some((form, error))),
        Some(Refused::Records(_)) | None => (None, None),
    };
    let mut reports = Vec::new();
    for a in &d.body.actions {
        let (kind, statement, names): (&str, String, Vec<(String, bool, FieldKind)>) = match a {
            RequiredAction::Report { fields, .. } => (
                "report",
                String::new(),
                fields
                    .iter()
                    .map(|f| (f.name.clone(), f.required, f.kind))
                    .collect(),
            ),
            RequiredAction::Attest { statement, .. } => (
                "attest",
                statement.clone(),
                vec![("evidence".into(), true, FieldKind::Text)],
            ),
            RequiredAction::Remediate { .. } => continue,
        };
        let periods: Vec<String> = items
            .iter()
            .filter(|o| o.action == a.key() && o.state != "satisfied")
            .filter_map(|o| o.period.clone())
            .collect();
        let mine = report_refused
            .as_ref()
            .filter(|(action, _, _)| action == a.key());
        let typed = |input: &str| {
            mine.and_then(|(_, v, _)| v.get(input).cloned())
                .unwrap_or_default()
        };
        let at = |field: &str| mine.and_then(|(_, _, e)| e.at(field).map(str::to_owned));
        let fields = names
            .into_iter()
            .map(|(name, required, kind)| FieldView {
                kind: kind.as_str(),
                input: format!("{FIELD}{name}"),
                value: typed(&format!("{FIELD}{name}")),
                error: at(&format!("fields.{name}")),
                label: name.replace('_', " "),
                name,
                required,
            })
            .collect();
        let general = mine.and_then(|(_, _, e)| {
            e.general()
                .map(str::to_owned)
                .or_else(|| e.at("action").map(|m| format!("action: {m}")))
                .or_else(|| e.at("fields").map(str::to_owned))
        });
        let attest_error = at("fields.attested");
        reports.push(ReportForm {
            action: a.key().to_owned(),
            title: a.title().to_owned(),
            kind: kind.to_owned(),
            statement,
            period: typed("period"),
            period_error: at("period"),
            attested: typed("field.attested") == "true",
            error: general.or(attest_error),
            periods,
            fields,
        });
    }
    // A refusal about an action with no form here (not a report or
    // attest action, or none of this directive's) is said above the forms.
    let error = report_refused
        .as_ref()
        .filter(|(action, _, _)| !reports.iter().any(|r| r.action == *action))
        .map(|(_, _, e)| e.message().to_owned());
    let (post, request_error) = match request_refused {
        Some((p, e)) => (Some(p), Some(e)),
        None => (None, None),
    };
    let chosen = post
        .as_ref()
        .map(|p| p.obligation.clone())
        .unwrap_or_default();
    let choices = items
        .iter()
        .filter(|o| o.state != "satisfied")
        .filter_map(|o| {
            let value = choice_value(o)?;
            Some(Choice {
                selected: value == chosen,
                label: choice_label(o),
                value,
            })
        })
        .collect();
    let request = RequestForm {
        choices,
        kind: post
            .as_ref()
            .map_or_else(|| "extension".into(), |p| p.kind.clone()),
        until: post.as_ref().map(|p| p.until.clone()).unwrap_or_default(),
        justification: post.map(|p| p.justification).unwrap_or_default(),
        error: request_error,
    };
    let requests = list_requests(app, who, &d.id, None, None).await?;
    let notice = match done.done.as_str() {
        "report" => Some("Recorded: your submission is on file for that period.".to_owned()),
        "request" => Some(
            "Your request is recorded; a CISA directive manager decides it and you are told."
                .to_owned(),
        ),
        _ => None,
    };
    Ok(AgencyForms {
        reports,
        request,
        requests,
        notice,
        error,
    })
}

/// The submission a posted report/attest form makes, with its typed
/// values kept for a refusal.
fn submission(
    pairs: Vec<(String, String)>,
) -> Result<(String, NewSubmission, BTreeMap<String, String>), AppError> {
    if pairs.len() > MAX_INPUTS {
        return Err(AppError::invalid(
            "fields",
            format!("a form has at most {MAX_INPUTS} inputs"),
        ));
    }
    let values: BTreeMap<String, String> = pairs.into_iter().collect();
    let action = values.get("action").cloned().unwrap_or_default();
    let period = match values.get("period").map(|p| p.trim()) {
        None | Some("") => None,
        Some(p) => Some(
            CalendarDate::parse(p)
                .map_err(|_| AppError::invalid("period", "must be a date (YYYY-MM-DD)"))?,
        ),
    };
    let mut fields = BTreeMap::new();
    for (k, v) in &values {
        let Some(name) = k.strip_prefix(FIELD) else {
            continue;
        };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        // What was typed, as text: the directive's field definition types
        // it (`typed_report`), so a ZIP code stays "02134".
        let value = if name == "attested" {
            serde_json::Value::Bool(v == "true")
        } else {
            serde_json::Value::String(v.to_owned())
        };
        fields.insert(name.to_owned(), value);
    }
    Ok((
        action.clone(),
        NewSubmission {
            action,
            period,
            fields,
        },
        values,
    ))
}

/// `POST /directives/{id}/report`: a report or attestation.
pub async fn report(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let sent = pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    check_csrf(&who, sent)?;
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let result = match submission(pairs) {
        Ok((action, input, values)) => forms::submit(&app, &who, &id, input)
            .await
            .map_err(|e| (e, action, values)),
        Err(e) => Err((e, action, BTreeMap::new())),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/directives/{id}?done=report#my-obligations")).into_response(),
        ),
        Err((e, action, mut values)) => {
            values.remove("csrf_token");
            // Only the inputs the action's form shows: anything else is
            // said above the form.
            let mut names = report_field_names(&app, &who, &id, &action).await;
            names.extend(["period", "action", "fields"].map(String::from));
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let (status, error) = FormError::from_app(e, &refs)?;
            let refused = Refused::Report {
                action,
                values,
                error,
            };
            let page = render(&app, &who, &id, Some(refused), &Done::default()).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The `fields.NAME` of the inputs an action's form shows (so a missing
/// required field's error goes beside its input).
async fn report_field_names(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    action: &str,
) -> Vec<String> {
    let Ok(d) = crate::workflows::directives::get(app, who, id).await else {
        return Vec::new();
    };
    match d.body.action(action) {
        Some(RequiredAction::Report { fields, .. }) => fields
            .iter()
            .map(|f| format!("fields.{}", f.name))
            .collect(),
        Some(RequiredAction::Attest { .. }) => {
            vec!["fields.attested".into(), "fields.evidence".into()]
        }
        _ => Vec::new(),
    }
}

/// The request a posted request form makes.
fn new_request(p: &RequestPost) -> Result<NewRequest, AppError> {
    let (action, target) = p
        .obligation
        .split_once('|')
        .ok_or_else(|| AppError::invalid("action", "choose the obligation the request is about"))?;
    let kind = match p.kind.as_str() {
        "extension" => clearinghouse_domain::directive::compliance::RequestKind::Extension,
        "exception" => clearinghouse_domain::directive::compliance::RequestKind::Exception,
        _ => return Err(AppError::invalid("kind", "must be extension or exception")),
    };
    let until = match p.until.trim() {
        "" => None,
        u => Some(
            CalendarDate::parse(u)
                .map_err(|_| AppError::invalid("until", "must be a date (YYYY-MM-DD)"))?,
        ),
    };
    // A period is a date; anything else names an exposure.
    let (exposure_id, period) = match CalendarDate::parse(target) {
        Ok(p) => (None, Some(p)),
        Err(_) => (Some(target.to_owned()), None),
    };
    Ok(NewRequest {
        action: action.to_owned(),
        kind,
        exposure_id,
        period,
        until,
        justification: p.justification.clone(),
    })
}

/// `POST /directives/{id}/request`: an extension or exception request.
pub async fn request(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(p): CsrfForm<RequestPost>,
) -> UiResult<Response> {
    let result = match new_request(&p) {
        Ok(input) => forms::request(&app, &who, &id, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/directives/{id}?done=request#requests")).into_response())
        }
        Err(e) => {
            let fields = [
                "action",
                "exposure_id",
                "period",
                "kind",
                "until",
                "justification",
            ];
            let (status, error) = FormError::from_app(e, &fields)?;
            let refused = Refused::Request { form: p, error };
            let page = render(&app, &who, &id, Some(refused), &Done::default()).await?;
            Ok((status, page).into_response())
        }
    }
}
