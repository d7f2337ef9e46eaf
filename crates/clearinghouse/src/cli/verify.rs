//! `clearinghouse audit verify`: checks a server (over its API) or a data
//! folder (offline, straight from its database) from scratch.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clearinghouse_domain::audit::checkpoint::{NoteSigner, NoteVerifier};
use serde::Deserialize;

use crate::audit_verify::{Verifier, VerifyError};
use crate::config::VerifyArgs;
use crate::store::{self, Store};

#[derive(Deserialize)]
struct PublicKey {
    verifier_key: String,
}

#[derive(Deserialize)]
struct CheckpointView {
    note: String,
    tree_size: u64,
}

#[derive(Deserialize)]
struct StoredCheckpoint {
    tree_size: i64,
    note: String,
}

#[derive(Deserialize)]
struct Entry {
    index: i64,
    entry: String,
    leaf_hash: String,
}

/// Where verification ended.
enum Outcome {
    Ok {
        verifier: Box<Verifier>,
        latest_note: Option<String>,
        earlier: Option<u64>,
    },
    Failed(VerifyError),
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let earlier_note = match &args.checkpoint {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => None,
    };
    let outcome = if let Some(server) = &args.server {
        let token = args
            .token
            .as_deref()
            .context("--token is needed with --server")?;
        verify_server(
            server,
            token,
            args.verifier_key.as_deref(),
            earlier_note.as_deref(),
        )
        .await?
    } else if let Some(dir) = &args.data_dir {
        verify_offline(
            dir,
            args.database_url.as_deref(),
            args.verifier_key.as_deref(),
            earlier_note.as_deref(),
        )
        .await?
    } else {
        bail!("give --server URL (with --token) or --data-dir DIR");
    };
    match outcome {
        Outcome::Ok {
            verifier,
            latest_note,
            earlier,
        } => {
            let report = verifier.report(earlier);
            if let (Some(path), Some(note)) = (&args.save_checkpoint, &latest_note) {
                std::fs::write(path, note)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if args.json {
                println!("{}", serde_json::json!({"ok": true, "report": report}));
            } else {
                println!(
                    "audit log OK: {} entries, root {}, {} signed checkpoint(s) verified",
                    report.entries, report.root_hash, report.checkpoints_checked
                );
                if let Some(size) = earlier {
                    println!("the log only grew since the earlier checkpoint of size {size}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Failed(e) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "error": e.to_string(), "detail": e})
                );
            } else {
                eprintln!("audit log verification FAILED: {e}");
            }
            Ok(ExitCode::from(2))
        }
    }
}

macro_rules! step {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(Outcome::Failed(e)),
        }
    };
}

