//! Every route of the server, in one place.

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::accounts::{me, orgs, tokens, users};
use super::api::cases::{
    self as cases_api, exports as case_exports, messages as case_messages, patches as case_patches,
    statements as case_statements, vendors as case_vendors,
};
use super::api::directives::{
    self as directives_api, dashboard as directive_dashboard, evidence as directive_evidence,
    obligations as directive_obligations,
};
use super::api::exposure::{assets, exposures, rematch};
use super::api::findings::{self, pocs, review, submissions};
use super::api::frontier::{
    inquiries, models, partners, runs, suites, thresholds, tools, window_alerts, window_findings,
    windows,
};
use super::api::scans::{
    self as scans_api, assets as scan_assets, grants as scan_grants, reports as scan_reports,
};
use super::api::{advisories, approvals, audit, documents, health, notifications};
use super::{broker, csaf_feed, metrics, ui};
use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearinghouse API",
        description = "The AI cybersecurity clearinghouse and frontier-model pre-release framework. \
            Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents; \
            lists are paginated by cursor; write endpoints reject unknown fields.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "identity", description = "Users, agent principals and tokens"),
        (name = "organisations", description = "The organisation directory"),
        (name = "approvals", description = "Two-person requests"),
        (name = "documents", description = "Labelled records shared between organisations"),
        (name = "notifications", description = "Your organisation's inbox, webhooks and email settings"),
        (name = "audit", description = "The tamper-evident audit log"),
        (name = "exposure", description = "Assets and SBOMs, advisories, exposures, priority and remediation"),
        (name = "findings", description = "Finding intake from scanners, deduplication and validation"),
        (name = "frontier", description = "The frontier-model framework: the model registry"),
        (name = "tools", description = "Defensive tools and services for operators: the catalog, requests, demand and use"),
        (name = "cases", description = "Coordination cases: participants, messages, timeline, the vendor map"),
        (name = "scans", description = "Scan coordination: network assets, grants, campaigns, deconfliction")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes under `/api/v1` and the OpenAPI document describing them,
