//! `/api/v1/orgs`: the organisation directory.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::{Approval, Organization, OrganizationWithRequest, Page};
use crate::workflows::accounts::orgs::{self, NewOrganization, OrganizationFlags};
use crate::workflows::archive::{self, ArchiveRequest};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrgQuery {
    /// `true` lists archived organisations too (left out by default).
    pub archived: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArchiveOrgQuery {
    /// `true` disables the organisation's active users and ends their
    /// sessions and tokens; without it, active users make archiving 409.
    pub disable_users: Option<bool>,
}

/// Register an organisation (platform admins and coordinators). The
/// `vetted` and `trusted_partner` flags asked for are not set at once: they
/// are filed as a two-person request (`flags_request`) that a second
/// coordinator approves.
#[utoipa::path(post, path = "/orgs", tag = "organisations", security(("bearer" = [])), request_body = NewOrganization, responses((status = 201, body = OrganizationWithRequest), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewOrganization>,
) -> AppResult<(StatusCode, Json<OrganizationWithRequest>)> {
    Ok(created(orgs::create(&app, &who, input).await?))
}

/// List organisations.
#[utoipa::path(get, path = "/orgs", tag = "organisations", security(("bearer" = [])), params(OrgQuery), responses((status = 200, body = Page<Organization>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<OrgQuery>,
) -> AppResult<Json<Page<Organization>>> {
    Ok(Json(
        orgs::list(
            &app,
            &who,
            p.archived.unwrap_or(false),
            p.cursor.as_deref(),
            p.limit,
        )
        .await?,
    ))
}

/// One organisation.
#[utoipa::path(get, path = "/orgs/{id}", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Organization), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Organization>> {
    Ok(Json(orgs::get(&app, &who, &id).await?))
}

/// Ask to set or clear the vetted and trusted-partner flags: a pending
/// two-person request (`set_organization_flags`) that a second coordinator
/// approves (`POST /approvals/{id}/decision`); 422 when nothing would change.
#[utoipa::path(patch, path = "/orgs/{id}", tag = "organisations", security(("bearer" = [])), request_body = OrganizationFlags, responses((status = 202, body = Approval), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OrganizationFlags>,
) -> AppResult<(StatusCode, Json<Approval>)> {
    Ok(accepted(orgs::set_flags(&app, &who, &id, input).await?))
}

/// Archive an organisation (platform admins), with a reason. Its records
/// stay; it cannot sign in. 409 for the bootstrap administrator's
/// organisation, your own, or one with active users (unless `disable_users`).
#[utoipa::path(post, path = "/orgs/{id}/archive", tag = "organisations", security(("bearer" = [])), params(ArchiveOrgQuery), request_body = ArchiveRequest, responses((status = 200, body = Organization), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn archive(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ArchiveOrgQuery>,
    ApiJson(input): ApiJson<ArchiveRequest>,
) -> AppResult<Json<Organization>> {
    Ok(Json(
        archive::archive_org(
            &app,
            &who,
            &id,
            &input.reason,
            q.disable_users.unwrap_or(false),
        )
        .await?,
    ))
}
