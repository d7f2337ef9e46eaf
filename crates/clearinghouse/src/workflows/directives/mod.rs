//! Binding Operational Directives (Sec. 2(c)): CISA's directive managers
//! draft a directive (the domain's `DirectiveBody`, checked field by
//! field), file it for issue under the two-person rule (an
//! `issue_directive` request a second directive manager approves:
//! `approvals::decide` → [`activate`]), amend it (a new draft version whose
//! diff of actions is kept and shown, issued the same way) or revoke it
//! with a reason. An issued version is never edited. Every change is
//! audited in its transaction.
//!
//! Who reads what: issued directives (and their issued and superseded
//! versions) every signed-in account; drafts and pending versions only
//! directive managers (everyone else gets 404, as for a missing one).
//! `obligations.rs` computes what each organisation in scope owes,
//! `forms.rs` takes agencies' reports, attestations and requests, and
//! `compliance.rs` counts it all for the dashboard.
//!
//! Scopes: reading uses `exposures:read`, writing `exposures:write` (a
//! directive is about exposures); the role is the real gate.

pub mod compliance;
pub mod dashboard;
pub mod evidence;
pub mod forms;
pub mod obligations;
pub mod preview;
pub mod reminders;
pub mod snapshots;

use clearinghouse_domain::approval::{ApprovalRequest, ApprovalState};
use clearinghouse_domain::directive::{Amendment, DirectiveBody, diff_actions};
use clearinghouse_domain::identity::{Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Approval;
use crate::store;
use crate::store::directives::{DirectiveRow, VersionRow};
use crate::workflows::new_id;

/// Who drafts, issues, amends and revokes, and decides requests.
pub const MANAGERS: &[Role] = &[Role::DirectiveManager];
/// Who sees every organisation's obligations and submissions.
pub const READ_ALL: &[Role] = &[
    Role::DirectiveManager,
    Role::Coordinator,
    Role::Auditor,
    Role::PlatformAdmin,
];

/// A directive's content as drafted (the domain's `DirectiveBody`).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DirectiveInput(pub DirectiveBody);

impl utoipa::PartialSchema for DirectiveInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some(
                "`{number, title, summary?, issued, effective, scope: {kinds?, sectors?, \
                 organizations?}, actions: [{type: remediate|report|attest, key, title, ...}]}`; \
                 see the README",
            ))
            .into()
    }
}

impl ToSchema for DirectiveInput {}

/// One version of a directive.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i64,
    /// `draft`, `pending`, `issued` or `superseded`.
    pub state: String,
    #[schema(value_type = Object)]
    pub body: DirectiveBody,
    /// What this version changed from the one it amends: directive fields
    /// and actions added, removed or changed.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub approval_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub issued_at: Option<String>,
}

/// A directive with the versions the caller may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectiveView {
    pub id: String,
    pub number: String,
    /// `draft` (never issued), `issued` or `revoked`.
    pub state: String,
    /// The version in force (none before the first issue).
    pub issued_version: Option<i64>,
    pub latest_version: i64,
    /// The content in force, or the latest draft's for managers before
    /// the first issue.
    #[schema(value_type = Object)]
    pub body: DirectiveBody,
    pub versions: Vec<VersionView>,
    pub created_at: String,
    pub updated_at: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
}

/// A directive filed for issue, with the request a second manager decides.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueFiling {
    pub directive: DirectiveView,
    pub approval: Approval,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    /// Why the directive is revoked (1 to 2000 characters).
    pub reason: String,
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored directive: {e}"))
}

fn body_of(v: &VersionRow) -> AppResult<DirectiveBody> {
    serde_json::from_str(&v.body).map_err(corrupt)
}

fn validated(body: DirectiveBody) -> AppResult<DirectiveBody> {
    body.validate()
        .map_err(|e| AppError::invalid(e.field, e.message))
}

fn version_view(v: &VersionRow) -> AppResult<VersionView> {
    Ok(VersionView {
        version: v.version,
        state: v.state.clone(),
        body: body_of(v)?,
        changes: serde_json::from_str(&v.changes).map_err(corrupt)?,
        approval_id: v.approval_id.clone(),
        created_by: v.created_by.clone(),
        created_at: v.created_at.clone(),
        issued_at: v.issued_at.clone(),
    })
}

