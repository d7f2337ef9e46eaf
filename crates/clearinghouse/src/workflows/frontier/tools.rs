//! The catalog of defensive tools and services for operators (Sec.
//! 2(c)(iii)): hosted scanners and managed detection listed by government
//! coordinators, and covered models offered for defence by their
//! developers (an entry served through one of the developer's access
//! windows). Eligible organisations request access with a purpose; a
//! coordinator approves with a time box and a daily quota, or declines.
//! Approving a model entry's request grants the requester in the entry's
//! window (`window_grants::insert_grant`), so its use goes through the same
//! broker, credentials, terms acceptance, usage log and alerts: there is no
//! second proxy. The rules are the domain's (`frontier::access::catalog`).
//!
//! Who sees what: every signed-in person sees the listed entries, each
//! with whether their organisation may request it and why not; a request
//! is read by its organisation, the entry's provider and government
//! coordinators (anyone else: 404); coordinators see demand and use by
//! sector. Refusals of what the caller may not do (an ineligible request,
//! someone else listing or deciding) are audited as `tool.refused`.

use clearinghouse_domain::frontier::access::catalog::{
    self, Eligibility, MAX_DESCRIPTION_CHARS, MAX_PURPOSE_CHARS, MAX_TERMS_CHARS, ToolKind,
};
use clearinghouse_domain::frontier::access::{self, DAY_SECS, Quota, Span};
use clearinghouse_domain::identity::{OrgKind, Role, Scope, Sector};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store::frontier::tools::{RequestRow, ToolRow};
use crate::store::{self, Tx};
use crate::workflows::frontier::window_grants;
use crate::workflows::frontier::windows::{self, Standing, now_secs, secs, span, text_of};
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::{new_id, record_audit};

/// The longest time box of a service entry's approval (a model entry's
/// lies inside its window).
pub const MAX_SERVICE_DAYS: i64 = 366;

/// A new catalog entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTool {
    /// `hosted_scanner`, `managed_detection` or `model`.
    pub kind: String,
    pub name: String,
    pub description: String,
    /// For `model`: the access window (yours, open) that serves it.
    pub window_id: Option<String>,
    /// Organisation kinds that may request it (at least one).
    pub org_kinds: Vec<String>,
    /// Sectors of critical infrastructure operators that may request it
    /// (none: any sector).
    #[serde(default)]
    pub sectors: Vec<String>,
    pub terms: String,
    /// How many organisations may hold approved access at once.
    pub capacity: i64,
    /// Who to ask (a name, an address or a telephone number).
    pub contact: String,
}

/// A catalog entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tool {
    pub id: String,
    pub kind: String,
    /// The kind in plain words.
    pub kind_label: String,
    pub name: String,
    pub description: String,
    pub provider_org: String,
    /// The serving window: shown to the provider and government
    /// coordinators only.
    pub window_id: Option<String>,
    pub org_kinds: Vec<String>,
    pub sectors: Vec<String>,
    pub terms: String,
    pub capacity: i64,
    /// Organisations holding approved access now.
    pub holding: i64,
    pub contact: String,
    /// `listed` or `withdrawn`.
    pub state: String,
    /// Whether your organisation may request it.
    pub eligible: bool,
    /// Why not, in plain words.
    pub ineligible_reason: Option<String>,
    pub created_at: String,
}

/// A request for an entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToolRequest {
    /// What the organisation will use it for (1 to 2000 characters).
    pub purpose: String,
}

/// A request as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolRequest {
    pub id: String,
    pub tool_id: String,
    pub tool_name: String,
    pub org_id: String,
    pub user_id: String,
    pub org_kind: String,
    pub sector: Option<String>,
    pub purpose: String,
    /// `pending`, `approved` or `declined`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub requests_per_day: Option<i64>,
    pub tokens_per_day: Option<i64>,
    /// For a model entry: the grant in its window (accept its terms, then
    /// take a broker credential under `/grants/{id}`).
    pub grant_id: Option<String>,
    pub created_at: String,
}

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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandLine {
    pub tool_id: String,
    pub tool_name: String,
    pub org_kind: String,
    pub sector: Option<String>,
    pub pending: i64,
    pub approved: i64,
    pub declined: i64,
    /// Successful brokered calls through the grants approvals made.
    pub calls: i64,
    pub tokens: i64,
}

fn invalid(e: access::AccessError) -> AppError {
    AppError::invalid(e.field, e.reason)
}

fn names<T: std::str::FromStr>(field: &'static str, items: &[String]) -> AppResult<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    if items.len() > 32 {
        return Err(AppError::invalid(field, "name at most 32"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parse::<T>()
                .map_err(|e| AppError::invalid(format!("{field}[{i}]"), e.to_string()))
        })
        .collect()
}