/// built from the same handler list so they cannot drift.
pub fn api() -> (Router<AppState>, OpenApiDoc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::get_me))
        .routes(routes!(me::change_password))
        .routes(routes!(orgs::create, orgs::list))
        .routes(routes!(orgs::get, orgs::update))
        .routes(routes!(orgs::archive))
        .routes(routes!(users::create, users::list))
        .routes(routes!(users::get))
        .routes(routes!(users::set_roles))
        .routes(routes!(users::request_grant))
        .routes(routes!(users::remove_authorizations))
        .routes(routes!(users::revoke_all_tokens))
        .routes(routes!(users::reset_password))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(approvals::list))
        .routes(routes!(approvals::get))
        .routes(routes!(approvals::decide))
        .routes(routes!(documents::create, documents::list))
        .routes(routes!(documents::get))
        .routes(routes!(documents::attachment))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(
            notifications::list_webhooks,
            notifications::create_webhook
        ))
        .routes(routes!(notifications::delete_webhook))
        .routes(routes!(
            notifications::get_settings,
            notifications::put_settings
        ))
        .routes(routes!(audit::checkpoint))
        .routes(routes!(audit::public_key))
        .routes(routes!(audit::checkpoints))
        .routes(routes!(audit::entries))
        .routes(routes!(audit::inclusion))
        .routes(routes!(audit::consistency))
        .routes(routes!(assets::create, assets::list))
        .routes(routes!(assets::get, assets::update))
        .routes(routes!(assets::upload_sbom))
        .routes(routes!(assets::archive))
        .routes(routes!(assets::unarchive))
        .routes(routes!(advisories::import))
        .routes(routes!(advisories::imports::list_imports))
        .routes(routes!(advisories::imports::import_status))
        .routes(routes!(advisories::get))
        .routes(routes!(advisories::vulnerability))
        .routes(routes!(advisories::list_vulnerabilities))
        .routes(routes!(advisories::lift_embargo))
        .routes(routes!(exposures::list))
        .routes(routes!(exposures::get, exposures::set_state))
        .routes(routes!(exposures::stats))
        .routes(routes!(rematch::start))
        .routes(routes!(rematch::get))
        .routes(routes!(review::review))
        .routes(routes!(review::decide_similar))
        .routes(routes!(review::credits))
        .routes(routes!(review::reporter_stats))
        .routes(routes!(models::register, models::list))
        .routes(routes!(models::get))
        .routes(routes!(suites::put, suites::list))
        .routes(routes!(suites::get))
        .routes(routes!(suites::versions))
        .routes(routes!(suites::version))
        .routes(routes!(runs::import, runs::list))
        .routes(routes!(runs::get))
        .routes(routes!(runs::samples))
        .routes(routes!(thresholds::propose, thresholds::list))
        .routes(routes!(thresholds::get))
        .routes(routes!(thresholds::verify))
        .routes(routes!(inquiries::open))
        .routes(routes!(inquiries::list))
        .routes(routes!(inquiries::get))
        .routes(routes!(inquiries::attach_run))
        .routes(routes!(inquiries::consult))
        .routes(routes!(inquiries::respond))
        .routes(routes!(inquiries::decide))
        .routes(routes!(inquiries::communicate))
        .routes(routes!(inquiries::release))
        .routes(routes!(inquiries::withdraw))
        .routes(routes!(windows::open))
        .routes(routes!(windows::list))
        .routes(routes!(windows::get))
        .routes(routes!(windows::terms, windows::revise_terms))
        .routes(routes!(windows::grant, windows::grants))
        .routes(routes!(windows::usage))
        .routes(routes!(window_alerts::of_window))
        .routes(routes!(window_alerts::list))
        .routes(routes!(window_alerts::get))
        .routes(routes!(window_alerts::acknowledge))
        .routes(routes!(window_alerts::transcript))
        .routes(routes!(window_findings::list))
        .routes(routes!(windows::my_grants))
        .routes(routes!(windows::get_grant))
        .routes(routes!(windows::accept))
        .routes(routes!(windows::revoke))
        .routes(routes!(windows::credential))
        .routes(routes!(windows::release_state, windows::release))
        .routes(routes!(windows::set_dates))
        .routes(routes!(windows::withdraw))
        .routes(routes!(partners::nominate, partners::of_model))
        .routes(routes!(partners::list))
        .routes(routes!(partners::get))
        .routes(routes!(partners::approve))
        .routes(routes!(partners::withdraw))
        .routes(routes!(tools::create, tools::list))
        .routes(routes!(tools::get))
        .routes(routes!(tools::request, tools::requests_of))
        .routes(routes!(tools::requests))
        .routes(routes!(tools::get_request))
        .routes(routes!(tools::decide))
        .routes(routes!(tools::delist))
        .routes(routes!(tools::revoke))
        .routes(routes!(tools::demand))
        .routes(routes!(submissions::create, submissions::list))
        .routes(routes!(submissions::get))
        .routes(routes!(submissions::items))
        .routes(routes!(findings::list))
        .routes(routes!(findings::get))
        .routes(routes!(pocs::upload, pocs::list))
        .routes(routes!(pocs::get))
        .routes(routes!(pocs::request_release))
        .routes(routes!(pocs::content))
        .routes(routes!(scan_assets::create, scan_assets::list))
        .routes(routes!(scan_assets::get))
        .routes(routes!(scan_assets::verify))
        .routes(routes!(scan_assets::attest))
        .routes(routes!(scan_assets::conflicts))
        .routes(routes!(scan_grants::create, scan_grants::list))
        .routes(routes!(scan_grants::revoke))
        .routes(routes!(scans_api::create, scans_api::list))
        .routes(routes!(scans_api::get))
        .routes(routes!(scans_api::stop))
        .routes(routes!(scans_api::overlaps))
        .routes(routes!(scans_api::check))
        .routes(routes!(scans_api::history))
        .routes(routes!(scans_api::claim))
        .routes(routes!(scans_api::get_claim))
        .routes(routes!(scans_api::respond))
        .routes(routes!(scans_api::timeline))
        .routes(routes!(scan_reports::create, scan_reports::list))
        .routes(routes!(scan_reports::get))
        .routes(routes!(scan_reports::evidence))
        .routes(routes!(scan_reports::refer))
        .routes(routes!(directives_api::create, directives_api::list))
        .routes(routes!(directives_api::get, directives_api::update))
        .routes(routes!(directives_api::issue))
        .routes(routes!(directives_api::amend))
        .routes(routes!(directives_api::revoke))
        .routes(routes!(directives_api::preview))
        .routes(routes!(directive_obligations::list))
        .routes(routes!(
            directive_obligations::report,
            directive_evidence::reports
        ))
        .routes(routes!(directive_evidence::attach))
        .routes(routes!(directive_evidence::content))
        .routes(routes!(
            directive_obligations::request,
            directive_obligations::requests
        ))
        .routes(routes!(directive_obligations::decide))
        .routes(routes!(directive_obligations::directive_compliance))
        .routes(routes!(directive_obligations::directive_compliance_csv))
        .routes(routes!(directive_obligations::all))
        .routes(routes!(directive_obligations::all_csv))
        .routes(routes!(directive_dashboard::get))
        .routes(routes!(directive_dashboard::csv))
        .routes(routes!(cases_api::open, cases_api::list))
        .routes(routes!(cases_api::get))
        .routes(routes!(cases_api::vulnerability))
        .routes(routes!(cases_api::invite))
        .routes(routes!(cases_api::join))
        .routes(routes!(cases_api::remove_participant))
        .routes(routes!(cases_api::leave))
        .routes(routes!(cases_api::move_date))
        .routes(routes!(cases_api::publish_now))
        .routes(routes!(case_messages::post, case_messages::list))
        .routes(routes!(case_messages::events))
        .routes(routes!(case_vendors::suggested))
        .routes(routes!(case_vendors::add, case_vendors::list))
        .routes(routes!(case_vendors::decide))
        .routes(routes!(case_statements::state, case_statements::list))
        .routes(routes!(case_statements::upload))
        .routes(routes!(case_statements::csaf))
        .routes(routes!(case_exports::osv))
        .routes(routes!(case_exports::cve5))
        .routes(routes!(case_patches::upload, case_patches::list))
        .routes(routes!(case_patches::from_url))
        .routes(routes!(case_patches::content))
        .routes(routes!(case_patches::progress))
        .routes(routes!(case_patches::attach))
        .routes(routes!(case_patches::attachments))
        .routes(routes!(case_patches::attachment))
        .split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, doc)
}

