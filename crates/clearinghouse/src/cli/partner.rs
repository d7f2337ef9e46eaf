//! `clearinghouse model partner nominate|list|approve|withdraw`: trusted
//! partners of a covered model from the command line (a client of a
//! running server). A coordinator's approval files the government's
//! two-person request; a second coordinator decides it like any other
//! (`/approvals`). Prints a short summary, or the server's JSON with
//! `--json`; a refusal prints the server's problem and exits 1.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::{print_list, text};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Nominate an organisation as a trusted partner of a model, with a reason.
    Nominate(NominateArgs),
    /// The model's nominations you may read.
    List(ListArgs),
    /// Your side's approval (developer org admin, or a government coordinator).
    Approve(IdArgs),
    /// Withdraw a nomination or partnership (either side).
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Clone, Args)]
pub struct NominateArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's id.
    pub model: String,
    /// The organisation's id.
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The model's id.
    pub model: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct IdArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The nomination's id.
    pub partner: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The nomination's id.
    pub partner: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

fn print_partner(p: &Value) {
    println!("partner:    {}", text(p, "id"));
    println!("model:      {}", text(p, "model_id"));
    println!("org:        {}", text(p, "org_id"));
    println!("state:      {}", text(p, "state"));
    println!("developer:  approved {}", text(p, "developer_approved_at"));
    let gov = if p["government_pending"] == Value::Bool(true) {
        format!(
            "waiting for a second coordinator (request {})",
            text(p, "government_approval_id")
        )
    } else {
        format!("approved {}", text(p, "government_approved_at"))
    };
    println!("government: {gov}");
    println!("reason:     {}", text(p, "reason"));
}

async fn send(server: &ServerArgs, path: &[&str], body: Value) -> anyhow::Result<Value> {
    let client = ApiClient::new(server)?;
    let url = client.url(path, &[])?;
    Ok(client.send(Method::POST, url, Body::Json(body)).await?.body)
}

pub async fn run(command: PartnerCommand) -> anyhow::Result<ExitCode> {
    match command {
        PartnerCommand::Nominate(a) => {
            let body = json!({"org_id": a.org, "reason": a.reason});
            let v = send(&a.server, &["models", &a.model, "partners"], body).await?;
            if a.json {
                print_json(&v);
            } else {
                print_partner(&v["partner"]);
            }
        }
        PartnerCommand::List(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["models", &a.model, "partners"], &[])?;
            let v = client.get(url).await?.body;
            print_list(&v["items"], a.json, "no partners", |p| {
                println!(
                    "{}\t{}\t{}\t{}",
                    text(p, "id"),
                    text(p, "org_id"),
                    text(p, "state"),
                    text(p, "reason")
                );
            });
        }
        PartnerCommand::Approve(a) => {
            let v = send(
                &a.server,
                &["partners", &a.partner, "approval"],
                json!(null),
            )
            .await?;
            if a.json {
                print_json(&v);
            } else {
                print_partner(&v["partner"]);
            }
        }
        PartnerCommand::Withdraw(a) => {
            let body = json!({"reason": a.reason});
            let v = send(&a.server, &["partners", &a.partner, "withdrawal"], body).await?;
            if a.json {
                print_json(&v);
            } else {
                print_partner(&v);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
