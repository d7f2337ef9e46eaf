//! `clearinghouse window open|grant|revoke|usage` and `clearinghouse
//! model dates|release|withdraw`: brokered access windows and the
//! developer's own release record from the command line (clients of a
//! running server). Prints a short summary, or the server's JSON with
//! `--json`; a refusal prints the server's problem (naming the field) and
//! exits 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::{print_list, text};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum WindowCommand {
    /// Open an access window on your covered model (developers).
    Open(OpenArgs),
    /// Grant a named person access inside a window, with a daily quota.
    Grant(GrantArgs),
    /// Revoke a grant at once.
    Revoke(RevokeArgs),
    /// Brokered calls in a window (all for the developer, else your own).
    Usage(UsageArgs),
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The covered model's id.
    pub model: String,
    /// RFC 3339 start (not in the past).
    #[arg(long)]
    pub starts_at: String,
    /// RFC 3339 end (at most 30 days later, no later than the partner release).
    #[arg(long)]
    pub ends_at: String,
    /// A file holding the terms text.
    #[arg(long)]
    pub terms_file: PathBuf,
    /// The model's OpenAI-compatible base URL.
    #[arg(long)]
    pub endpoint_url: String,
    /// The endpoint's secret (sealed by the server, never shown again).
    #[arg(long, env = "CLEARINGHOUSE_ENDPOINT_SECRET", hide_env_values = true)]
    pub endpoint_secret: String,
    /// Keep each call's prompt and completion, sealed, for the developer
    /// only (the terms then say so).
    #[arg(long)]
    pub keep_transcripts: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct GrantArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The window's id.
    pub window: String,
    /// The person's user id.
    #[arg(long)]
    pub user: String,
    #[arg(long)]
    pub requests_per_day: i64,
    #[arg(long)]
    pub tokens_per_day: i64,
    /// RFC 3339; default the window's start.
    #[arg(long)]
    pub starts_at: Option<String>,
    /// RFC 3339; default the window's end.
    #[arg(long)]
    pub ends_at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The grant's id.
    pub grant: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The window's id.
    pub window: String,
    /// Rows, newest first (1 to 1000).
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DatesArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's id.
    pub model: String,
    /// `YYYY-MM-DD`.
    #[arg(long)]
    pub partner: Option<String>,
    /// `YYYY-MM-DD`.
    #[arg(long)]
    pub public: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct NoteArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's id.
    pub model: String,
    #[arg(long, default_value = "")]
    pub note: String,
    #[arg(long)]
    pub json: bool,
}

fn print_window(w: &Value) {
    println!("window:   {}", text(w, "id"));
    println!("model:    {}", text(w, "model_id"));
    println!("state:    {}", text(w, "state"));
    println!("from:     {}", text(w, "starts_at"));
    println!(
        "until:    {} (asked: {})",
        text(w, "ends_at"),
        text(w, "requested_ends_at")
    );
    println!(
        "terms:    version {} sha256 {}",
        text(w, "terms_version"),
        text(w, "terms_sha256")
    );
}

fn print_grant(g: &Value) {
    println!("grant:    {}", text(g, "id"));
    println!("person:   {} ({})", text(g, "user_id"), text(g, "org_id"));
    println!("status:   {}", text(g, "status"));
    println!(
        "span:     {} .. {}",
        text(g, "starts_at"),
        text(g, "ends_at")
    );
    println!(
        "quota:    {} requests, {} tokens per UTC day",
        text(g, "requests_per_day"),
        text(g, "tokens_per_day")
    );
    println!("terms:    accepted {}", text(g, "terms_accepted"));
}

fn print_release(r: &Value) {
    println!("model:           {}", text(r, "model_id"));
    println!("partner release: {}", text(r, "planned_partner_release"));
    println!("public release:  {}", text(r, "planned_public_release"));
    println!("released:        {}", text(r, "released_at"));
    println!("withdrawn:       {}", text(r, "withdrawn_at"));
}

