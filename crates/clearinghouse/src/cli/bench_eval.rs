//! `clearinghouse bench eval`: the Inspect log import's reading work on a
//! generated `.eval` (default 2,000 samples with 16 KiB transcripts;
//! `--gigabyte`: 20,000 samples with 50 KiB of hard-to-compress transcript
//! each, about 1 GB of deflated zip) beside a baseline of merely
//! decompressing and reading the same entries, in the same run: samples/s
//! of each, their ratio, and the peak RSS of the import. The import side is
//! what `POST /runs` runs on its blocking thread (`run_parse::parse`:
//! stream, tally against the suite, score), without the database writes.
//! Then the clustered bootstrap over 500 tasks × 20 epochs with 10,000
//! resamples beside the unclustered bootstrap of the same data, and the
//! ratio of their times.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use clearinghouse_domain::frontier::scoring::{
    ScoringOptions, Statistic, TaskCounts, clustered_bootstrap, unclustered_bootstrap,
};
use clearinghouse_domain::frontier::suite::{ErroredSamples, Suite, Task};

use crate::workflows::frontier::run_parse;

#[derive(Debug, Clone, Args)]
pub struct BenchEvalArgs {
    /// Samples in the generated log.
    #[arg(long, default_value_t = 2_000)]
    pub samples: u32,
    /// Transcript bytes per sample.
    #[arg(long, default_value_t = 16 * 1024)]
    pub transcript_bytes: usize,
    /// 20,000 samples with 50 KiB transcripts: a log of about 1 GB.
    #[arg(long)]
    pub gigabyte: bool,
    /// Keep the generated log and print its path.
    #[arg(long)]
    pub keep: bool,
}

const TASKS: u32 = 500;

/// Printable text that deflate cannot shrink much (xorshift over 64 letters).
fn noise(state: &mut u64, len: usize, out: &mut String) {
    const ALPHABET: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .";
    out.clear();
    while out.len() < len {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let mut x = *state;
        for _ in 0..10 {
            out.push(ALPHABET[(x & 63) as usize] as char);
            x >>= 6;
        }
    }
}

/// Writes the log; returns its size in bytes.
fn generate(path: &Path, samples: u32, transcript: usize) -> anyhow::Result<u64> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(false);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut text = String::new();
    for i in 0..samples {
        noise(&mut state, transcript, &mut text);
        let (task, epoch) = (i % TASKS, i / TASKS + 1);
        let value = if state.is_multiple_of(3) { "C" } else { "I" };
        let sample = serde_json::json!({"id": format!("task_{task}"), "epoch": epoch,
            "messages": [{"role": "user", "content": "Find the flag."},
                {"role": "assistant", "content": text}],
            "scores": {"match": {"value": value}},
            "model_usage": {"mockllm/model": {"input_tokens": 100, "output_tokens": 900, "total_tokens": 1000}}});
        zip.start_file(format!("samples/task_{task}_epoch_{epoch}.json"), options)?;
        serde_json::to_writer(&mut zip, &sample)?;
    }
    let header = serde_json::json!({"version": 2, "status": "success",
        "eval": {"task": "bench", "model": "mockllm/model",
            "config": {"epochs": samples.div_ceil(TASKS)}},
        "results": {"total_samples": samples, "completed_samples": samples,
            "scores": [{"name": "match", "scorer": "match", "metrics": {}}]}});
    zip.start_file("header.json", options)?;
    zip.write_all(&serde_json::to_vec(&header)?)?;
    zip.finish()?.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The baseline: decompress and read every entry, nothing else.
