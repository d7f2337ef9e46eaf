//! `/api/v1/cases/{id}/osv` and `/api/v1/cases/{id}/cve5`: a published
//! case's advisory as OSV records and as a CVE JSON 5 record for a CNA.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::workflows::cases::exports;

/// The OSV records (schema 1.6) of a published case, one per
/// vulnerability; 404 before publication or without access.
#[utoipa::path(get, path = "/cases/{id}/osv", tag = "cases", security(("bearer" = [])), responses((status = 200, body = [Object]), (status = 404, body = Problem)))]
pub async fn osv(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<serde_json::Value>>> {
    Ok(Json(exports::osv(&app, &who, &id).await?))
}

/// Which vulnerability, for which CNA.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Cve5Query {
    /// The vulnerability (its CVE id, or its group id when that has a CVE alias).
    pub vulnerability: String,
    /// The CNA's organisation UUID (`cveMetadata.assignerOrgId`).
    pub assigner: String,
}

/// The CVE JSON 5.1 record of one vulnerability of a published case, for a
/// CNA to submit; 422 naming `vulnerability` when it has no CVE id or
/// `assigner` when that is not a UUID.
#[utoipa::path(get, path = "/cases/{id}/cve5", tag = "cases", security(("bearer" = [])), params(Cve5Query), responses((status = 200, body = Object), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn cve5(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Cve5Query>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        exports::cve5(&app, &who, &id, &q.vulnerability, &q.assigner).await?,
    ))
}
