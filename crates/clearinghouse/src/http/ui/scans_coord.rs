//! Scan coordination for coordinators (`/scans/coordination`): every
//! campaign on one timeline, address ranges claimed by two operators
//! (never silently given to the later one), claims another organisation
//! chose to proceed against, and incidents (reported scanning no
//! registered campaign covered): the evidence bundle downloaded as a file
//! to verify offline with `clearinghouse audit verify-bundle` (reading it
//! changes nothing), and the referral to law enforcement, its own form
//! with a reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::names::Names;
use super::scans::{Bar, timeline};
use super::{CsrfForm, Nav, UiCaller, UiResult};
use crate::error::AppError;
use crate::workflows::scans::assets::{self, Conflict};
use crate::workflows::scans::claims::{self, ClaimView};
use crate::workflows::scans::deconflict;
use crate::workflows::scans::reports::{self, ReportView};

#[derive(Template, WebTemplate)]
#[template(path = "scans_coord.html")]
pub struct CoordPage {
    nav: Nav,
    names: Names,
    bars: Vec<Bar>,
    conflicts: Vec<Conflict>,
    claims: Vec<ClaimView>,
    incidents: Vec<ReportView>,
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<CoordPage> {
    if !crate::workflows::scans::is_coordinator(&who) {
        return Err(AppError::forbidden("this page is for coordinators").into());
    }
    let campaigns = deconflict::timeline(&app, &who).await?;
    let conflicts = assets::conflicts(&app, &who).await?;
    let claims = claims::disputed_claims(&app, &who).await?;
    let incidents: Vec<ReportView> = reports::list(&app, &who)
        .await?
        .into_iter()
        .filter(|r| r.incident_state != "none")
        .collect();
    let mut orgs: Vec<&str> = campaigns.iter().map(|c| c.org_id.as_str()).collect();
    for c in &conflicts {
        orgs.push(c.asset.org_id.as_str());
        orgs.extend(c.overlapping.iter().map(|a| a.org_id.as_str()));
    }
    for k in &claims {
        orgs.push(k.org_id.as_str());
        orgs.extend(k.responses.iter().map(|r| r.org_id.as_str()));
    }
    orgs.extend(incidents.iter().map(|r| r.org_id.as_str()));
    let names = Names::load(&app, orgs, []).await?;
    Ok(CoordPage {
        nav: Nav::new(&who, "scans"),
        names,
        bars: timeline(campaigns),
        conflicts,
        claims,
        incidents,
    })
}

#[derive(Deserialize)]
pub struct ReferForm {
    #[serde(default)]
    reason: String,
}

/// Refers an open incident to law enforcement, with the reason typed:
/// the same workflow as the API (a refusal shows the error page naming
/// the field).
pub async fn refer(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReferForm>,
) -> UiResult<Response> {
    reports::refer(&app, &who, &id, &f.reason).await?;
    Ok(Redirect::to("/scans/coordination#incidents").into_response())
}

/// The evidence bundle of an incident as a file to hand over (reading it
/// changes nothing).
pub async fn evidence(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<Response> {
    let bundle = reports::evidence(&app, &who, &id).await?;
    let body = serde_json::to_vec_pretty(&bundle)
        .map_err(|e| AppError::internal("writing the bundle", e))?;
    let name = format!("evidence-{id}.json");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                clearinghouse_domain::text::content_disposition(&name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
