//! Findings submitted with a campaign (`campaign=ID` on a submission).
//! Before a byte of the file is read, the campaign must be an active one
//! of the submitter's organisation: a stopped (by its owner, a
//! coordinator, a revocation or its window's end), unknown or other
//! organisation's campaign is the same 422 naming `campaign`, in the same
//! words, so the answer tells nothing about other organisations'
//! campaigns. An agent made for one campaign submits to it (its campaign
//! is used when none is named) and to no other (refused and audited).
//! While the file is processed, each result is judged by
//! `domain::scans::scope::check`; one outside the campaign's targets
//! becomes a rejected item with the reason (counted in `rejected`,
//! nothing stored for it).

use clearinghouse_domain::findings::{Item, ItemError};
use clearinghouse_domain::scans::{Target, scope};
use serde_json::json;

use super::audit;
use super::campaigns::effective;
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;

/// The one answer for a campaign a submission may not name.
pub const NO_CAMPAIGN: &str = "names no active campaign of your organisation";

/// The campaign a submission goes to: the one named, checked, or an
/// agent's own. `window` is the access window named, which an agent for a
/// campaign may not use.
pub async fn check_submission(
    app: &AppState,
    who: &Principal,
    named: Option<&str>,
    window: Option<&str>,
) -> AppResult<Option<String>> {
    let own = who.agent().and_then(|a| a.campaign_id.clone());
    let id = match (named, own) {
        (None, None) => return Ok(None),
        (None, Some(own)) => own,
        (Some(n), Some(own)) if n != own => {
            refuse_agent(app, who, &own, json!({"campaign": n})).await?;
            return Err(AppError::invalid(
                "campaign",
                "this agent submits findings only to the campaign it was made for",
            ));
        }
        (Some(n), _) => n.to_owned(),
    };
    if window.is_some() && who.agent().is_some_and(|a| a.campaign_id.is_some()) {
        refuse_agent(app, who, &id, json!({"window": window})).await?;
        return Err(AppError::invalid(
            "window",
            "this agent submits findings only to the campaign it was made for",
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    let active = match store::scans::campaigns::get(&mut conn, &id).await? {
        Some(c) => c.org_id == who.org_id() && effective(&c, &clock::now_text()).0 == "active",
        None => false,
    };
    if !active {
        return Err(AppError::invalid("campaign", NO_CAMPAIGN));
    }
    Ok(Some(id))
}

/// Audits an agent's refused attempt to act outside its campaign.
async fn refuse_agent(
    app: &AppState,
    who: &Principal,
    campaign_id: &str,
    asked: serde_json::Value,
) -> AppResult<()> {
    let token_id = who.agent().map(|a| a.id.clone());
    let mut tx = app.store.begin_write().await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_campaign.agent_refused",
        "scan_campaign",
        campaign_id,
        json!({"token_id": token_id, "asked": asked}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A campaign's targets, for judging the results of a submission made
/// with it (whatever its state now: the submission was accepted while it
/// was active).
pub async fn scope_of(app: &AppState, campaign_id: &str) -> AppResult<Vec<Target>> {
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::scans::campaigns::targets(&mut conn, campaign_id).await?;
    rows.iter()
        .map(|t| {
            Target::parse("target", &t.value)
                .map_err(|e| AppError::internal_msg(format!("stored campaign target: {e}")))
        })
        .collect()
}

/// Each finding outside `targets` becomes a rejected item with the reason.
pub fn screen(items: Vec<Item>, targets: &[Target]) -> Vec<Item> {
    items
        .into_iter()
        .map(|item| match item {
            Item::Finding(f) => match scope::check(&f.target, f.network.as_deref(), targets) {
                Ok(()) => Item::Finding(f),
                Err(message) => Item::Rejected(ItemError {
                    position: f.position.clone(),
                    message,
                }),
            },
            rejected => rejected,
        })
        .collect()
}
