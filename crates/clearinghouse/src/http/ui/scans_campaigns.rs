//! Scan coordination for researchers: `/scans/campaigns` (their
//! campaigns, registering one — a refusal lists each uncovered target
//! beside the form —, their claims and the answers others gave) and
//! `/scans/campaigns/{id}` (one campaign: its targets, what overlaps it
//! and who to talk to, claims on its targets with a choice to wait,
//! coordinate or proceed, the findings it produced, and stopping it).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use super::forms::FormError;
use super::names::Names;
use super::scans::Typed;
use super::{Nav, UiCaller, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::scans::campaigns::{self, CampaignInput, CampaignView, StopInput, Uncovered};
use crate::workflows::scans::claims::{self, ClaimInput, ClaimResponseInput, ClaimView};
use crate::workflows::scans::deconflict::{self, OverlapView};

#[derive(Template, WebTemplate)]
#[template(path = "scans_campaigns.html")]
pub struct CampaignsPage {
    nav: Nav,
    names: Names,
    campaigns: Vec<CampaignView>,
    claims: Vec<ClaimView>,
    typed: Typed,
    /// Each target no grant covers, after a refused registration.
    uncovered: Vec<Uncovered>,
    start_default: String,
    end_default: String,
}

async fn campaigns_view(
    app: &AppState,
    who: &Principal,
    typed: Typed,
    uncovered: Vec<Uncovered>,
) -> UiResult<CampaignsPage> {
    let campaigns: Vec<CampaignView> =
        campaigns::list(app, who, None, Some(crate::workflows::MAX_PAGE))
            .await?
            .items
            .into_iter()
            .filter(|c| c.org_id == who.org_id())
            .collect();
    let claims = claims::my_claims(app, who).await?;
    let mut orgs: Vec<&str> = Vec::new();
    for k in &claims {
        orgs.extend(k.responses.iter().map(|r| r.org_id.as_str()));
    }
    let names = Names::load(app, orgs, []).await?;
    let now = crate::clock::now();
    Ok(CampaignsPage {
        nav: Nav::new(who, "scans"),
        names,
        campaigns,
        claims,
        typed,
        uncovered,
        start_default: crate::clock::format(now + time::Duration::hours(1)),
        end_default: crate::clock::format(now + time::Duration::days(7)),
    })
}

pub async fn list(UiCaller { app, who }: UiCaller) -> UiResult<CampaignsPage> {
    campaigns_view(&app, &who, Typed::default(), Vec::new()).await
}

fn input_of(typed: &Typed) -> CampaignInput {
    let opt = |k: &str| Some(typed.get(k).trim().to_owned()).filter(|s| !s.is_empty());
    CampaignInput {
        name: opt("name"),
        targets: typed.lines("targets"),
        start: typed.get("start").to_owned(),
        end: typed.get("end").to_owned(),
        scanner: typed.get("scanner").to_owned(),
        techniques: typed.all("technique"),
        sources: typed.lines("sources"),
        contact: opt("contact"),
        tlp: None,
    }
}

pub async fn create(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let mut typed = Typed::new("campaign", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = input_of(&typed);
    match campaigns::create(&app, &who, input.clone()).await {
        Ok(c) => Ok(Redirect::to(&format!("/scans/campaigns/{}", c.id)).into_response()),
        Err(e) => {
            // A refusal for want of grants: each uncovered target, listed.
            let refused_for_grants = matches!(&e, AppError::Invalid { field, message }
                if field == "targets" && message.starts_with("refused"));
            let uncovered = if refused_for_grants {
                deconflict::check(&app, &who, input).await?.uncovered
            } else {
                Vec::new()
            };
            let fields = [
                "name",
                "targets",
                "start",
                "end",
                "scanner",
                "techniques",
                "sources",
                "contact",
            ];
            let (status, mut err) = FormError::from_app(e, &fields)?;
            if refused_for_grants {
                err = FormError::field(
                    "targets",
                    "Refused: no permission from the owner covers these network targets \
                     for the whole window, every technique and every source address.",
                );
            }
            typed.refused(err);
            let page = campaigns_view(&app, &who, typed, uncovered).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "scan_campaign.html")]
pub struct CampaignPage {
    nav: Nav,
    names: Names,
    c: CampaignView,
    overlaps: Vec<OverlapView>,
    /// Claims overlapping the campaign, with what each organisation chose.
    claims: Vec<ClaimView>,
    own: bool,
    reader_org: String,
    typed: Typed,
    start_default: String,
    end_default: String,
}

impl CampaignPage {
    fn campaign_overlaps(&self) -> Vec<&OverlapView> {
        self.overlaps
            .iter()
            .filter(|o| o.kind == "campaign")
            .collect()
    }

    /// What the reader's organisation answered to a claim.
    fn my_choice<'k>(&self, k: &'k ClaimView) -> Option<&'k str> {
        k.responses
            .iter()
            .find(|r| r.org_id == self.reader_org)
            .map(|r| r.choice.as_str())
    }
}

async fn campaign_view(
    app: &AppState,
    who: &Principal,
    id: &str,
    typed: Typed,
) -> UiResult<CampaignPage> {
    let c = campaigns::get(app, who, id).await?;
    let overlaps = deconflict::campaign_overlaps(app, who, id).await?;
    let mut claims = Vec::new();
    for o in overlaps.iter().filter(|o| o.kind == "claim") {
        let Some(id) = o.id.as_deref() else { continue };
        if !claims.iter().any(|k: &ClaimView| k.id == id) {
            claims.push(claims::get_claim(app, who, id).await?);
        }
    }
    let mut orgs: Vec<&str> = vec![c.org_id.as_str()];
    orgs.extend(overlaps.iter().filter_map(|o| o.org_id.as_deref()));
    for k in &claims {
        orgs.push(k.org_id.as_str());
        orgs.extend(k.responses.iter().map(|r| r.org_id.as_str()));
    }
    let names = Names::load(app, orgs, []).await?;
    let now = crate::clock::now();
    Ok(CampaignPage {
        nav: Nav::new(who, "scans"),
        names,
        own: c.org_id == who.org_id(),
        reader_org: who.org_id().to_owned(),
        c,
        overlaps,
        claims,
        typed,
        start_default: crate::clock::format(now),
        end_default: crate::clock::format(now + time::Duration::days(7)),
    })
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<CampaignPage> {
    campaign_view(&app, &who, &id, Typed::default()).await
}

async fn refused_on(
    app: &AppState,
    who: &Principal,
    id: &str,
    mut typed: Typed,
    e: AppError,
    fields: &[&str],
) -> UiResult<Response> {
    let (status, err) = FormError::from_app(e, fields)?;
    typed.refused(err);
    let page = campaign_view(app, who, id, typed).await?;
    Ok((status, page).into_response())
}

fn back(id: &str) -> Response {
    Redirect::to(&format!("/scans/campaigns/{id}")).into_response()
}

pub async fn stop(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new("stop", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = StopInput {
        reason: typed.get("reason").to_owned(),
    };
    match campaigns::stop(&app, &who, &id, input).await {
        Ok(_) => Ok(back(&id)),
        Err(e) => refused_on(&app, &who, &id, typed, e, &["reason"]).await,
    }
}

/// Claims one of the campaign's targets for a period.
pub async fn claim(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new("claim", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = ClaimInput {
        target: typed.get("target").to_owned(),
        start: typed.get("start").to_owned(),
        end: typed.get("end").to_owned(),
        note: Some(typed.get("note").to_owned()).filter(|n| !n.trim().is_empty()),
    };
    match claims::claim(&app, &who, input).await {
        Ok(_) => Ok(back(&id)),
        Err(e) => {
            let fields = ["target", "start", "end", "note"];
            refused_on(&app, &who, &id, typed, e, &fields).await
        }
    }
}

/// Answers another organisation's claim: wait, coordinate or proceed.
pub async fn respond(
    UiCaller { app, who }: UiCaller,
    Path((id, claim)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new(&format!("respond-{claim}"), pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = ClaimResponseInput {
        choice: typed.get("choice").to_owned(),
        note: Some(typed.get("note").to_owned()).filter(|n| !n.trim().is_empty()),
    };
    match claims::respond(&app, &who, &claim, input).await {
        Ok(_) => Ok(back(&id)),
        Err(e) => refused_on(&app, &who, &id, typed, e, &["choice", "note"]).await,
    }
}

/// A claim choice in words.
pub fn choice_words(choice: &str) -> &'static str {
    match choice {
        "wait" => "will wait",
        "coordinate" => "wants to coordinate",
        "proceed" => "proceeds anyway",
        _ => "answered",
    }
}
