//! The organisation and user directory pages: paged, sorted, filtered and
//! searched tables ("1–50 of N", views kept in the URL), with create forms
//! for those allowed to use them; a refused form comes back on the same
//! page with the message beside its field and what was typed kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::{OrgKind, Role, Sector};
use serde::Deserialize;

use super::forms::FormError;
use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{CsrfForm, Nav, UiCaller, UiResult};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::{Organization, User};
use crate::store::accounts::orgs::{OrgSort, OrgTable};
use crate::store::accounts::users::{UserSort, UserTable};
use crate::workflows::accounts::{orgs, users};

/// Organisations offered in the new-user form's list (every one, in name
/// order; a directory far larger belongs in a search field).
const ORG_CHOICES: i64 = 5_000;

/// The organisations page's view: its filters and paging.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OrgsQuery {
    #[serde(default)]
    pub kind: String,
    /// `1` to include archived organisations.
    #[serde(default)]
    pub archived: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

/// What was typed in the new-organisation form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub sector: String,
    pub vetted: Option<String>,
    pub trusted_partner: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs.html")]
pub struct OrgsPage {
    nav: Nav,
    orgs: Vec<Organization>,
    pager: Pager,
    q: OrgsQuery,
    kinds: Vec<&'static str>,
    sectors: Vec<&'static str>,
    /// Platform admins archive organisations.
    can_archive: bool,
    /// The reader sees only part of the directory (its own organisation
    /// and the government agencies): the page says so.
    partial: bool,
    /// An archive refused, shown above the list.
    error: Option<String>,
    /// The new-organisation form as typed, and why it was refused.
    form: OrgForm,
    form_error: Option<FormError>,
}

pub async fn orgs(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<OrgsQuery>,
) -> UiResult<OrgsPage> {
    orgs_page(&app, &who, q, None, OrgForm::default(), None).await
}

/// The organisation list (first page), with an archive refusal to show.
pub(super) async fn orgs_view(
    app: &AppState,
    who: &Principal,
    error: Option<String>,
) -> UiResult<OrgsPage> {
    orgs_page(
        app,
        who,
        OrgsQuery::default(),
        error,
        OrgForm::default(),
        None,
    )
    .await
}

async fn orgs_page(
    app: &AppState,
    who: &Principal,
    q: OrgsQuery,
    error: Option<String>,
    form: OrgForm,
    form_error: Option<FormError>,
) -> UiResult<OrgsPage> {
    let sort = OrgSort::parse(&q.paging.sort).unwrap_or_default();
    let descending = q.paging.descending(sort == OrgSort::Created);
    let kind = q.kind.trim();
    let table = OrgTable {
        search: q.paging.search(),
        kind: (!kind.is_empty()).then_some(kind),
        archived: q.archived == "1",
        // Set by the workflow from the reader.
        visible_to: None,
        sort,
        descending,
        offset: q.paging.offset(),
        limit: PAGE_ROWS,
    };
    let (rows, total) = orgs::table(app, who, &table).await?;
    let pager = Pager::new(
        "/orgs",
        &[("kind", &q.kind), ("archived", &q.archived)],
        &q.paging,
        sort.word(),
        descending,
        rows.len(),
        total,
    );
    Ok(OrgsPage {
        nav: Nav::new(who, "orgs"),
        orgs: rows,
        pager,
        q,
        kinds: OrgKind::ALL.iter().map(|k| k.as_str()).collect(),
        sectors: Sector::ALL.iter().map(|s| s.as_str()).collect(),
        can_archive: who.has_role(Role::PlatformAdmin),
        partial: !who.roles.iter().any(|r| r.is_privileged()),
        error,
        form,
        form_error,
    })
}

