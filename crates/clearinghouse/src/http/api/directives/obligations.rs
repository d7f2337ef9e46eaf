//! `/api/v1/directives/{id}/obligations|reports|requests|compliance`, the
//! agency side of a directive and its compliance figures (JSON, and CSV
//! from the same value), and `/api/v1/compliance` across directives.

use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::workflows::directives::compliance::{self, ComplianceQuery, DirectiveCompliance};
use crate::workflows::directives::forms::{
    self, NewRequest, NewSubmission, RequestDecision, RequestView, Submission,
};
use crate::workflows::directives::obligations::{self, Obligation, ObligationQuery};

/// Your organisation's obligations under a directive in force (managers,
/// coordinators, auditors and admins: any organisation's).
#[utoipa::path(get, path = "/directives/{id}/obligations", tag = "directives", security(("bearer" = [])), params(ObligationQuery), responses((status = 200, body = Vec<Obligation>), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ObligationQuery>,
) -> AppResult<Json<Vec<Obligation>>> {
    Ok(Json(obligations::list(&app, &who, &id, q).await?))
}

/// Submit a report or an attestation for your organisation.
#[utoipa::path(post, path = "/directives/{id}/reports", tag = "directives", security(("bearer" = [])), request_body = NewSubmission, responses((status = 201, body = Submission), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewSubmission>,
) -> AppResult<(StatusCode, Json<Submission>)> {
    Ok(created(forms::submit(&app, &who, &id, input).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestListParams {
    pub org: Option<String>,
    /// `pending`, `granted` or `denied`.
    pub state: Option<String>,
}

/// Ask for an extension or an exception, with a justification.
#[utoipa::path(post, path = "/directives/{id}/requests", tag = "directives", security(("bearer" = [])), request_body = NewRequest, responses((status = 201, body = RequestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewRequest>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    Ok(created(forms::request(&app, &who, &id, input).await?))
}

/// Extension and exception requests you may see.
#[utoipa::path(get, path = "/directives/{id}/requests", tag = "directives", security(("bearer" = [])), params(RequestListParams), responses((status = 200, body = Vec<RequestView>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn requests(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<RequestListParams>,
) -> AppResult<Json<Vec<RequestView>>> {
    Ok(Json(
        forms::list_requests(&app, &who, &id, p.org.as_deref(), p.state.as_deref()).await?,
    ))
}

/// Grant or deny a request (directive managers; not your own).
#[utoipa::path(post, path = "/directive-requests/{id}/decide", tag = "directives", security(("bearer" = [])), request_body = RequestDecision, responses((status = 200, body = RequestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RequestDecision>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(forms::decide(&app, &who, &id, input).await?))
}

/// A directive's compliance figures as JSON.
#[utoipa::path(get, path = "/directives/{id}/compliance", tag = "directives", security(("bearer" = [])), params(ComplianceQuery), responses((status = 200, body = DirectiveCompliance), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn directive_compliance(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> AppResult<Json<DirectiveCompliance>> {
    Ok(Json(compliance::of_directive(&app, &who, &id, q).await?))
}

fn csv(body: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                clearinghouse_domain::text::content_disposition(name),
            ),
        ],
        body,
    )
        .into_response()
}

/// The same figures as CSV: one row overall, per action, per organisation.
#[utoipa::path(get, path = "/directives/{id}/compliance.csv", tag = "directives", security(("bearer" = [])), params(ComplianceQuery), responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn directive_compliance_csv(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> AppResult<Response> {
    let c = compliance::of_directive(&app, &who, &id, q).await?;
    let name = format!("{}-compliance.csv", c.number.replace(' ', "-"));
    Ok(csv(compliance::to_csv(std::slice::from_ref(&c)), &name))
}

/// Compliance figures of every directive in force.
#[utoipa::path(get, path = "/compliance", tag = "directives", security(("bearer" = [])), params(ComplianceQuery), responses((status = 200, body = Vec<DirectiveCompliance>), (status = 404, body = Problem)))]
pub async fn all(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> AppResult<Json<Vec<DirectiveCompliance>>> {
    Ok(Json(compliance::all(&app, &who, q).await?))
}

/// The same as CSV.
#[utoipa::path(get, path = "/compliance.csv", tag = "directives", security(("bearer" = [])), params(ComplianceQuery), responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub async fn all_csv(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> AppResult<Response> {
    let items = compliance::all(&app, &who, q).await?;
    Ok(csv(compliance::to_csv(&items), "compliance.csv"))
}
