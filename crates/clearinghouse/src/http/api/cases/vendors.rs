//! `/api/v1/vendor-products` (the vendor map: package URLs and CPEs mapped
//! to vendor organisations) and `/api/v1/cases/{id}/vendors` (the vendors
//! a case's affected products point to).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Auth};
use crate::workflows::cases::vendors::{self, NewVendorProduct, SuggestedVendor, VendorProduct};

/// Filter of the vendor map.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VendorQuery {
    /// Only this organisation's products.
    pub org_id: Option<String>,
}

/// Map a product (package URL or CPE) to a vendor organisation:
/// coordinators for any, vendor members for their own.
#[utoipa::path(post, path = "/vendor-products", tag = "cases", security(("bearer" = [])), request_body = NewVendorProduct,
    responses((status = 201, body = VendorProduct), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiJson(input): ApiJson<NewVendorProduct>,
) -> AppResult<(StatusCode, Json<VendorProduct>)> {
    Ok((
        StatusCode::CREATED,
        Json(vendors::add(&app, &who, input).await?),
    ))
}

/// The vendor map.
#[utoipa::path(get, path = "/vendor-products", tag = "cases", security(("bearer" = [])), params(VendorQuery),
    responses((status = 200, body = Vec<VendorProduct>)))]
pub async fn list(
    State(app): State<AppState>,
    Auth(who): Auth,
    ApiQuery(q): ApiQuery<VendorQuery>,
) -> AppResult<Json<Vec<VendorProduct>>> {
    Ok(Json(vendors::list(&app, &who, q.org_id.as_deref()).await?))
}

/// Vendors whose mapped products the case's advisories list as affected.
#[utoipa::path(get, path = "/cases/{id}/vendors", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<SuggestedVendor>), (status = 404, body = Problem)))]
pub async fn suggested(
    State(app): State<AppState>,
    Auth(who): Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SuggestedVendor>>> {
    Ok(Json(vendors::suggested(&app, &who, &id).await?))
}
