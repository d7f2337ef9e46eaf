//! `/api/v1/findings/{id}/review`, `/findings/{id}/similar/{other_id}`,
//! `/findings/{id}/credits` and `/reporter-stats`: the validation workflow,
//! near-duplicate decisions, shared credit and reporter quality signals.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::finding::Finding;
use crate::model::review::{Credit, ReporterStats, SimilarityLink};
use crate::workflows::findings::review::{self, ReviewRequest, SimilarityDecision};

/// Decide a finding's next state: `triage` (coordinator), `start_validation`
/// (a validator from an organisation other than every reporter's, who
/// becomes its validator), `validate` (that validator; makes or joins a
/// `CHX-YYYY-NNNNN` vulnerability), `reject` with a reason code
/// (coordinators; `not_reproducible` is the validator's) or `reopen` a
/// rejected one (coordinator). A reason is always required; every
/// transition is kept in the finding's events and audited. Agents cannot
/// decide. 403 for the wrong person, 409 for the wrong state.
#[utoipa::path(post, path = "/findings/{id}/review", tag = "findings", security(("bearer" = [])), request_body = ReviewRequest, responses((status = 200, body = Finding), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> AppResult<Json<Finding>> {
    Ok(Json(review::review(&app, &who, &id, req).await?))
}

/// Confirm or split a possible near-duplicate (coordinators). Confirming
/// rejects the newer finding as a duplicate of the older; splitting keeps
/// both and stops showing the link as possible. 404 when there is no such
/// link or either finding is not readable.
#[utoipa::path(post, path = "/findings/{id}/similar/{other_id}", tag = "findings", security(("bearer" = [])), request_body = SimilarityDecision, responses((status = 200, body = SimilarityLink), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_similar(
    Caller { app, who }: Caller,
    Path((id, other_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<SimilarityDecision>,
) -> AppResult<Json<SimilarityLink>> {
    Ok(Json(
        review::decide_similar(&app, &who, &id, &other_id, req).await?,
    ))
}

/// The organisations credited with a finding: those that reported it or a
/// finding linked to it (exact duplicate report, confirmed near-duplicate),
/// first reporter first.
#[utoipa::path(get, path = "/findings/{id}/credits", tag = "findings", security(("bearer" = [])), responses((status = 200, body = Vec<Credit>), (status = 404, body = Problem)))]
pub async fn credits(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Credit>>> {
    Ok(Json(review::credits(&app, &who, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// Count submissions and findings from this date (`2026-01-31`) or time
    /// (RFC 3339) on; all time when absent.
    pub since: Option<String>,
}

/// Per reporting organisation: submissions, items, new findings, exact and
/// confirmed near-duplicates, validated, rejected by reason, open, and the
/// validated share of decided findings. Coordinators, platform admins and auditors.
#[utoipa::path(get, path = "/reporter-stats", tag = "findings", security(("bearer" = [])), params(StatsQuery), responses((status = 200, body = Vec<ReporterStats>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reporter_stats(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> AppResult<Json<Vec<ReporterStats>>> {
    Ok(Json(
        review::reporter_stats(&app, &who, q.since.as_deref()).await?,
    ))
}
