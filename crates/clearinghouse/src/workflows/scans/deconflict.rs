//! Deconfliction: which active campaigns and claims meet a set of targets
//! in a window (CIDR containment, host wildcards, version-set
//! intersection per ecosystem, window intersection; a version pair the
//! ecosystem cannot order is a `possible` overlap), the scan history of a
//! target (every campaign that ever touched it, with its findings and how
//! many were validated), claims and the answers to them (wait, coordinate,
//! proceed), a dry-run check of a planned campaign, and operators'
//! timelines. A reader who is neither the other campaign's organisation,
//! the operator of the asset, nor a coordinator sees another's network
//! target only as `redacted` allows.

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::scans::{Overlap, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::campaigns::{CampaignInput, CampaignView, authorize, check_input, effective, view};
use super::{audit, invalid, is_coordinator, long_text, parse_window, redacted};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::scans::campaigns::{CampaignRow, TargetRow};
use crate::store::scans::claims::{ClaimRow, ResponseRow};
use crate::workflows::new_id;

/// One overlap of a target with another campaign's target or a claim.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverlapView {
    /// The target asked about.
    pub target: String,
    /// `campaign` or `claim`.
    pub kind: String,
    /// The campaign or claim id.
    pub id: String,
    pub org_id: String,
    /// Who to talk to (campaigns).
    pub contact: Option<String>,
    pub scanner: Option<String>,
    pub start: String,
    pub end: String,
    /// The other target as this reader may see it.
    pub other_target: String,
    /// The overlap could not be decided (versions the ecosystem cannot
    /// order): treat as overlapping.
    pub possible: bool,
}

/// What the reader may learn of another campaign's target.
async fn shown_target(
    conn: &mut store::AnyConnection,
    who: &Principal,
    t: &TargetRow,
    owner_org: &str,
) -> AppResult<String> {
    let kind = clearinghouse_domain::scans::TargetKind::parse(&t.kind);
    let private = kind.is_some_and(|k| k.is_network())
        && owner_org != who.org_id()
        && t.operator_org_id.as_deref() != Some(who.org_id())
        && !is_coordinator(who);
    if !private {
        return Ok(t.value.clone());
    }
    let disclose = match &t.asset_id {
        Some(a) => store::scans::assets::get(conn, a)
            .await?
            .and_then(|a| a.disclose_prefix),
        None => None,
    };
    let target = Target::parse("target", &t.value)
        .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
    Ok(redacted(&target, disclose))
}

/// Overlapping active campaigns (not `exclude`) and claims for `targets`.
pub(crate) async fn overlaps_for(
    conn: &mut store::AnyConnection,
    who: &Principal,
    targets: &[Target],
    start: &str,
    end: &str,
    exclude: Option<&str>,
) -> AppResult<Vec<OverlapView>> {
    let mut out = Vec::new();
    for t in targets {
        for (tr, c) in store::scans::campaigns::overlapping(conn, t, start, end, false).await? {
            if Some(c.id.as_str()) == exclude {
                continue;
            }
            let other = Target::parse("target", &tr.value)
                .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
            let o = t.overlaps(&other);
            if o == Overlap::No {
                continue;
            }
            out.push(OverlapView {
                target: t.to_string(),
                kind: "campaign".into(),
                other_target: shown_target(conn, who, &tr, &c.org_id).await?,
                id: c.id,
                org_id: c.org_id,
                contact: Some(c.contact),
                scanner: Some(c.scanner),
                start: c.starts_at,
                end: c.ends_at,
                possible: o == Overlap::Unknown,
            });
        }
        for k in store::scans::claims::overlapping(conn, t, start, end).await? {
            let other = Target::parse("target", &k.value)
                .map_err(|e| AppError::internal_msg(format!("stored claim: {e}")))?;
            let o = t.overlaps(&other);
            if o == Overlap::No || k.org_id == who.org_id() {
                continue;
            }
            let shown = if other.is_network() && !is_coordinator(who) {
                redacted(&other, None)
            } else {
                k.value.clone()
            };
            out.push(OverlapView {
                target: t.to_string(),
                kind: "claim".into(),
                id: k.id,
                org_id: k.org_id,
                contact: None,
                scanner: None,
                start: k.starts_at,
                end: k.ends_at,
                other_target: shown,
                possible: o == Overlap::Unknown,
            });
        }
    }
    Ok(out)
}

