//! `/api/v1/models/{id}/partners` and `/api/v1/partners`: trusted partners
//! of covered models (Sec. 3(b)(iii)), nominated, approved and withdrawn
//! by either side. Thin handlers over `workflows::frontier::partners`; a
//! nomination you may not read is 404.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller, NoBody};
use crate::model::Page;
use crate::workflows::frontier::partners::{
    self, NewPartner, Partner, PartnerApproval, PartnerWithdrawal,
};

fn page<T>(items: Vec<T>) -> Page<T> {
    Page {
        items,
        next_cursor: None,
    }
}

/// Nominate an organisation as a trusted partner of a covered model, with
/// a reason (the developer's org admin, or a government coordinator, whose
/// nomination files the government's two-person request).
#[utoipa::path(post, path = "/models/{id}/partners", tag = "frontier", security(("bearer" = [])), request_body = NewPartner, responses((status = 201, body = PartnerApproval), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn nominate(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewPartner>,
) -> AppResult<(StatusCode, Json<PartnerApproval>)> {
    Ok(created(partners::nominate(&app, &who, &id, input).await?))
}

/// The model's trusted-partner nominations you may read.
#[utoipa::path(get, path = "/models/{id}/partners", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Partner>), (status = 404, body = Problem)))]
pub async fn of_model(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Page<Partner>>> {
    Ok(Json(page(partners::of_model(&app, &who, &id).await?)))
}

/// Every nomination you may read, newest first.
#[utoipa::path(get, path = "/partners", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Partner>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Page<Partner>>> {
    Ok(Json(page(partners::list(&app, &who).await?)))
}

/// One nomination; 404 both when it does not exist and when you may not
/// read it.
#[utoipa::path(get, path = "/partners/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Partner), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Partner>> {
    Ok(Json(partners::get(&app, &who, &id).await?))
}

/// Your side's approval: the developer's org admin approves at once; a
/// government coordinator files the two-person request a second
/// coordinator decides under `/approvals`.
#[utoipa::path(post, path = "/partners/{id}/approval", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = PartnerApproval), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn approve(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<PartnerApproval>> {
    Ok(Json(partners::approve(&app, &who, &id).await?))
}

/// Withdraw a nomination or a partnership (either side, at any time); the
/// partner's people's grants in the model's windows are revoked.
#[utoipa::path(post, path = "/partners/{id}/withdrawal", tag = "frontier", security(("bearer" = [])), request_body = PartnerWithdrawal, responses((status = 200, body = Partner), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PartnerWithdrawal>,
) -> AppResult<Json<Partner>> {
    Ok(Json(partners::withdraw(&app, &who, &id, input).await?))
}
