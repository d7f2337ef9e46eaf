//! `GET /api/v1/windows/{id}/findings`: the findings filed from an access
//! window (`POST /submissions?window=ID`), for whoever may read the window,
//! each under its own labels. Thin over `workflows::frontier::window_findings`.

use axum::Json;
use axum::extract::Path;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::model::finding::Finding;
use crate::workflows::frontier::window_findings;

/// Findings filed from this window by its grantees that you may read,
/// newest first (404 when you may not read the window).
#[utoipa::path(get, path = "/windows/{id}/findings", tag = "frontier", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<Finding>), (status = 404, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<Finding>>> {
    Ok(Json(
        window_findings::list(&app, &who, &id, p.cursor(), p.limit).await?,
    ))
}
