//! `/api/v1/models/{id}/inquiries` and `/api/v1/inquiries`: designation
//! inquiries (Sec. 3(b)(i)). Thin handlers over
//! `workflows::frontier::inquiries`; an inquiry you may not read is 404.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::accepted;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, NoBody};
use crate::model::Page;
use crate::workflows::frontier::inquiries::{
    self, AttachRun, NewConsultation, NewDecision, NewRelease, ProposedDecision, Withdrawal,
};
use crate::workflows::frontier::inquiry_view::InquiryView;

/// Open a designation inquiry for your organisation's registered model.
#[utoipa::path(post, path = "/models/{id}/inquiries", tag = "frontier", security(("bearer" = [])), responses((status = 201, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn open(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<(StatusCode, Json<InquiryView>)> {
    Ok(created(inquiries::open(&app, &who, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InquiryListQuery {
    /// Only inquiries in this state.
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Inquiries you may read: your organisation's, or all for cleared officials.
#[utoipa::path(get, path = "/inquiries", tag = "frontier", security(("bearer" = [])), params(InquiryListQuery), responses((status = 200, body = Page<InquiryView>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<InquiryListQuery>,
) -> AppResult<Json<Page<InquiryView>>> {
    Ok(Json(
        inquiries::list(&app, &who, q.state.as_deref(), q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One inquiry; 404 both when it does not exist and when you may not read it.
#[utoipa::path(get, path = "/inquiries/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = InquiryView), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::get(&app, &who, &id).await?))
}

/// Attach a run of the inquiry's model (evaluators).
#[utoipa::path(post, path = "/inquiries/{id}/runs", tag = "frontier", security(("bearer" = [])), request_body = AttachRun, responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_run(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AttachRun>,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::attach_run(&app, &who, &id, input).await?))
}

/// Close the evaluation and open the consultation (evaluators).
#[utoipa::path(post, path = "/inquiries/{id}/consultation", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 400, body = Problem)))]
pub async fn consult(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::consult(&app, &who, &id).await?))
}

/// Answer for your consultee: concur, dissent (with a comment) or decline.
#[utoipa::path(post, path = "/inquiries/{id}/consultations", tag = "frontier", security(("bearer" = [])), request_body = NewConsultation, responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewConsultation>,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::respond(&app, &who, &id, input).await?))
}

/// Propose the decision (designation authorities, once every consultee
/// answered). It is recorded when a second designation authority approves
/// the returned `decide_designation` request.
#[utoipa::path(post, path = "/inquiries/{id}/decision", tag = "frontier", security(("bearer" = [])), request_body = NewDecision, responses((status = 202, body = ProposedDecision), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewDecision>,
) -> AppResult<(StatusCode, Json<ProposedDecision>)> {
    Ok(accepted(
        inquiries::propose_decision(&app, &who, &id, input).await?,
    ))
}

/// Communicate the decision to the developer (designation authorities).
#[utoipa::path(post, path = "/inquiries/{id}/communicate", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn communicate(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::communicate(&app, &who, &id).await?))
}

/// Release a part of the assessment to the developer (designation authorities).
#[utoipa::path(post, path = "/inquiries/{id}/releases", tag = "frontier", security(("bearer" = [])), request_body = NewRelease, responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn release(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewRelease>,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::release(&app, &who, &id, input).await?))
}

/// Withdraw the inquiry (the developer, before a decision).
#[utoipa::path(post, path = "/inquiries/{id}/withdraw", tag = "frontier", security(("bearer" = [])), request_body = Withdrawal, responses((status = 200, body = InquiryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Withdrawal>,
) -> AppResult<Json<InquiryView>> {
    Ok(Json(inquiries::withdraw(&app, &who, &id, input).await?))
}
