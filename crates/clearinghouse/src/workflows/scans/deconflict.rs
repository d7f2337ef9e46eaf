//! Deconfliction: which active campaigns and claims meet a set of targets
//! in a window (CIDR containment, host wildcards, version-set
//! intersection per ecosystem, window intersection; a version pair the
//! ecosystem cannot order is a `possible` overlap), the scan history of a
//! target (every campaign that ever touched it, with its findings and how
//! many were validated), a dry-run check of a planned campaign, and
//! operators' timelines (claims and their answers: `claims.rs`). A reader
//! who is neither the other campaign's organisation, the operator of the
//! asset, nor a coordinator, and who may not see the target (`Seer`),
//! learns of another's network target only what its operator discloses
//! (`domain::scans::disclose`, stored with the target as `shown`), and is
//! matched on that alone: any name or range probed inside the disclosed
//! block or domain gets the same answer.

use std::collections::HashSet;

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::scans::disclose::describe;
use clearinghouse_domain::scans::{Overlap, Target};
use serde::Serialize;
use utoipa::ToSchema;

use super::campaigns::{CampaignInput, CampaignView, authorize, check_input, effective, view};
use super::seer::Seer;
use super::{invalid, is_coordinator};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::read_filter::ReadFilter;
use crate::store::scans::campaigns::{CampaignRow, Keys, TargetRow};
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

/// What the reader may learn of another campaign's target `t` that
/// overlaps the asked target `asked`: the target itself (the campaign's
/// organisation, the asset's operator, coordinators, and organisations
/// owning the asset or holding a grant on it), or what the operator
/// discloses of the asset when that meets `asked`; `None` when the reader
/// learns nothing.
async fn shown_target(
    conn: &mut store::AnyConnection,
    seer: &mut Seer,
    asked: &Target,
    t: &TargetRow,
    owner_org: &str,
) -> AppResult<Option<String>> {
    let target = Target::parse("target", &t.value)
        .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
    let exact = target.overlaps(asked) != Overlap::No;
    let private = target.is_network()
        && owner_org != seer.org_id
        && t.operator_org_id.as_deref() != Some(seer.org_id.as_str())
        && !seer.all;
    if !private || seer.may_see(conn, &target).await? {
        return Ok(exact.then(|| t.value.clone()));
    }
    let shown = t
        .shown
        .as_deref()
        .and_then(|s| Target::parse("shown", s).ok());
    Ok(shown
        .filter(|s| s.overlaps(asked) != Overlap::No)
        .map(|s| describe(Some(&s))))
}

/// Campaign targets (with their campaign) that may meet `t`: matched on
/// the targets, and, for a reader who may not see `t`, on what is
/// disclosed of them too (`shown_target` then decides on that alone).
async fn matching(
    conn: &mut store::AnyConnection,
    seer: &mut Seer,
    t: &Target,
    (start, end): (&str, &str),
    any_state: bool,
) -> AppResult<Vec<(TargetRow, CampaignRow)>> {
    use store::scans::campaigns::overlapping;
    let mut rows = overlapping(conn, t, start, end, any_state, Keys::Exact).await?;
    if t.is_network() && !seer.all && !seer.may_see(conn, t).await? {
        let seen: HashSet<(String, i64)> = rows
            .iter()
            .map(|(r, _)| (r.campaign_id.clone(), r.position))
            .collect();
        for (r, c) in overlapping(conn, t, start, end, any_state, Keys::Disclosed).await? {
            if !seen.contains(&(r.campaign_id.clone(), r.position)) {
                rows.push((r, c));
            }
        }
    }
    Ok(rows)
}

/// Whether the reader may read each campaign of `rows` in full (the one
/// read policy, one query).
async fn readable_of(
    conn: &mut store::AnyConnection,
    reader: &ReadFilter<'_>,
    rows: &[(TargetRow, CampaignRow)],
) -> AppResult<HashSet<String>> {
    let ids: Vec<&str> = rows.iter().map(|(_, c)| c.id.as_str()).collect();
    Ok(store::scans::campaigns::readable_among(conn, reader, &ids).await?)
}

/// Whether the reader may read the campaign in full; `None` when it may
/// not learn of it at all (RED and AMBER+STRICT campaigns of others).
fn campaign_shown(readable: &HashSet<String>, c: &CampaignRow) -> Option<bool> {
    if readable.contains(&c.id) {
        return Some(true);
    }
    (!matches!(c.tlp.as_str(), "RED" | "AMBER+STRICT")).then_some(false)
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
    let mut seer = Seer::of(conn, who).await?;
    let mut out = Vec::new();
    for t in targets {
        let rows = matching(conn, &mut seer, t, (start, end), false).await?;
        let readable = readable_of(conn, reader, &rows).await?;
        for (tr, c) in rows {
            if Some(c.id.as_str()) == exclude {
                continue;
            }
            let other = Target::parse("target", &tr.value)
                .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
            let o = t.overlaps(&other);
            let Some(shown) = shown_target(conn, &mut seer, t, &tr, &c.org_id).await? else {
                continue;
            };
            let Some(full) = campaign_shown(&readable, &c) else {
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
            let shown = if other.is_network() && !seer.all {
                if !seer.may_see(conn, &other).await? {
                    continue;
                }
                describe(None)
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
    let mut seer = Seer::of(&mut conn, who).await?;
    let ever = ("0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z");
    let rows = matching(&mut conn, &mut seer, &t, ever, true).await?;
    let readable = readable_of(&mut conn, &reader, &rows).await?;
    let now = clock::now_text();
    let mut out: Vec<(String, HistoryItem)> = Vec::new();
    let mut listed = HashSet::new();
    for (tr, c) in rows {
        if listed.contains(&c.id) {
            continue;
        }
        let Some(shown) = shown_target(&mut conn, &mut seer, &t, &tr, &c.org_id).await? else {
            continue;
        };
        let Some(full) = campaign_shown(&readable, &c) else {
            continue;
        };
        listed.insert(c.id.clone());
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
