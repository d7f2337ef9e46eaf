//! `clearinghouse bench ...`: the dispatcher of the benchmark subcommands
//! (built with the `bench` feature, on by default; `cargo build
//! --no-default-features` leaves every benchmark out of the binary), and
//! `bench audit` itself: appends N audit entries through the real
//! append path and reports throughput beside a baseline of raw inserts of
//! the same rows (no lock, no index lookup, no tree) measured in the same
//! run; then checkpoint signing and proof times at that size beside their
//! own baselines. Ratios, not bare times, are what to compare across
//! machines.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clearinghouse_domain::audit::checkpoint::{Checkpoint, NoteSigner};
use clearinghouse_domain::audit::merkle::{self, MerkleTree};

use clap::{Args, Subcommand};

use super::{bench_findings, bench_matching};
use crate::store::{self, Store};

const BATCH: usize = 1000;

/// A fresh clearinghouse for a benchmark: a temporary data folder named
/// `clearinghouse-bench-{name}-{pid}`, the given database (SQLite in that
/// folder when `None`), and its bootstrap administrator.
pub(crate) async fn open_app(
    name: &str,
    database_url: Option<String>,
    db_connections: u32,
) -> anyhow::Result<(std::path::PathBuf, crate::app::AppState, crate::model::User)> {
    let tmp =
        std::env::temp_dir().join(format!("clearinghouse-bench-{name}-{}", std::process::id()));
    let storage = crate::config::StorageArgs {
        data_dir: tmp.clone(),
        database_url,
        object_store_url: None,
        audit_key_file: None,
        kek_file: None,
        db_connections,
    };
    let app = crate::app::open(
        &storage,
        crate::app::HttpSettings {
            max_body_bytes: 1 << 20,
            max_submission_bytes: crate::app::DEFAULT_MAX_SUBMISSION_BYTES,
            secure_cookies: false,
            public_url: "http://localhost".into(),
            allow_private_webhooks: false,
            password_hash_cost: crate::auth::secrets::HashCost::Standard,
            consultees: clearinghouse_domain::frontier::designation::default_consultees(),
            job_lease: crate::jobs::DEFAULT_LEASE,
            chunk_findings: None,
            batch_findings: crate::app::DEFAULT_BATCH_FINDINGS,
        },
    )
    .await?;
    crate::workflows::accounts::bootstrap::ensure_admin(&app, None, None).await?;
    let admin = store::accounts::users::get_by_username(&app.store.pool, "admin")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no admin"))?;
    Ok((tmp, app, admin))
}

/// The `bench` subcommands: one line here and one arm in [`run`] each.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Append audit entries; report throughput, signing and proof times.
    Audit(BenchAuditArgs),
    /// Match generated operators' SBOMs against every OSV advisory in the shared data.
    Matching(crate::cli::bench_matching::BenchMatchingArgs),
    /// Submit a million generated SARIF results over HTTP; intake rate, memory, baseline.
    Findings(crate::cli::bench_findings::BenchFindingsArgs),
    /// Import a generated Inspect `.eval` beside a decompress-only baseline; bootstrap timings.
    Eval(crate::cli::bench_eval::BenchEvalArgs),
    /// Recompute a directive's figures over 3M generated exposures; dashboard latency.
    Directives(crate::cli::bench_directives::BenchDirectivesArgs),
    /// Check new scan campaigns and answer scan reports among 100,000 campaigns and 1,000,000 assets.
    Campaigns(crate::cli::bench_campaigns::BenchCampaignsArgs),
    /// Chat completions through the broker beside the same calls sent directly; req/s, added p50/p99.
    Broker(crate::cli::bench_broker::BenchBrokerArgs),
    /// Labelled API reads under load from wrk (exposures list, finding get) beside /healthz.
    Api(crate::cli::bench_api::BenchApiArgs),
    /// Publish a case touching 100,000 exposed operators until the feed serves it, beside enqueuing as many plain notifications.
    Publish(crate::cli::bench_publish::BenchPublishArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BenchAuditArgs {
    /// Number of audit entries to append.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Runs one benchmark.
pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Audit(args) => audit(args).await,
        BenchCommand::Matching(args) => bench_matching::matching(args).await,
        BenchCommand::Findings(args) => bench_findings::findings(args).await,
        BenchCommand::Eval(args) => super::bench_eval::eval(args).await,
        BenchCommand::Directives(args) => super::bench_directives::directives(args).await,
        BenchCommand::Campaigns(args) => super::bench_campaigns::campaigns(args).await,
        BenchCommand::Broker(args) => super::bench_broker::broker(args).await,
        BenchCommand::Api(args) => super::bench_api::api(args).await,
        BenchCommand::Publish(args) => super::bench_publish::publish(args).await,
    }
}

