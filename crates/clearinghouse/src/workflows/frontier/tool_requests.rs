//! Requests for the catalog's entries (`tools.rs`): an eligible
//! organisation's person asks with a purpose; a government coordinator
//! approves with a time box and a daily quota (a model entry's approval is
//! a grant in its window, `window_grants::insert_grant`) or declines, and
//! may later revoke approved access (a model entry's grant is revoked with
//! it, at once, the broker's cache cleared); the requester's organisation
//! is told of each decision. Coordinators see demand and use by sector.
//! A request is read by its organisation, the entry's provider and
//! government coordinators (anyone else: 404).

use clearinghouse_domain::frontier::access::catalog::{self, MAX_PURPOSE_CHARS};
use clearinghouse_domain::frontier::access::{self, DAY_SECS, Quota, Span};
use clearinghouse_domain::identity::Scope;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::tools::{
    ToolReason, eligibility_of, invalid, is_coordinator, readable_tool, reason, refuse, tell,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store::frontier::tools::{RequestRow, ToolRow};
use crate::store::{self, Tx};
use crate::workflows::frontier::window_grants;
use crate::workflows::frontier::windows::{now_secs, secs, span, text_of};
use crate::workflows::{new_id, record_audit};

/// The longest time box of a service entry's approval (a model entry's
/// lies inside its window).
pub const MAX_SERVICE_DAYS: i64 = 366;

/// A request for an entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToolRequest {
    /// What the organisation will use it for (1 to 2000 characters).
    pub purpose: String,
}

/// A request as the API shows it (its stored row, the entry's name joined
/// in).
pub use crate::store::frontier::tools::RequestRow as ToolRequest;

/// A coordinator's decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolDecision {
    /// `approve` or `decline`.
    pub decision: String,
    /// Required to decline.
    pub reason: Option<String>,
    /// RFC 3339; default now (a model entry: inside its window).
    pub starts_at: Option<String>,
    /// RFC 3339; required to approve.
    pub ends_at: Option<String>,
    /// Required to approve.
    pub requests_per_day: Option<i64>,
    /// Required to approve.
    pub tokens_per_day: Option<i64>,
}

/// Demand and use of one entry by one sector (or kind of organisation).
pub use crate::store::frontier::tools::DemandRow as DemandLine;

