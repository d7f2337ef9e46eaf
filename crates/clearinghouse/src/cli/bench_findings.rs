//! `clearinghouse bench findings`: the finding intake end to end at a
//! million results. A SARIF 2.1.0 file is generated from real SARIF shapes
//! (`generator`), then, per backend, the real server is started in-process
//! on a random port with a fresh database and the job loop `serve` runs
//! (stopped once the submission is processed, before its analysis job),
//! the file is uploaded over HTTP as a streamed body, and the submission
//! is polled until it is done. With `--workers N`, N - 1 `clearinghouse
//! worker` processes on the same database and artifact folder commit the
//! submission's chunks beside the in-process worker (scale-out; see
//! `jobs::submission_process`). Reported, each against a reference
//! measured in the same run:
//! - intake findings/s, from the POST's start to the submission's
//!   `finished_at`, against the machine's floor for the same rows: the
//!   `findings` and `finding_sightings` rows the intake wrote, written
//!   again into copies of those tables (same constraints and indexes) the
//!   fastest plain way (`store::bench_floor`: one reused multi-row INSERT
//!   in one transaction on SQLite, one binary COPY on PostgreSQL), per
//!   received finding;
//! - the domain parser alone over the file (no database);
//! - peak memory during the intake: this process's (VmHWM reset before
//!   the upload, and VmRSS sampled) and the largest worker process's.
//!
//! The submission's counts must equal the generator's exact numbers
//! (received, new, duplicates, rejected); the benchmark fails otherwise.

mod generator;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use clearinghouse_domain::findings::{self, FindingFormat, Item, Target};
use serde_json::Value;

use crate::app::{self, AppState, HttpSettings};
use crate::clock;
use crate::config::StorageArgs;
use crate::store::bench_support::Table;
use crate::store::{self, Backend, Store};
use crate::{http, jobs, workflows};

use super::worker_processes::WorkerProcesses;
use generator::Generated;

/// The bootstrap administrator's token in the benchmark's databases.
const TOKEN: &str = "chx_bench_findings_token_0123456789";

/// The pause between two writes of the write probe run during the intake.
const PROBE_EVERY: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchBackend {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone, Args)]
pub struct BenchFindingsArgs {
    /// Results in the generated SARIF file.
    #[arg(long, default_value_t = 1_000_000)]
    pub findings: u64,
    /// The database(s) to run on.
    #[arg(long, value_enum, default_value_t = BenchBackend::Sqlite)]
    pub backend: BenchBackend,
    /// The PostgreSQL server; fresh databases are created in it and dropped
    /// afterwards.
    #[arg(
        long,
        env = "CLEARINGHOUSE_BENCH_PG",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub postgres: String,
    /// The target of the results (SARIF results name only paths).
    #[arg(
        long,
        default_value = "repo:https://github.com/example/monorepo@9fceb02"
    )]
    pub target: String,
    /// The shared data folder holding `sarif-sdk-testdata` and `defectdojo-scans`.
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Keep the generated file and the SQLite databases (their folder is printed).
    #[arg(long)]
    pub keep: bool,
    /// Processes committing the submission: this one and N - 1
    /// `clearinghouse worker` processes.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
    /// Findings per chunk a worker commits (`serve --chunk-findings`;
    /// default: the server's, 50000 on PostgreSQL and no split on SQLite).
    #[arg(long)]
    pub chunk_findings: Option<usize>,
    /// Findings committed per transaction (`serve --batch-findings`).
    #[arg(long, default_value_t = crate::app::DEFAULT_BATCH_FINDINGS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(100..=50_000))]
    pub batch_findings: usize,
}

/// One backend's figures.
struct Outcome {
    backend: Backend,
    intake_secs: f64,
    upload_secs: f64,
    peak_mib: f64,
    /// The largest peak of the worker processes (0 with one worker).
    worker_peak_mib: f64,
    floor_secs: f64,
}

