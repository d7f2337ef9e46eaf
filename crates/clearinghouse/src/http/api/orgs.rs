//! `/api/v1/orgs`: the organisation directory.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::PageParams;
use crate::app::AppState;
use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Auth};
use crate::model::{Organization, Page};
use crate::workflows::orgs::{self, NewOrganization, OrganizationFlags};

/// Register an organisation (platform admins and coordinators).
#[utoipa::path(post, path = "/orgs", tag = "organisations", security(("bearer" = [])), request_body = NewOrganization,
    responses((status = 201, body = Organization), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewOrganization>,
) -> AppResult<(StatusCode, Json<Organization>)> {
    Ok((
        StatusCode::CREATED,
        Json(orgs::create(&app, &who, input).await?),
    ))
}

/// List organisations.
#[utoipa::path(get, path = "/orgs", tag = "organisations", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<Organization>)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<Organization>>> {
    Ok(Json(
        orgs::list(&app, &who, p.cursor.as_deref(), p.limit).await?,
    ))
}

/// One organisation.
#[utoipa::path(get, path = "/orgs/{id}", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Organization), (status = 404, body = Problem)))]
pub async fn get(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Organization>> {
    Ok(Json(orgs::get(&app, &who, &id).await?))
}

/// Set the vetted and trusted-partner flags.
#[utoipa::path(patch, path = "/orgs/{id}", tag = "organisations", security(("bearer" = [])), request_body = OrganizationFlags,
    responses((status = 200, body = Organization), (status = 404, body = Problem)))]
pub async fn update(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OrganizationFlags>,
) -> AppResult<Json<Organization>> {
    Ok(Json(orgs::set_flags(&app, &who, &id, input).await?))
}
