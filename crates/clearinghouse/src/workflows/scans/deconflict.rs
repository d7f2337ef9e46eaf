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
use crate::store::read_filter::ReadFilter;
use crate::store::scans::campaigns::{CampaignRow, TargetRow};
use crate::store::scans::claims::{ClaimRow, ResponseRow};
use crate::workflows::new_id;
use crate::workflows::read_policy::PolicyReader;

/// One overlap of a target with another campaign's target or a claim.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverlapView {
    /// The target asked about.
    pub target: String,
    /// `campaign` or `claim`.
    pub kind: String,
    /// The campaign or claim id (absent for a campaign the reader may not
    /// read: then only its window is shown).
    pub id: Option<String>,
    pub org_id: Option<String>,
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

/// The most a reader who must not learn the exact target may match on:
/// the disclosed block (`disclose_prefix`) or the parent domain; `None`
/// when nothing is disclosed.
fn disclosed(target: &Target, disclose_prefix: Option<i64>) -> Option<Target> {
    match (target, disclose_prefix) {
        (Target::Cidr(c), Some(p)) => Some(Target::Cidr(
            c.generalised(u8::try_from(p.max(0)).unwrap_or(u8::MAX)),
        )),
        (Target::Host(h), Some(_)) => {
            let base = h.trim_start_matches("*.");
            let parent = base.split_once('.').map_or(base, |(_, rest)| rest);
            Some(Target::Host(format!("*.{parent}")))
        }
        _ => None,
    }
}

/// What the reader may learn of another campaign's target `t` that
/// overlaps the asked target `asked`: the target (the campaign's
/// organisation, the asset's operator, coordinators, and organisations
/// owning the asset or holding a grant on it), or the disclosed block,
/// matched against the disclosed block only so that probing smaller
/// ranges reveals nothing finer; `None` when the reader learns nothing.
async fn shown_target(
    conn: &mut store::AnyConnection,
    who: &Principal,
    asked: &Target,
    t: &TargetRow,
    owner_org: &str,
) -> AppResult<Option<String>> {
    let target = Target::parse("target", &t.value)
        .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
    let exact = target.overlaps(asked) != Overlap::No;
    let private = target.is_network()
        && owner_org != who.org_id()
        && t.operator_org_id.as_deref() != Some(who.org_id())
        && !is_coordinator(who);
    if !private || may_see(conn, who.org_id(), &target).await? {
        return Ok(exact.then(|| t.value.clone()));
    }
    let disclose = match &t.asset_id {
        Some(a) => store::scans::assets::get(conn, a)
            .await?
            .and_then(|a| a.disclose_prefix),
        None => None,
    };
    // A block disclosed coarser than the widest query (`widened`) is
    // matched as if nothing were disclosed.
    let within = |b: &Target| match (b, asked) {
        (Target::Cidr(b), Target::Cidr(q)) => b.prefix() >= widest(q),
        _ => true,
    };
    Ok(disclosed(&target, disclose)
        .filter(|block| within(block) && block.overlaps(asked) != Overlap::No)
        .map(|_| redacted(&target, disclose)))
}

/// The shortest prefix a network asset may have (/8, /32): the widest
/// block a query is widened to.
fn widest(c: &clearinghouse_domain::scans::Cidr) -> u8 {
    if c.is_ipv4() { 8 } else { 32 }
}

/// What to ask the store for a target: for a reader who may not see a
/// block exactly (not a coordinator, holding no asset or grant on it),
/// the block widened to the largest asset size, so that campaigns are
/// then matched on their disclosed blocks (`shown_target`).
async fn widened(
    conn: &mut store::AnyConnection,
    who: &Principal,
    t: &Target,
) -> AppResult<Target> {
    Ok(match t {
        Target::Cidr(c) if !is_coordinator(who) && !may_see(conn, who.org_id(), t).await? => {
            Target::Cidr(c.generalised(widest(c)))
        }
        _ => t.clone(),
    })
}

/// Whether the reader may read the campaign in full; `None` when it may
/// not learn of it at all (RED and AMBER+STRICT campaigns of others).
async fn campaign_shown(
    conn: &mut store::AnyConnection,
    reader: &ReadFilter<'_>,
    c: &CampaignRow,
) -> AppResult<Option<bool>> {
    if store::scans::campaigns::is_readable(conn, reader, &c.id).await? {
        return Ok(Some(true));
    }
    Ok((!matches!(c.tlp.as_str(), "RED" | "AMBER+STRICT")).then_some(false))
}

/// What a reader who may not read a campaign learns of its overlap.
pub const OTHER_CAMPAIGN: &str = "another organisation's campaign overlaps";

/// At most this many overlaps in one answer (`truncated` says more
/// were left off).
pub const MAX_OVERLAPS: usize = 500;