fn rate(n: u64, secs: f64) -> f64 {
    n as f64 / secs.max(1e-9)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Resets the peak-RSS mark (VmHWM) to the current RSS; false where the
/// kernel does not allow it (the sampled maximum still counts).
pub(crate) fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub async fn findings(args: BenchFindingsArgs) -> anyhow::Result<ExitCode> {
    let target = Target::parse(&args.target).map_err(|e| anyhow::anyhow!("--target: {e}"))?;
    let work = std::env::temp_dir().join(format!(
        "clearinghouse-bench-findings-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    std::fs::create_dir_all(&work)?;
    let outcome = run(&args, &target, &work).await;
    if args.keep {
        println!("kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    outcome
}

async fn run(args: &BenchFindingsArgs, target: &Target, work: &Path) -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let corpus = generator::load(&args.data, target)?;
    println!(
        "corpus: {} SARIF files, {} results, {} distinct shapes from {} tools",
        corpus.files,
        corpus.results,
        corpus.shapes(),
        corpus.tools.len()
    );
    let file = work.join("findings.sarif");
    let g = generator::write(&corpus, args.findings, target, &file)?;
    drop(corpus);
    println!(
        "generated {} ({:.0} MiB, {} runs) in {:.1} s: {} results = {} distinct fingerprints + {} exact duplicates ({:.1}%) + {} invalid",
        g.path.display(),
        g.bytes as f64 / 1048576.0,
        g.runs,
        t.elapsed().as_secs_f64(),
        g.results,
        g.distinct,
        g.duplicates,
        100.0 * g.duplicates as f64 / g.results.max(1) as f64,
        g.rejected
    );

    let backends: &[Backend] = match args.backend {
        BenchBackend::Sqlite => &[Backend::Sqlite],
        BenchBackend::Postgres => &[Backend::Postgres],
        BenchBackend::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    let mut outcomes = Vec::new();
    for &backend in backends {
        outcomes.push(run_backend(args, &g, backend, work).await?);
    }

    // After the intakes, so that their memory figures start from a clean
    // process.
    let parse_secs = parse_only(&g, target).await?;
    println!(
        "\nparse only (domain parser, no database): {:.0} findings/s ({:.2} s)",
        rate(g.results, parse_secs),
        parse_secs
    );

    let chunk = args.chunk_findings.map_or_else(
        || "the server's default".to_owned(),
        |n| format!("{n} findings"),
    );
    println!(
        "\nworkers: {}, chunk: {chunk}, batch: {} findings",
        args.workers, args.batch_findings
    );
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>12} {:>11} {:>7} {:>12} {:>10} {:>11}",
        "backend",
        "received",
        "new",
        "dups",
        "rejected",
        "upload s",
        "intake s",
        "intake f/s",
        "floor f/s",
        "ratio",
        "parse f/s",
        "peak MiB",
        "worker MiB"
    );
    for o in &outcomes {
        let intake = rate(g.results, o.intake_secs);
        let floor = rate(g.results, o.floor_secs);
        println!(
            "{:<10} {:>9} {:>9} {:>9} {:>8} {:>8.1} {:>9.1} {:>12.0} {:>11.0} {:>7.2} {:>12.0} {:>10.0} {:>11.0}",
            format!("{:?}", o.backend),
            g.results,
            g.distinct,
            g.duplicates,
            g.rejected,
            o.upload_secs,
            o.intake_secs,
            intake,
            floor,
            intake / floor,
            rate(g.results, parse_secs),
            o.peak_mib,
            o.worker_peak_mib
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The domain parser over the file on a blocking thread; checks that it
/// finds the generator's numbers. Returns the seconds it took.
async fn parse_only(g: &Generated, target: &Target) -> anyhow::Result<f64> {
    let (path, target) = (g.path.clone(), target.clone());
    let (secs, items, rejected, distinct) = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        let mut fingerprints = std::collections::HashSet::<[u8; 32]>::new();
        let (mut items, mut rejected) = (0u64, 0u64);
        let mut bad = None;
        let started = Instant::now();
        findings::parse_stream(file, FindingFormat::Sarif, Some(&target), &mut |item| {
            items += 1;
            match item {
                Item::Finding(f) => {
                    let mut fp = [0u8; 32];
                    if hex::decode_to_slice(&f.fingerprint, &mut fp).is_err() {
                        bad = Some(f.fingerprint.clone());
                    }
                    fingerprints.insert(fp);
                }
                Item::Rejected(_) => rejected += 1,
            }
        })
        .map_err(|e| anyhow::anyhow!("the generated file does not parse: {e}"))?;
        let secs = started.elapsed().as_secs_f64();
        if let Some(fp) = bad {
            bail!("a fingerprint is not hex: {fp}");
        }
        anyhow::Ok((secs, items, rejected, fingerprints.len() as u64))
    })
    .await??;
    if (items, rejected, distinct) != (g.results, g.rejected, g.distinct) {
        bail!(
            "the parser reads {items} items, {rejected} rejected, {distinct} distinct fingerprints; \
             the generator wrote {}, {}, {}",
            g.results,
            g.rejected,
            g.distinct
        );
    }
    Ok(secs)
}

/// A fresh database of `backend` (SQLite: a file under `dir`).
async fn fresh_database(
    args: &BenchFindingsArgs,
    backend: Backend,
    dir: &Path,
) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir)?;
    Ok(match backend {
        Backend::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            dir.join("clearinghouse.db").display()
        ),
        Backend::Postgres => {
            let admin = Store::connect(&format!("{}/postgres", args.postgres), 1)
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", args.postgres))?;
            let name = format!("chx_bench_{}", uuid::Uuid::new_v4().simple());
            store::bench_support::create_database(&admin, &name).await?;
            admin.pool.close().await;
            format!("{}/{name}", args.postgres)
        }
    })
}

async fn drop_database(args: &BenchFindingsArgs, url: &str) {
    let Some(name) = url.strip_prefix(&format!("{}/", args.postgres)) else {
        return;
    };
    if let Ok(admin) = Store::connect(&format!("{}/postgres", args.postgres), 1).await {
        if let Err(e) = store::bench_support::drop_database(&admin, name).await {
            eprintln!("warning: could not drop the benchmark database {name}: {e}");
        }
        admin.pool.close().await;
    }
}

/// The intake, then the floor, on one backend.
async fn run_backend(
    args: &BenchFindingsArgs,
    g: &Generated,
    backend: Backend,
    work: &Path,
) -> anyhow::Result<Outcome> {
    let name = format!("{backend:?}").to_lowercase();
    let dir = work.join(format!("{name}-intake"));
    let url = fresh_database(args, backend, &dir).await?;
    let outcome = intake_and_floor(args, g, backend, &dir, &url).await;
    if backend == Backend::Postgres {
        drop_database(args, &url).await;
    }
    outcome
}

async fn intake_and_floor(
    args: &BenchFindingsArgs,
    g: &Generated,
    backend: Backend,
    data_dir: &Path,
    url: &str,
) -> anyhow::Result<Outcome> {
    println!("\n== {backend:?} ==");
    let storage = StorageArgs {
        data_dir: data_dir.to_owned(),
        database_url: Some(url.to_owned()),
        object_store_url: None,
        audit_key_file: None,
        kek_file: None,
        db_connections: 8,
    };
    let settings = HttpSettings {
        max_body_bytes: 1 << 20,
        max_submission_bytes: app::DEFAULT_MAX_SUBMISSION_BYTES.max(g.bytes + 1),
        secure_cookies: false,
        public_url: String::new(),
        allow_private_webhooks: false,
        password_hash_cost: crate::auth::secrets::HashCost::Standard,
        consultees: clearinghouse_domain::frontier::designation::default_consultees(),
        job_lease: crate::jobs::DEFAULT_LEASE,
        chunk_findings: args.chunk_findings,
        batch_findings: args.batch_findings,
    };
    let app = app::open(&storage, settings).await?;
    workflows::accounts::bootstrap::ensure_admin(&app, Some(TOKEN), None)
        .await
        .map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = {
        let (app, mut stop) = (app.clone(), stop_rx.clone());
        tokio::spawn(http::serve(app, listener, async move {
            let _ = stop.changed().await;
        }))
    };
    let worker = tokio::spawn(work_until_processed(app.clone(), stop_rx));
    let env: Vec<(&str, String)> = args
        .chunk_findings
        .map(|n| ("CLEARINGHOUSE_CHUNK_FINDINGS", n.to_string()))
        .into_iter()
        .collect();
    let mut helpers = WorkerProcesses::start(
        args.workers.saturating_sub(1) as usize,
        data_dir,
        Some(url),
        &env,
    )?;

    let probe = super::write_probe::WriteProbe::start(app.store.clone(), PROBE_EVERY);
    let measured = intake(g, &base, &args.target).await;
    let waits = probe.finish().await?;
    let worker_peak_mib = mib(helpers.peak_kib());
    helpers.stop();
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = server.await;
    let (intake_secs, upload_secs, start_kib, peak_kib) = measured?;

    let received = rate(g.results, intake_secs);
    println!(
        "intake: {} items in {:.1} s (upload and acknowledgement {:.1} s) = {:.0} findings/s; \
         peak memory {:.0} MiB (at the upload's start {:.0} MiB), worker processes {:.0} MiB",
        g.results,
        intake_secs,
        upload_secs,
        received,
        mib(peak_kib),
        mib(start_kib),
        worker_peak_mib
    );
    println!("{waits}");

    let ((findings, sightings), floor_secs) = floor(&app.store).await?;
    app.store.pool.close().await;
    let floor = rate(g.results, floor_secs);
    println!(
        "floor: {findings} findings + {sightings} sightings written {} in {floor_secs:.1} s \
         = {floor:.0} received findings/s; the intake reaches {:.2} of it",
        store::bench_floor::method(backend),
        received / floor
    );
    Ok(Outcome {
        backend,
        intake_secs,
        upload_secs,
        peak_mib: mib(peak_kib),
        worker_peak_mib,
        floor_secs,
    })
}

/// The job loop `serve` runs (`jobs::run_next`, woken by `jobs_queued`),
/// ending after the job that finished the submission: the
/// `finding_analysis` job that job queued is not part of the intake.
async fn work_until_processed(app: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let worker = jobs::default_worker_id();
    loop {
        match jobs::run_next(&app, &worker).await {
            Ok(true) => {
                let newest =
                    store::findings::submissions::list(&app.store.pool, None, None, 1).await;
                if newest.is_ok_and(|s| s.first().is_some_and(|s| s.is_finished())) {
                    return;
                }
                continue;
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "claiming a job failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = app.jobs_queued.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Uploads the file as a streamed body and polls the submission until it
/// is finished; checks its counts. Returns the seconds
/// from the POST's start to `finished_at`, the seconds until the POST was
/// answered, and RSS at the start and at the peak (KiB).
async fn intake(g: &Generated, base: &str, target: &str) -> anyhow::Result<(f64, f64, u64, u64)> {
    let client = reqwest::Client::new();
    // Memory: the peak mark restarts here; a sampler backs it up.
    let hwm_reset = reset_peak();
    let start_kib = super::bench_matching::rss_kib("VmRSS:");
    let sampled = Arc::new(AtomicU64::new(start_kib));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (sampled, sampling) = (sampled.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                sampled.fetch_max(super::bench_matching::rss_kib("VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let file = tokio::fs::File::open(&g.path).await?;
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    }));
    let started_at = clock::now();
    let started = Instant::now();
    let url = format!(
        "{base}/api/v1/submissions?target={}&name=bench-findings.sarif&tlp=GREEN",
        url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
    );
    let resp = client
        .post(url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/sarif+json")
        .body(body)
        .send()
        .await
        .context("uploading the file")?;
    let status = resp.status();
    let created: Value = resp.json().await.unwrap_or(Value::Null);
    let upload_secs = started.elapsed().as_secs_f64();
    if status.as_u16() != 202 {
        bail!("POST /submissions answered {status}: {created}");
    }
    let id = created["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no submission id in {created}"))?
        .to_owned();

    let mut last_report = Instant::now();
    let done = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s: Value = client
            .get(format!("{base}/api/v1/submissions/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await?
            .json()
            .await?;
        match s["state"].as_str() {
            Some("done") | Some("failed") => break s,
            _ if last_report.elapsed() >= Duration::from_secs(10) => {
                last_report = Instant::now();
                let n = s["counts"]["received"].as_i64().unwrap_or(0);
                println!(
                    "  {:>5.0} s: {} {n} items committed",
                    started.elapsed().as_secs_f64(),
                    s["state"].as_str().unwrap_or("?")
                );
            }
            _ => {}
        }
    };
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let hwm = if hwm_reset {
        super::bench_matching::rss_kib("VmHWM:")
    } else {
        0
    };
    let peak_kib = hwm.max(sampled.load(Ordering::Relaxed));

    let finished_at = done["finished_at"]
        .as_str()
        .and_then(clock::parse)
        .ok_or_else(|| anyhow::anyhow!("no finished_at in {done}"))?;
    let intake_secs = (finished_at - started_at).as_seconds_f64();
    let counts = &done["counts"];
    let got = [
        counts["received"].as_i64(),
        counts["new"].as_i64(),
        counts["duplicates"].as_i64(),
        counts["rejected"].as_i64(),
    ];
    let want = [g.results, g.distinct, g.duplicates, g.rejected].map(|n| Some(n as i64));
    if done["state"] != "done" || !done["error"].is_null() || got != want {
        bail!(
            "INTAKE COUNTS WRONG: the submission ended {} (error {}) with received/new/duplicates/rejected = {:?}; \
             the generator wrote {:?}",
            done["state"],
            done["error"],
            got,
            want
        );
    }
    println!(
        "counts match the generator: received {}, new {}, duplicates {}, rejected {}",
        g.results, g.distinct, g.duplicates, g.rejected
    );
    Ok((intake_secs, upload_secs, start_kib, peak_kib))
}

/// The floor: the intake's `findings` and `finding_sightings` rows written
/// again into copies of their tables the fastest plain way
/// (`store::bench_floor`). Checks that every row was copied; returns
/// (findings, sightings) and the seconds spent writing.
async fn floor(store: &Store) -> anyhow::Result<((u64, u64), f64)> {
    let mut rows = [0u64; 2];
    let mut secs = 0f64;
    for (i, table) in [Table::Findings, Table::Sightings].into_iter().enumerate() {
        let copy = store::bench_floor::create_copy(store, table).await?;
        let floor = store::bench_floor::write_copy(store, &copy).await?;
        let stored = store::bench_floor::count(store, table).await?;
        if floor.rows != stored {
            bail!(
                "the floor wrote {} rows of {table:?}, the intake {stored}",
                floor.rows
            );
        }
        rows[i] = floor.rows;
        secs += floor.write.as_secs_f64();
    }
    Ok(((rows[0], rows[1]), secs))
}
