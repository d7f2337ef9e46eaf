//! `clearinghouse advisory import`: uploads advisory files (OSV JSON/YAML,
//! CVE JSON 5, CSAF 2.0, CISA KEV, EPSS CSV, zips of OSV records) found in
//! the given files and folders, four at a time, waits for each import the
//! server queues (polling `/advisories/imports/{id}`, up to `--timeout`),
//! and sums what the server reports. A file that fails does not stop the others; the exit code is 1
//! when any did.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use futures_util::StreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{
    ApiClient, Body, ClientError, ExposureCounts, FileResult, Problem, eprint_failure, print_json,
    progress_bar, read_file,
};
use crate::config::AdvisoryImportArgs;

/// Uploads in flight at once.
const CONCURRENCY: usize = 4;
const SUPPORTED: &str = ".json, .yaml, .yml, .csv or .zip";

/// What a file's name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Sent as `application/octet-stream`; the server detects the format.
    Record,
    /// A zip of OSV records, sent as `application/zip`.
    Zip,
    /// Compressed with gzip (such as EPSS's `.csv.gz`): not supported.
    Gzip,
    Other,
}

fn kind(path: &Path) -> Kind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json" | "yaml" | "yml" | "csv") => Kind::Record,
        Some("zip") => Kind::Zip,
        Some("gz" | "tgz") => Kind::Gzip,
        _ => Kind::Other,
    }
}

/// A file found on the command line or in a folder.
#[derive(Debug, PartialEq, Eq)]
enum Planned {
    Upload(PathBuf, Kind),
    /// Will not be uploaded, and counts as a failed file.
    Rejected(PathBuf, String),
}

/// The files to import, in a stable order: named files as given (an
/// unsupported one is rejected), folders walked recursively in name order,
/// keeping supported files and rejecting gzip ones, skipping other files,
/// hidden entries and symbolic links to folders.
fn plan(paths: &[PathBuf]) -> Vec<Planned> {
    let mut out = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut out),
            Ok(_) => match kind(path) {
                Kind::Other => out.push(Planned::Rejected(
                    path.clone(),
                    format!("not an advisory file: expected {SUPPORTED}"),
                )),
                k => out.push(classified(path.clone(), k)),
            },
            Err(e) => out.push(Planned::Rejected(path.clone(), format!("cannot read: {e}"))),
        }
    }
    let mut seen = HashSet::new();
    out.retain(|p| match p {
        Planned::Upload(path, _) | Planned::Rejected(path, _) => seen.insert(path.clone()),
    });
    out
}

fn classified(path: PathBuf, kind: Kind) -> Planned {
    match kind {
        Kind::Gzip => Planned::Rejected(
            path,
            "gzip-compressed files (such as EPSS's .csv.gz) are not supported: \
             decompress it first (gunzip FILE) and import the .csv"
                .into(),
        ),
        k => Planned::Upload(path, k),
    }
}

