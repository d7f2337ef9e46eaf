//! API tokens: personal tokens and agent principals (scoped, expiring,
//! rate-limited credentials a user makes for a scanner or an AI agent).

use clearinghouse_domain::identity::{Role, Scope, TokenKind};
use clearinghouse_domain::labels::validate_term;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::ApiToken;
use crate::store;
use crate::workflows::new_id;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// `user`: a personal token with all of your rights. `agent`: a scoped
    /// principal for an automated client.
    pub kind: String,
    /// Agent only: the scopes it may use (see the `Scope` list in the docs).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Agent only: authorization terms it may use; must be ones you hold.
    #[serde(default)]
    pub authorizations: Vec<String>,
    /// Days until it expires (1..=365). Required for agents.
    pub expires_in_days: Option<i64>,
    /// Agent only: requests per minute (1..=100000, default 600).
    pub rate_limit_per_minute: Option<i64>,
    /// Agent only: a scan campaign of your organisation, active and not
    /// past its window. The agent submits findings only to it and reads
    /// only it (scopes `findings:write`, `findings:read`); it expires with
    /// the campaign's window at the latest and stops when the campaign
    /// stops.
    pub campaign_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, shown once. Send as `Authorization: Bearer <token>`.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

pub async fn create(app: &AppState, who: &Principal, input: NewToken) -> AppResult<CreatedToken> {
    if who.is_agent() {
        return Err(AppError::forbidden("an agent cannot make tokens"));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "must be 1 to 100 characters"));
    }
    let expires_days = input.expires_in_days;
    if let Some(d) = expires_days
        && !(1..=365).contains(&d)
    {
        return Err(AppError::invalid(
            "expires_in_days",
            "must be between 1 and 365",
        ));
    }
    let kind = input
        .kind
        .parse::<TokenKind>()
        .map_err(|_| AppError::invalid("kind", "must be 'user' or 'agent'"))?;
    let (scopes, authorizations, rate) = match kind {
        TokenKind::User => {
            if !input.scopes.is_empty()
                || !input.authorizations.is_empty()
                || input.rate_limit_per_minute.is_some()
                || input.campaign_id.is_some()
            {
                return Err(AppError::invalid(
                    "kind",
                    "scopes, authorizations, rate limits and campaigns apply to agent tokens only",
                ));
            }
            (vec!["*".to_owned()], None, None)
        }
        TokenKind::Agent => {
            if expires_days.is_none() {
                return Err(AppError::invalid(
                    "expires_in_days",
                    "is required for agent tokens",
                ));
            }
            let mut scopes = Vec::new();
            for (i, s) in input.scopes.iter().enumerate() {
                let scope: Scope =
                    s.parse()
                        .map_err(|e: clearinghouse_domain::identity::UnknownName| {
                            AppError::invalid(format!("scopes[{i}]"), e.to_string())
                        })?;
                if scope == Scope::TokensWrite {
                    return Err(AppError::invalid(
                        format!("scopes[{i}]"),
                        "agents cannot be given tokens:write",
                    ));
                }
                scopes.push(scope.as_str().to_owned());
            }
            if scopes.is_empty() {
                return Err(AppError::invalid(
                    "scopes",
                    "an agent needs at least one scope",
                ));
            }
            for (i, a) in input.authorizations.iter().enumerate() {
                validate_term(a).map_err(|e| {
                    AppError::invalid(format!("authorizations[{i}]"), e.to_string())
                })?;
                if !who.authorizations.contains(a) {
                    return Err(AppError::invalid(
                        format!("authorizations[{i}]"),
                        format!("you do not hold '{a}'; an agent can never do more than its user"),
                    ));
                }
            }
            let rate = input.rate_limit_per_minute.unwrap_or(600);
            if !(1..=100_000).contains(&rate) {
                return Err(AppError::invalid(
                    "rate_limit_per_minute",
                    "must be between 1 and 100000",
                ));
            }
            (scopes, Some(input.authorizations.clone()), Some(rate))
        }
    };
    let now = clock::now();
    let mut expires_at = expires_days.map(|d| clock::format(now + time::Duration::days(d)));
    let campaign_id = match input.campaign_id.as_deref() {
        Some(c) => {
            let ends = crate::workflows::scans::agents::check_issue(app, who, c, &scopes).await?;
            if expires_at.as_deref().is_none_or(|e| e > ends.as_str()) {
                expires_at = Some(ends);
            }
            Some(c.to_owned())
        }
        None => None,
    };
    let info = ApiToken {
        id: new_id(),
        user_id: who.user_id().to_owned(),
        kind,
        name: name.to_owned(),
        scopes,
        authorizations,
        rate_limit_per_minute: rate,
        expires_at,
        revoked_at: None,
        created_at: clock::format(now),
        last_used_at: None,
        campaign_id,
    };
    let token = secrets::new_token();
    let mut tx = app.store.begin_write().await?;
    store::accounts::tokens::insert(&mut *tx, &info, &secrets::token_digest(&token)).await?;
    let event = AuditEvent {
        action: "token.create",
        object_type: "api_token",
        object_id: &info.id,
        change: json!(info),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(CreatedToken { token, info })
}

