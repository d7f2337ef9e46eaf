//! The client commands (`sbom upload`, `advisory import`, `exposures`): the
//! real binary against a stub of the API contract on a random port, which
//! records what it receives and answers with canned documents.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use crate::harness::temp_dir;

const TOKEN: &str = "chx_stub_token";

/// An upload the stub received.
#[derive(Debug, Clone)]
struct Upload {
    target: String,
    query: HashMap<String, String>,
    content_type: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct Seen {
    assets: Vec<Value>,
    created: Vec<Value>,
    sboms: Vec<Upload>,
    imports: Vec<Upload>,
    exposure_queries: Vec<HashMap<String, String>>,
}

type Shared = Arc<Mutex<Seen>>;
type Q = Query<HashMap<String, String>>;

fn problem(status: StatusCode, detail: &str, errors: Value) -> Response {
    let body = json!({"type": "about:blank", "title": status.canonical_reason(),
                      "status": status.as_u16(), "detail": detail, "errors": errors});
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn unauthorized(headers: &HeaderMap) -> Option<Response> {
    let ok = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {TOKEN}").as_bytes());
    (!ok).then(|| {
        problem(
            StatusCode::UNAUTHORIZED,
            "send a valid API token",
            json!([]),
        )
    })
}

fn upload(
    target: String,
    query: HashMap<String, String>,
    headers: &HeaderMap,
    body: Bytes,
) -> Upload {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Upload {
        target,
        query,
        content_type,
        body: body.to_vec(),
    }
}

async fn list_assets(State(seen): State<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    let seen = seen.lock().unwrap();
    // Matches loosely, as a server may: the client must pick the exact name.
    let name = q.get("name").cloned().unwrap_or_default();
    let items: Vec<Value> = seen
        .assets
        .iter()
        .filter(|a| a["name"].as_str().unwrap().starts_with(&name))
        .cloned()
        .collect();
    axum::Json(json!({"items": items, "next_cursor": null})).into_response()
}

async fn create_asset(
    State(seen): State<Shared>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    let body = body.0;
    if body["name"].as_str().unwrap_or_default().contains(' ') {
        let errors = json!([{"field": "name", "message": "must not contain spaces"}]);
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid asset", errors);
    }
    let mut seen = seen.lock().unwrap();
    seen.created.push(body.clone());
    let asset = json!({
        "id": format!("asset-{}", seen.assets.len() + 1), "org_id": "org-1", "name": body["name"],
        "owner": null, "description": null, "publicly_exposed": body["publicly_exposed"],
        "mission_impact": body["mission_impact"], "created_at": "2026-06-01T00:00:00Z",
        "updated_at": "2026-06-01T00:00:00Z", "sbom": null
    });
    seen.assets.push(asset.clone());
    (StatusCode::CREATED, axum::Json(asset)).into_response()
}

async fn put_sbom(
    State(seen): State<Shared>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    let mut seen = seen.lock().unwrap();
    let Some(asset) = seen.assets.iter().find(|a| a["id"] == id.as_str()).cloned() else {
        return problem(StatusCode::NOT_FOUND, "no such resource", json!([]));
    };
    let n = body.len();
    seen.sboms.push(upload(id, HashMap::new(), &headers, body));
    axum::Json(json!({
        "asset": asset,
        "sbom": {"id": "sbom-1", "format": "CycloneDX", "spec_version": "1.6", "sha256": "00",
                 "component_count": n, "uploaded_at": "2026-06-01T00:00:00Z"},
        "exposures": {"new": 2, "changed": 0, "resolved": 1, "open": 5}
    }))
    .into_response()
}

async fn import(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Query(q): Q,
    body: Bytes,
) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    let name = q.get("name").cloned().unwrap_or_default();
    seen.lock()
        .unwrap()
        .imports
        .push(upload(name.clone(), q, &headers, body));
    // Queued, as the server answers: the command polls the import.
    let location = format!("/api/v1/advisories/imports/{name}");
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(json!({"id": name, "state": "queued"})),
    )
        .into_response()
}

/// The import of the file `name`, finished.
async fn import_status(headers: HeaderMap, UrlPath(name): UrlPath<String>) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    if name.starts_with("bad") {
        return axum::Json(json!({
            "id": name, "state": "failed", "error_status": 422,
            "error": "an event list must start with introduced", "error_field": "affected[0].ranges",
            "format": "", "advisories_created": 0, "advisories_updated": 0, "advisories_unchanged": 0,
            "kev_entries": 0, "epss_scores": 0,
            "exposures": {"new": 0, "changed": 0, "resolved": 0, "open": 0}, "errors": []
        }))
        .into_response();
    }
    let kev = name.starts_with("kev");
    axum::Json(json!({
        "id": name, "state": "done",
        "format": if kev { "cisa-kev" } else { "osv" },
        "advisories_created": u64::from(!kev), "advisories_updated": 0, "advisories_unchanged": 0,
        "kev_entries": if kev { 10 } else { 0 }, "epss_scores": 0,
        "exposures": {"new": 1, "changed": 0, "resolved": 0, "open": 3},
        "errors": []
    }))
    .into_response()
}

