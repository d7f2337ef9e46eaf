//! What the client commands (`sbom`, `advisory`, `exposures`, `submit`)
//! share: an HTTP client for `{server}/api/v1` with the bearer token, the
//! one error type (rendering RFC 9457 problem documents, naming the fields
//! at fault), cursor pagination, streamed uploads, per-file results and the
//! progress bar.

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::config::ServerArgs;

/// Timeout of an ordinary request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout of a file upload: the server parses and matches it before answering.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// Page size asked of list endpoints.
pub const PAGE_LIMIT: &str = "500";
/// Most characters of a non-JSON error body quoted in a message.
const BODY_EXCERPT: usize = 300;

/// A field the server names in a problem document's `errors` array.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FieldError {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// An RFC 9457 problem document as the server sends it; every member is
/// optional so that a partial one still renders.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    /// A single field at fault (older answers).
    #[serde(default)]
    pub field: Option<String>,
    /// The fields at fault (422).
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

/// Why a client request (or the local step before it) failed.
#[derive(Debug, Clone)]
pub enum ClientError {
    /// The server answered with an error status.
    Status {
        request: String,
        status: u16,
        problem: Box<Problem>,
    },
    /// No answer: connection, TLS, timeout.
    Transport { request: String, detail: String },
    /// A success status with a body that is not what the contract says.
    Decode { request: String, detail: String },
    /// A local problem: a bad URL, an unreadable or unsupported file.
    Local(String),
}

impl ClientError {
    /// The error as a JSON object, for `--json` output.
    pub fn to_json(&self) -> Value {
        match self {
            ClientError::Status {
                request,
                status,
                problem,
            } => {
                json!({"request": request, "status": status, "problem": problem, "message": self.to_string()})
            }
            ClientError::Transport { request, .. } | ClientError::Decode { request, .. } => {
                json!({"request": request, "message": self.to_string()})
            }
            ClientError::Local(_) => json!({"message": self.to_string()}),
        }
    }
}

impl std::error::Error for ClientError {}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Status {
                request,
                status,
                problem,
            } => {
                write!(f, "{request}: {}", render_problem(*status, problem))
            }
            ClientError::Transport { request, detail } => {
                write!(f, "{request}: no answer: {detail}")
            }
            ClientError::Decode { request, detail } => {
                write!(f, "{request}: unexpected answer: {detail}")
            }
            ClientError::Local(message) => f.write_str(message),
        }
    }
}

/// `422 Unprocessable Entity: detail`, then one indented line per field.
pub fn render_problem(status: u16, problem: &Problem) -> String {
    let title = problem.title.clone().unwrap_or_else(|| {
        StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error")
            .to_owned()
    });
    let mut out = format!("{status} {title}");
    if let Some(detail) = problem.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(": ");
        out.push_str(detail);
    }
    if let Some(field) = &problem.field
        && !problem
            .errors
            .iter()
            .any(|e| e.field.as_ref() == Some(field))
    {
        out.push_str(&format!("\n  field `{field}`"));
    }
    for e in &problem.errors {
        match &e.field {
            Some(field) => out.push_str(&format!("\n  field `{field}`: {}", e.message)),
            None => out.push_str(&format!("\n  {}", e.message)),
        }
    }
    out
}

/// An error and its causes on one line (reqwest keeps the useful part,
/// such as "connection refused", in the causes).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `{server}/api/v1/{segments...}?{query}`: segments are percent-encoded
/// (an asset name may hold `/`), query pairs with no value are left out. A
/// server URL with a path prefix keeps it.
pub fn api_url(
    server: &str,
    segments: &[&str],
    query: &[(&str, Option<&str>)],
) -> Result<Url, ClientError> {
    let mut url = Url::parse(server.trim())
        .map_err(|e| ClientError::Local(format!("invalid --server URL {server:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ClientError::Local(format!(
            "invalid --server URL {server:?}: expected http:// or https://"
        )));
    }
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| ClientError::Local(format!("invalid --server URL {server:?}")))?
        .pop_if_empty()
        .extend(["api", "v1"])
        .extend(segments);
    let present: Vec<(&str, &str)> = query
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    if !present.is_empty() {
        url.query_pairs_mut().extend_pairs(present);
    }
    Ok(url)
}

/// A request body.
pub enum Body {
    None,
    Json(Value),
    /// Raw file bytes with their content type; sent with the upload timeout.
    Bytes(Vec<u8>, &'static str),
    /// A file streamed from disk, its length sent as `Content-Length`; no
    /// total timeout (a large file takes as long as it takes), only the
    /// client's read timeout.
    Stream {
        body: reqwest::Body,
        len: u64,
        content_type: &'static str,
    },
}

/// The API of one server, as one token.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    server: String,
    token: String,
}

