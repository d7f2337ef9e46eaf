//! `clearinghouse audit verify-bundle FILE --key KEY`: verifies an
//! evidence bundle offline (no server, no database) with the domain's
//! `scans::evidence::verify`, trusting only the audit log's verifier key
//! (`--key`, or `--key-file`). Without a key it refuses: the key inside
//! the bundle proves nothing by itself. Exit 0 verified, 1 refused.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clearinghouse_domain::scans::evidence::{self, Bundle};

#[derive(Debug, Clone, Args)]
pub struct VerifyBundleArgs {
    /// The bundle (JSON) as the clearinghouse produced it.
    pub file: std::path::PathBuf,
    /// The audit log's verifier key you trust (`name+keyid+base64`).
    #[arg(long, conflicts_with = "key_file")]
    pub key: Option<String>,
    /// A file holding the verifier key.
    #[arg(long)]
    pub key_file: Option<std::path::PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &VerifyBundleArgs) -> anyhow::Result<ExitCode> {
    let key = match (&args.key, &args.key_file) {
        (Some(k), _) => k.clone(),
        (None, Some(p)) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        (None, None) => anyhow::bail!(
            "give the audit log's verifier key you trust (--key or --key-file): \
             the key inside the bundle proves nothing by itself"
        ),
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let outcome = serde_json::from_str::<Bundle>(&text)
        .map_err(|e| format!("not an evidence bundle: {e}"))
        .and_then(|b| evidence::verify(&b, &key).map(|v| (b, v)));
    match outcome {
        Ok((b, v)) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"verified": true, "subject": b.subject, "origin": v.origin,
                        "tree_size": v.tree_size, "root_hash": v.root_hash, "records": v.records})
                );
            } else {
                println!(
                    "verified: {} record(s) about {} are in the log {} at size {} (root {})",
                    v.records, b.subject, v.origin, v.tree_size, v.root_hash
                );
                for r in &b.records {
                    println!(
                        "  {} {} {} (entry {})",
                        r.action, r.object_type, r.object_id, r.entry_index
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            if args.json {
                println!("{}", serde_json::json!({"verified": false, "reason": why}));
            } else {
                eprintln!("REFUSED: {why}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
