//! `/api/v1/scans/assets`: operators' network assets and their proofs of
//! control; coordinators' attestations and the list of disputes.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
use crate::workflows::scans::assets::{
    self, AssetInput, AssetView, AttestInput, Conflict, VerifyInput,
};

/// Register a network asset of your organisation; the answer says where
/// to publish the verification token.
#[utoipa::path(post, path = "/scans/assets", tag = "scans", security(("bearer" = [])), request_body = AssetInput, responses((status = 201, body = AssetView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<AssetInput>,
) -> AppResult<(StatusCode, Json<AssetView>)> {
    Ok(created(assets::add(&app, &who, input).await?))
}

/// Your organisation's network assets (coordinators: all).
#[utoipa::path(get, path = "/scans/assets", tag = "scans", security(("bearer" = [])), responses((status = 200, body = Vec<AssetView>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Vec<AssetView>>> {
    Ok(Json(assets::list(&app, &who).await?))
}

/// One network asset (its owner or a coordinator).
#[utoipa::path(get, path = "/scans/assets/{id}", tag = "scans", security(("bearer" = [])), responses((status = 200, body = AssetView), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<AssetView>> {
    Ok(Json(assets::get(&app, &who, &id).await?))
}

/// Check the published token (DNS TXT or the well-known file).
#[utoipa::path(post, path = "/scans/assets/{id}/verify", tag = "scans", security(("bearer" = [])), request_body = VerifyInput, responses((status = 200, body = AssetView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn verify(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VerifyInput>,
) -> AppResult<Json<AssetView>> {
    Ok(Json(assets::verify(&app, &who, &id, input).await?))
}

/// Attest control with a reason (coordinators); settles a dispute.
#[utoipa::path(post, path = "/scans/assets/{id}/attest", tag = "scans", security(("bearer" = [])), request_body = AttestInput, responses((status = 200, body = AssetView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn attest(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AttestInput>,
) -> AppResult<Json<AssetView>> {
    Ok(Json(assets::attest(&app, &who, &id, input).await?))
}

/// Assets claimed by two organisations, with what each overlaps (coordinators).
#[utoipa::path(get, path = "/scans/conflicts", tag = "scans", security(("bearer" = [])), responses((status = 200, body = Vec<Conflict>), (status = 403, body = Problem)))]
pub async fn conflicts(Caller { app, who }: Caller) -> AppResult<Json<Vec<Conflict>>> {
    Ok(Json(assets::conflicts(&app, &who).await?))
}
