//! People: create accounts, list and read them, set roles, remove
//! authorizations, change passwords. Granting authorizations and
//! privileged roles (`Role::is_privileged`) goes through the two-person
//! rule in `approvals`: creating a user or setting roles applies the
//! unprivileged part at once and files a `grant_role` request for the
//! privileged part. Agents never create users with roles or passwords and
//! never change roles.
//!
//! Visibility comes before rights: a user the caller may not see is "not
//! found" on every route, whatever the caller's rights.

use crate::store::AnyConnection;
use clearinghouse_domain::approval::ElevationKind;
use clearinghouse_domain::identity::{
    Role, Scope, validate_password, validate_person_name, validate_username,
};
use clearinghouse_domain::labels::validate_term;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, secrets};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Page, User, UserWithRequest};
use crate::store;
use crate::workflows::{into_page, new_id, page_size};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub org_id: String,
    pub username: String,
    pub display_name: String,
    /// Optional; without one the user can only use API tokens made for them.
    /// Agents may not set one.
    pub password: Option<String>,
    /// Role names; org admins may only give `member` and `org_admin`.
    /// Privileged roles (`platform_admin`, `coordinator`, `validator`,
    /// `designation_authority`, `auditor`) are not given at once: a
    /// `grant_role` request is filed for a second platform admin.
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
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

/// Roles that act for the government under the order: evaluators and
/// consultants read every designation inquiry (of every developer) once
/// cleared for `FRONTIER`; designation authorities and directive managers
/// decide for the state; security officers read every window's insider-risk
/// alerts. Held only in a government agency's accounts, so an
/// AI developer's or vendor's employee can never become a reader of its
/// rivals' inquiries by a role grant.
const GOVERNMENT_ROLES: &[Role] = &[
    Role::Evaluator,
    Role::Consultant,
    Role::DesignationAuthority,
    Role::DirectiveManager,
    Role::SecurityOfficer,
];

/// Refuses a government role for an account outside a government agency
/// (422 on `roles`, nothing changed).
async fn check_government_roles(
    conn: &mut AnyConnection,
    org_id: &str,
    roles: &[Role],
) -> AppResult<()> {
    let Some(r) = roles.iter().find(|r| GOVERNMENT_ROLES.contains(r)) else {
        return Ok(());
    };
    let kind = store::accounts::orgs::get(&mut *conn, org_id)
        .await?
        .map(|o| o.kind);
    if kind.is_some() && kind != Some(clearinghouse_domain::identity::OrgKind::GovernmentAgency) {
        return Err(AppError::invalid(
            "roles",
            format!("the role '{r}' is held only by accounts of a government agency"),
        ));
    }
    Ok(())
}

/// Marks an account made by the operator beside the database
/// (`admin add-platform-admin`) as having to replace the password the
/// operator chose, like one an administrator set (S12).
pub async fn require_first_password(app: &AppState, user_id: &str, set_by: &str) -> AppResult<()> {
    let now = clock::now_text();
    store::accounts::password_change::require(&app.store.pool, user_id, set_by, &now).await?;
    Ok(())
}

/// Agents act for their user on data, never on who holds which rights.
fn refuse_agent(who: &Principal, what: &str) -> AppResult<()> {
    if who.is_agent() {
        return Err(AppError::forbidden(format!(
            "an agent cannot {what}; a person must"
        )));
    }
    Ok(())
}

