//! `/api/v1/tokens`: personal API tokens and agent principals.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::{ApiToken, Page};
use crate::workflows::accounts::tokens::{self, CreatedToken, NewToken};

/// Make a token for yourself or an agent; the secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "identity", security(("bearer" = [])), request_body = NewToken, responses((status = 201, body = CreatedToken), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewToken>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    Ok(created(tokens::create(&app, &who, input).await?))
}

/// Your tokens (never their secrets), a page at a time.
#[utoipa::path(get, path = "/tokens", tag = "identity", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<ApiToken>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<ApiToken>>> {
    Ok(Json(
        tokens::list_mine(&app, &who, p.cursor(), p.limit).await?,
    ))
}

/// Revoke a token.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "identity", security(("bearer" = [])), responses((status = 200, body = ApiToken), (status = 404, body = Problem)))]
pub async fn revoke(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<ApiToken>> {
    Ok(Json(tokens::revoke(&app, &who, &id).await?))
}
