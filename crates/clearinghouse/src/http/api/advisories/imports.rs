//! `/api/v1/advisories/imports`: the progress and totals of advisory
//! imports (queued by `POST /advisories/import`), for the importer's
//! organisation and coordinators; 404 for anyone else.

use axum::Json;
use axum::extract::Path;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::store::advisories::imports::AdvisoryImport;
use crate::workflows::advisories::imports;

/// One advisory import: its state (`queued`, `running`, `done`, `failed`),
/// its totals so far, the records refused with why, and, when the file
/// was refused as a whole, the reason.
#[utoipa::path(get, path = "/advisories/imports/{id}", tag = "exposure", security(("bearer" = [])), responses((status = 200, body = AdvisoryImport), (status = 404, body = Problem)))]
pub async fn import_status(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<AdvisoryImport>> {
    Ok(Json(imports::get(&app, &who, &id).await?))
}

/// Your organisation's advisory imports (coordinators: everyone's), newest first.
#[utoipa::path(get, path = "/advisories/imports", tag = "exposure", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<AdvisoryImport>)))]
pub async fn list_imports(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<PageParams>,
) -> AppResult<Json<Page<AdvisoryImport>>> {
    Ok(Json(
        imports::list(&app, &who, q.cursor.as_deref(), q.limit).await?,
    ))
}
