//! `/api/v1/directives/{id}/dashboard` (JSON) and `.../dashboard.csv`:
//! CISA's compliance dashboard of one directive from its materialised
//! figures (`workflows::directives::dashboard`), with the trend and what
//! changed since yesterday; the CSV is written from the same figures.

use axum::Json;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::Caller;
use crate::workflows::directives::compliance;
use crate::workflows::directives::dashboard::{self, Dashboard};

/// The compliance dashboard of a directive in force (directive managers,
/// coordinators, auditors, platform admins).
#[utoipa::path(get, path = "/directives/{id}/dashboard", tag = "directives", security(("bearer" = [])), responses((status = 200, body = Dashboard), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Dashboard>> {
    Ok(Json(dashboard::dashboard(&app, &who, &id, None).await?))
}

/// The dashboard's figures as CSV (the same rows as `compliance.csv`).
#[utoipa::path(get, path = "/directives/{id}/dashboard.csv", tag = "directives", security(("bearer" = [])), responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn csv(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Response> {
    let d = dashboard::dashboard(&app, &who, &id, None).await?;
    let c = d.compliance;
    let name = format!("{}-dashboard-{}.csv", c.number.replace(' ', "-"), c.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                clearinghouse_domain::text::content_disposition(&name),
            ),
        ],
        compliance::to_csv(std::slice::from_ref(&c)),
    )
        .into_response())
}