fn baseline(path: &Path) -> anyhow::Result<u64> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(path)?))?;
    let mut buf = Vec::new();
    let mut samples = 0;
    for i in 0..zip.len() {
        let mut e = zip.by_index(i)?;
        buf.clear();
        e.read_to_end(&mut buf)?;
        if e.name()?.starts_with("samples/") {
            samples += 1;
        }
    }
    Ok(samples)
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub async fn eval(args: BenchEvalArgs) -> anyhow::Result<ExitCode> {
    let (samples, transcript) = if args.gigabyte {
        (20_000, 50 * 1024)
    } else {
        (args.samples.max(1), args.transcript_bytes)
    };
    let work =
        std::env::temp_dir().join(format!("clearinghouse-bench-eval-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let path = work.join("bench.eval");
    let outcome = tokio::task::spawn_blocking(move || run(&path, samples, transcript)).await?;
    if args.keep {
        println!("kept: {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    outcome
}

fn run(path: &Path, samples: u32, transcript: usize) -> anyhow::Result<ExitCode> {
    let size = generate(path, samples, transcript)?;
    println!(
        "log: {samples} samples, {transcript} transcript bytes each, {:.1} MB .eval (deflate)",
        size as f64 / 1e6
    );
    let t = Instant::now();
    let read = baseline(path)?;
    let base = t.elapsed();
    let tasks: Vec<Task> = (0..TASKS.min(samples))
        .map(|i| Task {
            id: format!("task_{i}"),
            name: format!("task {i}"),
            categories: vec![],
            difficulty: Default::default(),
        })
        .collect();
    let suite = Suite::new("bench", "bench", ErroredSamples::CountAsFailure, tasks)?;
    let reset = super::bench_findings::reset_peak();
    let before = super::bench_matching::rss_kib("VmRSS:");
    let t = Instant::now();
    let parsed = run_parse::parse(
        path,
        &suite,
        &BTreeMap::new(),
        None,
        &ScoringOptions::default(),
    )
    .map_err(|r| anyhow::anyhow!("{}: {}", r.field, r.reason))?;
    let import = t.elapsed();
    let peak = super::bench_matching::rss_kib("VmHWM:");
    anyhow::ensure!(parsed.summary.samples == u64::from(samples) && read == u64::from(samples));
    let (r_import, r_base) = (rate(read, import), rate(read, base));
    println!(
        "baseline (decompress + read entries): {r_base:.0} samples/s ({:.2} s)",
        base.as_secs_f64()
    );
    println!(
        "import (stream, tally, score):        {r_import:.0} samples/s ({:.2} s)",
        import.as_secs_f64()
    );
    println!("ratio import/baseline: {:.2}", r_import / r_base);
    println!(
        "peak RSS: {:.1} MiB (process, {} before the import{})",
        peak as f64 / 1024.0,
        format_args!("{:.1} MiB", before as f64 / 1024.0),
        if reset {
            "; peak mark reset before the import"
        } else {
            "; peak mark could not be reset"
        }
    );
    bootstrap()?;
    Ok(ExitCode::SUCCESS)
}

/// Clustered beside unclustered bootstrap, 500 tasks × 20 epochs.
fn bootstrap() -> anyhow::Result<()> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let counts: Vec<TaskCounts> = (0..TASKS)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            TaskCounts {
                task: format!("task_{i}"),
                attempts: 20,
                successes: (state % 21) as u32,
            }
        })
        .collect();
    let t = Instant::now();
    let c = clustered_bootstrap(&counts, Statistic::SuccessRate, 7, 10_000, 0.95)?;
    let clustered = t.elapsed();
    let t = Instant::now();
    let u = unclustered_bootstrap(&counts, 7, 10_000, 0.95)?;
    let unclustered = t.elapsed();
    println!(
        "bootstrap, {TASKS} tasks x 20 epochs, 10,000 resamples: clustered {:.3} s [{:.4}, {:.4}], unclustered {:.3} s [{:.4}, {:.4}], ratio {:.2}",
        clustered.as_secs_f64(),
        c.lower,
        c.upper,
        unclustered.as_secs_f64(),
        u.lower,
        u.upper,
        clustered.as_secs_f64() / unclustered.as_secs_f64().max(1e-9)
    );
    Ok(())
}