pub async fn list_mine(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<crate::model::Page<ApiToken>> {
    let limit = crate::workflows::page_size(limit);
    let rows =
        store::accounts::tokens::list_for_user(&app.store.pool, who.user_id(), cursor, limit + 1)
            .await?;
    Ok(crate::workflows::into_page(rows, limit, |t| t.id.clone()))
}

/// Revokes one of your tokens (platform admins may revoke anyone's).
pub async fn revoke(app: &AppState, who: &Principal, id: &str) -> AppResult<ApiToken> {
    let mut tx = app.store.begin_write().await?;
    let token = store::accounts::tokens::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = token.user_id == who.user_id();
    if !own && !who.has_role(Role::PlatformAdmin) {
        return Err(AppError::NotFound);
    }
    if who.is_agent() && who.agent().is_some_and(|a| a.id != token.id) {
        return Err(AppError::forbidden("an agent can only revoke itself"));
    }
    let now = clock::now_text();
    store::accounts::tokens::revoke(&mut *tx, id, &now).await?;
    let event = AuditEvent {
        action: "token.revoke",
        object_type: "api_token",
        object_id: id,
        change: json!({"revoked_at": now}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(ApiToken {
        revoked_at: Some(now),
        ..token
    })
}

/// Revokes every token of a user: yourself, or anyone you may see as a
/// platform admin (a user you may not see is 404). People only: an agent
/// revokes no more than itself. Returns the user's tokens afterwards.
pub async fn revoke_all(
    app: &AppState,
    who: &Principal,
    user_id: &str,
) -> AppResult<Vec<ApiToken>> {
    let mut tx = app.store.begin_write().await?;
    let user = crate::workflows::accounts::users::get_visible(&mut tx, who, user_id).await?;
    if who.is_agent() {
        return Err(AppError::forbidden(
            "an agent cannot revoke its user's tokens; a person must",
        ));
    }
    if user.id != who.user_id() && !who.has_role(Role::PlatformAdmin) {
        return Err(AppError::forbidden(
            "only the user or a platform admin can revoke a user's tokens",
        ));
    }
    let now = clock::now_text();
    let revoked = store::accounts::tokens::revoke_all_for_user(&mut *tx, &user.id, &now).await?;
    // The person's broker credentials (access windows) die with the tokens.
    let broker =
        store::frontier::window_grants::revoke_credentials_of_user(&mut tx, &user.id, &now).await?;
    let event = AuditEvent {
        action: "token.revoke_all",
        object_type: "user",
        object_id: &user.id,
        change: json!({"revoked": revoked, "broker_credentials_revoked": broker,
                       "revoked_at": now}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    app.broker.invalidate();
    Ok(store::accounts::tokens::all_for_user(&app.store.pool, &user.id).await?)
}