pub async fn create_org(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<OrgForm>,
) -> UiResult<Response> {
    let input = orgs::NewOrganization {
        name: f.name.clone(),
        kind: f.kind.clone(),
        sector: (!f.sector.is_empty()).then(|| f.sector.clone()),
        vetted: f.vetted.is_some(),
        trusted_partner: f.trusted_partner.is_some(),
    };
    match orgs::create(&app, &who, input).await {
        Ok(_) => Ok(Redirect::to("/orgs").into_response()),
        Err(e) => {
            let conflict = matches!(e, AppError::Conflict(_) | AppError::ConflictOn { .. });
            let (status, mut err) = FormError::from_app(e, &["name", "kind", "sector"])?;
            if conflict {
                err = FormError::field("name", err.message());
            }
            let page = orgs_page(&app, &who, OrgsQuery::default(), None, f, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The users page's view: its filters and paging.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub role: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

/// What was typed in the new-user form (never the password).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    pub role: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    nav: Nav,
    users: Vec<User>,
    pager: Pager,
    q: UsersQuery,
    orgs: Vec<Organization>,
    roles: Vec<&'static str>,
    can_create: bool,
    names: Names,
    form: UserForm,
    form_error: Option<FormError>,
}

pub async fn users(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<UsersQuery>,
) -> UiResult<UsersPage> {
    users_page(&app, &who, q, UserForm::default(), None).await
}

async fn users_page(
    app: &AppState,
    who: &Principal,
    q: UsersQuery,
    mut form: UserForm,
    form_error: Option<FormError>,
) -> UiResult<UsersPage> {
    let sort = UserSort::parse(&q.paging.sort).unwrap_or_default();
    let descending = q.paging.descending(sort == UserSort::Created);
    let (org, role) = (q.org.trim(), q.role.trim());
    let table = UserTable {
        search: q.paging.search(),
        org_id: (!org.is_empty()).then_some(org),
        role: (!role.is_empty()).then_some(role),
        sort,
        descending,
        offset: q.paging.offset(),
        limit: PAGE_ROWS,
    };
    let (rows, total) = users::table(app, who, &table).await?;
    let names = Names::load(app, rows.iter().map(|u| u.org_id.as_str()), []).await?;
    let pager = Pager::new(
        "/users",
        &[("org", &q.org), ("role", &q.role)],
        &q.paging,
        sort.word(),
        descending,
        rows.len(),
        total,
    );
    let all_orgs = OrgTable {
        limit: ORG_CHOICES,
        ..Default::default()
    };
    let mut orgs = orgs::table(app, who, &all_orgs).await?.0;
    // Only a platform admin makes accounts in other organisations.
    if !who.has_role(Role::PlatformAdmin) {
        orgs.retain(|o| o.id == who.org_id());
    }
    if form.role.is_empty() {
        form.role = "member".to_owned();
    }
    if form.org_id.is_empty() {
        form.org_id = who.org_id().to_owned();
    }
    Ok(UsersPage {
        names,
        nav: Nav::new(who, "users"),
        users: rows,
        pager,
        q,
        orgs,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        can_create: who.has_any_role(&[Role::PlatformAdmin, Role::OrgAdmin]),
        form,
        form_error,
    })
}

pub async fn create_user(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<UserForm>,
) -> UiResult<Response> {
    let input = users::NewUser {
        org_id: f.org_id.clone(),
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        password: (!f.password.is_empty()).then(|| f.password.clone()),
        roles: if f.role.is_empty() {
            vec![]
        } else {
            vec![f.role.clone()]
        },
    };
    match users::create(&app, &who, input).await {
        // Privileged roles wait for a second platform admin: show the request.
        Ok(created) if created.role_request.is_some() => {
            Ok(Redirect::to("/approvals").into_response())
        }
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e) => {
            let conflict = matches!(e, AppError::Conflict(_) | AppError::ConflictOn { .. });
            let fields = ["org_id", "username", "display_name", "password", "roles"];
            let (status, mut err) = FormError::from_app(e, &fields)?;
            if conflict {
                err = FormError::field("username", err.message());
            }
            let form = UserForm {
                password: String::new(),
                ..f
            };
            let page = users_page(&app, &who, UsersQuery::default(), form, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}
