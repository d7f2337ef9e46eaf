//! `/api/v1/tools` and `/api/v1/tool-requests`: the catalog of defensive
//! tools and services for operators (Sec. 2(c)(iii)), requests with a
//! purpose and coordinators' decisions, and demand and use by sector.
//! Taking an entry off the list and revoking approved access are
//! `POST /tools/{id}/delisting` and `POST /tool-requests/{id}/revocation`.
//! Thin handlers over `workflows::frontier::tools` and `tool_requests`.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::one_page;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::workflows::frontier::tool_requests::{
    self, DemandLine, NewToolRequest, ToolDecision, ToolRequest,
};
use crate::workflows::frontier::tools::{self, NewTool, Tool, ToolReason};

thin_handlers! { tag = "tools";
    /// List a tool: a covered model for defence by its developer (naming its
    /// open access window), a hosted scanner or managed detection by a
    /// government coordinator.
    post "/tools", errors(403, 422);
    fn create(NewTool) -> 201 Tool = tools::create;
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
    Ok(Json(one_page(
        tools::list(&app, &who, q.eligible.unwrap_or(false)).await?,
    )))
}

thin_handlers! { tag = "tools";
    /// One entry.
    get "/tools/{id}", errors(404);
    fn get(id) -> 200 Tool = tools::get;

    /// Take an entry off the list, with a reason (a government coordinator,
    /// or the developer offering a model entry): no new requests, pending ones
    /// declined and their organisations told; approved access stays shown.
    /// Refused attempts are audited (`tool.refused`).
    post "/tools/{id}/delisting", errors(403, 404, 409, 422);
    fn delist(id, ToolReason) -> 200 Tool = tools::delist;

    /// Ask for an entry with a purpose. An organisation the entry is not
    /// offered to is refused (422 naming `org_kind` or `sector`, audited).
    post "/tools/{id}/requests", errors(404, 409, 422);
    fn request(id, NewToolRequest) -> 201 ToolRequest = tool_requests::request;
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
    Ok(Json(one_page(
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
    Ok(Json(one_page(
        tool_requests::requests(&app, &who, None, q.state.as_deref()).await?,
    )))
}

thin_handlers! { tag = "tools";
    /// One request; 404 when it does not exist or you may not read it.
    get "/tool-requests/{id}", errors(404);
    fn get_request(id) -> 200 ToolRequest = tool_requests::get_request;

    /// Approve (time box and daily quota; a model entry's approval grants the
    /// requester in its access window) or decline with a reason (government
    /// coordinators).
    post "/tool-requests/{id}/decision", errors(403, 404, 409, 422);
    fn decide(id, ToolDecision) -> 200 ToolRequest = tool_requests::decide;

    /// Revoke approved access at once, with a reason (government
    /// coordinators); a model entry's grant is revoked with it. The
    /// requester's organisation is told.
    post "/tool-requests/{id}/revocation", errors(403, 404, 409, 422);
    fn revoke(id, ToolReason) -> 200 ToolRequest = tool_requests::revoke;

    /// Demand (requests by state) and use (brokered calls and tokens) by tool
    /// and sector (government coordinators).
    get "/tools-demand", errors(403);
    fn demand() -> 200 Vec<DemandLine> = tool_requests::demand;
}
