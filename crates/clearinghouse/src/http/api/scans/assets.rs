//! `/api/v1/scans/assets`: operators' network assets and their proofs of
//! control; coordinators' attestations and the list of disputes.

use crate::http::error::Problem;
use crate::workflows::scans::assets::{
    self, AssetInput, AssetView, AttestInput, Conflict, VerifyInput,
};

thin_handlers! { tag = "scans";
    /// Register a network asset of your organisation; the answer says where
    /// to publish the verification token.
    post "/scans/assets", errors(409, 422);
    fn create(AssetInput) -> 201 AssetView = assets::add;

    /// Your organisation's network assets (coordinators: all).
    get "/scans/assets";
    fn list() -> 200 Vec<AssetView> = assets::list;

    /// One network asset (its owner or a coordinator).
    get "/scans/assets/{id}", errors(404);
    fn get(id) -> 200 AssetView = assets::get;

    /// Check the published token (DNS TXT or the well-known file).
    post "/scans/assets/{id}/verify", errors(409, 422);
    fn verify(id, VerifyInput) -> 200 AssetView = assets::verify;

    /// Attest control with a reason (coordinators); settles a dispute.
    post "/scans/assets/{id}/attest", errors(403, 409);
    fn attest(id, AttestInput) -> 200 AssetView = assets::attest;

    /// Assets claimed by two organisations, with what each overlaps (coordinators).
    get "/scans/conflicts", errors(403);
    fn conflicts() -> 200 Vec<Conflict> = assets::conflicts;
}
