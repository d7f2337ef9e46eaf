//! The HTTP server: JSON API, OpenAPI document, web UI, health and metrics.
//! `router.rs` lists every route; `api/` and `ui/` hold the handlers.

pub mod api;
pub mod broker;
pub mod csaf_feed;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod router;
pub mod sized_json;
pub mod ui;

use tokio::net::TcpListener;

use crate::app::AppState;

/// Serves until `shutdown` resolves.
/// Serves only `/metrics` (no credentials) and `/healthz` on `listener`.
pub async fn serve_metrics(
    app: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router::build_metrics_only(app))
        .with_graceful_shutdown(shutdown)
        .await
}

pub async fn serve(
    app: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router::build(app);
    // The peer address feeds sign-in throttling per client address.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    // No Nagle: a response's last bytes (the broker ends a body only once
    // its usage row is committed) must not wait for the client's delayed ACK.
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
