//! `/api/v1/cases/{id}/statements` and `/api/v1/cases/{id}/vex`: vendor
//! status as VEX, stated in JSON or uploaded as a CycloneDX or CSAF VEX document,
//! and read back as the case's product × status matrix.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, read_body};
use crate::workflows::cases::statements::{self, NewStatements, StatementView};

/// Largest VEX document accepted.
pub const MAX_VEX_BYTES: usize = 16 * 1024 * 1024;

/// Which statements to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Also the superseded statements.
    #[serde(default)]
    pub history: bool,
}

/// State your products' status (vendor participants): affected,
/// not_affected (with a justification), fixed (with the version) or
/// under_investigation. Not-affected and fixed statements take covered
/// components out of operators' exposures.
#[utoipa::path(post, path = "/cases/{id}/statements", tag = "cases", security(("bearer" = [])), request_body = NewStatements, responses((status = 201, body = Vec<StatementView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn state(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewStatements>,
) -> AppResult<(StatusCode, Json<Vec<StatementView>>)> {
    Ok(created(statements::state(&app, &who, &id, input).await?))
}

/// The case's current statements (`history=true`: every one).
#[utoipa::path(get, path = "/cases/{id}/statements", tag = "cases", security(("bearer" = [])), params(StatementQuery), responses((status = 200, body = Vec<StatementView>), (status = 404, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> AppResult<Json<Vec<StatementView>>> {
    Ok(Json(statements::list(&app, &who, &id, q.history).await?))
}

/// Upload a VEX document as the raw body (vendor participants): CycloneDX
/// VEX (JSON), each vulnerability × affected reference a statement; or
/// CSAF 2.0 `csaf_vex`, checked against the CSAF schema and mandatory
/// tests, each product of a `product_status` list a statement (a
/// `known_not_affected` product needs a justification flag). Products not
/// in the case: 422 naming the status entry, nothing stored.
#[utoipa::path(post, path = "/cases/{id}/vex", tag = "cases", security(("bearer" = [])), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the VEX document"), responses((status = 201, body = Vec<StatementView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<(StatusCode, Json<Vec<StatementView>>)> {
    let bytes = read_body(body, MAX_VEX_BYTES, "file").await?;
    Ok(created(statements::upload(&app, &who, &id, &bytes).await?))
}

/// Which advisory revision.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CsafQuery {
    /// A revision number; default the latest.
    pub version: Option<i64>,
}

/// The CSAF 2.0 advisory of a published case (404 before publication).
#[utoipa::path(get, path = "/cases/{id}/csaf", tag = "cases", security(("bearer" = [])), params(CsafQuery), responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn csaf(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CsafQuery>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        crate::workflows::cases::csaf::get(&app, &who, &id, q.version).await?,
    ))
}
