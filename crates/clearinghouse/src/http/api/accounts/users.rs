//! `/api/v1/users`: accounts, roles and authorizations.

use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
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
    /// Only users of this organisation. Platform admins and coordinators
    /// list any organisation's; to anyone else another organisation's list
    /// is empty.
    pub org_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

thin_handlers! { tag = "identity";
    /// Create a user (platform admins; org admins within their organisation).
    /// Privileged roles are not given at once: the user is created with the
    /// others, and `role_request` is the `grant_role` request filed for a
    /// second platform admin to approve. Agents may not give roles or set
    /// passwords (403).
    post "/users", errors(403, 409, 422);
    fn create(NewUser) -> 201 UserWithRequest = users::create;

    /// List users you may see.
    get "/users";
    fn list(query p: UserListParams) -> 200 Page<User>
        = users::list(p.org_id.as_deref(), p.cursor.as_deref(), p.limit);

    /// One user.
    get "/users/{id}", errors(404);
    fn get(id) -> 200 User = users::get;

    /// Replace a user's roles. Removals and unprivileged roles apply at once;
    /// privileged roles not yet held are filed as a `grant_role` request
    /// (`role_request`) for a second platform admin. A user you may not see is
    /// 404.
    put "/users/{id}/roles", errors(403, 404, 422);
    fn set_roles(id, RolesUpdate) -> 200 UserWithRequest = users::set_roles;

    /// Ask to grant authorizations: creates a pending two-person request that a
    /// second platform admin must approve.
    post "/users/{id}/authorizations", errors(404, 422);
    fn request_grant(id, GrantRequest) -> 202 Approval = approvals::request_grant;

    /// Remove authorizations at once (narrowing access needs one person).
    post "/users/{id}/authorizations/remove", errors(404, 422);
    fn remove_authorizations(id, AuthorizationsRemoval) -> 200 User = users::remove_authorizations;

    /// Revoke every API token of a user (yourself, or anyone as a platform
    /// admin); audited. Changing a password leaves tokens alone: they are
    /// separate credentials with their own scopes; this is how to end them.
    post "/users/{id}/tokens/revoke-all", errors(400, 403, 404, 422);
    fn revoke_all_tokens(id, NoBody) -> 200 Vec<ApiToken> = tokens::revoke_all;
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
