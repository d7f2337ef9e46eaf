//! The OpenAI-compatible broker (`/broker/v1/chat/completions`,
//! `/broker/v1/completions`, `/broker/v1/models`): every call is checked by
//! `workflows::frontier::broker::authorize` (credential, grant, window,
//! terms, quota: 401/403/429 with `Retry-After`, as problem documents
//! naming the field), forwarded to the window's endpoint with the
//! developer's secret, and its answer passed through chunk by chunk as it
//! arrives (server-sent events are never buffered). The answer's bytes are
//! counted and scanned for `usage` on the way (`access::usage`); when it
//! ends, its usage row is committed (group commit, `broker_state`) before
//! the response's end is sent; if the caller goes away, it is committed
//! all the same (`interrupted`). Prompts and
//! completions are never stored, unless the window's current terms keep
//! transcripts: then the request body (kept as it was read) and the
//! completion assembled from the chunks as they pass
//! (`access::transcript::Assembler`, which copies only the text it
//! extracts; each chunk is forwarded before and regardless of it) are
//! sealed with the usage row.
//!
//! Not in the OpenAPI document: the broker speaks OpenAI's API, not ours.
//! `reference.rs`: a local reference endpoint for `bench broker`.

#[cfg(feature = "bench")]
pub mod reference;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearinghouse_domain::frontier::access::transcript::Assembler;
use clearinghouse_domain::frontier::access::usage::{TokenCounts, UsageScanner};
use futures_util::Stream;
use serde_json::Value;

use crate::app::AppState;
use crate::error::AppError;
use crate::http::error::Problem;
use crate::workflows::frontier::broker::{self, Authorized, CallContext, Refused};
use crate::workflows::frontier::endpoint_guard;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/broker/v1/chat/completions", post(chat_completions))
        .route("/broker/v1/completions", post(completions))
        .route("/broker/v1/models", get(models))
}

/// One client for every forwarded call: connection reuse matters for the
/// added latency; no proxy from the environment; a bound on connecting;
/// no redirects. Unless private targets are allowed, names resolve only
/// to public addresses (`endpoint_guard::PublicOnly`), checked on every
/// new connection.
fn client(allow_private: bool) -> &'static reqwest::Client {
    static PUBLIC: OnceLock<reqwest::Client> = OnceLock::new();
    static ANY: OnceLock<reqwest::Client> = OnceLock::new();
    let build = |public: bool| {
        let b = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60));
        let b = if public {
            b.dns_resolver(endpoint_guard::PublicOnly)
        } else {
            b
        };
        b.build().unwrap_or_else(|_| reqwest::Client::new())
    };
    if allow_private {
        ANY.get_or_init(|| build(false))
    } else {
        PUBLIC.get_or_init(|| build(true))
    }
}

/// A streamed request's body asking the endpoint to report usage in its
/// last event (`stream_options.include_usage`, OpenAI-compatible), so
/// streamed calls are charged like the others.
fn with_usage(body: &Bytes) -> Bytes {
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else {
        return body.clone();
    };
    let options = obj
        .entry("stream_options")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !options.is_object() {
        *options = Value::Object(serde_json::Map::new());
    }
    if let Some(o) = options.as_object_mut() {
        o.insert("include_usage".into(), Value::Bool(true));
    }
    serde_json::to_vec(&Value::Object(obj)).map_or_else(|_| body.clone(), Bytes::from)
}

fn problem(status: u16, slug: &str, detail: impl Into<String>, field: Option<&str>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Problem::new(code, slug, detail, field.map(str::to_owned)).into_response()
}

fn refusal(r: Refused) -> Response {
    let slug = match r.status {
        401 => "unauthenticated",
        404 => "not-found",
        429 => "quota-exceeded",
        _ => "forbidden",
    };
    let mut resp = problem(
        r.status,
        slug,
        format!("{}: {}", r.field, r.message),
        Some(r.field),
    );
    if let Some(secs) = r.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if r.status == 401 {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    resp
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn chat_completions(State(app): State<AppState>, req: Request) -> Response {
    forward(app, req, "chat/completions", true).await
}

async fn completions(State(app): State<AppState>, req: Request) -> Response {
    forward(app, req, "completions", true).await
}

async fn models(State(app): State<AppState>, req: Request) -> Response {
    forward(app, req, "models", false).await
}

/// The model name and `stream` flag of a request body (nothing else of it
/// is read or kept), and the body to forward: the object as parsed, written
/// again, so a key given twice (`"model"` twice) reaches the upstream once,
/// with the value that was checked, whatever its parser would keep (F16).
fn request_facts(body: &Bytes) -> Result<(String, bool, Bytes), Box<Response>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Box::new(problem(
            400,
            "bad-request",
            format!("the body is not JSON: {e}"),
            Some("body"),
        ))
    })?;
    let Some(obj) = v.as_object() else {
        return Err(Box::new(problem(
            400,
            "bad-request",
            "the body must be a JSON object",
            Some("body"),
        )));
    };
    let model = match obj.get("model").and_then(Value::as_str) {
        Some(m) if !m.is_empty() && m.len() <= 200 && !m.chars().any(char::is_control) => {
            m.to_owned()
        }
        _ => {
            return Err(Box::new(problem(
                422,
                "invalid-field",
                "model: must name the model (1 to 200 characters)",
                Some("model"),
            )));
        }
    };
    let stream = obj.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let canonical = serde_json::to_vec(&v).map_err(|e| {
        Box::new(problem(
            400,
            "bad-request",
            format!("the body cannot be forwarded: {e}"),
            Some("body"),
        ))
    })?;
    Ok((model, stream, Bytes::from(canonical)))
}

