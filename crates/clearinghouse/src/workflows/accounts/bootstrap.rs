//! First start: when there is no user yet, create the clearinghouse's own
//! organisation and its first platform administrator, with an API token
//! (from `CLEARINGHOUSE_ADMIN_TOKEN` when set) and a password (from
//! `CLEARINGHOUSE_ADMIN_PASSWORD` when set, which must pass
//! `validate_password` like every password, or the server refuses to
//! start).
//!
//! This is the one single-person origin of privileged roles: everything
//! after it goes through the two-person rule. [`seed_platform_admin`] is
//! the same origin for a second administrator (the operator, who holds
//! the database, makes it; nobody through the API can).

use clearinghouse_domain::identity::{
    OrgKind, Role, TokenKind, validate_password, validate_username,
};
use serde_json::json;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, Via, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{ApiToken, Organization, User};
use crate::store;
use crate::workflows::new_id;

pub struct Bootstrapped {
    pub username: String,
    /// Present when generated here (not given by the environment).
    pub password: Option<String>,
    pub token: Option<String>,
}

/// Creates the administrator if the installation has no user. Safe to call
/// from several processes at once: the username's uniqueness decides.
pub async fn ensure_admin(
    app: &AppState,
    given_token: Option<&str>,
    given_password: Option<&str>,
) -> AppResult<Option<Bootstrapped>> {
    // Checked even when the installation exists: a setting that breaks the
    // rule is a mistake to report, not to ignore silently.
    if let Some(p) = given_password {
        validate_password(p).map_err(|e| {
            AppError::invalid(
                "CLEARINGHOUSE_ADMIN_PASSWORD",
                format!("{} (the rule for every password)", e.message),
            )
        })?;
    }
    if store::accounts::users::count(&app.store.pool).await? > 0 {
        return Ok(None);
    }
    if let Some(t) = given_token
        && (!t.starts_with("chx_") || t.len() < 24 || t.len() > 128)
    {
        return Err(AppError::invalid(
            "CLEARINGHOUSE_ADMIN_TOKEN",
            "must start with 'chx_' and be 24 to 128 characters",
        ));
    }
    let now = clock::now_text();
    let org = Organization {
        id: new_id(),
        name: "Clearinghouse Administration".into(),
        kind: OrgKind::GovernmentAgency,
        sector: None,
        vetted: true,
        trusted_partner: false,
        created_at: now.clone(),
        archived_at: None,
        archive_reason: None,
    };
    let generated_password = given_password.is_none().then(secrets::new_opaque);
    let password = given_password
        .map(str::to_owned)
        .or(generated_password.clone())
        .unwrap_or_default();
    let user = User {
        id: new_id(),
        org_id: org.id.clone(),
        username: "admin".into(),
        display_name: "Bootstrap administrator".into(),
        roles: vec![
            Role::PlatformAdmin.as_str().into(),
            Role::Auditor.as_str().into(),
        ],
        authorizations: Vec::new(),
        disabled: false,
        created_at: now.clone(),
        created_by: None,
        password_hash: Some(
            secrets::hash_password(&password, app.settings.password_hash_cost)
                .map_err(|e| AppError::internal("hashing the password", e))?,
        ),
    };
    let token_value = given_token
        .map(str::to_owned)
        .unwrap_or_else(secrets::new_token);
    let token = ApiToken {
        id: new_id(),
        user_id: user.id.clone(),
        kind: TokenKind::User,
        name: "bootstrap".into(),
        scopes: vec!["*".into()],
        authorizations: None,
        rate_limit_per_minute: None,
        expires_at: None,
        revoked_at: None,
        created_at: now,
        last_used_at: None,
        campaign_id: None,
    };
    let system = Principal::new(user.clone(), Via::System);
    let mut tx = app.store.begin_write().await?;
    if store::accounts::users::count(&mut *tx).await? > 0 {
        return Ok(None);
    }
    store::accounts::orgs::insert(&mut *tx, &org).await?;
    store::accounts::users::insert(&mut *tx, &user).await?;
    store::accounts::tokens::insert(&mut *tx, &token, &secrets::token_digest(&token_value)).await?;
    let events = [
        AuditEvent {
            action: "org.create",
            object_type: "organization",
            object_id: &org.id,
            change: json!(org),
        },
        AuditEvent {
            action: "user.create",
            object_type: "user",
            object_id: &user.id,
            change: json!(user),
        },
        AuditEvent {
            action: "token.create",
            object_type: "api_token",
            object_id: &token.id,
            change: json!(token),
        },
    ];
    app.audit
        .record(&mut tx, &app.store, &system, &events)
        .await?;
    tx.commit().await?;
    Ok(Some(Bootstrapped {
        username: user.username,
        password: generated_password,
        token: given_token.is_none().then_some(token_value),
    }))
}

/// Adds a platform administrator in the bootstrap organisation as the
/// operator (no creator, so no cooling-off link to anyone): how an
/// installation gets the second administrator the two-person rule needs.
/// Audited as the system.
pub async fn seed_platform_admin(
    app: &AppState,
    username: &str,
    password: &str,
) -> AppResult<User> {
    let username = validate_username(username)?;
    validate_password(password)?;
    let hash = secrets::hash_password_off_runtime(app, password.to_owned()).await?;
    let first = store::accounts::users::get_by_username(&app.store.pool, "admin")
        .await?
        .ok_or_else(|| AppError::invalid("username", "the installation has no bootstrap admin"))?;
    let user = User {
        id: new_id(),
        org_id: first.org_id,
        username: username.clone(),
        display_name: username,
        roles: vec![Role::PlatformAdmin.as_str().into()],
        authorizations: Vec::new(),
        disabled: false,
        created_at: clock::now_text(),
        created_by: None,
        password_hash: Some(hash),
    };
    let system = Principal::new(user.clone(), Via::System);
    let mut tx = app.store.begin_write().await?;
    store::accounts::users::insert(&mut *tx, &user).await?;
    let event = AuditEvent {
        action: "user.create",
        object_type: "user",
        object_id: &user.id,
        change: json!(user),
    };
    app.audit
        .record(&mut tx, &app.store, &system, &[event])
        .await?;
    tx.commit().await?;
    Ok(user)
}
