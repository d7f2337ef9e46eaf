//! Evaluation runs from Inspect logs over HTTP and the CLI: every log in
//! `../shared/data/inspect-ai-logs/` that is a valid success log imports,
//! its sample count, epochs and each reported metric equal to what the file
//! holds (read here independently, with `serde_json` over the raw JSON or
//! the raw zip entries); the others are refused with a reason and nothing
//! stored. The same file twice is one run; a sample that is no suite task is
//! refused unless mapped; a truncated zip is refused; runs are read only
//! through their suite's labels; `eval import` prints the run and exits 1
//! for a refused log.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure_realdata::sub_dir;
use crate::frontier_suites::evaluator;
use crate::harness::TestApp;
use crate::submit_cli::cli;

/// What a file holds, read without the app: header and samples.
fn expected(path: &Path) -> Option<(Value, Vec<Value>)> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "eval") {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut entry = |name: &str| -> Option<Value> {
            let mut out = Vec::new();
            zip.by_name(name).ok()?.read_to_end(&mut out).ok()?;
            serde_json::from_slice(&out).ok()
        };
        let header = entry("header.json")?;
        let names: Vec<String> = zip::ZipArchive::new(Cursor::new(std::fs::read(path).unwrap()))
            .ok()?
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .filter(|n| n.starts_with("samples/") && n.ends_with(".json"))
            .collect();
        let samples = names.iter().filter_map(|n| entry(n)).collect();
        Some((header, samples))
    } else {
        let text = String::from_utf8(bytes).ok()?;
        // Python's NaN / Infinity as JSON null, for this independent reading.
        let text = text
            .replace("NaN", "null")
            .replace("-Infinity", "null")
            .replace("Infinity", "null");
        let mut log: Value = serde_json::from_str(&text).ok()?;
        let samples = log
            .get_mut("samples")
            .map(Value::take)
            .and_then(|s| s.as_array().cloned())
            .unwrap_or_default();
        Some((log, samples))
    }
}

/// Whether the file is a log the importer must accept.
fn valid(header: &Value, samples: &[Value]) -> bool {
    header["status"] == "success"
        && header["invalidated"] != Value::Bool(true)
        && (samples.is_empty()
            || header["results"]["total_samples"].as_u64() == Some(samples.len() as u64))
}

fn sample_id(s: &Value) -> String {
    match &s["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn upload(app: &TestApp, token: &str, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/runs?{query}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
}

fn log_paths(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json" || x == "eval") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => a.is_null() && b.is_null(),
    }
}