async fn verify_server(
    server: &str,
    token: &str,
    pinned: Option<&str>,
    earlier: Option<&str>,
) -> anyhow::Result<Outcome> {
    let base = format!("{}/api/v1/audit", server.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let resp = client
                .get(&path)
                .bearer_auth(token)
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            let status = resp.status();
            if !status.is_success() {
                bail!(
                    "GET {path}: {status}: {}",
                    resp.text().await.unwrap_or_default()
                );
            }
            Ok::<_, anyhow::Error>(resp)
        }
    };
    let key: PublicKey = get(format!("{base}/public-key")).await?.json().await?;
    let vkey = choose_key(pinned, &key.verifier_key)?;
    // Stored checkpoints first, then a fresh one: every stored checkpoint is
    // then at most as large as the log fetched below, and one that is larger
    // means entries were deleted.
    let mut stored = Vec::new();
    let mut after = -1i64;
    loop {
        let batch: Vec<StoredCheckpoint> = get(format!("{base}/checkpoints?after_size={after}"))
            .await?
            .json()
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.tree_size;
        stored.extend(batch);
    }
    let latest: Option<CheckpointView> = match get(format!("{base}/checkpoint")).await {
        Ok(resp) => Some(resp.json().await?),
        Err(e) => {
            eprintln!(
                "note: the server could not sign a checkpoint ({e:#}); checking its stored ones"
            );
            None
        }
    };
    let target = latest
        .as_ref()
        .map(|c| c.tree_size)
        .unwrap_or_else(|| stored.last().map_or(0, |c| c.tree_size as u64));
    let mut v = Verifier::new(
        NoteVerifier::from_verifier_key(&vkey).map_err(|e| anyhow::anyhow!("verifier key: {e}"))?,
    );
    let mut start = 0u64;
    while start < target {
        let end = (start + 1000).min(target);
        let batch: Vec<Entry> = get(format!("{base}/entries?start={start}&end={end}"))
            .await?
            .json()
            .await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            step!(v.push(e.index, &e.entry, &e.leaf_hash));
        }
        start = end;
    }
    for c in &stored {
        step!(v.check_checkpoint(&c.note));
    }
    let Some(latest) = latest else {
        bail!(
            "the server cannot sign a checkpoint of its log, yet its stored checkpoints and entries agree"
        );
    };
    step!(v.check_checkpoint(&latest.note));
    let earlier_size = match earlier {
        Some(note) => Some(step!(v.check_earlier(note)).size),
        None => None,
    };
    Ok(Outcome::Ok {
        verifier: Box::new(v),
        latest_note: Some(latest.note),
        earlier: earlier_size,
    })
}

async fn verify_offline(
    dir: &std::path::Path,
    url: Option<&str>,
    pinned: Option<&str>,
    earlier: Option<&str>,
) -> anyhow::Result<Outcome> {
    let url = url.map(str::to_owned).unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=ro",
            dir.join("clearinghouse.db").display()
        )
    });
    let store = Store::connect(&url, 2)
        .await
        .context("opening the database")?;
    let origin = store::settings::get(&store.pool, "audit_origin")
        .await?
        .context("this database has no audit log origin")?;
    let key_path = dir.join("audit-signing.key");
    let derived = match crate::app::read_key(&key_path) {
        Ok(secret) => Some(
            NoteSigner::new(&origin.replace('/', "-"), secret)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .verifier_key(),
        ),
        Err(_) => None,
    };
    let vkey = match (pinned, derived) {
        (Some(p), _) => p.to_owned(),
        (None, Some(d)) => {
            eprintln!(
                "note: verifier key taken from the data folder; pass --verifier-key to pin it"
            );
            d
        }
        (None, None) => bail!(
            "no key in {} and no --verifier-key given",
            key_path.display()
        ),
    };
    let mut v = Verifier::new(
        NoteVerifier::from_verifier_key(&vkey).map_err(|e| anyhow::anyhow!("verifier key: {e}"))?,
    );
    let mut start = 0i64;
    loop {
        let rows = store::audit::range(&store.pool, start, start + 10_000).await?;
        let Some(last) = rows.last() else { break };
        let next = last.idx + 1;
        for r in &rows {
            step!(v.push(r.idx, &r.entry, &r.leaf_hash));
        }
        start = next;
    }
    let mut after = -1i64;
    let mut latest = None;
    loop {
        let batch = store::audit::checkpoints_after(&store.pool, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.tree_size;
        for c in &batch {
            step!(v.check_checkpoint(&c.note));
            latest = Some(c.note.clone());
        }
    }
    let earlier_size = match earlier {
        Some(note) => Some(step!(v.check_earlier(note)).size),
        None => None,
    };
    Ok(Outcome::Ok {
        verifier: Box::new(v),
        latest_note: latest,
        earlier: earlier_size,
    })
}

fn choose_key(pinned: Option<&str>, served: &str) -> anyhow::Result<String> {
    match pinned {
        Some(p) if p != served => {
            bail!("the server's verifier key {served} is not the pinned key {p}")
        }
        Some(p) => Ok(p.to_owned()),
        None => {
            eprintln!("note: using the server's own verifier key; pass --verifier-key to pin it");
            Ok(served.to_owned())
        }
    }
}
