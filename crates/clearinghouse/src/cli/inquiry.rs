//! `clearinghouse inquiry open|list|show|attach|consult|respond|decide|
//! communicate|release|withdraw`: designation inquiries from the command
//! line, one verb per step of the workflow, so a script can drive the
//! whole flow. Prints a short summary, or the server's JSON with `--json`;
//! a refusal prints the server's problem (naming the field) and exits 1.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::text;
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum InquiryCommand {
    /// Open an inquiry for your organisation's registered model (developers).
    Open(OpenArgs),
    /// The inquiries you may read.
    List(ListArgs),
    /// One inquiry (officials see the computed rule outcome).
    Show(IdArgs),
    /// Attach a run of the inquiry's model (evaluators).
    Attach(AttachArgs),
    /// Close the evaluation and open the consultation (evaluators).
    Consult(IdArgs),
    /// Answer for your consultee: concur, dissent (with --comment) or decline.
    Respond(RespondArgs),
    /// Propose the decision (designation authorities); a second authority approves it.
    Decide(DecideArgs),
    /// Communicate the decision to the developer (designation authorities).
    Communicate(IdArgs),
    /// Release a part of the assessment to the developer (designation authorities).
    Release(ReleaseArgs),
    /// Withdraw the inquiry before a decision (developers).
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The registered model's id.
    pub model: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Only inquiries in this state.
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct IdArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The inquiry's id.
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AttachArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// The run's id.
    #[arg(long)]
    pub run: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RespondArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// `concur`, `dissent` or `decline`.
    #[arg(long)]
    pub response: String,
    /// Required with `dissent`.
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DecideArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// `covered`, `not_covered` or `inconclusive`.
    #[arg(long)]
    pub determination: String,
    /// Required when it differs from the computed rule outcome.
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// `reason`, `findings`, `runs` or `consultations`.
    #[arg(long)]
    pub part: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub json: bool,
}

fn print_inquiry(q: &Value) {
    println!("id:       {}", text(q, "id"));
    println!("model:    {}", text(q, "model_id"));
    println!("state:    {}", text(q, "state"));
    println!("outcome:  {}", text(q, "outcome"));
    println!(
        "dates:    opened {}, decided {}, communicated {}",
        text(q, "created_at"),
        text(q, "decided_at"),
        text(q, "communicated_at")
    );
    if let Some(c) = q.get("computed").filter(|c| !c.is_null()) {
        println!("computed: {} (the rule, now)", text(c, "determination"));
    }
    if let Some(cs) = q["consultees"].as_array() {
        for c in cs {
            println!("  consultee {:6} {}", text(c, "id"), text(c, "response"));
        }
    }
    if let Some(d) = q.get("decision").filter(|d| !d.is_null()) {
        println!(
            "decision: {} (rule: {}), approved by {}",
            text(d, "determination"),
            text(d, "computed"),
            text(d, "approved_by")
        );
    }
    if let Some(r) = q["releases"].as_array() {
        for r in r {
            println!(
                "  released {} at {}",
                text(r, "part"),
                text(r, "released_at")
            );
        }
    }
}

fn output(json_out: bool, body: &Value) -> ExitCode {
    if json_out {
        print_json(body);
    } else if body.get("approval").is_some() {
        print_inquiry(&body["inquiry"]);
        println!(
            "approval: {} pending a second designation authority",
            text(&body["approval"], "id")
        );
    } else {
        print_inquiry(body);
    }
    ExitCode::SUCCESS
}

async fn post(
    server: &ServerArgs,
    path: &[&str],
    body: Value,
    json_out: bool,
) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(server)?;
    let url = client.url(path, &[])?;
    let reply = client.send(Method::POST, url, Body::Json(body)).await?;
    Ok(output(json_out, &reply.body))
}

pub async fn run(command: InquiryCommand) -> anyhow::Result<ExitCode> {
    match command {
        InquiryCommand::Open(a) => {
            post(
                &a.server,
                &["models", &a.model, "inquiries"],
                json!({}),
                a.json,
            )
            .await
        }
        InquiryCommand::List(a) => {
            let client = ApiClient::new(&a.server)?;
            let query = [("state", a.state.as_deref())];
            let items = client.get_all(&["inquiries"], &query).await?;
            if a.json {
                print_json(&Value::Array(items));
                return Ok(ExitCode::SUCCESS);
            }
            if items.is_empty() {
                eprintln!("no inquiries");
            }
            for q in &items {
                println!(
                    "{}\t{}\t{}\t{}",
                    text(q, "id"),
                    text(q, "model_id"),
                    text(q, "state"),
                    text(q, "outcome")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        InquiryCommand::Show(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = client.url(&["inquiries", &a.id], &[])?;
            let reply = client.get(url).await?;
            Ok(output(a.json, &reply.body))
        }
        InquiryCommand::Attach(a) => {
            let body = json!({"run_id": a.run});
            post(&a.server, &["inquiries", &a.id, "runs"], body, a.json).await
        }
        InquiryCommand::Consult(a) => {
            post(
                &a.server,
                &["inquiries", &a.id, "consultation"],
                json!({}),
                a.json,
            )
            .await
        }
        InquiryCommand::Respond(a) => {
            let body = json!({"response": a.response, "comment": a.comment});
            post(
                &a.server,
                &["inquiries", &a.id, "consultations"],
                body,
                a.json,
            )
            .await
        }
        InquiryCommand::Decide(a) => {
            let body = json!({"determination": a.determination, "reason": a.reason});
            post(&a.server, &["inquiries", &a.id, "decision"], body, a.json).await
        }
        InquiryCommand::Communicate(a) => {
            post(
                &a.server,
                &["inquiries", &a.id, "communicate"],
                json!({}),
                a.json,
            )
            .await
        }
        InquiryCommand::Release(a) => {
            let body = json!({"part": a.part});
            post(&a.server, &["inquiries", &a.id, "releases"], body, a.json).await
        }
        InquiryCommand::Withdraw(a) => {
            let body = json!({"reason": a.reason});
            post(&a.server, &["inquiries", &a.id, "withdraw"], body, a.json).await
        }
    }
}
