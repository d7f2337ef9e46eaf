//! Insider-risk alerts as records (issue 13 item 4). The rules are the
//! domain's (`frontier::access::alerts`, each stated there with its
//! parameters); [`raise`] runs them over a window's usage log (its latest
//! 10,000 calls) and stores each alert not stored before (one per window,
//! rule, person and period), with the usage rows that show it as evidence,
//! audited `window_alert.raise` by the system and sent to the developer's
//! organisation and to every government agency with a security officer.
//! The broker's usage writer runs [`raise`] for a window a moment after
//! committing its calls (`broker_state`: one pending scan per window).
//!
//! Who reads a window's alerts: the developer's organisation, security
//! officers (a government agency's role) and government administrators,
//! each only for windows of models it may read; a grantee is refused
//! (403); anyone else gets 404. The developer or a security officer
//! acknowledges an alert once, with a reason (audited
//! `window_alert.acknowledge`).

use std::collections::{BTreeMap, BTreeSet};

use clearinghouse_domain::frontier::access::alerts::{self, Call};
use clearinghouse_domain::identity::{OrgKind, Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, Via};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::User;
use crate::model::notify::NotificationKind;
use crate::store;
use crate::store::frontier::window_alerts::AlertRow;
use crate::store::frontier::window_grants::UsageRow;
use crate::store::frontier::windows::WindowRow;
use crate::workflows::frontier::models;
use crate::workflows::frontier::windows::{Standing, readable, refuse, secs};
use crate::workflows::new_id;
use crate::workflows::notifications::{self, NewNotification};

/// Calls the rules look at per window (the latest).
pub const SCAN_CALLS: i64 = 10_000;

/// A stored alert: the rule, the person, the period, what departs from the
/// norm, the ids of the usage rows that show it, and its acknowledgement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: String,
    pub window_id: String,
    /// `after_revocation_or_expiry`, `several_addresses`,
    /// `burst_after_refusal`, `new_hour` or `volume`.
    pub rule: String,
    /// The rule in plain words.
    pub rule_text: String,
    pub user_id: String,
    /// The UTC day (`2026-12-06`), or day and hour for `new_hour`.
    pub period: String,
    pub detail: String,
    pub evidence: Vec<String>,
    pub raised_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub acknowledge_reason: Option<String>,
}

/// One alert with its evidence: the usage rows themselves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertDetail {
    pub alert: AlertView,
    pub evidence_rows: Vec<UsageRow>,
}

/// Why an alert needs no further action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// 1 to 1000 characters.
    pub reason: String,
}

/// The rule in words people read.
pub fn rule_text(rule: &str) -> &'static str {
    match rule {
        "after_revocation_or_expiry" => {
            "Calls after the grant was revoked or ended, or with an expired credential"
        }
        "several_addresses" => "One credential used from several network addresses",
        "burst_after_refusal" => "A burst of calls right after a refused call",
        "new_hour" => "Use at an hour of the day this person has never used",
        "volume" => "A day's use far above the person's own or the others' usual",
        _ => "An unusual pattern of use",
    }
}

fn view(a: AlertRow) -> AlertView {
    let evidence = serde_json::from_str(&a.evidence).unwrap_or_default();
    AlertView {
        rule_text: rule_text(&a.rule).to_owned(),
        id: a.id,
        window_id: a.window_id,
        rule: a.rule,
        user_id: a.user_id,
        period: a.period,
        detail: a.detail,
        evidence,
        raised_at: a.raised_at,
        acknowledged_at: a.acknowledged_at,
        acknowledged_by: a.acknowledged_by,
        acknowledge_reason: a.acknowledge_reason,
    }
}

/// How the caller may handle a window's alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertReader {
    Developer,
    SecurityOfficer,
    GovAdmin,
}

impl AlertReader {
    pub fn may_acknowledge(self) -> bool {
        matches!(self, AlertReader::Developer | AlertReader::SecurityOfficer)
    }
}

/// A security officer of a government agency.
pub async fn is_security_officer(app: &AppState, who: &Principal) -> AppResult<bool> {
    if !who.has_role(Role::SecurityOfficer) {
        return Ok(false);
    }
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    Ok(org.is_some_and(|o| o.kind == OrgKind::GovernmentAgency))
}

