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
//!
//! This file holds the entries (list, read, take off the list) and the
//! helpers both halves share; requests and their decisions, revocation and
//! demand are `tool_requests.rs`. Taking an entry off the list (a
//! coordinator, or the developer offering a model entry) stops new
//! requests and declines the pending ones, their organisations told;
//! approved access stays (and stays shown) until it ends or is revoked.

use clearinghouse_domain::frontier::access;
use clearinghouse_domain::frontier::access::catalog::{
    self, Eligibility, MAX_DESCRIPTION_CHARS, MAX_TERMS_CHARS, ToolKind,
};
use clearinghouse_domain::identity::{OrgKind, Role, Scope, Sector};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store::frontier::tools::ToolRow;
use crate::store::{self, Tx};
use crate::workflows::frontier::windows::{self, Standing};
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::{new_id, record_audit};

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
    #[schema(value_type = String)]
    pub kind: ToolKind,
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
    /// `listed`, or `withdrawn` (taken off the list: no new requests).
    pub state: String,
    /// Taken off the list: by whom, when and why.
    pub delisted_by: Option<String>,
    pub delisted_at: Option<String>,
    pub delist_reason: Option<String>,
    /// Whether your organisation may request it.
    pub eligible: bool,
    /// Why not, in plain words.
    pub ineligible_reason: Option<String>,
    pub created_at: String,
}

/// Why an entry is taken off the list, or an access revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolReason {
    /// 1 to 2000 characters.
    pub reason: String,
}

pub(super) fn invalid(e: access::AccessError) -> AppError {
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

pub(super) fn eligibility_of(t: &ToolRow) -> AppResult<Eligibility> {
    let bad = |e: serde_json::Error| AppError::internal("stored tool eligibility", e);
    let kinds: Vec<OrgKind> = serde_json::from_str(&t.org_kinds).map_err(bad)?;
    let sectors: Vec<Sector> = serde_json::from_str(&t.sectors).map_err(bad)?;
    Ok(Eligibility {
        org_kinds: kinds,
        sectors,
    })
}

pub(super) async fn is_coordinator(app: &AppState, who: &Principal) -> AppResult<bool> {
    Ok(who.has_role(Role::Coordinator) && windows::is_gov_admin(app, who).await?)
}

/// Audits a refused attempt in its own transaction and returns `err`.
pub(super) async fn refuse(
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
        kind,
        name: t.name,
        description: t.description,
        provider_org: t.provider_org,
        terms: t.terms,
        capacity: t.capacity,
        contact: t.contact,
        state: t.state,
        created_at: t.created_at,
        delisted_by: t.delisted_by,
        delisted_at: t.delisted_at,
        delist_reason: t.delist_reason,
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
        delisted_by: None,
        delisted_at: None,
        delist_reason: None,
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

pub(super) async fn readable_tool(app: &AppState, who: &Principal, id: &str) -> AppResult<ToolRow> {
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

/// A reason of at most `max` characters, without control characters.
pub(super) fn reason(text: &str) -> AppResult<String> {
    catalog::long_text("reason", text, 2000).map_err(invalid)
}

/// Takes an entry off the list: a government coordinator, or the
/// developer offering a model entry. No new requests; pending ones are
/// declined and their organisations told; approved access stays.
pub async fn delist(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ToolReason,
) -> AppResult<Tool> {
    who.require_scope(Scope::ModelsWrite)?;
    let t = readable_tool(app, who, id).await?;
    let offering_developer = t.kind == ToolKind::Model.as_str() && t.provider_org == who.org_id();
    if who.is_agent() || !(offering_developer || is_coordinator(app, who).await?) {
        let e = AppError::forbidden(
            "an entry is taken off the list by a government coordinator or the developer offering it",
        );
        return Err(refuse(app, who, "tool", id, "tool.delist", e).await);
    }
    let why = reason(&input.reason)?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::frontier::tools::delist(&mut tx, id, who.user_id(), &why, &now).await? {
        return Err(AppError::Conflict(
            "the entry is already off the list".into(),
        ));
    }
    let pending = store::frontier::tools::requests(&mut tx, id, "").await?;
    let mut declined = Vec::new();
    for r in pending.into_iter().filter(|r| r.state == "pending") {
        let out = store::frontier::tools::RequestRow {
            state: "declined".into(),
            decided_by: Some(who.user_id().to_owned()),
            decided_at: Some(now.clone()),
            decision_reason: Some(format!("the entry was taken off the list: {why}")),
            ..r
        };
        if store::frontier::tools::decide(&mut tx, &out).await? {
            let what = format!(
                "{}: {}",
                t.name,
                out.decision_reason.as_deref().unwrap_or("")
            );
            let title = "Your request for a tool was declined";
            tell(
                app,
                &mut tx,
                &out.org_id,
                NotificationKind::ToolRequestDecided,
                &out.id,
                title,
                &what,
            )
            .await?;
            declined.push(out.id);
        }
    }
    let change = json!({"reason": why, "declined_requests": declined});
    record_audit(app, &mut tx, who, "tool.delist", "tool", id, change).await?;
    let updated = store::frontier::tools::get_tool(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    view(app, who, updated).await
}

/// Tells an organisation of a request's news (inbox, webhooks).
pub(super) async fn tell(
    app: &AppState,
    tx: &mut Tx,
    org_id: &str,
    kind: NotificationKind,
    request_id: &str,
    title: &str,
    what: &str,
) -> AppResult<()> {
    let n = NewNotification::to_org(
        org_id,
        kind,
        title,
        format!("{what}."),
        json!({"tool_request_id": request_id}),
    );
    notifications::enqueue(app, tx, n).await
}