pub async fn create(app: &AppState, who: &Principal, input: NewUser) -> AppResult<UserWithRequest> {
    let roles = parse_roles(&input.roles)?;
    if !roles.is_empty() {
        refuse_agent(who, "give roles")?;
    }
    if input.password.is_some() {
        refuse_agent(who, "set passwords")?;
    }
    check_manage(who, &input.org_id, &roles)?;
    if crate::auth::org_archived(&app.store, &input.org_id).await? {
        return Err(AppError::invalid(
            "org_id",
            "the organisation is archived; its users cannot sign in",
        ));
    }
    let username = validate_username(&input.username)?;
    let display_name = validate_person_name("display_name", &input.display_name)?;
    let password_hash = match input.password {
        Some(p) => {
            validate_password(&p)?;
            Some(secrets::hash_password_off_runtime(app, p).await?)
        }
        None => None,
    };
    let (privileged, mut now_roles): (Vec<Role>, Vec<Role>) =
        roles.into_iter().partition(|r| r.is_privileged());
    if now_roles.is_empty() {
        now_roles.push(Role::Member);
    }
    let user = User {
        id: new_id(),
        org_id: input.org_id,
        username,
        display_name,
        roles: role_names(&now_roles),
        authorizations: Vec::new(),
        disabled: false,
        created_at: clock::now_text(),
        created_by: Some(who.user_id().to_owned()),
        password_hash,
    };
    let mut tx = app.store.begin_write().await?;
    if store::accounts::orgs::get(&mut *tx, &user.org_id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid("org_id", "no such organisation"));
    }
    let asked: Vec<Role> = privileged.iter().chain(now_roles.iter()).copied().collect();
    check_government_roles(&mut tx, &user.org_id, &asked).await?;
    store::accounts::users::insert(&mut *tx, &user).await?;
    let (me, at) = (who.user_id(), &user.created_at);
    if user.password_hash.is_some() {
        // A password someone else chose is known to them: the holder
        // replaces it at first sign-in (S12).
        store::accounts::password_change::require(&mut *tx, &user.id, me, at).await?;
    }
    let created = ElevationKind::CreatedAccount;
    crate::workflows::approvals::record_elevations(&mut tx, &[me], &user.id, created, at).await?;
    let event = AuditEvent {
        action: "user.create",
        object_type: "user",
        object_id: &user.id,
        change: json!(user),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let role_request = if privileged.is_empty() {
        None
    } else {
        Some(
            crate::workflows::approvals::request_roles(app, &mut tx, who, &user, privileged)
                .await?,
        )
    };
    tx.commit().await?;
    Ok(UserWithRequest { user, role_request })
}

/// Who may see which accounts: platform admins, coordinators and auditors
/// see everyone; others see their own organisation.
fn sees_all(who: &Principal) -> bool {
    who.has_any_role(&[Role::PlatformAdmin, Role::Coordinator, Role::Auditor])
}

/// Whether `who` may see `user` (the one visibility rule for accounts).
pub fn may_see(who: &Principal, user: &User) -> bool {
    sees_all(who) || user.org_id == who.org_id()
}