/// Whether `who` may see drafts and pending versions.
fn is_manager(who: &Principal) -> bool {
    who.has_any_role(MANAGERS)
}

async fn view(
    conn: &mut store::AnyConnection,
    who: &Principal,
    d: DirectiveRow,
) -> AppResult<DirectiveView> {
    let manager = is_manager(who);
    let rows = store::directives::versions(conn, &d.id).await?;
    let mut versions = Vec::new();
    for v in &rows {
        if manager || matches!(v.state.as_str(), "issued" | "superseded") {
            versions.push(version_view(v)?);
        }
    }
    let shown = d.issued_version.unwrap_or(d.latest_version);
    let body = rows
        .iter()
        .find(|v| v.version == shown)
        .map(body_of)
        .transpose()?
        .ok_or_else(|| corrupt("missing version"))?;
    Ok(DirectiveView {
        id: d.id,
        number: d.number,
        state: d.state,
        issued_version: d.issued_version,
        latest_version: d.latest_version,
        body,
        versions,
        created_at: d.created_at,
        updated_at: d.updated_at,
        revoked_at: d.revoked_at,
        revoke_reason: d.revoke_reason,
    })
}

/// The directive by id or number as `who` may see it: never-issued ones
/// are 404 to everyone but managers.
async fn visible(
    conn: &mut store::AnyConnection,
    who: &Principal,
    id: &str,
) -> AppResult<DirectiveRow> {
    let d = store::directives::get(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.issued_version.is_none() && !is_manager(who) {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

async fn audit(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    action: &'static str,
    id: &str,
    change: serde_json::Value,
) -> AppResult<()> {
    crate::workflows::record_audit(app, tx, who, action, "directive", id, change).await
}

/// Audits `action` on directive `id`, re-reads it and commits: the end of
/// the update, amend and revoke workflows, which answer with its view.
async fn commit_view(
    app: &AppState,
    mut tx: store::Tx,
    who: &Principal,
    action: &'static str,
    id: &str,
    change: serde_json::Value,
) -> AppResult<DirectiveView> {
    audit(app, &mut tx, who, action, id, change).await?;
    let d = store::directives::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let out = view(&mut tx, who, d).await?;
    tx.commit().await?;
    Ok(out)
}

/// 422 unless a new version keeps the directive's number (update, amend).
fn keeps_number(body: &DirectiveBody, d: &DirectiveRow) -> AppResult<()> {
    if body.number != d.number {
        return Err(AppError::invalid(
            "number",
            format!("is {}: a directive keeps its number", d.number),
        ));
    }
    Ok(())
}

/// Drafts a new directive (directive managers).
pub async fn create(
    app: &AppState,
    who: &Principal,
    input: DirectiveBody,
) -> AppResult<DirectiveView> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let body = validated(input)?;
    let now = clock::now_text();
    let d = DirectiveRow {
        id: new_id(),
        number: body.number.clone(),
        state: "draft".into(),
        issued_version: None,
        latest_version: 1,
        created_by: who.user_id().to_owned(),
        created_at: now.clone(),
        updated_at: now.clone(),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
    };
    let v = VersionRow {
        directive_id: d.id.clone(),
        version: 1,
        state: "draft".into(),
        body: serde_json::to_string(&body).map_err(corrupt)?,
        changes: serde_json::to_string(&Amendment::default()).map_err(corrupt)?,
        approval_id: None,
        created_by: who.user_id().to_owned(),
        created_at: now,
        issued_at: None,
    };
    let mut tx = app.store.begin_write().await?;
    store::directives::insert(&mut tx, &d)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(what) => {
                AppError::invalid("number", format!("{what} already exists"))
            }
            e => e.into(),
        })?;
    store::directives::insert_version(&mut tx, &v).await?;
    audit(
        app,
        &mut tx,
        who,
        "directive.create",
        &d.id,
        json!({"number": d.number, "version": 1, "body": body}),
    )
    .await?;
    let out = view(&mut tx, who, d).await?;
    tx.commit().await?;
    Ok(out)
}

