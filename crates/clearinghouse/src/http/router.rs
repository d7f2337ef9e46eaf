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
use super::api::advisories::{self, imports as advisory_imports};
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
use super::api::{approvals, audit, documents, health, notifications};
use super::{broker, csaf_feed, metrics, ui};
use crate::app::AppState;

/// Adds the API's handlers to `$router`, module by module: `orgs: [create,
/// list], [get];` is `.routes(routes!(orgs::create, orgs::list))` then
/// `.routes(routes!(orgs::get))`. Handlers sharing a path go in one group;
/// from two modules, in a group each (the routes of one path merge).
macro_rules! api_routes {
    ($router:expr; $($module:ident: $([$($handler:ident),+]),+;)*) => {
        $router $($(.routes(routes!($($module::$handler),+)))+)*
    };
}

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
    let (router, mut doc) = api_routes!(OpenApiRouter::with_openapi(ApiDoc::openapi());
        me: [get_me], [change_password];
        orgs: [create, list], [get, update], [archive];
        users: [create, list], [get], [set_roles], [request_grant], [remove_authorizations],
            [revoke_all_tokens], [reset_password];
        tokens: [create, list], [revoke];
        approvals: [list], [get], [decide];
        documents: [create, list], [get], [attachment];
        notifications: [list], [mark_read], [list_webhooks, create_webhook], [delete_webhook],
            [get_settings, put_settings];
        audit: [checkpoint], [public_key], [checkpoints], [entries], [inclusion], [consistency];
        assets: [create, list], [get, update], [upload_sbom], [archive], [unarchive];
        advisories: [import];
        advisory_imports: [list_imports], [import_status];
        advisories: [get], [vulnerability], [list_vulnerabilities], [lift_embargo];
        exposures: [list], [get, set_state], [stats];
        rematch: [start], [get];
        review: [review], [decide_similar], [credits], [reporter_stats];
        models: [register, list], [get];
        suites: [put, list], [get], [versions], [version];
        runs: [import, list], [get], [samples];
        thresholds: [propose, list], [get], [verify];
        inquiries: [open], [list], [get], [attach_run], [consult], [respond], [decide],
            [communicate], [release], [withdraw];
        windows: [open], [list], [get], [terms, revise_terms], [grant, grants], [usage];
        window_alerts: [of_window], [list], [get], [acknowledge], [transcript];
        window_findings: [list];
        windows: [my_grants], [get_grant], [accept], [revoke], [credential],
            [release_state, release], [set_dates], [withdraw];
        partners: [nominate, of_model], [list], [get], [approve], [withdraw];
        tools: [create, list], [get], [request, requests_of], [requests], [get_request], [decide],
            [delist], [revoke], [demand];
        submissions: [create, list], [get], [items];
        findings: [list], [get];
        pocs: [upload, list], [get], [request_release], [content];
        scan_assets: [create, list], [get], [verify], [attest], [conflicts];
        scan_grants: [create, list], [revoke];
        scans_api: [create, list], [get], [stop], [overlaps], [check], [history], [claim],
            [get_claim], [respond], [timeline];
        scan_reports: [create, list], [get], [evidence], [refer];
        directives_api: [create, list], [get, update], [issue], [amend], [revoke], [preview];
        directive_obligations: [list], [report];
        directive_evidence: [reports], [attach], [content];
        directive_obligations: [request, requests], [decide], [directive_compliance],
            [directive_compliance_csv], [all], [all_csv];
        directive_dashboard: [get], [csv];
        cases_api: [open, list], [get], [vulnerability], [invite], [join], [remove_participant],
            [leave], [move_date], [publish_now];
        case_messages: [post, list], [events];
        case_vendors: [suggested], [add, list], [decide];
        case_statements: [state, list], [upload], [csaf];
        case_exports: [osv], [cve5];
        case_patches: [upload, list], [from_url], [content], [progress], [attach], [attachments],
            [attachment];
    )
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