fn eligibility_of(t: &ToolRow) -> AppResult<Eligibility> {
    let bad = |e: serde_json::Error| AppError::internal("stored tool eligibility", e);
    let kinds: Vec<OrgKind> = serde_json::from_str(&t.org_kinds).map_err(bad)?;
    let sectors: Vec<Sector> = serde_json::from_str(&t.sectors).map_err(bad)?;
    Ok(Eligibility {
        org_kinds: kinds,
        sectors,
    })
}

async fn is_coordinator(app: &AppState, who: &Principal) -> AppResult<bool> {
    Ok(who.has_role(Role::Coordinator) && windows::is_gov_admin(app, who).await?)
}

/// Audits a refused attempt in its own transaction and returns `err`.
async fn refuse(
    app: &AppState,
    who: &Principal,
    object_type: &'static str,
    id: &str,
    attempted: &str,
    err: AppError,
) -> AppError {
    let recorded = async {
        let mut tx = app.store.begin_write().await?;
        let change = json!({"attempted": attempted, "reason": err.to_string()});
        record_audit(app, &mut tx, who, "tool.refused", object_type, id, change).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    match recorded.await {
        Ok(()) => err,
        Err(e) => e,
    }
}

async fn view(app: &AppState, who: &Principal, t: ToolRow) -> AppResult<Tool> {
    let e = eligibility_of(&t)?;
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    let verdict = match &org {
        Some(o) => catalog::eligible(&e, o.kind, o.sector).err(),
        None => None,
    };
    let insider = who.org_id() == t.provider_org || is_coordinator(app, who).await?;
    let mut conn = app.store.pool.acquire().await?;
    let holding = store::frontier::tools::holding(&mut conn, &t.id, &clock::now_text()).await?;
    let kind = ToolKind::parse(&t.kind).map_err(|e| AppError::internal_msg(e.to_string()))?;
    Ok(Tool {
        eligible: org.is_some() && verdict.is_none(),
        ineligible_reason: verdict.map(|v| v.reason),
        holding,
        kind_label: kind.label().into(),
        window_id: t.window_id.filter(|_| insider),
        org_kinds: e.org_kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        sectors: e.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
        id: t.id,
        kind: t.kind,
        name: t.name,
        description: t.description,
        provider_org: t.provider_org,
        terms: t.terms,
        capacity: t.capacity,
        contact: t.contact,
        state: t.state,
        created_at: t.created_at,
    })
}

/// Lists an entry: a model entry by the developer of its open window,
/// any other by a government coordinator.
pub async fn create(app: &AppState, who: &Principal, input: NewTool) -> AppResult<Tool> {
    who.require_scope(Scope::ModelsWrite)?;
    let kind = ToolKind::parse(&input.kind).map_err(invalid)?;
    let window = match (kind, &input.window_id) {
        (ToolKind::Model, Some(id)) => {
            let found = windows::readable(app, who, id).await;
            match found {
                Ok((w, Standing::Developer)) => Some(w),
                Ok(_) => {
                    let e = AppError::forbidden(
                        "a covered model is offered for defence by its developer only",
                    );
                    return Err(refuse(app, who, "window", id, "tool.create", e).await);
                }
                Err(AppError::NotFound) => {
                    return Err(AppError::invalid("window_id", "no such access window"));
                }
                Err(e) => return Err(e),
            }
        }
        (ToolKind::Model, None) => {
            return Err(AppError::invalid(
                "window_id",
                "a model entry names the access window that serves it",
            ));
        }
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "window_id",
                "only a model entry is served through an access window",
            ));
        }
        (_, None) => {
            if !is_coordinator(app, who).await? {
                let e = AppError::forbidden(
                    "hosted scanners and managed detection are listed by government coordinators",
                );
                return Err(refuse(app, who, "tool", "-", "tool.create", e).await);
            }
            None
        }
    };
    if let Some(w) = &window
        && w.state != "open"
    {
        return Err(AppError::invalid("window_id", "the window is closed"));
    }
    let name = catalog::line("name", &input.name).map_err(invalid)?;
    let description = catalog::long_text("description", &input.description, MAX_DESCRIPTION_CHARS)
        .map_err(invalid)?;
    let terms = catalog::long_text("terms", &input.terms, MAX_TERMS_CHARS).map_err(invalid)?;
    let contact = catalog::line("contact", &input.contact).map_err(invalid)?;
    let capacity = catalog::capacity(input.capacity).map_err(invalid)?;
    let e = Eligibility::new(
        names("org_kinds", &input.org_kinds)?,
        names("sectors", &input.sectors)?,
    )
    .map_err(invalid)?;
    let now = clock::now_text();
    let row = ToolRow {
        id: new_id(),
        kind: kind.as_str().into(),
        name,
        description,
        provider_org: window
            .as_ref()
            .map_or_else(|| who.org_id().to_owned(), |w| w.developer_org.clone()),
        window_id: window.map(|w| w.id),
        org_kinds: json!(e.org_kinds).to_string(),
        sectors: json!(e.sectors).to_string(),
        terms,
        capacity,
        contact,
        state: "listed".into(),
        created_by: who.user_id().to_owned(),
        created_at: now.clone(),
        updated_at: now,
    };
    let mut tx = app.store.begin_write().await?;
    store::frontier::tools::insert_tool(&mut tx, &row).await?;
    let change = json!({"kind": row.kind, "name": row.name, "window_id": row.window_id,
        "org_kinds": e.org_kinds, "sectors": e.sectors, "capacity": row.capacity});
    record_audit(app, &mut tx, who, "tool.create", "tool", &row.id, change).await?;
    tx.commit().await?;
    view(app, who, row).await
}

