//! The server-rendered web UI (askama templates + htmx, no JavaScript build
//! step). Each page module owns its handlers and template structs; this
//! module owns the session extractor, the navigation, CSRF checks, error
//! pages and static assets.

pub mod apiref;
pub mod approvals;
mod archive;
pub mod assets;
pub mod audit;
pub mod case_forms;
pub mod case_vuln;
pub mod cases;
pub mod cases_list;
pub mod cases_progress;
pub mod chart;
mod csrf;
pub mod directive_editor;
pub mod directive_forms;
pub mod directive_records;
pub mod directives;
pub mod directory;
pub mod documents;
pub mod embargo;
pub mod exposure;
pub mod exposures;
mod findings;
pub mod forms;
pub mod frontier;
pub mod frontier_inquiries;
pub mod home;
pub mod inbox;
pub mod login;
pub mod markdown;
pub mod names;
pub mod paging;
mod rejections;
pub mod scans;
pub mod scans_campaigns;
pub mod scans_coord;
pub mod tokens;
pub mod tools;
pub mod tools_queue;
pub mod upload;
pub mod vulnerabilities;
pub mod when;
pub mod words;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use axum_extra::extract::CookieJar;
use clearinghouse_domain::identity::{OrgKind, Role};
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use crate::app::AppState;
use crate::auth::{self, Principal};
use crate::error::AppError;
use crate::http::api::cases::statements::MAX_VEX_BYTES;
use crate::http::error::Problem;
use crate::http::extract::SESSION_COOKIE;
use crate::store;
use crate::workflows::cases::patches::MAX_PATCH_BYTES;
use crate::workflows::directives::evidence::MAX_EVIDENCE_BYTES;
use crate::workflows::exposure::assets::MAX_SBOM_BYTES;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/account/password",
            get(login::password_form).post(login::change_password),
        )
        .route("/orgs", get(directory::orgs).post(directory::create_org))
        .route("/orgs/{id}/archive", post(archive::archive_org))
        .route("/users", get(directory::users).post(directory::create_user))
        .route("/tokens", get(tokens::page).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route(
            "/authorizations",
            get(approvals::authorizations).post(approvals::request_grant),
        )
        .route("/approvals", get(approvals::page))
        .route("/approvals/{id}/decision", post(approvals::decide))
        .route("/documents", get(documents::page).post(documents::create))
        .route("/documents/{id}", get(documents::show))
        .route("/exposures", get(exposures::dashboard))
        .route("/exposures/bulk", post(exposures::bulk))
        .route("/exposures/{id}/state", post(exposure::set_state))
        .route("/assets", get(assets::page).post(assets::create))
        .route("/assets/{id}", get(exposure::asset_page))
        // The handler refuses past the SBOM limit, beside the field.
        .route(
            "/assets/{id}/sbom",
            file_form(post(exposure::upload_sbom), MAX_SBOM_BYTES),
        )
        .route("/assets/{id}/archive", post(archive::archive_asset))
        .route("/assets/{id}/unarchive", post(archive::unarchive_asset))
        .route("/vulnerabilities", get(vulnerabilities::index))
        .route("/vulnerabilities/{id}", get(vulnerabilities::show))
        .route("/vulnerabilities/{id}/lift-embargo", post(embargo::lift))
        .route("/cases", get(cases_list::list).post(cases_list::open))
        .route("/cases/claims/decision", post(cases_list::decide_claim))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/join", post(cases_list::join))
        .route("/cases/{id}/participants", post(case_forms::invite))
        .route(
            "/cases/{id}/participants/{org}/remove",
            post(case_forms::remove_participant),
        )
        .route("/cases/{id}/leave", post(case_forms::leave))
        .route("/cases/{id}/date", post(case_forms::move_date))
        .route("/cases/{id}/products", post(case_forms::claim))
        .route("/cases/{id}/statements", post(case_forms::state_status))
        // The handler refuses past the VEX limit, beside the file.
        .route(
            "/cases/{id}/vex",
            file_form(post(case_forms::upload_vex), MAX_VEX_BYTES),
        )
        // The handler refuses past the patch limit, beside the file.
        .route(
            "/cases/{id}/patches",
            file_form(post(case_forms::release_patch), MAX_PATCH_BYTES),
        )
        .route("/cases/{id}/publish", post(cases::publish_now))
        .route(
            "/cases/{id}/messages",
            post(cases::post_message)
                // The handler stops reading past the attachment limit (and
                // bounds the text fields), so an over-limit file is answered
                // beside the field with the typed text kept: a body limit
                // here would refuse by Content-Length before the handler.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/cases/{id}/attachments/{aid}", get(cases::attachment))
        .route("/cases/{id}/patches/{pid}/download", get(cases::patch))
        .route("/cases/{id}/progress", get(cases_progress::page))
        .route("/cases/{id}/vulnerabilities/{vuln}", get(case_vuln::page))
        .route("/inbox", get(inbox::page))
        .route("/inbox/{id}/read", post(inbox::mark_read))
        .route("/inbox/settings", post(inbox::save_settings))
        .route("/inbox/webhooks", post(inbox::create_webhook))
        .route("/inbox/webhooks/{id}/delete", post(inbox::delete_webhook))
        .route("/directives", get(directives::list))
        .route(
            "/directives/new",
            get(directive_editor::new_form).post(directive_editor::new_post),
        )
        .route(
            "/directives/{id}/edit",
            get(directive_editor::edit_form).post(directive_editor::edit_post),
        )
        .route("/directives/{id}", get(directives::show))
        .route("/directives/{id}/report", post(directive_forms::report))
        .route("/directives/{id}/request", post(directive_forms::request))
        .route(
            "/directives/{id}/requests/{request}/decide",
            post(directive_records::decide),
        )
        // The workflow refuses past the evidence limit, beside the file.
        .route(
            "/directives/{id}/reports/{submission}/evidence",
            file_form(post(directive_records::attach), MAX_EVIDENCE_BYTES),
        )
        .route(
            "/directive-evidence/{id}/download",
            get(directive_records::download),
        )
        .route("/audit", get(audit::page))
        .route("/audit/proof", get(audit::proof))
        .route("/api", get(apiref::page))
        .route("/static/htmx.min.js", get(htmx))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .merge(findings::routes())
        .merge(frontier::routes())
        .merge(frontier_inquiries::routes())
        .merge(scans::routes())
        .merge(tools::routes())
        // A form's address opened or reloaded (N6): a page, not an empty 405.
        .method_not_allowed_fallback(form_address)
        .layer(axum::middleware::from_fn(rejections::as_pages))
}

/// A form that uploads a file of at most `max_file` bytes: its body may
/// hold that and 64 KiB of other fields, so that the handler, not the body
/// limit, answers a file past its limit (beside the field, the form kept).
pub fn file_form(route: MethodRouter<AppState>, max_file: usize) -> MethodRouter<AppState> {
    route.layer(axum::extract::DefaultBodyLimit::max(max_file + 64 * 1024))
}

/// The tab icon, from the binary (also at `/favicon.ico`, where browsers
/// and bookmarks look without a `<link rel="icon">`).
async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../assets/favicon.svg"),
    )
}

