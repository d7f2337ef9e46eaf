//! `clearinghouse bench campaigns`: registered campaigns (default
//! 100,000, a software and a network target each) and network assets
//! (default 1,000,000 blocks, hosts and cloud accounts of 1,000
//! operators) written in bulk; then the time to check one new campaign
//! for authorization and overlaps (`workflows::scans::deconflict::check`,
//! median and p99) and to answer one unauthorized-scan report
//! (`workflows::scans::reports::create`, a write), each beside a
//! linear-scan baseline measured in the same run: every campaign target
//! and asset read and compared with the domain's `Target::overlaps`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use clearinghouse_domain::scans::{Overlap, Target};

use crate::auth::{Principal, Via};
use crate::store;
use crate::store::scans::assets::AssetRow;
use crate::store::scans::campaigns::{CampaignRow, TargetRow};
use crate::store::scans::grants::GrantRow;
use crate::workflows::scans::{campaigns::CampaignInput, deconflict, reports};

#[derive(Debug, Clone, Args)]
pub struct BenchCampaignsArgs {
    #[arg(long, default_value_t = 100_000)]
    pub campaigns: usize,
    /// Network assets (at most 1,048,576: disjoint /28 blocks of 10/8, hosts, cloud accounts).
    #[arg(long, default_value_t = 1_000_000)]
    pub assets: usize,
    #[arg(long, default_value_t = 1000)]
    pub operators: usize,
    #[arg(long, default_value_t = 200)]
    pub researchers: usize,
    /// Timed checks and reports.
    #[arg(long, default_value_t = 200)]
    pub checks: usize,
    /// Timed linear-scan baseline runs (each reads everything).
    #[arg(long, default_value_t = 5)]
    pub baseline_checks: usize,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

const PROBER: &str = "bench-lab-without-grants";

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

fn asset_value(i: usize, op: usize) -> String {
    match i % 10 {
        0..=6 => {
            let base = 0x0a00_0000u32 + (i as u32) * 16;
            format!("cidr:{}/28", std::net::Ipv4Addr::from(base))
        }
        7 | 8 => format!("host:h{i}.op{op}.example"),
        _ => format!("cloud:aws/{i:012}"),
    }
}

fn sub_target(value: &str) -> String {
    match value.strip_prefix("cidr:") {
        Some(c) => format!("cidr:{}/30", c.trim_end_matches("/28")),
        None => value.to_owned(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let p = |q: f64| ms(v[((v.len() - 1) as f64 * q).round() as usize]);
    (p(0.5), p(0.99))
}

fn day(d: i64) -> String {
    crate::clock::format(crate::clock::now() + time::Duration::days(d))
}

pub async fn campaigns(args: BenchCampaignsArgs) -> anyhow::Result<ExitCode> {
    let assets_n = args.assets.min(1 << 20);
    let (tmp, app, admin) = super::bench::open_app("scans", args.database_url.clone(), 8).await?;
    let now = crate::clock::now_text();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();

    let mut tx = app.store.begin_write().await?;
    let ops: Vec<String> = (0..args.operators)
        .map(|i| format!("bench-op-{i:05}"))
        .collect();
    let labs: Vec<String> = (0..args.researchers)
        .map(|i| format!("bench-lab-{i:05}"))
        .collect();
    for o in &ops {
        store::scans::bench::insert_org(&mut tx, o, o, "critical_infrastructure_operator").await?;
    }
    for l in &labs {
        store::scans::bench::insert_org(&mut tx, l, l, "researcher").await?;
    }
    // A laboratory holding no grant: it is matched on what is disclosed.
    store::scans::bench::insert_org(&mut tx, PROBER, PROBER, "researcher").await?;
    let mut assets = Vec::with_capacity(assets_n);
    for i in 0..assets_n {
        let op = i % ops.len().max(1);
        let value = asset_value(i, op);
        let t = Target::parse("t", &value).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (key_lo, key_hi) = store::scans::index_keys(&t);
        assets.push(AssetRow {
            id: format!("a{i:08}"),
            org_id: ops[op].clone(),
            kind: t.kind().as_str().to_owned(),
            value,
            key_lo,
            key_hi,
            state: "verified".into(),
            token: String::new(),
            proof_method: None,
            proof_detail: None,
            verified_by: None,
            verified_at: None,
            disclose_prefix: Some(24),
            created_by: admin.id.clone(),
            created_at: now.clone(),
        });
        if assets.len() == 50_000 {
            store::scans::bench::insert_assets(&mut tx, &assets).await?;
            assets.clear();
        }
    }
    store::scans::bench::insert_assets(&mut tx, &assets).await?;
    tx.commit().await?;
    // One grant per lab from the operator of a run of 20 assets.
    let mut tx = app.store.begin_write().await?;
    let mut grants = Vec::new();
    for (k, lab) in labs.iter().enumerate() {
        let first = (k * 20 * ops.len()) % assets_n.max(1);
        let ids: Vec<String> = (0..20)
            .map(|j| (first + j * ops.len()) % assets_n.max(1))
            .map(|i| format!("a{i:08}"))
            .collect();
        let op = first % ops.len().max(1);
        let g = GrantRow {
            id: format!("g{k:06}"),
            operator_org_id: ops[op].clone(),
            scanner_org_id: lab.clone(),
            asset_ids: serde_json::to_string(&ids)?,
            excluded: "[]".into(),
            techniques: "active,authenticated,passive".into(),
            rate_limit: 100,
            sources: "[]".into(),
            starts_at: day(-1),
            ends_at: day(90),
            operator_contact: "soc".into(),
            scanner_contact: "lab".into(),
            state: "active".into(),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            created_by: admin.id.clone(),
            created_at: now.clone(),
        };
        store::scans::grants::insert(&mut tx, &g).await?;
        grants.push((g, ids, op));
    }
    tx.commit().await?;
    let visibility = {
        let mut conn = app.store.pool.acquire().await?;
        store::labels::intern(&mut conn, "").await?
    };
    let mut tx = app.store.begin_write().await?;
    let (mut rows, mut targets) = (Vec::new(), Vec::new());
    for i in 0..args.campaigns {
        let k = rng.below(grants.len());
        let (g, ids, op) = &grants[k];
        let asset = ids[rng.below(ids.len())]
            .trim_start_matches('a')
            .parse::<usize>()?;
        let start = rng.below(60) as i64 - 10;
        let id = format!("c{i:08}");
        rows.push(CampaignRow {
            id: id.clone(),
            org_id: g.scanner_org_id.clone(),
            name: format!("campaign {i}"),
            scanner: "bench-scanner 1.0".into(),
            techniques: "active".into(),
            sources: "[]".into(),
            contact: "lab".into(),
            starts_at: day(start),
            ends_at: day(start + 1 + rng.below(20) as i64),
            state: "active".into(),
            stop_reason: None,
            stopped_at: None,
            tlp: "AMBER".into(),
            visibility_id: visibility,
            created_by: admin.id.clone(),
            created_at: now.clone(),
        });
        let lo = rng.below(20);
        let pkg = format!(
            "pkg:npm/pkg{} vers:npm/>=1.{lo}.0|<1.{}.0",
            rng.below(20_000),
            lo + 1 + rng.below(5)
        );
        for (pos, value) in [pkg, sub_target(&asset_value(asset, *op))]
            .into_iter()
            .enumerate()
        {
            let t = Target::parse("t", &value).map_err(|e| anyhow::anyhow!("{e}"))?;
            let (key_lo, key_hi) = store::scans::index_keys(&t);
            let network = t.is_network();
            let asset_text = asset_value(asset, *op);
            let mut row = TargetRow {
                campaign_id: id.clone(),
                position: pos as i64,
                kind: t.kind().as_str().to_owned(),
                value: t.to_string(),
                key_lo,
                key_hi,
                asset_id: network.then(|| format!("a{asset:08}")),
                grant_id: network.then(|| g.id.clone()),
                operator_org_id: network.then(|| g.operator_org_id.clone()),
                shown: None,
                shown_lo: None,
                shown_hi: None,
            };
            row.set_shown(network.then_some((asset_text.as_str(), Some(24))));
            targets.push(row);
        }
        if rows.len() == 10_000 {
            store::scans::bench::insert_campaigns(&mut tx, &rows, &targets).await?;
            rows.clear();
            targets.clear();
        }
    }
    store::scans::bench::insert_campaigns(&mut tx, &rows, &targets).await?;
    tx.commit().await?;
    // What a running server's worker does every hour (and every new
    // connection at open): the planner's statistics of the new rows.
    app.store.optimize().await?;
    println!(
        "campaigns benchmark on {:?}: {} campaigns ({} targets), {} network assets, {} grants, written in {:.1} s",
        app.store.backend,
        args.campaigns,
        args.campaigns * 2,
        assets_n,
        grants.len(),
        started.elapsed().as_secs_f64()
    );

    // The checks: a lab's new campaign on one of its granted assets and a package.
    let inputs: Vec<(Principal, CampaignInput)> = (0..args.checks.max(1))
        .map(|_| {
            let (g, ids, op) = &grants[rng.below(grants.len())];
            let asset = ids[rng.below(ids.len())]
                .trim_start_matches('a')
                .parse::<usize>()
                .unwrap_or(0);
            let mut user = admin.clone();
            user.org_id = g.scanner_org_id.clone();
            let who = Principal::new(user, Via::System);
            let input = CampaignInput {
                name: None,
                targets: vec![
                    format!("pkg:npm/pkg{} vers:npm/>=1.3.0|<1.6.0", rng.below(20_000)),
                    sub_target(&asset_value(asset, *op)),
                ],
                start: day(1),
                end: day(8),
                scanner: "bench-scanner 2.0".into(),
                techniques: vec!["active".into()],
                sources: vec![],
                contact: None,
                tlp: None,
            };
            (who, input)
        })
        .collect();
    let mut times = Vec::new();
    let mut found = 0usize;
    for (who, input) in &inputs {
        let t = Instant::now();
        let v = deconflict::check(&app, who, input.clone()).await?;
        times.push(t.elapsed());
        if !v.authorized {
            anyhow::bail!("a granted check was refused: {:?}", v.uncovered);
        }
        found += v.overlaps.len();
    }
    let (check_med, check_p99) = stats(times);
    let mut ptimes = Vec::new();
    let mut probed = 0usize;
    for (_, input) in &inputs {
        let mut user = admin.clone();
        user.org_id = PROBER.to_owned();
        let who = Principal::new(user, Via::System);
        let t = Instant::now();
        let v = deconflict::check(&app, &who, input.clone()).await?;
        ptimes.push(t.elapsed());
        probed += v.overlaps.len();
        if let Some(o) = v.overlaps.iter().find(|o| {
            ["cidr:", "host:", "cloud:"]
                .iter()
                .any(|k| o.other_target.starts_with(k))
        }) {
            anyhow::bail!("a laboratory without grants saw a network target: {o:?}");
        }
    }
    let (probe_med, probe_p99) = stats(ptimes);

    // Baseline: read every target and asset, compare each.
    let mut base = Vec::new();
    let mut base_found = 0usize;
    for (_, input) in inputs.iter().take(args.baseline_checks.max(1)) {
        let t = Instant::now();
        let asked: Vec<Target> = input
            .targets
            .iter()
            .filter_map(|t| Target::parse("t", t).ok())
            .collect();
        let mut conn = app.store.pool.acquire().await?;
        let start = crate::clock::format(
            crate::clock::parse(&input.start).unwrap_or_else(crate::clock::now),
        );
        let end =
            crate::clock::format(crate::clock::parse(&input.end).unwrap_or_else(crate::clock::now));
        for (_, value, s, e, state) in store::scans::bench::all_targets(&mut conn).await? {
            if state != "active" || s >= end || e <= start {
                continue;
            }
            if let Ok(other) = Target::parse("t", &value) {
                base_found += asked
                    .iter()
                    .filter(|a| a.overlaps(&other) != Overlap::No)
                    .count();
            }
        }
        for (_, value, state) in store::scans::bench::all_assets(&mut conn).await? {
            if state == "verified"
                && let Ok(other) = Target::parse("t", &value)
            {
                let _ = asked.iter().any(|a| other.covers(a));
            }
        }
        base.push(t.elapsed());
    }
    let (base_med, base_p99) = stats(base);

    // Reports: an operator reports scanning on one of its assets.
    let mut rtimes = Vec::new();
    let mut covered = 0usize;
    for _ in 0..args.checks.clamp(1, 100) {
        let i = rng.below(assets_n);
        let op = i % ops.len().max(1);
        let mut user = admin.clone();
        user.org_id = ops[op].clone();
        let who = Principal::new(user, Via::System);
        let input = reports::ReportInput {
            sources: vec!["192.0.2.1".into()],
            targets: vec![sub_target(&asset_value(i, op))],
            // Observed scanning is in the past (a report of the future is refused).
            start: day(-1),
            end: day(0),
            log_excerpt: None,
        };
        let t = Instant::now();
        let r = reports::create(&app, &who, input).await?;
        rtimes.push(t.elapsed());
        covered += usize::from(r.covered);
    }
    let (rep_med, rep_p99) = stats(rtimes);
    let mut rbase = Vec::new();
    for _ in 0..args.baseline_checks.max(1) {
        let i = rng.below(assets_n);
        let asked = Target::parse("t", &sub_target(&asset_value(i, i % ops.len().max(1))))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let t = Instant::now();
        let mut conn = app.store.pool.acquire().await?;
        let mut n = 0usize;
        for (_, value, ..) in store::scans::bench::all_targets(&mut conn).await? {
            if Target::parse("t", &value).is_ok_and(|o| o.overlaps(&asked) != Overlap::No) {
                n += 1;
            }
        }
        rbase.push(t.elapsed());
        std::hint::black_box(n);
    }
    let (rb_med, rb_p99) = stats(rbase);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "check one new campaign (authorization + overlaps): median {check_med:.2} ms, p99 {check_p99:.2} ms \
         over {} checks ({found} overlaps found)",
        inputs.len()
    );
    println!(
        "  linear-scan baseline: median {base_med:.1} ms, p99 {base_p99:.1} ms over {} runs ({base_found} overlaps); \
         ratio baseline/indexed {:.0}x",
        args.baseline_checks.max(1),
        base_med / check_med.max(1e-6)
    );
    println!(
        "  the same checks by a laboratory holding no grant (matched on disclosed blocks): \
         median {probe_med:.2} ms, p99 {probe_p99:.2} ms ({probed} overlaps, no network target shown exactly)"
    );
    println!(
        "answer one unauthorized-scan report (stored, audited): median {rep_med:.2} ms, p99 {rep_p99:.2} ms \
         ({covered} covered)"
    );
    println!(
        "  linear-scan baseline (read only): median {rb_med:.1} ms, p99 {rb_p99:.1} ms; ratio {:.0}x",
        rb_med / rep_med.max(1e-6)
    );
    println!("machine load (1/5/15 min): {}", load.trim());
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(ExitCode::SUCCESS)
}