/// A successful answer: its status, its JSON body and the request it answers.
pub struct Reply {
    pub request: String,
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The body as a typed view; a body of another shape is a `Decode` error.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        T::deserialize(&self.body).map_err(|e| ClientError::Decode {
            request: self.request.clone(),
            detail: e.to_string(),
        })
    }
}

impl ApiClient {
    pub fn new(args: &ServerArgs) -> Result<ApiClient, ClientError> {
        // Checks the URL once, before any work.
        api_url(&args.server, &[], &[])?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("clearinghouse-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(UPLOAD_TIMEOUT)
            .build()
            .map_err(|e| {
                ClientError::Local(format!("cannot build the HTTP client: {}", chain(&e)))
            })?;
        Ok(ApiClient {
            http,
            server: args.server.clone(),
            token: args.token.clone(),
        })
    }

    pub fn url(
        &self,
        segments: &[&str],
        query: &[(&str, Option<&str>)],
    ) -> Result<Url, ClientError> {
        api_url(&self.server, segments, query)
    }

    /// Sends one request; any status outside 2xx becomes `Status` with the
    /// problem document (or an excerpt of whatever else came back).
    pub async fn send(&self, method: Method, url: Url, body: Body) -> Result<Reply, ClientError> {
        self.send_with(method, url, body, &[]).await
    }

    /// `send` with extra request headers (such as `Idempotency-Key`).
    pub async fn send_with(
        &self,
        method: Method,
        url: Url,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ClientError> {
        let request = format!("{method} {}", url.path());
        let mut builder = self
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder = match body {
            Body::None => builder.timeout(REQUEST_TIMEOUT),
            Body::Json(v) => builder.timeout(REQUEST_TIMEOUT).json(&v),
            Body::Bytes(bytes, content_type) => builder
                .timeout(UPLOAD_TIMEOUT)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes),
            Body::Stream {
                body,
                len,
                content_type,
            } => builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(body),
        };
        let resp = builder.send().await.map_err(|e| ClientError::Transport {
            request: request.clone(),
            detail: chain(&e),
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| ClientError::Transport {
            request: request.clone(),
            detail: chain(&e),
        })?;
        if !status.is_success() {
            return Err(ClientError::Status {
                request,
                status: status.as_u16(),
                problem: Box::new(problem_from_body(&text)),
            });
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| ClientError::Decode {
                request: request.clone(),
                detail: format!("not JSON ({e}): {}", excerpt(&text)),
            })?
        };
        Ok(Reply {
            request,
            status: status.as_u16(),
            body,
        })
    }

    pub async fn get(&self, url: Url) -> Result<Reply, ClientError> {
        self.send(Method::GET, url, Body::None).await
    }

    /// Every item of a paginated list, following `next_cursor`.
    pub async fn get_all(
        &self,
        segments: &[&str],
        query: &[(&str, Option<&str>)],
    ) -> Result<Vec<Value>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = query.to_vec();
            q.push(("cursor", cursor.as_deref()));
            q.push(("limit", Some(PAGE_LIMIT)));
            let reply = self.get(self.url(segments, &q)?).await?;
            let page: Page = reply.parse()?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) if cursor.as_deref() == Some(next.as_str()) => {
                    return Err(ClientError::Decode {
                        request: reply.request,
                        detail: format!("the server returned the same cursor {next:?} twice"),
                    });
                }
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }
}

#[derive(Deserialize)]
struct Page {
    items: Vec<Value>,
    #[serde(default)]
    next_cursor: Option<String>,
}

fn problem_from_body(text: &str) -> Problem {
    match serde_json::from_str::<Problem>(text) {
        Ok(p) if p.title.is_some() || p.detail.is_some() || !p.errors.is_empty() => p,
        _ => Problem {
            detail: (!text.trim().is_empty()).then(|| excerpt(text)),
            ..Problem::default()
        },
    }
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// A record id as the server sends it (text or number), for URLs and messages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Text(String),
    Number(i64),
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Text(s) => f.write_str(s),
            Id::Number(n) => write!(f, "{n}"),
        }
    }
}

/// Exposure counts after a change, as upload answers report them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureCounts {
    #[serde(default)]
    pub new: u64,
    #[serde(default)]
    pub changed: u64,
    #[serde(default)]
    pub resolved: u64,
    /// Open exposures after the change: a state, not a delta.
    #[serde(default)]
    pub open: u64,
}

impl ExposureCounts {
    /// Adds the deltas of `later` and takes its `open` (the newer state).
    pub fn absorb(&mut self, later: &ExposureCounts) {
        self.new += later.new;
        self.changed += later.changed;
        self.resolved += later.resolved;
        self.open = later.open;
    }
}

