//! Scan coordination from the command line (issue 14's "Interface for
//! scripts"): `campaign create|list|show|overlaps|stop`, `netasset
//! add|verify|attest|list`, `grant create|revoke|list` and `scan-report`.
//! Each prints a short summary, or the server's JSON with `--json`; a
//! refusal prints the server's problem (a refused campaign: each
//! uncovered target and why) and exits 1.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json};
use crate::cli::show::text;
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Register a campaign (refused, exit 1, when a network target lacks a grant).
    Create(CreateArgs),
    /// The campaigns you may read.
    List(JsonArgs),
    /// One campaign.
    Show(IdArgs),
    /// Active campaigns and claims overlapping a campaign.
    Overlaps(IdArgs),
    /// Stop a campaign.
    Stop(StopArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// `pkg:...` (optionally a space and a `vers:` range), `repo:URL@REVISION`,
    /// `product:VENDOR/PRODUCT`, `cidr:ADDRESS/PREFIX`, `host:NAME`, `cloud:PROVIDER/ACCOUNT`.
    #[arg(long = "target", required = true, num_args = 1..)]
    pub targets: Vec<String>,
    /// RFC 3339.
    #[arg(long)]
    pub start: String,
    #[arg(long)]
    pub end: String,
    /// The scanner: tool or model name and version.
    #[arg(long)]
    pub scanner: String,
    /// `passive` (default), `authenticated`, `active`.
    #[arg(long = "technique")]
    pub techniques: Vec<String>,
    /// Source blocks the scanner sends from.
    #[arg(long = "source", num_args = 1..)]
    pub sources: Vec<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub contact: Option<String>,
    /// TLP: CLEAR, GREEN, AMBER (default: the operators touched and the
    /// coordinators read it) or AMBER+STRICT.
    #[arg(long)]
    pub tlp: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct JsonArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct IdArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum NetassetCommand {
    /// Register a network asset; prints where to publish the token.
    Add(NetassetAddArgs),
    /// Check the published token (`--method dns_txt` or `well_known`).
    Verify(NetassetVerifyArgs),
    /// Attest control with a reason (coordinators).
    Attest(StopArgs),
    /// Your network assets.
    List(JsonArgs),
}

#[derive(Debug, Clone, Args)]
pub struct NetassetAddArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// `host:NAME`, `cidr:ADDRESS/PREFIX` or `cloud:PROVIDER/ACCOUNT`.
    pub target: String,
    /// What other researchers may learn of scanning here: for a block the
    /// prefix length of the block around it (24); for a host any number
    /// shows the domain it lies under. Absent: nothing.
    #[arg(long)]
    pub disclose_prefix: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct NetassetVerifyArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    #[arg(long, default_value = "dns_txt")]
    pub method: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Grant a scanning organisation permission to scan assets of yours.
    Create(GrantCreateArgs),
    /// Revoke a grant at once (its campaigns stop; the scanner is told).
    Revoke(StopArgs),
    /// Grants you gave or received.
    List(JsonArgs),
}

#[derive(Debug, Clone, Args)]
pub struct GrantCreateArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The scanning organisation's id or exact name.
    #[arg(long)]
    pub scanner_org: String,
    /// Asset ids.
    #[arg(long = "asset", required = true, num_args = 1..)]
    pub assets: Vec<String>,
    #[arg(long = "exclude")]
    pub excluded: Vec<String>,
    #[arg(long = "technique", required = true)]
    pub techniques: Vec<String>,
    #[arg(long, default_value_t = 10)]
    pub rate_limit: i64,
    #[arg(long = "source", num_args = 1..)]
    pub sources: Vec<String>,
    #[arg(long)]
    pub start: String,
    #[arg(long)]
    pub end: String,
    #[arg(long)]
    pub operator_contact: String,
    #[arg(long)]
    pub scanner_contact: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ScanReportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Observed source addresses or blocks.
    #[arg(long = "source", required = true, num_args = 1..)]
    pub sources: Vec<String>,
    /// Your assets that were scanned.
    #[arg(long = "target", required = true, num_args = 1..)]
    pub targets: Vec<String>,
    #[arg(long)]
    pub start: String,
    #[arg(long)]
    pub end: String,
    /// A file with the log lines that show it.
    #[arg(long)]
    pub log: Option<std::path::PathBuf>,
    #[arg(long)]
    pub json: bool,
}

