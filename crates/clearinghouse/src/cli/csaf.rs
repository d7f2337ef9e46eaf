//! `clearinghouse csaf verify URL|DIR`: checks a CSAF 2.0 provider feed
//! online (a server's URL or its `provider-metadata.json` URL) or offline
//! (a folder holding a copy of its `.well-known/csaf/`): the provider
//! metadata (role, version, canonical URL, keys, distributions), the public
//! OpenPGP key against its stated fingerprint, and per readable TLP folder
//! `index.txt`, `changes.csv` and the ROLIE feed listing the same documents,
//! and every document's `.sha256`, `.sha512`, `.asc` signature (against the
//! published key), schema and mandatory tests, file name, year folder and
//! TLP (`domain::cases::csaf_feed::check_entry`). URLs in the metadata are
//! read relative to its canonical URL, so a copy verifies where it lies.
//! `--mirror DIR` writes every file read into DIR (a copy to verify later).
//! Prints one line per problem and exits 1 when there is any.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use clearinghouse_domain::cases::csaf_feed::{EntryFiles, FEED_TLPS, check_entry};
use clearinghouse_domain::openpgp::PgpPublicKey;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub enum CsafCommand {
    /// Check a CSAF provider feed, online or from a copy on disk.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The server's URL, the URL of its `provider-metadata.json`, or a
    /// folder holding a copy of its `.well-known/csaf/`.
    pub source: String,
    /// Bearer token for the TLP:GREEN and AMBER folders (online only).
    #[arg(long, env = "CLEARINGHOUSE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Write every file read into this folder (a copy to verify offline).
    #[arg(long)]
    pub mirror: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Largest file read from a feed.
const MAX_FILE: usize = 64 << 20;

enum Source {
    Http {
        client: reqwest::Client,
        base: String,
        token: Option<String>,
    },
    Dir(PathBuf),
}

impl Source {
    fn open(source: &str, token: Option<String>) -> anyhow::Result<Self> {
        if source.starts_with("http://") || source.starts_with("https://") {
            let trimmed = source.trim_end_matches('/');
            let base = match trimmed.strip_suffix("/provider-metadata.json") {
                Some(b) => b.to_owned(),
                None if trimmed.ends_with("/.well-known/csaf") => trimmed.to_owned(),
                None => format!("{trimmed}/.well-known/csaf"),
            };
            let client = reqwest::Client::builder()
                .user_agent(concat!("clearinghouse-cli/", env!("CARGO_PKG_VERSION")))
                .timeout(Duration::from_secs(60))
                // CSAF requirement 6: no redirects.
                .redirect(reqwest::redirect::Policy::none())
                .build()?;
            Ok(Source::Http {
                client,
                base,
                token: token.filter(|t| !t.is_empty()),
            })
        } else {
            let dir = PathBuf::from(source);
            if !dir.is_dir() {
                bail!("{source} is neither an http(s) URL nor a folder");
            }
            Ok(Source::Dir(dir))
        }
    }

    /// A file below the feed's base; None when it is not there (404 or
    /// missing), an error for anything else.
    async fn get(&self, rel: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            Source::Http {
                client,
                base,
                token,
            } => {
                let mut req = client.get(format!("{base}/{rel}"));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let resp = req.send().await.with_context(|| format!("GET {rel}"))?;
                let status = resp.status();
                if status == reqwest::StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                if !status.is_success() {
                    bail!("GET {rel}: HTTP {status}");
                }
                let bytes = resp.bytes().await.with_context(|| format!("GET {rel}"))?;
                if bytes.len() > MAX_FILE {
                    bail!("{rel}: over {MAX_FILE} bytes");
                }
                Ok(Some(bytes.to_vec()))
            }
            Source::Dir(dir) => match std::fs::read(dir.join(rel)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).with_context(|| format!("reading {rel}")),
            },
        }
    }
}

/// A path read from a listing: relative, no `..`, no empty parts.
fn safe_rel(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
        && !p.contains('\\')
}

struct Run {
    source: Source,
    mirror: Option<PathBuf>,
    problems: Vec<String>,
    notes: Vec<String>,
    checked: usize,
}