async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../assets/htmx.min.js"),
    )
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css")],
        include_str!("../../../assets/app.css"),
    )
}

/// Which home page and navigation a person gets, from their roles and
/// their organisation's kind (the first that applies, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    /// Platform administrators: the directory, grants and everything else.
    Admin,
    /// Coordinators and validators: the finding queues and embargoes.
    Coordinator,
    /// Auditors: the log and its proofs.
    Auditor,
    /// Critical-infrastructure operators and state or local authorities:
    /// assets and the exposures of their components.
    Operator,
    /// Researchers and AI developers: what they submitted and what became of it.
    Reporter,
    /// Anyone else (vendors, agencies): the common pages.
    Member,
}

impl Persona {
    pub fn of(who: &Principal, org_kind: Option<OrgKind>) -> Persona {
        if who.has_role(Role::PlatformAdmin) {
            Persona::Admin
        } else if who.has_any_role(&[Role::Coordinator, Role::Validator]) {
            Persona::Coordinator
        } else if who.has_role(Role::Auditor) {
            Persona::Auditor
        } else {
            match org_kind {
                Some(OrgKind::CriticalInfrastructureOperator | OrgKind::StateLocalAuthority) => {
                    Persona::Operator
                }
                Some(OrgKind::Researcher | OrgKind::AiDeveloper) => Persona::Reporter,
                _ => Persona::Member,
            }
        }
    }
}

