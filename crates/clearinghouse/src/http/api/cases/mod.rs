//! `/api/v1/cases`: coordination cases (issue 15). Opening and inviting
//! (coordinators), joining (an invited organisation's admin), removing a
//! participant (coordinators) and leaving (its admin), reading
//! (participants and the staff; 404 for everyone else, as for a missing
//! case), messages and the timeline (`messages.rs`), and the vendor map
//! with a case's suggested vendors (`vendors.rs`). Handlers are thin: the
//! rules are in `workflows::cases`.

pub mod exports;
pub mod messages;
pub mod patches;
pub mod statements;
pub mod vendors;

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::error::AppResult;
use crate::http::api::PageParams;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller, NoBody};
use crate::model::Page;
use crate::workflows::cases::participants::{self, Removal};
use crate::workflows::cases::publish::{self, MoveDate, Publish};
use crate::workflows::cases::vulns::{self, CaseVulnerabilityView};
use crate::workflows::cases::{self, Case, CaseSummary, Invite, NewCase};

/// Open a case for one or more vulnerabilities (coordinators): target
/// disclosure date, TLP (default AMBER). Your organisation is its
/// coordinator.
#[utoipa::path(post, path = "/cases", tag = "cases", security(("bearer" = [])), request_body = NewCase, responses((status = 201, body = Case), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open(
    Caller { app, who }: Caller,
    ApiJson(input): ApiJson<NewCase>,
) -> AppResult<(StatusCode, Json<Case>)> {
    Ok(created(cases::open(&app, &who, input).await?))
}

/// Cases you take part in (staff: every case their labels admit).
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])), params(PageParams), responses((status = 200, body = Page<CaseSummary>)))]
pub async fn list(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<PageParams>,
) -> AppResult<Json<Page<CaseSummary>>> {
    Ok(Json(cases::list(&app, &who, p.cursor(), p.limit).await?))
}

/// One case with its vulnerabilities and participants (invited at, joined
/// at, last seen, unresponsive); 404 unless you take part in it.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", security(("bearer" = [])), responses((status = 200, body = Case), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Case>> {
    Ok(Json(cases::get(&app, &who, &id).await?))
}

/// One of the case's vulnerabilities (by its id or the id the case names
/// it by), with its affected packages and description, for a joined
/// participant even while it is embargoed; labelled with the stricter of
/// the case's and the vulnerability's TLP, each read audited. 403 before
/// joining; 404 for anyone else and for vulnerabilities not in the case.
#[utoipa::path(get, path = "/cases/{id}/vulnerabilities/{vuln}", tag = "cases", security(("bearer" = [])), responses((status = 200, body = CaseVulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn vulnerability(
    Caller { app, who }: Caller,
    Path((id, vuln)): Path<(String, String)>,
) -> AppResult<Json<CaseVulnerabilityView>> {
    Ok(Json(vulns::vulnerability(&app, &who, &id, &vuln).await?))
}

/// Invite an organisation with a case role (coordinators); it is told
/// through its inbox, webhooks and email.
#[utoipa::path(post, path = "/cases/{id}/participants", tag = "cases", security(("bearer" = [])), request_body = Invite, responses((status = 201, body = Case), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Invite>,
) -> AppResult<(StatusCode, Json<Case>)> {
    Ok(created(cases::invite(&app, &who, &id, input).await?))
}

/// Join a case your organisation was invited to (its org admins).
#[utoipa::path(post, path = "/cases/{id}/join", tag = "cases", security(("bearer" = [])), responses((status = 200, body = Case), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn join(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<Json<Case>> {
    Ok(Json(cases::join(&app, &who, &id).await?))
}

/// Remove a participant organisation (coordinators), with a reason it is
/// told: it reads the case no more (404). 404 when it is no participant.
#[utoipa::path(delete, path = "/cases/{id}/participants/{org_id}", tag = "cases", security(("bearer" = [])), request_body = Removal, responses((status = 204, description = "removed"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_participant(
    Caller { app, who }: Caller,
    Path((id, org_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<Removal>,
) -> AppResult<StatusCode> {
    participants::remove(&app, &who, &id, &org_id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leave a case (an org admin of a participant organisation other than
/// the coordinating one); the coordinators are told.
#[utoipa::path(post, path = "/cases/{id}/leave", tag = "cases", security(("bearer" = [])), responses((status = 204, description = "left"), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn leave(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    _: NoBody,
) -> AppResult<StatusCode> {
    participants::leave(&app, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move the target disclosure date (coordinators), with a reason the
/// participants are told.
#[utoipa::path(post, path = "/cases/{id}/date", tag = "cases", security(("bearer" = [])), request_body = MoveDate, responses((status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_date(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MoveDate>,
) -> AppResult<Json<Case>> {
    Ok(Json(publish::move_date(&app, &who, &id, input).await?))
}

/// Publish now (coordinators; before the target date with a reason):
/// lifts the embargo and tells every exposed operator.
#[utoipa::path(post, path = "/cases/{id}/publish", tag = "cases", security(("bearer" = [])), request_body = Publish, responses((status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_now(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Publish>,
) -> AppResult<Json<Case>> {
    Ok(Json(publish::publish(&app, &who, &id, input).await?))
}
