//! A reference OpenAI-compatible endpoint on a local listener, for
//! `clearinghouse bench broker`: the same small deterministic answer (with
//! `usage`) to every authorised `POST /v1/chat/completions`, so the bench
//! measures the broker's own cost beside direct calls to the same server;
//! and [`bare_proxy`], the floor any proxy's extra hop costs on the same
//! machine.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use tokio::net::TcpListener;

/// Serves until the task is dropped; answers 401 without `Bearer <secret>`.
pub async fn serve(listener: TcpListener, secret: String) -> std::io::Result<()> {
    let expected = format!("Bearer {secret}");
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap| {
            let ok = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                == Some(expected.as_str());
            async move { answer(ok) }
        }),
    );
    axum::serve(listener, app).await
}

fn answer(authorised: bool) -> Response {
    if !authorised {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    axum::Json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9}
    }))
    .into_response()
}

/// The floor of any proxy: the request body forwarded to `upstream` with
/// the same kind of HTTP client the broker uses (one pooled client, the
/// caller's bearer passed on) and the answer streamed back, with nothing
/// checked, parsed or logged.
pub async fn bare_proxy(
    listener: tokio::net::TcpListener,
    upstream: String,
) -> std::io::Result<()> {
    use axum::body::{Body, Bytes};
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let route = axum::routing::post(move |headers: HeaderMap, body: Bytes| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let mut req = client
                .post(upstream)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
            if let Some(auth) = headers.get(header::AUTHORIZATION) {
                req = req.header(header::AUTHORIZATION, auth.clone());
            }
            match req.send().await {
                Ok(r) => {
                    let status = StatusCode::from_u16(r.status().as_u16())
                        .unwrap_or(StatusCode::BAD_GATEWAY);
                    let mut resp = Response::new(Body::from_stream(r.bytes_stream()));
                    *resp.status_mut() = status;
                    resp
                }
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    });
    let app = axum::Router::new().route("/v1/chat/completions", route);
    axum::serve(listener, app).await
}
