//! `/api/v1/assets`: operators' systems and their SBOMs.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller, read_body};
use crate::model::Page;
use crate::model::exposure::{Asset, SbomUploadReport};
use crate::workflows::archive::{self, ArchiveRequest};
use crate::workflows::exposure::assets::{self, AssetChange, MAX_SBOM_BYTES, NewAsset};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssetQuery {
    /// An organisation id or name (coordinators); defaults to yours.
    pub org: Option<String>,
    /// Exact asset name.
    pub name: Option<String>,
    /// `true` lists archived assets too (left out by default).
    pub archived: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

thin_handlers! { tag = "exposure";
    /// Register an asset (a system) for your organisation, or for another as a coordinator.
    post "/assets", errors(409, 422);
    fn create(NewAsset) -> 201 Asset = assets::create;

    /// Assets of your organisation (coordinators: of every organisation, or of `org`).
    get "/assets";
    fn list(query q: AssetQuery) -> 200 Page<Asset> = assets::list(
        q.org.as_deref(),
        q.name.as_deref(),
        q.archived.unwrap_or(false),
        q.cursor.as_deref(),
        q.limit,
    );

    /// One asset; 404 for another organisation's.
    get "/assets/{id}", errors(404);
    fn get(id) -> 200 Asset = assets::get;

    /// Change what is known of an asset; its exposures' priorities are reassessed.
    patch "/assets/{id}", errors(404, 422);
    fn update(id, AssetChange) -> 200 Asset = assets::update;
}

/// Upload the asset's SBOM (CycloneDX 1.2-1.7 JSON/XML, SPDX 2.2/2.3 JSON or
/// tag-value, SPDX 3.0 JSON-LD; detected from the content) as the raw body. It replaces the
/// asset's inventory and is matched against every advisory at once.
#[utoipa::path(put, path = "/assets/{id}/sbom", tag = "exposure", security(("bearer" = [])), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the SBOM file"), responses((status = 200, body = SbomUploadReport), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_sbom(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Json<SbomUploadReport>> {
    let bytes = read_body(body, MAX_SBOM_BYTES, "sbom").await?;
    Ok(Json(assets::upload_sbom(&app, &who, &id, bytes).await?))
}

/// Archive an asset, with a reason: its open exposures are resolved as
/// "asset archived", its components stop matching, it is left out of lists
/// and SBOM uploads are refused (409) until it is unarchived. History stays.
#[utoipa::path(post, path = "/assets/{id}/archive", tag = "exposure", security(("bearer" = [])), request_body = ArchiveRequest, responses((status = 200, body = Asset), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn archive(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArchiveRequest>,
) -> AppResult<Json<Asset>> {
    Ok(Json(
        archive::archive_asset(&app, &who, &id, &input.reason).await?,
    ))
}

/// Unarchive an asset, with a reason: its inventory is matched again at once.
#[utoipa::path(post, path = "/assets/{id}/unarchive", tag = "exposure", security(("bearer" = [])), request_body = ArchiveRequest, responses((status = 200, body = Asset), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn unarchive(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArchiveRequest>,
) -> AppResult<Json<Asset>> {
    Ok(Json(
        archive::unarchive_asset(&app, &who, &id, &input.reason).await?,
    ))
}