/// The window and how the caller reads its alerts; a grantee is refused
/// (403), anyone else who may not read it gets 404.
pub async fn reader(
    app: &AppState,
    who: &Principal,
    window_id: &str,
) -> AppResult<(WindowRow, AlertReader)> {
    who.require_scope(Scope::ModelsRead)?;
    let grantee = match readable(app, who, window_id).await {
        Ok((w, Standing::Developer)) => return Ok((w, AlertReader::Developer)),
        Ok((w, Standing::GovAdmin)) if !is_security_officer(app, who).await? => {
            return Ok((w, AlertReader::GovAdmin));
        }
        Ok((_, Standing::GovAdmin)) => false,
        Ok((_, Standing::Grantee)) => true,
        Err(AppError::NotFound) => false,
        Err(e) => return Err(e),
    };
    if is_security_officer(app, who).await? {
        let mut conn = app.store.pool.acquire().await?;
        let w = store::frontier::windows::get(&mut conn, window_id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        // Under the model's labels, like everyone else.
        if models::get(app, who, &w.model_id).await.is_ok() {
            return Ok((w, AlertReader::SecurityOfficer));
        }
    }
    if grantee {
        return Err(AppError::forbidden(
            "alerts are for the developer, security officers and government administrators",
        ));
    }
    Err(AppError::NotFound)
}

/// Runs the rules over the window's log and stores the new alerts (with
/// notifications and audit events, one transaction); returns how many were
/// new. Running it again over the same log stores nothing.
pub async fn raise(app: &AppState, window_id: &str) -> AppResult<usize> {
    let mut conn = app.store.pool.acquire().await?;
    let Some(w) = store::frontier::windows::get(&mut conn, window_id).await? else {
        return Err(AppError::NotFound);
    };
    let rows = store::frontier::window_grants::usage(&mut conn, &w.id, None, SCAN_CALLS).await?;
    drop(conn);
    let times: Vec<i64> = rows
        .iter()
        .map(|r| secs("at", &r.at))
        .collect::<AppResult<_>>()?;
    let calls: Vec<Call<'_>> = rows
        .iter()
        .zip(&times)
        .map(|(r, at)| Call {
            id: &r.id,
            user_id: &r.user_id,
            credential_id: &r.credential_id,
            at: *at,
            outcome: &r.outcome,
            client_addr: &r.client_addr,
        })
        .collect();
    let found = alerts::detect(&calls);
    if found.is_empty() {
        return Ok(0);
    }
    let now = clock::now_text();
    let system = Principal::new(User::system(), Via::System);
    let mut tx = app.store.begin_write().await?;
    let mut new = Vec::new();
    for a in found {
        let row = AlertRow {
            id: new_id(),
            window_id: w.id.clone(),
            rule: a.rule.to_owned(),
            user_id: a.user_id,
            period: a.period,
            detail: a.detail,
            evidence: serde_json::to_string(&a.evidence)
                .map_err(|e| AppError::internal("alert evidence", e))?,
            raised_at: now.clone(),
            acknowledged_at: None,
            acknowledged_by: None,
            acknowledge_reason: None,
        };
        if store::frontier::window_alerts::insert_if_new(&mut tx, &row).await? {
            new.push(row);
        }
    }
    if new.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let events: Vec<AuditEvent<'_>> = new
        .iter()
        .map(|a| AuditEvent {
            action: "window_alert.raise",
            object_type: "window_alert",
            object_id: &a.id,
            change: json!({"window_id": a.window_id, "rule": a.rule, "user_id": a.user_id,
                "period": a.period, "evidence": a.evidence}),
        })
        .collect();
    app.audit
        .record(&mut tx, &app.store, &system, &events)
        .await?;
    let mut orgs = store::frontier::window_alerts::security_officer_orgs(&mut tx).await?;
    orgs.push(w.developer_org.clone());
    orgs.sort();
    orgs.dedup();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for user in new.iter().map(|a| &a.user_id).collect::<BTreeSet<_>>() {
        let name = store::accounts::users::get(&mut *tx, user)
            .await?
            .map_or_else(|| "someone".to_owned(), |u| u.display_name);
        names.insert(user.clone(), name);
    }
    let mut items = Vec::new();
    for a in &new {
        let who = names.get(&a.user_id).map_or("someone", String::as_str);
        for org in &orgs {
            items.push(NewNotification {
                org_id: org.clone(),
                kind: NotificationKind::WindowAlert,
                exposure_id: None,
                vuln_id: None,
                tlp: "AMBER+STRICT".into(),
                visibility: String::new(),
                title: "Insider-risk alert on an access window".into(),
                body: format!(
                    "{} ({}), {who}, {}: {}. Review it and acknowledge it with a reason.",
                    rule_text(&a.rule),
                    a.period,
                    w.id,
                    a.detail
                ),
                data: json!({"window_id": w.id, "alert_id": a.id, "rule": a.rule}),
            });
        }
    }
    notifications::enqueue_many(app, &mut tx, items).await?;
    tx.commit().await?;
    tracing::info!(window.id = %w.id, alerts.new = new.len(), "insider-risk alerts raised");
    Ok(new.len())
}

/// A window's stored alerts, newest first.
pub async fn list(app: &AppState, who: &Principal, window_id: &str) -> AppResult<Vec<AlertView>> {
    let (w, _) = reader(app, who, window_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::frontier::window_alerts::of_window(&mut conn, &w.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Alerts of every window the caller may read alerts of, newest first
/// (`open_only`: not acknowledged); at most 500.
pub async fn all(app: &AppState, who: &Principal, open_only: bool) -> AppResult<Vec<AlertView>> {
    who.require_scope(Scope::ModelsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::window_alerts::recent(&mut conn, open_only, 5000).await?;
    drop(conn);
    let mut may: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::new();
    for a in rows {
        let ok = match may.get(&a.window_id) {
            Some(ok) => *ok,
            None => {
                let ok = reader(app, who, &a.window_id).await.is_ok();
                may.insert(a.window_id.clone(), ok);
                ok
            }
        };
        if ok {
            out.push(view(a));
            if out.len() == 500 {
                break;
            }
        }
    }
    Ok(out)
}

/// One alert with its evidence rows; 404 unless the caller may read the
/// window's alerts (a grantee, too, gets 404 here).
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<AlertDetail> {
    let mut conn = app.store.pool.acquire().await?;
    let a = store::frontier::window_alerts::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    match reader(app, who, &a.window_id).await {
        Ok(_) => {}
        Err(AppError::Forbidden(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e),
    }
    let alert = view(a);
    let wanted: BTreeSet<&str> = alert.evidence.iter().map(String::as_str).collect();
    let mut conn = app.store.pool.acquire().await?;
    let evidence_rows =
        store::frontier::window_grants::usage(&mut conn, &alert.window_id, None, SCAN_CALLS)
            .await?
            .into_iter()
            .filter(|r| wanted.contains(r.id.as_str()))
            .collect();
    Ok(AlertDetail {
        alert,
        evidence_rows,
    })
}

/// The developer or a security officer acknowledges an alert, once, with
/// a reason.
pub async fn acknowledge(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: Acknowledgement,
) -> AppResult<AlertView> {
    who.require_scope(Scope::ModelsWrite)?;
    let mut conn = app.store.pool.acquire().await?;
    let a = store::frontier::window_alerts::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let standing = match reader(app, who, &a.window_id).await {
        Ok((_, r)) => r,
        Err(AppError::Forbidden(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e),
    };
    if !standing.may_acknowledge() {
        let e = AppError::forbidden("the developer or a security officer acknowledges an alert");
        return Err(refuse(app, who, "window_alert", id, "window_alert.acknowledge", e).await);
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 || reason.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "reason",
            "must be 1 to 1000 characters without control characters",
        ));
    }
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::frontier::window_alerts::acknowledge(&mut tx, id, who.user_id(), reason, &now)
        .await?
    {
        return Err(AppError::Conflict(
            "the alert was already acknowledged".into(),
        ));
    }
    let event = AuditEvent {
        action: "window_alert.acknowledge",
        object_type: "window_alert",
        object_id: id,
        change: json!({"window_id": a.window_id, "rule": a.rule, "reason": reason}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let updated = store::frontier::window_alerts::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view(updated))
}