/// Overlapping active campaigns (not `exclude`) and claims for `targets`,
/// as the reader may see them; at most `MAX_OVERLAPS` (the flag: more).
pub(crate) async fn overlaps_for(
    conn: &mut store::AnyConnection,
    who: &Principal,
    reader: &ReadFilter<'_>,
    targets: &[Target],
    start: &str,
    end: &str,
    exclude: Option<&str>,
) -> AppResult<(Vec<OverlapView>, bool)> {
    let mut out = Vec::new();
    for t in targets {
        let wide = widened(conn, who, t).await?;
        for (tr, c) in store::scans::campaigns::overlapping(conn, &wide, start, end, false).await? {
            if Some(c.id.as_str()) == exclude {
                continue;
            }
            let other = Target::parse("target", &tr.value)
                .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
            let o = t.overlaps(&other);
            let Some(shown) = shown_target(conn, who, t, &tr, &c.org_id).await? else {
                continue;
            };
            let Some(full) = campaign_shown(conn, reader, &c).await? else {
                continue;
            };
            if out.len() == MAX_OVERLAPS {
                return Ok((out, true));
            }
            out.push(OverlapView {
                target: t.to_string(),
                kind: "campaign".into(),
                other_target: if full { shown } else { OTHER_CAMPAIGN.into() },
                id: full.then_some(c.id),
                org_id: full.then_some(c.org_id),
                contact: full.then_some(c.contact),
                scanner: full.then_some(c.scanner),
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
            // Another's network claim: only for coordinators and those who
            // may see the target (owner, grant holder); never probed.
            let shown = if other.is_network() && !is_coordinator(who) {
                if !may_see(conn, who.org_id(), &other).await? {
                    continue;
                }
                redacted(&other, None)
            } else {
                k.value.clone()
            };
            if out.len() == MAX_OVERLAPS {
                return Ok((out, true));
            }
            out.push(OverlapView {
                target: t.to_string(),
                kind: "claim".into(),
                id: Some(k.id),
                org_id: Some(k.org_id),
                contact: None,
                scanner: None,
                start: k.starts_at,
                end: k.ends_at,
                other_target: shown,
                possible: o == Overlap::Unknown,
            });
        }
    }
    Ok((out, false))
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
    let reader = PolicyReader::of(app, who).await?;
    Ok(overlaps_for(
        &mut conn,
        who,
        &reader.filter(),
        &targets,
        &c.starts_at,
        &c.ends_at,
        Some(&c.id),
    )
    .await?
    .0)
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
    /// More overlaps than the first 500 shown were found.
    pub truncated: bool,
}

/// A dry run of registration: nothing is stored.
pub async fn check(app: &AppState, who: &Principal, input: CampaignInput) -> AppResult<CheckView> {
    who.require_scope(Scope::FindingsRead)?;
    let c = check_input(&input)?;
    let reader = PolicyReader::of(app, who).await?;
    let mut conn = app.store.pool.acquire().await?;
    let (authorized, uncovered) = match authorize(&mut conn, who.org_id(), &c).await? {
        Ok(_) => (true, Vec::new()),
        Err(u) => (false, u),
    };
    let (overlaps, truncated) = overlaps_for(
        &mut conn,
        who,
        &reader.filter(),
        &c.targets,
        &c.starts_at,
        &c.ends_at,
        None,
    )
    .await?;
    Ok(CheckView {
        authorized,
        uncovered,
        overlaps,
        truncated,
    })
}

/// One campaign that touched a target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryItem {
    /// Absent (with the organisation and scanner) for a campaign the
    /// reader may not read: then only its window and state are shown.
    pub campaign_id: Option<String>,
    pub org_id: Option<String>,
    pub scanner: Option<String>,
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
    let reader = PolicyReader::of(app, who).await?;
    let reader = reader.filter();
    let mut conn = app.store.pool.acquire().await?;
    let wide = widened(&mut conn, who, &t).await?;
    let rows = store::scans::campaigns::overlapping(
        &mut conn,
        &wide,
        "0000-01-01T00:00:00.000000Z",
        "9999-12-31T23:59:59.999999Z",
        true,
    )
    .await?;
    let now = clock::now_text();
    let mut out: Vec<(String, HistoryItem)> = Vec::new();
    for (tr, c) in rows {
        if out.iter().any(|(id, _)| *id == c.id) {
            continue;
        }
        let Some(shown) = shown_target(&mut conn, who, &t, &tr, &c.org_id).await? else {
            continue;
        };
        let Some(full) = campaign_shown(&mut conn, &reader, &c).await? else {
            continue;
        };
        let (findings, validated) = if full {
            store::scans::campaigns::finding_counts(&mut conn, &c.id, &c.org_id).await?
        } else {
            (0, 0)
        };
        out.push((
            c.id.clone(),
            HistoryItem {
                target: if full { shown } else { OTHER_CAMPAIGN.into() },
                state: effective(&c, &now).0,
                campaign_id: full.then_some(c.id),
                org_id: full.then_some(c.org_id),
                scanner: full.then_some(c.scanner),
                start: c.starts_at,
                end: c.ends_at,
                findings,
                validated,
            },
        ));
    }
    out.sort_by(|a, b| b.1.start.cmp(&a.1.start).then(a.0.cmp(&b.0)));
    Ok(out.into_iter().map(|(_, item)| item).collect())
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

/// Whether the organisation may see the network target: it owns a
/// verified asset holding it or holds an active grant whose asset holds it.
async fn may_see(conn: &mut store::AnyConnection, org_id: &str, t: &Target) -> AppResult<bool> {
    for a in store::scans::assets::touching(conn, t).await? {
        if a.org_id == org_id && a.state == "verified" && super::assets::target_of(&a)?.covers(t) {
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
    for (tr, c) in
        store::scans::campaigns::overlapping(conn, &t, &k.starts_at, &k.ends_at, false).await?
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
