//! What the parties of an access window are told of its grants: the
//! developer's organisation of every grant someone outside it makes
//! (`window.granted`), and of a revocation, the grantee's organisation and,
//! when someone outside the developer revoked, the developer too
//! (`window.grant_revoked`), however the grant ended: revoked on its own,
//! with a withdrawn trusted partnership or a revoked tool request, or
//! with its organisation archived ([`revoked_by_id`]). Inbox entries, with webhooks and emails as each
//! organisation has set them up.

use serde_json::json;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::model::notify::NotificationKind;
use crate::store;
use crate::store::frontier::window_grants::GrantRow;
use crate::store::frontier::windows::WindowRow;
use crate::workflows::notifications::{self, NewNotification};

/// A person as a notification names them: display name and username, or
/// the id of one no longer found.
async fn person(tx: &mut store::Tx, id: &str) -> AppResult<String> {
    Ok(store::accounts::users::get(&mut **tx, id)
        .await?
        .map_or_else(
            || id.to_owned(),
            |u| format!("{} ({})", u.display_name, u.username),
        ))
}

/// Tells the developer's organisation of a grant made by someone outside
/// it: who granted whom, for how long, with what quota.
pub(crate) async fn granted(
    app: &AppState,
    tx: &mut store::Tx,
    w: &WindowRow,
    g: &GrantRow,
) -> AppResult<()> {
    let body = format!(
        "{} granted {} access from {} until {}, {} requests and {} tokens a day.",
        person(tx, &g.granted_by).await?,
        person(tx, &g.user_id).await?,
        g.starts_at,
        g.ends_at,
        g.requests_per_day,
        g.tokens_per_day
    );
    let data = json!({"window_id": w.id, "grant_id": g.id, "user_id": g.user_id,
        "granted_by": g.granted_by});
    let n = NewNotification::to_org(
        &w.developer_org,
        NotificationKind::WindowGranted,
        "The government granted access in your window",
        body,
        data,
    );
    notifications::enqueue(app, tx, n).await
}

/// Tells of a revoked grant (`g` as revoked): the grantee's organisation
/// always, so its people know the access has ended even when the developer
/// or the government revoked it; the developer's organisation when someone
/// outside it revoked. The revoker's own organisation is not told twice.
pub(crate) async fn revoked(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    w: &WindowRow,
    g: &GrantRow,
) -> AppResult<()> {
    let body = format!(
        "{} revoked the access of {} to the window's model: {}",
        person(tx, who.user_id()).await?,
        person(tx, &g.user_id).await?,
        g.revoke_reason.as_deref().unwrap_or_default()
    );
    let data = json!({"window_id": w.id, "grant_id": g.id, "user_id": g.user_id,
        "revoked_by": who.user_id(), "revoked_at": g.revoked_at});
    let mut told = vec![g.org_id.as_str()];
    if who.org_id() != w.developer_org && w.developer_org != g.org_id {
        told.push(w.developer_org.as_str());
    }
    let items = told
        .into_iter()
        .map(|org| {
            NewNotification::to_org(
                org,
                NotificationKind::WindowGrantRevoked,
                "Access to a covered model was revoked",
                body.clone(),
                data.clone(),
            )
        })
        .collect();
    notifications::enqueue_many(app, tx, items).await
}

/// [`revoked`] for a grant just revoked in `tx` by another workflow (a
/// withdrawn partnership, a revoked tool request, an archived
/// organisation), read back with its window.
pub(crate) async fn revoked_by_id(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    grant_id: &str,
) -> AppResult<()> {
    let Some(g) = store::frontier::window_grants::get(tx, grant_id).await? else {
        return Ok(());
    };
    let Some(w) = store::frontier::windows::get(tx, &g.window_id).await? else {
        return Ok(());
    };
    revoked(app, tx, who, &w, &g).await
}
