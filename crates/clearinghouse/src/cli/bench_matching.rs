//! `clearinghouse bench matching`: every OSV advisory in the shared data
//! against generated operators' SBOMs drawn from the real package names and
//! versions those advisories name. Reports, each beside a baseline measured
//! in the same run:
//! - a full match (`matching::rematch_all`) against the machine's floor for
//!   the same work: reading every component, plus writing the same exposure
//!   rows into a copy of the table with the same indexes the fastest plain
//!   way (`store::bench_floor`);
//! - the latency from importing one new advisory to its exposures being
//!   committed (median and p99) against the package-index lookup of the
//!   same advisory plus the same rows written and committed the same way;
//! - peak memory against the memory after loading.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use clearinghouse_domain::advisory::{self, Document};
use clearinghouse_domain::identity::{OrgKind, Sector};
use clearinghouse_domain::versions::{OsvEvent, compare};

use crate::auth::{Principal, Via};
use crate::model::exposure::ImportReport;
use crate::store;
use crate::store::bench_support::Table;
use crate::workflows::{self, advisories};

#[derive(Debug, Clone, Args)]
pub struct BenchMatchingArgs {
    /// Operators, one asset and SBOM each.
    #[arg(long, default_value_t = 10_000)]
    pub operators: usize,
    /// Components per SBOM.
    #[arg(long, default_value_t = 300)]
    pub components: usize,
    /// Share of components drawn at a version an advisory names as
    /// affected; the others are at the newest fixed version.
    #[arg(long, default_value_t = 0.2)]
    pub vulnerable_share: f64,
    /// New advisories imported one at a time for the latency figures.
    #[arg(long, default_value_t = 200)]
    pub new_advisories: usize,
    /// The shared data folder holding the OSV collections.
    #[arg(long, default_value = "../shared/data")]
    pub data: std::path::PathBuf,
    /// The OSV collections (folders of `--data`) to read.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "pypa-advisory-db,rustsec-advisory-db,golang-vulndb,bitnami-vulndb,oss-fuzz-vulns"
    )]
    pub collections: Vec<String>,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Processes sharing the full match: this one and N - 1 `clearinghouse
    /// worker` processes on the same database, taking its parts as jobs
    /// (`matching::runs`, two parts a process). 1: the match runs in this
    /// process alone, without jobs.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
}

/// A deterministic generator (xorshift), so runs draw the same SBOMs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A package named by the advisories, with versions worth drawing: ones
/// the advisories name as affected (introduced, last affected, listed) and
/// the newest version any of them names as fixed (the up-to-date case).
struct Package {
    key: String,
    purl_type: String,
    name: String,
    versions: Vec<String>,
    newest_fixed: Option<String>,
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
        {
            out.push(p);
        }
    }
}

fn load_advisories(data: &Path, collections: &[String]) -> Vec<advisory::Advisory> {
    let mut files = Vec::new();
    for d in collections {
        collect_files(&data.join(d), &mut files);
    }
    let mut out = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Ok(Document::Osv(a)) = advisory::parse_document(&name, &bytes)
            && !a.affected.is_empty()
        {
            out.push(a);
        }
    }
    out
}

