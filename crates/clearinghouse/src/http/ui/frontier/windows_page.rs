//! One access window's page, `/frontier/windows/{id}`: its model, dates and
//! terms (text, version and digest; whether transcripts are kept); for the
//! developer and government administrators its grants (with revocation,
//! a reason asked) and the form to grant a named person access; use by
//! person and day (the developer sees everyone's, a grantee its own); the
//! insider-risk alerts with their acknowledgement (developer, security
//! officers; government administrators read them); the findings filed from
//! the window (`window_findings::list`: each with its state, linked, only
//! those the reader may read); and for a grantee its own access: accept
//! the terms shown, get a credential (shown once). A person whose grants
//! were all revoked sees only their own grant (revoked) and their own use,
//! not the window's details, terms or findings. Refusals are shown beside
//! their field.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::windows::{model_label, status_text};
use super::{day, field_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::model::finding::Finding;
use crate::store;
use crate::workflows::frontier::window_alerts::{self, AlertReader, AlertView};
use crate::workflows::frontier::window_findings;
use crate::workflows::frontier::window_grants::{
    self, Acceptance, Credential, CredentialRequest, Grant, NewGrant, Revocation,
};
use crate::workflows::frontier::windows::{self, Standing, TermsView, Window};

/// How the reader stands to the window on this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Developer,
    GovAdmin,
    Grantee,
    /// All their grants were revoked: their own grant and use only.
    FormerGrantee,
    /// Reads the alerts only.
    SecurityOfficer,
}

/// Use by one person on one UTC day.
pub struct UseLine {
    pub person: String,
    pub day: String,
    pub calls: i64,
    pub refused: i64,
    pub tokens: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "window.html")]
pub struct WindowPage {
    nav: Nav,
    window: Option<Window>,
    window_id: String,
    role: Role,
    model: String,
    developer: String,
    terms: Option<TermsView>,
    grants: Vec<Grant>,
    mine: Option<Grant>,
    /// The holder's model name to send to the broker (N12).
    broker_model: Option<String>,
    uses: Vec<UseLine>,
    alerts: Vec<AlertView>,
    /// Findings filed from the window that the reader may read.
    findings: Vec<Finding>,
    names: Names,
    /// A credential just issued (its token shown this once).
    credential: Option<Credential>,
    grant_form: GrantForm,
    error: Option<FieldError>,
}

impl WindowPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(
            &self.error,
            &["user_id", "requests_per_day", "tokens_per_day", "reason"],
        )
    }

    fn manages(&self) -> bool {
        matches!(self.role, Role::Developer | Role::GovAdmin)
    }

    fn acknowledges(&self) -> bool {
        matches!(self.role, Role::Developer | Role::SecurityOfficer)
    }

    fn status(g: &Grant) -> &'static str {
        status_text(&g.status)
    }

    fn day(ts: &str) -> &str {
        day(ts)
    }
}

/// What was typed into the grant form.
#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub requests_per_day: String,
    #[serde(default)]
    pub tokens_per_day: String,
}

async fn role_of(app: &AppState, who: &Principal, id: &str) -> UiResult<Role> {
    match windows::readable(app, who, id).await {
        Ok((_, Standing::Developer)) => Ok(Role::Developer),
        Ok((_, Standing::GovAdmin)) => Ok(Role::GovAdmin),
        Ok((_, Standing::Grantee)) => Ok(Role::Grantee),
        Err(AppError::NotFound) => match window_alerts::reader(app, who, id).await {
            Ok((_, AlertReader::SecurityOfficer)) => Ok(Role::SecurityOfficer),
            _ => match windows::formerly_granted(app, who, id).await {
                Ok(_) => Ok(Role::FormerGrantee),
                Err(e) => Err(e.into()),
            },
        },
        Err(e) => Err(e.into()),
    }
}

async fn view(
    app: &AppState,
    who: &Principal,
    id: &str,
    grant_form: GrantForm,
    error: Option<FieldError>,
    credential: Option<Credential>,
) -> UiResult<WindowPage> {
    let role = role_of(app, who, id).await?;
    let (window, terms, grants, usage) = if role == Role::SecurityOfficer {
        (None, None, Vec::new(), Vec::new())
    } else if role == Role::FormerGrantee {
        let grants = window_grants::of_window(app, who, id).await?;
        let usage = window_grants::usage(app, who, id, Some(1000)).await?;
        (None, None, grants, usage)
    } else {
        let w = windows::get(app, who, id).await?;
        let terms = windows::terms(app, who, id).await?.into_iter().next();
        let grants = window_grants::of_window(app, who, id).await?;
        let usage = window_grants::usage(app, who, id, Some(1000)).await?;
        (Some(w), terms, grants, usage)
    };
    let alerts = match role {
        Role::Grantee | Role::FormerGrantee => Vec::new(),
        _ => window_alerts::list(app, who, id).await?,
    };
    let findings = match role {
        Role::Developer | Role::GovAdmin | Role::Grantee => {
            window_findings::list(app, who, id, None, Some(200))
                .await?
                .items
        }
        Role::FormerGrantee | Role::SecurityOfficer => Vec::new(),
    };
    let mut per: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for u in &usage {
        let e = per
            .entry((day(&u.at).to_owned(), u.user_id.clone()))
            .or_default();
        if u.outcome.starts_with("refused") {
            e.1 += 1;
        } else {
            e.0 += 1;
            e.2 += u.total_tokens.unwrap_or(0);
        }
    }
    let model_id = match &window {
        Some(w) => w.model_id.clone(),
        None => {
            let mut conn = app.store.pool.acquire().await.map_err(AppError::from)?;
            store::frontier::windows::get(&mut conn, id)
                .await
                .map_err(AppError::from)?
                .map(|w| w.model_id)
                .unwrap_or_default()
        }
    };
    let model = model_label(app, who, &model_id).await;
    let users: Vec<String> = grants
        .iter()
        .map(|g| g.user_id.clone())
        .chain(per.keys().map(|(_, u)| u.clone()))
        .chain(alerts.iter().map(|a| a.user_id.clone()))
        .chain(alerts.iter().filter_map(|a| a.acknowledged_by.clone()))
        .collect();
    let orgs: Vec<String> = window.iter().map(|w| w.developer_org.clone()).collect();
    let names = Names::load(
        app,
        orgs.iter().map(String::as_str),
        users.iter().map(String::as_str),
    )
    .await?;
    let uses = per
        .into_iter()
        .rev()
        .map(|((d, u), (calls, refused, tokens))| UseLine {
            person: names.user(&u),
            day: d,
            calls,
            refused,
            tokens,
        })
        .collect();
    let mine = grants.iter().find(|g| g.user_id == who.user_id()).cloned();
    let broker_model = match &mine {
        Some(g) => Some(window_grants::broker_model(app, who, &g.id).await?.1),
        None => None,
    };
    Ok(WindowPage {
        nav: Nav::new(who, "windows"),
        developer: window
            .as_ref()
            .map(|w| names.org(&w.developer_org).to_owned())
            .unwrap_or_default(),
        window,
        window_id: id.to_owned(),
        role,
        model,
        terms,
        grants,
        mine,
        broker_model,
        uses,
        alerts,
        findings,
        names,
        credential,
        grant_form,
        error,
    })
}