async fn send(
    server: &ServerArgs,
    method: Method,
    path: &[&str],
    body: Value,
) -> anyhow::Result<Value> {
    let client = ApiClient::new(server)?;
    let url = client.url(path, &[])?;
    Ok(client.send(method, url, Body::Json(body)).await?.body)
}

pub async fn run(command: WindowCommand) -> anyhow::Result<ExitCode> {
    match command {
        WindowCommand::Open(a) => {
            let terms = std::fs::read_to_string(&a.terms_file)
                .map_err(|e| anyhow::anyhow!("--terms-file {}: {e}", a.terms_file.display()))?;
            let body = json!({"starts_at": a.starts_at, "ends_at": a.ends_at, "terms": terms,
                "endpoint_url": a.endpoint_url, "endpoint_secret": a.endpoint_secret,
                "keep_transcripts": a.keep_transcripts});
            let w = send(
                &a.server,
                Method::POST,
                &["models", &a.model, "windows"],
                body,
            )
            .await?;
            if a.json {
                print_json(&w);
            } else {
                print_window(&w);
            }
        }
        WindowCommand::Grant(a) => {
            let body = json!({"user_id": a.user, "requests_per_day": a.requests_per_day,
                "tokens_per_day": a.tokens_per_day, "starts_at": a.starts_at, "ends_at": a.ends_at});
            let g = send(
                &a.server,
                Method::POST,
                &["windows", &a.window, "grants"],
                body,
            )
            .await?;
            if a.json {
                print_json(&g);
            } else {
                print_grant(&g);
            }
        }
        WindowCommand::Revoke(a) => {
            let body = json!({"reason": a.reason});
            let g = send(
                &a.server,
                Method::POST,
                &["grants", &a.grant, "revocation"],
                body,
            )
            .await?;
            if a.json {
                print_json(&g);
            } else {
                print_grant(&g);
            }
        }
        WindowCommand::Usage(a) => {
            let client = ApiClient::new(&a.server)?;
            let limit = a.limit.to_string();
            let url = client.url(&["windows", &a.window, "usage"], &[("limit", Some(&limit))])?;
            let v = client.get(url).await?.body;
            print_list(&v["items"], a.json, "no use recorded", |u| {
                println!(
                    "{}\t{}\t{}\t{}\t{}\ttokens {}\t{} ms\t{}",
                    text(u, "at"),
                    text(u, "user_id"),
                    text(u, "endpoint"),
                    text(u, "model"),
                    text(u, "status"),
                    text(u, "total_tokens"),
                    text(u, "latency_ms"),
                    text(u, "outcome")
                );
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn release_output(v: &Value, json_out: bool) -> ExitCode {
    if json_out {
        print_json(v);
    } else {
        print_release(v);
    }
    ExitCode::SUCCESS
}

/// `model dates`: set or move the planned release dates.
pub async fn dates(a: DatesArgs) -> anyhow::Result<ExitCode> {
    let body = json!({"planned_partner_release": a.partner, "planned_public_release": a.public});
    let path = ["models", a.model.as_str(), "release-dates"];
    let v = send(&a.server, Method::PUT, &path, body).await?;
    Ok(release_output(&v, a.json))
}

/// `model release`: record the release.
pub async fn release(a: NoteArgs) -> anyhow::Result<ExitCode> {
    let path = ["models", a.model.as_str(), "release"];
    let v = send(&a.server, Method::POST, &path, json!({"note": a.note})).await?;
    Ok(release_output(&v, a.json))
}

/// `model withdraw`: withdraw the model from the framework.
pub async fn withdraw(a: NoteArgs) -> anyhow::Result<ExitCode> {
    let path = ["models", a.model.as_str(), "withdrawal"];
    let v = send(&a.server, Method::POST, &path, json!({"note": a.note})).await?;
    Ok(release_output(&v, a.json))
}
