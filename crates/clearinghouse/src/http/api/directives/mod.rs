//! `/api/v1/directives`: Binding Operational Directives. Drafting,
//! amending and revoking (directive managers), filing for issue (a
//! two-person `issue_directive` request), and reading. `obligations.rs`
//! holds the agency side and the compliance figures, `evidence.rs` past
//! submissions and their evidence files.

pub mod dashboard;
pub mod evidence;
pub mod obligations;

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller, NoBody};
use crate::workflows::directives::preview::Preview;
use crate::workflows::directives::{self, DirectiveInput, DirectiveView, IssueFiling, RevokeInput};

/// Draft a directive (directive managers). It binds nobody until issued.
#[utoipa::path(post, path = "/directives", tag = "directives", security(("bearer" = [])), request_body = DirectiveInput, responses((status = 201, body = DirectiveView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<DirectiveInput>,
) -> AppResult<(StatusCode, Json<DirectiveView>)> {
    Ok(created(directives::create(&app, &who, input.0).await?))
}

/// Directives you may see (drafts: directive managers only).
#[utoipa::path(get, path = "/directives", tag = "directives", security(("bearer" = [])), responses((status = 200, body = Vec<DirectiveView>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Vec<DirectiveView>>> {
    Ok(Json(directives::list(&app, &who).await?))
}

/// One directive by id or number, with its versions and their changes.
#[utoipa::path(get, path = "/directives/{id}", tag = "directives", security(("bearer" = [])), responses((status = 200, body = DirectiveView), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<DirectiveView>> {
    Ok(Json(directives::get(&app, &who, &id).await?))
}

/// Replace the latest draft's content (directive managers). Issued
/// versions are never edited: amend instead.
#[utoipa::path(put, path = "/directives/{id}", tag = "directives", security(("bearer" = [])), request_body = DirectiveInput, responses((status = 200, body = DirectiveView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DirectiveInput>,
) -> AppResult<Json<DirectiveView>> {
    Ok(Json(directives::update(&app, &who, &id, input.0).await?))
}

/// File the latest draft for issue: in force once a second directive
/// manager approves the returned `issue_directive` request.
#[utoipa::path(post, path = "/directives/{id}/issue", tag = "directives", security(("bearer" = [])), responses((status = 202, body = IssueFiling), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn issue(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<(StatusCode, Json<IssueFiling>)> {
    Ok(accepted(directives::issue(&app, &who, &id).await?))
}

/// Amend an issued directive: a new draft version, its changes shown,
/// issued like the first.
#[utoipa::path(post, path = "/directives/{id}/amend", tag = "directives", security(("bearer" = [])), request_body = DirectiveInput, responses((status = 201, body = DirectiveView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn amend(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DirectiveInput>,
) -> AppResult<(StatusCode, Json<DirectiveView>)> {
    Ok(created(directives::amend(&app, &who, &id, input.0).await?))
}

/// Revoke an issued directive with a reason (directive managers).
#[utoipa::path(post, path = "/directives/{id}/revoke", tag = "directives", security(("bearer" = [])), request_body = RevokeInput, responses((status = 200, body = DirectiveView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RevokeInput>,
) -> AppResult<Json<DirectiveView>> {
    Ok(Json(directives::revoke(&app, &who, &id, input).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    /// The directive the draft edits or amends (its granted requests count).
    pub directive: Option<String>,
}

/// Preview a draft's remediate rules (directive managers): per action and
/// organisation in scope, how many exposures the rule catches today and
/// how many would be overdue. Nothing is stored.
#[utoipa::path(post, path = "/directives/preview", tag = "directives", security(("bearer" = [])), params(PreviewParams), request_body = DirectiveInput, responses((status = 200, body = Preview), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(
    Caller { app, who }: Caller,
    crate::http::extract::ApiQuery(p): crate::http::extract::ApiQuery<PreviewParams>,
    ApiJson(input): ApiJson<DirectiveInput>,
) -> AppResult<Json<Preview>> {
    Ok(Json(
        directives::preview::preview(&app, &who, input.0, p.directive.as_deref()).await?,
    ))
}
