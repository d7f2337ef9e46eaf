//! The caller's own account.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::http::extract::{ApiJson, Auth};
use crate::model::User;
use crate::workflows::accounts::users::{self, PasswordChange};
use axum::extract::State;
use axum::http::StatusCode;

use crate::app::AppState;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    /// Effective authorizations (for an agent: the intersection with its user's).
    pub authorizations: Vec<String>,
    /// Set when calling through an agent token.
    pub agent_token_id: Option<String>,
    pub scopes: Vec<String>,
}

/// Who am I: the user, and for agents the token and its scopes.
#[utoipa::path(get, path = "/me", tag = "identity", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = crate::http::error::Problem)))]
pub async fn get_me(Auth(who): Auth) -> Json<Me> {
    let scopes = match who.agent() {
        Some(t) => t.scopes.clone(),
        None => vec!["*".to_owned()],
    };
    Json(Me {
        authorizations: who.authorizations.iter().map(str::to_owned).collect(),
        agent_token_id: who.agent().map(|t| t.id.clone()),
        scopes,
        user: who.user,
    })
}

/// Change your password. Ends every other web session of yours; API tokens
/// stay (revoke them with `POST /users/{id}/tokens/revoke-all`).
#[utoipa::path(post, path = "/me/password", tag = "identity", security(("bearer" = [])), request_body = PasswordChange, responses((status = 204), (status = 422, body = crate::http::error::Problem)))]
pub async fn change_password(
    State(app): State<AppState>,
    jar: axum_extra::extract::CookieJar,
    Auth(who): Auth,
    ApiJson(input): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    // Every other session ends; the caller's own (when it is one) stays.
    let current = match who.via {
        crate::auth::Via::Session { .. } => jar
            .get(crate::http::extract::SESSION_COOKIE)
            .map(|c| c.value().to_owned()),
        _ => None,
    };
    users::change_password(&app, &who, input, current.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