/// Organisation kinds by organisation id, filled by [`UiAuth`] so that the
/// navigation (built synchronously by every page) knows what kind of
/// organisation the reader is in. A kind never changes after registration,
/// so an entry is never stale; there is one entry per organisation.
static ORG_KINDS: LazyLock<RwLock<HashMap<String, OrgKind>>> = LazyLock::new(Default::default);

fn cached_kind(org_id: &str) -> Option<OrgKind> {
    ORG_KINDS.read().ok()?.get(org_id).copied()
}

async fn remember_kind(app: &AppState, org_id: &str) {
    if cached_kind(org_id).is_some() {
        return;
    }
    if let Ok(Some(org)) = store::accounts::orgs::get(&app.store.pool, org_id).await
        && let Ok(mut map) = ORG_KINDS.write()
    {
        map.insert(org_id.to_owned(), org.kind);
    }
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../assets/app.js"),
    )
}

/// What the layout needs to draw the navigation for this person: the main
/// links fit on one line at 1280 px; the directory and administration sit
/// under "Tools".
pub struct Nav {
    pub username: String,
    pub display_name: String,
    pub csrf_token: String,
    pub persona: Persona,
    pub is_admin: bool,
    pub sees_audit: bool,
    pub decides_approvals: bool,
    /// Platform administrators grant authorizations (`/authorizations`).
    pub grants_authorizations: bool,
    /// Assets and exposures.
    pub sees_exposures: bool,
    /// Findings and submissions.
    pub sees_findings: bool,
    /// Two-person approvals (requested or decided).
    pub sees_approvals: bool,
    /// The frontier-model pages (evaluators, designation authorities,
    /// consultants, AI developers).
    pub sees_frontier: bool,
    /// Designation inquiries (AI developers and frontier officials).
    pub sees_inquiries: bool,
    /// Binding Operational Directives (government agencies, and CISA's
    /// readers of every organisation's compliance).
    pub sees_directives: bool,
    /// Access windows to covered models (AI developers, government
    /// agencies: grantees, administrators, security officers).
    pub sees_windows: bool,
    pub current: &'static str,
}

impl Nav {
    pub fn new(who: &Principal, current: &'static str) -> Nav {
        let csrf_token = session_token(who).to_owned();
        let kind = cached_kind(who.org_id());
        let persona = Persona::of(who, kind);
        Nav {
            username: who.user.username.clone(),
            display_name: who.user.display_name.clone(),
            csrf_token,
            persona,
            is_admin: who.has_any_role(&[Role::PlatformAdmin, Role::Coordinator]),
            sees_audit: who.has_any_role(&[Role::Auditor, Role::PlatformAdmin]),
            decides_approvals: who.has_any_role(&[Role::PlatformAdmin, Role::Coordinator]),
            grants_authorizations: who.has_role(Role::PlatformAdmin),
            sees_exposures: persona != Persona::Reporter,
            sees_findings: !matches!(persona, Persona::Operator | Persona::Auditor),
            sees_approvals: persona != Persona::Operator,
            sees_frontier: frontier::sees_frontier(who, kind),
            sees_inquiries: who.has_any_role(&[
                Role::Evaluator,
                Role::Consultant,
                Role::DesignationAuthority,
            ]) || kind == Some(OrgKind::AiDeveloper),
            sees_directives: who.has_any_role(crate::workflows::directives::READ_ALL)
                || kind == Some(OrgKind::GovernmentAgency),
            sees_windows: matches!(kind, Some(OrgKind::AiDeveloper | OrgKind::GovernmentAgency)),
            current,
        }
    }

