//! People: create accounts, list and read them, set roles, remove
//! authorizations, change passwords. Granting authorizations goes through
//! the two-person rule in `approvals`.

use clearinghouse_domain::identity::{
    Role, Scope, validate_display_name, validate_password, validate_username,
};
use clearinghouse_domain::labels::validate_term;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{into_page, new_id, page_size};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Page, User};
use crate::store;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub org_id: String,
    pub username: String,
    pub display_name: String,
    /// Optional; without one the user can only use API tokens made for them.
    pub password: Option<String>,
    /// Role names; org admins may only give `member` and `org_admin`.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesUpdate {
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationsRemoval {
    pub remove: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Roles an org admin may hand out within their own organisation.
const ORG_ADMIN_GRANTABLE: &[Role] = &[Role::Member, Role::OrgAdmin];

pub fn parse_roles(names: &[String]) -> AppResult<Vec<Role>> {
    let mut roles = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let role = name
            .parse::<Role>()
            .map_err(|e| AppError::invalid(format!("roles[{i}]"), e.to_string()))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

fn role_names(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| r.as_str().to_owned()).collect()
}

/// May `who` manage accounts of `org_id`, and hand out `roles`?
fn check_manage(who: &Principal, org_id: &str, roles: &[Role]) -> AppResult<()> {
    who.require_scope(Scope::UsersWrite)?;
    if who.has_role(Role::PlatformAdmin) {
        return Ok(());
    }
    if who.has_role(Role::OrgAdmin) && who.org_id() == org_id {
        if let Some(r) = roles.iter().find(|r| !ORG_ADMIN_GRANTABLE.contains(r)) {
            return Err(AppError::forbidden(format!(
                "only a platform admin can give the role '{r}'"
            )));
        }
        return Ok(());
    }
    Err(AppError::forbidden(
        "this needs the platform_admin role, or org_admin of the same organisation",
    ))
}

pub async fn create(app: &AppState, who: &Principal, input: NewUser) -> AppResult<User> {
    let roles = parse_roles(&input.roles)?;
    check_manage(who, &input.org_id, &roles)?;
    let username = validate_username(&input.username)?;
    let display_name = validate_display_name("display_name", &input.display_name)?;
    let password_hash = match &input.password {
        Some(p) => {
            validate_password(p)?;
            Some(secrets::hash_password(p).map_err(|e| AppError::Internal(e.to_string()))?)
        }
        None => None,
    };
    let roles = if roles.is_empty() {
        vec![Role::Member]
    } else {
        roles
    };
    let user = User {
        id: new_id(),
        org_id: input.org_id,
        username,
        display_name,
        roles: role_names(&roles),
        authorizations: Vec::new(),
        disabled: false,
        created_at: clock::now_text(),
        password_hash,
    };
    let mut tx = app.store.begin_write().await?;
    if store::orgs::get(&mut *tx, &user.org_id).await?.is_none() {
        return Err(AppError::invalid("org_id", "no such organisation"));
    }
    store::users::insert(&mut *tx, &user).await?;
    let event = AuditEvent {
        action: "user.create",
        object_type: "user",
        object_id: &user.id,
        change: json!(user),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(user)
}

/// Who may see which accounts: platform admins, coordinators and auditors
/// see everyone; others see their own organisation.
fn sees_all(who: &Principal) -> bool {
    who.has_any_role(&[Role::PlatformAdmin, Role::Coordinator, Role::Auditor])
}

pub async fn list(
    app: &AppState,
    who: &Principal,
    org_id: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<User>> {
    who.require_scope(Scope::UsersRead)?;
    let org = if sees_all(who) {
        org_id
    } else {
        Some(who.org_id())
    };
    let limit = page_size(limit);
    let rows = store::users::list(&app.store.pool, org, cursor, limit + 1).await?;
    Ok(into_page(rows, limit, |u| u.id.clone()))
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<User> {
    who.require_scope(Scope::UsersRead)?;
    let user = store::users::get(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if sees_all(who) || user.org_id == who.org_id() {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn set_roles(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: RolesUpdate,
) -> AppResult<User> {
    let roles = parse_roles(&input.roles)?;
    let mut tx = app.store.begin_write().await?;
    let user = store::users::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_manage(who, &user.org_id, &roles)?;
    // An org admin may only change users whose current roles it could have
    // given: otherwise it could strip roles only a platform admin grants.
    let current = parse_roles(&user.roles)?;
    check_manage(who, &user.org_id, &current)?;
    if user.id == who.user_id()
        && !roles.contains(&Role::PlatformAdmin)
        && who.has_role(Role::PlatformAdmin)
    {
        return Err(AppError::invalid(
            "roles",
            "you cannot remove your own platform_admin role",
        ));
    }
    let names = role_names(&roles);
    store::users::set_roles(&mut *tx, id, &names).await?;
    let event = AuditEvent {
        action: "user.set_roles",
        object_type: "user",
        object_id: id,
        change: json!({"roles": names}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(User {
        roles: names,
        ..user
    })
}

/// Removing authorizations narrows access, so one person may do it at once.
pub async fn remove_authorizations(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: AuthorizationsRemoval,
) -> AppResult<User> {
    who.require(Scope::UsersWrite, &[Role::PlatformAdmin])?;
    for (i, term) in input.remove.iter().enumerate() {
        validate_term(term)
            .map_err(|e| AppError::invalid(format!("remove[{i}]"), e.to_string()))?;
    }
    let mut tx = app.store.begin_write().await?;
    let user = store::users::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kept: Vec<String> = user
        .authorizations
        .iter()
        .filter(|a| !input.remove.contains(a))
        .cloned()
        .collect();
    store::users::set_authorizations(&mut *tx, id, &kept).await?;
    let change = json!({"removed": input.remove, "authorizations": kept});
    let event = AuditEvent {
        action: "user.remove_authorizations",
        object_type: "user",
        object_id: id,
        change,
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(User {
        authorizations: kept,
        ..user
    })
}

pub async fn change_password(
    app: &AppState,
    who: &Principal,
    input: PasswordChange,
) -> AppResult<()> {
    if who.is_agent() {
        return Err(AppError::forbidden(
            "an agent cannot change its user's password",
        ));
    }
    let current_ok = who
        .user
        .password_hash
        .as_deref()
        .is_some_and(|h| secrets::verify_password(&input.current_password, h));
    if !current_ok {
        return Err(AppError::invalid("current_password", "is not correct"));
    }
    validate_password(&input.new_password)
        .map_err(|e| AppError::invalid("new_password", e.message))?;
    let hash = secrets::hash_password(&input.new_password)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = app.store.begin_write().await?;
    store::users::set_password(&mut *tx, who.user_id(), &hash).await?;
    let event = AuditEvent {
        action: "user.change_password",
        object_type: "user",
        object_id: who.user_id(),
        change: json!({}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}
