//! `/api/v1/runs`: evaluation runs imported from Inspect logs (`.json` or
//! `.eval`, the raw body), their scores and samples.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, AppResult};
use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::run_view::{self, RunView, SampleView};
use crate::workflows::frontier::runs::{self, ImportOptions};

/// How a log is imported (query parameters; `map` may repeat).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; the query is read by `options`.
pub struct ImportQuery {
    /// The suite's key or id (required).
    pub suite: String,
    /// The registered model (id) the log evaluated.
    pub model: Option<String>,
    /// `SAMPLE=SUITE_TASK`, for sample ids that are not task ids (repeatable).
    pub map: Option<Vec<String>>,
    /// The scorer to score (default: the first Inspect reported).
    pub scorer: Option<String>,
    /// The file's name.
    pub name: Option<String>,
    /// Bootstrap seed (default 20260602).
    pub seed: Option<u64>,
    /// Bootstrap resamples (default 10,000).
    pub resamples: Option<u32>,
    /// Also estimate pass@k with this k.
    pub pass_at_k: Option<u32>,
}

fn number<T: std::str::FromStr>(field: &str, v: &str) -> AppResult<T> {
    v.parse()
        .map_err(|_| AppError::invalid(field, "must be a non-negative integer"))
}

fn options(raw: Option<&str>) -> AppResult<ImportOptions> {
    let mut o = ImportOptions::default();
    let mut suite = None;
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "suite" => suite = Some(v),
            "model" => o.model = Some(v),
            "map" => o.map.push(v),
            "scorer" => o.scorer = Some(v),
            "name" => o.name = Some(v),
            "seed" => o.seed = Some(number("seed", &v)?),
            "resamples" => o.resamples = Some(number("resamples", &v)?),
            "pass_at_k" => o.pass_at_k = Some(number("pass_at_k", &v)?),
            other => {
                return Err(AppError::invalid(
                    other.chars().take(64).collect::<String>(),
                    "unknown query parameter",
                ));
            }
        }
    }
    o.suite = suite.ok_or_else(|| AppError::invalid("suite", "is required"))?;
    Ok(o)
}

/// Import an Inspect log (the raw body, `.json` or `.eval`) against a suite
/// (evaluators). `201` with the new run and its score; `200` with the run
/// the same file already made for this suite; `422` naming the reason a log
/// is refused (not `success`, invalidated, truncated or corrupt zip,
/// samples missing, a sample neither a suite task nor mapped), nothing stored.
#[utoipa::path(post, path = "/runs", tag = "frontier", security(("bearer" = [])), params(ImportQuery), request_body(content((Vec<u8> = "application/octet-stream")), description = "the Inspect log"), responses((status = 201, body = RunView), (status = 200, body = RunView), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    Caller { app, who }: Caller,
    RawQuery(q): RawQuery,
    body: Body,
) -> AppResult<(StatusCode, Json<RunView>)> {
    let o = options(q.as_deref())?;
    let (created, run) = runs::import(&app, &who, o, body.into_data_stream()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(run)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunListQuery {
    /// Only runs of this suite (key or id).
    pub suite: Option<String>,
    /// Only runs of this registered model.
    pub model: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Runs you may read (through their suites' labels).
#[utoipa::path(get, path = "/runs", tag = "frontier", security(("bearer" = [])), params(RunListQuery), responses((status = 200, body = Page<RunView>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<RunListQuery>,
) -> AppResult<Json<Page<RunView>>> {
    Ok(Json(
        run_view::list(
            &app,
            &who,
            q.suite.as_deref(),
            q.model.as_deref(),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// One run with Inspect's metrics and our scores.
#[utoipa::path(get, path = "/runs/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = RunView), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<RunView>> {
    Ok(Json(run_view::get(&app, &who, &id).await?))
}

/// A run's samples in log order.
#[utoipa::path(get, path = "/runs/{id}/samples", tag = "frontier", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<SampleView>), (status = 404, body = Problem)))]
pub async fn samples(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<SampleView>>> {
    Ok(Json(
        run_view::samples(&app, &who, &id, p.cursor(), p.limit).await?,
    ))
}