    /// Scan coordination: operators, researchers and coordinators.
    pub fn sees_scans(&self) -> bool {
        matches!(
            self.persona,
            Persona::Operator | Persona::Reporter | Persona::Coordinator
        )
    }

    /// Whether `page` is one of the pages under "Tools".
    pub fn in_tools(&self) -> bool {
        matches!(
            self.current,
            "orgs"
                | "users"
                | "tokens"
                | "authorizations"
                | "approvals"
                | "audit"
                | "api"
                | "documents"
                | "defence-tools"
        )
    }
}

pub use crate::http::extract::UiCaller;
pub use csrf::{CsrfForm, NoFields, check_csrf, session_token};

/// A signed-in person in the browser; anyone else is sent to `/login`.
pub struct UiAuth(pub Principal);

impl FromRequestParts<AppState> for UiAuth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        // A page asked for (not a form posted) is returned to after signing in.
        let sign_in = if parts.method == axum::http::Method::GET {
            let asked = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            login::login_returning_to(asked)
        } else {
            "/login".to_owned()
        };
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(Redirect::to(&sign_in).into_response());
        };
        match auth::principal_from_session(&app.store, cookie.value()).await {
            Ok(p) => {
                // A password set by an administrator is replaced first (S12).
                let path = parts.uri.path();
                if path != "/account/password"
                    && path != "/logout"
                    && auth::password_change_required(&app.store, p.user_id())
                        .await
                        .map_err(|e| UiError(e).into_response())?
                {
                    return Err(Redirect::to("/account/password").into_response());
                }
                remember_kind(app, p.org_id()).await;
                // For `CsrfForm`, which checks the form against the session.
                parts.extensions.insert(p.clone());
                Ok(UiAuth(p))
            }
            Err(_) => Err(Redirect::to(&sign_in).into_response()),
        }
    }
}

/// A GET (a reload, a bookmark) of an address that only receives a form:
/// 405 with the error page's way back, instead of an empty body.
async fn form_address() -> Response {
    let page = ErrorPage {
        status: 405,
        title: "Method Not Allowed".to_owned(),
        detail: "This address receives a form sent from a page; it cannot be opened or \
                 reloaded by itself. Go back to the page and send the form again."
            .to_owned(),
    };
    (StatusCode::METHOD_NOT_ALLOWED, page).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
}

/// An application error shown as an HTML page.
#[derive(Debug)]
pub struct UiError(pub AppError);

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        UiError(e)
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        if self.0.is_internal() {
            tracing::error!(error = %self.0.chain(), "page failed");
        }
        let problem = Problem::from(&self.0);
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            ErrorPage {
                status: problem.status,
                title: problem.title,
                detail: problem.detail,
            },
        )
            .into_response()
    }
}

pub type UiResult<T> = Result<T, UiError>;

/// A refusal a person can act on (a field, a conflict, a missing right),
/// as its status and message to show beside the form; anything else is
/// the error page.
pub fn inline_error(e: AppError) -> Result<(StatusCode, String), UiError> {
    match e {
        AppError::Invalid { .. }
        | AppError::Conflict(_)
        | AppError::ConflictOn { .. }
        | AppError::Forbidden(_)
        | AppError::TooLarge(_)
        | AppError::BadRequest(_) => {
            let problem = Problem::from(&e);
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, problem.detail))
        }
        other => Err(UiError(other)),
    }
}
