//! Agents made for one campaign: a researcher gives a scanner a token
//! that can do nothing but submit findings to one campaign of the
//! researcher's organisation and read it. Issued only for an active
//! campaign not past its window, with no scope beyond `findings:write`
//! and `findings:read`, expiring with the window at the latest; a refused
//! issue is audited. The token stops working when the campaign stops (its
//! owner, a coordinator, a revoked grant) or its window ends
//! (`auth::principal_from_token`), calls outside the campaign are refused
//! before any handler (`auth::campaign_agent_allows`), and submissions to
//! another campaign are refused and audited (`intake.rs`).

use clearinghouse_domain::identity::Scope;
use serde_json::json;

use super::audit;
use super::campaigns::effective;
use super::intake::NO_CAMPAIGN;
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;

/// The scopes an agent for one campaign may hold.
pub const CAMPAIGN_AGENT_SCOPES: &[Scope] = &[Scope::FindingsWrite, Scope::FindingsRead];

/// Checks that `who` may make an agent for `campaign_id` with `scopes`;
/// returns the campaign's end (the token's latest expiry).
pub async fn check_issue(
    app: &AppState,
    who: &Principal,
    campaign_id: &str,
    scopes: &[String],
) -> AppResult<String> {
    for (i, s) in scopes.iter().enumerate() {
        if !CAMPAIGN_AGENT_SCOPES
            .iter()
            .any(|a| a.as_str() == s.as_str())
        {
            return Err(AppError::invalid(
                format!("scopes[{i}]"),
                "an agent for one campaign holds only findings:write and findings:read",
            ));
        }
    }
    let now = clock::now_text();
    let mut conn = app.store.pool.acquire().await?;
    let campaign = store::scans::campaigns::get(&mut conn, campaign_id).await?;
    drop(conn);
    match campaign {
        Some(c) if c.org_id == who.org_id() && effective(&c, &now).0 == "active" => Ok(c.ends_at),
        _ => {
            let mut tx = app.store.begin_write().await?;
            audit(
                app,
                &mut tx,
                who,
                "token.campaign_refused",
                "api_token",
                "",
                json!({"campaign_id": campaign_id, "reason": NO_CAMPAIGN}),
            )
            .await?;
            tx.commit().await?;
            Err(AppError::invalid("campaign_id", NO_CAMPAIGN))
        }
    }
}
