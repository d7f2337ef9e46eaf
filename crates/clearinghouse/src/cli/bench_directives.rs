//! `clearinghouse bench directives`: the compliance dashboard at scale.
//! Seeds N organisations (government agencies, one asset each) with M
//! components and M exposures each (3,000,000 by default) over generated
//! vulnerabilities (a quarter in KEV with due dates around today, a fifth
//! with a CVSS 9.8 vector, one public advisory each), issues a directive
//! with one remediate rule (`kev or cvss >= 9.0`, due on the KEV due date),
//! and reports, each beside a baseline measured in the same run:
//! - recomputing that rule's materialised figures over every exposure
//!   (`snapshots::refresh`) against reading every exposure row;
//! - one organisation's refresh (what a change queues) against the same;
//! - the dashboard of the directive (`dashboard::dashboard`) as its page
//!   reads it (the first 50 organisations) and as the export reads it
//!   (every organisation), with yesterday's figures beside today's (copied
//!   from today's, some organisations moved): median and p99 over repeated
//!   reads; and its whole page rendered as HTML (`ui::directives::render`).
//!
//! It checks its own counts: the refreshed totals must equal the totals
//! the generator's rules give, and sampled organisations' materialised
//! figures must equal their read-time figures (`compliance::of_directive`);
//! otherwise it exits 1.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use clearinghouse_domain::directive::DirectiveBody;
use clearinghouse_domain::directive::due::add_days;

use super::bench_matching::percentile;
use crate::auth::{Principal, Via};
use crate::store::directives::bench::{self as seed, BenchVuln};
use crate::store::{self, directives::DirectiveRow, directives::VersionRow};
use crate::workflows::directives::{compliance, dashboard, obligations, snapshots};
use crate::{clock, workflows};

