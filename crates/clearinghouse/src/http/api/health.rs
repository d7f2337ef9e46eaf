//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use clearinghouse_domain::identity::{Role, Scope};

use crate::app::AppState;
use crate::error::AppResult;
use crate::http::extract::Caller;
use crate::store;

/// 200 whenever the process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "the process is up")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database answers, else 503.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"), (status = 503, description = "the database does not answer")))]
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    if app.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Prometheus text exposition: request counts and latencies, job outcomes,
/// job queue depth and audit log size. On the main listener it needs a
/// platform admin's or auditor's credential with the `audit:read` scope
/// (intake and queue figures describe everyone's activity); `serve
/// --metrics-listen ADDR` serves it without credentials on a separate
/// listener for a scraper on a private network.
#[utoipa::path(get, path = "/metrics", tag = "health", security(("bearer" = [])), responses( (status = 200, description = "Prometheus text format", content_type = "text/plain"), (status = 401, description = "no credential"), (status = 403, description = "not a platform admin or auditor")))]
pub async fn metrics(Caller { app, who }: Caller) -> AppResult<impl IntoResponse> {
    who.require(Scope::AuditRead, &[Role::PlatformAdmin, Role::Auditor])?;
    Ok(metrics_text(app).await)
}

/// The `/metrics` of the separate `--metrics-listen` listener: no
/// credentials, so bind it only where the scraper alone can reach it.
pub async fn metrics_unauthenticated(State(app): State<AppState>) -> impl IntoResponse {
    metrics_text(app).await
}

async fn metrics_text(app: AppState) -> impl IntoResponse {
    if let Ok(depth) = store::jobs::queued_count(&app.store.pool).await {
        metrics::gauge!("clearinghouse_jobs_queued").set(depth as f64);
    }
    if let Ok(size) = store::audit::size(&app.store.pool).await {
        metrics::gauge!("clearinghouse_audit_entries").set(size as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
