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
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, Caller, NoBody};
use crate::model::Page;
use crate::workflows::cases::participants::{self, Removal};
use crate::workflows::cases::publish::{self, MoveDate, Publish};
use crate::workflows::cases::vulns::{self, CaseVulnerabilityView};
use crate::workflows::cases::{self, Case, CaseSummary, Invite, NewCase};

thin_handlers! { tag = "cases";
    /// Open a case for one or more vulnerabilities (coordinators): target
    /// disclosure date, TLP (default AMBER). Your organisation is its
    /// coordinator.
    post "/cases", errors(403, 422);
    fn open(NewCase) -> 201 Case = cases::open;

    /// Cases you take part in (staff: every case their labels admit).
    get "/cases";
    fn list(query p: PageParams) -> 200 Page<CaseSummary> = cases::list(p.cursor(), p.limit);

    /// One case with its vulnerabilities and participants (invited at, joined
    /// at, last seen, unresponsive); 404 unless you take part in it.
    get "/cases/{id}", errors(404);
    fn get(id) -> 200 Case = cases::get;
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

thin_handlers! { tag = "cases";
    /// Invite an organisation with a case role (coordinators); it is told
    /// through its inbox, webhooks and email.
    post "/cases/{id}/participants", errors(403, 404, 409, 422);
    fn invite(id, Invite) -> 201 Case = cases::invite;

    /// Join a case your organisation was invited to (its org admins).
    post "/cases/{id}/join", errors(400, 403, 404, 409, 422);
    fn join(id, NoBody) -> 200 Case = cases::join;
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

thin_handlers! { tag = "cases";
    /// Move the target disclosure date (coordinators), with a reason the
    /// participants are told.
    post "/cases/{id}/date", errors(403, 404, 409, 422);
    fn move_date(id, MoveDate) -> 200 Case = publish::move_date;

    /// Publish now (coordinators; before the target date with a reason):
    /// lifts the embargo and tells every exposed operator.
    post "/cases/{id}/publish", errors(403, 404, 409, 422);
    fn publish_now(id, Publish) -> 200 Case = publish::publish;
}