/// The latest version, reopened as a draft when it was filed and its
/// request was rejected or cancelled.
async fn latest_editable(tx: &mut store::Tx, d: &DirectiveRow) -> AppResult<VersionRow> {
    let mut v = store::directives::version(tx, &d.id, d.latest_version)
        .await?
        .ok_or_else(|| corrupt("missing latest version"))?;
    if v.state == "pending" {
        let refused = match &v.approval_id {
            Some(a) => store::approvals::get(&mut **tx, a).await?.is_some_and(|a| {
                a.state != ApprovalState::Pending && a.state != ApprovalState::Approved
            }),
            None => true,
        };
        if refused
            && store::directives::set_version_state(tx, &d.id, v.version, "pending", "draft", None)
                .await?
        {
            v.state = "draft".into();
        }
    }
    if v.state != "draft" {
        return Err(AppError::Conflict(format!(
            "version {} is {}; issued versions are never edited: amend the directive",
            v.version, v.state
        )));
    }
    Ok(v)
}

/// The changes of `body` from the version in force (none before the
/// first issue).
async fn changes_from_issued(
    tx: &mut store::Tx,
    d: &DirectiveRow,
    body: &DirectiveBody,
) -> AppResult<Amendment> {
    match d.issued_version {
        None => Ok(Amendment::default()),
        Some(n) => {
            let issued = store::directives::version(tx, &d.id, n)
                .await?
                .ok_or_else(|| corrupt("missing issued version"))?;
            Ok(diff_actions(&body_of(&issued)?, body))
        }
    }
}

/// Replaces the content of the latest draft (directive managers).
pub async fn update(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: DirectiveBody,
) -> AppResult<DirectiveView> {
    who.require_scope(Scope::ExposuresWrite)?;
    let mut tx = app.store.begin_write().await?;
    let d = visible(&mut tx, who, id).await?;
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let body = validated(input)?;
    keeps_number(&body, &d)?;
    let v = latest_editable(&mut tx, &d).await?;
    let changes = changes_from_issued(&mut tx, &d, &body).await?;
    let now = clock::now_text();
    let text = serde_json::to_string(&body).map_err(corrupt)?;
    let changes_text = serde_json::to_string(&changes).map_err(corrupt)?;
    if !store::directives::update_draft(&mut tx, &d.id, v.version, &text, &changes_text, &now)
        .await?
    {
        return Err(AppError::Conflict("the draft changed meanwhile".into()));
    }
    let change = json!({"version": v.version, "body": body, "changes": changes});
    commit_view(app, tx, who, "directive.update", &d.id, change).await
}

/// Amends an issued directive: a new draft version with its diff from the
/// version in force, issued like the first (directive managers).
pub async fn amend(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: DirectiveBody,
) -> AppResult<DirectiveView> {
    who.require_scope(Scope::ExposuresWrite)?;
    let mut tx = app.store.begin_write().await?;
    let d = visible(&mut tx, who, id).await?;
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let body = validated(input)?;
    if d.state != "issued" {
        return Err(AppError::Conflict(format!(
            "the directive is {}: only an issued directive is amended",
            d.state
        )));
    }
    if d.issued_version != Some(d.latest_version) {
        return Err(AppError::Conflict(format!(
            "version {} is already an amendment in progress: edit or issue it",
            d.latest_version
        )));
    }
    keeps_number(&body, &d)?;
    let changes = changes_from_issued(&mut tx, &d, &body).await?;
    if changes.fields.is_empty() && changes.actions.is_empty() {
        return Err(AppError::invalid("body", "the amendment changes nothing"));
    }
    let now = clock::now_text();
    let v = VersionRow {
        directive_id: d.id.clone(),
        version: d.latest_version + 1,
        state: "draft".into(),
        body: serde_json::to_string(&body).map_err(corrupt)?,
        changes: serde_json::to_string(&changes).map_err(corrupt)?,
        approval_id: None,
        created_by: who.user_id().to_owned(),
        created_at: now,
        issued_at: None,
    };
    store::directives::insert_version(&mut tx, &v).await?;
    let change = json!({"version": v.version, "body": body, "changes": changes});
    commit_view(app, tx, who, "directive.amend", &d.id, change).await
}

