//! `/api/v1/models`: the frontier-model registry (Sec. 3). Responses carry
//! the public compute thresholds as non-binding reference points.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::models::{self, Model, NewModel};

/// Register a model under development (members of an AI-developer
/// organisation only). Default labels: `AMBER+STRICT`, empty visibility.
#[utoipa::path(post, path = "/models", tag = "frontier", security(("bearer" = [])), request_body = NewModel, responses((status = 201, body = Model), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewModel>,
) -> AppResult<(StatusCode, Json<Model>)> {
    Ok(created(models::register(&app, &who, input).await?))
}

/// Models you may read, filtered in the query by the read policy.
#[utoipa::path(get, path = "/models", tag = "frontier", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<Model>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<Model>>> {
    Ok(Json(models::list(&app, &who, p.cursor(), p.limit).await?))
}

/// One model; 404 both when it does not exist and when you may not read it.
#[utoipa::path(get, path = "/models/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Model), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Model>> {
    Ok(Json(models::get(&app, &who, &id).await?))
}
