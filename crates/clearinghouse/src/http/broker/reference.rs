//! A reference OpenAI-compatible endpoint on a local listener, for
//! `clearinghouse bench broker`: the same small deterministic answer (with
//! `usage`) to every authorised `POST /v1/chat/completions`, so the bench
//! measures the broker's own cost beside direct calls to the same server.

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
