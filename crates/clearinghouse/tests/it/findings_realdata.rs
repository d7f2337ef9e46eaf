//! Finding intake over HTTP against real files from `../shared/data`
//! (skipped with a `SKIPPED:` line when absent, a failure with `CI=true`):
//! every SARIF file of the SARIF SDK and DefectDojo test data (the corpus
//! of `domain/src/findings/data_tests.rs`) ingests with one received item
//! per `runs[].results[]` (counted here independently of the parser) and
//! none rejected; truncated and non-SARIF files fail with a reason naming
//! the position; samples of real OSV, CVE JSON 5 and CSAF records ingest
//! with the items the domain reads in them; a replay of a file is the same
//! submission and a fresh submission of it finds nothing new. The full
//! sweep runs on SQLite, a representative subset on PostgreSQL.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clearinghouse_domain::findings::{self as domain, Target};
use serde_json::Value;

use crate::exposure_realdata::{files, read, sub_dir};
use crate::findings;
use crate::harness::TestApp;

/// The target named for findings whose file names none, as in the domain's test.
const DEFAULT_TARGET: &str = "repo:https://example.org/x@abc";

/// The SARIF files the domain's data test reads: SDK `*.sarif`, DefectDojo
/// `*.sarif`, and DefectDojo `*.json` whose name says sarif.
fn sarif_corpus() -> Option<Vec<PathBuf>> {
    let sdk = sub_dir("sarif-sdk-testdata")?;
    let dojo = sub_dir("defectdojo-scans/unittests/scans")?;
    let mut out = Vec::new();
    files(&sdk, &[".sarif"], &mut out);
    files(&dojo, &[".sarif"], &mut out);
    let mut json = Vec::new();
    files(&dojo, &[".json"], &mut json);
    out.extend(json.into_iter().filter(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("sarif"))
    }));
    Some(out)
}

/// The number of `runs[].results[]`, read without the parser.
fn count_results(bytes: &[u8]) -> u64 {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes).expect("SARIF JSON");
    let runs = v["runs"].as_array().expect("runs");
    runs.iter()
        .filter_map(|r| r.get("results").and_then(Value::as_array))
        .map(|r| r.len() as u64)
        .sum()
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// `target=...&name=...`, encoded.
fn query(name: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("target", DEFAULT_TARGET)
        .append_pair("name", name)
        .finish()
}

/// Posts a file (with an `Idempotency-Key` when given), runs the queued
/// jobs, and returns the status of the POST and the submission as it is
/// afterwards (or the problem document when the POST was refused).
async fn submit(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    query: &str,
    key: Option<&str>,
) -> (u16, Value) {
    let (status, v) = findings::submit(app, token, body, &format!("?{query}"), key).await;
    if !matches!(status, 200 | 202) {
        return (status, v);
    }
    app.run_pending_jobs().await;
    let id = v["id"].as_str().expect("submission id");
    let (s, v) = app.get(token, &format!("/api/v1/submissions/{id}")).await;
    assert_eq!(s, 200, "{v}");
    (status, v)
}

fn counts(v: &Value) -> [u64; 4] {
    let c = &v["counts"];
    ["received", "new", "duplicates", "rejected"].map(|k| c[k].as_u64().unwrap_or(u64::MAX))
}

/// The files submitted so far: the corpora hold a few identical files,
/// which are replays of the first.
#[derive(Default)]
struct Sent {
    contents: HashSet<Vec<u8>>,
}

/// Submits a file whose expected item count is `items` (of which
/// `rejected` rejected), checks the counts, then replays it (the same
/// submission) and submits it anew under another key (nothing new).
async fn ingest(
    app: &TestApp,
    token: &str,
    sent: &mut Sent,
    (label, bytes): (&str, &[u8]),
    items: u64,
    rejected: u64,
) {
    let q = query(label);
    let (status, first) = submit(app, token, bytes.to_vec(), &q, None).await;
    let seen = !sent.contents.insert(bytes.to_vec());
    assert_eq!(status, if seen { 200 } else { 202 }, "{label}: {first}");
    assert_eq!(first["state"], "done", "{label}: {first}");
    assert_eq!(first["error"], Value::Null, "{label}: {first}");
    let [received, new, duplicates, rej] = counts(&first);
    assert_eq!((received, rej), (items, rejected), "{label}: {first}");
    assert_eq!(new + duplicates + rej, received, "{label}: {first}");

    let (status, replay) = submit(app, token, bytes.to_vec(), &q, None).await;
    assert_eq!(status, 200, "{label}: {replay}");
    assert_eq!(replay["id"], first["id"], "{label}");

    let key = format!("again:{}:{label}", sent.contents.len());
    let (status, again) = submit(app, token, bytes.to_vec(), &q, Some(&key)).await;
    assert_eq!(status, 202, "{label}: {again}");
    assert_ne!(again["id"], first["id"], "{label}");
    assert_eq!(
        counts(&again),
        [items, 0, items - rejected, rejected],
        "{label}: {again}"
    );
}

