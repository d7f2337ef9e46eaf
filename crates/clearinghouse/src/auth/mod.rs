//! Who is calling: resolving a bearer token or a session cookie to a
//! [`Principal`], and the checks every workflow makes on it. An agent's
//! rights are always a subset of its user's: its roles are the user's, its
//! scopes are named, and its authorizations are the intersection of its own
//! and the user's.

pub mod login_guard;
pub mod rate_limit;
pub mod secrets;

use clearinghouse_domain::identity::{Role, Scope, TokenKind};
use clearinghouse_domain::labels::{Authorizations, Reader};

use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{ApiToken, User};
use crate::store::{self, Store};

/// How the principal reached us.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session; carries the session's CSRF token.
    Session { csrf_token: String },
    /// A personal API token: acts with all of its user's rights.
    UserToken { token_id: String },
    /// An agent principal: a scoped, rate-limited token made by a user.
    Agent { token: Box<ApiToken> },
    /// The system itself (bootstrap, jobs).
    System,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub roles: Vec<Role>,
    /// The effective authorizations (for agents, the intersection).
    pub authorizations: Authorizations,
    pub via: Via,
    /// How many visibility expressions were stored when the principal was
    /// read, where the same query read it (the label cache's check).
    pub label_count: Option<i64>,
}

impl Principal {
    pub fn new(user: User, via: Via) -> Principal {
        let roles = user.roles.iter().filter_map(|r| r.parse().ok()).collect();
        let user_auths = Authorizations::new(user.authorizations.iter().cloned());
        let authorizations = match &via {
            Via::Agent { token } => {
                let own = Authorizations::new(token.authorizations.iter().flatten().cloned());
                own.intersect(&user_auths)
            }
            _ => user_auths,
        };
        Principal {
            user,
            roles,
            authorizations,
            via,
            label_count: None,
        }
    }

    pub fn user_id(&self) -> &str {
        &self.user.id
    }

    pub fn org_id(&self) -> &str {
        &self.user.org_id
    }

    pub fn agent(&self) -> Option<&ApiToken> {
        match &self.via {
            Via::Agent { token } => Some(token),
            _ => None,
        }
    }

    pub fn is_agent(&self) -> bool {
        self.agent().is_some()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    /// Agents may only use the scopes they were given; people and personal
    /// tokens hold every scope.
    pub fn has_scope(&self, scope: Scope) -> bool {
        match &self.via {
            Via::Agent { token } => token.scopes.iter().any(|s| s == scope.as_str()),
            _ => true,
        }
    }

    pub fn require_scope(&self, scope: Scope) -> AppResult<()> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this agent token lacks the scope '{scope}'"
            )))
        }
    }

    /// Requires the scope and one of the roles.
    pub fn require(&self, scope: Scope, roles: &[Role]) -> AppResult<()> {
        self.require_scope(scope)?;
        if self.has_any_role(roles) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(AppError::forbidden(format!(
                "this needs one of the roles: {}",
                names.join(", ")
            )))
        }
    }

    /// The reader as the domain's policy sees it.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            principal_id: &self.user.id,
            org_id: &self.user.org_id,
            authorizations: &self.authorizations,
        }
    }
}

/// Whether a user's organisation is archived: its users cannot sign in.
pub async fn org_archived(store: &Store, org_id: &str) -> AppResult<bool> {
    Ok(store::accounts::orgs::get(&store.pool, org_id)
        .await?
        .is_some_and(|o| o.archived_at.is_some()))
}

/// Resolves an API bearer token. Unknown, revoked and expired tokens, and
/// tokens of disabled users or archived organisations, are all simply
/// "unauthenticated".
pub async fn principal_from_token(store: &Store, token: &str) -> AppResult<Principal> {
    if !token.starts_with("chx_") || token.len() > 128 {
        return Err(AppError::Unauthenticated);
    }
    let digest = secrets::token_digest(token);
    let store::accounts::tokens::Holder {
        token: row,
        user,
        label_count,
    } = store
        .reads
        .run(async |conn| store::accounts::tokens::get_with_holder(conn, &digest).await)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = clock::now_text();
    if row.revoked_at.is_some() || row.expires_at.as_deref().is_some_and(|e| e <= now.as_str()) {
        return Err(AppError::Unauthenticated);
    }
    if let Some(campaign) = &row.campaign_id
        && !store::scans::campaigns::in_force(&store.pool, campaign, &now).await?
    {
        // An agent made for a campaign works only while it runs.
        return Err(AppError::Unauthenticated);
    }
    record_use(store, &row, &now).await;
    let via = if row.kind == TokenKind::Agent {
        Via::Agent {
            token: Box::new(row),
        }
    } else {
        Via::UserToken { token_id: row.id }
    };
    Ok(Principal {
        label_count: Some(label_count),
        ..Principal::new(user, via)
    })
}

/// What an agent made for one scan campaign may call (paths under
/// `/api/v1`): who it is, submitting findings, reading its submissions,
/// reading its campaign. Everything else is refused before any handler.
pub fn campaign_agent_allows(method: &str, path: &str, campaign_id: &str) -> bool {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET" | "HEAD", ["me"]) => true,
        ("POST", ["submissions"]) => true,
        ("GET" | "HEAD", ["submissions", _] | ["submissions", _, "items"]) => true,
        ("GET" | "HEAD", ["scans", "campaigns", id]) => *id == campaign_id,
        _ => false,
    }
}

/// Resolves a session cookie value.
pub async fn principal_from_session(store: &Store, cookie: &str) -> AppResult<Principal> {
    let digest = secrets::token_digest(cookie);
    let session = store::accounts::sessions::get(&store.pool, &digest)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if session.expires_at <= clock::now_text() {
        return Err(AppError::Unauthenticated);
    }
    let user = store::accounts::users::get_active(&store.pool, &session.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(Principal::new(
        user,
        Via::Session {
            csrf_token: session.csrf_token,
        },
    ))
}

/// Whether a session's user must first replace a password someone else set
/// (S12): until then the web UI offers only the password form and sign-out,
/// and the API answers cookie requests other than `/me/password` with 403.
pub async fn password_change_required(store: &Store, user_id: &str) -> AppResult<bool> {
    Ok(store::accounts::password_change::is_required(&store.pool, user_id).await?)
}

/// The refusal while a password change is required.
pub fn password_change_refusal() -> AppError {
    AppError::forbidden(
        "your password was set by an administrator: choose your own first \
         (POST /api/v1/me/password, or /account/password in the browser)",
    )
}

/// Keeps `last_used_at` roughly current without a write on every request:
/// at most one update a minute per token. A failed update only loses that
/// bookkeeping, so it is logged and the request goes on.
async fn record_use(store: &Store, token: &ApiToken, now: &str) {
    let stale = match token.last_used_at.as_deref().and_then(clock::parse) {
        Some(last) => clock::now() - last > time::Duration::minutes(1),
        None => true,
    };
    if stale && let Err(e) = store::accounts::tokens::touch(&store.pool, &token.id, now).await {
        tracing::warn!(token.id = %token.id, error = %e, "recording token use failed");
    }
}