async fn every_real_log(app: TestApp) {
    let Some(dir) = sub_dir("inspect-ai-logs") else {
        return;
    };
    let (_, _, eval) = evaluator(&app, "Evaluation Agency", "eva").await;
    let paths = log_paths(&dir);
    assert_eq!(paths.len(), 33);
    let mut ids = std::collections::BTreeSet::new();
    for p in &paths {
        if let Some((h, samples)) = expected(p)
            && valid(&h, &samples)
        {
            ids.extend(samples.iter().map(sample_id));
        }
    }
    let tasks: Vec<Value> = ids.iter().map(|i| json!({"id": i})).collect();
    let (s, suite) = app
        .post(
            &eval,
            "/api/v1/suites",
            &json!({"key": "inspect-tests", "tasks": tasks}),
        )
        .await;
    assert_eq!(s, 201, "{suite}");
    let (mut imported, mut refused) = (0, 0);
    let mut first_of = std::collections::BTreeMap::<Vec<u8>, String>::new();
    for p in &paths {
        let name = p.display().to_string();
        let (s, run) = upload(
            &app,
            &eval,
            "suite=inspect-tests",
            std::fs::read(p).unwrap(),
        )
        .await;
        let want = expected(p);
        let Some((h, samples)) = want.filter(|(h, s)| valid(h, s)) else {
            assert_eq!(s, 422, "{name}: {run}");
            assert_eq!(run["field"], "file", "{name}: {run}");
            assert!(!run["detail"].as_str().unwrap_or("").is_empty(), "{name}");
            refused += 1;
            continue;
        };
        // A byte-for-byte copy of an earlier file is the same run (200).
        let bytes = std::fs::read(p).unwrap();
        match first_of.get(&bytes) {
            Some(id) => {
                assert_eq!(s, 200, "{name}: {run}");
                assert_eq!(run["id"].as_str(), Some(id.as_str()), "{name}");
            }
            None => {
                assert_eq!(s, 201, "{name}: {run}");
                first_of.insert(bytes, run["id"].as_str().unwrap().to_owned());
            }
        }
        imported += 1;
        assert_eq!(run["samples"], json!(samples.len()), "{name}");
        assert_eq!(
            run["epochs"],
            json!(h["eval"]["config"]["epochs"].as_u64().unwrap_or(1)),
            "{name}"
        );
        assert_eq!(run["task"], h["eval"]["task"], "{name}");
        assert_eq!(run["model"], h["eval"]["model"], "{name}");
        let errors = samples.iter().filter(|s| !s["error"].is_null()).count();
        assert_eq!(run["errors"], json!(errors), "{name}");
        // Every scorer, reducer and metric Inspect reported.
        let want_scores = h["results"]["scores"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let got = run["metrics"].as_array().unwrap();
        assert_eq!(got.len(), want_scores.len(), "{name}");
        for (g, w) in got.iter().zip(&want_scores) {
            assert_eq!(g["name"], w["name"], "{name}");
            assert_eq!(g["reducer"], w["reducer"], "{name}");
            let wm = w["metrics"].as_object().unwrap();
            assert_eq!(g["metrics"].as_object().unwrap().len(), wm.len(), "{name}");
            for (k, m) in wm {
                assert!(
                    same(&g["metrics"][k], &m["value"]),
                    "{name}: {k} {} vs {}",
                    g["metrics"][k],
                    m["value"]
                );
            }
        }
        // The samples as stored: ids and epochs in log order.
        let id = run["id"].as_str().unwrap();
        let (_, page) = app
            .get(&eval, &format!("/api/v1/runs/{id}/samples?limit=500"))
            .await;
        let got: Vec<(String, u64)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_owned(),
                    s["epoch"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, u64)> = samples
            .iter()
            .map(|s| (sample_id(s), s["epoch"].as_u64().unwrap_or(1)))
            .collect();
        let (mut g, mut w) = (got.clone(), want.clone());
        g.sort();
        w.sort();
        assert_eq!(g, w, "{name}");
        if samples.is_empty() {
            assert!(run["scores"].as_array().unwrap().is_empty(), "{name}");
            assert!(
                run["scoring_note"].as_str().unwrap().contains("no samples"),
                "{name}"
            );
        } else if !run["scores"].as_array().unwrap().is_empty() {
            let sc = &run["scores"][0]["score"];
            assert_eq!(
                run["scores"][0]["seed"], sc["success_rate"]["seed"],
                "{name}"
            );
            let lo = sc["success_rate"]["lower"].as_f64().unwrap();
            let hi = sc["success_rate"]["upper"].as_f64().unwrap();
            let pt = sc["success_rate"]["point"].as_f64().unwrap();
            assert!(lo <= pt && pt <= hi, "{name}: {sc}");
            assert_eq!(sc["suite_version"], 1);
            assert_eq!(sc["errored_samples"], "count_as_failure");
        }
    }
    assert_eq!((imported, refused), (19, 14));
    assert_eq!(count(&app, "frontier_runs").await, 19 - duplicates(&paths));
}

/// Files that are byte-for-byte copies of another (imported once).
fn duplicates(paths: &[PathBuf]) -> i64 {
    let mut seen = std::collections::BTreeMap::new();
    let mut dup = 0;
    for p in paths {
        if let Some((h, s)) = expected(p)
            && valid(&h, &s)
            && seen.insert(std::fs::read(p).unwrap(), ()).is_some()
        {
            dup += 1;
        }
    }
    dup
}
both_backends!(every_real_log, every_real_log);

/// A small success log in the `.json` format with two tasks × two epochs.
fn small_log(ids: &[&str]) -> Vec<u8> {
    let mut samples = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for epoch in 1..=2 {
            let value = if (i + epoch) % 2 == 0 { "C" } else { "I" };
            samples.push(json!({"id": id, "epoch": epoch, "scores": {"match": {"value": value}},
                "model_usage": {"mockllm/model": {"input_tokens": 5, "output_tokens": 5, "total_tokens": 10}}}));
        }
    }
    let n = samples.len();
    serde_json::to_vec(&json!({
        "version": 2, "status": "success",
        "eval": {"task": "ctf", "task_version": 0, "model": "mockllm/model", "config": {"epochs": 2},
            "dataset": {"name": "ctf"}},
        "results": {"total_samples": n, "completed_samples": n, "scores": [
            {"name": "match", "scorer": "match", "reducer": "mean", "metrics": {"accuracy": {"name": "accuracy", "value": 0.5}}}]},
        "samples": samples
    }))
    .unwrap()
}

