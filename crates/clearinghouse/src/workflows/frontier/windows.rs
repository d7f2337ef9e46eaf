//! Access windows (Sec. 3(b)(ii)): the developer of a model designated
//! covered opens a window of at most 30 days ending no later than its
//! planned partner release, with versioned terms (SHA-256) and its
//! OpenAI-compatible endpoint (base URL and secret sealed under the
//! key-encryption key, bound to the window id, never returned). The rules
//! are the domain's (`frontier::access`).
//!
//! Who reads a window: the developer's organisation (it must read the
//! model, too), the people holding an unrevoked grant in it, and government
//! administrators (coordinators and platform admins of a government agency)
//! who may read the model under its labels. Anyone else: 404 — a person
//! whose grants were all revoked too ([`formerly_granted`] lets them keep
//! reading their own grant records and use, nothing else).
//!
//! Forbidden attempts (someone other than the developer opening a window or
//! changing its terms) are audited as `window.refused`; nothing else is
//! stored.

use clearinghouse_domain::envelope;
use clearinghouse_domain::frontier::access::{self, Span, Terms, WindowState};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::{OrgKind, Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::frontier::windows::{TermsRow, WindowRow};
use crate::workflows::frontier::{endpoint_guard, models};
use crate::workflows::new_id;

/// What the developer sends to open a window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// RFC 3339; not in the past.
    pub starts_at: String,
    /// RFC 3339; at most 30 days after `starts_at` and no later than the
    /// model's planned partner release (00:00 UTC).
    pub ends_at: String,
    /// Confidentiality, cybersecurity, insider-risk, IP, use and
    /// non-disclosure terms (at most 64 KiB). Version 1.
    pub terms: String,
    /// The model's OpenAI-compatible base URL (e.g. `https://api.lab.example/v1`).
    pub endpoint_url: String,
    /// The developer's secret for that endpoint; sealed, never shown again.
    pub endpoint_secret: String,
    /// Keep each call's prompt and completion, sealed, readable by the
    /// developer only (default false: never stored). The terms text then
    /// carries a clause saying so, covered by its digest.
    #[serde(default)]
    pub keep_transcripts: bool,
}

/// A new version of a window's terms; every grantee must accept it anew.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerms {
    pub terms: String,
    /// As for a new window; each version says it anew (default false).
    #[serde(default)]
    pub keep_transcripts: bool,
}

/// A window as the API shows it (never the endpoint or its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Window {
    pub id: String,
    pub model_id: String,
    pub developer_org: String,
    pub created_by: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The end first asked for; `ends_at` only ever moves earlier.
    pub requested_ends_at: String,
    /// `open` or `closed`.
    #[schema(value_type = String)]
    pub state: WindowState,
    pub closed_reason: Option<String>,
    pub closed_at: Option<String>,
    pub terms_version: i64,
    pub terms_sha256: String,
    pub created_at: String,
}

/// One version of the terms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermsView {
    pub window_id: String,
    pub version: i64,
    pub sha256: String,
    pub text: String,
    pub created_at: String,
    /// Calls under this version keep a sealed transcript (the developer's
    /// to read).
    pub keep_transcripts: bool,
}

impl From<TermsRow> for TermsView {
    fn from(t: TermsRow) -> Self {
        TermsView {
            window_id: t.window_id,
            version: t.version,
            sha256: t.sha256,
            text: t.body,
            created_at: t.created_at,
            keep_transcripts: t.keep_transcripts,
        }
    }
}

/// Unix seconds of a stored or submitted RFC 3339 time (field `field`).
pub(crate) fn secs(field: &'static str, text: &str) -> AppResult<i64> {
    clock::parse(text)
        .map(OffsetDateTime::unix_timestamp)
        .ok_or_else(|| {
            AppError::invalid(
                field,
                "must be an RFC 3339 time such as 2027-01-15T08:00:00Z",
            )
        })
}

/// The stored form of Unix seconds.
pub(crate) fn text_of(secs: i64) -> AppResult<String> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(clock::format)
        .map_err(|e| AppError::internal("a time out of range", e))
}