/// Files the latest draft for issue: an `issue_directive` request that a
/// second directive manager approves (directive managers).
pub async fn issue(app: &AppState, who: &Principal, id: &str) -> AppResult<IssueFiling> {
    who.require_scope(Scope::ExposuresWrite)?;
    let mut tx = app.store.begin_write().await?;
    let d = visible(&mut tx, who, id).await?;
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    if d.state == "revoked" {
        return Err(AppError::Conflict("the directive was revoked".into()));
    }
    let v = latest_editable(&mut tx, &d).await?;
    let body = body_of(&v)?;
    let request = ApprovalRequest::IssueDirective {
        directive_id: d.id.clone(),
        number: d.number.clone(),
        version: u32::try_from(v.version).map_err(corrupt)?,
    };
    let summary = format!(
        "issue {} version {}: {} ({} action(s))",
        d.number,
        v.version,
        body.title,
        body.actions.len()
    );
    let approval = crate::workflows::approvals::file(app, &mut tx, who, request, summary).await?;
    if !store::directives::set_version_state(
        &mut tx,
        &d.id,
        v.version,
        "draft",
        "pending",
        Some(&approval.id),
    )
    .await?
    {
        return Err(AppError::Conflict("the draft changed meanwhile".into()));
    }
    audit(
        app,
        &mut tx,
        who,
        "directive.submit",
        &d.id,
        json!({"version": v.version, "approval": approval.id}),
    )
    .await?;
    let directive = view(&mut tx, who, d).await?;
    tx.commit().await?;
    Ok(IssueFiling {
        directive,
        approval,
    })
}

/// The effect of an approved `issue_directive` request, in the decision's
/// transaction: the version is in force. Returns its audit change.
pub(crate) async fn activate(
    tx: &mut store::Tx,
    directive_id: &str,
    version: u32,
    approval_id: &str,
    now: &str,
) -> AppResult<serde_json::Value> {
    let d = store::directives::get(tx, directive_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.state == "revoked" {
        return Err(AppError::Conflict("the directive was revoked".into()));
    }
    if !store::directives::issue(tx, directive_id, i64::from(version), now).await? {
        return Err(AppError::Conflict(
            "the directive version is not pending".into(),
        ));
    }
    Ok(json!({"number": d.number, "version": version, "approval": approval_id}))
}

/// Revokes an issued directive with a reason (directive managers): its
/// obligations end; its history stays.
pub async fn revoke(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: RevokeInput,
) -> AppResult<DirectiveView> {
    who.require_scope(Scope::ExposuresWrite)?;
    let mut tx = app.store.begin_write().await?;
    let d = visible(&mut tx, who, id).await?;
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::invalid(
            "reason",
            "give a reason of 1 to 2000 characters",
        ));
    }
    clearinghouse_domain::text::check_long_text("reason", reason)
        .map_err(|e| AppError::invalid("reason", e.to_string()))?;
    let now = clock::now_text();
    if !store::directives::revoke(&mut tx, &d.id, who.user_id(), reason, &now).await? {
        return Err(AppError::Conflict(format!(
            "the directive is {}: only an issued directive is revoked",
            d.state
        )));
    }
    let change = json!({"reason": reason});
    commit_view(app, tx, who, "directive.revoke", &d.id, change).await
}

/// One directive by id or number (drafts: managers only).
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<DirectiveView> {
    who.require_scope(Scope::ExposuresRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let d = visible(&mut conn, who, id).await?;
    view(&mut conn, who, d).await
}

/// Every directive the caller may see, by number.
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<DirectiveView>> {
    who.require_scope(Scope::ExposuresRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::directives::list(&mut conn, !is_manager(who)).await?;
    let mut out = Vec::new();
    for d in rows {
        out.push(view(&mut conn, who, d).await?);
    }
    Ok(out)
}

/// The directive in force and its content, for obligations: 404 when
/// never issued (or not visible), 409 when revoked.
pub(crate) async fn in_force(
    app: &AppState,
    who: &Principal,
    id: &str,
) -> AppResult<(DirectiveRow, DirectiveBody)> {
    let mut conn = app.store.pool.acquire().await?;
    let d = visible(&mut conn, who, id).await?;
    let Some(n) = d.issued_version else {
        return Err(AppError::Conflict(
            "the directive is not issued yet: it binds nobody".into(),
        ));
    };
    if d.state == "revoked" {
        return Err(AppError::Conflict(
            "the directive was revoked: it binds nobody".into(),
        ));
    }
    let v = store::directives::version(&mut conn, &d.id, n)
        .await?
        .ok_or_else(|| corrupt("missing issued version"))?;
    let body = body_of(&v)?;
    Ok((d, body))
}
