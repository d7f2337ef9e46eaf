//! Grants of an access window to named people (never organisations), each
//! inside the window with a daily quota; acceptance of the exact terms
//! version (digest and time) before first use; revocation at once by the
//! developer, a government administrator or the person's own organisation
//! (its org admin); short-lived broker credentials; and the usage log as
//! each party may see it (the developer all of it, a grantee its own).
//!
//! Who may be granted: people of a government agency, of the developer's
//! own organisation, or of an approved trusted partner of the model
//! (`partners.rs`); a person of any other organisation is refused (422
//! `user_id`, in the same words as for an id that names no one, so the
//! answer tells nothing of other organisations' people). A coordinator's
//! approval of a request for a model-backed catalog entry
//! (`tool_requests.rs`) grants through [`insert_grant`] too.
//!
//! Grants by the government: the developer's organisation is told of every
//! grant someone outside it makes (inbox and webhooks, `window.granted`),
//! and a government administrator never grants themself access: the grant
//! must be made by a second person (another administrator), which is the
//! two-person rule in its simplest form, with no pending state: the second
//! person's own act is the approval, audited under their name and told to
//! the developer like any other.
//!
//! A person whose grants in a window are all revoked no longer reads the
//! window or its terms (404); they keep their own grant records and their
//! own use ([`of_window`], [`usage`], [`mine`], [`get`]).

use clearinghouse_domain::frontier::access::{self, GrantStatus, Quota, Span};
use clearinghouse_domain::identity::{OrgKind, Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::frontier::window_grants::{GrantRow, UsageRow};
use crate::store::frontier::windows::WindowRow;
use crate::workflows::frontier::grant_notices;
use crate::workflows::frontier::windows::{
    Standing, formerly_granted, now_secs, readable, refuse, secs, span, text_of,
};
use crate::workflows::new_id;

/// The one answer for a `user_id` that may not be granted: no such
/// person, a disabled one, or one of an organisation that is neither a
/// government agency, the developer nor an approved trusted partner.
pub(crate) const NOT_GRANTABLE: &str = "names no person who may be granted access in this window (people of \
     a government agency, of the developer, or of an approved trusted partner of the model)";

/// A grant to one person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    /// The person (a user id; not an organisation).
    pub user_id: String,
    /// RFC 3339; default the window's start (or now).
    pub starts_at: Option<String>,
    /// RFC 3339; default the window's end.
    pub ends_at: Option<String>,
    pub requests_per_day: i64,
    pub tokens_per_day: i64,
}

/// Acceptance of one exact terms version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub terms_version: i64,
    /// The SHA-256 (hex) of the terms text accepted.
    pub sha256: String,
}

/// Why a grant is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub reason: String,
}

/// A credential request: minutes of life (5 to 720, default 60).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    pub minutes: Option<i64>,
}

/// A grant as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grant {
    pub id: String,
    pub window_id: String,
    pub user_id: String,
    pub org_id: String,
    pub granted_by: String,
    pub starts_at: String,
    pub ends_at: String,
    pub requests_per_day: i64,
    pub tokens_per_day: i64,
    /// `active`, `not_yet`, `ended` or `revoked`, now.
    pub status: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    /// The terms version in force in the window (for a revoked grant: in
    /// force when it was revoked).
    pub terms_version: i64,
    /// Whether the person accepted that version.
    pub terms_accepted: bool,
    pub accepted_versions: Vec<i64>,
    pub created_at: String,
}

/// A fresh broker credential, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Credential {
    pub id: String,
    pub grant_id: String,
    /// Send as `Authorization: Bearer <token>` to `/broker/v1/...`.
    pub token: String,
    pub expires_at: String,
    /// The broker's OpenAI-compatible base path.
    pub base_path: String,
}

fn status_word(s: GrantStatus) -> &'static str {
    match s {
        GrantStatus::Active => "active",
        GrantStatus::NotYet => "not_yet",
        GrantStatus::Ended => "ended",
        GrantStatus::Revoked => "revoked",
    }
}

fn grant_span(g: &GrantRow) -> AppResult<Span> {
    Ok(Span {
        starts_at: secs("starts_at", &g.starts_at)?,
        ends_at: secs("ends_at", &g.ends_at)?,
    })
}