pub(crate) fn now_secs() -> i64 {
    clock::now().unix_timestamp()
}

/// A window's span as stored.
pub(crate) fn span(w: &WindowRow) -> AppResult<Span> {
    let bad = |e: &str| AppError::internal_msg(format!("stored window {}: {e}", w.id));
    Ok(Span {
        starts_at: clock::parse(&w.starts_at)
            .ok_or_else(|| bad("starts_at"))?
            .unix_timestamp(),
        ends_at: clock::parse(&w.ends_at)
            .ok_or_else(|| bad("ends_at"))?
            .unix_timestamp(),
    })
}

/// Coordinators and platform admins of a government agency.
pub(crate) async fn is_gov_admin(app: &AppState, who: &Principal) -> AppResult<bool> {
    if !who.has_any_role(&[Role::Coordinator, Role::PlatformAdmin]) {
        return Ok(false);
    }
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    Ok(org.is_some_and(|o| o.kind == OrgKind::GovernmentAgency))
}

/// Audits a forbidden attempt in its own transaction and returns `err`.
pub(crate) async fn refuse(
    app: &AppState,
    who: &Principal,
    object_type: &'static str,
    object_id: &str,
    attempted: &str,
    err: AppError,
) -> AppError {
    let recorded = async {
        let mut tx = app.store.begin_write().await?;
        let event = AuditEvent {
            action: "window.refused",
            object_type,
            object_id,
            change: json!({"attempted": attempted, "reason": err.to_string()}),
        };
        app.audit.record(&mut tx, &app.store, who, &[event]).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    match recorded.await {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// The endpoint as sealed in a window row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    pub base_url: String,
    pub secret: String,
}

pub(crate) fn seal_endpoint(app: &AppState, window_id: &str, e: &Endpoint) -> AppResult<String> {
    let plain = serde_json::to_vec(e).map_err(|e| AppError::internal("endpoint", e))?;
    let sealed = envelope::try_seal(&app.kek, &plain, window_id.as_bytes())
        .map_err(|e| AppError::internal("sealing the endpoint", e))?;
    Ok(hex::encode(sealed.to_bytes()))
}

/// Unseals a window's endpoint (the broker's use only).
pub fn open_endpoint(app: &AppState, window_id: &str, sealed_hex: &str) -> AppResult<Endpoint> {
    let bytes = hex::decode(sealed_hex).map_err(|e| AppError::internal("stored endpoint", e))?;
    let sealed = envelope::Sealed::from_bytes(&bytes)
        .map_err(|e| AppError::internal("stored endpoint", e))?;
    let plain = envelope::open(&app.kek, &sealed, window_id.as_bytes()).map_err(|e| {
        AppError::internal(
            "unsealing the endpoint (is --kek-file the installation's key?)",
            e,
        )
    })?;
    serde_json::from_slice(&plain).map_err(|e| AppError::internal("stored endpoint", e))
}

/// An http(s) base URL without credentials, query or fragment; loopback,
/// private, link-local, shared and IPv4-mapped addresses (written or
/// resolved) only where the installation allows them
/// (`allow_private_webhooks`, the same outbound rule as webhooks; the
/// broker checks the resolved addresses again on every call).
async fn endpoint_url(text: &str, allow_private: bool) -> AppResult<String> {
    let field = "endpoint_url";
    let text = text.trim();
    if text.len() > 2000 {
        return Err(AppError::invalid(field, "must be at most 2000 characters"));
    }
    let url = url::Url::parse(text)
        .map_err(|e| AppError::invalid(field, format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::invalid(field, "must be an http or https URL"));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(AppError::invalid(field, "must name a host"));
    };
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(AppError::invalid(
            field,
            "must not carry credentials or a query; put the secret in endpoint_secret",
        ));
    }
    if let Some(why) = endpoint_guard::refusal(&url, allow_private) {
        return Err(AppError::invalid(field, why));
    }
    if !allow_private
        && let Some(url::Host::Domain(name)) = url.host()
        && let Some(ip) =
            endpoint_guard::resolves_private(name, url.port_or_known_default().unwrap_or(443)).await
    {
        return Err(AppError::invalid(
            field,
            format!(
                "{host} resolves to {ip}, not a public address; the broker forwards only to \
                 public endpoints"
            ),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn endpoint_secret(text: &str) -> AppResult<String> {
    if text.is_empty() || text.len() > 4096 || text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "endpoint_secret",
            "must be 1 to 4096 characters without control characters",
        ));
    }
    Ok(text.to_owned())
}

pub(crate) async fn view(app: &AppState, w: WindowRow) -> AppResult<Window> {
    let mut conn = app.store.pool.acquire().await?;
    let terms = store::frontier::windows::terms(&mut conn, &w.id).await?;
    let sha = terms
        .iter()
        .find(|t| t.version == w.terms_version)
        .map(|t| t.sha256.clone())
        .unwrap_or_default();
    let state = WindowState::parse(&w.state).ok_or_else(|| {
        AppError::internal_msg(format!("window {} has state {:?}", w.id, w.state))
    })?;
    Ok(Window {
        id: w.id,
        model_id: w.model_id,
        developer_org: w.developer_org,
        created_by: w.created_by,
        starts_at: w.starts_at,
        ends_at: w.ends_at,
        requested_ends_at: w.requested_ends_at,
        state,
        closed_reason: w.closed_reason,
        closed_at: w.closed_at,
        terms_version: w.terms_version,
        terms_sha256: sha,
        created_at: w.created_at,
    })
}

pub async fn open(
    app: &AppState,
    who: &Principal,
    model_id: &str,
    input: NewWindow,
) -> AppResult<Window> {
    who.require_scope(Scope::ModelsWrite)?;
    let model = models::get(app, who, model_id).await?;
    if model.owner_org != who.org_id() {
        let e = AppError::forbidden("only the model's developer opens an access window");
        return Err(refuse(app, who, "model", model_id, "window.open", e).await);
    }
    let mut conn = app.store.pool.acquire().await?;
    if store::frontier::windows::withdrawal(&mut conn, model_id)
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "model",
            "was withdrawn from the framework",
        ));
    }
    if !store::frontier::windows::is_covered(&mut conn, model_id).await? {
        return Err(AppError::invalid(
            "model",
            "is not designated a covered frontier model (a communicated 'covered' designation is needed)",
        ));
    }
    drop(conn);
    let starts = secs("starts_at", &input.starts_at)?;
    let ends = secs("ends_at", &input.ends_at)?;
    let release = model
        .planned_partner_release
        .as_deref()
        .map(CalendarDate::parse)
        .transpose()
        .map_err(|e| AppError::internal("stored release date", e))?;
    let span = access::plan_window(starts, ends, now_secs(), release)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let terms = Terms::with_transcripts(&input.terms, input.keep_transcripts)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let endpoint = Endpoint {
        base_url: endpoint_url(&input.endpoint_url, app.settings.allow_private_webhooks).await?,
        secret: endpoint_secret(&input.endpoint_secret)?,
    };
    let id = new_id();
    let now = clock::now_text();
    let row = WindowRow {
        id: id.clone(),
        model_id: model.id.clone(),
        developer_org: model.owner_org.clone(),
        created_by: who.user_id().to_owned(),
        starts_at: text_of(span.starts_at)?,
        ends_at: text_of(span.ends_at)?,
        requested_ends_at: text_of(span.ends_at)?,
        terms_version: 1,
        endpoint_sealed: seal_endpoint(app, &id, &endpoint)?,
        state: "open".into(),
        closed_reason: None,
        closed_at: None,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let mut tx = app.store.begin_write().await?;
    store::frontier::windows::insert(&mut tx, &row).await?;
    store::frontier::windows::insert_terms(
        &mut tx,
        &TermsRow {
            window_id: id.clone(),
            version: 1,
            body: terms.text,
            sha256: terms.sha256.clone(),
            created_by: who.user_id().to_owned(),
            created_at: now,
            keep_transcripts: input.keep_transcripts,
        },
    )
    .await?;
    let event = AuditEvent {
        action: "window.open",
        object_type: "window",
        object_id: &id,
        change: json!({"model_id": row.model_id, "starts_at": row.starts_at, "ends_at": row.ends_at,
            "terms_version": 1, "terms_sha256": terms.sha256,
            "keep_transcripts": input.keep_transcripts}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    view(app, row).await
}

/// How the caller relates to a window it may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Developer,
    GovAdmin,
    Grantee,
}

/// The window if the caller may read it, and why; else 404.
pub async fn readable(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(WindowRow, Standing)> {
    let (w, mine) = with_mine(app, who, id).await?;
    if w.developer_org == who.org_id() && models::get(app, who, &w.model_id).await.is_ok() {
        return Ok((w, Standing::Developer));
    }
    if is_gov_admin(app, who).await? && models::get(app, who, &w.model_id).await.is_ok() {
        return Ok((w, Standing::GovAdmin));
    }
    if mine.iter().any(|g| g.revoked_at.is_none()) {
        return Ok((w, Standing::Grantee));
    }
    Err(AppError::NotFound)
}

/// The window of which the caller held grants, all revoked: they read
/// their own grant records and their own use there, not the window's
/// details or terms. Anyone else: 404.
pub async fn formerly_granted(app: &AppState, who: &Principal, id: &str) -> AppResult<WindowRow> {
    let (w, mine) = with_mine(app, who, id).await?;
    if mine.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(w)
}

/// The window (404 when there is none) and the caller's grants in it.
async fn with_mine(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(WindowRow, Vec<store::frontier::window_grants::GrantRow>)> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let w = store::frontier::windows::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine =
        store::frontier::window_grants::of_window(&mut conn, id, Some(who.user_id())).await?;
    Ok((w, mine))
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Window> {
    let (w, _) = readable(app, who, id).await?;
    view(app, w).await
}

/// Windows the caller may read, newest first.
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<Window>> {
    who.require_scope(Scope::ModelsRead)?;
    let gov = is_gov_admin(app, who).await?;
    let rows =
        store::frontier::windows::list_for(&app.store.pool, who.org_id(), who.user_id(), gov)
            .await?;
    let mut out = Vec::new();
    for w in rows {
        // The same rule as one window, row by row (models are labelled).
        if readable(app, who, &w.id).await.is_ok() {
            out.push(view(app, w).await?);
        }
    }
    Ok(out)
}

/// Every version of the terms, newest first.
pub async fn terms(app: &AppState, who: &Principal, id: &str) -> AppResult<Vec<TermsView>> {
    let (w, _) = readable(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::frontier::windows::terms(&mut conn, &w.id)
        .await?
        .into_iter()
        .map(TermsView::from)
        .collect())
}

/// The developer publishes a new terms version (acceptances start again).
pub async fn revise_terms(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewTerms,
) -> AppResult<Window> {
    who.require_scope(Scope::ModelsWrite)?;
    let (w, standing) = readable(app, who, id).await?;
    if standing != Standing::Developer {
        let e = AppError::forbidden("only the model's developer changes a window's terms");
        return Err(refuse(app, who, "window", id, "window.terms", e).await);
    }
    if w.state != "open" {
        return Err(AppError::Conflict("the window is closed".into()));
    }
    let terms = Terms::with_transcripts(&input.terms, input.keep_transcripts)
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let mut tx = app.store.begin_write().await?;
    let current = store::frontier::windows::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = current.terms_version + 1;
    store::frontier::windows::insert_terms(
        &mut tx,
        &TermsRow {
            window_id: id.to_owned(),
            version,
            body: terms.text,
            sha256: terms.sha256.clone(),
            created_by: who.user_id().to_owned(),
            created_at: clock::now_text(),
            keep_transcripts: input.keep_transcripts,
        },
    )
    .await?;
    let event = AuditEvent {
        action: "window.terms",
        object_type: "window",
        object_id: id,
        change: json!({"terms_version": version, "terms_sha256": terms.sha256,
            "keep_transcripts": input.keep_transcripts}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let updated = store::frontier::windows::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    app.broker.invalidate();
    view(app, updated).await
}