/// The user if `who` may see it, else "not found" (as for a missing one).
pub(crate) async fn get_visible(
    conn: &mut AnyConnection,
    who: &Principal,
    id: &str,
) -> AppResult<User> {
    match store::accounts::users::get(&mut *conn, id).await? {
        Some(u) if may_see(who, &u) => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

pub async fn list(
    app: &AppState,
    who: &Principal,
    org_id: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<User>> {
    who.require_scope(Scope::UsersRead)?;
    let limit = page_size(limit);
    let org = if sees_all(who) {
        org_id
    } else if org_id.is_some_and(|o| o != who.org_id()) {
        // Another organisation's users: none the caller may see (and the
        // same answer whether that organisation exists or not).
        return Ok(into_page(Vec::new(), limit, |u: &User| u.id.clone()));
    } else {
        Some(who.org_id())
    };
    let rows = store::accounts::users::list(&app.store.pool, org, cursor, limit + 1).await?;
    Ok(into_page(rows, limit, |u| u.id.clone()))
}

/// One page of the users table and how many match; those who do not see
/// every organisation see only their own organisation's users (and count
/// only them).
pub async fn table(
    app: &AppState,
    who: &Principal,
    q: &store::accounts::users::UserTable<'_>,
) -> AppResult<(Vec<User>, i64)> {
    who.require_scope(Scope::UsersRead)?;
    let mut q = q.clone();
    if !sees_all(who) {
        q.org_id = Some(who.org_id());
    }
    Ok(store::accounts::users::table(&app.store.pool, &q).await?)
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<User> {
    who.require_scope(Scope::UsersRead)?;
    let mut conn = app.store.pool.acquire().await?;
    get_visible(&mut conn, who, id).await
}

/// Replaces a user's roles: removals and unprivileged additions at once,
/// privileged additions as a `grant_role` request.
pub async fn set_roles(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: RolesUpdate,
) -> AppResult<UserWithRequest> {
    who.require_scope(Scope::UsersWrite)?;
    let roles = parse_roles(&input.roles)?;
    let mut tx = app.store.begin_write().await?;
    let user = get_visible(&mut tx, who, id).await?;
    refuse_agent(who, "change roles")?;
    check_manage(who, &user.org_id, &roles)?;
    // An org admin may only change users whose current roles it could have
    // given: otherwise it could strip roles only a platform admin grants.
    let current = parse_roles(&user.roles)?;
    check_manage(who, &user.org_id, &current)?;
    let added: Vec<Role> = roles
        .iter()
        .filter(|r| !current.contains(r))
        .copied()
        .collect();
    check_government_roles(&mut tx, &user.org_id, &added).await?;
    if user.id == who.user_id()
        && !roles.contains(&Role::PlatformAdmin)
        && who.has_role(Role::PlatformAdmin)
    {
        return Err(AppError::invalid(
            "roles",
            "you cannot remove your own platform_admin role",
        ));
    }
    let (privileged, unprivileged): (Vec<Role>, Vec<Role>) = roles
        .iter()
        .filter(|r| !current.contains(r))
        .partition(|r| r.is_privileged());
    // What is held now: the asked-for roles, less privileged ones not yet held.
    let kept: Vec<Role> = roles
        .iter()
        .copied()
        .filter(|r| current.contains(r) || !r.is_privileged())
        .collect();
    let names = role_names(&kept);
    store::accounts::users::set_roles(&mut *tx, id, &names).await?;
    if !unprivileged.is_empty() {
        let granted = ElevationKind::GrantedRole;
        let now = clock::now_text();
        crate::workflows::approvals::record_elevations(
            &mut tx,
            &[who.user_id()],
            id,
            granted,
            &now,
        )
        .await?;
    }
    let event = AuditEvent {
        action: "user.set_roles",
        object_type: "user",
        object_id: id,
        change: json!({"roles": names}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let role_request = if privileged.is_empty() {
        None
    } else {
        Some(
            crate::workflows::approvals::request_roles(app, &mut tx, who, &user, privileged)
                .await?,
        )
    };
    tx.commit().await?;
    Ok(UserWithRequest {
        user: User {
            roles: names,
            ..user
        },
        role_request,
    })
}

/// Removing authorizations narrows access, so one person may do it at once.
pub async fn remove_authorizations(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: AuthorizationsRemoval,
) -> AppResult<User> {
    who.require_scope(Scope::UsersWrite)?;
    for (i, term) in input.remove.iter().enumerate() {
        validate_term(term)
            .map_err(|e| AppError::invalid(format!("remove[{i}]"), e.to_string()))?;
    }
    let mut tx = app.store.begin_write().await?;
    let user = get_visible(&mut tx, who, id).await?;
    who.require(Scope::UsersWrite, &[Role::PlatformAdmin])?;
    let kept: Vec<String> = user
        .authorizations
        .iter()
        .filter(|a| !input.remove.contains(a))
        .cloned()
        .collect();
    store::accounts::users::set_authorizations(&mut *tx, id, &kept).await?;
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

/// Changes the caller's password and ends every other session of theirs
/// (`current_session` is the caller's own session cookie, kept when the
/// change comes from the web). API tokens stay: they are separate
/// credentials with their own scopes; `tokens::revoke_all` ends them.
pub async fn change_password(
    app: &AppState,
    who: &Principal,
    input: PasswordChange,
    current_session: Option<&str>,
) -> AppResult<()> {
    refuse_agent(who, "change its user's password")?;
    // Guesses of the current password count against the account like
    // failed sign-ins: a stolen session or token must not become a way to
    // learn the password by trying.
    let username = who.user.username.clone();
    if let Err(secs) = app.login_guard.check(&username, None) {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
        });
    }
    let same = input.current_password == input.new_password;
    let current_ok = match who.user.password_hash.clone() {
        Some(h) => secrets::verify_password_off_runtime(app, input.current_password, h).await?,
        None => false,
    };
    if !current_ok {
        app.login_guard.record_failure(&username, None);
        return Err(AppError::invalid("current_password", "is not correct"));
    }
    if same {
        return Err(AppError::invalid(
            "new_password",
            "is the same as the current password; choose a new one",
        ));
    }
    validate_password(&input.new_password)
        .map_err(|e| AppError::invalid("new_password", e.message))?;
    let hash = secrets::hash_password_off_runtime(app, input.new_password).await?;
    let mut tx = app.store.begin_write().await?;
    store::accounts::users::set_password(&mut *tx, who.user_id(), &hash).await?;
    store::accounts::password_change::clear(&mut *tx, who.user_id()).await?;
    let keep = current_session.map(secrets::token_digest);
    let ended =
        store::accounts::sessions::delete_for_user(&mut *tx, who.user_id(), keep.as_deref())
            .await?;
    let event = AuditEvent {
        action: "user.change_password",
        object_type: "user",
        object_id: who.user_id(),
        change: json!({"sessions_ended": ended}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

/// An admin sets another user's password (a platform admin, or an org
/// admin within its organisation for accounts it could have made). Every
/// session of the user ends; API tokens stay (`tokens::revoke_all`). A
/// privileged account's password is its holder's alone: resetting it would
/// let one admin sign in as another and approve its own requests. The
/// reset is a cooling-off fact like making the account.
pub async fn reset_password(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: PasswordReset,
) -> AppResult<()> {
    who.require_scope(Scope::UsersWrite)?;
    let user = {
        let mut conn = app.store.pool.acquire().await?;
        get_visible(&mut conn, who, id).await?
    };
    refuse_agent(who, "set passwords")?;
    let current = parse_roles(&user.roles)?;
    check_manage(who, &user.org_id, &current)?;
    if user.id == who.user_id() {
        return Err(AppError::invalid(
            "new_password",
            "change your own password with POST /api/v1/me/password",
        ));
    }
    if current.iter().any(|r| r.is_privileged()) {
        return Err(AppError::forbidden(
            "only its holder can change the password of an account with a privileged role",
        ));
    }
    validate_password(&input.new_password)
        .map_err(|e| AppError::invalid("new_password", e.message))?;
    let hash = secrets::hash_password_off_runtime(app, input.new_password).await?;
    let mut tx = app.store.begin_write().await?;
    // Roles may have changed while hashing (a grant approved meanwhile).
    let now_roles = get_visible(&mut tx, who, id).await?.roles;
    if parse_roles(&now_roles)?.iter().any(|r| r.is_privileged()) {
        return Err(AppError::forbidden(
            "only its holder can change the password of an account with a privileged role",
        ));
    }
    store::accounts::users::set_password(&mut *tx, &user.id, &hash).await?;
    let ended = store::accounts::sessions::delete_for_user(&mut *tx, &user.id, None).await?;
    let (me, now) = (who.user_id(), clock::now_text());
    store::accounts::password_change::require(&mut *tx, &user.id, me, &now).await?;
    let reset = ElevationKind::ResetPassword;
    crate::workflows::approvals::record_elevations(&mut tx, &[me], &user.id, reset, &now).await?;
    let event = AuditEvent {
        action: "user.reset_password",
        object_type: "user",
        object_id: &user.id,
        change: json!({"sessions_ended": ended}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}