fn print_campaign(c: &Value) {
    println!("id:       {}", text(c, "id"));
    println!("name:     {}", text(c, "name"));
    println!("scanner:  {}", text(c, "scanner"));
    println!("window:   {} .. {}", text(c, "start"), text(c, "end"));
    println!("state:    {}", text(c, "state"));
    if let Some(ts) = c["targets"].as_array() {
        for t in ts {
            println!("  target  {}", text(t, "target"));
        }
    }
    println!(
        "findings: {} ({} validated)",
        text(c, "findings"),
        text(c, "validated")
    );
    if let Some(os) = c["overlaps"].as_array() {
        print_overlaps(os);
    }
}

fn print_overlaps(os: &[Value]) {
    if os.is_empty() {
        println!("no overlapping campaigns or claims");
    }
    for o in os {
        println!(
            "  overlap {} {} ({}) on {}: {} {} .. {}",
            text(o, "kind"),
            text(o, "id"),
            text(o, "org_id"),
            text(o, "target"),
            text(o, "other_target"),
            text(o, "start"),
            text(o, "end")
        );
    }
}

async fn send(
    server: &ServerArgs,
    method: Method,
    path: &[&str],
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let client = ApiClient::new(server)?;
    let url = client.url(path, &[])?;
    let body = body.map_or(Body::None, Body::Json);
    Ok(client.send(method, url, body).await?.body)
}

/// Posts `{"reason": reason}` to `path` (stopping a campaign, attesting an
/// asset, revoking a grant) and returns the answer.
async fn post_reason(server: &ServerArgs, path: &[&str], reason: &str) -> anyhow::Result<Value> {
    send(
        server,
        Method::POST,
        path,
        Some(json!({ "reason": reason })),
    )
    .await
}

/// Gets the list at `path` and prints it (as JSON with `json_out`, else the
/// columns `cols`); the asset and grant list verbs.
async fn list(
    server: &ServerArgs,
    path: &[&str],
    json_out: bool,
    cols: &[&str],
) -> anyhow::Result<ExitCode> {
    let v = send(server, Method::GET, path, None).await?;
    Ok(done(json_out, &v, |v| print_list(v, cols)))
}

fn done(json_out: bool, body: &Value, print: impl Fn(&Value)) -> ExitCode {
    if json_out {
        print_json(body);
    } else {
        print(body);
    }
    ExitCode::SUCCESS
}

fn print_list(items: &Value, cols: &[&str]) {
    let items = items
        .get("items")
        .and_then(Value::as_array)
        .or_else(|| items.as_array())
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        eprintln!("none");
    }
    for i in &items {
        let row: Vec<String> = cols.iter().map(|c| text(i, c)).collect();
        println!("{}", row.join("\t"));
    }
}

pub async fn campaign(command: CampaignCommand) -> anyhow::Result<ExitCode> {
    match command {
        CampaignCommand::Create(a) => {
            let body = json!({
                "targets": a.targets, "start": a.start, "end": a.end, "scanner": a.scanner,
                "techniques": a.techniques, "sources": a.sources, "name": a.name,
                "contact": a.contact, "tlp": a.tlp,
            });
            let c = send(&a.server, Method::POST, &["scans", "campaigns"], Some(body)).await?;
            Ok(done(a.json, &c, print_campaign))
        }
        CampaignCommand::List(a) => {
            let client = ApiClient::new(&a.server)?;
            let items = Value::Array(client.get_all(&["scans", "campaigns"], &[]).await?);
            Ok(done(a.json, &items, |v| {
                print_list(v, &["id", "state", "start", "end", "scanner", "name"]);
            }))
        }
        CampaignCommand::Show(a) => {
            let c = send(&a.server, Method::GET, &["scans", "campaigns", &a.id], None).await?;
            Ok(done(a.json, &c, print_campaign))
        }
        CampaignCommand::Overlaps(a) => {
            let path = ["scans", "campaigns", &a.id, "overlaps"];
            let o = send(&a.server, Method::GET, &path, None).await?;
            Ok(done(a.json, &o, |v| {
                print_overlaps(v.as_array().map(Vec::as_slice).unwrap_or_default());
            }))
        }
        CampaignCommand::Stop(a) => {
            let path = ["scans", "campaigns", &a.id, "stop"];
            let c = post_reason(&a.server, &path, &a.reason).await?;
            Ok(done(a.json, &c, print_campaign))
        }
    }
}

