//! `/api/v1/submissions`: files of findings from scanners, streamed in and
//! processed by a background job, with per-item results.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::model::finding::{ItemResult, Submission};
use crate::workflows::findings::submissions::{self, SubmissionOptions};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubmitQuery {
    /// The target of findings whose file names none: a package URL with its
    /// version (`pkg:pypi/paramiko@2.4.0`), `repo:URL@REVISION` or
    /// `product:VENDOR/PRODUCT@VERSION`.
    pub target: Option<String>,
    /// The scan campaign the findings come from: an active campaign of
    /// your organisation (else 422 `campaign`, the same for stopped,
    /// unknown and other organisations' campaigns). Each result outside
    /// its targets is rejected with the reason and not stored. An agent
    /// made for one campaign submits to it (the default) and no other.
    pub campaign: Option<String>,
    /// An access window you hold an active grant on: findings found with
    /// its covered model, shared with the window's participants (its
    /// developer and its grantees' organisations) and listed from the
    /// window (`GET /windows/{id}/findings`). Any other value is refused
    /// (422 `window`) and nothing is stored.
    pub window: Option<String>,
    /// TLP 2.0 marking: `CLEAR`, `GREEN`, `AMBER` (default) or `AMBER+STRICT`.
    pub tlp: Option<String>,
    /// Visibility expression over authorizations, e.g. `CUI & FRONTIER`.
    pub visibility: Option<String>,
    /// The file's name.
    pub name: Option<String>,
}

/// The native findings document (`clearinghouse_findings` 1.0). `title` is
/// required per finding; `target` (document or finding, the finding's wins)
/// is a package URL, `repo:URL@REVISION` or `product:VENDOR/PRODUCT@VERSION`;
/// unknown keys are ignored; a finding with a field of the wrong type is
/// rejected with the field's path.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"clearinghouse_findings": "1.0", "target": "pkg:pypi/paramiko@2.4.0",
    "findings": [{"title": "Authentication bypass", "description": "...", "rule_id": "X-1",
        "tool": "my-agent", "cwe": ["CWE-287"], "severity": "high",
        "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "location": {"path": "paramiko/auth_handler.py", "start_line": 3, "end_line": 4, "function": "f"},
        "evidence": "snippet", "aliases": ["CVE-2018-1000805"], "fingerprint": "stable id"}]}))]
#[allow(dead_code)] // A description for the OpenAPI document; the parser is domain::findings.
pub struct NativeFindings {
    /// Always `"1.0"`.
    pub clearinghouse_findings: String,
    pub target: Option<String>,
    pub findings: Vec<NativeFinding>,
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct NativeFinding {
    pub title: String,
    pub description: Option<String>,
    pub target: Option<String>,
    pub rule_id: Option<String>,
    pub tool: Option<String>,
    /// One CWE id or a list.
    pub cwe: Option<Vec<String>>,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub severity: Option<String>,
    /// A CVSS 3.x or 4.0 vector.
    pub cvss: Option<String>,
    pub location: Option<NativeLocation>,
    /// A code snippet (at most 4 KiB kept).
    pub evidence: Option<String>,
    /// CVE, GHSA or OSV ids.
    pub aliases: Option<Vec<String>>,
    /// The submitter's own stable id for the finding.
    pub fingerprint: Option<String>,
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct NativeLocation {
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub function: Option<String>,
}

/// Submit a file of findings as the raw body: SARIF 2.1.0 (any tool), OSV,
/// CSAF 2.0, CVE JSON 5 or the native form, detected from the content and
/// streamed to storage (limit `--max-submission-bytes`). Returns at once
/// with `202` and the queued submission; poll it until `state` is `done`.
/// With the same `Idempotency-Key` (or, without one, the same file) the
/// first submission is returned with `200` and nothing new is queued.
#[utoipa::path(post, path = "/submissions", tag = "findings", security(("bearer" = [])), params(SubmitQuery, ("Idempotency-Key" = Option<String>, Header, description = "makes a retried submission a no-op")), request_body(content( (NativeFindings = "application/json"), (Vec<u8> = "application/sarif+json"), (Vec<u8> = "application/octet-stream")), description = "the file of findings"), responses((status = 202, body = Submission, description = "accepted and queued"), (status = 200, body = Submission, description = "a replay: the earlier submission"), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Caller { app, who }: Caller,
    ApiQuery(q): ApiQuery<SubmitQuery>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<Submission>)> {
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    crate::error::AppError::invalid("Idempotency-Key", "must be visible ASCII")
                })?
                .to_owned(),
        ),
        None => None,
    };
    let options = SubmissionOptions {
        target: q.target,
        campaign: q.campaign,
        window: q.window,
        tlp: q.tlp,
        visibility: q.visibility,
        name: q.name,
        idempotency_key: key,
    };
    let (created, submission) =
        submissions::create(&app, &who, options, body.into_data_stream()).await?;
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(submission)))
}

/// Your organisation's submissions (coordinators: everyone's), newest first.
#[utoipa::path(get, path = "/submissions", tag = "findings", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<Submission>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<Submission>>> {
    Ok(Json(
        submissions::list(&app, &who, p.cursor(), p.limit).await?,
    ))
}

/// One submission with its state and counts (received, new, duplicates, rejected).
#[utoipa::path(get, path = "/submissions/{id}", tag = "findings", security(("bearer" = [])), responses((status = 200, body = Submission), (status = 404, body = Problem)))]
pub async fn get(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Submission>> {
    Ok(Json(submissions::get(&app, &who, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ItemQuery {
    /// Only `new`, `duplicate` or `rejected` items.
    pub outcome: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// What became of each item of the file, in file order: new (with the
/// finding's id), duplicate (with the finding it duplicates) or rejected
/// (with the reason and the item's position in the file).
#[utoipa::path(get, path = "/submissions/{id}/items", tag = "findings", security(("bearer" = [])), params(ItemQuery), responses((status = 200, body = Page<ItemResult>), (status = 404, body = Problem)))]
pub async fn items(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> AppResult<Json<Page<ItemResult>>> {
    Ok(Json(
        submissions::items(
            &app,
            &who,
            &id,
            q.outcome.as_deref(),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}