fn packages_of(advisories: &[advisory::Advisory]) -> Vec<Package> {
    let mut by_key: std::collections::BTreeMap<String, Package> = Default::default();
    for a in advisories {
        for af in &a.affected {
            let p = by_key.entry(af.package.key()).or_insert_with(|| Package {
                key: af.package.key(),
                purl_type: af.package.purl_type.clone(),
                name: af.package.name.clone(),
                versions: Vec::new(),
                newest_fixed: None,
            });
            p.versions.extend(af.versions.iter().take(20).cloned());
            for r in af.ranges.iter().filter(|r| r.kind != "GIT") {
                for e in &r.events {
                    match e {
                        OsvEvent::Introduced(v) | OsvEvent::LastAffected(v)
                            if v != "0" && v.len() < 40 =>
                        {
                            p.versions.push(v.clone())
                        }
                        OsvEvent::Fixed(v) if v.len() < 40 => {
                            let newer = p.newest_fixed.as_ref().is_none_or(|old| {
                                compare(af.ecosystem, v, old).is_ok_and(|o| o.is_gt())
                            });
                            if newer {
                                p.newest_fixed = Some(v.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    by_key
        .into_values()
        .filter_map(|mut p| {
            p.versions.sort();
            p.versions.dedup();
            (!p.versions.is_empty() || p.newest_fixed.is_some()).then_some(p)
        })
        .collect()
}

/// A `Vm*` field of `/proc/self/status` in KiB (0 where there is none).
pub(crate) fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| status_kib(&s, field))
        .unwrap_or(0)
}

/// A KiB field (`VmRSS:`, `VmHWM:`) of a `/proc/<pid>/status` text.
pub(crate) fn status_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
}

/// The value at share `p` (0 to 1) of `sorted`; zero when it is empty.
pub(super) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The full match, in this process alone or shared with `--workers` - 1
/// worker processes; its counts and the workers' largest peak memory (KiB).
async fn full_match(
    app: &crate::app::AppState,
    who: &Principal,
    data_dir: &Path,
    args: &BenchMatchingArgs,
) -> anyhow::Result<(crate::model::exposure::ExposureCounts, u64)> {
    if args.workers <= 1 {
        return Ok((crate::matching::rematch_all(app, who, 50).await?, 0));
    }
    let mut workers = crate::cli::worker_processes::WorkerProcesses::start(
        args.workers - 1,
        data_dir,
        args.database_url.as_deref(),
        &[],
    )?;
    let parts = 2 * args.workers;
    println!(
        "full match shared by {} processes in {parts} parts",
        args.workers
    );
    let run = crate::matching::runs::start(app, who, parts).await?;
    let run = crate::matching::runs::work_until_finished(app, &run, "bench-matching").await?;
    if run.parts_failed > 0 {
        anyhow::bail!(
            "{} parts of the full match failed: {}",
            run.parts_failed,
            run.error.unwrap_or_default()
        );
    }
    let peak = workers.peak_kib();
    workers.stop();
    Ok((run.counts, peak))
}

pub async fn matching(args: BenchMatchingArgs) -> anyhow::Result<ExitCode> {
    let (tmp, app, admin) = super::bench::open_app("match", args.database_url.clone(), 8).await?;
    let who = Principal::new(admin, Via::System);

    let started = Instant::now();
    let advisories = load_advisories(&args.data, &args.collections);
    if advisories.is_empty() {
        anyhow::bail!("no OSV advisories under {}", args.data.display());
    }
    let packages = packages_of(&advisories);
    println!(
        "matching benchmark on {:?}: {} advisories, {} packages with versions (read in {:.1} s)",
        app.store.backend,
        advisories.len(),
        packages.len(),
        started.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut report = ImportReport::default();
    advisories::import_advisories(&app, &who, &advisories, false, &mut report).await?;
    println!(
        "import: {} advisories in {:.1} s ({:.0}/s), no assets yet",
        report.advisories_created,
        t.elapsed().as_secs_f64(),
        report.advisories_created as f64 / t.elapsed().as_secs_f64().max(1e-9)
    );

    // Operators, one asset each, `components` drawn from the packages.
    let t = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = crate::clock::now_text();
    for chunk_start in (0..args.operators).step_by(100) {
        let mut tx = app.store.begin_write().await?;
        for i in chunk_start..(chunk_start + 100).min(args.operators) {
            let org = crate::model::Organization {
                id: workflows::new_id(),
                name: format!("operator-{i:05}"),
                kind: OrgKind::CriticalInfrastructureOperator,
                sector: Some(Sector::HealthcareAndPublicHealth),
                vetted: i % 2 == 0,
                trusted_partner: false,
                created_at: now.clone(),
                archived_at: None,
                archive_reason: None,
            };
            store::accounts::orgs::insert(&mut *tx, &org).await?;
            let asset = crate::model::exposure::Asset {
                id: workflows::new_id(),
                org_id: org.id.clone(),
                name: "main".into(),
                owner: String::new(),
                description: String::new(),
                publicly_exposed: i % 3 == 0,
                mission_impact: ["low", "medium", "high"][i % 3].into(),
                created_at: now.clone(),
                updated_at: now.clone(),
                sbom: None,
                archived_at: None,
                archive_reason: None,
            };
            store::exposure::assets::insert(&mut *tx, &asset).await?;
            let components: Vec<store::exposure::assets::NewComponent> = (0..args.components)
                .map(|_| {
                    let p = &packages[rng.below(packages.len())];
                    let old = (rng.below(1000) as f64) < args.vulnerable_share * 1000.0;
                    let v = match (&p.newest_fixed, old || p.newest_fixed.is_none()) {
                        (Some(fixed), false) => fixed.clone(),
                        _ if p.versions.is_empty() => p.newest_fixed.clone().unwrap_or_default(),
                        _ => p.versions[rng.below(p.versions.len())].clone(),
                    };
                    store::exposure::assets::NewComponent {
                        package_key: Some(p.key.clone()),
                        ecosystem: Some(p.purl_type.clone()),
                        purl: Some(format!("pkg:{}@{v}", p.key)),
                        name: p.name.clone(),
                        version: Some(v),
                        cpe: None,
                        cpe_key: None,
                    }
                })
                .collect();
            store::exposure::assets::insert_components(&mut tx, &asset.id, &components).await?;
        }
        tx.commit().await?;
    }
    let total_components = args.operators * args.components;
    println!(
        "setup: {} operators x {} components = {} components ({:.0}% at a version an advisory names as affected, \
         the rest at the newest fixed version) in {:.1} s",
        args.operators,
        args.components,
        total_components,
        args.vulnerable_share * 100.0,
        t.elapsed().as_secs_f64()
    );
    let rss_loaded = rss_kib("VmRSS:");
    // The planner's statistics, as a running server keeps them (the
    // worker's hourly `optimize`, PostgreSQL's autovacuum), here and again
    // after the full match.
    app.store.optimize().await?;

    // Full match.
    let t = Instant::now();
    let (counts, worker_peak) = full_match(&app, &who, &tmp, &args).await?;
    let full = t.elapsed();
    let peak = rss_kib("VmHWM:").max(worker_peak);

    // Its baseline, the machine's floor for the same work: read every
    // component, and write the same exposure rows into a copy of the table
    // (same constraints and indexes) the fastest plain way.
    let t = Instant::now();
    let rows = store::bench_support::all_components(&app.store).await?;
    let read = t.elapsed();
    drop(rows);
    let copy = store::bench_floor::create_copy(&app.store, Table::Exposures).await?;
    let floor = store::bench_floor::write_copy(&app.store, &copy).await?;
    if floor.rows != counts.new {
        anyhow::bail!(
            "the full match reported {} new exposures but {} are stored",
            counts.new,
            floor.rows
        );
    }
    let plain = read + floor.write;
    println!(
        "full match: {} components, {} exposures found in {:.2} s ({:.0} components/s, {:.0} exposures/s); \
         floor (read every component {:.2} s + write the same rows {}) {:.2} s ({:.0} exposures/s); \
         {:.2} of the floor",
        total_components,
        counts.new,
        full.as_secs_f64(),
        total_components as f64 / full.as_secs_f64().max(1e-9),
        counts.new as f64 / full.as_secs_f64().max(1e-9),
        read.as_secs_f64(),
        store::bench_floor::method(app.store.backend),
        plain.as_secs_f64(),
        counts.new as f64 / plain.as_secs_f64().max(1e-9),
        plain.as_secs_f64() / full.as_secs_f64().max(1e-9)
    );
    println!(
        "memory: {:.0} MiB after loading, peak {:.0} MiB during the full match ({:.2}x)",
        rss_loaded as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak as f64 / rss_loaded.max(1) as f64
    );

    // New-advisory latency: a fresh copy of real advisories, one at a time.
    app.store.optimize().await?;
    let mut rng = Rng(42);
    let mut latencies = Vec::new();
    let mut floors = Vec::new();
    let mut exposures_made = 0u64;
    let mut slowest: Vec<(Duration, String, u64)> = Vec::new();
    for i in 0..args.new_advisories {
        let mut a = advisories[rng.below(advisories.len())].clone();
        a.id = format!("BENCH-{i:05}");
        a.aliases.clear();
        let keys: Vec<String> = a.affected.iter().map(|af| af.package.key()).collect();
        let t = Instant::now();
        let mut r = ImportReport::default();
        advisories::import_advisories(&app, &who, std::slice::from_ref(&a), false, &mut r).await?;
        latencies.push(t.elapsed());
        slowest.push((t.elapsed(), a.id.clone(), r.exposures.new));
        exposures_made += r.exposures.new;
        // Its floor: the same index lookup, and the same rows written
        // into the copy and committed.
        let written =
            store::bench_floor::rows_where(&app.store, Table::Exposures, "advisory_id", &a.key())
                .await?;
        if written.len() as u64 != r.exposures.new {
            anyhow::bail!(
                "{} reported {} new exposures but {} are stored",
                a.id,
                r.exposures.new,
                written.len()
            );
        }
        let t = Instant::now();
        let mut conn = app.store.pool.acquire().await?;
        let _ = store::exposure::assets::components_with_keys(&mut conn, &keys).await?;
        drop(conn);
        let lookup = t.elapsed();
        floors.push(lookup + store::bench_floor::write_rows(&app.store, &copy, &written).await?);
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let named: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|(d, id, n)| format!("{id} {:.1} ms ({n} exposures)", ms(*d)))
        .collect();
    println!("slowest new advisories: {}", named.join("; "));
    latencies.sort();
    floors.sort();
    let (m, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    let (fm, fp99) = (percentile(&floors, 0.5), percentile(&floors, 0.99));
    println!(
        "new advisory to committed exposures ({} advisories, {} exposures): median {:.2} ms, p99 {:.2} ms; \
         floor (package-index lookup + the same rows written and committed) median {:.2} ms, p99 {:.2} ms; \
         {:.2} of the floor at the median, {:.2} at p99",
        latencies.len(),
        exposures_made,
        ms(m),
        ms(p99),
        ms(fm),
        ms(fp99),
        ms(fm) / ms(m).max(1e-9),
        ms(fp99) / ms(p99).max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(ExitCode::SUCCESS)
}
