//! Voluntary, no veto (Sec. 3(c)): the developer alone records and moves
//! its model's release dates, records the release itself, and may withdraw
//! the model from the framework at any time. Moving the partner release
//! earlier shortens (or closes) its open access windows; release and
//! withdrawal close them, ending every grant. No government role, action or
//! state is consulted here: nothing but the developer's own organisation
//! and the model's readability gates these steps (a test walks every API
//! route as every government role and checks the release is untouched).
//! Closures and shortenings are notified to the developer and to every
//! organisation holding an unrevoked grant in the window. A planned date
//! set or moved must not be before today (UTC), unless it is left as it
//! was; recording the release itself happens now and is always allowed.

use crate::model::notify::NotificationKind;
use clearinghouse_domain::frontier::access::{self, Fit};
use clearinghouse_domain::frontier::date::{CalendarDate, planned_date_allowed};
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::Tx;
use crate::store::frontier::windows::ReleaseRow;
use crate::workflows::frontier::models::{self, Model};
use crate::workflows::frontier::windows::{refuse, span, text_of};
use crate::workflows::notifications;

/// The developer's planned dates (`YYYY-MM-DD`; `null` clears one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDates {
    pub planned_partner_release: Option<String>,
    pub planned_public_release: Option<String>,
}

/// A note on the release, or the reason for a withdrawal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNote {
    #[serde(default)]
    pub note: String,
}

/// Where a model stands: the developer's dates, its release and withdrawal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseState {
    pub model_id: String,
    pub planned_partner_release: Option<String>,
    pub planned_public_release: Option<String>,
    pub released_at: Option<String>,
    pub released_by: Option<String>,
    pub release_note: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdrawal_reason: Option<String>,
}

/// The model, if the caller is its developer; otherwise the attempt is
/// audited and refused (403), or 404 when the model is unreadable.
async fn developer_model(
    app: &AppState,
    who: &Principal,
    id: &str,
    attempted: &str,
) -> AppResult<Model> {
    who.require_scope(Scope::ModelsWrite)?;
    let model = models::get(app, who, id).await?;
    if model.owner_org != who.org_id() {
        let e = AppError::forbidden(
            "only the model's developer records or moves its release (Sec. 3(c): no government action conditions a release)",
        );
        return Err(refuse(app, who, "model", id, attempted, e).await);
    }
    Ok(model)
}

fn note(text: &str, field: &'static str) -> AppResult<String> {
    let t = text.trim();
    if t.chars().count() > 2000 || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            field,
            "must be at most 2000 characters without control characters",
        ));
    }
    Ok(t.to_owned())
}

