//! Web sign-in and sign-out. Sessions are random cookie values stored only
//! as digests, each with its own CSRF token; they expire after 12 hours.

use serde_json::json;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, Via, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;

pub const SESSION_HOURS: i64 = 12;

pub struct NewSession {
    /// The cookie value (shown to the browser only).
    pub cookie: String,
    pub principal: Principal,
}

/// Checks a password and opens a session. Wrong user and wrong password give
/// the same answer, after the same work.
pub async fn login(app: &AppState, username: &str, password: &str) -> AppResult<NewSession> {
    let user = store::users::get_by_username(&app.store.pool, username.trim()).await?;
    // Verifying against a dummy hash keeps "no such user" as slow as a wrong password.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| secrets::hash_password(&secrets::new_opaque()).unwrap_or_default());
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy.clone());
    let ok = secrets::verify_password(password, &hash);
    let user = match user {
        Some(u) if ok && !u.disabled && u.password_hash.is_some() => u,
        _ => {
            return Err(AppError::invalid(
                "password",
                "unknown username or wrong password",
            ));
        }
    };
    let cookie = secrets::new_opaque();
    let csrf = secrets::new_opaque();
    let now = clock::now();
    let expires = clock::format(now + time::Duration::hours(SESSION_HOURS));
    let principal = Principal::new(
        user,
        Via::Session {
            csrf_token: csrf.clone(),
        },
    );
    let mut tx = app.store.begin_write().await?;
    store::sessions::insert(
        &mut *tx,
        &secrets::token_digest(&cookie),
        principal.user_id(),
        &csrf,
        &expires,
        &clock::format(now),
    )
    .await?;
    let event = AuditEvent {
        action: "session.login",
        object_type: "user",
        object_id: principal.user_id(),
        change: json!({"expires_at": expires}),
    };
    app.audit
        .record(&mut tx, &app.store, &principal, &[event])
        .await?;
    tx.commit().await?;
    Ok(NewSession { cookie, principal })
}

pub async fn logout(app: &AppState, who: &Principal, cookie: &str) -> AppResult<()> {
    let mut tx = app.store.begin_write().await?;
    store::sessions::delete(&mut *tx, &secrets::token_digest(cookie)).await?;
    let event = AuditEvent {
        action: "session.logout",
        object_type: "user",
        object_id: who.user_id(),
        change: json!({}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}
