//! `clearinghouse suite create|load-cybench|show|list`: benchmark suites
//! from the command line. `create SUITE --task TASK[=CATEGORY]...` defines
//! (or revises) a suite; `load-cybench DIR` reads Cybench's task list,
//! first-solve times and per-task metadata from a checkout (the domain's
//! `load_cybench`) and sends its 40 tasks. A changed task list is a new
//! version; the same list keeps the version (the server answers 200).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use clearinghouse_domain::frontier::suite::load_cybench;
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum SuiteCommand {
    /// Define a suite, or revise yours of this key (evaluators).
    Create(SuiteCreateArgs),
    /// Load Cybench's tasks, categories and first-solve times from a checkout.
    LoadCybench(LoadCybenchArgs),
    /// Show a suite (by key or id) at its current or a given version.
    Show(SuiteShowArgs),
    /// List the suites you may read.
    List(SuiteListArgs),
}

/// Labels and policy given when a suite is created.
#[derive(Debug, Clone, Args)]
pub struct SuiteLabelArgs {
    /// The suite's display name (default: its key).
    #[arg(long)]
    pub name: Option<String>,
    /// How errored samples count: `count_as_failure` (default) or `exclude`.
    #[arg(long)]
    pub errored_samples: Option<String>,
    /// TLP marking (server default AMBER+STRICT).
    #[arg(long)]
    pub tlp: Option<String>,
    /// Visibility expression, such as `FRONTIER & CLASSIFIED` (you must hold it).
    #[arg(long)]
    pub visibility: Option<String>,
    /// Organisation ids an AMBER suite is shared with (repeatable).
    #[arg(long = "share-with")]
    pub shared_with_orgs: Vec<String>,
    /// Print the suite as the server returned it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SuiteCreateArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The suite's key, such as `cyber-core`.
    pub suite: String,
    /// A task id, optionally with its category: `TASK` or `TASK=CATEGORY` (repeatable).
    #[arg(long = "task", required = true)]
    pub tasks: Vec<String>,
    #[command(flatten)]
    pub labels: SuiteLabelArgs,
}

#[derive(Debug, Clone, Args)]
pub struct LoadCybenchArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// A Cybench checkout (with `task_list.txt`, `analytics/` and `benchmark/`).
    pub dir: PathBuf,
    /// The suite's key.
    #[arg(long, default_value = "cybench")]
    pub key: String,
    #[command(flatten)]
    pub labels: SuiteLabelArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SuiteShowArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The suite's key or id.
    pub suite: String,
    /// A version number (default: the current one).
    #[arg(long)]
    pub version: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SuiteListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

/// `TASK` or `TASK=CATEGORY`.
fn task_arg(arg: &str) -> Value {
    match arg.split_once('=') {
        Some((id, cat)) => json!({"id": id, "categories": [cat]}),
        None => json!({"id": arg}),
    }
}

fn print_suite(s: &Value, changed: bool) {
    let text = |k: &str| s[k].as_str().unwrap_or("-").to_owned();
    println!("suite:    {} ({})", text("key"), text("id"));
    println!("name:     {}", text("name"));
    println!(
        "version:  {} sha256:{}{}",
        s["version"]["number"],
        s["version"]["digest"].as_str().unwrap_or("-"),
        if changed { "" } else { " (unchanged)" }
    );
    println!("errored:  {}", text("errored_samples"));
    println!(
        "labels:   TLP:{} visibility {:?}",
        text("tlp"),
        text("visibility")
    );
    let tasks = s["tasks"].as_array().cloned().unwrap_or_default();
    println!("tasks:    {}", tasks.len());
    for t in &tasks {
        let cats: Vec<&str> = t["categories"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let secs = t["difficulty"]["first_solve_seconds"]
            .as_u64()
            .map(|s| format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
            .unwrap_or_else(|| "-".into());
        println!(
            "  {}\t{}\t{}",
            t["id"].as_str().unwrap_or("-"),
            cats.join(","),
            secs
        );
    }
}

async fn send(
    server: &ServerArgs,
    key: &str,
    tasks: Value,
    l: &SuiteLabelArgs,
) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(server)?;
    let body = json!({
        "key": key,
        "name": l.name,
        "errored_samples": l.errored_samples,
        "tasks": tasks,
        "tlp": l.tlp,
        "visibility": l.visibility,
        "shared_with_orgs": l.shared_with_orgs,
    });
    let url = client.url(&["suites"], &[])?;
    let reply = client.send(Method::POST, url, Body::Json(body)).await?;
    if l.json {
        print_json(&reply.body);
    } else {
        print_suite(&reply.body, reply.status == 201);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn create(args: SuiteCreateArgs) -> anyhow::Result<ExitCode> {
    let tasks = Value::Array(args.tasks.iter().map(|t| task_arg(t)).collect());
    send(&args.server, &args.suite, tasks, &args.labels).await
}

/// Cybench's tasks, read from a checkout with the domain loader.
pub fn read_cybench(dir: &Path) -> anyhow::Result<Value> {
    let read = |p: PathBuf| std::fs::read(&p).with_context(|| format!("reading {}", p.display()));
    let list = read(dir.join("task_list.txt"))?;
    let times = read(dir.join("analytics").join("CTF fastest solve times.json"))?;
    let tasks = load_cybench(&list, &times, |d| {
        std::fs::read(dir.join(d).join("metadata").join("metadata.json")).ok()
    })?;
    Ok(Value::Array(
        tasks
            .into_iter()
            .map(|t| {
                json!({"id": t.id, "name": t.name, "categories": t.categories,
                    "first_solve_seconds": t.difficulty.first_solve_seconds,
                    "level": t.difficulty.level})
            })
            .collect(),
    ))
}

pub async fn load(args: LoadCybenchArgs) -> anyhow::Result<ExitCode> {
    let tasks = read_cybench(&args.dir)?;
    let mut labels = args.labels.clone();
    if labels.name.is_none() {
        labels.name = Some("Cybench".to_owned());
    }
    send(&args.server, &args.key, tasks, &labels).await
}

pub async fn show(args: SuiteShowArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let number = args.version.map(|n| n.to_string());
    let url = match &number {
        Some(n) => client.url(&["suites", &args.suite, "versions", n], &[])?,
        None => client.url(&["suites", &args.suite], &[])?,
    };
    let reply = client.get(url).await?;
    if args.json {
        print_json(&reply.body);
    } else {
        print_suite(&reply.body, true);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(args: SuiteListArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let items = client.get_all(&["suites"], &[]).await?;
    if args.json {
        print_json(&Value::Array(items));
        return Ok(ExitCode::SUCCESS);
    }
    for s in &items {
        println!(
            "{}\t{}\tv{}\t{} tasks\tTLP:{}",
            s["id"].as_str().unwrap_or("-"),
            s["key"].as_str().unwrap_or("-"),
            s["version"]["number"],
            s["version"]["task_count"],
            s["tlp"].as_str().unwrap_or("-")
        );
    }
    Ok(ExitCode::SUCCESS)
}
