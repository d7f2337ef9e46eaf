//! `/api/v1/audit`: the signed checkpoint, the public key, entries by range,
//! and inclusion and consistency proofs. Checkpoints, keys and proofs
//! reveal only hashes and are open to every signed-in principal; entries
//! are for auditors and platform admins.

use axum::Json;
use clearinghouse_domain::audit::merkle::{self, Hash};
use clearinghouse_domain::identity::{Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::store;

/// Largest range of entries returned at once.
pub const MAX_ENTRIES: i64 = 1000;

#[derive(Serialize, ToSchema)]
pub struct CheckpointView {
    pub origin: String,
    pub tree_size: u64,
    /// Hex SHA-256 root.
    pub root_hash: String,
    /// The C2SP signed note (tlog-checkpoint), verifiable with the public key.
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicKeyView {
    /// C2SP signed-note verifier key: `name+keyid+base64(0x01||key)`.
    pub verifier_key: String,
    /// The raw Ed25519 public key, hex.
    pub ed25519_public_key: String,
    pub origin: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub index: i64,
    /// The exact entry text whose leaf hash is in the tree.
    pub entry: String,
    /// Stored leaf hash (hex); verifiers should recompute it from `entry`.
    pub leaf_hash: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// First index (inclusive).
    pub start: i64,
    /// End index (exclusive); at most start + 1000.
    pub end: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionParams {
    pub index: u64,
    pub tree_size: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    pub first: u64,
    pub second: u64,
}

#[derive(Serialize, ToSchema)]
pub struct InclusionProofView {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root_hash: String,
    /// Audit path, hex hashes, leaf to root (RFC 9162 2.1.3).
    pub proof: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyProofView {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    /// Consistency proof, hex hashes (RFC 9162 2.1.4).
    pub proof: Vec<String>,
}

/// A proof the log gave, its two hashes and its path in hex as `view` lays
/// them out; one it could not give (an index or size past the tree) is 422.
fn hex_proof<V>(
    found: Result<(Hash, Hash, Vec<Hash>), merkle::ProofError>,
    view: impl FnOnce(String, String, Vec<String>) -> V,
) -> AppResult<Json<V>> {
    let (a, b, path) = found.map_err(|e| AppError::invalid("tree_size", e.to_string()))?;
    let path = path.iter().map(hex::encode).collect();
    Ok(Json(view(hex::encode(a), hex::encode(b), path)))
}

/// Sign and return a checkpoint of the whole log as it is now.
#[utoipa::path(get, path = "/audit/checkpoint", tag = "audit", security(("bearer" = [])), responses((status = 200, body = CheckpointView)))]
pub async fn checkpoint(Caller { app, .. }: Caller) -> AppResult<Json<CheckpointView>> {
    let signed = app.audit.checkpoint(&app.store).await?;
    Ok(Json(CheckpointView {
        origin: signed.checkpoint.origin,
        tree_size: signed.checkpoint.size,
        root_hash: hex::encode(signed.checkpoint.root),
        note: signed.note,
    }))
}

/// The key that signs checkpoints.
#[utoipa::path(get, path = "/audit/public-key", tag = "audit", security(("bearer" = [])), responses((status = 200, body = PublicKeyView)))]
pub async fn public_key(Caller { app, .. }: Caller) -> Json<PublicKeyView> {
    Json(PublicKeyView {
        verifier_key: app.audit.signer().verifier_key(),
        ed25519_public_key: hex::encode(app.audit.signer().public_key()),
        origin: app.audit.origin().to_owned(),
    })
}

/// Entries `start <= index < end` (auditors and platform admins).
#[utoipa::path(get, path = "/audit/entries", tag = "audit", security(("bearer" = [])), params(RangeParams), responses((status = 200, body = Vec<EntryView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn entries(
    Caller { app, who }: Caller,
    ApiQuery(p): ApiQuery<RangeParams>,
) -> AppResult<Json<Vec<EntryView>>> {
    who.require(Scope::AuditRead, &[Role::Auditor, Role::PlatformAdmin])?;
    if p.start < 0 || p.end < p.start {
        return Err(AppError::invalid("end", "need 0 <= start <= end"));
    }
    if p.end - p.start > MAX_ENTRIES {
        return Err(AppError::invalid(
            "end",
            format!("at most {MAX_ENTRIES} entries per request"),
        ));
    }
    let rows = store::audit::range(&app.store.pool, p.start, p.end).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| EntryView {
                index: r.idx,
                entry: r.entry,
                leaf_hash: r.leaf_hash,
            })
            .collect(),
    ))
}

/// Proof that entry `index` is in the tree of size `tree_size`.
#[utoipa::path(get, path = "/audit/proof/inclusion", tag = "audit", security(("bearer" = [])), params(InclusionParams), responses((status = 200, body = InclusionProofView), (status = 422, body = Problem)))]
pub async fn inclusion(
    Caller { app, .. }: Caller,
    ApiQuery(p): ApiQuery<InclusionParams>,
) -> AppResult<Json<InclusionProofView>> {
    let found = app
        .audit
        .inclusion_proof(&app.store, p.index, p.tree_size)
        .await?;
    hex_proof(found, |leaf_hash, root_hash, proof| InclusionProofView {
        index: p.index,
        tree_size: p.tree_size,
        leaf_hash,
        root_hash,
        proof,
    })
}

/// Proof that the tree of size `first` is a prefix of the tree of size `second`.
#[utoipa::path(get, path = "/audit/proof/consistency", tag = "audit", security(("bearer" = [])), params(ConsistencyParams), responses((status = 200, body = ConsistencyProofView), (status = 422, body = Problem)))]
pub async fn consistency(
    Caller { app, .. }: Caller,
    ApiQuery(p): ApiQuery<ConsistencyParams>,
) -> AppResult<Json<ConsistencyProofView>> {
    let found = app
        .audit
        .consistency_proof(&app.store, p.first, p.second)
        .await?;
    hex_proof(found, |first_root, second_root, proof| {
        ConsistencyProofView {
            first: p.first,
            second: p.second,
            first_root,
            second_root,
            proof,
        }
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointListParams {
    /// Only checkpoints of a tree larger than this.
    pub after_size: Option<i64>,
    /// At most this many (1 to 1000, default 1000).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct StoredCheckpointView {
    pub tree_size: i64,
    pub root_hash: String,
    pub note: String,
    pub created_at: String,
}

/// Checkpoints signed earlier, smallest tree first: a verifier checks each
/// against the tree it recomputes, so rewriting history shows.
#[utoipa::path(get, path = "/audit/checkpoints", tag = "audit", security(("bearer" = [])), params(CheckpointListParams), responses((status = 200, body = Vec<StoredCheckpointView>)))]
pub async fn checkpoints(
    Caller { app, .. }: Caller,
    ApiQuery(p): ApiQuery<CheckpointListParams>,
) -> AppResult<Json<Vec<StoredCheckpointView>>> {
    let limit = p.limit.unwrap_or(1000).clamp(1, 1000);
    let rows =
        store::audit::checkpoints_after(&app.store.pool, p.after_size.unwrap_or(-1), limit).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| StoredCheckpointView {
                tree_size: c.tree_size,
                root_hash: c.root_hash,
                note: c.note,
                created_at: c.created_at,
            })
            .collect(),
    ))
}
