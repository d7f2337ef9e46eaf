//! `/api/v1/orgs`: the organisation directory.

use axum::Json;
use axum::extract::Path;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
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

thin_handlers! { tag = "organisations";
    /// Register an organisation (platform admins and coordinators). The
    /// `vetted` and `trusted_partner` flags asked for are not set at once: they
    /// are filed as a two-person request (`flags_request`) that a second
    /// coordinator approves.
    post "/orgs", errors(409, 422);
    fn create(NewOrganization) -> 201 OrganizationWithRequest = orgs::create;

    /// List organisations.
    get "/orgs";
    fn list(query p: OrgQuery) -> 200 Page<Organization>
        = orgs::list(p.archived.unwrap_or(false), p.cursor.as_deref(), p.limit);

    /// One organisation.
    get "/orgs/{id}", errors(404);
    fn get(id) -> 200 Organization = orgs::get;

    /// Ask to set or clear the vetted and trusted-partner flags: a pending
    /// two-person request (`set_organization_flags`) that a second coordinator
    /// approves (`POST /approvals/{id}/decision`); 422 when nothing would change.
    patch "/orgs/{id}", errors(404, 422);
    fn update(id, OrganizationFlags) -> 202 Approval = orgs::set_flags;
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