fn print_asset(a: &Value) {
    println!("id:     {}", text(a, "id"));
    println!("asset:  {}", text(a, "target"));
    println!("state:  {}", text(a, "state"));
    let v = &a["verification"];
    if a["state"] == "pending" && !v.is_null() {
        if !v["dns_name"].is_null() {
            println!(
                "publish: TXT {} \"{}\"",
                text(v, "dns_name"),
                text(v, "txt_value")
            );
            println!(
                "     or: {} holding {}",
                text(v, "well_known_url"),
                text(v, "txt_value")
            );
        } else {
            println!(
                "proof:  ask a coordinator to attest control (token {})",
                text(v, "token")
            );
        }
    }
    if !a["proof_method"].is_null() {
        println!(
            "proof:  {}: {}",
            text(a, "proof_method"),
            text(a, "proof_detail")
        );
    }
}

pub async fn netasset(command: NetassetCommand) -> anyhow::Result<ExitCode> {
    match command {
        NetassetCommand::Add(a) => {
            let body = json!({"target": a.target, "disclose_prefix": a.disclose_prefix});
            let v = send(&a.server, Method::POST, &["scans", "assets"], Some(body)).await?;
            Ok(done(a.json, &v, print_asset))
        }
        NetassetCommand::Verify(a) => {
            let path = ["scans", "assets", &a.id, "verify"];
            let body = json!({"method": a.method});
            let v = send(&a.server, Method::POST, &path, Some(body)).await?;
            Ok(done(a.json, &v, print_asset))
        }
        NetassetCommand::Attest(a) => {
            let path = ["scans", "assets", &a.id, "attest"];
            let v = post_reason(&a.server, &path, &a.reason).await?;
            Ok(done(a.json, &v, print_asset))
        }
        NetassetCommand::List(a) => {
            list(
                &a.server,
                &["scans", "assets"],
                a.json,
                &["id", "state", "target"],
            )
            .await
        }
    }
}

pub async fn grant(command: GrantCommand) -> anyhow::Result<ExitCode> {
    let print_grant = |g: &Value| {
        println!("id:      {}", text(g, "id"));
        println!("scanner: {}", text(g, "scanner_org_id"));
        println!("window:  {} .. {}", text(g, "start"), text(g, "end"));
        println!("state:   {}", text(g, "state"));
        if let Some(s) = g["stopped_campaigns"].as_array() {
            for c in s {
                println!("  stopped campaign {}", c.as_str().unwrap_or_default());
            }
        }
    };
    match command {
        GrantCommand::Create(a) => {
            let body = json!({
                "scanner_org_id": a.scanner_org, "assets": a.assets, "excluded": a.excluded,
                "techniques": a.techniques, "rate_limit": a.rate_limit, "sources": a.sources,
                "start": a.start, "end": a.end, "operator_contact": a.operator_contact,
                "scanner_contact": a.scanner_contact,
            });
            let g = send(&a.server, Method::POST, &["scans", "grants"], Some(body)).await?;
            Ok(done(a.json, &g, print_grant))
        }
        GrantCommand::Revoke(a) => {
            let path = ["scans", "grants", &a.id, "revoke"];
            let g = post_reason(&a.server, &path, &a.reason).await?;
            Ok(done(a.json, &g, print_grant))
        }
        GrantCommand::List(a) => {
            list(
                &a.server,
                &["scans", "grants"],
                a.json,
                &["id", "state", "scanner_org_id", "start", "end"],
            )
            .await
        }
    }
}

/// `clearinghouse scan-report`: exits 0 when covered, 3 when not (an
/// incident is open), so a script can branch on it.
pub async fn scan_report(a: ScanReportArgs) -> anyhow::Result<ExitCode> {
    let log = match &a.log {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let body = json!({"sources": a.sources, "targets": a.targets, "start": a.start,
                      "end": a.end, "log_excerpt": log});
    let r = send(&a.server, Method::POST, &["scans", "reports"], Some(body)).await?;
    if a.json {
        print_json(&r);
    } else {
        println!("report: {}", text(&r, "id"));
        println!("{}", text(&r, "answer"));
    }
    Ok(if r["covered"] == Value::Bool(true) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