fn walk(dir: &Path, out: &mut Vec<Planned>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Planned::Rejected(
                dir.to_owned(),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(e) => out.push(Planned::Rejected(
                dir.to_owned(),
                format!("cannot read folder: {e}"),
            )),
        }
    }
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        let Ok(link) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if link.is_dir() {
            walk(&path, out);
        } else if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            match kind(&path) {
                Kind::Other => {}
                k => out.push(classified(path, k)),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct ItemError {
    #[serde(default)]
    item: String,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    message: String,
}

/// The fields of an import answer this command reads.
#[derive(Debug, Deserialize)]
struct Imported {
    format: String,
    #[serde(default)]
    advisories_created: u64,
    #[serde(default)]
    advisories_updated: u64,
    #[serde(default)]
    advisories_unchanged: u64,
    #[serde(default)]
    kev_entries: u64,
    #[serde(default)]
    epss_scores: u64,
    #[serde(default)]
    exposures: ExposureCounts,
    #[serde(default)]
    errors: Vec<ItemError>,
}

/// Sums over every imported file.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
struct Totals {
    files: usize,
    files_failed: usize,
    formats: BTreeMap<String, usize>,
    advisories_created: u64,
    advisories_updated: u64,
    advisories_unchanged: u64,
    kev_entries: u64,
    epss_scores: u64,
    /// `open` is the count from the last answer received.
    exposures: ExposureCounts,
    item_errors: usize,
}

impl Totals {
    fn add(&mut self, outcome: &Result<Imported, ClientError>) {
        self.files += 1;
        match outcome {
            Err(_) => self.files_failed += 1,
            Ok(i) => {
                *self.formats.entry(i.format.clone()).or_default() += 1;
                self.advisories_created += i.advisories_created;
                self.advisories_updated += i.advisories_updated;
                self.advisories_unchanged += i.advisories_unchanged;
                self.kev_entries += i.kev_entries;
                self.epss_scores += i.epss_scores;
                self.exposures.absorb(&i.exposures);
                self.item_errors += i.errors.len();
            }
        }
    }

    fn render(&self) -> String {
        let formats: Vec<String> = self
            .formats
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect();
        let mut out = format!("imported {} file(s)", self.files - self.files_failed);
        if !formats.is_empty() {
            out.push_str(&format!(" ({})", formats.join(", ")));
        }
        if self.files_failed > 0 {
            out.push_str(&format!("; {} failed", self.files_failed));
        }
        out.push_str(&format!(
            "\nadvisories: {} created, {} updated, {} unchanged; KEV entries: {}; EPSS scores: {}\n{}",
            self.advisories_created,
            self.advisories_updated,
            self.advisories_unchanged,
            self.kev_entries,
            self.epss_scores,
            self.exposures
        ));
        if self.item_errors > 0 {
            out.push_str(&format!(
                "\n{} record(s) rejected by the server",
                self.item_errors
            ));
        }
        out
    }
}

pub async fn import(args: AdvisoryImportArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let planned = plan(&args.paths);
    if planned.is_empty() {
        bail!("no {SUPPORTED} files found in the given paths");
    }
    let bar = progress_bar(planned.len(), args.json);
    let mut totals = Totals::default();
    let mut results: Vec<FileResult> = Vec::with_capacity(planned.len());
    let mut record = |path: PathBuf, outcome: Result<(Value, Imported), ClientError>| {
        if !args.json {
            bar.suspend(|| report_file(&path, &outcome));
        }
        bar.inc(1);
        let (raw, typed) = match outcome {
            Ok((raw, typed)) => (Ok(raw), Ok(typed)),
            Err(e) => (Err(e.clone()), Err(e)),
        };
        totals.add(&typed);
        results.push(FileResult { path, outcome: raw });
    };
    let mut uploads = Vec::new();
    for p in planned {
        match p {
            Planned::Upload(path, kind) => uploads.push((path, kind)),
            Planned::Rejected(path, why) => {
                let e = ClientError::Local(why);
                record(path, Err(e));
            }
        }
    }
    let embargo = args.embargo;
    let wait = Duration::from_secs(args.timeout);
    // The first file goes alone: when the server refuses the caller (401,
    // 403) it would refuse every file, so that is said once and nothing
    // else is sent.
    let mut uploads = uploads.into_iter();
    if let Some((path, kind)) = uploads.next() {
        let outcome = import_one(&client, &path, kind, embargo, wait).await;
        if let Err(ClientError::Status {
            status: 401 | 403, ..
        }) = &outcome
        {
            bar.finish_and_clear();
            if let Err(e) = &outcome {
                eprintln!("error: {e}");
            }
            let left = uploads.len();
            eprintln!(
                "the server refused this token for advisory import; {} file(s) not sent",
                left + 1
            );
            return Ok(ExitCode::FAILURE);
        }
        record(path, outcome);
    }
    let mut in_flight = futures_util::stream::iter(uploads)
        .map(|(path, kind)| {
            let client = &client;
            async move {
                let outcome = import_one(client, &path, kind, embargo, wait).await;
                (path, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY);
    while let Some((path, outcome)) = in_flight.next().await {
        bar.set_message(path.display().to_string());
        record(path, outcome);
    }
    drop(in_flight);
    bar.finish_and_clear();
    results.sort_by(|a, b| a.path.cmp(&b.path));
    if args.json {
        print_json(&json!({
            "totals": totals,
            "files": results.iter().map(FileResult::to_json).collect::<Vec<_>>(),
        }));
    } else {
        println!("{}", totals.render());
    }
    Ok(if totals.files_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn import_one(
    client: &ApiClient,
    path: &Path,
    kind: Kind,
    embargo: bool,
    wait: Duration,
) -> Result<(Value, Imported), ClientError> {
    let bytes = read_file(path).await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let url = client.url(
        &["advisories", "import"],
        &[
            ("name", Some(&name)),
            ("embargo", embargo.then_some("true")),
        ],
    )?;
    let content_type = match kind {
        Kind::Zip => "application/zip",
        _ => "application/octet-stream",
    };
    let reply = client
        .send(Method::POST, url, Body::Bytes(bytes, content_type))
        .await?;
    let request = reply.request.clone();
    let body = finished(client, reply.body, wait).await?;
    if body["state"] == "failed" {
        return Err(refused(request, &body));
    }
    let imported = Imported::deserialize(&body).map_err(|e| ClientError::Decode {
        request,
        detail: e.to_string(),
    })?;
    Ok((body, imported))
}

/// Polls a queued or running import until it ends (or `wait` passes);
/// an answer with no `state` is final as it is.
async fn finished(
    client: &ApiClient,
    mut body: Value,
    wait: Duration,
) -> Result<Value, ClientError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    while matches!(body["state"].as_str(), Some("queued" | "running")) {
        let id = body["id"].as_str().unwrap_or_default().to_owned();
        if started.elapsed() >= wait {
            return Err(ClientError::Local(format!(
                "import {id} still {} after {}s (see /api/v1/advisories/imports/{id})",
                body["state"].as_str().unwrap_or_default(),
                wait.as_secs()
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
        let url = client.url(&["advisories", "imports", &id], &[])?;
        body = client.get(url).await?.body;
    }
    Ok(body)
}

/// A file the server refused as a whole, said as the answer to its upload.
fn refused(request: String, body: &Value) -> ClientError {
    let status = body["error_status"].as_u64().unwrap_or(422) as u16;
    let error = body["error"].as_str().unwrap_or_default();
    let field = body["error_field"].as_str().map(str::to_owned);
    let detail = match &field {
        Some(f) => format!("{f}: {error}"),
        None => error.to_owned(),
    };
    ClientError::Status {
        request,
        status,
        problem: Box::new(Problem {
            detail: Some(detail),
            status: Some(status),
            field,
            ..Problem::default()
        }),
    }
}

/// Failures and the records the server rejected, on standard error.
fn report_file(path: &Path, outcome: &Result<(Value, Imported), ClientError>) {
    match outcome {
        Err(e) => eprint_failure(path, e),
        Ok((_, imported)) => {
            for e in &imported.errors {
                match &e.field {
                    Some(field) => eprintln!(
                        "{}: {}: field `{field}`: {}",
                        path.display(),
                        e.item,
                        e.message
                    ),
                    None => eprintln!("{}: {}: {}", path.display(), e.item, e.message),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chx-walk-{}", uuid::Uuid::new_v4().simple()));
        for (name, body) in [
            ("b/osv-2.json", "{}"),
            ("b/osv-1.yaml", "id: x"),
            ("a/kev.JSON", "{}"),
            ("a/deep/er/records.zip", "PK"),
            ("a/epss.csv", "cve,epss"),
            ("a/epss.csv.gz", "gz"),
            ("a/readme.md", "# no"),
            ("a/.hidden/x.json", "{}"),
            (".git/config.json", "{}"),
            ("z.yml", "id: y"),
        ] {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        dir
    }

    #[test]
    fn walks_folders_in_order_keeping_advisory_files() {
        let dir = tree();
        let planned = plan(std::slice::from_ref(&dir));
        let rel = |p: &PathBuf| p.strip_prefix(&dir).unwrap().display().to_string();
        let got: Vec<String> = planned
            .iter()
            .map(|p| match p {
                Planned::Upload(path, Kind::Zip) => format!("zip {}", rel(path)),
                Planned::Upload(path, _) => format!("up {}", rel(path)),
                Planned::Rejected(path, why) => format!("no {} ({})", rel(path), &why[..4]),
            })
            .collect();
        assert_eq!(
            got,
            [
                "zip a/deep/er/records.zip",
                "up a/epss.csv",
                "no a/epss.csv.gz (gzip)",
                "up a/kev.JSON",
                "up b/osv-1.yaml",
                "up b/osv-2.json",
                "up z.yml",
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn named_files_must_be_advisory_files_and_are_not_repeated() {
        let dir = tree();
        let planned = plan(&[
            dir.join("a/readme.md"),
            dir.join("z.yml"),
            dir.join("missing.json"),
            dir.join("z.yml"),
        ]);
        assert_eq!(planned.len(), 3, "{planned:?}");
        assert!(matches!(&planned[0], Planned::Rejected(_, why) if why.contains(SUPPORTED)));
        assert_eq!(planned[1], Planned::Upload(dir.join("z.yml"), Kind::Record));
        assert!(matches!(&planned[2], Planned::Rejected(_, why) if why.starts_with("cannot read")));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn sums_results_over_files() {
        let one: Imported = serde_json::from_value(json!({
            "format": "osv", "advisories_created": 2, "advisories_updated": 1,
            "advisories_unchanged": 0, "kev_entries": 0, "epss_scores": 0,
            "exposures": {"new": 1, "changed": 0, "resolved": 0, "open": 4},
            "errors": [{"item": "GHSA-1", "field": "affected", "message": "bad"}]
        }))
        .unwrap();
        let two: Imported = serde_json::from_value(json!({
            "format": "cisa-kev", "kev_entries": 1200,
            "exposures": {"new": 0, "changed": 3, "resolved": 0, "open": 4}, "errors": []
        }))
        .unwrap();
        let mut totals = Totals::default();
        totals.add(&Ok(one));
        totals.add(&Ok(two));
        totals.add(&Err(ClientError::Local("x".into())));
        assert_eq!(
            totals.render(),
            "imported 2 file(s) (cisa-kev 1, osv 1); 1 failed\n\
             advisories: 2 created, 1 updated, 0 unchanged; KEV entries: 1200; EPSS scores: 0\n\
             exposures: 1 new, 3 changed, 0 resolved, 4 open\n\
             1 record(s) rejected by the server"
        );
    }
}