fn entry(i: u64) -> (String, String) {
    let text = format!(
        r#"{{"v":1,"time":"2026-11-22T00:00:00.{:06}Z","actor":{{"user":"0199a0b0-0000-7000-8000-{:012x}","username":"scanner","org":"org-1","via":"agent","agent":"tok-1"}},"action":"finding.create","object":{{"type":"finding","id":"f-{i}"}},"digest":"sha256:{:064x}"}}"#,
        i % 1_000_000,
        i,
        i
    );
    let leaf = hex::encode(merkle::leaf_hash(text.as_bytes()));
    (text, leaf)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub async fn audit(args: BenchAuditArgs) -> anyhow::Result<ExitCode> {
    let tmp = std::env::temp_dir().join(format!("clearinghouse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", tmp.join("bench.db").display()));
    let store = Store::connect(&url, 4).await?;
    store.migrate().await?;
    store::bench_support::create_audit_baseline(&store).await?;
    let n = args.entries;
    println!(
        "audit log benchmark: {n} entries on {:?}, batches of {BATCH}",
        store.backend
    );

    // Baseline: the same rows, pre-rendered, inserted with plain multi-row INSERTs.
    let mut raw_time = Duration::ZERO;
    let mut done = 0u64;
    while done < n {
        let rows: Vec<(String, String)> = (done..(done + BATCH as u64).min(n)).map(entry).collect();
        let started = Instant::now();
        let mut tx = store.begin_write().await?;
        store::bench_support::insert_audit_baseline(&mut tx, done as i64, &rows).await?;
        tx.commit().await?;
        raw_time += started.elapsed();
        done += rows.len() as u64;
    }

    // The real path: lock, next index, insert, and the in-memory tree.
    let mut tree = MerkleTree::new();
    let mut append_time = Duration::ZERO;
    let mut done = 0u64;
    while done < n {
        let rows: Vec<(String, String)> = (done..(done + BATCH as u64).min(n)).map(entry).collect();
        let started = Instant::now();
        let mut tx = store.begin_write().await?;
        store::audit::append(&mut tx, store.backend, &rows).await?;
        tx.commit().await?;
        for (e, _) in &rows {
            tree.push(merkle::leaf_hash(e.as_bytes()));
        }
        append_time += started.elapsed();
        done += rows.len() as u64;
    }
    let raw_rate = rate(n, raw_time);
    let append_rate = rate(n, append_time);
    println!(
        "append:      {append_rate:>12.0} entries/s   baseline raw insert {raw_rate:>12.0} rows/s   ratio {:.2}",
        append_rate / raw_rate
    );

    // Rebuilding the tree from the database, as a restarted server does.
    let started = Instant::now();
    let mut rebuilt = MerkleTree::new();
    let mut start = 0i64;
    loop {
        let rows = store::audit::range(&store.pool, start, start + 10_000).await?;
        let Some(last) = rows.last() else { break };
        start = last.idx + 1;
        for r in &rows {
            rebuilt.push(merkle::leaf_hash(r.entry.as_bytes()));
        }
    }
    let rebuild = started.elapsed();
    let started = Instant::now();
    let mut plain = 0u64;
    let mut start = 0i64;
    loop {
        let rows = store::audit::range(&store.pool, start, start + 10_000).await?;
        let Some(last) = rows.last() else { break };
        start = last.idx + 1;
        plain += rows.len() as u64;
    }
    let read_only = started.elapsed();
    println!(
        "tree rebuild: {:>11.0} entries/s   baseline plain read   {:>12.0} rows/s   ratio {:.2}",
        rate(rebuilt.len(), rebuild),
        rate(plain, read_only),
        rate(rebuilt.len(), rebuild) / rate(plain, read_only)
    );

    // Checkpoint: root at full size plus an Ed25519 signature, against the signature alone.
    let signer =
        NoteSigner::new("bench.example-audit", [7u8; 32]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let reps = 1000u32;
    let started = Instant::now();
    for _ in 0..reps {
        let cp = Checkpoint {
            origin: "bench.example/audit".into(),
            size: tree.len(),
            root: tree.root(),
        };
        std::hint::black_box(signer.sign(&cp));
    }
    let cp_time = started.elapsed() / reps;
    let fixed = Checkpoint {
        origin: "bench.example/audit".into(),
        size: tree.len(),
        root: tree.root(),
    };
    let started = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(signer.sign(&fixed));
    }
    let sign_time = started.elapsed() / reps;
    println!(
        "checkpoint:  {:>10.1} us each   baseline signature alone {:>8.1} us   ratio {:.2}",
        us(cp_time),
        us(sign_time),
        cp_time.as_secs_f64() / sign_time.as_secs_f64()
    );

    // Proofs at full size against one SHA-256 per level (the verifier's floor).
    let size = tree.len();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let started = Instant::now();
    for _ in 0..reps {
        let i = next() % size.max(1);
        std::hint::black_box(tree.inclusion_proof(i, size).ok());
    }
    let incl = started.elapsed() / reps;
    let started = Instant::now();
    for _ in 0..reps {
        let m = 1 + next() % size.max(1);
        std::hint::black_box(tree.consistency_proof(m.min(size), size).ok());
    }
    let cons = started.elapsed() / reps;
    let levels = 64 - size.leading_zeros();
    let h = merkle::leaf_hash(b"x");
    let started = Instant::now();
    for _ in 0..reps {
        let mut acc = h;
        for _ in 0..levels {
            acc = merkle::node_hash(&acc, &h);
        }
        std::hint::black_box(acc);
    }
    let hash_path = started.elapsed() / reps;
    println!(
        "inclusion:   {:>10.1} us each   baseline {levels} node hashes   {:>8.1} us   ratio {:.2}",
        us(incl),
        us(hash_path),
        incl.as_secs_f64() / hash_path.as_secs_f64()
    );
    println!(
        "consistency: {:>10.1} us each   baseline {levels} node hashes   {:>8.1} us   ratio {:.2}",
        us(cons),
        us(hash_path),
        cons.as_secs_f64() / hash_path.as_secs_f64()
    );
    if args.database_url.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(ExitCode::SUCCESS)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
