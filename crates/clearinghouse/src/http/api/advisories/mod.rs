//! `/api/v1/advisories` and `/api/v1/vulnerabilities`: importing public
//! advisories and feeds (queued as a job; its progress in `imports`), and
//! reading vulnerabilities (advisories grouped by alias).

pub mod imports;

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderName, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::exposure::{
    Advisory, ExposureStat, ImportReport, Vulnerability, VulnerabilityDetail,
};
use crate::model::review::SupportingFinding;
use crate::store::advisories::imports::AdvisoryImport;
use crate::workflows::advisories::{self, ImportOptions, VulnList, VulnListQuery};
use crate::workflows::findings::review;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's name: a hint for the format (`.yaml`, `.csv`).
    pub name: Option<String>,
    /// Not yet public: told only to vetted exposed operators, under TLP:AMBER.
    #[serde(default)]
    pub embargo: bool,
}

/// Import an OSV record (JSON or YAML), a CVE JSON 5 record, a CSAF 2.0
/// document, an NVD feed, the CISA KEV catalog, an EPSS CSV, or a zip of
/// such files, as the raw body. Coordinators only. The file is spooled and
/// imported by a job: 202 with the import and `Location:
/// /api/v1/advisories/imports/{id}`, whose totals grow until it is `done`
/// (or `failed`, with why). Re-posting the same file while it is queued or
/// running answers 200 with that import. Idempotent; matching runs as
/// advisories are stored.
#[utoipa::path(post, path = "/advisories/import", tag = "exposure", security(("bearer" = [])), params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"), responses((status = 202, body = AdvisoryImport, description = "accepted and queued"), (status = 200, body = AdvisoryImport, description = "the same file, already queued or running"), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Body,
) -> AppResult<(StatusCode, [(HeaderName, String); 1], Json<AdvisoryImport>)> {
    let options = ImportOptions {
        name: q.name.unwrap_or_default(),
        embargo: q.embargo,
    };
    let (created, import) =
        advisories::imports::submit(&app, &who, &options, body.into_data_stream()).await?;
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/advisories/imports/{}", import.id);
    Ok((status, [(header::LOCATION, location)], Json(import)))
}

/// One advisory by its id.
#[utoipa::path(get, path = "/advisories/{id}", tag = "exposure", security(("bearer" = [])), responses((status = 200, body = Advisory), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Advisory>> {
    Ok(Json(advisories::get(&app, &who, &id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VulnerabilityView {
    #[serde(flatten)]
    pub vulnerability: Vulnerability,
    /// Its KEV entries, affected packages, and whether any advisory names
    /// products a machine can match.
    #[serde(flatten)]
    pub detail: VulnerabilityDetail,
    /// Coordinators only: per exposed organisation, open, fixed and overdue counts.
    pub exposed_organisations: Option<Vec<ExposureStat>>,
    /// The validated findings behind its `CHX-` records that the caller may read.
    pub supporting_findings: Vec<SupportingFinding>,
}

/// A vulnerability by its id or any alias (CVE, GHSA, OSV or `CHX-` id),
/// with the validated findings behind it that the caller may read. Embargoed
/// ones are 404 except to coordinators, the exposed operators and the
/// reporters and validators of its findings.
#[utoipa::path(get, path = "/vulnerabilities/{id}", tag = "exposure", security(("bearer" = [])), responses((status = 200, body = VulnerabilityView), (status = 404, body = Problem)))]
pub async fn vulnerability(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<VulnerabilityView>> {
    let (vulnerability, exposed_organisations, detail) =
        advisories::vulnerability(&app, &who, &id).await?;
    let supporting_findings = review::supporting_findings(&app, &who, &vulnerability.id).await?;
    Ok(Json(VulnerabilityView {
        vulnerability,
        detail,
        exposed_organisations,
        supporting_findings,
    }))
}

/// The vulnerability index: 50 per page, newest first, searched by id,
/// alias or package (`q`), filtered by KEV and CISA's SSVC exploitation;
/// `total` counts only the vulnerabilities the caller may read.
#[utoipa::path(get, path = "/vulnerabilities", tag = "exposure", security(("bearer" = [])), params(VulnListQuery), responses((status = 200, body = VulnList), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn list_vulnerabilities(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<VulnListQuery>,
) -> AppResult<Json<VulnList>> {
    Ok(Json(
        advisories::list_vulnerabilities(&app, &who, &q).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftEmbargo {
    /// Why the embargo ends now (recorded in the audit log).
    pub reason: String,
}

/// Lift a vulnerability's embargo (coordinators), with a reason: its
/// advisories become visible under their labels and every exposed operator
/// is told. A re-import never lifts an embargo; this is the only way.
/// 409 when it is not embargoed.
#[utoipa::path(post, path = "/vulnerabilities/{id}/lift-embargo", tag = "exposure", security(("bearer" = [])), request_body = LiftEmbargo, responses((status = 200, body = ImportReport), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn lift_embargo(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LiftEmbargo>,
) -> AppResult<Json<ImportReport>> {
    Ok(Json(
        advisories::lift_embargo(&app, &who, &id, &input.reason).await?,
    ))
}
