//! `clearinghouse case open|list|show|invite|join|status|date|publish|export` and
//! `clearinghouse vex upload`: coordination cases from the command line
//! (client of a running server). `status` states one product's VEX status;
//! `vex upload` sends a CycloneDX VEX document. Prints a short summary, or
//! the server's JSON with `--json`; a refusal prints the server's problem
//! (naming the field) and exits 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiClient, Body, print_json, read_file};
use crate::cli::show::text;
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case for vulnerabilities (coordinators).
    Open(OpenArgs),
    /// The cases you take part in.
    List(ListArgs),
    /// One case with its participants and the vendors' statements.
    Show(IdArgs),
    /// Invite an organisation with a case role (coordinators).
    Invite(InviteArgs),
    /// Join a case your organisation was invited to (its org admins).
    Join(IdArgs),
    /// State your product's status for a vulnerability of the case (vendors).
    Status(StatusArgs),
    /// Move the target disclosure date, with a reason (coordinators).
    Date(DateArgs),
    /// Publish now (coordinators; before the target date with a reason).
    Publish(PublishArgs),
    /// A published case's advisory as OSV records or a CVE JSON 5 record (JSON on stdout).
    Export(ExportArgs),
}

/// The export formats of a published advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// OSV 1.6 records, one per vulnerability (a JSON array).
    Osv,
    /// A CVE JSON 5.1 record of one vulnerability, for a CNA to submit.
    Cve5,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// For cve5: the vulnerability (its CVE id).
    #[arg(long = "vuln", required_if_eq("format", "cve5"))]
    pub vulnerability: Option<String>,
    /// For cve5: the CNA's organisation UUID.
    #[arg(long, required_if_eq("format", "cve5"))]
    pub assigner: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DateArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// The new target date, `YYYY-MM-DD`.
    #[arg(long)]
    pub target_date: String,
    /// Why (the participants are told).
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// Why, when publishing before the target date (early publication).
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum VexCommand {
    /// Upload a CycloneDX or CSAF VEX document (JSON) to a case (vendors).
    Upload(UploadArgs),
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "")]
    pub summary: String,
    /// A CVE or CHX id or a validated finding's id (repeatable).
    #[arg(long = "vuln", required = true)]
    pub vulnerabilities: Vec<String>,
    /// The target disclosure date, `YYYY-MM-DD`.
    #[arg(long)]
    pub target_date: String,
    /// `CLEAR`, `GREEN` or `AMBER` (default).
    #[arg(long)]
    pub tlp: Option<String>,
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
pub struct IdArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The case id.
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InviteArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// The organisation's id.
    #[arg(long)]
    pub org: String,
    /// reporter, vendor, coordinator, operator or government.
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    pub id: String,
    /// The vulnerability (CVE or CHX id).
    #[arg(long = "vuln")]
    pub vulnerability: String,
    /// The product: a package URL or a CPE.
    #[arg(long)]
    pub product: String,
    /// affected, not_affected, fixed or under_investigation.
    #[arg(long)]
    pub status: String,
    /// Versions concerned (repeatable; none: every version).
    #[arg(long = "version")]
    pub versions: Vec<String>,
    /// For not_affected: a CSAF justification.
    #[arg(long)]
    pub justification: Option<String>,
    /// For fixed: the version that fixes it.
    #[arg(long)]
    pub fixed_version: Option<String>,
    #[arg(long, default_value = "")]
    pub remediation: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The case id.
    #[arg(long)]
    pub case: String,
    /// The VEX document: CycloneDX (JSON) or CSAF 2.0 `csaf_vex`.
    pub file: PathBuf,
    /// A CycloneDX BOM the VEX's BOM-links name (repeatable): sent with it
    /// as a JSON array `[vex, bom, ...]`.
    #[arg(long = "bom")]
    pub boms: Vec<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

fn print_case(c: &Value) {
    println!("id:          {}", text(c, "id"));
    println!("title:       {}", text(c, "title"));
    println!(
        "state:       {} (TLP:{}), target disclosure {}",
        text(c, "state"),
        text(c, "tlp"),
        text(c, "target_date")
    );
    for v in c["vulnerabilities"].as_array().into_iter().flatten() {
        println!("  vulnerability {}", text(v, "id"));
    }
    for p in c["participants"].as_array().into_iter().flatten() {
        println!(
            "  {:12} {} ({}), invited {}, last seen {}",
            text(p, "role"),
            text(p, "org_name"),
            text(p, "status"),
            text(p, "invited_at"),
            text(p, "last_seen_at")
        );
    }
}

fn print_statements(items: &Value) {
    for s in items.as_array().into_iter().flatten() {
        let why = match (&s["justification"], &s["fixed_version"]) {
            (Value::String(j), _) => format!(" ({j})"),
            (_, Value::String(v)) => format!(" (in {v})"),
            _ => String::new(),
        };
        println!(
            "{}\t{}\t{}{}",
            text(s, "vulnerability"),
            text(s, "product"),
            text(s, "status"),
            why
        );
    }
}