#[derive(Debug, Clone, Args)]
pub struct BenchDirectivesArgs {
    /// Organisations in scope.
    #[arg(long, default_value_t = 10_000)]
    pub orgs: u64,
    /// Components (and exposures) per organisation.
    #[arg(long, default_value_t = 300)]
    pub per_org: u64,
    /// Distinct vulnerabilities.
    #[arg(long, default_value_t = 5_000)]
    pub vulns: u64,
    /// Dashboard reads for the latency figures.
    #[arg(long, default_value_t = 100)]
    pub reads: usize,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// How many organisations the directive's page lists.
const PAGE_ORGS: usize = crate::http::ui::directives::ORGS_SHOWN;

const CVSS_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What the generator's rules say the totals are: (total, on_time,
/// overdue, satisfied), with `today` the day of the figures.
fn expected(args: &BenchDirectivesArgs, vulns: &[BenchVuln], today: &str) -> (u64, u64, u64, u64) {
    let (mut total, mut on_time, mut overdue, mut satisfied) = (0, 0, 0, 0);
    let n = args.orgs * args.per_org;
    for i in 0..n {
        let v = &vulns[((i * 7919) % args.vulns) as usize];
        if !v.in_kev && v.cvss_vectors == "[]" {
            continue;
        }
        total += 1;
        if i % 10 == 0 {
            satisfied += 1;
        } else if v.kev_due_date.as_deref().is_some_and(|d| today > d) {
            overdue += 1;
        } else {
            on_time += 1;
        }
    }
    (total, on_time, overdue, satisfied)
}

pub async fn directives(args: BenchDirectivesArgs) -> anyhow::Result<ExitCode> {
    if args.orgs == 0 || args.per_org == 0 || args.vulns == 0 || args.vulns > 89_999 {
        anyhow::bail!("--orgs, --per-org and --vulns must be at least 1 (--vulns at most 89999)");
    }
    let (tmp, app, admin) = super::bench::open_app("bod", args.database_url.clone(), 4).await?;
    let who = Principal::new(admin.clone(), Via::System);
    let today = obligations::today()?;
    let now = clock::now_text();

    // Seed.
    let t = Instant::now();
    let vulns: Vec<BenchVuln> = (0..args.vulns)
        .map(|v| {
            let in_kev = v % 4 == 0;
            BenchVuln {
                id: format!("CVE-2026-{}", 10_000 + v),
                cvss_vectors: if v % 5 == 1 {
                    format!("[\"{CVSS_CRITICAL}\"]")
                } else {
                    "[]".into()
                },
                in_kev,
                kev_due_date: in_kev.then(|| add_days(today, (v % 61) as i64 - 30).to_string()),
            }
        })
        .collect();
    let n = args.orgs * args.per_org;
    {
        let mut tx = app.store.begin_write().await?;
        seed::seed_orgs(&mut tx, args.orgs, &now).await?;
        seed::seed_vulns(&mut tx, &vulns, &now).await?;
        tx.commit().await?;
        let step = 250_000;
        let mut from = 0;
        while from < n {
            let to = (from + step).min(n);
            let mut tx = app.store.begin_write().await?;
            seed::seed_exposures(&mut tx, from, to, args.per_org, args.vulns).await?;
            tx.commit().await?;
            from = to;
        }
    }
    let body: DirectiveBody = serde_json::from_value(serde_json::json!({
        "number": "BOD 26-99",
        "title": "Benchmark: remediate known exploited and critical vulnerabilities",
        "issued": "2026-01-01",
        "effective": "2026-01-01",
        "scope": {"kinds": ["government_agency"]},
        "actions": [{"type": "remediate", "key": "kev", "title": "Remediate KEV and critical",
                     "rule": "kev or cvss >= 9.0", "due": {"kind": "kev_due_date"}}]
    }))?;
    let id = workflows::new_id();
    {
        let mut tx = app.store.begin_write().await?;
        store::directives::insert(
            &mut tx,
            &DirectiveRow {
                id: id.clone(),
                number: body.number.clone(),
                state: "draft".into(),
                issued_version: None,
                latest_version: 1,
                created_by: admin.id.clone(),
                created_at: now.clone(),
                updated_at: now.clone(),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
            },
        )
        .await?;
        store::directives::insert_version(
            &mut tx,
            &VersionRow {
                directive_id: id.clone(),
                version: 1,
                state: "pending".into(),
                body: serde_json::to_string(&body)?,
                changes: "{}".into(),
                approval_id: None,
                created_by: admin.id.clone(),
                created_at: now.clone(),
                issued_at: None,
            },
        )
        .await?;
        store::directives::issue(&mut tx, &id, 1, &now).await?;
        tx.commit().await?;
    }
    println!(
        "directives benchmark on {:?}: {} organisations x {} = {} components and {} exposures over {} vulnerabilities, seeded in {:.1} s",
        app.store.backend,
        args.orgs,
        args.per_org,
        n,
        n,
        args.vulns,
        t.elapsed().as_secs_f64()
    );

    // Baseline: read every exposure row.
    let t = Instant::now();
    let mut conn = app.store.pool.acquire().await?;
    let read = seed::read_exposures(&mut conn).await?;
    drop(conn);
    let baseline = t.elapsed();
    if read != n {
        println!("FAILED: the baseline read {read} exposure rows, {n} were seeded");
        return Ok(ExitCode::from(1));
    }

    // Recompute the rule over every exposure.
    let t = Instant::now();
    let done = snapshots::refresh(&app, &id, None, today, &clock::now_text()).await?;
    let full = t.elapsed();
    println!(
        "recompute one remediate rule: {} exposures read, {} obligations, {} organisations in {:.2} s \
         ({:.0} exposures/s); baseline (read every exposure row) {:.2} s ({:.0} rows/s); ratio {:.2}x the baseline",
        done.exposures_read,
        done.obligations,
        done.organizations,
        full.as_secs_f64(),
        done.exposures_read as f64 / full.as_secs_f64().max(1e-9),
        baseline.as_secs_f64(),
        read as f64 / baseline.as_secs_f64().max(1e-9),
        full.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );

    // One organisation's refresh, as a change queues it.
    let mut one = Vec::new();
    for k in 0..10u64 {
        let org = seed::org_id((k * 997) % args.orgs);
        let t = Instant::now();
        snapshots::refresh(&app, &id, Some(&org), today, &clock::now_text()).await?;
        one.push(t.elapsed());
    }
    one.sort();
    println!(
        "one organisation's refresh ({} exposures each): median {:.1} ms, p99 {:.1} ms; {:.5}x the full baseline",
        args.per_org,
        ms(percentile(&one, 0.5)),
        ms(percentile(&one, 0.99)),
        percentile(&one, 0.5).as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );

    // Yesterday's figures, as the daily job would have left them.
    {
        let mut tx = app.store.begin_write().await?;
        seed::copy_day(
            &mut tx,
            &id,
            &today.to_string(),
            &add_days(today, -1).to_string(),
        )
        .await?;
        tx.commit().await?;
    }

    // The dashboard: its page's figures (the first organisations), and
    // the whole export (every organisation).
    let mut lat = Vec::new();
    for _ in 0..args.reads.max(1) {
        let t = Instant::now();
        let d = dashboard::dashboard(&app, &who, &id, Some(PAGE_ORGS)).await?;
        lat.push(t.elapsed());
        std::hint::black_box(d);
    }
    lat.sort();
    let (m, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
    println!(
        "dashboard of the directive (its page's figures, {PAGE_ORGS} organisations listed): median {:.1} ms, \
         p99 {:.1} ms ({} reads; target < 100 ms); median {:.4}x the full baseline",
        ms(m),
        ms(p99),
        lat.len(),
        m.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
    let mut full = Vec::new();
    let mut last = None;
    for _ in 0..(args.reads / 10).max(1) {
        let t = Instant::now();
        let d = dashboard::dashboard(&app, &who, &id, None).await?;
        full.push(t.elapsed());
        last = Some(d);
    }
    full.sort();
    println!(
        "the dashboard's whole export (JSON value, {} organisations): median {:.1} ms, p99 {:.1} ms ({} reads); \
         median {:.4}x the full baseline",
        last.as_ref()
            .map(|d| d.compliance.by_org.len())
            .unwrap_or(0),
        ms(percentile(&full, 0.5)),
        ms(percentile(&full, 0.99)),
        full.len(),
        percentile(&full, 0.5).as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );

    // The whole page, as HTML.
    let mut page = Vec::new();
    let mut bytes = 0;
    for _ in 0..args.reads.max(1) {
        let t = Instant::now();
        let html = crate::http::ui::directives::render(
            &app,
            &who,
            &id,
            None,
            &crate::http::ui::directives::Done::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("the directive page: {:?}", e.0))?;
        bytes = askama::Template::render(&html)?.len();
        page.push(t.elapsed());
    }
    page.sort();
    println!(
        "the directive's page (HTML, {} bytes): median {:.1} ms, p99 {:.1} ms ({} reads; target < 100 ms); \
         median {:.4}x the full baseline",
        bytes,
        ms(percentile(&page, 0.5)),
        ms(percentile(&page, 0.99)),
        page.len(),
        percentile(&page, 0.5).as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );

    // Its own counts.
    let mut ok = true;
    let (total, on_time, overdue, satisfied) = expected(&args, &vulns, &today.to_string());
    if let Some(d) = &last {
        let o = &d.compliance.overall;
        let got = (o.total, o.on_time, o.overdue, o.satisfied);
        if got != (total, on_time, overdue, satisfied) || o.excepted != 0 {
            println!(
                "FAILED: the dashboard counts (total, on time, overdue, satisfied) {got:?}, the generator {:?}",
                (total, on_time, overdue, satisfied)
            );
            ok = false;
        }
    }
    for k in [0, args.orgs / 2, args.orgs - 1] {
        let org = seed::org_id(k);
        let live = compliance::of_directive(
            &app,
            &who,
            &id,
            compliance::ComplianceQuery {
                org: Some(org.clone()),
            },
        )
        .await?;
        let stored = last
            .as_ref()
            .and_then(|d| d.compliance.by_org.iter().find(|o| o.org_id == org));
        let live_org = live.by_org.iter().find(|o| o.org_id == org);
        if stored.map(|o| &o.counts) != live_org.map(|o| &o.counts) {
            println!("FAILED: {org}'s materialised figures differ from its read-time figures");
            ok = false;
        }
    }
    println!(
        "counts checked: {total} obligations ({on_time} on time, {overdue} overdue, {satisfied} satisfied) \
         as generated; 3 organisations' materialised figures equal their read-time figures: {}",
        if ok { "yes" } else { "NO" }
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