/// A file that cannot be read to its end: refused at once (4xx) or failed
/// in processing; returns the reason given.
async fn refused(app: &TestApp, token: &str, label: &str, bytes: Vec<u8>) -> String {
    let (status, v) = submit(app, token, bytes, &query(label), None).await;
    if (400..500).contains(&status) {
        let detail = v["detail"].as_str().unwrap_or_default();
        assert!(!detail.is_empty(), "{label}: {v}");
        return detail.to_owned();
    }
    assert_ne!(v["state"], "processing", "{label}: {v}");
    let error = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{label}: no error: {v}"));
    error.to_owned()
}

async fn sarif_files(app: &TestApp, token: &str, sent: &mut Sent, paths: &[PathBuf]) -> u64 {
    let mut total = 0;
    for p in paths {
        let bytes = read(p);
        let n = count_results(&bytes);
        ingest(app, token, sent, (&name_of(p), &bytes), n, 0).await;
        total += n;
    }
    total
}

/// Truncated SARIF (its first half), UTF-16 SARIF and a non-SARIF report.
async fn bad_files(app: &TestApp, token: &str, sarif: &[PathBuf]) {
    for p in sarif.iter().filter(|p| read(p).len() > 2048).take(4) {
        let bytes = read(p);
        let label = format!("half-of-{}", name_of(p));
        let reason = refused(app, token, &label, bytes[..bytes.len() / 2].to_vec()).await;
        assert!(reason.contains("(line "), "{label}: {reason}");
    }
    let Some(sdk) = sub_dir("sarif-sdk-testdata") else {
        return;
    };
    let mut json = Vec::new();
    files(&sdk, &["Pylint-01.json"], &mut json);
    let utf16 = json
        .iter()
        .find(|p| p.ends_with("Pylint/Pylint-01.json"))
        .expect("Pylint-01.json");
    let reason = refused(app, token, "Pylint-01.json", read(utf16)).await;
    assert!(!reason.is_empty());
    let Some(bandit) = sub_dir("defectdojo-scans/unittests/scans/bandit") else {
        return;
    };
    let mut reports = Vec::new();
    files(&bandit, &[".json"], &mut reports);
    let report = reports.first().expect("a bandit report");
    let reason = refused(app, token, &name_of(report), read(report)).await;
    assert!(!reason.is_empty());
}

/// Up to `take` files of `sub` ending with `ext` that `keep` accepts, each
/// with the items and rejections the domain reads in it.
fn advisory_sample(
    sub: &str,
    ext: &str,
    take: usize,
    keep: fn(&str) -> bool,
) -> Vec<(PathBuf, u64, u64)> {
    let Some(dir) = sub_dir(sub) else {
        return Vec::new();
    };
    let target = Target::parse(DEFAULT_TARGET).unwrap();
    let mut paths = Vec::new();
    files(&dir, &[ext], &mut paths);
    paths.retain(|p| keep(&name_of(p)));
    let step = (paths.len() / take).max(1);
    paths
        .into_iter()
        .step_by(step)
        .take(take)
        .map(|p| {
            let bytes = read(&p);
            let format = domain::detect(&bytes).unwrap_or_else(|| panic!("{}", p.display()));
            let summary = domain::parse_stream(&bytes[..], format, Some(&target), &mut |_| {})
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, summary.items, summary.rejected)
        })
        .collect()
}

async fn advisories(app: &TestApp, token: &str, sent: &mut Sent, take: usize) -> usize {
    let mut sample = advisory_sample("pypa-advisory-db/vulns", ".yaml", take, |_| true);
    sample.extend(advisory_sample("vulnrichment", ".json", take, |n| {
        n.starts_with("CVE-")
    }));
    sample.extend(advisory_sample(
        "cisa-csaf/csaf_files",
        ".json",
        take,
        |n| !n.contains("-feed-"),
    ));
    for (p, items, rejected) in &sample {
        ingest(app, token, sent, (&name_of(p), &read(p)), *items, *rejected).await;
    }
    sample.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_findings_ingest_sqlite() {
    let Some(paths) = sarif_corpus() else { return };
    assert!(paths.len() >= 80, "only {} SARIF files", paths.len());
    let Some(app) = TestApp::spawn(crate::harness::Db::Sqlite).await else {
        return;
    };
    let (_, token) = findings::reporter(&app, "realscanners").await;
    let mut sent = Sent::default();
    let results = sarif_files(&app, &token, &mut sent, &paths).await;
    assert!(results >= 1494, "{results}");
    bad_files(&app, &token, &paths).await;
    let docs = advisories(&app, &token, &mut sent, 12).await;
    println!(
        "{} SARIF files ({results} results) and {docs} advisory documents ingested",
        paths.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_findings_ingest_postgres() {
    let Some(paths) = sarif_corpus() else { return };
    let Some(app) = TestApp::spawn(crate::harness::Db::Postgres).await else {
        return;
    };
    let (_, token) = findings::reporter(&app, "realscanners").await;
    let mut sent = Sent::default();
    // Every tenth file: SDK converters' output and DefectDojo's tools alike.
    let subset: Vec<PathBuf> = paths.iter().step_by(10).cloned().collect();
    let results = sarif_files(&app, &token, &mut sent, &subset).await;
    bad_files(&app, &token, &paths).await;
    let docs = advisories(&app, &token, &mut sent, 3).await;
    println!(
        "{} SARIF files ({results} results) and {docs} advisory documents ingested",
        subset.len()
    );
}
