//! Prometheus metrics: one process-wide recorder, a middleware counting
//! requests and their latency by route, and the `/metrics` text.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's metrics handle, installing the recorder on first use.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; then our
            // handle simply renders nothing, which is not worth aborting for.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts each request by method, matched route and status, and records its latency.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let secs = started.elapsed().as_secs_f64();
    metrics::counter!("clearinghouse_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("clearinghouse_http_request_duration_seconds", "method" => method, "route" => route).record(secs);
    response
}
