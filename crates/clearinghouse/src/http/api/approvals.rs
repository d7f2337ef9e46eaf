//! `/api/v1/approvals`: two-person requests.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::{Approval, Page};
use crate::workflows::approvals::{self, DecisionInput};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovalListParams {
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Requests you may see (platform admins: all; others: their own).
#[utoipa::path(get, path = "/approvals", tag = "approvals", security(("bearer" = [])), params(ApprovalListParams), responses((status = 200, body = Page<Approval>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<ApprovalListParams>,
) -> AppResult<Json<Page<Approval>>> {
    Ok(Json(
        approvals::list(&app, &who, p.state.as_deref(), p.cursor.as_deref(), p.limit).await?,
    ))
}

/// One request.
#[utoipa::path(get, path = "/approvals/{id}", tag = "approvals", security(("bearer" = [])), responses((status = 200, body = Approval), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Approval>> {
    Ok(Json(approvals::get(&app, &who, &id).await?))
}

/// Approve or reject. Only a second, eligible person may approve; the maker
/// may only cancel; agents may not decide.
#[utoipa::path(post, path = "/approvals/{id}/decision", tag = "approvals", security(("bearer" = [])), request_body = DecisionInput, responses((status = 200, body = Approval), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<Json<Approval>> {
    Ok(Json(approvals::decide(&app, &who, &id, input).await?))
}
