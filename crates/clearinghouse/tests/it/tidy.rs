//! Tidy checks over the source tree, in the manner of rust-analyzer's
//! `tidy.rs`: the layering rules ARCHITECTURE.md states, enforced.
//!
//! - SQL lives in `store/`: `sqlx` is named only under `src/store/` of the
//!   app crate (integration tests poke databases directly and are not
//!   checked).
//! - HTTP lives in `http/`: `axum` is named only under `src/http/`.
//! - Every Rust file of the workspace's crates opens with a `//!` comment
//!   saying what it owns.
//! - No Rust file is over 800 lines.
//! - Every route is in the OpenAPI document or in [`UI_ROUTES`], the
//!   named list of web UI routes (`http/ui/mod.rs::routes`, merged in
//!   `http/router.rs`), or in [`OTHER_ROUTES`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The web UI's routes: server-rendered pages and their form posts, and
/// the embedded assets. Not part of the API, so not in the OpenAPI
/// document; a new page adds its routes here.
const UI_ROUTES: &[&str] = &[
    "/",
    "/directives",
    "/directives/{id}",
    "/directives/{id}/report",
    "/directives/{id}/request",
    "/directives/new",
    "/directives/{id}/edit",
    "/directives/{id}/requests/{request}/decide",
    "/directives/{id}/reports/{submission}/evidence",
    "/directive-evidence/{id}/download",
    "/inquiries",
    "/inquiries/{id}",
    "/inquiries/{id}/respond",
    "/inquiries/{id}/decide",
    "/inquiries/{id}/approve",
    "/inquiries/{id}/communicate",
    "/inquiries/{id}/release",
    "/login",
    "/logout",
    "/account/password",
    "/orgs",
    "/orgs/{id}/archive",
    "/users",
    "/tokens",
    "/tokens/{id}/revoke",
    "/authorizations",
    "/approvals",
    "/approvals/{id}/decision",
    "/documents",
    "/documents/{id}",
    "/exposures",
    "/exposures/{id}/state",
    "/assets",
    "/assets/{id}",
    "/assets/{id}/sbom",
    "/assets/{id}/archive",
    "/assets/{id}/unarchive",
    "/vulnerabilities/{id}",
    "/vulnerabilities/{id}/lift-embargo",
    "/findings",
    "/findings/compare",
    "/findings/reporters",
    "/findings/{id}",
    "/findings/{id}/review",
    "/findings/{id}/pocs",
    "/pocs/{id}/release",
    "/pocs/{id}/download",
    "/findings/{id}/similar/{other}",
    "/submissions",
    "/submissions/{id}",
    "/cases",
    "/cases/{id}",
    "/cases/{id}/join",
    "/cases/{id}/publish",
    "/cases/{id}/messages",
    "/cases/{id}/attachments/{aid}",
    "/cases/{id}/patches/{pid}/download",
    "/cases/{id}/progress",
    "/cases/claims/decision",
    "/cases/{id}/participants",
    "/cases/{id}/participants/{org}/remove",
    "/cases/{id}/leave",
    "/cases/{id}/date",
    "/cases/{id}/products",
    "/cases/{id}/statements",
    "/cases/{id}/vex",
    "/cases/{id}/patches",
    "/cases/{id}/vulnerabilities/{vuln}",
    "/inbox",
    "/inbox/{id}/read",
    "/inbox/settings",
    "/inbox/webhooks",
    "/inbox/webhooks/{id}/delete",
    "/audit",
    "/audit/proof",
    "/api",
    "/static/htmx.min.js",
    "/static/app.css",
    "/static/app.js",
    "/favicon.svg",
    "/favicon.ico",
    "/findings/bulk",
    "/exposures/bulk",
    "/vulnerabilities",
    "/frontier",
    "/frontier/models",
    "/frontier/models/{id}",
    "/frontier/suites",
    "/frontier/suites/{id}",
    "/frontier/runs",
    "/frontier/runs/{id}",
    "/frontier/thresholds",
    "/frontier/thresholds/propose",
    "/frontier/partners",
    "/frontier/partners/nominate",
    "/frontier/partners/{id}/approve",
    "/frontier/partners/{id}/withdraw",
    "/defence-tools",
    "/defence-tools/{id}/request",
    "/defence-tools/requests",
    "/defence-tools/requests/{id}/decision",
    "/defence-tools/{id}/delist",
    "/defence-tools/requests/{id}/revoke",
    "/frontier/windows",
    "/frontier/windows/{id}",
    "/frontier/windows/{id}/grants",
    "/frontier/grants/{id}",
    "/frontier/grants/{id}/revoke",
    "/frontier/grants/{id}/accept",
    "/frontier/grants/{id}/credential",
    "/frontier/alerts",
    "/frontier/alerts/{id}/acknowledge",
    "/scans",
    "/scans/network",
    "/scans/network/assets",
    "/scans/network/assets/{id}/verify",
    "/scans/network/grants",
    "/scans/network/grants/{id}/revoke",
    "/scans/network/reports",
    "/scans/campaigns",
    "/scans/campaigns/{id}",
    "/scans/campaigns/{id}/stop",
    "/scans/campaigns/{id}/claims",
    "/scans/campaigns/{id}/claims/{claim}/respond",
    "/scans/coordination",
    "/scans/coordination/incidents/{id}/evidence",
    "/scans/coordination/incidents/{id}/refer",
];

