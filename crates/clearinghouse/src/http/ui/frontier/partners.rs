//! The trusted-partners page (`/frontier/partners`): for the developer,
//! the partners of its models; for government coordinators, every
//! nomination of the models they may read (the queue). Each row says in
//! plain words whose approval it waits for and offers the reader's side
//! its next step: approve (the developer's org admin at once; a
//! coordinator files the two-person request a second coordinator decides
//! on the approvals page) or withdraw with a reason. The nomination form
//! takes a model the reader may read and an organisation's exact name.
//! Every form posts to `workflows::frontier::partners`, CSRF-checked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Role;
use serde::Deserialize;

use super::{Tabs, day, field_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::store;
use crate::workflows::frontier::models::{self, Model};
use crate::workflows::frontier::partners::{self, NewPartner, Partner, PartnerWithdrawal};
use crate::workflows::frontier::windows::is_gov_admin;

/// What was typed into the nomination form.
#[derive(Debug, Default, Deserialize)]
pub struct NominateForm {
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partners.html")]
pub struct PartnersPage {
    nav: Nav,
    tabs: Tabs,
    partners: Vec<Partner>,
    models: Vec<Model>,
    names: Names,
    /// The reader acts for the developer of these organisations' models.
    developer_org: Option<String>,
    coordinator: bool,
    form: NominateForm,
    error: Option<FieldError>,
    /// The nomination a step's error belongs to.
    error_row: String,
    notice: String,
}

impl PartnersPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        if self.error_row.is_empty() {
            FieldError::other(&self.error, &["model", "org_id", "reason"])
        } else {
            None
        }
    }

    fn row_error(&self, id: &str) -> Option<&str> {
        (self.error_row == id)
            .then(|| self.error.as_ref().map(|e| e.message.as_str()))
            .flatten()
    }

    fn model_name(&self, id: &str) -> String {
        self.models
            .iter()
            .find(|m| m.id == id)
            .map(|m| format!("{} {}", m.name, m.version))
            .unwrap_or_else(|| "a model".to_owned())
    }

    /// Where the nomination stands, in plain words.
    fn standing(&self, p: &Partner) -> String {
        match p.state.as_str() {
            "approved" => format!(
                "Trusted partner since {}",
                day(p.government_approved_at.as_deref().unwrap_or(&p.created_at))
                    .max(day(p.developer_approved_at.as_deref().unwrap_or("")))
            ),
            "withdrawn" => format!(
                "Withdrawn by the {} on {}: {}",
                p.withdrawn_side.as_deref().unwrap_or("—"),
                day(p.withdrawn_at.as_deref().unwrap_or("")),
                p.withdraw_reason.as_deref().unwrap_or("")
            ),
            _ => {
                let mut waits = Vec::new();
                if p.developer_approved_at.is_none() {
                    waits.push("the developer's approval");
                }
                if p.government_pending {
                    waits.push("a second government coordinator (two-person rule)");
                } else if p.government_approved_at.is_none() {
                    waits.push("the government's approval");
                }
                format!("Waiting for {}", waits.join(" and "))
            }
        }
    }

    /// Whether the reader's side may approve this nomination now.
    fn may_approve(&self, p: &Partner) -> bool {
        if p.state != "proposed" {
            return false;
        }
        let dev = self.developer_org.as_deref() == Some(p.developer_org.as_str())
            && p.developer_approved_at.is_none();
        let gov = self.coordinator && !p.government_pending && p.government_approved_at.is_none();
        dev || gov
    }

    fn may_withdraw(&self, p: &Partner) -> bool {
        p.state != "withdrawn"
            && (self.coordinator || self.developer_org.as_deref() == Some(p.developer_org.as_str()))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PartnersQuery {
    #[serde(default)]
    pub notice: String,
}

async fn view(
    app: &AppState,
    who: &Principal,
    form: NominateForm,
    error: Option<FieldError>,
    error_row: String,
    notice: String,
) -> UiResult<PartnersPage> {
    let coordinator = who.has_role(Role::Coordinator) && is_gov_admin(app, who).await?;
    let developer_org = who
        .has_role(Role::OrgAdmin)
        .then(|| who.org_id().to_owned());
    let mut partners = partners::list(app, who).await?;
    partners.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let models = all_pages!(c => models::list(app, who, c.as_deref(), Some(500)));
    let orgs: Vec<String> = partners
        .iter()
        .flat_map(|p| [p.org_id.clone(), p.developer_org.clone()])
        .collect();
    let users: Vec<String> = partners.iter().map(|p| p.nominated_by.clone()).collect();
    let names = Names::load(
        app,
        orgs.iter().map(String::as_str),
        users.iter().map(String::as_str),
    )
    .await?;
    Ok(PartnersPage {
        nav: Nav::new(who, "frontier"),
        tabs: Tabs::of(who, "partners"),
        partners,
        models,
        names,
        developer_org,
        coordinator,
        form,
        error,
        error_row,
        notice,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<PartnersQuery>,
) -> UiResult<PartnersPage> {
    view(
        &app,
        &who,
        NominateForm::default(),
        None,
        String::new(),
        q.notice,
    )
    .await
}

/// The page again with a refusal beside its field (or its row).
async fn refused(
    app: &AppState,
    who: &Principal,
    form: NominateForm,
    row: String,
    e: AppError,
) -> UiResult<Response> {
    let field = field_of(&e);
    let (status, message) = inline_error(e)?;
    let error = Some(FieldError { field, message });
    let page = view(app, who, form, error, row, String::new()).await?;
    Ok((status, page).into_response())
}

pub async fn nominate(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<NominateForm>,
) -> UiResult<Response> {
    let org = store::accounts::orgs::by_name(&app.store.pool, f.org_name.trim())
        .await
        .map_err(AppError::from)?;
    let outcome = match org {
        None => Err(AppError::invalid(
            "org_id",
            "no organisation has that exact name",
        )),
        Some(org) => {
            let input = NewPartner {
                org_id: org.id,
                reason: f.reason.clone(),
            };
            partners::nominate(&app, &who, f.model.trim(), input).await
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/frontier/partners?notice=nominated").into_response()),
        Err(AppError::NotFound) => {
            let e = AppError::invalid("model", "choose a model you may read");
            refused(&app, &who, f, String::new(), e).await
        }
        Err(e) => refused(&app, &who, f, String::new(), e).await,
    }
}

pub async fn approve(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<StepForm>,
) -> UiResult<Response> {
    match partners::approve(&app, &who, &id).await {
        Ok(a) if a.approval.is_some() => {
            Ok(Redirect::to("/frontier/partners?notice=filed").into_response())
        }
        Ok(_) => Ok(Redirect::to("/frontier/partners?notice=approved").into_response()),
        Err(e @ AppError::NotFound) => Err(e.into()),
        Err(e) => refused(&app, &who, NominateForm::default(), id, e).await,
    }
}

pub async fn withdraw(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> UiResult<Response> {
    let input = PartnerWithdrawal { reason: f.reason };
    match partners::withdraw(&app, &who, &id, input).await {
        Ok(_) => Ok(Redirect::to("/frontier/partners?notice=withdrawn").into_response()),
        Err(e @ AppError::NotFound) => Err(e.into()),
        Err(e) => {
            let r = refused(&app, &who, NominateForm::default(), id, e).await?;
            let (mut parts, body) = r.into_parts();
            if parts.status.is_success() {
                parts.status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok(Response::from_parts(parts, body))
        }
    }
}