async fn send(
    server: &ServerArgs,
    method: Method,
    path: &[&str],
    body: Body,
) -> anyhow::Result<Value> {
    let client = ApiClient::new(server)?;
    let url = client.url(path, &[])?;
    Ok(client.send(method, url, body).await?.body)
}

pub async fn run(command: CaseCommand) -> anyhow::Result<ExitCode> {
    let (json_out, body, statements) = match command {
        CaseCommand::Open(a) => {
            let body = json!({"title": a.title, "summary": a.summary,
                              "vulnerabilities": a.vulnerabilities,
                              "target_date": a.target_date, "tlp": a.tlp});
            let out = send(&a.server, Method::POST, &["cases"], Body::Json(body)).await?;
            (a.json, out, false)
        }
        CaseCommand::List(a) => {
            let client = ApiClient::new(&a.server)?;
            let items = client.get_all(&["cases"], &[]).await?;
            if a.json {
                print_json(&Value::Array(items));
            } else {
                for c in &items {
                    println!(
                        "{}\t{}\t{}\t{}",
                        text(c, "id"),
                        text(c, "target_date"),
                        text(c, "tlp"),
                        text(c, "title")
                    );
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        CaseCommand::Show(a) => {
            let case = send(&a.server, Method::GET, &["cases", &a.id], Body::None).await?;
            let st = send(
                &a.server,
                Method::GET,
                &["cases", &a.id, "statements"],
                Body::None,
            )
            .await?;
            if a.json {
                print_json(&json!({"case": case, "statements": st}));
            } else {
                print_case(&case);
                print_statements(&st);
            }
            return Ok(ExitCode::SUCCESS);
        }
        CaseCommand::Invite(a) => {
            let body = json!({"org_id": a.org, "role": a.role});
            let out = send(
                &a.server,
                Method::POST,
                &["cases", &a.id, "participants"],
                Body::Json(body),
            )
            .await?;
            (a.json, out, false)
        }
        CaseCommand::Join(a) => {
            let out = send(
                &a.server,
                Method::POST,
                &["cases", &a.id, "join"],
                Body::Json(json!({})),
            )
            .await?;
            (a.json, out, false)
        }
        CaseCommand::Date(a) => {
            let body = json!({"target_date": a.target_date, "reason": a.reason});
            let out = send(
                &a.server,
                Method::POST,
                &["cases", &a.id, "date"],
                Body::Json(body),
            )
            .await?;
            (a.json, out, false)
        }
        CaseCommand::Publish(a) => {
            let body = json!({"reason": a.reason});
            let out = send(
                &a.server,
                Method::POST,
                &["cases", &a.id, "publish"],
                Body::Json(body),
            )
            .await?;
            (a.json, out, false)
        }
        CaseCommand::Export(a) => {
            let client = ApiClient::new(&a.server)?;
            let url = match a.format {
                ExportFormat::Osv => client.url(&["cases", &a.id, "osv"], &[])?,
                ExportFormat::Cve5 => client.url(
                    &["cases", &a.id, "cve5"],
                    &[
                        ("vulnerability", a.vulnerability.as_deref()),
                        ("assigner", a.assigner.as_deref()),
                    ],
                )?,
            };
            print_json(&client.get(url).await?.body);
            return Ok(ExitCode::SUCCESS);
        }
        CaseCommand::Status(a) => {
            let st = json!({"vulnerability": a.vulnerability, "product": a.product,
                            "status": a.status, "versions": a.versions,
                            "justification": a.justification, "fixed_version": a.fixed_version,
                            "remediation": a.remediation});
            let body = json!({"statements": [st]});
            let out = send(
                &a.server,
                Method::POST,
                &["cases", &a.id, "statements"],
                Body::Json(body),
            )
            .await?;
            (a.json, out, true)
        }
    };
    if json_out {
        print_json(&body);
    } else if statements {
        print_statements(&body);
    } else {
        print_case(&body);
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_json(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<Value> {
    serde_json::from_slice(bytes)
        .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))
}

pub async fn vex(command: VexCommand) -> anyhow::Result<ExitCode> {
    let VexCommand::Upload(a) = command;
    let mut bytes = read_file(&a.file).await?;
    if !a.boms.is_empty() {
        let mut all = vec![parse_json(&a.file, &bytes)?];
        for b in &a.boms {
            all.push(parse_json(b, &read_file(b).await?)?);
        }
        bytes = serde_json::to_vec(&Value::Array(all))?;
    }
    let out = send(
        &a.server,
        Method::POST,
        &["cases", &a.case, "vex"],
        Body::Bytes(bytes, "application/json"),
    )
    .await?;
    if a.json {
        print_json(&out);
    } else {
        print_statements(&out);
    }
    Ok(ExitCode::SUCCESS)
}
