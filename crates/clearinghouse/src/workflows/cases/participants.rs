//! Withdrawing a case participant (tester finding F12): a coordinator
//! removes an organisation invited by mistake or no longer concerned, with
//! a reason, and an organisation's administrator leaves a case. Either
//! way the organisation stops being a participant at once: the case, its
//! messages and attachments answer it 404 like any outsider's, and it is
//! told no more. Both are audited and on the timeline; the removed
//! organisation is told (with the reason), and the coordinating
//! organisation is told when someone leaves. The coordinating organisation
//! itself is neither removed nor leaves.

use clearinghouse_domain::cases::EventKind;
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{COORDINATORS, notice, readable, record};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store;
use crate::workflows::notifications;

/// Most characters of a removal's reason.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Why an organisation is withdrawn from a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// 1 to 2,000 characters; the removed organisation is told it.
    pub reason: String,
}

fn reason_of(text: &str) -> AppResult<String> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "say why the organisation is removed",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "reason",
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    clearinghouse_domain::text::check_long_text("reason", reason)
        .map_err(|e| AppError::invalid("reason", e.to_string()))?;
    Ok(reason.to_owned())
}

/// A coordinator removes `org_id` from the case (404 when it is no
/// participant; 422 `org_id` for the coordinating organisation).
pub async fn remove(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    org_id: &str,
    input: Removal,
) -> AppResult<()> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, case_id).await?;
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    let reason = reason_of(&input.reason)?;
    if org_id == c.owner_org {
        return Err(AppError::invalid(
            "org_id",
            "the coordinating organisation stays in its case",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    if !store::cases::remove_participant(&mut tx, &c.id, org_id).await? {
        return Err(AppError::NotFound);
    }
    record(
        app,
        &mut tx,
        who,
        "case.remove_participant",
        &c.id,
        (EventKind::Removed, Some(org_id), json!({"reason": reason})),
    )
    .await?;
    let n = notice(
        &c,
        org_id,
        NotificationKind::CaseRemoved,
        format!("Your organisation was removed from a case: {}", c.title),
        format!(
            "A coordinator removed your organisation from coordination case {}: {reason}",
            c.id
        ),
    );
    notifications::enqueue(app, &mut tx, n).await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator of a participant organisation takes it out of the case.
pub async fn leave(app: &AppState, who: &Principal, case_id: &str) -> AppResult<()> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, case_id).await?;
    if who.org_id() == c.owner_org {
        return Err(AppError::forbidden(
            "the coordinating organisation stays in its case",
        ));
    }
    if !who.has_any_role(&[Role::OrgAdmin]) {
        return Err(AppError::forbidden(
            "an administrator of the organisation (org_admin) leaves the case for it",
        ));
    }
    let name = store::accounts::orgs::get(&app.store.pool, who.org_id())
        .await?
        .map_or_else(|| who.org_id().to_owned(), |o| o.name);
    let mut tx = app.store.begin_write().await?;
    if !store::cases::remove_participant(&mut tx, &c.id, who.org_id()).await? {
        return Err(AppError::forbidden(
            "your organisation is no participant of this case",
        ));
    }
    record(
        app,
        &mut tx,
        who,
        "case.leave",
        &c.id,
        (EventKind::Left, Some(who.org_id()), json!({})),
    )
    .await?;
    let mut n = notice(
        &c,
        &c.owner_org,
        NotificationKind::CaseLeft,
        format!("{name} left the case: {}", c.title),
        format!("{name} left coordination case {}.", c.id),
    );
    n.data["org_id"] = json!(who.org_id());
    n.data["org_name"] = json!(name);
    notifications::enqueue(app, &mut tx, n).await?;
    tx.commit().await?;
    Ok(())
}