pub(crate) async fn view(app: &AppState, g: GrantRow) -> AppResult<Grant> {
    let mut conn = app.store.pool.acquire().await?;
    let w = store::frontier::windows::get(&mut conn, &g.window_id)
        .await?
        .ok_or_else(|| AppError::internal_msg("a grant without its window"))?;
    let accepted: Vec<i64> = store::frontier::window_grants::acceptances(&mut conn, &g.id)
        .await?
        .into_iter()
        .map(|a| a.0)
        .collect();
    let status = access::grant_status(
        grant_span(&g)?,
        span(&w)?,
        g.revoked_at.is_some(),
        w.state != "open",
        now_secs(),
    );
    // A revoked grant shows the terms as they were when it was revoked:
    // later versions are not its holder's to see.
    let terms_version = match &g.revoked_at {
        Some(at) => store::frontier::windows::terms(&mut conn, &w.id)
            .await?
            .iter()
            .filter(|t| t.created_at <= *at)
            .map(|t| t.version)
            .max()
            .unwrap_or(1),
        None => w.terms_version,
    };
    Ok(Grant {
        status: status_word(status).into(),
        terms_accepted: accepted.contains(&terms_version),
        terms_version,
        accepted_versions: accepted,
        id: g.id,
        window_id: g.window_id,
        user_id: g.user_id,
        org_id: g.org_id,
        granted_by: g.granted_by,
        starts_at: g.starts_at,
        ends_at: g.ends_at,
        requests_per_day: g.requests_per_day,
        tokens_per_day: g.tokens_per_day,
        revoked_at: g.revoked_at,
        revoked_by: g.revoked_by,
        revoke_reason: g.revoke_reason,
        created_at: g.created_at,
    })
}

pub async fn grant(
    app: &AppState,
    who: &Principal,
    window_id: &str,
    input: NewGrant,
) -> AppResult<Grant> {
    who.require_scope(Scope::ModelsWrite)?;
    let (w, standing) = readable(app, who, window_id).await?;
    if standing == Standing::Grantee {
        let e =
            AppError::forbidden("only the developer or a government administrator grants access");
        return Err(refuse(app, who, "window", window_id, "grant.create", e).await);
    }
    if w.state != "open" {
        return Err(AppError::invalid(
            "window",
            "is closed; no grant can be made in it",
        ));
    }
    let not_grantable = || AppError::invalid("user_id", NOT_GRANTABLE);
    let person = store::accounts::users::get(&app.store.pool, &input.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(not_grantable)?;
    let org = store::accounts::orgs::get(&app.store.pool, &person.org_id)
        .await?
        .filter(|o| o.archived_at.is_none())
        .ok_or_else(not_grantable)?;
    let mut conn = app.store.pool.acquire().await?;
    let partner = super::partners::is_partner(&mut conn, &w.model_id, &person.org_id).await?;
    drop(conn);
    if org.kind != OrgKind::GovernmentAgency && person.org_id != w.developer_org && !partner {
        return Err(not_grantable());
    }
    let quota = Quota::new(input.requests_per_day, input.tokens_per_day)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let starts = input
        .starts_at
        .as_deref()
        .map(|t| secs("starts_at", t))
        .transpose()?;
    let ends = input
        .ends_at
        .as_deref()
        .map(|t| secs("ends_at", t))
        .transpose()?;
    let s = access::plan_grant(span(&w)?, starts, ends, now_secs())
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let mut tx = app.store.begin_write().await?;
    let row = match insert_grant(app, &mut tx, who, &w, &person.id, &person.org_id, s, quota).await
    {
        Ok(row) => row,
        Err(e @ AppError::Forbidden(_)) => {
            drop(tx);
            return Err(refuse(app, who, "window", window_id, "grant.create", e).await);
        }
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    view(app, row).await
}

/// Stores a grant to one person (refused while the person holds an
/// unrevoked grant in the window) with its audit entry, in the caller's
/// transaction. The caller has checked who may be granted and planned the
/// span inside the window. Someone outside the developer's organisation
/// (the government) may not grant themself (403) and the developer is told
/// of each grant they make.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_grant(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    w: &WindowRow,
    user_id: &str,
    org_id: &str,
    s: Span,
    quota: Quota,
) -> AppResult<GrantRow> {
    let by_government = who.org_id() != w.developer_org;
    if by_government && who.user_id() == user_id {
        return Err(AppError::forbidden(
            "a government administrator does not grant themself access; a second administrator \
             grants it (two-person rule), and the developer is told",
        ));
    }
    let window_id = w.id.as_str();
    let row = GrantRow {
        id: new_id(),
        window_id: window_id.to_owned(),
        user_id: user_id.to_owned(),
        org_id: org_id.to_owned(),
        granted_by: who.user_id().to_owned(),
        starts_at: text_of(s.starts_at)?,
        ends_at: text_of(s.ends_at)?,
        requests_per_day: quota.requests_per_day,
        tokens_per_day: quota.tokens_per_day,
        created_at: clock::now_text(),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
    };
    let existing = store::frontier::window_grants::of_window(tx, window_id, Some(user_id)).await?;
    if existing.iter().any(|g| g.revoked_at.is_none()) {
        return Err(AppError::Conflict(
            "this person already holds a grant in this window; revoke it first".into(),
        ));
    }
    store::frontier::window_grants::insert(tx, &row).await?;
    let event = AuditEvent {
        action: "grant.create",
        object_type: "window_grant",
        object_id: &row.id,
        change: json!({"window_id": row.window_id, "user_id": row.user_id, "starts_at": row.starts_at,
            "ends_at": row.ends_at, "requests_per_day": row.requests_per_day, "tokens_per_day": row.tokens_per_day}),
    };
    app.audit.record(tx, &app.store, who, &[event]).await?;
    if by_government {
        grant_notices::granted(app, tx, w, &row).await?;
    }
    Ok(row)
}

/// Grants of a window: all of them for the developer and government
/// administrators, the caller's own for a grantee.
pub async fn of_window(app: &AppState, who: &Principal, window_id: &str) -> AppResult<Vec<Grant>> {
    let (w, standing) = reader(app, who, window_id).await?;
    let only = (standing == Standing::Grantee).then(|| who.user_id());
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::window_grants::of_window(&mut conn, &w.id, only).await?;
    drop(conn);
    let mut out = Vec::with_capacity(rows.len());
    for g in rows {
        out.push(view(app, g).await?);
    }
    Ok(out)
}

/// How the caller reads a window's grants and use: as [`readable`] says,
/// or as a grantee (their own rows only) when all their grants in it were
/// revoked.
async fn reader(app: &AppState, who: &Principal, id: &str) -> AppResult<(WindowRow, Standing)> {
    match readable(app, who, id).await {
        Err(AppError::NotFound) => Ok((formerly_granted(app, who, id).await?, Standing::Grantee)),
        other => other,
    }
}

/// The caller's own grants, in every window.
pub async fn mine(app: &AppState, who: &Principal) -> AppResult<Vec<Grant>> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::window_grants::of_user(&mut conn, who.user_id()).await?;
    drop(conn);
    let mut out = Vec::with_capacity(rows.len());
    for g in rows {
        out.push(view(app, g).await?);
    }
    Ok(out)
}

