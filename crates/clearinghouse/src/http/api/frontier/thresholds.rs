//! `/api/v1/suites/{suite}/thresholds` and `/api/v1/thresholds/{id}`: the
//! classified threshold policy. Values and salts only for readers the
//! policy's labels admit; everyone else gets 404 or an empty list.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
use crate::workflows::frontier::thresholds::{
    self, NewThreshold, Proposal, ThresholdView, Verification,
};

/// Propose a new threshold version for a suite (designation authorities).
/// It is in force once a second designation authority approves the
/// returned `set_threshold` request (`POST /approvals/{id}/decide`).
#[utoipa::path(post, path = "/suites/{suite}/thresholds", tag = "frontier", security(("bearer" = [])), request_body = NewThreshold, responses((status = 202, body = Proposal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    Caller { app, who }: Caller,
    Path(suite): Path<String>,
    ApiJson(input): ApiJson<NewThreshold>,
) -> AppResult<(StatusCode, Json<Proposal>)> {
    Ok(accepted(
        thresholds::propose(&app, &who, &suite, input).await?,
    ))
}

/// The threshold versions of a suite you are cleared to read.
#[utoipa::path(get, path = "/suites/{suite}/thresholds", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Vec<ThresholdView>), (status = 404, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(suite): Path<String>,
) -> AppResult<Json<Vec<ThresholdView>>> {
    Ok(Json(thresholds::list(&app, &who, &suite).await?))
}

/// One threshold version (cleared readers only; 404 otherwise).
#[utoipa::path(get, path = "/thresholds/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = ThresholdView), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<ThresholdView>> {
    Ok(Json(thresholds::get(&app, &who, &id).await?))
}

/// Recompute a version's commitment from its stored policy and salt.
#[utoipa::path(get, path = "/thresholds/{id}/verification", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Verification), (status = 404, body = Problem)))]
pub async fn verify(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Verification>> {
    Ok(Json(thresholds::verify(&app, &who, &id).await?))
}
