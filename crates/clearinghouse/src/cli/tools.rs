//! `clearinghouse tools list|request|requests|decide|delist|revoke`: the catalog of
//! defensive tools for operators from the command line (a client of a
//! running server). Prints a short summary, or the server's JSON with
//! `--json`; a refusal prints the server's problem (naming the field, such
//! as `org_kind` or `sector` for an organisation the tool is not offered
//! to) and exits 1.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::{print_list, text};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// The catalog, each entry saying whether your organisation may ask for it.
    List(ListArgs),
    /// Ask for a tool with a purpose.
    Request(RequestArgs),
    /// Requests you may read (your organisation's; coordinators: all).
    Requests(RequestsArgs),
    /// Approve (time box and quota) or decline a request (government coordinators).
    Decide(DecideArgs),
    /// Take an entry off the list (a government coordinator, or the
    /// developer offering a model entry): no new requests.
    Delist(ReasonArgs),
    /// Revoke approved access to a tool (government coordinators); a model
    /// entry's grant is revoked with it.
    Revoke(ReasonArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReasonArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The tool's id (`delist`) or the request's id (`revoke`).
    pub id: String,
    /// Why (1 to 2000 characters).
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Only what your organisation may ask for.
    #[arg(long)]
    pub eligible: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The tool's id.
    pub tool: String,
    /// What your organisation will use it for.
    #[arg(long)]
    pub purpose: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RequestsArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// `pending`, `approved`, `declined` or `revoked`.
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DecideArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The request's id.
    pub request: String,
    /// Decline with this reason instead of approving.
    #[arg(long, conflicts_with_all = ["ends_at", "requests_per_day", "tokens_per_day"])]
    pub decline: Option<String>,
    /// RFC 3339 start; default now.
    #[arg(long)]
    pub starts_at: Option<String>,
    /// RFC 3339 end of the time box.
    #[arg(long)]
    pub ends_at: Option<String>,
    #[arg(long)]
    pub requests_per_day: Option<i64>,
    #[arg(long)]
    pub tokens_per_day: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

fn words(v: &Value, key: &str) -> String {
    let items: Vec<&str> = v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if items.is_empty() {
        "any".into()
    } else {
        items.join(", ")
    }
}

fn print_request(r: &Value) {
    println!("request:  {}", text(r, "id"));
    println!(
        "tool:     {} ({})",
        text(r, "tool_name"),
        text(r, "tool_id")
    );
    println!("state:    {}", text(r, "state"));
    println!("purpose:  {}", text(r, "purpose"));
    if r["state"] == "approved" {
        println!("from:     {}", text(r, "starts_at"));
        println!("until:    {}", text(r, "ends_at"));
        println!(
            "quota:    {} requests, {} tokens per UTC day",
            text(r, "requests_per_day"),
            text(r, "tokens_per_day")
        );
        if r["grant_id"].is_string() {
            println!(
                "grant:    {} (accept its terms, then take a broker credential)",
                text(r, "grant_id")
            );
        }
    }
    if r["decision_reason"].is_string() {
        println!("reason:   {}", text(r, "decision_reason"));
    }
    if r["state"] == "revoked" {
        println!(
            "revoked:  {} ({})",
            text(r, "revoked_at"),
            text(r, "revoke_reason")
        );
    }
}

pub async fn run(command: ToolsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ToolsCommand::List(a) => {
            let client = ApiClient::new(&a.server)?;
            let q = a.eligible.then_some("true");
            let url = client.url(&["tools"], &[("eligible", q)])?;
            let v = client.get(url).await?.body;
            print_list(&v["items"], a.json, "no tools", |t| {
                let may = if t["eligible"] == Value::Bool(true) {
                    "you may ask".to_owned()
                } else {
                    format!("not for you: {}", text(t, "ineligible_reason"))
                };
                println!(
                    "{}\t{}\t{}\tfor {} (sectors: {})\t{}/{} taken\t{}\tcontact {}",
                    text(t, "id"),
                    text(t, "name"),
                    text(t, "kind_label"),
                    words(t, "org_kinds"),
                    words(t, "sectors"),
                    text(t, "holding"),
                    text(t, "capacity"),
                    may,
                    text(t, "contact")
                );
            });
        }
        ToolsCommand::Request(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["tools", &a.tool, "requests"], &[])?;
            let body = json!({"purpose": a.purpose});
            let r = client.send(Method::POST, url, Body::Json(body)).await?.body;
            if a.json {
                print_json(&r);
            } else {
                print_request(&r);
            }
        }
        ToolsCommand::Requests(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["tool-requests"], &[("state", a.state.as_deref())])?;
            let v = client.get(url).await?.body;
            print_list(&v["items"], a.json, "no requests", |r| {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    text(r, "id"),
                    text(r, "tool_name"),
                    text(r, "state"),
                    text(r, "sector"),
                    text(r, "created_at"),
                    text(r, "purpose")
                );
            });
        }
        ToolsCommand::Delist(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["tools", &a.id, "delisting"], &[])?;
            let body = json!({"reason": a.reason});
            let t = client.send(Method::POST, url, Body::Json(body)).await?.body;
            if a.json {
                print_json(&t);
            } else {
                println!("tool:     {} ({})", text(&t, "name"), text(&t, "id"));
                println!("state:    {}", text(&t, "state"));
                println!("reason:   {}", text(&t, "delist_reason"));
            }
        }
        ToolsCommand::Revoke(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["tool-requests", &a.id, "revocation"], &[])?;
            let body = json!({"reason": a.reason});
            let r = client.send(Method::POST, url, Body::Json(body)).await?.body;
            if a.json {
                print_json(&r);
            } else {
                print_request(&r);
            }
        }
        ToolsCommand::Decide(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["tool-requests", &a.request, "decision"], &[])?;
            let body = match &a.decline {
                Some(reason) => json!({"decision": "decline", "reason": reason}),
                None => json!({"decision": "approve", "starts_at": a.starts_at,
                    "ends_at": a.ends_at, "requests_per_day": a.requests_per_day,
                    "tokens_per_day": a.tokens_per_day}),
            };
            let r = client.send(Method::POST, url, Body::Json(body)).await?.body;
            if a.json {
                print_json(&r);
            } else {
                print_request(&r);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
