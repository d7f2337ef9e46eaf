//! `/api/v1/rematch-runs`: a full re-match of every asset against every
//! advisory, shared by every process (`matching::runs`).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
use crate::matching::runs::{self, NewRun, RematchRun};

/// Start a full re-match (coordinators and platform admins): after a bulk
/// import or a change of matching rules. The assets are cut into `parts`
/// jobs that every `serve` and `worker` process takes; poll the run for
/// its progress.
#[utoipa::path(post, path = "/rematch-runs", tag = "exposure", security(("bearer" = [])), request_body = NewRun, responses((status = 202, body = RematchRun), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn start(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewRun>,
) -> AppResult<(StatusCode, Json<RematchRun>)> {
    Ok(accepted(runs::request(&app, &who, input).await?))
}

/// A full re-match's progress and, once finished, its counts
/// (coordinators and platform admins).
#[utoipa::path(get, path = "/rematch-runs/{id}", tag = "exposure", security(("bearer" = [])), responses((status = 200, body = RematchRun), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<RematchRun>> {
    Ok(Json(runs::get(&app, &who, &id).await?))
}
