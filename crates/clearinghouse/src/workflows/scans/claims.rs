//! Claims: an organisation claims a target for a period, and the others
//! it concerns record whether they wait, coordinate or proceed. A claim
//! is read and answered only by its parties (the claimant, the owners of
//! verified assets it touches, the organisations of campaigns overlapping
//! it, coordinators); a network target is claimed only on one's own
//! assets or under a grant one holds, and others read it only as "an
//! operator's network assets".

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::scans::disclose::describe;
use clearinghouse_domain::scans::{Overlap, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::seer::Seer;
use super::{audit, invalid, is_coordinator, long_text, parse_window};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::scans::campaigns::Keys;
use crate::store::scans::claims::{ClaimRow, ResponseRow};
use crate::workflows::new_id;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub target: String,
    pub start: String,
    pub end: String,
    /// What the claimant plans (at most 2000 characters).
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimResponseInput {
    /// `wait`, `coordinate` or `proceed`.
    pub choice: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimResponseView {
    pub org_id: String,
    pub choice: String,
    pub note: String,
    pub responded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: String,
    pub org_id: String,
    pub target: String,
    pub start: String,
    pub end: String,
    pub note: String,
    pub responses: Vec<ClaimResponseView>,
    pub created_at: String,
}

async fn claim_view(
    conn: &mut store::AnyConnection,
    who: &Principal,
    k: ClaimRow,
) -> AppResult<ClaimView> {
    let responses = store::scans::claims::responses(conn, &k.id)
        .await?
        .into_iter()
        .map(|r| ClaimResponseView {
            org_id: r.org_id,
            choice: r.choice,
            note: r.note,
            responded_at: r.responded_at,
        })
        .collect();
    let target = match Target::parse("target", &k.value) {
        Ok(t) if t.is_network() && k.org_id != who.org_id() && !is_coordinator(who) => {
            describe(None)
        }
        _ => k.value.clone(),
    };
    Ok(ClaimView {
        id: k.id,
        org_id: k.org_id,
        target,
        start: k.starts_at,
        end: k.ends_at,
        note: k.note,
        responses,
        created_at: k.created_at,
    })
}

/// The longest claim: 90 days.
pub const MAX_CLAIM_SECS: i64 = 90 * 86_400;

/// How far in the past a claim may start (clock skew of the client).
const CLAIM_SLACK_SECS: i64 = 300;

/// Whether the reader may read and answer a claim: the claimant, the
/// owners of verified assets the claim touches, the organisations of
/// campaigns overlapping it, and coordinators.
async fn claim_party(
    conn: &mut store::AnyConnection,
    who: &Principal,
    k: &ClaimRow,
) -> AppResult<bool> {
    if k.org_id == who.org_id() || is_coordinator(who) {
        return Ok(true);
    }
    let t = Target::parse("target", &k.value)
        .map_err(|e| AppError::internal_msg(format!("stored claim: {e}")))?;
    for a in store::scans::assets::touching(conn, &t).await? {
        if a.org_id == who.org_id()
            && a.state == "verified"
            && super::assets::target_of(&a)?.overlaps(&t) != Overlap::No
        {
            return Ok(true);
        }
    }
    let (start, end) = (&k.starts_at, &k.ends_at);
    for (tr, c) in
        store::scans::campaigns::overlapping(conn, &t, start, end, false, Keys::Exact).await?
    {
        if c.org_id == who.org_id()
            && Target::parse("target", &tr.value).is_ok_and(|o| o.overlaps(&t) != Overlap::No)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Claims a target for a period.
pub async fn claim(app: &AppState, who: &Principal, input: ClaimInput) -> AppResult<ClaimView> {
    who.require_scope(Scope::FindingsWrite)?;
    let t = Target::parse("target", &input.target).map_err(invalid)?;
    let (window, starts_at, ends_at) = parse_window(&input.start, &input.end)?;
    if window.start < clock::now().unix_timestamp() - CLAIM_SLACK_SECS {
        return Err(AppError::invalid(
            "start",
            "is in the past: a claim is for a coming period",
        ));
    }
    if window.end - window.start > MAX_CLAIM_SECS {
        return Err(AppError::invalid("end", "a claim lasts at most 90 days"));
    }
    let note = long_text("note", input.note.as_deref(), 2000)?;
    let mut tx = app.store.begin_write().await?;
    if t.is_network() && !Seer::of(&mut tx, who).await?.may_see(&mut tx, &t).await? {
        return Err(AppError::invalid(
            "target",
            "you may claim a network target only on your own assets or under a grant you hold",
        ));
    }
    let (key_lo, key_hi) = store::scans::index_keys(&t);
    let row = ClaimRow {
        id: new_id(),
        org_id: who.org_id().to_owned(),
        kind: t.kind().as_str().to_owned(),
        value: t.to_string(),
        key_lo,
        key_hi,
        starts_at,
        ends_at,
        note,
        created_by: who.user_id().to_owned(),
        created_at: clock::now_text(),
    };
    store::scans::claims::insert(&mut tx, &row).await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_claim.create",
        "scan_claim",
        &row.id,
        json!({"org_id": row.org_id, "target": row.value, "start": row.starts_at,
               "end": row.ends_at, "note": row.note}),
    )
    .await?;
    let out = claim_view(&mut tx, who, row).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn get_claim(app: &AppState, who: &Principal, id: &str) -> AppResult<ClaimView> {
    who.require_scope(Scope::FindingsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let k = store::scans::claims::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !claim_party(&mut conn, who, &k).await? {
        return Err(AppError::NotFound);
    }
    claim_view(&mut conn, who, k).await
}

/// Records whether the caller's organisation waits, coordinates or proceeds.
pub async fn respond(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ClaimResponseInput,
) -> AppResult<ClaimView> {
    who.require_scope(Scope::FindingsWrite)?;
    let choice = input.choice.trim();
    if !matches!(choice, "wait" | "coordinate" | "proceed") {
        return Err(AppError::invalid(
            "choice",
            "one of wait, coordinate, proceed",
        ));
    }
    let note = long_text("note", input.note.as_deref(), 2000)?;
    let mut tx = app.store.begin_write().await?;
    let k = store::scans::claims::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !claim_party(&mut tx, who, &k).await? {
        return Err(AppError::NotFound);
    }
    if k.org_id == who.org_id() {
        return Err(AppError::invalid(
            "choice",
            "you answer others' claims, not your own",
        ));
    }
    let r = ResponseRow {
        claim_id: k.id.clone(),
        org_id: who.org_id().to_owned(),
        choice: choice.to_owned(),
        note,
        responded_by: who.user_id().to_owned(),
        responded_at: clock::now_text(),
    };
    store::scans::claims::respond(&mut tx, &r).await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_claim.respond",
        "scan_claim",
        &k.id,
        json!({"org_id": r.org_id, "choice": r.choice, "note": r.note}),
    )
    .await?;
    let out = claim_view(&mut tx, who, k).await?;
    tx.commit().await?;
    Ok(out)
}

/// The claims the caller's organisation made, with the answers.
pub async fn my_claims(app: &AppState, who: &Principal) -> AppResult<Vec<ClaimView>> {
    who.require_scope(Scope::FindingsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let mut out = Vec::new();
    for k in store::scans::claims::list_for_org(&mut conn, who.org_id()).await? {
        out.push(claim_view(&mut conn, who, k).await?);
    }
    Ok(out)
}

/// Claims another organisation chose to proceed against (coordinators).
pub async fn disputed_claims(app: &AppState, who: &Principal) -> AppResult<Vec<ClaimView>> {
    who.require(Scope::FindingsRead, super::COORDINATORS)?;
    let mut conn = app.store.pool.acquire().await?;
    let mut out = Vec::new();
    for k in store::scans::claims::disputed(&mut conn).await? {
        out.push(claim_view(&mut conn, who, k).await?);
    }
    Ok(out)
}
