//! `/api/v1/approvals`: two-person requests.

use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
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

thin_handlers! { tag = "approvals";
    /// One request.
    get "/approvals/{id}", errors(404);
    fn get(id) -> 200 Approval = approvals::get;

    /// Approve or reject. Only a second, eligible person may approve; the maker
    /// may only cancel; agents may not decide.
    post "/approvals/{id}/decision", errors(403, 409);
    fn decide(id, DecisionInput) -> 200 Approval = approvals::decide;
}
