//! `/api/v1/vendor-products` (the vendor map: package URLs and CPEs mapped
//! to vendor organisations) and `/api/v1/cases/{id}/vendors` (the vendors
//! a case's affected products point to).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::workflows::cases::vendors::{
    self, NewVendorProduct, SuggestedVendor, VendorDecision, VendorProduct,
};

/// Filter of the vendor map.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VendorQuery {
    /// Only this organisation's products.
    pub org_id: Option<String>,
    /// Only entries in this status: `pending`, `confirmed` or `rejected`.
    pub status: Option<String>,
}

/// Map a product (package URL or CPE) to a vendor organisation:
/// coordinators for any, vendor members for their own.
#[utoipa::path(post, path = "/vendor-products", tag = "cases", security(("bearer" = [])), request_body = NewVendorProduct, responses((status = 201, body = VendorProduct), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewVendorProduct>,
) -> AppResult<(StatusCode, Json<VendorProduct>)> {
    Ok(created(vendors::add(&app, &who, input).await?))
}

/// The vendor map: coordinators see every entry, anyone else its own
/// organisation's.
#[utoipa::path(get, path = "/vendor-products", tag = "cases", security(("bearer" = [])), params(VendorQuery), responses((status = 200, body = Vec<VendorProduct>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<VendorQuery>,
) -> AppResult<Json<Vec<VendorProduct>>> {
    Ok(Json(
        vendors::list(&app, &who, q.org_id.as_deref(), q.status.as_deref()).await?,
    ))
}

/// Confirm or reject a vendor's pending claim of a product (coordinators):
/// only confirmed entries let a vendor state VEX for the product.
#[utoipa::path(post, path = "/vendor-products/decision", tag = "cases", security(("bearer" = [])), request_body = VendorDecision, responses((status = 200, body = VendorProduct), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<VendorDecision>,
) -> AppResult<Json<VendorProduct>> {
    Ok(Json(vendors::decide(&app, &who, input).await?))
}

/// Vendors whose mapped products the case's advisories list as affected.
#[utoipa::path(get, path = "/cases/{id}/vendors", tag = "cases", security(("bearer" = [])), responses((status = 200, body = Vec<SuggestedVendor>), (status = 404, body = Problem)))]
pub async fn suggested(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SuggestedVendor>>> {
    Ok(Json(vendors::suggested(&app, &who, &id).await?))
}