async fn exposures(State(seen): State<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    if let Some(r) = unauthorized(&headers) {
        return r;
    }
    let item = |n: u32| {
        json!({
            "id": format!("exp-{n}"), "org_id": "org-1", "asset_id": "asset-1", "asset_name": "web",
            "component": {"name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash"},
            "vulnerability": {"id": format!("GHSA-000{n}"), "aliases": [format!("CVE-2026-000{n}")], "summary": "s"},
            "advisory_id": "adv-1", "decision": "affected", "reason": "4.17.20 < 4.17.21",
            "priority": {"kev": n == 1}, "priority_rank": n, "ssvc_decision": "act",
            "deadline": "2026-07-01", "due_at": "2026-07-01T00:00:00Z", "overdue": false, "state": "open"
        })
    };
    let page = match q.get("cursor").map(String::as_str) {
        None => json!({"items": [item(1), item(2)], "next_cursor": "page-2"}),
        Some("page-2") => json!({"items": [item(3)], "next_cursor": null}),
        Some(_) => return problem(StatusCode::BAD_REQUEST, "bad cursor", json!([])),
    };
    seen.lock().unwrap().exposure_queries.push(q);
    axum::Json(page).into_response()
}

/// Starts the stub; returns its base URL and what it has seen.
async fn stub() -> (String, Shared) {
    let seen = Shared::default();
    let app = Router::new()
        .route("/api/v1/assets", get(list_assets).post(create_asset))
        .route("/api/v1/assets/{id}/sbom", put(put_sbom))
        .route("/api/v1/advisories/import", post(import))
        .route("/api/v1/advisories/imports/{id}", get(import_status))
        .route("/api/v1/exposures", get(exposures))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the server and token in the environment.
async fn cli(server: &str, args: &[&str]) -> Run {
    let server = server.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
            .args(&args)
            .env("CLEARINGHOUSE_SERVER", server)
            .env("CLEARINGHOUSE_TOKEN", TOKEN)
            .env_remove("CLEARINGHOUSE_ORG")
            .env_remove("CLEARINGHOUSE_ASSET")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sbom_upload_creates_a_missing_asset_and_sends_the_file_bytes() {
    let (server, seen) = stub().await;
    let dir = temp_dir();
    let first: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let a = write(&dir, "first.cdx.json", &first);
    let b = write(&dir, "second.spdx", b"SPDXVersion: SPDX-2.3\n");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let run = cli(
        &server,
        &[
            "sbom",
            "upload",
            "--asset",
            "web",
            "--public",
            "--mission-impact",
            "high",
            "--json",
            a,
            b,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["asset_created"], true);
    assert_eq!(out["asset"]["id"], "asset-1");
    assert_eq!(out["files"][0]["ok"], true);
    assert_eq!(out["files"][1]["result"]["sbom"]["component_count"], 22);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.created,
            [json!({"name": "web", "publicly_exposed": true, "mission_impact": "high"})]
        );
        assert_eq!(seen.sboms.len(), 2);
        assert_eq!(
            seen.sboms[0].body, first,
            "the body is the file, byte for byte"
        );
        assert_eq!(seen.sboms[0].target, "asset-1");
        assert_eq!(seen.sboms[0].content_type, "application/octet-stream");
        assert_eq!(seen.sboms[1].body, b"SPDXVersion: SPDX-2.3\n");
    }

    // "web-frontend" also matches the stub's loose filter; the exact name wins.
    let run = cli(&server, &["sbom", "upload", "--asset", "web-frontend", a]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = cli(&server, &["sbom", "upload", "--asset", "web", b]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        format!(
            "{b}: CycloneDX 1.6, 22 components; exposures: 2 new, 0 changed, 1 resolved, 5 open"
        )
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.created.len(), 2, "the existing asset is reused");
    assert_eq!(seen.sboms.last().unwrap().target, "asset-1");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A missing file, or a file of findings, is found before anything is sent:
/// no asset is created and nothing uploaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sbom_upload_checks_every_file_before_creating_the_asset() {
    let (server, seen) = stub().await;
    let dir = temp_dir();
    let good = write(&dir, "bom.spdx", b"SPDXVersion: SPDX-2.3\n");
    let sarif = write(&dir, "scan.sarif", br#"{"version": "2.1.0", "runs": []}"#);
    let missing = dir.join("missing.json");
    let (good, sarif, missing) = (
        good.to_str().unwrap(),
        sarif.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let run = cli(
        &server,
        &["sbom", "upload", "--asset", "new-asset", good, missing],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no asset was created"),
        "{}",
        run.stderr
    );
    let run = cli(&server, &["sbom", "upload", "--asset", "new-asset", sarif]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not an SBOM") && run.stderr.contains("clearinghouse submit"),
        "{}",
        run.stderr
    );
    {
        let seen = seen.lock().unwrap();
        assert!(seen.created.is_empty(), "no asset created");
        assert!(seen.sboms.is_empty(), "nothing uploaded");
    }
    // And the other way round: an SBOM given to `submit` is pointed to `sbom upload`.
    let cdx = write(
        &dir,
        "bom.cdx.json",
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.2"}"#,
    );
    let run = cli(&server, &["submit", cdx.to_str().unwrap()]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("sbom upload"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_errors_and_bad_tokens_are_named_and_fail_the_run() {
    let (server, seen) = stub().await;
    let dir = temp_dir();
    let file = write(&dir, "bom.json", b"{}");
    let run = cli(
        &server,
        &[
            "sbom",
            "upload",
            "--asset",
            "bad name",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("422 Unprocessable Entity: invalid asset"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("field `name`: must not contain spaces"),
        "{}",
        run.stderr
    );
    assert!(seen.lock().unwrap().sboms.is_empty());
    std::fs::remove_dir_all(dir).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["exposures", "--server", &server, "--token", "wrong"])
        .env_remove("CLEARINGHOUSE_TOKEN")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("401 Unauthorized: send a valid API token"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advisory_import_walks_folders_and_keeps_going_past_a_failed_file() {
    let (server, seen) = stub().await;
    let dir = temp_dir();
    let mut expected = HashMap::new();
    for (name, body) in [
        ("feeds/osv/GHSA-0001.json", &b"{\"id\":\"GHSA-0001\"}"[..]),
        ("feeds/osv/nested/GHSA-0002.yaml", b"id: GHSA-0002\n"),
        ("feeds/kev.json", b"{\"vulnerabilities\":[]}"),
        ("feeds/osv-all.zip", b"PK\x03\x04 not really a zip"),
        ("feeds/bad-record.json", b"{\"id\":\"broken\"}"),
    ] {
        write(&dir, name, body);
        expected.insert(name.rsplit('/').next().unwrap().to_owned(), body.to_vec());
    }
    write(&dir, "feeds/README.md", b"not an advisory");
    write(&dir, "feeds/.git/objects.json", b"{}");
    write(&dir, "feeds/epss_scores.csv.gz", b"\x1f\x8b");
    let feeds = dir.join("feeds");

    let run = cli(
        &server,
        &["advisory", "import", "--embargo", feeds.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 1, "a failed file fails the run: {}", run.stderr);
    assert!(
        run.stderr
            .contains("bad-record.json: error: POST /api/v1/advisories/import: 422"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("affected[0].ranges: an event list must start with introduced"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("epss_scores.csv.gz: error: gzip-compressed files"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("imported 4 file(s) (cisa-kev 1, osv 3); 2 failed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("KEV entries: 10"), "{}", run.stdout);
    {
        let seen = seen.lock().unwrap();
        let got: HashMap<String, Vec<u8>> = seen
            .imports
            .iter()
            .map(|u| (u.target.clone(), u.body.clone()))
            .collect();
        assert_eq!(seen.imports.len(), 5, "each file once");
        assert_eq!(got, expected, "exactly the advisory files, byte for byte");
        for u in &seen.imports {
            assert_eq!(u.query.get("embargo").map(String::as_str), Some("true"));
            let zip = u.target.ends_with(".zip");
            assert_eq!(
                u.content_type,
                if zip {
                    "application/zip"
                } else {
                    "application/octet-stream"
                }
            );
        }
    }

    std::fs::remove_file(dir.join("feeds/bad-record.json")).unwrap();
    std::fs::remove_file(dir.join("feeds/epss_scores.csv.gz")).unwrap();
    let run = cli(
        &server,
        &["advisory", "import", "--json", feeds.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["totals"]["files"], 4);
    assert_eq!(out["totals"]["files_failed"], 0);
    assert_eq!(out["totals"]["advisories_created"], 3);
    assert_eq!(out["totals"]["exposures"]["new"], 4);
    assert_eq!(out["files"].as_array().unwrap().len(), 4);
    assert!(
        out["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["ok"] == true)
    );
    let seen = seen.lock().unwrap();
    assert!(
        seen.imports[5..]
            .iter()
            .all(|u| !u.query.contains_key("embargo"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exposures_follows_cursors_and_prints_a_table() {
    let (server, seen) = stub().await;
    let run = cli(
        &server,
        &["exposures", "--asset", "web", "--state", "open", "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let items: Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["exp-1", "exp-2", "exp-3"]);
    assert_eq!(
        items[0]["priority"]["kev"], true,
        "items are printed as received"
    );
    {
        let seen = seen.lock().unwrap();
        let q = &seen.exposure_queries;
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].get("asset").unwrap(), "web");
        assert_eq!(q[0].get("state").unwrap(), "open");
        assert_eq!(q[0].get("limit").unwrap(), "500");
        assert_eq!(q[1].get("cursor").unwrap(), "page-2");
    }

    let run = cli(&server, &["exposures"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(
        lines[0],
        "PRIORITY  DEADLINE    ASSET  COMPONENT               VULNERABILITY              REASON"
    );
    assert_eq!(
        lines[3],
        "act       2026-07-01  web    pkg:npm/lodash@4.17.20  GHSA-0003 (CVE-2026-0003)  4.17.20 < 4.17.21"
    );
}
