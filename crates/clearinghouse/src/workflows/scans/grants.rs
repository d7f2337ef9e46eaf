//! Authorizations: an operator grants a scanning organisation permission
//! to scan named, verified assets of its own within a window, under rules
//! of engagement (techniques, rate limit, excluded hosts, the scanner's
//! declared source addresses, an emergency contact on each side).
//! Revocation is immediate: in the same transaction every active campaign
//! relying on the grant is stopped (each audited) and the scanner's
//! organisation is told (inbox and webhooks, `scan.grant_revoked`).
//! Open-source software and public code need no grant.

use crate::model::notify::NotificationKind;
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::scans::{GrantScope, Overlap, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::assets::target_of;
use super::{
    MAX_TARGETS, audit, is_coordinator, line, parse_sources, parse_techniques, parse_window,
    stored_sources, stored_techniques, stored_window, techniques_text,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::scans::grants::GrantRow;
use crate::workflows::new_id;
use crate::workflows::notifications::{self, NewNotification};

/// Largest rate limit a grant states (requests per second).
pub const MAX_RATE: i64 = 1_000_000;

/// The longest grant: one year (366 days).
pub const MAX_GRANT_SECS: i64 = 366 * 86_400;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// The scanning organisation's id, or its exact name.
    pub scanner_org_id: String,
    /// Ids of your verified network assets it may scan.
    pub assets: Vec<String>,
    /// Hosts or blocks inside them never to be scanned.
    #[serde(default)]
    pub excluded: Vec<String>,
    /// `passive`, `authenticated`, `active`.
    pub techniques: Vec<String>,
    /// Requests per second at most.
    pub rate_limit: i64,
    /// The scanner's source blocks; empty: not restricted.
    #[serde(default)]
    pub sources: Vec<String>,
    /// RFC 3339.
    pub start: String,
    pub end: String,
    pub operator_contact: String,
    pub scanner_contact: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeGrantInput {
    /// Why (1 to 2000 characters); the scanner is told.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub operator_org_id: String,
    pub scanner_org_id: String,
    pub asset_ids: Vec<String>,
    /// The granted assets as targets.
    pub assets: Vec<String>,
    pub excluded: Vec<String>,
    pub techniques: Vec<String>,
    pub rate_limit: i64,
    pub sources: Vec<String>,
    pub start: String,
    pub end: String,
    pub operator_contact: String,
    pub scanner_contact: String,
    /// `active` or `revoked`.
    pub state: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    /// Campaigns stopped by the revocation (only in the revoke answer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stopped_campaigns: Vec<String>,
    pub created_at: String,
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) async fn view(conn: &mut store::AnyConnection, g: GrantRow) -> AppResult<GrantView> {
    let asset_ids = json_list(&g.asset_ids);
    let mut assets = Vec::new();
    for id in &asset_ids {
        if let Some(a) = store::scans::assets::get(conn, id).await? {
            assets.push(a.value);
        }
    }
    Ok(GrantView {
        id: g.id,
        operator_org_id: g.operator_org_id,
        scanner_org_id: g.scanner_org_id,
        asset_ids,
        assets,
        excluded: json_list(&g.excluded),
        techniques: g.techniques.split(',').map(str::to_owned).collect(),
        rate_limit: g.rate_limit,
        sources: json_list(&g.sources),
        start: g.starts_at,
        end: g.ends_at,
        operator_contact: g.operator_contact,
        scanner_contact: g.scanner_contact,
        state: g.state,
        revoked_at: g.revoked_at,
        revoke_reason: g.revoke_reason,
        stopped_campaigns: Vec::new(),
        created_at: g.created_at,
    })
}

/// The grant as audited at creation: its fields that never change, so
/// an evidence bundle rebuilds exactly what the audit entry digests.
pub(crate) fn record(g: &GrantRow) -> serde_json::Value {
    json!({
        "id": g.id, "operator_org_id": g.operator_org_id, "scanner_org_id": g.scanner_org_id,
        "asset_ids": json_list(&g.asset_ids), "excluded": json_list(&g.excluded),
        "techniques": g.techniques, "rate_limit": g.rate_limit, "sources": json_list(&g.sources),
        "start": g.starts_at, "end": g.ends_at, "operator_contact": g.operator_contact,
        "scanner_contact": g.scanner_contact, "created_by": g.created_by, "created_at": g.created_at,
    })
}

/// The grant as coverage needs it: only its verified assets count.
pub(crate) async fn scope_of(
    conn: &mut store::AnyConnection,
    g: &GrantRow,
) -> AppResult<GrantScope> {
    let mut assets = Vec::new();
    for a in store::scans::assets::get_many(conn, &json_list(&g.asset_ids)).await? {
        if a.state == "verified" && a.org_id == g.operator_org_id {
            assets.push(target_of(&a)?);
        }
    }
    let excluded = json_list(&g.excluded)
        .iter()
        .filter_map(|t| Target::parse("excluded", t).ok())
        .collect();
    Ok(GrantScope {
        id: g.id.clone(),
        assets,
        excluded,
        window: stored_window(&g.starts_at, &g.ends_at)?,
        techniques: stored_techniques(&g.techniques),
        sources: stored_sources(&g.sources),
    })
}

/// Grants permission to scan assets of the caller's organisation.
pub async fn create(app: &AppState, who: &Principal, input: GrantInput) -> AppResult<GrantView> {
    who.require_scope(Scope::AssetsWrite)?;
    let (window, starts_at, ends_at) = parse_window(&input.start, &input.end)?;
    if window.end <= clock::now().unix_timestamp() {
        return Err(AppError::invalid(
            "end",
            "is in the past: a grant must end in the future",
        ));
    }
    if window.end - window.start > MAX_GRANT_SECS {
        return Err(AppError::invalid(
            "end",
            "a grant lasts at most one year: grant again when it ends",
        ));
    }
    let techniques = parse_techniques("techniques", &input.techniques)?;
    if techniques.is_empty() {
        return Err(AppError::invalid(
            "techniques",
            "allow at least one technique",
        ));
    }
    if !(1..=MAX_RATE).contains(&input.rate_limit) {
        return Err(AppError::invalid(
            "rate_limit",
            format!("requests per second, 1 to {MAX_RATE}"),
        ));
    }
    let sources = parse_sources("sources", &input.sources)?;
    let operator_contact = line("operator_contact", &input.operator_contact, 200)?;
    let scanner_contact = line("scanner_contact", &input.scanner_contact, 200)?;
    if input.assets.is_empty() || input.assets.len() > MAX_TARGETS {
        return Err(AppError::invalid(
            "assets",
            format!("name 1 to {MAX_TARGETS} of your verified assets"),
        ));
    }
    if input.excluded.len() > MAX_TARGETS {
        return Err(AppError::invalid(
            "excluded",
            format!("at most {MAX_TARGETS} exclusions"),
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let mut asset_ids = Vec::new();
    let mut asset_targets = Vec::new();
    for (i, id) in input.assets.iter().enumerate() {
        let field = format!("assets[{i}]");
        let a = store::scans::assets::get(&mut tx, id.trim())
            .await?
            .filter(|a| a.org_id == who.org_id())
            .ok_or_else(|| AppError::invalid(&field, "no such asset of your organisation"))?;
        if a.state != "verified" {
            return Err(AppError::invalid(
                &field,
                format!(
                    "{} is {}: only verified assets are granted",
                    a.value, a.state
                ),
            ));
        }
        asset_targets.push(target_of(&a)?);
        asset_ids.push(a.id);
    }
    asset_ids.sort();
    asset_ids.dedup();
    let mut excluded = Vec::new();
    for (i, text) in input.excluded.iter().enumerate() {
        let field = format!("excluded[{i}]");
        let t = Target::parse(&field, text).map_err(super::invalid)?;
        if !t.is_network() || !asset_targets.iter().any(|a| a.overlaps(&t) != Overlap::No) {
            return Err(AppError::invalid(
                &field,
                format!("{t} is not inside the granted assets"),
            ));
        }
        excluded.push(t.to_string());
    }
    // Looked up last, after every other field, and an archived one
    // answered like a missing one: the answer tells nothing of which
    // organisations exist beyond what a stored grant does (F15).
    // By id, or by its exact name: an operator is rarely told the id.
    let named = input.scanner_org_id.trim();
    let scanner = match store::accounts::orgs::get(&mut *tx, named).await? {
        Some(o) => Some(o),
        None => store::accounts::orgs::by_name(&mut *tx, named).await?,
    }
    .filter(|o| o.archived_at.is_none())
    .ok_or_else(|| {
        AppError::invalid(
            "scanner_org_id",
            "no organisation has this id or name (write its name exactly as it signs)",
        )
    })?;
    if scanner.id == who.org_id() {
        return Err(AppError::invalid(
            "scanner_org_id",
            "is your own organisation: scanning your own assets needs no grant here",
        ));
    }
    let now = clock::now_text();
    let enc = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let row = GrantRow {
        id: new_id(),
        operator_org_id: who.org_id().to_owned(),
        scanner_org_id: scanner.id.clone(),
        asset_ids: enc(&asset_ids),
        excluded: enc(&excluded),
        techniques: techniques_text(&techniques),
        rate_limit: input.rate_limit,
        sources: enc(&sources.iter().map(ToString::to_string).collect()),
        starts_at,
        ends_at,
        operator_contact,
        scanner_contact,
        state: "active".into(),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        created_by: who.user_id().to_owned(),
        created_at: now,
    };
    store::scans::grants::insert(&mut tx, &row).await?;
    let out = view(&mut tx, row.clone()).await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_grant.create",
        "scan_grant",
        &row.id,
        record(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Revokes a grant at once (its operator, or a coordinator): the
/// campaigns relying on it stop and the scanner is told.
pub async fn revoke(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: RevokeGrantInput,
) -> AppResult<GrantView> {
    who.require_scope(Scope::AssetsWrite)?;
    let reason = line("reason", &input.reason, 2000)?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let g = store::scans::grants::get(&mut tx, id)
        .await?
        .filter(|g| {
            g.operator_org_id == who.org_id()
                || g.scanner_org_id == who.org_id()
                || is_coordinator(who)
        })
        .ok_or(AppError::NotFound)?;
    if g.operator_org_id != who.org_id() && !is_coordinator(who) {
        return Err(AppError::forbidden(
            "only the operator that gave a grant revokes it",
        ));
    }
    if !store::scans::grants::revoke(&mut tx, &g.id, who.user_id(), &reason, &now).await? {
        return Err(AppError::Conflict(format!(
            "the grant is already {}",
            g.state
        )));
    }
    audit(
        app,
        &mut tx,
        who,
        "scan_grant.revoke",
        "scan_grant",
        &g.id,
        json!({"reason": reason, "revoked_at": now}),
    )
    .await?;
    let stop_reason = format!("grant {} was revoked: {reason}", g.id);
    let mut stopped = Vec::new();
    for c in store::scans::campaigns::active_on_grant(&mut tx, &g.id).await? {
        if store::scans::campaigns::stop(&mut tx, &c, &stop_reason, &now).await? {
            audit(
                app,
                &mut tx,
                who,
                "scan_campaign.stop",
                "scan_campaign",
                &c,
                json!({"reason": stop_reason, "stopped_at": now}),
            )
            .await?;
            stopped.push(c);
        }
    }
    notifications::enqueue(
        app,
        &mut tx,
        NewNotification {
            org_id: g.scanner_org_id.clone(),
            kind: NotificationKind::ScanGrantRevoked,
            exposure_id: None,
            vuln_id: None,
            tlp: "AMBER".into(),
            visibility: String::new(),
            title: "A scanning grant was revoked: stop scanning now".into(),
            body: format!(
                "Grant {} was revoked: {reason}. Campaigns stopped: {}.",
                g.id,
                if stopped.is_empty() {
                    "none".to_owned()
                } else {
                    stopped.join(", ")
                }
            ),
            data: json!({"grant_id": g.id, "stopped_campaigns": stopped}),
        },
    )
    .await?;
    let row = store::scans::grants::get(&mut tx, &g.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut out = view(&mut tx, row).await?;
    out.stopped_campaigns = stopped;
    tx.commit().await?;
    Ok(out)
}

/// Grants the caller's organisation gave or received (coordinators: all).
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<GrantView>> {
    who.require_scope(Scope::AssetsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let org = (!is_coordinator(who)).then(|| who.org_id());
    let rows = store::scans::grants::list(&mut conn, org).await?;
    let mut out = Vec::new();
    for g in rows {
        out.push(view(&mut conn, g).await?);
    }
    Ok(out)
}