/// An eligible organisation's person asks for an entry with a purpose.
pub async fn request(
    app: &AppState,
    who: &Principal,
    tool_id: &str,
    input: NewToolRequest,
) -> AppResult<ToolRequest> {
    who.require_scope(Scope::ModelsWrite)?;
    let t = readable_tool(app, who, tool_id).await?;
    if t.state != "listed" {
        return Err(AppError::invalid("tool", "is no longer offered"));
    }
    let purpose =
        catalog::long_text("purpose", &input.purpose, MAX_PURPOSE_CHARS).map_err(invalid)?;
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id())
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(e) = catalog::eligible(&eligibility_of(&t)?, org.kind, org.sector) {
        return Err(refuse(app, who, "tool", tool_id, "tool.request", invalid(e)).await);
    }
    let mut conn = app.store.pool.acquire().await?;
    if let Some(wid) = &t.window_id {
        let w = store::frontier::windows::get(&mut conn, wid)
            .await?
            .ok_or_else(|| AppError::internal_msg("a tool without its window"))?;
        if w.state != "open" || span(&w)?.ends_at <= now_secs() {
            return Err(AppError::invalid(
                "tool",
                "is not available now (its access window has ended)",
            ));
        }
    }
    drop(conn);
    let row = RequestRow {
        id: new_id(),
        tool_id: t.id.clone(),
        tool_name: t.name.clone(),
        org_id: org.id.clone(),
        user_id: who.user_id().to_owned(),
        org_kind: org.kind.as_str().into(),
        sector: org.sector.map(|s| s.as_str().to_owned()),
        purpose,
        state: "pending".into(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        starts_at: None,
        ends_at: None,
        requests_per_day: None,
        tokens_per_day: None,
        grant_id: None,
        created_at: clock::now_text(),
        revoked_by: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    // One open request per organisation, also when several arrive at once.
    store::locks::lock_record(&mut tx, app.store.backend, "tool", &t.id).await?;
    let open = store::frontier::tools::requests(&mut tx, &t.id, &org.id).await?;
    if open.iter().any(|r| {
        r.state == "pending"
            || (r.state == "approved" && r.ends_at.as_deref().is_some_and(|e| e > now.as_str()))
    }) {
        return Err(AppError::Conflict(
            "your organisation already has a pending or current request for this tool".into(),
        ));
    }
    store::frontier::tools::insert_request(&mut tx, &row).await?;
    let change = json!({"tool_id": t.id, "purpose": row.purpose, "org_kind": row.org_kind,
        "sector": row.sector});
    record_audit(
        app,
        &mut tx,
        who,
        "tool.request",
        "tool_request",
        &row.id,
        change,
    )
    .await?;
    let what = format!("{} asked for {}: {}", org.name, t.name, row.purpose);
    tell(
        app,
        &mut tx,
        &t.provider_org,
        NotificationKind::ToolRequested,
        &row.id,
        "Someone asked for a tool you offer",
        &what,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Whether `who` reads a request: its organisation, the entry's provider,
/// a government coordinator.
async fn may_read_request(
    app: &AppState,
    who: &Principal,
    r: &RequestRow,
    t: &ToolRow,
) -> AppResult<bool> {
    Ok(r.org_id == who.org_id()
        || t.provider_org == who.org_id()
        || is_coordinator(app, who).await?)
}

/// Requests the caller may read, newest first (`tool_id`: of one entry).
pub async fn requests(
    app: &AppState,
    who: &Principal,
    tool_id: Option<&str>,
    state: Option<&str>,
) -> AppResult<Vec<ToolRequest>> {
    who.require_scope(Scope::ModelsRead)?;
    if let Some(s) = state
        && !["pending", "approved", "declined", "revoked"].contains(&s)
    {
        return Err(AppError::invalid(
            "state",
            "must be pending, approved, declined or revoked",
        ));
    }
    if let Some(id) = tool_id {
        readable_tool(app, who, id).await?;
    }
    let coordinator = is_coordinator(app, who).await?;
    let mut conn = app.store.pool.acquire().await?;
    let tools = store::frontier::tools::tools(&mut conn).await?;
    let rows = store::frontier::tools::requests(&mut conn, tool_id.unwrap_or(""), "").await?;
    drop(conn);
    let mut out = Vec::new();
    for r in rows {
        let Some(t) = tools.iter().find(|t| t.id == r.tool_id) else {
            continue;
        };
        let visible = coordinator || r.org_id == who.org_id() || t.provider_org == who.org_id();
        if visible && state.is_none_or(|s| s == r.state) {
            out.push(r);
        }
    }
    Ok(out)
}

async fn readable_request(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(RequestRow, ToolRow)> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let r = store::frontier::tools::get_request(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = store::frontier::tools::get_tool(&mut conn, &r.tool_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if may_read_request(app, who, &r, &t).await? {
        Ok((r, t))
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn get_request(app: &AppState, who: &Principal, id: &str) -> AppResult<ToolRequest> {
    let (r, _) = readable_request(app, who, id).await?;
    Ok(r)
}

/// A request the caller may read, for a step only a government
/// coordinator (in person) takes: anyone else is refused (403, audited as
/// `attempted`).
async fn coordinators(
    app: &AppState,
    who: &Principal,
    id: &str,
    attempted: &str,
) -> AppResult<(RequestRow, ToolRow)> {
    who.require_scope(Scope::ModelsWrite)?;
    let (r, t) = readable_request(app, who, id).await?;
    if !is_coordinator(app, who).await? || who.is_agent() {
        let e = AppError::forbidden(
            "requests for tools are decided, and access revoked, by a government coordinator",
        );
        return Err(refuse(app, who, "tool_request", id, attempted, e).await);
    }
    Ok((r, t))
}

/// A government coordinator approves (time box and quota; a model entry's
/// approval grants the requester in its window) or declines.
pub async fn decide(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ToolDecision,
) -> AppResult<ToolRequest> {
    let (r, t) = coordinators(app, who, id, "tool.decide").await?;
    if r.state != "pending" {
        return Err(AppError::Conflict(format!(
            "the request is already {}",
            r.state
        )));
    }
    let reason = input.reason.as_deref().map(reason).transpose()?;
    let now = clock::now_text();
    let mut out = RequestRow {
        decided_by: Some(who.user_id().to_owned()),
        decided_at: Some(now.clone()),
        decision_reason: reason.clone(),
        ..r.clone()
    };
    let mut tx = app.store.begin_write().await?;
    // Capacity holds when two coordinators approve at once (F3).
    store::locks::lock_record(&mut tx, app.store.backend, "tool", &t.id).await?;
    match input.decision.as_str() {
        "decline" => {
            if reason.is_none() {
                return Err(AppError::invalid(
                    "reason",
                    "say why the request is declined",
                ));
            }
            out.state = "declined".into();
        }
        "approve" => {
            let quota = Quota::new(
                input.requests_per_day.ok_or_else(|| {
                    AppError::invalid("requests_per_day", "set the daily quota of requests")
                })?,
                input.tokens_per_day.ok_or_else(|| {
                    AppError::invalid("tokens_per_day", "set the daily quota of tokens")
                })?,
            )
            .map_err(invalid)?;
            let ends = secs(
                "ends_at",
                input
                    .ends_at
                    .as_deref()
                    .ok_or_else(|| AppError::invalid("ends_at", "set the end of the time box"))?,
            )?;
            let starts = input
                .starts_at
                .as_deref()
                .map(|s| secs("starts_at", s))
                .transpose()?;
            let holding = store::frontier::tools::holding(&mut tx, &t.id, &now).await?;
            catalog::has_room(t.capacity, holding).map_err(invalid)?;
            let approved =
                approve_span(app, &mut tx, who, &r, &t, starts, ends, quota, &mut out).await;
            let s = match approved {
                Ok(s) => s,
                Err(e @ AppError::Forbidden(_)) => {
                    drop(tx);
                    return Err(refuse(app, who, "tool_request", id, "tool.decide", e).await);
                }
                Err(e) => return Err(e),
            };
            out.state = "approved".into();
            out.starts_at = Some(text_of(s.starts_at)?);
            out.ends_at = Some(text_of(s.ends_at)?);
            out.requests_per_day = Some(quota.requests_per_day);
            out.tokens_per_day = Some(quota.tokens_per_day);
        }
        _ => return Err(AppError::invalid("decision", "must be approve or decline")),
    }
    if !store::frontier::tools::decide(&mut tx, &out).await? {
        return Err(AppError::Conflict(
            "the request was decided meanwhile".into(),
        ));
    }
    let change = json!({"state": out.state, "reason": out.decision_reason, "starts_at": out.starts_at,
        "ends_at": out.ends_at, "requests_per_day": out.requests_per_day,
        "tokens_per_day": out.tokens_per_day, "grant_id": out.grant_id});
    record_audit(app, &mut tx, who, "tool.decide", "tool_request", id, change).await?;
    let (title, what) = if out.state == "approved" {
        (
            "Your request for a tool was approved",
            format!(
                "{} until {}{}",
                t.name,
                out.ends_at.as_deref().unwrap_or(""),
                if out.grant_id.is_some() {
                    ": accept its terms under My grants, then take a credential"
                } else {
                    ""
                }
            ),
        )
    } else {
        (
            "Your request for a tool was declined",
            format!(
                "{}: {}",
                t.name,
                out.decision_reason.as_deref().unwrap_or("")
            ),
        )
    };
    tell(
        app,
        &mut tx,
        &r.org_id,
        NotificationKind::ToolRequestDecided,
        id,
        title,
        &what,
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// The approved time box; for a model entry also the grant in its window
/// (`out.grant_id`).
#[allow(clippy::too_many_arguments)]
async fn approve_span(
    app: &AppState,
    tx: &mut Tx,
    who: &Principal,
    r: &RequestRow,
    t: &ToolRow,
    starts: Option<i64>,
    ends: i64,
    quota: Quota,
    out: &mut RequestRow,
) -> AppResult<Span> {
    let now = now_secs();
    let Some(wid) = &t.window_id else {
        let starts = starts.unwrap_or(now);
        if ends <= starts {
            return Err(AppError::invalid("ends_at", "must be after the start"));
        }
        if ends - starts > MAX_SERVICE_DAYS * DAY_SECS {
            return Err(AppError::invalid(
                "ends_at",
                format!("a time box lasts at most {MAX_SERVICE_DAYS} days"),
            ));
        }
        return Ok(Span {
            starts_at: starts,
            ends_at: ends,
        });
    };
    let w = store::frontier::windows::get(tx, wid)
        .await?
        .ok_or_else(|| AppError::internal_msg("a tool without its window"))?;
    if w.state != "open" {
        return Err(AppError::invalid("tool", "its access window is closed"));
    }
    let person = store::accounts::users::get(&mut **tx, &r.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| AppError::invalid("user_id", "the person who asked has left"))?;
    let s = access::plan_grant(span(&w)?, starts, Some(ends), now).map_err(invalid)?;
    let g =
        window_grants::insert_grant(app, tx, who, &w, &person.id, &person.org_id, s, quota).await?;
    out.grant_id = Some(g.id);
    Ok(s)
}

/// Demand and use by tool and sector (government coordinators).
pub async fn demand(app: &AppState, who: &Principal) -> AppResult<Vec<DemandLine>> {
    who.require_scope(Scope::ModelsRead)?;
    if !is_coordinator(app, who).await? {
        return Err(AppError::forbidden(
            "demand and use are shown to government coordinators",
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::frontier::tools::demand(&mut conn).await?)
}

/// A government coordinator revokes approved access at once, with a
/// reason; a model entry's grant in its window is revoked with it. The
/// requester's organisation is told.
pub async fn revoke(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ToolReason,
) -> AppResult<ToolRequest> {
    let (r, t) = coordinators(app, who, id, "tool.revoke").await?;
    let why = reason(&input.reason)?;
    if r.state != "approved" {
        return Err(AppError::Conflict(format!(
            "only approved access is revoked; the request is {}",
            r.state
        )));
    }
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::frontier::tools::revoke(&mut tx, id, who.user_id(), &why, &now).await? {
        return Err(AppError::Conflict(
            "the request was changed meanwhile".into(),
        ));
    }
    let grant_revoked = match &r.grant_id {
        Some(g) => {
            store::frontier::window_grants::revoke(&mut tx, g, who.user_id(), &why, &now).await?
        }
        None => false,
    };
    let change = json!({"reason": why, "grant_id": r.grant_id, "grant_revoked": grant_revoked});
    record_audit(app, &mut tx, who, "tool.revoke", "tool_request", id, change).await?;
    if grant_revoked && let Some(g) = &r.grant_id {
        super::grant_notices::revoked_by_id(app, &mut tx, who, g).await?;
    }
    let what = format!("{}: {why}", t.name);
    let title = "Your access to a tool was revoked";
    tell(
        app,
        &mut tx,
        &r.org_id,
        NotificationKind::ToolAccessRevoked,
        id,
        title,
        &what,
    )
    .await?;
    let updated = store::frontier::tools::get_request(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    app.broker.invalidate();
    Ok(updated)
}
