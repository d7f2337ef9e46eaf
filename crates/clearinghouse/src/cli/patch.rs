//! `clearinghouse patch upload|verify`: a vendor releases a fix in a case
//! (the file uploaded, or `--url` with its `--sha256` for one the vendor
//! hosts; client of a running server), saving the signed release
//! statement with `--statement-out`; anyone checks a downloaded file
//! against a statement offline with the server's verifier key
//! (`GET /api/v1/audit/public-key` publishes it, and every patch carries
//! it): the signature first, then the size, SHA-256 and SHA-512. Exit 0
//! when the file is the one released, 1 when it is not or the statement
//! does not verify.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use clearinghouse_domain::audit::checkpoint::NoteVerifier;
use clearinghouse_domain::cases::patch::ReleaseStatement;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

use super::client::{ApiClient, Body, print_json, read_file};
use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum PatchCommand {
    /// Release a fix in a case (vendor participants).
    Upload(UploadArgs),
    /// Check a file against a signed release statement, offline.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The case id.
    #[arg(long)]
    pub case: String,
    /// The patch file (omit with --url).
    pub file: Option<PathBuf>,
    /// Where you host the fix: the server fetches it and checks --sha256.
    #[arg(long, requires = "sha256")]
    pub url: Option<String>,
    /// The SHA-256 you declare (hex): the bytes must have it.
    #[arg(long)]
    pub sha256: Option<String>,
    /// The file name shown (default: the file's or the URL's).
    #[arg(long)]
    pub name: Option<String>,
    /// The version the fix brings.
    #[arg(long)]
    pub fixed_version: Option<String>,
    /// A vulnerability of the case it fixes (repeatable; default all).
    #[arg(long = "vuln")]
    pub vulnerabilities: Vec<String>,
    /// A product it is for, package URL or CPE (repeatable; default every
    /// product of your organisation).
    #[arg(long = "product")]
    pub products: Vec<String>,
    /// Write the signed release statement here.
    #[arg(long)]
    pub statement_out: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The downloaded patch.
    pub file: PathBuf,
    /// The signed release statement.
    #[arg(long)]
    pub statement: PathBuf,
    /// The server's verifier key (`name+keyid+base64`), or a file holding it.
    #[arg(long)]
    pub key: String,
}

pub async fn run(command: PatchCommand) -> anyhow::Result<ExitCode> {
    match command {
        PatchCommand::Upload(a) => upload(a).await,
        PatchCommand::Verify(a) => verify(&a),
    }
}

async fn upload(a: UploadArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&a.server)?;
    let out = match (&a.file, &a.url) {
        (Some(file), None) => {
            let bytes = read_file(file).await?;
            let name = a.name.clone().unwrap_or_else(|| {
                file.file_name()
                    .map_or_else(|| "patch".to_owned(), |n| n.to_string_lossy().into_owned())
            });
            let vulns = a.vulnerabilities.join(",");
            let products = a.products.join(",");
            let url = client.url(
                &["cases", &a.case, "patches"],
                &[
                    ("name", Some(name.as_str())),
                    ("fixed_version", a.fixed_version.as_deref()),
                    ("sha256", a.sha256.as_deref()),
                    (
                        "vulnerabilities",
                        Some(vulns.as_str()).filter(|v| !v.is_empty()),
                    ),
                    (
                        "products",
                        Some(products.as_str()).filter(|v| !v.is_empty()),
                    ),
                ],
            )?;
            client
                .send(
                    Method::POST,
                    url,
                    Body::Bytes(bytes, "application/octet-stream"),
                )
                .await?
                .body
        }
        (None, Some(u)) => {
            let body = json!({"url": u, "sha256": a.sha256, "name": a.name,
                              "fixed_version": a.fixed_version,
                              "vulnerabilities": a.vulnerabilities, "products": a.products});
            let url = client.url(&["cases", &a.case, "patches", "url"], &[])?;
            client.send(Method::POST, url, Body::Json(body)).await?.body
        }
        _ => anyhow::bail!("give either a FILE or --url with --sha256"),
    };
    if let Some(path) = &a.statement_out {
        let statement = out["statement"].as_str().unwrap_or_default();
        std::fs::write(path, statement)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    if a.json {
        print_json(&out);
    } else {
        print_patch(&out);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_patch(p: &Value) {
    let s = |k: &str| p[k].as_str().unwrap_or("-").to_owned();
    println!("patch:    {}", s("id"));
    println!("file:     {} ({} bytes)", s("file_name"), p["size"]);
    println!("version:  {}", s("fixed_version"));
    let fixes: Vec<String> = p["fixes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| match f["product"].as_str() {
            Some(k) => format!("{} ({k})", f["vulnerability"].as_str().unwrap_or("-")),
            None => f["vulnerability"].as_str().unwrap_or("-").to_owned(),
        })
        .collect();
    println!("fixes:    {}", fixes.join(", "));
    println!("sha256:   {}", s("sha256"));
    println!("sha512:   {}", s("sha512"));
    println!("key:      {}", s("verifier_key"));
}

/// The verifier key given, or read from the file it names.
fn key_text(given: &str) -> anyhow::Result<String> {
    let path = Path::new(given);
    if !given.contains('+') && path.is_file() {
        return Ok(std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
            .trim()
            .to_owned());
    }
    Ok(given.trim().to_owned())
}

fn verify(a: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let verifier = NoteVerifier::from_verifier_key(&key_text(&a.key)?)
        .map_err(|e| anyhow::anyhow!("the key: {e}"))?;
    let note = std::fs::read_to_string(&a.statement)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", a.statement.display()))?;
    let body = match verifier.verify_text(&note) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("FAILED: the statement's signature does not verify: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let statement = match ReleaseStatement::parse_body(body) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("FAILED: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let (size, sha256, sha512) = digest_file(&a.file)?;
    match statement.check_file(size, &sha256, &sha512) {
        Ok(()) => {
            println!(
                "OK: {} is {} (version {}) released in case {} at {}, signed by {}",
                a.file.display(),
                statement.file,
                statement.fixed_version.as_deref().unwrap_or("-"),
                statement.case_id,
                statement.released_at,
                verifier.name()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Size, SHA-256 and SHA-512 of a file, read in 1 MiB blocks.
fn digest_file(path: &Path) -> anyhow::Result<(u64, String, String)> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let (mut s256, mut s512, mut size) = (Sha256::new(), Sha512::new(), 0u64);
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        s256.update(&buf[..n]);
        s512.update(&buf[..n]);
        size += n as u64;
    }
    Ok((
        size,
        hex::encode(s256.finalize()),
        hex::encode(s512.finalize()),
    ))
}