/// The listed entries (and, for their provider and coordinators, withdrawn
/// ones), each with whether the caller's organisation may request it.
/// `eligible_only`: what the caller may request.
pub async fn list(app: &AppState, who: &Principal, eligible_only: bool) -> AppResult<Vec<Tool>> {
    who.require_scope(Scope::ModelsRead)?;
    let coordinator = is_coordinator(app, who).await?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::tools::tools(&mut conn).await?;
    drop(conn);
    let mut out = Vec::new();
    for t in rows {
        if t.state == "listed" || coordinator || t.provider_org == who.org_id() {
            let v = view(app, who, t).await?;
            if !eligible_only || (v.eligible && v.state == "listed") {
                out.push(v);
            }
        }
    }
    Ok(out)
}

async fn readable_tool(app: &AppState, who: &Principal, id: &str) -> AppResult<ToolRow> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let t = store::frontier::tools::get_tool(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if t.state == "listed" || t.provider_org == who.org_id() || is_coordinator(app, who).await? {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Tool> {
    let t = readable_tool(app, who, id).await?;
    view(app, who, t).await
}

fn request_view(r: RequestRow, tool_name: String) -> ToolRequest {
    ToolRequest {
        id: r.id,
        tool_id: r.tool_id,
        tool_name,
        org_id: r.org_id,
        user_id: r.user_id,
        org_kind: r.org_kind,
        sector: r.sector,
        purpose: r.purpose,
        state: r.state,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        decision_reason: r.decision_reason,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        requests_per_day: r.requests_per_day,
        tokens_per_day: r.tokens_per_day,
        grant_id: r.grant_id,
        created_at: r.created_at,
    }
}

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
    Ok(request_view(row, t.name))
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
        && !["pending", "approved", "declined"].contains(&s)
    {
        return Err(AppError::invalid(
            "state",
            "must be pending, approved or declined",
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
            out.push(request_view(r, t.name.clone()));
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
    let (r, t) = readable_request(app, who, id).await?;
    Ok(request_view(r, t.name))
}

/// A government coordinator approves (time box and quota; a model entry's
/// approval grants the requester in its window) or declines.
pub async fn decide(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ToolDecision,
) -> AppResult<ToolRequest> {
    who.require_scope(Scope::ModelsWrite)?;
    let (r, t) = readable_request(app, who, id).await?;
    if !is_coordinator(app, who).await? || who.is_agent() {
        let e = AppError::forbidden("requests for tools are decided by a government coordinator");
        return Err(refuse(app, who, "tool_request", id, "tool.decide", e).await);
    }
    if r.state != "pending" {
        return Err(AppError::Conflict(format!(
            "the request is already {}",
            r.state
        )));
    }
    let reason = input
        .reason
        .as_deref()
        .map(|s| catalog::long_text("reason", s, 2000))
        .transpose()
        .map_err(invalid)?;
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
            let s = approve_span(app, &mut tx, who, &r, &t, starts, ends, quota, &mut out).await?;
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
    Ok(request_view(out, t.name))
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
    let g = window_grants::insert_grant(app, tx, who, &w.id, &person.id, &person.org_id, s, quota)
        .await?;
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
    let tools = store::frontier::tools::tools(&mut conn).await?;
    let rows = store::frontier::tools::demand(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|d| DemandLine {
            tool_name: tools
                .iter()
                .find(|t| t.id == d.tool_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            tool_id: d.tool_id,
            org_kind: d.org_kind,
            sector: d.sector,
            pending: d.pending,
            approved: d.approved,
            declined: d.declined,
            calls: d.calls,
            tokens: d.tokens,
        })
        .collect())
}

async fn tell(
    app: &AppState,
    tx: &mut Tx,
    org_id: &str,
    kind: NotificationKind,
    request_id: &str,
    title: &str,
    what: &str,
) -> AppResult<()> {
    let n = NewNotification {
        org_id: org_id.to_owned(),
        kind,
        exposure_id: None,
        vuln_id: None,
        tlp: "AMBER".into(),
        visibility: String::new(),
        title: title.to_owned(),
        body: format!("{what}."),
        data: json!({"tool_request_id": request_id}),
    };
    notifications::enqueue(app, tx, n).await
}
