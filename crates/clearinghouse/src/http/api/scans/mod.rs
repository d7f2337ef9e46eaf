//! `/api/v1/scans`: scan coordination. `assets.rs` (operators' network
//! assets, proofs, attestations, disputes) and `grants.rs`
//! (authorizations, revocation), `reports.rs` (unauthorized-scan reports
//! and evidence bundles); here campaigns, the dry-run check,
//! overlaps, history, claims and operators' timelines. Handlers are thin:
//! the rules are in `workflows::scans`.

pub mod assets;
pub mod grants;
pub mod reports;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::Problem;
use crate::model::Page;
use crate::workflows::scans::campaigns::{self, CampaignInput, CampaignView, StopInput};
use crate::workflows::scans::claims::{self, ClaimInput, ClaimResponseInput, ClaimView};
use crate::workflows::scans::deconflict::{self, CheckView, HistoryItem, OverlapView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// A target as written for campaigns (`cidr:203.0.113.0/24`, `pkg:npm/lodash`).
    pub target: String,
}

thin_handlers! { tag = "scans";
    /// Register a campaign. Refused whole (422 naming each uncovered target)
    /// when a network target lacks a grant covering it, the window, every
    /// technique and every source. The answer lists overlapping campaigns
    /// and claims.
    post "/scans/campaigns", errors(403, 422);
    fn create(CampaignInput) -> 201 CampaignView = campaigns::create;

    /// Campaigns you may read (yours; those touching your assets; all for coordinators).
    get "/scans/campaigns";
    fn list(query q: ListQuery) -> 200 Page<CampaignView>
        = campaigns::list(q.cursor.as_deref(), q.limit);

    /// One campaign, with its findings and validated counts.
    get "/scans/campaigns/{id}", errors(404);
    fn get(id) -> 200 CampaignView = campaigns::get;

    /// Stop a campaign (its organisation or a coordinator).
    post "/scans/campaigns/{id}/stop", errors(404, 409);
    fn stop(id, StopInput) -> 200 CampaignView = campaigns::stop;

    /// Active campaigns and claims overlapping this campaign's targets and window.
    get "/scans/campaigns/{id}/overlaps", errors(404);
    fn overlaps(id) -> 200 Vec<OverlapView> = deconflict::campaign_overlaps;

    /// Dry run of a registration: whether it would be authorized, and its
    /// overlaps. Nothing is stored.
    post "/scans/check", errors(422);
    fn check(CampaignInput) -> 200 CheckView = deconflict::check;

    /// What was already scanned: every campaign that touched the target.
    get "/scans/history", errors(422);
    fn history(query q: HistoryQuery) -> 200 Vec<HistoryItem> = deconflict::history(&q.target);

    /// Claim a target for a period (network targets: only your own or granted).
    post "/scans/claims", errors(422);
    fn claim(ClaimInput) -> 201 ClaimView = claims::claim;

    /// One claim with the answers to it.
    get "/scans/claims/{id}", errors(404);
    fn get_claim(id) -> 200 ClaimView = claims::get_claim;

    /// Answer another organisation's claim: wait, coordinate or proceed.
    post "/scans/claims/{id}/responses", errors(404, 422);
    fn respond(id, ClaimResponseInput) -> 200 ClaimView = claims::respond;

    /// Campaigns touching your network assets, by start (coordinators: all).
    get "/scans/timeline";
    fn timeline() -> 200 Vec<CampaignView> = deconflict::timeline;
}
