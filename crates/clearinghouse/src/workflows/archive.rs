//! Archiving instead of deleting: an asset (its components stop matching,
//! its open exposures are resolved as "asset archived", SBOM uploads are
//! refused until it is unarchived) and a mistaken organisation (it keeps
//! every record but cannot sign in; its users are disabled, their sessions
//! ended and tokens revoked in the same transaction). Each change is
//! audited with its reason.

use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::exposure::assets::{self, require_write};
use super::exposure::exposures::notify_changes;
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::model::Organization;
use crate::model::exposure::Asset;
use crate::store;

/// What the resolved exposures of an archived asset say.
pub const ASSET_ARCHIVED: &str = "asset archived";

/// Longest reason accepted.
const MAX_REASON: usize = 2000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// Why (required, at most 2000 characters); kept with the record.
    pub reason: String,
}

/// A reason: present, at most 2000 characters, no control characters
/// other than line breaks and tabs.
pub fn check_reason(reason: &str) -> AppResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(AppError::invalid("reason", "is required"));
    }
    if r.chars().count() > MAX_REASON
        || r.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::invalid(
            "reason",
            format!("must be at most {MAX_REASON} characters, no control characters"),
        ));
    }
    Ok(r.to_owned())
}

/// The asset, checked visible (else 404) and writable by `who`.
async fn asset_for_write(app: &AppState, who: &Principal, id: &str) -> AppResult<Asset> {
    let visible = assets::get(app, who, id).await?;
    require_write(who, &visible.org_id)?;
    Ok(visible)
}

/// The asset as it is inside the write transaction.
async fn reread(tx: &mut crate::store::Tx, id: &str) -> AppResult<Asset> {
    store::exposure::assets::get(&mut **tx, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Archives an asset: its open exposures are resolved as "asset archived"
/// and its components match nothing until it is unarchived.
pub async fn archive_asset(
    app: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
) -> AppResult<Asset> {
    set_asset_archived(app, who, id, reason, true).await
}

/// Unarchives an asset: its inventory is matched again at once.
pub async fn unarchive_asset(
    app: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
) -> AppResult<Asset> {
    set_asset_archived(app, who, id, reason, false).await
}

/// Archives (`archive`) or unarchives an asset, re-matching its exposures
/// and auditing the step; used by [`archive_asset`] and [`unarchive_asset`].
async fn set_asset_archived(
    app: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
    archive: bool,
) -> AppResult<Asset> {
    let reason = check_reason(reason)?;
    let visible = asset_for_write(app, who, id).await?;
    let mut tx = app.store.begin_write().await?;
    let asset = reread(&mut tx, &visible.id).await?;
    let conflict = || {
        let state = if archive {
            "already archived"
        } else {
            "not archived"
        };
        AppError::Conflict(format!("asset '{}' is {state}", asset.name))
    };
    if asset.archived_at.is_some() == archive {
        return Err(conflict());
    }
    let now = clock::now_text();
    let (at, why) = if archive {
        (Some(now.as_str()), Some(reason.as_str()))
    } else {
        (None, None)
    };
    if !store::exposure::assets::set_archived(&mut *tx, &asset.id, at, why, &now).await? {
        return Err(conflict());
    }
    let changes = if archive {
        matching::retire_asset(&mut tx, &asset.id, ASSET_ARCHIVED, &now).await?
    } else {
        matching::sync_asset(&mut tx, &asset.id, &now).await?
    };
    notify_changes(app, &mut tx, &changes).await?;
    let (action, event_change) = if archive {
        let change = json!({ "reason": reason, "archived_at": now, "exposures": changes.counts });
        ("asset.archive", change)
    } else {
        let change = json!({ "reason": reason, "exposures": changes.counts });
        ("asset.unarchive", change)
    };
    let event = AuditEvent {
        action,
        object_type: "asset",
        object_id: &asset.id,
        change: event_change,
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    store::exposure::assets::get(&app.store.pool, &asset.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Archives an organisation (platform admins, people only). Refused for
/// the bootstrap administrator's organisation, the caller's own, and one
/// with active users unless `disable_users`, which disables them and ends
/// their sessions and tokens in the same transaction. Nothing is deleted.
pub async fn archive_org(
    app: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
    disable_users: bool,
) -> AppResult<Organization> {
    who.require(Scope::OrgsWrite, &[Role::PlatformAdmin])?;
    if who.is_agent() {
        return Err(AppError::forbidden(
            "an agent cannot archive an organisation; a person must",
        ));
    }
    let reason = check_reason(reason)?;
    let mut tx = app.store.begin_write().await?;
    let org = store::accounts::orgs::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.archived_at.is_some() {
        return Err(AppError::Conflict(format!(
            "organisation '{}' is already archived",
            org.name
        )));
    }
    let bootstrap = store::accounts::users::get_by_username(&mut *tx, "admin").await?;
    if bootstrap.is_some_and(|u| u.org_id == org.id) {
        return Err(AppError::Conflict(format!(
            "organisation '{}' is the bootstrap administrator's and cannot be archived",
            org.name
        )));
    }
    if org.id == who.org_id() {
        return Err(AppError::Conflict(format!(
            "organisation '{}' is your own; another platform admin must archive it",
            org.name
        )));
    }
    let active = store::accounts::orgs::active_user_ids(&mut *tx, &org.id).await?;
    if !active.is_empty() && !disable_users {
        return Err(AppError::Conflict(format!(
            "organisation '{}' has {} active user(s); pass disable_users=true to disable them",
            org.name,
            active.len()
        )));
    }
    let now = clock::now_text();
    let mut sessions_ended = 0;
    let mut tokens_revoked = Vec::new();
    if !active.is_empty() {
        store::accounts::orgs::disable_users(&mut *tx, &org.id).await?;
        for user_id in &active {
            sessions_ended +=
                store::accounts::sessions::delete_for_user(&mut *tx, user_id, None).await?;
            tokens_revoked.extend(
                store::accounts::tokens::revoke_all_for_user(&mut *tx, user_id, &now).await?,
            );
        }
    }
    store::accounts::orgs::set_archived(&mut *tx, &org.id, &now, &reason).await?;
    // Its people's access-window grants end with it (and their broker
    // credentials), each audited like a revocation.
    let grant_reason = format!("organisation archived: {reason}");
    let grants = store::frontier::window_grants::unrevoked_of_org(&mut tx, &org.id).await?;
    for g in &grants {
        if store::frontier::window_grants::revoke(
            &mut tx,
            &g.id,
            who.user_id(),
            &grant_reason,
            &now,
        )
        .await?
        {
            crate::workflows::frontier::grant_notices::revoked_by_id(app, &mut tx, who, &g.id)
                .await?;
        }
    }
    let mut events = vec![AuditEvent {
        action: "org.archive",
        object_type: "organization",
        object_id: &org.id,
        change: json!({
            "reason": reason,
            "archived_at": now,
            "disabled_users": active,
            "sessions_ended": sessions_ended,
            "tokens_revoked": tokens_revoked,
            "grants_revoked": grants.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        }),
    }];
    events.extend(grants.iter().map(|g| AuditEvent {
        action: "grant.revoke",
        object_type: "window_grant",
        object_id: &g.id,
        change: json!({"window_id": g.window_id, "reason": grant_reason}),
    }));
    app.audit.record(&mut tx, &app.store, who, &events).await?;
    tx.commit().await?;
    // Cached broker facts of its people are stale now, not in a few seconds.
    app.broker.invalidate();
    Ok(Organization {
        archived_at: Some(now),
        archive_reason: Some(reason),
        ..org
    })
}
