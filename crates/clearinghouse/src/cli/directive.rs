//! `clearinghouse directive issue|amend|list|show|report` and
//! `clearinghouse compliance`: Binding Operational Directives from the
//! command line (client of a running server). `issue FILE` drafts the
//! directive in the JSON file and files it for issue (a second directive
//! manager approves the printed request); `amend ID FILE` drafts an
//! amendment and files it the same way; `report` submits an agency's
//! report or attestation (`--field name=value`, sent as typed: the
//! directive's field definition types it); `compliance` prints per directive the on time / overdue
//! / excepted / satisfied counts, or the server's JSON with `--json`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::client::{ApiClient, Body, print_json, read_file};
use crate::cli::show::{print_list, text};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum DirectiveCommand {
    /// Draft a directive from a JSON file (or take the draft `--id`) and
    /// file it for issue (directive managers; a second one approves).
    Issue(IssueArgs),
    /// Draft an amendment of an issued directive from a JSON file and file
    /// it for issue.
    Amend(AmendArgs),
    /// List the directives you may see.
    List(ListArgs),
    /// Show a directive (by id or number) with its versions and changes.
    Show(ShowArgs),
    /// Submit your organisation's report or attestation.
    Report(ReportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The directive as JSON (`number`, `title`, `issued`, `effective`,
    /// `scope`, `actions`).
    #[arg(required_unless_present = "id")]
    pub file: Option<PathBuf>,
    /// File an existing draft instead (id or number).
    #[arg(long, conflicts_with = "file")]
    pub id: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct AmendArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The directive's id or number.
    pub id: String,
    /// The amended directive as JSON (same number).
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The directive's id or number (`BOD 26-05`).
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The directive's id or number.
    pub id: String,
    /// The report or attest action's key.
    #[arg(long)]
    pub action: String,
    /// The period (`YYYY-MM-DD`); default the earliest not yet submitted.
    #[arg(long)]
    pub period: Option<String>,
    /// A field, `name=value` (repeatable).
    #[arg(long = "field")]
    pub fields: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ComplianceArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// One organisation's figures (managers, coordinators; others always
    /// see their own).
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long)]
    pub json: bool,
}