/// `/frontier/grants/{id}`: a grant's holder lands on the window page's
/// "My access" (terms, credential, the model name to send); linked from
/// the defensive-tools page for an approved model request.
pub async fn grant_page(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<Response> {
    let (window_id, _) = window_grants::broker_model(&app, &who, &id).await?;
    Ok(Redirect::to(&format!("/frontier/windows/{window_id}#my-access")).into_response())
}

pub async fn show(UiCaller { app, who }: UiCaller, Path(id): Path<String>) -> UiResult<WindowPage> {
    view(&app, &who, &id, GrantForm::default(), None, None).await
}

/// The page again with a refusal beside its field (a client error status).
async fn refused(
    app: &AppState,
    who: &Principal,
    id: &str,
    form: GrantForm,
    e: AppError,
) -> UiResult<Response> {
    let field = field_of(&e);
    let (status, message) = inline_error(e)?;
    let page = view(
        app,
        who,
        id,
        form,
        Some(FieldError { field, message }),
        None,
    )
    .await?;
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

fn number(field: &'static str, text: &str) -> Result<i64, AppError> {
    text.trim()
        .replace([',', '_', ' '], "")
        .parse()
        .map_err(|_| AppError::invalid(field, "must be a whole number"))
}

/// Grants a person (by username) access with a daily allowance.
pub async fn grant(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> UiResult<Response> {
    let outcome = async {
        let user = store::accounts::users::get_by_username(&app.store.pool, f.username.trim())
            .await?
            .ok_or_else(|| AppError::invalid("user_id", window_grants::NOT_GRANTABLE))?;
        let input = NewGrant {
            user_id: user.id,
            starts_at: None,
            ends_at: None,
            requests_per_day: number("requests_per_day", &f.requests_per_day)?,
            tokens_per_day: number("tokens_per_day", &f.tokens_per_day)?,
        };
        window_grants::grant(&app, &who, &id, input).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/frontier/windows/{id}#grants")).into_response()),
        Err(e) => refused(&app, &who, &id, f, e).await,
    }
}

/// A form about one grant, sent from its window's page.
#[derive(Debug, Default, Deserialize)]
pub struct GrantAction {
    #[serde(default)]
    pub window_id: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub terms_version: i64,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub minutes: Option<i64>,
}

pub async fn revoke(
    UiCaller { app, who }: UiCaller,
    Path(grant): Path<String>,
    CsrfForm(f): CsrfForm<GrantAction>,
) -> UiResult<Response> {
    let input = Revocation {
        reason: f.reason.clone(),
    };
    match window_grants::revoke(&app, &who, &grant, input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/frontier/windows/{}#grants", f.window_id)).into_response())
        }
        Err(e) => refused(&app, &who, &f.window_id, GrantForm::default(), e).await,
    }
}

pub async fn accept(
    UiCaller { app, who }: UiCaller,
    Path(grant): Path<String>,
    CsrfForm(f): CsrfForm<GrantAction>,
) -> UiResult<Response> {
    let input = Acceptance {
        terms_version: f.terms_version,
        sha256: f.sha256.clone(),
    };
    match window_grants::accept(&app, &who, &grant, input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/frontier/windows/{}#my-access", f.window_id)).into_response(),
        ),
        Err(e) => refused(&app, &who, &f.window_id, GrantForm::default(), e).await,
    }
}

/// Issues a credential and shows it on the page, this once.
pub async fn credential(
    UiCaller { app, who }: UiCaller,
    Path(grant): Path<String>,
    CsrfForm(f): CsrfForm<GrantAction>,
) -> UiResult<Response> {
    let input = CredentialRequest { minutes: f.minutes };
    match window_grants::credential(&app, &who, &grant, input).await {
        Ok(c) => {
            let page = view(
                &app,
                &who,
                &f.window_id,
                GrantForm::default(),
                None,
                Some(c),
            )
            .await?;
            Ok(page.into_response())
        }
        Err(e) => refused(&app, &who, &f.window_id, GrantForm::default(), e).await,
    }
}
