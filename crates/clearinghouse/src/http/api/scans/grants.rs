//! `/api/v1/scans/grants`: operators' authorizations to scanning
//! organisations and their immediate revocation.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
use crate::workflows::scans::grants::{self, GrantInput, GrantView, RevokeGrantInput};

/// Grant a scanning organisation permission to scan verified assets of yours.
#[utoipa::path(post, path = "/scans/grants", tag = "scans", security(("bearer" = [])), request_body = GrantInput, responses((status = 201, body = GrantView), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<GrantInput>,
) -> AppResult<(StatusCode, Json<GrantView>)> {
    Ok(created(grants::create(&app, &who, input).await?))
}

/// Grants your organisation gave or received (coordinators: all).
#[utoipa::path(get, path = "/scans/grants", tag = "scans", security(("bearer" = [])), responses((status = 200, body = Vec<GrantView>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Vec<GrantView>>> {
    Ok(Json(grants::list(&app, &who).await?))
}

/// Revoke a grant at once: campaigns relying on it stop and the scanner is told.
#[utoipa::path(post, path = "/scans/grants/{id}/revoke", tag = "scans", security(("bearer" = [])), request_body = RevokeGrantInput, responses((status = 200, body = GrantView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RevokeGrantInput>,
) -> AppResult<Json<GrantView>> {
    Ok(Json(grants::revoke(&app, &who, &id, input).await?))
}