async fn dedupe_map_refusals_and_reads(app: TestApp) {
    let (_, _, eval) = evaluator(&app, "Evaluation Agency", "eva").await;
    let (s, _) = app
        .post(
            &eval,
            "/api/v1/suites",
            &json!({"key": "ctf", "tasks": [{"id": "alpha"}, {"id": "beta"}]}),
        )
        .await;
    assert_eq!(s, 201);
    let log = small_log(&["alpha", "beta"]);
    let (s, run) = upload(&app, &eval, "suite=ctf&pass_at_k=2", log.clone()).await;
    assert_eq!(s, 201, "{run}");
    let sc = &run["scores"][0]["score"];
    assert_eq!(sc["attempts"], 4);
    assert_eq!(sc["passed"], 2);
    assert_eq!(sc["success_rate"]["point"], 0.5);
    assert_eq!(sc["pass_at_k"]["statistic"]["k"], 2);
    assert_eq!(sc["inspect_metrics"][0]["metric"], "accuracy");
    assert_eq!(run["model_usage"], json!({}));
    // The same file again: the same run, 200, nothing new.
    let (s, again) = upload(&app, &eval, "suite=ctf", log.clone()).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["id"], run["id"]);
    assert_eq!(count(&app, "frontier_runs").await, 1);
    // A sample that is not a task: refused unless mapped.
    let other = small_log(&["alpha", "gamma"]);
    let (s, p) = upload(&app, &eval, "suite=ctf", other.clone()).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("\"gamma\""), "{p}");
    assert_eq!(count(&app, "frontier_runs").await, 1);
    let (s, mapped) = upload(&app, &eval, "suite=ctf&map=gamma%3Dbeta", other).await;
    assert_eq!(s, 201, "{mapped}");
    assert_eq!(mapped["mapping"], json!({"gamma": "beta"}));
    // Bad parameters and files name the field; nothing stored.
    for (q, body, field) in [
        ("suite=nope", log.clone(), "suite"),
        ("suite=ctf&map=x", log.clone(), "map[0]"),
        ("suite=ctf&map=x%3Dzeta", log.clone(), "map[0]"),
        ("suite=ctf&model=no-such-model", log.clone(), "model"),
        ("suite=ctf&resamples=1", log.clone(), "resamples"),
        ("suite=ctf", b"PK\x03\x04 truncated".to_vec(), "file"),
        (
            "suite=ctf",
            b"{\"status\": \"error\", \"eval\": {}}".to_vec(),
            "file",
        ),
        ("suite=ctf", Vec::new(), "file"),
    ] {
        let (s, p) = upload(&app, &eval, q, body).await;
        assert_eq!(s, 422, "{q}: {p}");
        assert_eq!(p["field"], field, "{q}: {p}");
    }
    assert_eq!(count(&app, "frontier_runs").await, 2);
    // Read through the suite's labels: another organisation sees nothing.
    let id = run["id"].as_str().unwrap();
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    assert_eq!(app.get(&dev, &format!("/api/v1/runs/{id}")).await.0, 404);
    assert_eq!(
        app.get(&dev, &format!("/api/v1/runs/{id}/samples")).await.0,
        404
    );
    assert_eq!(app.get(&dev, "/api/v1/runs").await.1["items"], json!([]));
    let (s, p) = upload(&app, &dev, "suite=ctf", log.clone()).await;
    assert_eq!(s, 403, "{p}");
    let (_, list) = app.get(&eval, "/api/v1/runs?suite=ctf").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, one) = app.get(&eval, &format!("/api/v1/runs/{id}")).await;
    assert_eq!(one, run);
    // The CLI: human output, --json with the samples, exit 1 on a refusal.
    let dir = crate::harness::temp_dir();
    let good = dir.join("good.json");
    std::fs::write(&good, small_log(&["beta", "alpha"])).unwrap();
    let bad = dir.join("bad.eval");
    std::fs::write(&bad, b"PK\x03\x04 truncated").unwrap();
    let server = app.url("");
    let out = cli(&[
        "eval",
        "import",
        "--server",
        &server,
        "--token",
        &eval,
        "--suite",
        "ctf",
        good.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for want in [
        "task:     ctf",
        "model:    mockllm/model",
        "samples:  4  epochs: 2  errors: 0",
        "success 50.0% [",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
    let out = cli(&[
        "eval",
        "import",
        "--server",
        &server,
        "--token",
        &eval,
        "--suite",
        "ctf",
        "--json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let docs: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["samples"].as_array().unwrap().len(), 4);
    assert_eq!(docs[0]["epochs"], 2);
    assert_eq!(docs[0]["metrics"][0]["metrics"]["accuracy"], 0.5);
    assert!(docs[0]["scores"][0]["score"]["success_rate"]["lower"].is_number());
    assert!(
        docs[1]["refused"].as_str().unwrap().contains("zip"),
        "{}",
        docs[1]
    );
}
both_backends!(dedupe_map_refusals_and_reads, dedupe_map_refusals_and_reads);
