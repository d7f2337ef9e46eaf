//! A small OpenAI-compatible model endpoint on loopback for the broker
//! tests: answers deterministically, demands the developer's secret, counts
//! the calls it receives and keeps the last request body it saw; its
//! streamed chat answer sends a first chunk, then waits until the test
//! releases it before sending the rest, so a test can prove the broker
//! passes the first chunk on before the last one exists.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const SECRET: &str = "dev-secret-6f1c0a";

#[derive(Default)]
pub struct Endpoint {
    pub calls: AtomicUsize,
    /// The streamed answer's last chunk has been sent.
    pub last_sent: AtomicBool,
    /// Released by the test once it has read the first chunk.
    pub release: Notify,
    pub last_body: std::sync::Mutex<Vec<u8>>,
}

pub struct Running {
    pub base_url: String,
    pub state: Arc<Endpoint>,
}

pub async fn start() -> Running {
    let state = Arc::new(Endpoint::default());
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/completions", post(completion))
        .route("/v1/models", get(models))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Running {
        base_url: format!("http://{addr}/v1"),
        state,
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {SECRET}"))
}

fn usage() -> Value {
    json!({"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18})
}

async fn chat(State(s): State<Arc<Endpoint>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    s.calls.fetch_add(1, Ordering::SeqCst);
    *s.last_body.lock().unwrap() = body.to_vec();
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = req["model"].as_str().unwrap_or("").to_owned();
    if req["stream"] != json!(true) {
        return axum::Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}],
            "usage": usage()
        }))
        .into_response();
    }
    let state = s.clone();
    let stream = async_stream(state, model);
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn event(v: &Value) -> Result<Bytes, Infallible> {
    Ok(Bytes::from(format!("data: {v}\n\n")))
}

/// First chunk at once; the rest only after the test releases it.
fn async_stream(
    s: Arc<Endpoint>,
    model: String,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(4);
    tokio::spawn(async move {
        let chunk = |text: &str| {
            json!({"object": "chat.completion.chunk", "model": model,
            "choices": [{"index": 0, "delta": {"content": text}}]})
        };
        let _ = tx.send(event(&chunk("first"))).await;
        s.release.notified().await;
        let _ = tx.send(event(&chunk("second"))).await;
        let _ = tx
            .send(event(
                &json!({"object": "chat.completion.chunk", "choices": [], "usage": usage()}),
            ))
            .await;
        s.last_sent.store(true, Ordering::SeqCst);
        let _ = tx.send(Ok(Bytes::from_static(b"data: [DONE]\n\n"))).await;
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

async fn completion(State(s): State<Arc<Endpoint>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    s.calls.fetch_add(1, Ordering::SeqCst);
    *s.last_body.lock().unwrap() = body.to_vec();
    axum::Json(json!({"id": "cmpl-1", "object": "text_completion",
        "choices": [{"index": 0, "text": " world", "finish_reason": "stop"}], "usage": usage()}))
    .into_response()
}

async fn models(State(s): State<Arc<Endpoint>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, "bad key").into_response();
    }
    s.calls.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({"object": "list", "data": [
        {"id": "atlas-1", "object": "model", "owned_by": "atlas"},
        {"id": "atlas-internal-next", "object": "model", "owned_by": "atlas"}]}))
    .into_response()
}