/// A grant the caller may see: its person, the window's developer, a
/// government administrator, or the person's org admin. Else 404.
async fn visible(app: &AppState, who: &Principal, id: &str) -> AppResult<(GrantRow, bool)> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let g = store::frontier::window_grants::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if g.user_id == who.user_id() {
        return Ok((g, false));
    }
    if g.org_id == who.org_id() && who.has_role(Role::OrgAdmin) {
        return Ok((g, true));
    }
    match readable(app, who, &g.window_id).await {
        Ok((_, Standing::Developer | Standing::GovAdmin)) => Ok((g, true)),
        _ => Err(AppError::NotFound),
    }
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Grant> {
    let (g, _) = visible(app, who, id).await?;
    view(app, g).await
}

/// For the person holding a grant (or anyone who may see it): its window
/// and the exact model name to send to the broker (N12), which the
/// window page otherwise withholds from grantees as "a covered model".
pub async fn broker_model(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(String, String)> {
    let (g, _) = visible(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let name = store::frontier::windows::model_name(&mut conn, &g.window_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((g.window_id, name))
}

pub async fn accept(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: Acceptance,
) -> AppResult<Grant> {
    who.require_scope(Scope::ModelsWrite)?;
    let (g, _) = visible(app, who, id).await?;
    if g.user_id != who.user_id() || who.is_agent() {
        let e = AppError::forbidden("only the person granted access accepts its terms, in person");
        return Err(refuse(app, who, "window_grant", id, "terms.accept", e).await);
    }
    let mut tx = app.store.begin_write().await?;
    let w = store::frontier::windows::get(&mut tx, &g.window_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if input.terms_version != w.terms_version {
        return Err(AppError::invalid(
            "terms_version",
            format!("the terms in force are version {}", w.terms_version),
        ));
    }
    let terms = store::frontier::windows::terms(&mut tx, &w.id).await?;
    let current = terms
        .iter()
        .find(|t| t.version == w.terms_version)
        .ok_or_else(|| AppError::internal_msg("window without its terms version"))?;
    if !input.sha256.eq_ignore_ascii_case(&current.sha256) {
        return Err(AppError::invalid(
            "sha256",
            format!(
                "does not match terms version {} (read them again)",
                current.version
            ),
        ));
    }
    let now = clock::now_text();
    store::frontier::window_grants::accept(&mut tx, &g.id, current.version, &current.sha256, &now)
        .await?;
    let event = AuditEvent {
        action: "terms.accept",
        object_type: "window_grant",
        object_id: &g.id,
        change: json!({"window_id": w.id, "terms_version": current.version, "sha256": current.sha256, "accepted_at": now}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    app.broker.invalidate();
    view(app, g).await
}

pub async fn revoke(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: Revocation,
) -> AppResult<Grant> {
    who.require_scope(Scope::ModelsWrite)?;
    let (g, may_manage) = visible(app, who, id).await?;
    if !may_manage {
        let e = AppError::forbidden(
            "a grant is revoked by the developer, a government administrator or the person's organisation admin",
        );
        return Err(refuse(app, who, "window_grant", id, "grant.revoke", e).await);
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 || reason.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "reason",
            "must be 1 to 1000 characters without control characters",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let now = clock::now_text();
    if !store::frontier::window_grants::revoke(&mut tx, &g.id, who.user_id(), reason, &now).await? {
        return Err(AppError::Conflict("the grant is already revoked".into()));
    }
    let event = AuditEvent {
        action: "grant.revoke",
        object_type: "window_grant",
        object_id: &g.id,
        change: json!({"window_id": g.window_id, "reason": reason}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let updated = store::frontier::window_grants::get(&mut tx, &g.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let window = store::frontier::windows::get(&mut tx, &g.window_id)
        .await?
        .ok_or(AppError::NotFound)?;
    grant_notices::revoked(app, &mut tx, who, &window, &updated).await?;
    tx.commit().await?;
    app.broker.invalidate();
    view(app, updated).await
}

/// A short-lived credential for the grant's person, while the grant holds
/// and the current terms are accepted.
pub async fn credential(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: CredentialRequest,
) -> AppResult<Credential> {
    who.require_scope(Scope::ModelsWrite)?;
    let (g, _) = visible(app, who, id).await?;
    if g.user_id != who.user_id() || who.is_agent() {
        let e =
            AppError::forbidden("a broker credential is issued only to the person granted access");
        return Err(refuse(app, who, "window_grant", id, "credential.issue", e).await);
    }
    let mut conn = app.store.pool.acquire().await?;
    let w = store::frontier::windows::get(&mut conn, &g.window_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let accepted = store::frontier::window_grants::acceptances(&mut conn, &g.id).await?;
    drop(conn);
    let now = now_secs();
    let (gs, ws) = (grant_span(&g)?, span(&w)?);
    match access::grant_status(gs, ws, g.revoked_at.is_some(), w.state != "open", now) {
        GrantStatus::Active => {}
        GrantStatus::Revoked => return Err(AppError::forbidden("grant: revoked")),
        GrantStatus::Ended => {
            return Err(AppError::invalid(
                "grant",
                "has ended (or its window closed)",
            ));
        }
        GrantStatus::NotYet => return Err(AppError::invalid("grant", "has not started yet")),
    }
    if !accepted.iter().any(|a| a.0 == w.terms_version) {
        return Err(AppError::invalid(
            "terms_version",
            format!("accept terms version {} before first use", w.terms_version),
        ));
    }
    let expires = access::credential_expiry(now, input.minutes, gs, ws)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let token = format!("chb_{}", hex::encode(crate::auth::secrets::random_bytes()));
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let cred_id = new_id();
    let expires_at = text_of(expires)?;
    let mut tx = app.store.begin_write().await?;
    store::frontier::window_grants::insert_credential(
        &mut tx,
        &cred_id,
        &g.id,
        &hash,
        &clock::now_text(),
        &expires_at,
    )
    .await?;
    let event = AuditEvent {
        action: "broker_credential.issue",
        object_type: "window_grant",
        object_id: &g.id,
        change: json!({"credential_id": cred_id, "expires_at": expires_at}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(Credential {
        id: cred_id,
        grant_id: g.id,
        token,
        expires_at,
        base_path: "/broker/v1".into(),
    })
}

/// Use of a window: all of it for the developer, the caller's own for
/// everyone else who may read the window. Newest first, at most `limit`
/// (default 100, at most 1000).
pub async fn usage(
    app: &AppState,
    who: &Principal,
    window_id: &str,
    limit: Option<i64>,
) -> AppResult<Vec<UsageRow>> {
    let (w, standing) = reader(app, who, window_id).await?;
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let only = (standing != Standing::Developer).then(|| who.user_id());
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::frontier::window_grants::usage(&mut conn, &w.id, only, limit).await?)
}