/// The OpenAPI 3.1 document of this server.
pub fn openapi() -> OpenApiDoc {
    with_health_paths(api().1)
}

/// The API's document with the health endpoints, which live at the root,
/// outside `/api/v1`.
fn with_health_paths(mut doc: OpenApiDoc) -> OpenApiDoc {
    let (_, health_doc) = OpenApiRouter::<AppState>::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .split_for_parts();
    for (path, item) in health_doc.paths.paths {
        let mut item = item;
        item.servers = Some(vec![utoipa::openapi::Server::new("/")]);
        doc.paths.paths.insert(path, item);
    }
    doc
}

pub fn build(app: AppState) -> Router {
    // The routes and their document are built once (each build walks every
    // handler's OpenAPI description).
    let (api, doc) = api();
    let doc = with_health_paths(doc);
    let swagger =
        utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", doc.clone());
    let max_body = app.settings.max_body_bytes;
    Router::new()
        .nest("/api/v1", api.fallback(api_not_found))
        .route(
            "/api/openapi.json",
            get(move || async move { Json(doc.clone()) }),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(ui::routes())
        // The OpenAI-compatible broker (not in the OpenAPI document).
        .merge(broker::routes())
        // The CSAF provider feed (CSAF 2.0 section 7; its formats are the standard's).
        .merge(csaf_feed::routes())
        // Swagger UI, from files inside the binary (no CDN): schemas and "try it".
        .merge(swagger)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(app)
}

/// The router of `serve --metrics-listen`: `/metrics` without credentials
/// and `/healthz`, nothing else.
pub fn build_metrics_only(app: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics_unauthenticated))
        .route("/healthz", get(health::healthz))
        .with_state(app)
}

async fn api_not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

/// Unknown paths: a problem document under `/api/`, an HTML page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        crate::error::AppError::NotFound.into_response()
    } else {
        ui::UiError(crate::error::AppError::NotFound).into_response()
    }
}

/// Headers every response carries.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    // Swagger UI sets inline styles from its script (N10): on its pages
    // only, styles may be inline; scripts stay the binary's own files.
    let docs = req.uri().path().starts_with("/api/docs");
    // A signed-in page, an API answer to a credential, or the answer that
    // sets a session may show what a shared computer must not keep (a
    // token shown once, an embargoed case): never stored by a cache or
    // the browser's history, unless the handler chose its own policy.
    let credentialed = req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().get_all(header::COOKIE).iter().any(|c| {
            c.to_str()
                .is_ok_and(|c| c.contains(crate::http::extract::SESSION_COOKIE))
        });
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if (credentialed || h.contains_key(header::SET_COOKIE))
        && !h.contains_key(header::CACHE_CONTROL)
    {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs {
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        } else {
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        }),
    );
    resp
}
