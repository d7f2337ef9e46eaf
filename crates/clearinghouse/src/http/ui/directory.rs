//! The organisation and user directory pages, with create forms for those
//! allowed to use them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Redirect;
use clearinghouse_domain::identity::{OrgKind, Role, Sector};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::model::{Organization, User};
use crate::workflows::accounts::{orgs, users};

#[derive(Deserialize)]
pub struct Cursor {
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs.html")]
pub struct OrgsPage {
    nav: Nav,
    orgs: Vec<Organization>,
    next_cursor: Option<String>,
    kinds: Vec<&'static str>,
    sectors: Vec<&'static str>,
    /// Platform admins archive organisations.
    can_archive: bool,
    /// An archive refused, shown above the list.
    error: Option<String>,
}

pub async fn orgs(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(c): Query<Cursor>,
) -> UiResult<OrgsPage> {
    orgs_view(&app, &who, c.cursor.as_deref(), None).await
}

/// The organisation list, with an error to show inline.
pub(super) async fn orgs_view(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    error: Option<String>,
) -> UiResult<OrgsPage> {
    let page = orgs::list(app, who, false, cursor, Some(100)).await?;
    Ok(OrgsPage {
        nav: Nav::new(who, "orgs"),
        orgs: page.items,
        next_cursor: page.next_cursor,
        kinds: OrgKind::ALL.iter().map(|k| k.as_str()).collect(),
        sectors: Sector::ALL.iter().map(|s| s.as_str()).collect(),
        can_archive: who.has_role(Role::PlatformAdmin),
        error,
    })
}

#[derive(Deserialize)]
pub struct OrgForm {
    csrf_token: String,
    name: String,
    kind: String,
    #[serde(default)]
    sector: String,
    vetted: Option<String>,
    trusted_partner: Option<String>,
}

pub async fn create_org(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<OrgForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let input = orgs::NewOrganization {
        name: f.name,
        kind: f.kind,
        sector: (!f.sector.is_empty()).then_some(f.sector),
        vetted: f.vetted.is_some(),
        trusted_partner: f.trusted_partner.is_some(),
    };
    orgs::create(&app, &who, input).await?;
    Ok(Redirect::to("/orgs"))
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    nav: Nav,
    users: Vec<User>,
    next_cursor: Option<String>,
    orgs: Vec<Organization>,
    roles: Vec<&'static str>,
    can_create: bool,
    names: super::names::Names,
}

pub async fn users(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(c): Query<Cursor>,
) -> UiResult<UsersPage> {
    let page = users::list(&app, &who, None, c.cursor.as_deref(), Some(100)).await?;
    let orgs = orgs::list(&app, &who, false, None, Some(500)).await?.items;
    let names =
        super::names::Names::load(&app, page.items.iter().map(|u| u.org_id.as_str()), []).await?;
    Ok(UsersPage {
        names,
        nav: Nav::new(&who, "users"),
        users: page.items,
        next_cursor: page.next_cursor,
        orgs,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        can_create: who.has_any_role(&[Role::PlatformAdmin, Role::OrgAdmin]),
    })
}

#[derive(Deserialize)]
pub struct UserForm {
    csrf_token: String,
    org_id: String,
    username: String,
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

pub async fn create_user(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<UserForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let input = users::NewUser {
        org_id: f.org_id,
        username: f.username,
        display_name: f.display_name,
        password: (!f.password.is_empty()).then_some(f.password),
        roles: if f.role.is_empty() {
            vec![]
        } else {
            vec![f.role]
        },
    };
    let created = users::create(&app, &who, input).await?;
    // Privileged roles wait for a second platform admin: show the request.
    if created.role_request.is_some() {
        return Ok(Redirect::to("/approvals"));
    }
    Ok(Redirect::to("/users"))
}
