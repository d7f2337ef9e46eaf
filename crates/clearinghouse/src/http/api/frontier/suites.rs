//! `/api/v1/suites`: benchmark suites of cyber tasks, labelled and
//! versioned (a changed task list is a new version).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::suites::{self, NewSuite, SuiteView, VersionView};

/// Define a suite, or revise your organisation's suite of this key
/// (evaluators). 201 with the new version when the task list changed, 200
/// with the current version when it is the same list.
#[utoipa::path(post, path = "/suites", tag = "frontier", security(("bearer" = [])), request_body = NewSuite, responses((status = 201, body = SuiteView), (status = 200, body = SuiteView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewSuite>,
) -> AppResult<(StatusCode, Json<SuiteView>)> {
    let (changed, suite) = suites::put(&app, &who, input).await?;
    let status = if changed {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(suite)))
}

/// Suites you may read, at their current versions.
#[utoipa::path(get, path = "/suites", tag = "frontier", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<SuiteView>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<SuiteView>>> {
    Ok(Json(suites::list(&app, &who, p.cursor(), p.limit).await?))
}

/// One suite (by id, or by key) at its current version.
#[utoipa::path(get, path = "/suites/{suite}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = SuiteView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(suite): Path<String>,
) -> AppResult<Json<SuiteView>> {
    Ok(Json(suites::get(&app, &who, &suite).await?))
}

/// Every version of a suite, oldest first.
#[utoipa::path(get, path = "/suites/{suite}/versions", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Vec<VersionView>), (status = 404, body = Problem)))]
pub async fn versions(
    Caller { app, who }: Caller,
    Path(suite): Path<String>,
) -> AppResult<Json<Vec<VersionView>>> {
    Ok(Json(suites::versions(&app, &who, &suite).await?))
}

/// A suite at one version, with that version's tasks.
#[utoipa::path(get, path = "/suites/{suite}/versions/{number}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = SuiteView), (status = 404, body = Problem)))]
pub async fn version(
    Caller { app, who }: Caller,
    Path((suite, number)): Path<(String, i64)>,
) -> AppResult<Json<SuiteView>> {
    Ok(Json(suites::get_version(&app, &who, &suite, number).await?))
}
