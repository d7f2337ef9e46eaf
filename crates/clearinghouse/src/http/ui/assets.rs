//! The asset list: every asset the reader may see (coordinators: of every
//! organisation, with its name), searched, sorted and paged, and the form
//! to register one, whose refusals are shown beside the field with what
//! was typed kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::names::Names;
use super::paging::{PageParams, Pager, sort_rows};
use super::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::exposure::Asset;
use crate::workflows::exposure::assets::{self, NewAsset, READ_ANY};

/// What was typed into the registration form, and what was wrong with it.
#[derive(Debug, Default, Deserialize)]
pub struct AssetForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub publicly_exposed: Option<String>,
    #[serde(default)]
    pub mission_impact: String,
}

/// A refusal shown beside its field.
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The message of `error` when it names `field`.
    pub fn for_field<'e>(error: &'e Option<FieldError>, field: &str) -> Option<&'e str> {
        error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The message of `error` when it names none of the form's `fields`
    /// (shown above the form).
    pub fn other<'e>(error: &'e Option<FieldError>, fields: &[&str]) -> Option<&'e str> {
        error
            .as_ref()
            .filter(|e| !fields.contains(&e.field.as_str()))
            .map(|e| e.message.as_str())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "assets.html")]
pub struct AssetsPage {
    nav: Nav,
    assets: Vec<Asset>,
    pager: Pager,
    q: PageParams,
    names: Names,
    /// Coordinators see every organisation's assets: the organisation column.
    all_orgs: bool,
    form: AssetForm,
    error: Option<FieldError>,
}

impl AssetsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(&self.error, &["name", "owner", "mission_impact"])
    }
}

/// Every asset the reader may list (all pages of the workflow's list).
pub(super) async fn all_assets(app: &AppState, who: &Principal) -> UiResult<Vec<Asset>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = assets::list(app, who, None, None, false, cursor.as_deref(), Some(500)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

const SORTS: &[&str] = &[
    "name",
    "organisation",
    "owner",
    "impact",
    "components",
    "updated",
];

async fn view(
    app: &AppState,
    who: &Principal,
    q: PageParams,
    form: AssetForm,
    error: Option<FieldError>,
) -> UiResult<AssetsPage> {
    let all = all_assets(app, who).await?;
    let all_orgs = who.has_any_role(READ_ANY);
    let names = Names::load(app, all.iter().map(|a| a.org_id.as_str()), []).await?;
    let mut rows: Vec<Asset> = all
        .into_iter()
        .filter(|a| q.matches([a.name.as_str(), a.owner.as_str(), names.org(&a.org_id)]))
        .collect();
    let sort = q.sort_among(SORTS, "name");
    let descending = q.descending(sort != "name" && sort != "organisation" && sort != "owner");
    let impact = |a: &Asset| match a.mission_impact.as_str() {
        "high" => 2,
        "medium" => 1,
        _ => 0,
    };
    sort_rows(&mut rows, descending, |a, b| {
        match sort {
            "organisation" => names.org(&a.org_id).cmp(names.org(&b.org_id)),
            "owner" => a.owner.to_lowercase().cmp(&b.owner.to_lowercase()),
            "impact" => impact(a).cmp(&impact(b)),
            "components" => {
                let n = |x: &Asset| x.sbom.as_ref().map(|s| s.component_count).unwrap_or(0);
                n(a).cmp(&n(b))
            }
            "updated" => a.updated_at.cmp(&b.updated_at),
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        }
        .then_with(|| a.id.cmp(&b.id))
    });
    let (page, pager) = Pager::cut(rows, "/assets", &[], &q, sort, descending);
    Ok(AssetsPage {
        nav: Nav::new(who, "assets"),
        assets: page,
        pager,
        q,
        names,
        all_orgs,
        form,
        error,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<PageParams>,
) -> UiResult<AssetsPage> {
    let form = AssetForm {
        mission_impact: "medium".to_owned(),
        ..Default::default()
    };
    view(&app, &who, q, form, None).await
}

/// Registers an asset and opens it; a refusal comes back on this page,
/// beside its field, with the form as it was typed.
pub async fn create(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<AssetForm>,
) -> UiResult<Response> {
    let input = NewAsset {
        name: f.name.clone(),
        org: None,
        owner: f.owner.clone(),
        description: String::new(),
        publicly_exposed: f.publicly_exposed.is_some(),
        mission_impact: Some(f.mission_impact.clone()),
    };
    match assets::create(&app, &who, input).await {
        Ok(asset) => Ok(Redirect::to(&format!("/assets/{}", asset.id)).into_response()),
        Err(e) => {
            let field = match &e {
                AppError::Invalid { field, .. } => field.clone(),
                AppError::Conflict(_) => "name".to_owned(),
                _ => String::new(),
            };
            let (status, message) = inline_error(e)?;
            let error = Some(FieldError { field, message });
            let page = view(&app, &who, PageParams::default(), f, error).await?;
            Ok((status_or(status), page).into_response())
        }
    }
}

fn status_or(s: StatusCode) -> StatusCode {
    if s.is_client_error() {
        s
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}
