//! `/api/v1/users`: accounts, roles and authorizations.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, NoBody};
use crate::model::{ApiToken, Approval, Page, User, UserWithRequest};
use crate::workflows::accounts::tokens;
use crate::workflows::accounts::users::{
    self, AuthorizationsRemoval, NewUser, PasswordReset, RolesUpdate,
};
use crate::workflows::approvals::{self, GrantRequest};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Only users of this organisation.
    pub org_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Create a user (platform admins; org admins within their organisation).
/// Privileged roles are not given at once: the user is created with the
/// others, and `role_request` is the `grant_role` request filed for a
/// second platform admin to approve. Agents may not give roles or set
/// passwords (403).
#[utoipa::path(post, path = "/users", tag = "identity", security(("bearer" = [])), request_body = NewUser, responses((status = 201, body = UserWithRequest), (status = 403, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewUser>,
) -> AppResult<(StatusCode, Json<UserWithRequest>)> {
    Ok(created(users::create(&app, &who, input).await?))
}

/// List users you may see.
#[utoipa::path(get, path = "/users", tag = "identity", security(("bearer" = [])), params(UserListParams), responses((status = 200, body = Page<User>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<UserListParams>,
) -> AppResult<Json<Page<User>>> {
    Ok(Json(
        users::list(
            &app,
            &who,
            p.org_id.as_deref(),
            p.cursor.as_deref(),
            p.limit,
        )
        .await?,
    ))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "identity", security(("bearer" = [])), responses((status = 200, body = User), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<User>> {
    Ok(Json(users::get(&app, &who, &id).await?))
}

/// Replace a user's roles. Removals and unprivileged roles apply at once;
/// privileged roles not yet held are filed as a `grant_role` request
/// (`role_request`) for a second platform admin. A user you may not see is
/// 404.
#[utoipa::path(put, path = "/users/{id}/roles", tag = "identity", security(("bearer" = [])), request_body = RolesUpdate, responses((status = 200, body = UserWithRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_roles(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RolesUpdate>,
) -> AppResult<Json<UserWithRequest>> {
    Ok(Json(users::set_roles(&app, &who, &id, input).await?))
}

/// Ask to grant authorizations: creates a pending two-person request that a
/// second platform admin must approve.
#[utoipa::path(post, path = "/users/{id}/authorizations", tag = "identity", security(("bearer" = [])), request_body = GrantRequest, responses((status = 202, body = Approval), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn request_grant(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<GrantRequest>,
) -> AppResult<(StatusCode, Json<Approval>)> {
    Ok(accepted(
        approvals::request_grant(&app, &who, &id, input).await?,
    ))
}

/// Remove authorizations at once (narrowing access needs one person).
#[utoipa::path(post, path = "/users/{id}/authorizations/remove", tag = "identity", security(("bearer" = [])), request_body = AuthorizationsRemoval, responses((status = 200, body = User), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_authorizations(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AuthorizationsRemoval>,
) -> AppResult<Json<User>> {
    Ok(Json(
        users::remove_authorizations(&app, &who, &id, input).await?,
    ))
}

/// Revoke every API token of a user (yourself, or anyone as a platform
/// admin); audited. Changing a password leaves tokens alone: they are
/// separate credentials with their own scopes; this is how to end them.
#[utoipa::path(post, path = "/users/{id}/tokens/revoke-all", tag = "identity", security(("bearer" = [])), responses((status = 200, body = Vec<ApiToken>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke_all_tokens(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(tokens::revoke_all(&app, &who, &id).await?))
}

/// Set another user's password (a platform admin; an org admin for
/// accounts of its organisation it could have made). Ends every session of
/// the user; API tokens stay. Not for accounts with a privileged role
/// (403): only their holder changes those. People only.
#[utoipa::path(put, path = "/users/{id}/password", tag = "identity", security(("bearer" = [])), request_body = PasswordReset, responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PasswordReset>,
) -> AppResult<StatusCode> {
    users::reset_password(&app, &who, &id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
