//! Web sign-in and sign-out. Sessions are random cookie values stored only
//! as digests, each with its own CSRF token; they expire after 12 hours.
//! Sign-in is throttled and its failures audited (see [`login`]).

use std::net::IpAddr;

use serde_json::json;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::login_guard::Failure;
use crate::auth::{Principal, Via, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::User;
use crate::store;

pub const SESSION_HOURS: i64 = 12;

pub struct NewSession {
    /// The cookie value (shown to the browser only).
    pub cookie: String,
    pub principal: Principal,
}

/// Checks a password and opens a session. Wrong user and wrong password give
/// the same answer, after the same work. Throttled per account and per
/// client address (`auth::login_guard`): while locked, every attempt is
/// refused with 429 before any password work. A failure of an existing
/// account is audited (`session.login_failed`, never the password) once
/// per count and once per lockout; every failure is counted in
/// `clearinghouse_login_failures_total{audited}`.
pub async fn login(
    app: &AppState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> AppResult<NewSession> {
    let username = username.trim();
    if let Err(secs) = app.login_guard.check(username, addr) {
        metrics::counter!("clearinghouse_login_refused_total").increment(1);
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
        });
    }
    let user = store::accounts::users::get_by_username(&app.store.pool, username).await?;
    let hash = match user.as_ref().and_then(|u| u.password_hash.clone()) {
        Some(h) => h,
        // Verifying against a dummy hash keeps "no such user" as slow as a
        // wrong password.
        None => dummy_hash(app).await?,
    };
    let ok = secrets::verify_password_off_runtime(app, password.to_owned(), hash).await?;
    // An archived organisation's users cannot sign in, answered like a
    // wrong password.
    let archived = match &user {
        Some(u) => crate::auth::org_archived(&app.store, &u.org_id).await?,
        None => false,
    };
    let user = match user {
        Some(u) if ok && !u.disabled && !archived && u.password_hash.is_some() => u,
        other => {
            let failure = app.login_guard.record_failure(username, addr);
            let audited = match other {
                Some(u) if failure.audit => {
                    record_failure(app, u, &failure, addr).await?;
                    "true"
                }
                None if failure.audit => {
                    record_unknown_failure(app, username, &failure, addr).await?;
                    "true"
                }
                _ => "false",
            };
            metrics::counter!("clearinghouse_login_failures_total", "audited" => audited)
                .increment(1);
            return Err(AppError::invalid(
                "password",
                "unknown username or wrong password",
            ));
        }
    };
    app.login_guard.record_success(username, addr);
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
    store::accounts::sessions::insert(
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

/// A hash of a random password, made once per process.
async fn dummy_hash(app: &AppState) -> AppResult<String> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| secrets::hash_password_off_runtime(app, secrets::new_opaque()))
        .await
        .cloned()
}

/// The audit entry of a failed sign-in of an existing account: the actor
/// is the system, the object the account; the change names the count, the
/// lockout and the client address, never the password.
async fn record_failure(
    app: &AppState,
    user: User,
    failure: &Failure,
    addr: Option<IpAddr>,
) -> AppResult<()> {
    let id = user.id.clone();
    let action = "session.login_failed";
    record_sign_in_failure(app, user, action, "user", &id, failure, addr).await
}

/// The audit entry of a failed sign-in under a name no account has: the
/// actor is the system, the object the name as typed (cut to
/// [`MAX_AUDITED_NAME`] characters, control characters replaced), the
/// change the count and the client address. Investigators see password
/// spraying and name guessing, not only attacks on real accounts; the
/// guard's `audit` flag (first failure of a count, each lockout) bounds
/// how many entries one address can cause.
async fn record_unknown_failure(
    app: &AppState,
    username: &str,
    failure: &Failure,
    addr: Option<IpAddr>,
) -> AppResult<()> {
    let name = audited_name(username);
    let action = "session.login_failed_unknown";
    let actor = User::system();
    record_sign_in_failure(app, actor, action, "sign_in_name", &name, failure, addr).await
}

/// Audits one failed sign-in, `action` about `object_id` (of
/// `object_type`), with the system acting for `actor`: the change names the count,
/// the lockout and the client address. Used by [`record_failure`] and
/// [`record_unknown_failure`].
async fn record_sign_in_failure(
    app: &AppState,
    actor: User,
    action: &'static str,
    object_type: &'static str,
    object_id: &str,
    failure: &Failure,
    addr: Option<IpAddr>,
) -> AppResult<()> {
    let system = Principal::new(actor, Via::System);
    let event = AuditEvent {
        action,
        object_type,
        object_id,
        change: json!({
            "failures": failure.failures,
            "locked_for_seconds": failure.locked_for.map(|d| d.as_secs()),
            "address": addr.map(|a| a.to_string()),
        }),
    };
    let mut tx = app.store.begin_write().await?;
    app.audit
        .record(&mut tx, &app.store, &system, &[event])
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Names typed at sign-in are kept in the audit log to this many characters.
pub const MAX_AUDITED_NAME: usize = 64;

/// A typed sign-in name made safe to keep: at most [`MAX_AUDITED_NAME`]
/// characters, control and bidirectional-override characters replaced by
/// `?`.
fn audited_name(typed: &str) -> String {
    typed
        .chars()
        .take(MAX_AUDITED_NAME)
        .map(|c| {
            if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
            {
                '?'
            } else {
                c
            }
        })
        .collect()
}

pub async fn logout(app: &AppState, who: &Principal, cookie: &str) -> AppResult<()> {
    let mut tx = app.store.begin_write().await?;
    store::accounts::sessions::delete(&mut *tx, &secrets::token_digest(cookie)).await?;
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
