//! `clearinghouse eval import`: Inspect logs (`.json`, `.eval`) imported as
//! evaluation runs against a suite. Each file is streamed from disk; per log
//! the task, model, status, samples, epochs, errors and each suite score
//! with its interval and pass@k are printed, or with `--json` one JSON
//! document per line and log: `task`, `model`, `status`, `samples` (the
//! sample records), `epochs`, `errors`, Inspect's reported `metrics` per
//! scorer and reducer, and our `scores`. A refused log prints its reason;
//! the exit code is then 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::client::{ApiClient, Body, ClientError};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Import Inspect logs as evaluation runs against a suite (evaluators).
    Import(EvalImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct EvalImportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The suite's key or id.
    #[arg(long)]
    pub suite: String,
    /// The registered model (id) the logs evaluated.
    #[arg(long)]
    pub model: Option<String>,
    /// `TASK=SUITE_TASK`: count samples of id TASK as the suite's SUITE_TASK (repeatable).
    #[arg(long = "map")]
    pub map: Vec<String>,
    /// The scorer to score (default: the first the log reports).
    #[arg(long)]
    pub scorer: Option<String>,
    /// Also estimate pass@k with this k.
    #[arg(long)]
    pub pass_at_k: Option<u32>,
    /// One JSON document per log and line.
    #[arg(long)]
    pub json: bool,
    /// Inspect log files (`.json` or `.eval`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

const CHUNK: usize = 256 * 1024;

async fn upload(
    client: &ApiClient,
    args: &EvalImportArgs,
    path: &Path,
) -> Result<(Value, bool), ClientError> {
    let local =
        |e: std::io::Error| ClientError::Local(format!("cannot read {}: {e}", path.display()));
    let file = tokio::fs::File::open(path).await.map_err(local)?;
    let len = file.metadata().await.map_err(local)?.len();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let k = args.pass_at_k.map(|k| k.to_string());
    let mut query: Vec<(&str, Option<&str>)> = vec![
        ("suite", Some(args.suite.as_str())),
        ("model", args.model.as_deref()),
        ("scorer", args.scorer.as_deref()),
        ("pass_at_k", k.as_deref()),
        ("name", Some(name.as_str())),
    ];
    for m in &args.map {
        query.push(("map", Some(m.as_str())));
    }
    let url = client.url(&["runs"], &query)?;
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buf = vec![0u8; CHUNK];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buf.truncate(n);
        Ok(Some((buf, file)))
    });
    let body = Body::Stream {
        body: reqwest::Body::wrap_stream(stream),
        len,
        content_type: "application/octet-stream",
    };
    let reply = client.send(Method::POST, url, body).await?;
    Ok((reply.body, reply.status == 200))
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map(|f| format!("{:.1}%", f * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn interval(i: &Value) -> String {
    format!(
        "{} [{}, {}] ({}% CI, clustered bootstrap, seed {}, {} resamples)",
        pct(&i["point"]),
        pct(&i["lower"]),
        pct(&i["upper"]),
        i["confidence"].as_f64().map_or(95.0, |c| c * 100.0),
        i["seed"],
        i["resamples"]
    )
}

fn print_run(path: &Path, run: &Value, replay: bool) {
    let s = |k: &str| match &run[k] {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    println!(
        "{}{}",
        path.display(),
        if replay { " (already imported)" } else { "" }
    );
    println!("  run:      {}", s("id"));
    println!("  task:     {} (version {})", s("task"), s("task_version"));
    println!("  model:    {}", s("model"));
    println!("  status:   {}", s("status"));
    println!(
        "  samples:  {}  epochs: {}  errors: {}",
        s("samples"),
        s("epochs"),
        s("errors")
    );
    for m in run["metrics"].as_array().into_iter().flatten() {
        let metrics: Vec<String> = m["metrics"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_f64().map_or("null".into(), |f| format!("{f:.4}"))
                )
            })
            .collect();
        println!(
            "  inspect:  {} ({}) {}",
            m["name"].as_str().unwrap_or("-"),
            m["reducer"].as_str().unwrap_or("-"),
            metrics.join(" ")
        );
    }
    for sc in run["scores"].as_array().into_iter().flatten() {
        let score = &sc["score"];
        println!(
            "  score:    suite {} v{} scorer {}: success {}",
            score["suite_id"].as_str().unwrap_or("-"),
            score["suite_version"],
            score["scorer"].as_str().unwrap_or("-"),
            interval(&score["success_rate"])
        );
        if !score["pass_at_k"].is_null() {
            println!(
                "            pass@{}: {}",
                score["pass_at_k"]["statistic"]["k"],
                interval(&score["pass_at_k"])
            );
        }
        println!(
            "            {} tasks, {} attempts, {} passed, {} errored ({}), {} unscored",
            score["tasks_scored"],
            score["attempts"],
            score["passed"],
            score["errored"],
            match score["errored_samples"].as_str() {
                Some("exclude") => "errored samples left out",
                _ => "errored samples count as failures",
            },
            score["unscored"]
        );
    }
    if let Some(note) = run["scoring_note"].as_str() {
        println!("  score:    none: {note}");
    }
}

/// The `--json` document of one log.
async fn document(client: &ApiClient, run: &Value) -> Result<Value, ClientError> {
    let id = run["id"].as_str().unwrap_or_default();
    let samples = client.get_all(&["runs", id, "samples"], &[]).await?;
    Ok(json!({
        "run": id,
        "task": run["task"],
        "task_version": run["task_version"],
        "model": run["model"],
        "status": run["status"],
        "samples": samples,
        "sample_count": run["samples"],
        "epochs": run["epochs"],
        "errors": run["errors"],
        "metrics": run["metrics"],
        "scores": run["scores"],
        "scoring_note": run["scoring_note"],
        "sha256": run["sha256"],
    }))
}

pub async fn import(args: EvalImportArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let mut failed = false;
    for path in &args.files {
        let outcome = match upload(&client, &args, path).await {
            Ok((run, replay)) if args.json => document(&client, &run).await.map(|mut d| {
                d["file"] = json!(path.display().to_string());
                d["already_imported"] = json!(replay);
                println!("{d}");
            }),
            Ok((run, replay)) => {
                print_run(path, &run, replay);
                Ok(())
            }
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            failed = true;
            let reason = match &e {
                ClientError::Status { problem, .. } => {
                    problem.detail.clone().unwrap_or_else(|| e.to_string())
                }
                other => other.to_string(),
            };
            if args.json {
                println!(
                    "{}",
                    json!({"file": path.display().to_string(), "refused": reason, "error": e.to_json()})
                );
            } else {
                eprintln!("{}: refused: {reason}", path.display());
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
