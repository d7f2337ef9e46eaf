//! `/api/v1/scans`: scan coordination. `assets.rs` (operators' network
//! assets, proofs, attestations, disputes) and `grants.rs`
//! (authorizations, revocation), `reports.rs` (unauthorized-scan reports
//! and evidence bundles); here campaigns, the dry-run check,
//! overlaps, history, claims and operators' timelines. Handlers are thin:
//! the rules are in `workflows::scans`.

pub mod assets;
pub mod grants;
pub mod reports;

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::scans::campaigns::{self, CampaignInput, CampaignView, StopInput};
use crate::workflows::scans::claims::{self, ClaimInput, ClaimResponseInput, ClaimView};
use crate::workflows::scans::deconflict::{self, CheckView, HistoryItem, OverlapView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// A target as written for campaigns (`cidr:203.0.113.0/24`, `pkg:npm/lodash`).
    pub target: String,
}

/// Register a campaign. Refused whole (422 naming each uncovered target)
/// when a network target lacks a grant covering it, the window, every
/// technique and every source. The answer lists overlapping campaigns
/// and claims.
#[utoipa::path(post, path = "/scans/campaigns", tag = "scans", security(("bearer" = [])), request_body = CampaignInput, responses((status = 201, body = CampaignView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<CampaignInput>,
) -> AppResult<(StatusCode, Json<CampaignView>)> {
    Ok(created(campaigns::create(&app, &who, input).await?))
}

/// Campaigns you may read (yours; those touching your assets; all for coordinators).
#[utoipa::path(get, path = "/scans/campaigns", tag = "scans", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Page<CampaignView>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<CampaignView>>> {
    Ok(Json(
        campaigns::list(&app, &who, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One campaign, with its findings and validated counts.
#[utoipa::path(get, path = "/scans/campaigns/{id}", tag = "scans", security(("bearer" = [])), responses((status = 200, body = CampaignView), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<CampaignView>> {
    Ok(Json(campaigns::get(&app, &who, &id).await?))
}

/// Stop a campaign (its organisation or a coordinator).
#[utoipa::path(post, path = "/scans/campaigns/{id}/stop", tag = "scans", security(("bearer" = [])), request_body = StopInput, responses((status = 200, body = CampaignView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn stop(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StopInput>,
) -> AppResult<Json<CampaignView>> {
    Ok(Json(campaigns::stop(&app, &who, &id, input).await?))
}

/// Active campaigns and claims overlapping this campaign's targets and window.
#[utoipa::path(get, path = "/scans/campaigns/{id}/overlaps", tag = "scans", security(("bearer" = [])), responses((status = 200, body = Vec<OverlapView>), (status = 404, body = Problem)))]
pub async fn overlaps(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<OverlapView>>> {
    Ok(Json(deconflict::campaign_overlaps(&app, &who, &id).await?))
}

/// Dry run of a registration: whether it would be authorized, and its
/// overlaps. Nothing is stored.
#[utoipa::path(post, path = "/scans/check", tag = "scans", security(("bearer" = [])), request_body = CampaignInput, responses((status = 200, body = CheckView), (status = 422, body = Problem)))]
pub async fn check(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<CampaignInput>,
) -> AppResult<Json<CheckView>> {
    Ok(Json(deconflict::check(&app, &who, input).await?))
}

/// What was already scanned: every campaign that touched the target.
#[utoipa::path(get, path = "/scans/history", tag = "scans", security(("bearer" = [])), params(HistoryQuery), responses((status = 200, body = Vec<HistoryItem>), (status = 422, body = Problem)))]
pub async fn history(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> AppResult<Json<Vec<HistoryItem>>> {
    Ok(Json(deconflict::history(&app, &who, &q.target).await?))
}

/// Claim a target for a period (network targets: only your own or granted).
#[utoipa::path(post, path = "/scans/claims", tag = "scans", security(("bearer" = [])), request_body = ClaimInput, responses((status = 201, body = ClaimView), (status = 422, body = Problem)))]
pub async fn claim(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<ClaimInput>,
) -> AppResult<(StatusCode, Json<ClaimView>)> {
    Ok(created(claims::claim(&app, &who, input).await?))
}

/// One claim with the answers to it.
#[utoipa::path(get, path = "/scans/claims/{id}", tag = "scans", security(("bearer" = [])), responses((status = 200, body = ClaimView), (status = 404, body = Problem)))]
pub async fn get_claim(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<ClaimView>> {
    Ok(Json(claims::get_claim(&app, &who, &id).await?))
}

/// Answer another organisation's claim: wait, coordinate or proceed.
#[utoipa::path(post, path = "/scans/claims/{id}/responses", tag = "scans", security(("bearer" = [])), request_body = ClaimResponseInput, responses((status = 200, body = ClaimView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ClaimResponseInput>,
) -> AppResult<Json<ClaimView>> {
    Ok(Json(claims::respond(&app, &who, &id, input).await?))
}

/// Campaigns touching your network assets, by start (coordinators: all).
#[utoipa::path(get, path = "/scans/timeline", tag = "scans", security(("bearer" = [])), responses((status = 200, body = Vec<CampaignView>)))]
pub async fn timeline(Caller { app, who }: Caller) -> AppResult<Json<Vec<CampaignView>>> {
    Ok(Json(deconflict::timeline(&app, &who).await?))
}
