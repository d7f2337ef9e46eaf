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
//! kept, and stores nothing. The form's inputs, read from the posted pairs
//! and turned into a directive, are in `form.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::directive::{DirectiveBody, MAX_ACTIONS};
use clearinghouse_domain::identity::{OrgKind, Scope, Sector};

use super::{Nav, UiAuth, UiCaller, UiResult, check_csrf, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::directives::preview::{self, Preview};
use crate::workflows::directives::{self, DirectiveView, MANAGERS};

mod form;
pub use form::{ActionInput, EditorInput, Placed, place};
use form::{DUE_KINDS, DUE_PERIODS};

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