/// The overlaps of a campaign the reader may read.
pub async fn campaign_overlaps(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<Vec<OverlapView>> {
    who.require_scope(Scope::FindingsRead)?;
    let c = super::campaigns::readable(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::scans::campaigns::targets(&mut conn, &c.id).await?;
    let all = c.org_id == who.org_id() || is_coordinator(who);
    let targets: Vec<Target> = rows
        .iter()
        .filter(|t| all || t.operator_org_id.as_deref() == Some(who.org_id()))
        .filter_map(|t| Target::parse("target", &t.value).ok())
        .collect();
    overlaps_for(
        &mut conn,
        who,
        &targets,
        &c.starts_at,
        &c.ends_at,
        Some(&c.id),
    )
    .await
}

/// Whether a planned campaign would be accepted, and what it overlaps.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckView {
    /// Whether every network target is covered by a grant.
    pub authorized: bool,
    /// Each uncovered target and why (field, target, reasons).
    #[schema(value_type = Vec<Object>)]
    pub uncovered: Vec<super::campaigns::Uncovered>,
    pub overlaps: Vec<OverlapView>,
}

/// A dry run of registration: nothing is stored.
pub async fn check(app: &AppState, who: &Principal, input: CampaignInput) -> AppResult<CheckView> {
    who.require_scope(Scope::FindingsRead)?;
    let c = check_input(&input)?;
    let mut conn = app.store.pool.acquire().await?;
    let (authorized, uncovered) = match authorize(&mut conn, who.org_id(), &c).await? {
        Ok(_) => (true, Vec::new()),
        Err(u) => (false, u),
    };
    let overlaps = overlaps_for(&mut conn, who, &c.targets, &c.starts_at, &c.ends_at, None).await?;
    Ok(CheckView {
        authorized,
        uncovered,
        overlaps,
    })
}

/// One campaign that touched a target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryItem {
    pub campaign_id: String,
    pub org_id: String,
    pub scanner: String,
    pub start: String,
    pub end: String,
    pub state: String,
    /// Its target as this reader may see it.
    pub target: String,
    pub findings: i64,
    pub validated: i64,
}

/// Every campaign that ever touched `target`, newest first.
pub async fn history(app: &AppState, who: &Principal, target: &str) -> AppResult<Vec<HistoryItem>> {
    who.require_scope(Scope::FindingsRead)?;
    let t = Target::parse("target", target).map_err(invalid)?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::scans::campaigns::overlapping(
        &mut conn,
        &t,
        "0000-01-01T00:00:00.000000Z",
        "9999-12-31T23:59:59.999999Z",
        true,
    )
    .await?;
    let now = clock::now_text();
    let mut out = Vec::new();
    for (tr, c) in rows {
        let other = Target::parse("target", &tr.value)
            .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
        if t.overlaps(&other) == Overlap::No {
            continue;
        }
        let (findings, validated) =
            store::scans::campaigns::finding_counts(&mut conn, &c.id, &c.org_id).await?;
        out.push(HistoryItem {
            target: shown_target(&mut conn, who, &tr, &c.org_id).await?,
            state: effective(&c, &now).0,
            campaign_id: c.id,
            org_id: c.org_id,
            scanner: c.scanner,
            start: c.starts_at,
            end: c.ends_at,
            findings,
            validated,
        });
    }
    out.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(a.campaign_id.cmp(&b.campaign_id))
    });
    out.dedup_by(|a, b| a.campaign_id == b.campaign_id);
    Ok(out)
}

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
            redacted(&t, None)
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

/// Whether the organisation may see the network target: it owns an asset
/// holding it or holds an active grant whose asset holds it.
async fn may_see(conn: &mut store::AnyConnection, org_id: &str, t: &Target) -> AppResult<bool> {
    for a in store::scans::assets::touching(conn, t).await? {
        if a.org_id == org_id && super::assets::target_of(&a)?.covers(t) {
            return Ok(true);
        }
    }
    let now = clock::now_text();
    for g in
        store::scans::grants::active_for(conn, org_id, &now, "9999-12-31T23:59:59.999999Z").await?
    {
        if super::grants::scope_of(conn, &g)
            .await?
            .assets
            .iter()
            .any(|a| a.covers(t))
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
    let (_, starts_at, ends_at) = parse_window(&input.start, &input.end)?;
    let note = long_text("note", input.note.as_deref(), 2000)?;
    let mut tx = app.store.begin_write().await?;
    if t.is_network() && !may_see(&mut tx, who.org_id(), &t).await? {
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

/// Campaigns touching the caller's assets, by start (coordinators: every
/// campaign they may read).
pub async fn timeline(app: &AppState, who: &Principal) -> AppResult<Vec<CampaignView>> {
    who.require_scope(Scope::AssetsRead)?;
    let rows: Vec<CampaignRow> = if is_coordinator(who) {
        let mut all = super::campaigns::list(app, who, None, Some(crate::workflows::MAX_PAGE))
            .await?
            .items;
        all.sort_by(|a, b| a.start.cmp(&b.start));
        return Ok(all);
    } else {
        let mut conn = app.store.pool.acquire().await?;
        store::scans::campaigns::touching_operator(&mut conn, who.org_id()).await?
    };
    let mut conn = app.store.pool.acquire().await?;
    let mut out = Vec::new();
    for c in rows {
        out.push(view(&mut conn, who, c).await?);
    }
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