pub async fn state(app: &AppState, who: &Principal, id: &str) -> AppResult<ReleaseState> {
    who.require_scope(Scope::ModelsRead)?;
    let model = models::get(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let release = store::frontier::windows::release(&mut conn, id).await?;
    let withdrawal = store::frontier::windows::withdrawal(&mut conn, id).await?;
    Ok(ReleaseState {
        model_id: model.id,
        planned_partner_release: model.planned_partner_release,
        planned_public_release: model.planned_public_release,
        released_at: release.as_ref().map(|r| r.at.clone()),
        released_by: release.as_ref().map(|r| r.by.clone()),
        release_note: release.map(|r| r.note),
        withdrawn_at: withdrawal.as_ref().map(|r| r.at.clone()),
        withdrawal_reason: withdrawal.map(|r| r.note),
    })
}

/// Closes every open window of the model, with audit events, and tells
/// everyone affected.
async fn close_windows(
    app: &AppState,
    tx: &mut Tx,
    model_id: &str,
    reason: &str,
    events: &mut Vec<(String, serde_json::Value)>,
) -> AppResult<()> {
    let now = clock::now_text();
    for w in store::frontier::windows::of_model(tx, model_id).await? {
        if store::frontier::windows::close(tx, &w.id, reason, &now).await? {
            tell(
                app,
                tx,
                &w.id,
                &w.developer_org,
                NotificationKind::WindowClosed,
                reason,
            )
            .await?;
            events.push((w.id, json!({"action": "close", "reason": reason})));
        }
    }
    Ok(())
}

/// Notifies the developer and the organisation of every person holding an
/// unrevoked grant in the window (`AMBER+STRICT`, their own inbox).
async fn tell(
    app: &AppState,
    tx: &mut Tx,
    window_id: &str,
    developer_org: &str,
    kind: NotificationKind,
    what: &str,
) -> AppResult<()> {
    let mut orgs: Vec<String> = store::frontier::window_grants::of_window(tx, window_id, None)
        .await?
        .into_iter()
        .filter(|g| g.revoked_at.is_none())
        .map(|g| g.org_id)
        .collect();
    orgs.push(developer_org.to_owned());
    let title = match kind {
        NotificationKind::WindowClosed => "An access window closed",
        _ => "An access window was shortened",
    };
    let body = format!("Access window {window_id}: {what}.");
    let data = json!({"window_id": window_id});
    notifications::tell_orgs(app, tx, orgs, kind, title, &body, data).await
}

async fn record(
    app: &AppState,
    who: &Principal,
    tx: &mut Tx,
    model_id: &str,
    action: &'static str,
    change: serde_json::Value,
    windows: Vec<(String, serde_json::Value)>,
) -> AppResult<()> {
    let mut events = vec![AuditEvent {
        action,
        object_type: "model",
        object_id: model_id,
        change,
    }];
    for (id, change) in &windows {
        events.push(AuditEvent {
            action: "window.update",
            object_type: "window",
            object_id: id,
            change: change.clone(),
        });
    }
    app.audit.record(tx, &app.store, who, &events).await?;
    Ok(())
}

pub async fn set_dates(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ReleaseDates,
) -> AppResult<ReleaseState> {
    let model = developer_model(app, who, id, "model.release_dates").await?;
    let today = crate::workflows::cases::today()?;
    let parse = |field: &'static str,
                 v: &Option<String>,
                 current: &Option<String>|
     -> AppResult<Option<CalendarDate>> {
        let Some(date) = v
            .as_deref()
            .map(|s| CalendarDate::parse(s).map_err(|e| AppError::invalid(field, e.to_string())))
            .transpose()?
        else {
            return Ok(None);
        };
        let current = current.as_deref().and_then(|c| CalendarDate::parse(c).ok());
        planned_date_allowed(date, current, today).map_err(|why| AppError::invalid(field, why))?;
        Ok(Some(date))
    };
    let partner = parse(
        "planned_partner_release",
        &input.planned_partner_release,
        &model.planned_partner_release,
    )?;
    let public = parse(
        "planned_public_release",
        &input.planned_public_release,
        &model.planned_public_release,
    )?;
    if let (Some(p), Some(q)) = (partner, public)
        && p > q
    {
        return Err(AppError::invalid(
            "planned_partner_release",
            "must not be after planned_public_release",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let (p_text, q_text) = (
        partner.map(|d| d.to_string()),
        public.map(|d| d.to_string()),
    );
    store::frontier::windows::set_release_dates(&mut tx, id, p_text.as_deref(), q_text.as_deref())
        .await?;
    let mut changes = Vec::new();
    let now = clock::now_text();
    for w in store::frontier::windows::of_model(&mut tx, id).await? {
        if w.state != "open" {
            continue;
        }
        match access::fit_to_release(span(&w)?, partner) {
            Fit::Unchanged => {}
            Fit::Shortened { ends_at } => {
                let end = text_of(ends_at)?;
                if store::frontier::windows::shorten(&mut tx, &w.id, &end, &now).await? {
                    let what = format!("it now ends at {end}, the moved partner release");
                    tell(
                        app,
                        &mut tx,
                        &w.id,
                        &w.developer_org,
                        NotificationKind::WindowShortened,
                        &what,
                    )
                    .await?;
                    changes.push((w.id, json!({"action": "shorten", "ends_at": end})));
                }
            }
            Fit::Closed => {
                let reason = "the planned partner release moved to or before the window's start";
                if store::frontier::windows::close(&mut tx, &w.id, reason, &now).await? {
                    tell(
                        app,
                        &mut tx,
                        &w.id,
                        &w.developer_org,
                        NotificationKind::WindowClosed,
                        reason,
                    )
                    .await?;
                    changes.push((w.id, json!({"action": "close", "reason": reason})));
                }
            }
        }
    }
    let change = json!({"planned_partner_release": p_text, "planned_public_release": q_text});
    record(
        app,
        who,
        &mut tx,
        id,
        "model.release_dates",
        change,
        changes,
    )
    .await?;
    tx.commit().await?;
    app.broker.invalidate();
    state(app, who, id).await
}

pub async fn release(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ReleaseNote,
) -> AppResult<ReleaseState> {
    end_access(app, who, id, input, Ending::Release).await
}

pub async fn withdraw(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ReleaseNote,
) -> AppResult<ReleaseState> {
    end_access(app, who, id, input, Ending::Withdrawal).await
}

/// The two developer steps that close every open window of a model: its
/// release, and its withdrawal from the framework.
#[derive(Clone, Copy)]
enum Ending {
    Release,
    Withdrawal,
}

impl Ending {
    /// The audit action (also the readability gate's action name).
    fn action(self) -> &'static str {
        match self {
            Ending::Release => "model.release",
            Ending::Withdrawal => "model.withdraw",
        }
    }

    /// Why the windows close, as told to the grant holders.
    fn closing_reason(self) -> &'static str {
        match self {
            Ending::Release => "the developer released the model",
            Ending::Withdrawal => "the developer withdrew the model from the framework",
        }
    }

    /// The audit change's field holding the time of the step.
    fn at_field(self) -> &'static str {
        match self {
            Ending::Release => "released_at",
            Ending::Withdrawal => "withdrawn_at",
        }
    }
}

/// Records a release or a withdrawal (`ending`), closes the model's open
/// windows and audits it; used by [`release`] and [`withdraw`].
async fn end_access(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: ReleaseNote,
    ending: Ending,
) -> AppResult<ReleaseState> {
    developer_model(app, who, id, ending.action()).await?;
    let note = note(&input.note, "note")?;
    let mut tx = app.store.begin_write().await?;
    let row = ReleaseRow {
        model_id: id.to_owned(),
        at: clock::now_text(),
        by: who.user_id().to_owned(),
        note,
    };
    match ending {
        Ending::Release => store::frontier::windows::insert_release(&mut tx, &row).await?,
        Ending::Withdrawal => store::frontier::windows::insert_withdrawal(&mut tx, &row).await?,
    }
    let mut changes = Vec::new();
    close_windows(app, &mut tx, id, ending.closing_reason(), &mut changes).await?;
    let change = json!({ ending.at_field(): row.at });
    record(app, who, &mut tx, id, ending.action(), change, changes).await?;
    tx.commit().await?;
    app.broker.invalidate();
    state(app, who, id).await
}