impl Run {
    async fn fetch(&mut self, rel: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let got = self.source.get(rel).await?;
        if let (Some(dir), Some(bytes)) = (&self.mirror, &got) {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(got)
    }

    fn problem(&mut self, p: String) {
        self.problems.push(p);
    }
}

/// The metadata's checks; returns (canonical base, [(folder, label)], key URLs with fingerprints).
#[allow(clippy::type_complexity)]
fn check_metadata(
    meta: &Value,
    problems: &mut Vec<String>,
) -> (String, Vec<(String, String)>, Vec<(String, String)>) {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    if meta["metadata_version"] != "2.0" {
        problems.push("provider-metadata.json: metadata_version is not \"2.0\"".into());
    }
    if meta["role"] != "csaf_trusted_provider" {
        problems.push(format!(
            "provider-metadata.json: role is {}, not csaf_trusted_provider (signatures and hashes are required of trusted providers only)",
            meta["role"]
        ));
    }
    for field in [
        "last_updated",
        "publisher",
        "list_on_CSAF_aggregators",
        "mirror_on_CSAF_aggregators",
    ] {
        if meta[field].is_null() {
            problems.push(format!("provider-metadata.json: {field} is missing"));
        }
    }
    let canonical = text(&meta["canonical_url"]);
    let base = match canonical.strip_suffix("/provider-metadata.json") {
        Some(b) if canonical.starts_with("https://") || canonical.starts_with("http://") => {
            b.to_owned()
        }
        _ => {
            problems.push(format!(
                "provider-metadata.json: canonical_url {canonical:?} is not an URL ending in /provider-metadata.json"
            ));
            String::new()
        }
    };
    let rel = |url: &str| url.strip_prefix(&format!("{base}/")).map(str::to_owned);
    let mut folders = Vec::new();
    for d in meta["distributions"].as_array().into_iter().flatten() {
        let url = text(&d["directory_url"]);
        if url.is_empty() {
            continue;
        }
        match rel(url.trim_end_matches('/')) {
            Some(dir) if safe_rel(&dir) => {
                let label = d["rolie"]["feeds"][0]["tlp_label"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| {
                        FEED_TLPS
                            .iter()
                            .find(|(f, _)| *f == dir)
                            .map(|(_, l)| (*l).to_owned())
                    })
                    .unwrap_or_default();
                folders.push((dir, label));
            }
            _ => problems.push(format!(
                "provider-metadata.json: directory_url {url} is not below {base}"
            )),
        }
    }
    if folders.is_empty() {
        problems.push("provider-metadata.json: no distribution with a directory_url".into());
    }
    let mut keys = Vec::new();
    for k in meta["public_openpgp_keys"].as_array().into_iter().flatten() {
        let url = text(&k["url"]);
        match rel(&url) {
            Some(r) if safe_rel(&r) => keys.push((r, text(&k["fingerprint"]))),
            _ => problems.push(format!(
                "provider-metadata.json: key URL {url} is not below {base}"
            )),
        }
    }
    if keys.is_empty() {
        problems
            .push("provider-metadata.json: no public_openpgp_keys (CSAF requirement 20)".into());
    }
    (base, folders, keys)
}

async fn verify(args: VerifyArgs) -> anyhow::Result<Run> {
    let mut run = Run {
        source: Source::open(&args.source, args.token.clone())?,
        mirror: args.mirror.clone(),
        problems: Vec::new(),
        notes: Vec::new(),
        checked: 0,
    };
    let Some(meta_bytes) = run.fetch("provider-metadata.json").await? else {
        bail!("no provider-metadata.json at {}", args.source);
    };
    let meta: Value =
        serde_json::from_slice(&meta_bytes).context("provider-metadata.json is not JSON")?;
    let (base, folders, keys) = check_metadata(&meta, &mut run.problems);
    check_rolie_documents(&mut run, &meta, &base).await?;
    let mut key: Option<PgpPublicKey> = None;
    for (rel, fpr) in &keys {
        let Some(bytes) = run.fetch(rel).await? else {
            run.problem(format!("{rel}: the published key is missing"));
            continue;
        };
        match PgpPublicKey::parse(&bytes) {
            Ok(k) if fpr.is_empty() || k.fingerprint().eq_ignore_ascii_case(fpr) => {
                key.get_or_insert(k);
            }
            Ok(k) => run.problem(format!(
                "{rel}: the key's fingerprint is {}, the metadata says {fpr}",
                k.fingerprint()
            )),
            Err(e) => run.problem(format!("{rel}: not a usable OpenPGP key: {e}")),
        }
    }
    let Some(key) = key else {
        run.problem("no usable public OpenPGP key: signatures cannot be checked".into());
        return Ok(run);
    };
    for (dir, label) in folders {
        let Some(index) = run.fetch(&format!("{dir}/index.txt")).await? else {
            if label == "WHITE" {
                run.problem(format!("{dir}/index.txt: missing"));
            } else {
                run.notes.push(format!(
                    "{dir}/: TLP:{label} folder not readable here (no access): skipped"
                ));
            }
            continue;
        };
        let listed: Vec<String> = String::from_utf8_lossy(&index)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        match run.fetch(&format!("{dir}/changes.csv")).await? {
            None => run.problem(format!("{dir}/changes.csv: missing")),
            Some(csv) => {
                let text = String::from_utf8_lossy(&csv).into_owned();
                let in_csv: BTreeSet<&str> = text
                    .lines()
                    .filter_map(|l| l.split(',').next())
                    .map(|p| p.trim().trim_matches('"'))
                    .filter(|p| !p.is_empty())
                    .collect();
                if in_csv != listed_set {
                    run.problem(format!(
                        "{dir}/changes.csv: lists other documents than index.txt"
                    ));
                }
            }
        }
        let feed_rel = format!("{dir}/feed-tlp-{dir}.json");
        if let Some(feed) = run.fetch(&feed_rel).await? {
            let feed: Value = serde_json::from_slice(&feed).unwrap_or(Value::Null);
            let n = feed["feed"]["entry"].as_array().map_or(0, Vec::len);
            if feed["feed"].is_null() || n != listed.len() {
                run.problem(format!(
                    "{feed_rel}: ROLIE feed with {n} entries for {} listed documents",
                    listed.len()
                ));
            }
        }
        for path in &listed {
            if !safe_rel(path) || !path.ends_with(".json") {
                run.problem(format!("{dir}/index.txt: bad path {path:?}"));
                continue;
            }
            let rel = format!("{dir}/{path}");
            let Some(document) = run.fetch(&rel).await? else {
                run.problem(format!("{rel}: listed but missing"));
                continue;
            };
            let sha256 = run.fetch(&format!("{rel}.sha256")).await?;
            let sha512 = run.fetch(&format!("{rel}.sha512")).await?;
            let signature = run.fetch(&format!("{rel}.asc")).await?;
            let found = check_entry(
                &EntryFiles {
                    path,
                    folder_label: &label,
                    document: &document,
                    sha256: sha256.as_deref(),
                    sha512: sha512.as_deref(),
                    signature: signature.as_deref(),
                },
                &key,
            );
            run.checked += 1;
            for p in found {
                run.problem(format!("{dir}/{p}"));
            }
        }
    }
    Ok(run)
}

/// The ROLIE service documents (CSAF 7.1.20) and category documents
/// (7.1.21) the metadata names: each must be there (a category document of
/// a restricted folder may be out of reach), be RFC 8322 JSON, and a
/// service document must list every feed of the metadata.
async fn check_rolie_documents(run: &mut Run, meta: &Value, base: &str) -> anyhow::Result<()> {
    let rel = |url: &str| {
        url.strip_prefix(&format!("{base}/"))
            .filter(|r| safe_rel(r))
            .map(str::to_owned)
    };
    let mut feeds: Vec<String> = Vec::new();
    let mut services: BTreeSet<String> = BTreeSet::new();
    let mut categories: Vec<(String, bool)> = Vec::new();
    for d in meta["distributions"].as_array().into_iter().flatten() {
        let rolie = &d["rolie"];
        let white = rolie["feeds"][0]["tlp_label"] == "WHITE";
        feeds.extend(
            rolie["feeds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["url"].as_str().map(str::to_owned)),
        );
        let urls = |key: &str| -> Vec<String> {
            rolie[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        services.extend(urls("services"));
        categories.extend(urls("categories").into_iter().map(|u| (u, white)));
    }
    for url in &services {
        let Some(r) = rel(url) else {
            run.problem(format!(
                "provider-metadata.json: service URL {url} is not below {base}"
            ));
            continue;
        };
        let Some(bytes) = run.fetch(&r).await? else {
            run.problem(format!("{r}: ROLIE service document missing"));
            continue;
        };
        let doc: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let listed: BTreeSet<&str> = doc["service"]["workspace"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|w| w["collection"].as_array().into_iter().flatten())
            .filter_map(|c| c["href"].as_str())
            .collect();
        if listed.is_empty() {
            run.problem(format!(
                "{r}: not a ROLIE service document (service.workspace[].collection[])"
            ));
        }
        for f in &feeds {
            if !listed.contains(f.as_str()) {
                run.problem(format!("{r}: does not list the feed {f}"));
            }
        }
    }
    for (url, white) in &categories {
        let Some(r) = rel(url) else {
            run.problem(format!(
                "provider-metadata.json: category URL {url} is not below {base}"
            ));
            continue;
        };
        match run.fetch(&r).await? {
            None if *white => run.problem(format!("{r}: ROLIE category document missing")),
            None => run.notes.push(format!(
                "{r}: category document not readable here (no access): skipped"
            )),
            Some(bytes) => {
                let doc: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let csaf = doc["categories"]["category"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["term"] == "csaf" && c["scheme"].as_str().is_some());
                if !csaf {
                    run.problem(format!(
                        "{r}: not a ROLIE category document with the csaf information type"
                    ));
                }
            }
        }
    }
    Ok(())
}

pub async fn run(command: CsafCommand) -> anyhow::Result<ExitCode> {
    let CsafCommand::Verify(args) = command;
    let json_out = args.json;
    let run = verify(args).await?;
    if json_out {
        super::client::print_json(&json!({"documents_checked": run.checked,
            "problems": run.problems, "notes": run.notes, "ok": run.problems.is_empty()}));
    } else {
        for n in &run.notes {
            println!("note: {n}");
        }
        for p in &run.problems {
            println!("PROBLEM: {p}");
        }
        println!(
            "{} documents checked, {} problems",
            run.checked,
            run.problems.len()
        );
    }
    Ok(if run.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