/// Routes that are neither API operations nor UI pages.
const OTHER_ROUTES: &[&str] = &[
    // The OpenAPI document itself.
    "/api/openapi.json",
    // The OpenAI-compatible broker (`http/broker/`): it speaks OpenAI's API.
    "/broker/v1/chat/completions",
    "/broker/v1/completions",
    "/broker/v1/models",
    // `bench broker`'s reference model endpoint (`http/broker/reference.rs`),
    // served on its own listener, never by the server.
    "/v1/chat/completions",
    // The CSAF provider feed (`http/csaf_feed.rs`): CSAF 2.0 section 7 defines it.
    "/.well-known/csaf/{*path}",
    // RFC 9116's file, and the disclosure policy it names.
    "/.well-known/security.txt",
    "/.well-known/security-policy.txt",
];

/// Lines a file may have at most.
const MAX_LINES: usize = 800;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

fn app_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir` (or `dir` itself, a file), sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut out = Vec::new();
    crate::harness::real_data::files(dir, &[".rs"], &mut out);
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Code lines (not comments) of `text` that name `krate` as a path.
fn names_crate(text: &str, krate: &str) -> Vec<usize> {
    let path = format!("{krate}::");
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.trim_start();
            !code.starts_with("//") && has_path(code, &path)
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// `path` (`sqlx::`) in `code` not as the tail of a longer name.
fn has_path(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(at, _)| {
        code[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// Files under the app's `src/` outside `allowed` (a folder of `src/`)
/// that name `krate`, with their lines.
fn layering_violations(krate: &str, allowed: &str) -> Vec<String> {
    let src = app_src();
    let allowed = src.join(allowed);
    rust_files(&src)
        .into_iter()
        .filter(|f| !f.starts_with(&allowed))
        .filter_map(|f| {
            let lines = names_crate(&read(&f), krate);
            (!lines.is_empty()).then(|| format!("{} (lines {lines:?})", f.display()))
        })
        .collect()
}

#[test]
fn sql_only_in_store() {
    let found = layering_violations("sqlx", "store");
    assert!(
        found.is_empty(),
        "sqlx is named outside src/store/ (add a store function instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn http_only_in_http() {
    let found = layering_violations("axum", "http");
    assert!(
        found.is_empty(),
        "axum is named outside src/http/:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_file_opens_with_a_module_comment() {
    let missing: Vec<String> = rust_files(&crates_dir())
        .into_iter()
        .filter(|f| !read(f).starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files that do not open with a `//!` comment saying what they own:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_file_is_over_the_line_limit() {
    let long: Vec<String> = rust_files(&crates_dir())
        .into_iter()
        .filter_map(|f| {
            let n = read(&f).lines().count();
            (n > MAX_LINES).then(|| format!("{} has {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by what they own):\n{}",
        long.join("\n")
    );
}

/// Paths given to `.route("...")` in the files under `dir`.
fn routed_paths(dir: &Path) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for f in rust_files(dir) {
        let text = read(&f);
        for (at, _) in text.match_indices(".route(") {
            let rest = text[at + ".route(".len()..].trim_start();
            if let Some(lit) = rest.strip_prefix('"')
                && let Some(end) = lit.find('"')
            {
                paths.insert(lit[..end].to_owned());
            }
        }
    }
    paths
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

#[test]
fn every_ui_route_is_in_the_named_list() {
    let routed = routed_paths(&app_src().join("http/ui"));
    let listed = set(UI_ROUTES);
    assert!(
        routed.len() > 20,
        "the route scan found too few UI routes: {routed:?}"
    );
    let unlisted: Vec<&String> = routed.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "UI routes missing from tidy.rs's UI_ROUTES: {unlisted:?}"
    );
    let stale: Vec<&String> = listed.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "tidy.rs's UI_ROUTES lists routes the UI no longer has: {stale:?}"
    );
}

#[test]
fn every_other_route_is_in_the_openapi_document() {
    let doc = clearinghouse::http::router::openapi();
    let documented: BTreeSet<String> = doc.paths.paths.keys().cloned().collect();
    let ui = app_src().join("http/ui");
    let outside_ui: BTreeSet<String> = rust_files(&app_src().join("http"))
        .into_iter()
        .filter(|f| !f.starts_with(&ui))
        .flat_map(|f| routed_paths(&f))
        .collect();
    assert!(
        outside_ui.contains("/healthz"),
        "the route scan missed /healthz: {outside_ui:?}"
    );
    let other = set(OTHER_ROUTES);
    let undocumented: Vec<&String> = outside_ui
        .iter()
        .filter(|p| !documented.contains(*p) && !other.contains(*p))
        .collect();
    assert!(
        undocumented.is_empty(),
        "routes outside the UI and outside the OpenAPI document \
         (register API handlers with `routes!` in http/router.rs): {undocumented:?}"
    );
}

#[test]
fn the_crate_path_check_sees_what_it_should() {
    assert_eq!(names_crate("use sqlx::Row;\n", "sqlx"), [1]);
    assert_eq!(names_crate("let x = sqlx::query(q);\n", "sqlx"), [1]);
    assert_eq!(
        names_crate("// sqlx::query in prose\n", "sqlx"),
        Vec::<usize>::new()
    );
    assert_eq!(
        names_crate("EnvFilter::new(\"sqlx=warn\")\n", "sqlx"),
        Vec::<usize>::new()
    );
    assert_eq!(
        names_crate("use my_sqlx::Thing;\n", "sqlx"),
        Vec::<usize>::new()
    );
    assert_eq!(names_crate("a::my_axum::b\n", "axum"), Vec::<usize>::new());
}