impl fmt::Display for ExposureCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exposures: {} new, {} changed, {} resolved, {} open",
            self.new, self.changed, self.resolved, self.open
        )
    }
}

/// What happened to one file: the server's answer, or why it failed.
pub struct FileResult {
    pub path: PathBuf,
    pub outcome: Result<Value, ClientError>,
}

impl FileResult {
    pub fn to_json(&self) -> Value {
        let path = self.path.display().to_string();
        match &self.outcome {
            Ok(v) => json!({"path": path, "ok": true, "result": v}),
            Err(e) => json!({"path": path, "ok": false, "error": e.to_json()}),
        }
    }
}

/// Prints why one file failed, on standard error.
pub fn eprint_failure(path: &Path, e: &ClientError) {
    eprintln!("{}: error: {e}", path.display());
}

/// Reads a whole file for upload.
pub async fn read_file(path: &Path) -> Result<Vec<u8>, ClientError> {
    tokio::fs::read(path)
        .await
        .map_err(|e| ClientError::Local(format!("cannot read {}: {e}", path.display())))
}

/// A bar over `len` files on standard error; hidden for `--json` and when
/// standard error is not a terminal.
pub fn progress_bar(len: usize, json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} files {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Prints a JSON document on standard output.
pub fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_urls_under_api_v1() {
        let check =
            |server: &str, segments: &[&str], query: &[(&str, Option<&str>)], want: &str| {
                assert_eq!(api_url(server, segments, query).unwrap().as_str(), want);
            };
        check(
            "http://127.0.0.1:8080",
            &["assets"],
            &[],
            "http://127.0.0.1:8080/api/v1/assets",
        );
        check(
            "https://ch.example/",
            &["assets", "a/b c", "sbom"],
            &[],
            "https://ch.example/api/v1/assets/a%2Fb%20c/sbom",
        );
        check(
            "https://ch.example/prefix/",
            &["assets"],
            &[("name", Some("web & db")), ("org", None)],
            "https://ch.example/prefix/api/v1/assets?name=web+%26+db",
        );
        check(
            "https://ch.example/prefix?x=1#frag",
            &["exposures"],
            &[],
            "https://ch.example/prefix/api/v1/exposures",
        );
        assert!(matches!(
            api_url("ch.example", &[], &[]),
            Err(ClientError::Local(_))
        ));
        assert!(matches!(
            api_url("ftp://ch.example", &[], &[]),
            Err(ClientError::Local(_))
        ));
    }

    #[test]
    fn renders_problems_naming_fields() {
        let problem = problem_from_body(
            r#"{"type":"urn:x","title":"Unprocessable Entity","status":422,"detail":"invalid input",
               "errors":[{"field":"mission_impact","message":"must be low, medium or high"},
                         {"field":null,"message":"something else"}]}"#,
        );
        let e = ClientError::Status {
            request: "POST /api/v1/assets".into(),
            status: 422,
            problem: Box::new(problem),
        };
        assert_eq!(
            e.to_string(),
            "POST /api/v1/assets: 422 Unprocessable Entity: invalid input\n  \
             field `mission_impact`: must be low, medium or high\n  something else"
        );
        assert_eq!(
            e.to_json()["problem"]["errors"][0]["field"],
            "mission_impact"
        );
        let single = problem_from_body(
            r#"{"title":"Unprocessable Entity","detail":"roles[2]: unknown","field":"roles[2]"}"#,
        );
        assert_eq!(
            render_problem(422, &single),
            "422 Unprocessable Entity: roles[2]: unknown\n  field `roles[2]`"
        );
    }

    #[test]
    fn renders_bodies_that_are_not_problems() {
        assert_eq!(
            render_problem(502, &problem_from_body("<html>Bad gateway</html>")),
            "502 Bad Gateway: <html>Bad gateway</html>"
        );
        assert_eq!(render_problem(404, &problem_from_body("")), "404 Not Found");
        let long = "x".repeat(1000);
        let rendered = render_problem(500, &problem_from_body(&long));
        assert!(
            rendered.len() < 400 && rendered.ends_with('…'),
            "{rendered}"
        );
    }

    #[test]
    fn sums_exposure_deltas_and_keeps_the_newest_open_count() {
        let mut total = ExposureCounts::default();
        total.absorb(&ExposureCounts {
            new: 2,
            changed: 1,
            resolved: 0,
            open: 5,
        });
        total.absorb(&ExposureCounts {
            new: 1,
            changed: 0,
            resolved: 3,
            open: 3,
        });
        assert_eq!(
            total,
            ExposureCounts {
                new: 3,
                changed: 1,
                resolved: 3,
                open: 3
            }
        );
    }
}
