//! `/api/v1/scans/reports`: operators' reports of scanning they observed,
//! answered at once, and coordinators' evidence bundles for incidents.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller};
use crate::workflows::scans::reports::{self, ReportInput, ReportView};
use clearinghouse_domain::scans::evidence::Bundle;

thin_handlers! { tag = "scans";
    /// Report scanning observed on your assets: the answer says at once
    /// whether a registered campaign with a valid grant covers it (naming
    /// it) or not (an incident is opened).
    post "/scans/reports", errors(422);
    fn create(ReportInput) -> 201 ReportView = reports::create;

    /// Your reports (coordinators: every report and incident).
    get "/scans/reports";
    fn list() -> 200 Vec<ReportView> = reports::list;

    /// One report with its answer.
    get "/scans/reports/{id}", errors(404);
    fn get(id) -> 200 ReportView = reports::get;
}

/// The evidence bundle of an incident (coordinators; reading it changes
/// nothing): `clearinghouse-evidence-bundle/1`, the report, campaigns and
/// grants in force then, audit entries with inclusion proofs against a
/// signed checkpoint. Verify it offline with `clearinghouse audit
/// verify-bundle FILE --key KEY`.
#[utoipa::path(get, path = "/scans/reports/{id}/evidence", tag = "scans", security(("bearer" = [])), responses((status = 200, description = "the evidence bundle", content_type = "application/json"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn evidence(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<(HeaderMap, Json<Bundle>)> {
    Ok((no_store(), Json(reports::evidence(&app, &who, &id).await?)))
}

/// Refer an open incident to law enforcement (coordinators, `assets:write`),
/// with a reason: it becomes `referred`, audited. 409 when not open.
#[utoipa::path(post, path = "/scans/reports/{id}/refer", tag = "scans", security(("bearer" = [])), request_body = Referral, responses((status = 200, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn refer(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Referral>,
) -> AppResult<Json<ReportView>> {
    Ok(Json(reports::refer(&app, &who, &id, &input.reason).await?))
}

/// Why an incident is referred.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// 1 to 2000 characters.
    pub reason: String,
}

fn no_store() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}