/// The largest model list read from the developer's endpoint.
const MAX_MODEL_LIST_BYTES: usize = 1024 * 1024;

/// The developer endpoint's model list cut to the window's model: a
/// grantee learns the name to send, not the developer's other models.
fn window_models(upstream: &[u8], model: &str) -> Value {
    let data: Vec<Value> = serde_json::from_slice::<Value>(upstream)
        .ok()
        .and_then(|v| v.get("data").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.get("id").and_then(Value::as_str) == Some(model))
        .collect();
    let data = if data.is_empty() {
        vec![serde_json::json!({"id": model, "object": "model"})]
    } else {
        data
    };
    serde_json::json!({"object": "list", "data": data})
}

async fn forward(app: AppState, req: Request, endpoint: &'static str, has_body: bool) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let body = if has_body {
        let limit = app.settings.max_body_bytes;
        match axum::body::to_bytes(body, limit).await {
            Ok(b) => Some(b),
            Err(_) => {
                return problem(
                    413,
                    "too-large",
                    format!("body: larger than {limit} bytes"),
                    Some("body"),
                );
            }
        }
    } else {
        None
    };
    let Some(token) = bearer(&headers) else {
        return refusal(Refused {
            status: 401,
            field: "credential",
            message: "send a broker credential as Authorization: Bearer <token>".into(),
            retry_after: None,
        });
    };
    let received = body.as_ref().map_or(0, Bytes::len);
    let (model, streamed, body) = match &body {
        Some(b) => match request_facts(b) {
            Ok((m, s, canonical)) => (m, s, Some(canonical)),
            Err(resp) => return *resp,
        },
        None => ("-".to_owned(), false, None),
    };
    let ctx = CallContext {
        endpoint,
        model,
        streamed,
        request_bytes: i64::try_from(received).unwrap_or(i64::MAX),
        client_addr: peer,
        started,
    };
    let auth = match broker::authorize(&app, token, &ctx).await {
        Ok(Ok(a)) => a,
        Ok(Err(r)) => return refusal(r),
        Err(e) => return e.into_response(),
    };
    let allow_private = app.settings.allow_private_webhooks;
    let url = match endpoint_guard::upstream_url(&auth.endpoint.base_url, endpoint, allow_private) {
        Ok(u) => u,
        Err(why) => {
            tracing::warn!(window.id = %auth.window_id(), error = %why, "broker: endpoint refused");
            let row = broker::usage_row(auth.facts(), &ctx, 502, "upstream_unreachable", 0, None);
            broker::settle(&app, &auth, 0);
            if let Err(e) = broker::record(&app, row, None).await {
                return e.into_response();
            }
            return problem(502, "bad-gateway", why, None);
        }
    };
    // Kept (a reference count, not a copy) for the transcript only.
    let kept_request = auth
        .keep_transcripts()
        .then(|| body.clone().unwrap_or_default());
    let request = match body {
        Some(b) => client(allow_private)
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(if streamed { with_usage(&b) } else { b }),
        None => client(allow_private).get(url),
    };
    let upstream = match request.bearer_auth(&auth.endpoint.secret).send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(window.id = %auth.window_id(), error = %e, "broker: model endpoint unreachable");
            let row = broker::usage_row(auth.facts(), &ctx, 502, "upstream_unreachable", 0, None);
            broker::settle(&app, &auth, 0);
            if let Err(e) = broker::record(&app, row, None).await {
                return e.into_response();
            }
            return problem(
                502,
                "bad-gateway",
                "the model endpoint could not be reached",
                None,
            );
        }
    };
    let status = upstream.status().as_u16();
    if endpoint == "models" {
        return model_list(app, auth, ctx, status, upstream).await;
    }
    let content_type = upstream.headers().get(header::CONTENT_TYPE).cloned();
    let sse = content_type
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let metered = Metered {
        inner: Box::pin(upstream.bytes_stream()),
        scanner: Some(UsageScanner::new(sse)),
        transcript: kept_request.map(|r| (Assembler::new(sse), r)),
        bytes: 0,
        committing: None,
        done: Some(Done {
            app,
            auth,
            ctx,
            status,
        }),
    };
    let mut resp = Response::new(Body::from_stream(metered));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Some(ct) = content_type {
        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    if sse {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        resp.headers_mut()
            .insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
    resp
}

/// `/models`: the upstream list (bounded) cut to the window's model,
/// logged like any call.
async fn model_list(
    app: AppState,
    auth: Authorized,
    ctx: CallContext,
    status: u16,
    mut upstream: reqwest::Response,
) -> Response {
    let mut raw = Vec::new();
    let mut complete = true;
    loop {
        match upstream.chunk().await {
            Ok(Some(c)) if raw.len() + c.len() <= MAX_MODEL_LIST_BYTES => {
                raw.extend_from_slice(&c);
            }
            Ok(None) => break,
            _ => {
                complete = false;
                break;
            }
        }
    }
    let ok = complete && (200..300).contains(&status);
    let body = if ok {
        serde_json::to_vec(&window_models(&raw, auth.model_name())).unwrap_or_default()
    } else {
        Vec::new()
    };
    let outcome = if ok { "ok" } else { "upstream_error" };
    let bytes = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let row = broker::usage_row(auth.facts(), &ctx, i64::from(status), outcome, bytes, None);
    broker::settle(&app, &auth, 0);
    if let Err(e) = broker::record(&app, row, None).await {
        return e.into_response();
    }
    if !ok {
        return problem(
            502,
            "bad-gateway",
            "the model endpoint did not list its models",
            None,
        );
    }
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// What is needed to log a call once its answer has passed.
struct Done {
    app: AppState,
    auth: Authorized,
    ctx: CallContext,
    status: u16,
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;
type Commit = Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// The upstream answer, passed through chunk by chunk, counted and scanned;
/// after the last chunk the stream ends only once the call's usage row is
/// committed (so a completed response is a logged call).
struct Metered {
    inner: Chunks,
    scanner: Option<UsageScanner>,
    /// When the terms keep transcripts: the completion being assembled and
    /// the request body.
    transcript: Option<(Assembler, Bytes)>,
    bytes: i64,
    done: Option<Done>,
    /// The commit of the usage row, once the answer has ended.
    committing: Option<Commit>,
}

impl Metered {
    /// The call's log, once: `ok` (2xx), `upstream_error`, or
    /// `interrupted`; its quota reservation settled.
    fn finish(&mut self, complete: bool) -> Option<Commit> {
        let done = self.done.take()?;
        let counts = self.scanner.take().and_then(UsageScanner::finish);
        let transcript = self
            .transcript
            .take()
            .map(|(assembler, request)| assembler.finish(&request));
        // An answer reporting no usage is charged an estimate (calls with
        // a body only), so no stream or large body escapes the quota.
        let counts = match counts {
            None if done.ctx.endpoint != "models" => {
                Some(TokenCounts::estimate(done.ctx.request_bytes, self.bytes))
            }
            c => c,
        };
        let outcome = if !complete {
            "interrupted"
        } else if (200..300).contains(&done.status) {
            "ok"
        } else {
            "upstream_error"
        };
        let row = broker::usage_row(
            done.auth.facts(),
            &done.ctx,
            i64::from(done.status),
            outcome,
            self.bytes,
            counts,
        );
        broker::settle(&done.app, &done.auth, counts.map_or(0, |c| c.charged()));
        let app = done.app;
        Some(Box::pin(async move {
            let window_id = row.window_id.clone();
            if let Err(e) = broker::record(&app, row, transcript.as_ref()).await {
                let e: AppError = e;
                tracing::error!(window.id = %window_id, error = %e.chain(), "broker: usage not recorded");
            }
        }))
    }
}

impl Stream for Metered {
    type Item = reqwest::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(commit) = this.committing.as_mut() {
            return match commit.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.committing = None;
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            };
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.bytes += i64::try_from(chunk.len()).unwrap_or(0);
                if let Some(s) = this.scanner.as_mut() {
                    s.feed(&chunk);
                }
                if let Some((a, _)) = this.transcript.as_mut() {
                    a.feed(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                if let Some(commit) = this.finish(false) {
                    tokio::spawn(commit);
                }
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => match this.finish(true) {
                Some(mut commit) => match commit.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(None),
                    Poll::Pending => {
                        this.committing = Some(commit);
                        Poll::Pending
                    }
                },
                None => Poll::Ready(None),
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Metered {
    fn drop(&mut self) {
        // The caller went away before the end of the answer (or while its
        // row was being committed: that commit goes on without it).
        if let Some(commit) = self.committing.take().or_else(|| self.finish(false)) {
            tokio::spawn(commit);
        }
    }
}
