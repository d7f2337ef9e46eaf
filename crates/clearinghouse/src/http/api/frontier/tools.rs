//! `/api/v1/tools` and `/api/v1/tool-requests`: the catalog of defensive
//! tools and services for operators (Sec. 2(c)(iii)), requests with a
//! purpose and coordinators' decisions, and demand and use by sector.
//! Taking an entry off the list and revoking approved access are
//! `POST /tools/{id}/delisting` and `POST /tool-requests/{id}/revocation`.
//! Thin handlers over `workflows::frontier::tools` and `tool_requests`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::tool_requests::{
    self, DemandLine, NewToolRequest, ToolDecision, ToolRequest,
};
use crate::workflows::frontier::tools::{self, NewTool, Tool, ToolReason};

fn page<T>(items: Vec<T>) -> Page<T> {
    Page {
        items,
        next_cursor: None,
    }
}

/// List a tool: a covered model for defence by its developer (naming its
/// open access window), a hosted scanner or managed detection by a
/// government coordinator.
#[utoipa::path(post, path = "/tools", tag = "tools", security(("bearer" = [])), request_body = NewTool, responses((status = 201, body = Tool), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewTool>,
) -> AppResult<(StatusCode, Json<Tool>)> {
    Ok(created(tools::create(&app, &who, input).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CatalogQuery {
    /// Only what your organisation may request.
    pub eligible: Option<bool>,
}

/// The catalog, each entry saying whether your organisation may request it
/// and why not.
#[utoipa::path(get, path = "/tools", tag = "tools", security(("bearer" = [])), params(CatalogQuery), responses((status = 200, body = Page<Tool>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<CatalogQuery>,
) -> AppResult<Json<Page<Tool>>> {
    Ok(Json(page(
        tools::list(&app, &who, q.eligible.unwrap_or(false)).await?,
    )))
}

/// One entry.
#[utoipa::path(get, path = "/tools/{id}", tag = "tools", security(("bearer" = [])), responses((status = 200, body = Tool), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Tool>> {
    Ok(Json(tools::get(&app, &who, &id).await?))
}

/// Take an entry off the list, with a reason (a government coordinator,
/// or the developer offering a model entry): no new requests, pending ones
/// declined and their organisations told; approved access stays shown.
/// Refused attempts are audited (`tool.refused`).
#[utoipa::path(post, path = "/tools/{id}/delisting", tag = "tools", security(("bearer" = [])), request_body = ToolReason, responses((status = 200, body = Tool), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn delist(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ToolReason>,
) -> AppResult<Json<Tool>> {
    Ok(Json(tools::delist(&app, &who, &id, input).await?))
}

/// Ask for an entry with a purpose. An organisation the entry is not
/// offered to is refused (422 naming `org_kind` or `sector`, audited).
#[utoipa::path(post, path = "/tools/{id}/requests", tag = "tools", security(("bearer" = [])), request_body = NewToolRequest, responses((status = 201, body = ToolRequest), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewToolRequest>,
) -> AppResult<(StatusCode, Json<ToolRequest>)> {
    Ok(created(
        tool_requests::request(&app, &who, &id, input).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestsQuery {
    /// `pending`, `approved`, `declined` or `revoked`.
    pub state: Option<String>,
}

/// Requests for one entry you may read.
#[utoipa::path(get, path = "/tools/{id}/requests", tag = "tools", security(("bearer" = [])), params(RequestsQuery), responses((status = 200, body = Page<ToolRequest>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn requests_of(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> AppResult<Json<Page<ToolRequest>>> {
    Ok(Json(page(
        tool_requests::requests(&app, &who, Some(&id), q.state.as_deref()).await?,
    )))
}

/// Requests you may read: your organisation's, those for entries you
/// provide, and (government coordinators) all of them.
#[utoipa::path(get, path = "/tool-requests", tag = "tools", security(("bearer" = [])), params(RequestsQuery), responses((status = 200, body = Page<ToolRequest>), (status = 422, body = Problem)))]
pub async fn requests(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<RequestsQuery>,
) -> AppResult<Json<Page<ToolRequest>>> {
    Ok(Json(page(
        tool_requests::requests(&app, &who, None, q.state.as_deref()).await?,
    )))
}

/// One request; 404 when it does not exist or you may not read it.
#[utoipa::path(get, path = "/tool-requests/{id}", tag = "tools", security(("bearer" = [])), responses((status = 200, body = ToolRequest), (status = 404, body = Problem)))]
pub async fn get_request(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<ToolRequest>> {
    Ok(Json(tool_requests::get_request(&app, &who, &id).await?))
}

/// Approve (time box and daily quota; a model entry's approval grants the
/// requester in its access window) or decline with a reason (government
/// coordinators).
#[utoipa::path(post, path = "/tool-requests/{id}/decision", tag = "tools", security(("bearer" = [])), request_body = ToolDecision, responses((status = 200, body = ToolRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ToolDecision>,
) -> AppResult<Json<ToolRequest>> {
    Ok(Json(tool_requests::decide(&app, &who, &id, input).await?))
}

/// Revoke approved access at once, with a reason (government
/// coordinators); a model entry's grant is revoked with it. The
/// requester's organisation is told.
#[utoipa::path(post, path = "/tool-requests/{id}/revocation", tag = "tools", security(("bearer" = [])), request_body = ToolReason, responses((status = 200, body = ToolRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ToolReason>,
) -> AppResult<Json<ToolRequest>> {
    Ok(Json(tool_requests::revoke(&app, &who, &id, input).await?))
}

/// Demand (requests by state) and use (brokered calls and tokens) by tool
/// and sector (government coordinators).
#[utoipa::path(get, path = "/tools-demand", tag = "tools", security(("bearer" = [])), responses((status = 200, body = Vec<DemandLine>), (status = 403, body = Problem)))]
pub async fn demand(Caller { app, who }: Caller) -> AppResult<Json<Vec<DemandLine>>> {
    Ok(Json(tool_requests::demand(&app, &who).await?))
}
