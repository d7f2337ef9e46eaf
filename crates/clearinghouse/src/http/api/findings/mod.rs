//! `/api/v1/findings`: findings as deduplicated from submissions.

pub mod pocs;
pub mod review;
pub mod submissions;

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::http::sized_json::SizedJson;
use crate::model::Page;
use crate::model::finding::{Finding, FindingFilter};
use crate::workflows::findings::{self, FindingDetail};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// `received`, `triaged`, `validating`, `validated` or `rejected`.
    pub state: Option<String>,
    /// The first reporter's organisation id.
    pub reporter_org: Option<String>,
    /// A target, with or without its version (`pkg:pypi/paramiko`).
    pub target: Option<String>,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub severity: Option<String>,
    pub campaign: Option<String>,
    /// Findings first reported by this submission.
    pub submission: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Findings you may read (your organisation's; coordinators and validators:
/// all they are cleared for), newest first.
#[utoipa::path(get, path = "/findings", tag = "findings", security(("bearer" = [])), params(FindingQuery), responses((status = 200, body = Page<Finding>), (status = 422, body = Problem)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> AppResult<Json<Page<Finding>>> {
    let filter = FindingFilter {
        state: findings::state_filter(q.state.as_deref())?,
        reporter_org: q.reporter_org,
        target: q.target,
        severity: findings::severity_filter(q.severity.as_deref())?,
        campaign: q.campaign,
        submission: q.submission,
    };
    Ok(Json(
        findings::list(&app, &who, &filter, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One finding with its sightings (who saw it in which version), possible
/// near-duplicates with their similarity, and its workflow history.
#[utoipa::path(get, path = "/findings/{id}", tag = "findings", security(("bearer" = [])), responses((status = 200, body = FindingDetail), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<SizedJson<FindingDetail>> {
    Ok(SizedJson {
        value: findings::detail(&app, &who, &id).await?,
        capacity: 4096,
    })
}
