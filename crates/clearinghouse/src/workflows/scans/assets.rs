//! Operators' network assets: a host, a CIDR block or a cloud account,
//! registered with a token the clearinghouse issues, then proven (a DNS
//! TXT record or the well-known file, checked by the installed
//! `proof::ControlVerifier`) or attested by a coordinator with a reason.
//! An asset overlapping another organisation's is `disputed` and never
//! silently given to the later one: a coordinator of another
//! organisation than the asset's attests it, and never while it
//! overlaps another organisation's verified asset (409), so a verified
//! network is never taken over; coordinators list every dispute with
//! the assets it meets.

use clearinghouse_domain::identity::{OrgKind, Scope};
use clearinghouse_domain::scans::{Overlap, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::proof::{self, ProofMethod};
use super::{COORDINATORS, audit, invalid, is_coordinator, line};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::scans::assets::{AssetRow, Proof};
use crate::workflows::new_id;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetInput {
    /// `host:NAME` (`host:*.example.org` for every host under it),
    /// `cidr:ADDRESS/PREFIX` or `cloud:PROVIDER/ACCOUNT`.
    pub target: String,
    /// How precisely other researchers may learn of scanning here: a
    /// block's prefix length they may see (e.g. 24); for hosts, any value
    /// lets them see the domain the asset's names lie under (example.org
    /// for `*.example.org` and for `www.example.org`). Absent: nothing but
    /// "an operator's network assets".
    pub disclose_prefix: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyInput {
    pub method: ProofMethod,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestInput {
    /// Why the coordinator attests control (1 to 2000 characters).
    pub reason: String,
}

/// Where the owner publishes the token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Instructions {
    pub token: String,
    /// The TXT record's name and value (hosts).
    pub dns_name: Option<String>,
    pub txt_value: String,
    /// The well-known file's URL (hosts).
    pub well_known_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetView {
    pub id: String,
    pub org_id: String,
    pub target: String,
    pub kind: String,
    /// `pending`, `verified`, `disputed` or `withdrawn`.
    pub state: String,
    /// Only for the owner.
    pub verification: Option<Instructions>,
    /// `dns_txt`, `well_known` or `attestation`.
    pub proof_method: Option<String>,
    /// What was found, or the attestation's reason.
    pub proof_detail: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub disclose_prefix: Option<i64>,
    pub created_at: String,
}

/// A disputed asset with the other organisations' assets it meets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conflict {
    pub asset: AssetView,
    pub overlapping: Vec<AssetView>,
}

pub(crate) fn target_of(a: &AssetRow) -> AppResult<Target> {
    Target::parse("target", &a.value)
        .map_err(|e| AppError::internal_msg(format!("stored asset {}: {e}", a.id)))
}

fn view(who: &Principal, a: AssetRow) -> AssetView {
    let host = a
        .value
        .strip_prefix("host:")
        .filter(|h| !h.starts_with("*."));
    let verification = (a.org_id == who.org_id()).then(|| Instructions {
        token: a.token.clone(),
        dns_name: host.map(proof::txt_name),
        txt_value: proof::expected(&a.token),
        well_known_url: host.map(|h| format!("https://{h}/.well-known/clearinghouse-verification")),
    });
    AssetView {
        id: a.id,
        org_id: a.org_id,
        target: a.value,
        kind: a.kind,
        // The later claimant of another's range is not told that someone
        // owns it: it reads `pending` until a coordinator settles it.
        state: if a.state == "disputed" && !is_coordinator(who) {
            "pending".to_owned()
        } else {
            a.state
        },
        verification,
        proof_method: a.proof_method,
        proof_detail: a.proof_detail,
        verified_by: a.verified_by,
        verified_at: a.verified_at,
        disclose_prefix: a.disclose_prefix,
        created_at: a.created_at,
    }
}

/// Other organisations' live assets that overlap `t`.
pub(crate) async fn others_overlapping(
    conn: &mut store::AnyConnection,
    t: &Target,
    org_id: &str,
) -> AppResult<Vec<AssetRow>> {
    let mut out = Vec::new();
    for a in store::scans::assets::touching(conn, t).await? {
        if a.org_id != org_id && target_of(&a)?.overlaps(t) != Overlap::No {
            out.push(a);
        }
    }
    Ok(out)
}

/// Registers a network asset of the caller's organisation.
pub async fn add(app: &AppState, who: &Principal, input: AssetInput) -> AppResult<AssetView> {
    who.require_scope(Scope::AssetsWrite)?;
    let target = Target::parse("target", &input.target).map_err(invalid)?;
    if !target.is_network() {
        return Err(AppError::invalid(
            "target",
            "a network asset is host:NAME, cidr:ADDRESS/PREFIX or cloud:PROVIDER/ACCOUNT; \
             software needs no registration",
        ));
    }
    // Only operators (critical-infrastructure operators, government
    // agencies, state and local authorities) hold networks here.
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    if !org.is_some_and(|o| {
        matches!(
            o.kind,
            OrgKind::CriticalInfrastructureOperator
                | OrgKind::GovernmentAgency
                | OrgKind::StateLocalAuthority
        )
    }) {
        return Err(AppError::forbidden(
            "only operators (critical-infrastructure operators, government agencies, state and \
             local authorities) register network assets",
        ));
    }
    if let Target::Cidr(c) = &target {
        let shortest = if c.is_ipv4() { 8 } else { 32 };
        if c.prefix() < shortest {
            return Err(AppError::invalid(
                "target",
                format!(
                    "{target} is too large: a network asset is at most a /{shortest} \
                     (register blocks you operate)"
                ),
            ));
        }
    }
    if let Some(p) = input.disclose_prefix {
        let max = match &target {
            Target::Cidr(c) => i64::from(c.prefix()),
            _ => 128,
        };
        if !(0..=max).contains(&p) {
            return Err(AppError::invalid(
                "disclose_prefix",
                format!("must be 0 to {max} (no finer than the asset itself)"),
            ));
        }
    }
    let (key_lo, key_hi) = store::scans::index_keys(&target);
    let mut tx = app.store.begin_write().await?;
    let mine = store::scans::assets::touching(&mut tx, &target).await?;
    if mine
        .iter()
        .any(|a| a.org_id == who.org_id() && a.value == target.to_string())
    {
        return Err(AppError::Conflict(format!(
            "{target} is already registered by your organisation"
        )));
    }
    let others = others_overlapping(&mut tx, &target, who.org_id()).await?;
    let now = clock::now_text();
    let row = AssetRow {
        id: new_id(),
        org_id: who.org_id().to_owned(),
        kind: target.kind().as_str().to_owned(),
        value: target.to_string(),
        key_lo,
        key_hi,
        state: if others.is_empty() {
            "pending".into()
        } else {
            "disputed".into()
        },
        token: hex::encode(&crate::auth::secrets::random_bytes()[..16]),
        proof_method: None,
        proof_detail: None,
        verified_by: None,
        verified_at: None,
        disclose_prefix: input.disclose_prefix,
        created_by: who.user_id().to_owned(),
        created_at: now,
    };
    store::scans::assets::insert(&mut tx, &row).await?;
    let overlapping: Vec<&str> = others.iter().map(|a| a.id.as_str()).collect();
    audit(
        app,
        &mut tx,
        who,
        "scan_asset.create",
        "scan_asset",
        &row.id,
        json!({"org_id": row.org_id, "target": row.value, "state": row.state,
               "disclose_prefix": row.disclose_prefix, "overlaps_assets": overlapping}),
    )
    .await?;
    tx.commit().await?;
    Ok(view(who, row))
}

async fn own(conn: &mut store::AnyConnection, who: &Principal, id: &str) -> AppResult<AssetRow> {
    let a = store::scans::assets::get(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.org_id != who.org_id() && !is_coordinator(who) {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// Checks the published token and records the proof (the owner).
pub async fn verify(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: VerifyInput,
) -> AppResult<AssetView> {
    who.require_scope(Scope::AssetsWrite)?;
    let mut conn = app.store.pool.acquire().await?;
    let a = own(&mut conn, who, id).await?;
    drop(conn);
    if a.org_id != who.org_id() {
        return Err(AppError::forbidden("only the asset's owner proves control"));
    }
    let Some(host) = a
        .value
        .strip_prefix("host:")
        .filter(|h| !h.starts_with("*."))
    else {
        return Err(AppError::invalid(
            "method",
            "CIDR blocks, wildcard hosts and cloud accounts have no name to publish a token \
             under: ask a coordinator to attest control",
        ));
    };
    match a.state.as_str() {
        "pending" => {}
        "disputed" => {
            return Err(AppError::invalid(
                "method",
                "this asset needs a coordinator's attestation; ask a coordinator",
            ));
        }
        s => return Err(AppError::Conflict(format!("the asset is already {s}"))),
    }
    let verifier = app.proof_verifier.current();
    let detail = verifier
        .check(input.method, host, &a.token)
        .await
        .map_err(|why| AppError::invalid("method", why))?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let method = input.method.as_str();
    let proof = Proof {
        method,
        detail: &detail,
        by: who.user_id(),
        at: &now,
    };
    if !store::scans::assets::set_proof(&mut tx, &a.id, &["pending"], &proof).await? {
        return Err(AppError::Conflict("the asset changed meanwhile".into()));
    }
    audit(
        app,
        &mut tx,
        who,
        "scan_asset.verify",
        "scan_asset",
        &a.id,
        json!({"target": a.value, "method": method, "detail": detail}),
    )
    .await?;
    let row = store::scans::assets::get(&mut tx, &a.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view(who, row))
}

/// A coordinator of another organisation attests control with a
/// reason; settles a dispute with pending or disputed assets in favour
/// of this one, never with a verified one (409).
pub async fn attest(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: AttestInput,
) -> AppResult<AssetView> {
    who.require(Scope::AssetsWrite, COORDINATORS)?;
    let reason = line("reason", &input.reason, 2000)?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let a = own(&mut tx, who, id).await?;
    // Two people: a coordinator never attests their own organisation's
    // asset, so no one person can make a network their organisation's.
    if a.org_id == who.org_id() {
        return Err(AppError::forbidden(
            "a coordinator does not attest an asset of their own organisation: a coordinator \
             of another organisation does",
        ));
    }
    // A verified asset is never taken over: a later overlapping asset
    // is refused until the other organisation's is withdrawn.
    let t = target_of(&a)?;
    if others_overlapping(&mut tx, &t, &a.org_id)
        .await?
        .iter()
        .any(|o| o.state == "verified")
    {
        return Err(AppError::Conflict(format!(
            "{} overlaps a verified asset of another organisation: it cannot be verified \
             while that asset stands",
            a.value
        )));
    }
    let proof = Proof {
        method: "attestation",
        detail: &reason,
        by: who.user_id(),
        at: &now,
    };
    if !store::scans::assets::set_proof(&mut tx, &a.id, &["pending", "disputed"], &proof).await? {
        return Err(AppError::Conflict(format!(
            "the asset is already {}",
            a.state
        )));
    }
    audit(
        app,
        &mut tx,
        who,
        "scan_asset.attest",
        "scan_asset",
        &a.id,
        json!({"target": a.value, "org_id": a.org_id, "reason": reason, "was": a.state}),
    )
    .await?;
    let row = store::scans::assets::get(&mut tx, &a.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view(who, row))
}

/// The caller's organisation's assets (coordinators: every one).
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<AssetView>> {
    who.require_scope(Scope::AssetsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let org = (!is_coordinator(who)).then(|| who.org_id());
    let rows = store::scans::assets::list(&mut conn, org).await?;
    Ok(rows.into_iter().map(|a| view(who, a)).collect())
}

/// One asset (its owner or a coordinator).
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<AssetView> {
    who.require_scope(Scope::AssetsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(view(who, own(&mut conn, who, id).await?))
}

/// Every disputed asset with the other organisations' assets it meets
/// (coordinators).
pub async fn conflicts(app: &AppState, who: &Principal) -> AppResult<Vec<Conflict>> {
    who.require(Scope::AssetsRead, COORDINATORS)?;
    let mut conn = app.store.pool.acquire().await?;
    let mut out = Vec::new();
    for a in store::scans::assets::disputed(&mut conn).await? {
        let t = target_of(&a)?;
        let others = others_overlapping(&mut conn, &t, &a.org_id).await?;
        out.push(Conflict {
            asset: view(who, a),
            overlapping: others.into_iter().map(|o| view(who, o)).collect(),
        });
    }
    Ok(out)
}
