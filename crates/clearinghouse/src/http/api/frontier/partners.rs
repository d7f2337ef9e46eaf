//! `/api/v1/models/{id}/partners` and `/api/v1/partners`: trusted partners
//! of covered models (Sec. 3(b)(iii)), nominated, approved and withdrawn
//! by either side. Thin handlers over `workflows::frontier::partners`; a
//! nomination you may not read is 404.

use axum::Json;
use axum::extract::Path;

use crate::error::AppResult;
use crate::http::api::one_page;
use crate::http::error::Problem;
use crate::http::extract::Caller;
use crate::model::Page;
use crate::workflows::frontier::partners::{
    self, NewPartner, Partner, PartnerApproval, PartnerWithdrawal,
};

thin_handlers! { tag = "frontier";
    /// Nominate an organisation as a trusted partner of a covered model, with
    /// a reason (the developer's org admin, or a government coordinator, whose
    /// nomination files the government's two-person request).
    post "/models/{id}/partners", errors(403, 404, 409, 422);
    fn nominate(id, NewPartner) -> 201 PartnerApproval = partners::nominate;
}

/// The model's trusted-partner nominations you may read.
#[utoipa::path(get, path = "/models/{id}/partners", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Partner>), (status = 404, body = Problem)))]
pub async fn of_model(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Page<Partner>>> {
    Ok(Json(one_page(partners::of_model(&app, &who, &id).await?)))
}

/// Every nomination you may read, newest first.
#[utoipa::path(get, path = "/partners", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Partner>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Page<Partner>>> {
    Ok(Json(one_page(partners::list(&app, &who).await?)))
}

thin_handlers! { tag = "frontier";
    /// One nomination; 404 both when it does not exist and when you may not
    /// read it.
    get "/partners/{id}", errors(404);
    fn get(id) -> 200 Partner = partners::get;

    /// Your side's approval: the developer's org admin approves at once; a
    /// government coordinator files the two-person request a second
    /// coordinator decides under `/approvals`.
    post "/partners/{id}/approval", errors(400, 403, 404, 409, 422);
    fn approve(id, NoBody) -> 200 PartnerApproval = partners::approve;

    /// Withdraw a nomination or a partnership (either side, at any time); the
    /// partner's people's grants in the model's windows are revoked.
    post "/partners/{id}/withdrawal", errors(403, 404, 409, 422);
    fn withdraw(id, PartnerWithdrawal) -> 200 Partner = partners::withdraw;
}
