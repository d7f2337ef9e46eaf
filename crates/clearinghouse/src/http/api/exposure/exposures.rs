//! `/api/v1/exposures`: which components of which assets a vulnerability
//! reaches, ranked by priority, with remediation tracking.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::http::sized_json::SizedJson;
use crate::model::Page;
use crate::model::exposure::{Exposure, ExposureStat};
use crate::workflows::exposure::exposures::{self, ExposureQuery, StateChange};

/// Exposures, most urgent first (SSVC decision, BOD 26-04 deadline, KEV,
/// CVSS, EPSS), each with the reason it matched and how its priority was reached.
#[utoipa::path(get, path = "/exposures", tag = "exposure", security(("bearer" = [])), params(ExposureQuery), responses((status = 200, body = Page<Exposure>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<ExposureQuery>,
) -> AppResult<SizedJson<Page<Exposure>>> {
    let page = exposures::list(&app, &who, &q).await?;
    // An exposure with its priority assessment is about 1.5 kB.
    let capacity = 256 + 2048 * page.items.len();
    Ok(SizedJson {
        value: page,
        capacity,
    })
}

/// One exposure; 404 for another organisation's.
#[utoipa::path(get, path = "/exposures/{id}", tag = "exposure", security(("bearer" = [])), responses((status = 200, body = Exposure), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Exposure>> {
    Ok(Json(exposures::get(&app, &who, &id).await?))
}

/// Record a remediation step: acknowledged, mitigated, patched, or risk
/// accepted with a reason and an expiry. Audited.
#[utoipa::path(patch, path = "/exposures/{id}", tag = "exposure", security(("bearer" = [])), request_body = StateChange, responses((status = 200, body = Exposure), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_state(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<StateChange>,
) -> AppResult<Json<Exposure>> {
    Ok(Json(exposures::set_state(&app, &who, &id, change).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `sector`, `vulnerability` or `org`.
    pub by: String,
    /// Limit to one vulnerability (id or alias).
    pub vulnerability: Option<String>,
}

/// How many organisations are exposed, and how many exposures are open,
/// fixed and overdue, per sector, vulnerability or organisation. Coordinators only.
#[utoipa::path(get, path = "/exposure-stats", tag = "exposure", security(("bearer" = [])), params(StatsQuery), responses((status = 200, body = Vec<ExposureStat>), (status = 403, body = Problem)))]
pub async fn stats(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> AppResult<Json<Vec<ExposureStat>>> {
    Ok(Json(
        exposures::stats(&app, &who, &q.by, q.vulnerability.as_deref()).await?,
    ))
}