fn print_directive(d: &Value) {
    println!("id:        {}", text(d, "id"));
    println!("number:    {}", text(d, "number"));
    println!("title:     {}", text(&d["body"], "title"));
    println!(
        "state:     {} (in force: version {}, latest {})",
        text(d, "state"),
        text(d, "issued_version"),
        text(d, "latest_version")
    );
    println!(
        "effective: {} (issued {})",
        text(&d["body"], "effective"),
        text(&d["body"], "issued")
    );
    for a in d["body"]["actions"].as_array().into_iter().flatten() {
        let detail = match a["type"].as_str() {
            Some("remediate") => format!(
                "rule `{}`, due {}",
                text(a, "rule"),
                text(&a["due"], "kind")
            ),
            Some("report") => format!(
                "first due {}, every {} days",
                text(a, "first_due"),
                text(a, "every_days")
            ),
            _ => format!("due {}", text(a, "due")),
        };
        println!(
            "  action {} ({}): {}",
            text(a, "key"),
            text(a, "type"),
            detail
        );
    }
    for v in d["versions"].as_array().into_iter().flatten() {
        let changes = &v["changes"];
        let mut parts: Vec<String> = changes["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(|f| format!("{f} changed")))
            .collect();
        for c in changes["actions"].as_array().into_iter().flatten() {
            parts.push(format!("{} {}", text(c, "key"), text(c, "change")));
        }
        println!(
            "  version {} {}{}",
            text(v, "version"),
            text(v, "state"),
            if parts.is_empty() {
                String::new()
            } else {
                format!(": {}", parts.join("; "))
            }
        );
    }
}

async fn read_json(path: &std::path::Path) -> anyhow::Result<Value> {
    let bytes = read_file(path).await?;
    serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", path.display()))
}

async fn file_for_issue(client: &ApiClient, id: &str, json_out: bool) -> anyhow::Result<ExitCode> {
    let url = client.url(&["directives", id, "issue"], &[])?;
    let reply = client.send(Method::POST, url, Body::None).await?;
    if json_out {
        print_json(&reply.body);
    } else {
        print_directive(&reply.body["directive"]);
        println!(
            "filed for issue: approval {} awaits a second directive manager",
            text(&reply.body["approval"], "id")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn issue(args: IssueArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let id = match (&args.file, &args.id) {
        (_, Some(id)) => id.clone(),
        (Some(file), None) => {
            let body = read_json(file).await?;
            let url = client.url(&["directives"], &[])?;
            let reply = client.send(Method::POST, url, Body::Json(body)).await?;
            text(&reply.body, "id")
        }
        (None, None) => anyhow::bail!("give a FILE or --id"),
    };
    file_for_issue(&client, &id, args.json).await
}

pub async fn amend(args: AmendArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let body = read_json(&args.file).await?;
    let url = client.url(&["directives", &args.id, "amend"], &[])?;
    let reply = client.send(Method::POST, url, Body::Json(body)).await?;
    let id = text(&reply.body, "id");
    file_for_issue(&client, &id, args.json).await
}

pub async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let url = client.url(&["directives"], &[])?;
    let reply = client.get(url).await?;
    print_list(&reply.body, args.json, "no directives", |d| {
        println!(
            "{}\t{}\t{}\tv{}\t{}",
            text(d, "number"),
            text(d, "state"),
            text(d, "id"),
            text(d, "issued_version"),
            text(&d["body"], "title")
        );
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let url = client.url(&["directives", &args.id], &[])?;
    let reply = client.get(url).await?;
    if args.json {
        print_json(&reply.body);
    } else {
        print_directive(&reply.body);
    }
    Ok(ExitCode::SUCCESS)
}

/// `name=value`, sent as typed: the directive's field definition types
/// it on the server (a number field reads `1042` as a number, a text
/// field keeps `02134`).
fn field(pair: &str) -> anyhow::Result<(String, Value)> {
    let (name, value) = pair
        .split_once('=')
        .with_context(|| format!("--field {pair}: expected name=value"))?;
    Ok((name.to_owned(), Value::String(value.to_owned())))
}

pub async fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let mut fields = Map::new();
    for f in &args.fields {
        let (k, v) = field(f)?;
        fields.insert(k, v);
    }
    let body = json!({"action": args.action, "period": args.period, "fields": fields});
    let url = client.url(&["directives", &args.id, "reports"], &[])?;
    let reply = client.send(Method::POST, url, Body::Json(body)).await?;
    if args.json {
        print_json(&reply.body);
    } else {
        println!(
            "submitted {} for period {} ({})",
            text(&reply.body, "action"),
            text(&reply.body, "period"),
            text(&reply.body, "id")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn counts_line(c: &Value) -> String {
    format!(
        "{} obligations: {} on time, {} overdue, {} excepted, {} satisfied; score {}%, median {} days to remediate",
        text(c, "total"),
        text(c, "on_time"),
        text(c, "overdue"),
        text(c, "excepted"),
        text(c, "satisfied"),
        text(c, "score"),
        text(c, "median_days_to_remediate"),
    )
}

pub async fn compliance(args: ComplianceArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let url = client.url(&["compliance"], &[("org", args.org.as_deref())])?;
    let reply = client.get(url).await?;
    print_list(&reply.body, args.json, "no directives in force", |c| {
        if c["applies"] == serde_json::Value::Bool(false) {
            println!(
                "{} (version {}): does not apply to your organisation (outside its scope)",
                text(c, "number"),
                text(c, "version")
            );
            return;
        }
        println!(
            "{} (version {}, as of {}): {}",
            text(c, "number"),
            text(c, "version"),
            text(c, "as_of"),
            counts_line(&c["overall"])
        );
        for o in c["worst_offenders"].as_array().into_iter().flatten() {
            println!(
                "  worst: {}: {}",
                text(o, "org_name"),
                counts_line(&o["counts"])
            );
        }
    });
    Ok(ExitCode::SUCCESS)
}
