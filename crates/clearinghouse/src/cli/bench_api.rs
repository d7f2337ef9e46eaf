//! `clearinghouse bench api`: labelled API reads under load, driven by a
//! real HTTP load generator in its own process (`wrk`, from Debian's
//! packages: `apt-get install wrk`; `--wrk PATH` names another copy).
//!
//! Seeds a fresh database (SQLite in a temporary folder, or
//! `--database-url`) with N organisations (10,000 by default), each with
//! one asset and M components and exposures (300 each: 3,000,000), and F
//! findings (1,000,000) filed by one AI lab, then starts the real server
//! in-process on loopback and, for a fixed time each, measures:
//! - `GET /healthz` (no authentication, no database): the floor;
//! - `GET /api/v1/exposures?limit=50` as an operator of one organisation
//!   (the labelled exposure list, first page);
//! - `GET /api/v1/findings/{id}` as a coordinator, the id drawn at random
//!   from every seeded finding on each request (a Lua script of wrk's).
//!
//! It prints requests/s, p50 and p99 for each, side by side with the
//! floor, and the ratio of each to the floor's requests/s. Before the load
//! it checks its own answers (the operator's list, paged through,
//! holds exactly M exposures; a sampled finding reads back with its id); every response
//! under load must be 2xx, otherwise it exits 1, so a faster wrong answer
//! fails.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::Args;
use serde_json::{Value, json};

use crate::store::directives::bench as seed;
use crate::{clock, http, store, workflows};

#[derive(Debug, Clone, Args)]
pub struct BenchApiArgs {
    /// Organisations with exposures.
    #[arg(long, default_value_t = 10_000)]
    pub orgs: u64,
    /// Components (and exposures) per organisation.
    #[arg(long, default_value_t = 300)]
    pub per_org: u64,
    /// Findings filed by the AI lab.
    #[arg(long, default_value_t = 1_000_000)]
    pub findings: u64,
    /// Seconds of load per endpoint.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Open connections (wrk's `-c`).
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// Load-generator threads (wrk's `-t`).
    #[arg(long, default_value_t = 2)]
    pub threads: u32,
    /// The wrk binary.
    #[arg(long, default_value = "wrk")]
    pub wrk: PathBuf,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

const VULNS: u64 = 5_000;

/// What wrk measured for one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Load {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
}

/// A wrk latency figure (`812.00us`, `1.23ms`, `2.01s`) in milliseconds.
fn wrk_ms(s: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|v| v * scale)
}

/// Reads wrk's `--latency` report: requests/s, the 50% and 99% lines,
/// the request count, non-2xx/3xx responses and socket errors.
fn parse_wrk(out: &str) -> Option<Load> {
    let mut load = Load::default();
    let mut seen = (false, false, false);
    for line in out.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => {
                load.requests_per_sec = v.parse().ok()?;
                seen.0 = true;
            }
            ["50%", v] => {
                load.p50_ms = wrk_ms(v)?;
                seen.1 = true;
            }
            ["99%", v] => {
                load.p99_ms = wrk_ms(v)?;
                seen.2 = true;
            }
            [n, "requests", "in", ..] => load.requests = n.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => load.non_2xx = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                load.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    (seen == (true, true, true)).then_some(load)
}

/// The Lua script that draws a finding id at random on every request.
fn findings_script(n: u64, token: &str) -> String {
    format!(
        "math.randomseed(7)\n\
         wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
         request = function()\n  \
           return wrk.format(\"GET\", \"/api/v1/findings/bench-finding-\" .. math.random(0, {last}))\n\
         end\n",
        last = n.saturating_sub(1)
    )
}

fn run_wrk(args: &BenchApiArgs, url: &str, extra: &[String]) -> anyhow::Result<Load> {
    let out = Command::new(&args.wrk)
        .args([
            "-t",
            &args.threads.to_string(),
            "-c",
            &args.connections.to_string(),
            "-d",
            &format!("{}s", args.seconds),
            "--latency",
        ])
        .args(extra)
        .arg(url)
        .output()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot run {}: {e} (install it with `apt-get install wrk`, or name it with --wrk)",
                args.wrk.display()
            )
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text).ok_or_else(|| anyhow::anyhow!("cannot read wrk's report:\n{text}"))
}

/// Makes an organisation and a user with a personal token through the
/// API as the admin; `coordinator` makes the user a coordinator directly
/// in the store (a privileged role otherwise comes through the two-person
/// rule, which a benchmark's seed need not exercise).
async fn persona(
    app: &crate::app::AppState,
    client: &reqwest::Client,
    base: &str,
    admin_token: &str,
    org: Option<&str>,
    username: &str,
    coordinator: bool,
) -> anyhow::Result<(String, String, String)> {
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(admin_token)
            .json(&body)
            .send()
    };
    let org_id = match org {
        Some(id) => id.to_owned(),
        None => {
            let v: Value = post(
                "/orgs",
                json!({"name": "Bench Lab", "kind": "ai_developer"}),
            )
            .await?
            .json()
            .await?;
            v["id"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("org: {v}"))?
                .to_owned()
        }
    };
    let v: Value = post(
        "/users",
        json!({"org_id": org_id, "username": username, "display_name": username,
            "password": "bench-password-0123456789", "roles": ["member"]}),
    )
    .await?
    .json()
    .await?;
    let user_id = v["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("user: {v}"))?
        .to_owned();
    store::accounts::password_change::clear(&app.store.pool, &user_id).await?;
    if coordinator {
        store::accounts::users::set_roles(&app.store.pool, &user_id, &["coordinator".to_owned()])
            .await?;
    }
    let user = store::accounts::users::get(&app.store.pool, &user_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user missing"))?;
    let token = mint_token(app, user).await?;
    Ok((org_id, user_id, token))
}

/// A day-long personal token for `user`, made as the store's own act.
async fn mint_token(
    app: &crate::app::AppState,
    user: crate::model::User,
) -> anyhow::Result<String> {
    let who = crate::auth::Principal::new(user, crate::auth::Via::System);
    let token = workflows::accounts::tokens::create(
        app,
        &who,
        workflows::accounts::tokens::NewToken {
            name: "bench".into(),
            kind: "user".into(),
            scopes: vec![],
            authorizations: vec![],
            expires_in_days: Some(1),
            rate_limit_per_minute: None,
            campaign_id: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("token: {e}"))?
    .token;
    Ok(token)
}

pub async fn api(args: BenchApiArgs) -> anyhow::Result<ExitCode> {
    if args.orgs == 0 || args.per_org == 0 || args.findings == 0 || args.seconds == 0 {
        anyhow::bail!("--orgs, --per-org, --findings and --seconds must be at least 1");
    }
    let (tmp, app, admin) = super::bench::open_app("api", args.database_url.clone(), 8).await?;
    let admin_token = mint_token(&app, admin).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(http::serve(app.clone(), listener, async move {
        let _ = stop_rx.changed().await;
    }));
    let outcome = seed_and_load(&args, &app, &base, &admin_token).await;
    let _ = stop_tx.send(true);
    let _ = server.await;
    if args.database_url.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    outcome
}

async fn seed_and_load(
    args: &BenchApiArgs,
    app: &crate::app::AppState,
    base: &str,
    admin_token: &str,
) -> anyhow::Result<ExitCode> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let now = clock::now_text();
    let t = Instant::now();
    let vulns: Vec<seed::BenchVuln> = (0..VULNS)
        .map(|v| seed::BenchVuln {
            id: format!("CVE-2026-{}", 10_000 + v),
            cvss_vectors: "[]".into(),
            in_kev: v % 4 == 0,
            kev_due_date: None,
        })
        .collect();
    let exposures = args.orgs * args.per_org;
    {
        let mut tx = app.store.begin_write().await?;
        seed::seed_orgs(&mut tx, args.orgs, &now).await?;
        seed::seed_vulns(&mut tx, &vulns, &now).await?;
        tx.commit().await?;
        for from in (0..exposures).step_by(250_000) {
            let mut tx = app.store.begin_write().await?;
            seed::seed_exposures(
                &mut tx,
                from,
                (from + 250_000).min(exposures),
                args.per_org,
                VULNS,
            )
            .await?;
            tx.commit().await?;
        }
    }
    let (lab, lab_user, lab_token) =
        persona(app, &client, base, admin_token, None, "bench-lab", false).await?;
    let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bench"}}, "results": []}]});
    let v: Value = client
        .post(format!(
            "{base}/api/v1/submissions?target=pkg:npm/bench-0@1.0.0"
        ))
        .bearer_auth(&lab_token)
        .header("content-type", "application/sarif+json")
        .body(sarif.to_string())
        .send()
        .await?
        .json()
        .await?;
    let submission = v["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("submission: {v}"))?
        .to_owned();
    for from in (0..args.findings).step_by(100_000) {
        let mut tx = app.store.begin_write().await?;
        store::bench_support::seed_findings(
            &mut tx,
            (from, (from + 100_000).min(args.findings)),
            (&lab, &lab_user, &submission),
            &now,
        )
        .await?;
        tx.commit().await?;
    }
    let operator_org = seed::org_id(0);
    let (_, _, operator) = persona(
        app,
        &client,
        base,
        admin_token,
        Some(&operator_org),
        "bench-operator",
        false,
    )
    .await?;
    let (_, _, coordinator) = persona(
        app,
        &client,
        base,
        admin_token,
        Some(&lab),
        "bench-coordinator",
        true,
    )
    .await?;
    // What a running server's worker does every hour: the planner's
    // statistics of the rows just written in bulk.
    app.store.optimize().await?;
    store::bench_support::analyze_postgres(&app.store).await?;
    println!(
        "api benchmark on {:?}: {} organisations x {} = {exposures} exposures, {} findings, seeded in {:.1} s",
        app.store.backend,
        args.orgs,
        args.per_org,
        args.findings,
        t.elapsed().as_secs_f64()
    );

    // Its own answers first: a faster wrong answer must fail.
    let mut listed = 0u64;
    let mut page_bytes = 0;
    let mut cursor: Option<String> = None;
    loop {
        // Every state: a tenth of the seeded exposures are patched.
        let mut url = format!("{base}/api/v1/exposures?limit=50&state=all");
        if let Some(c) = &cursor {
            // Cursors are opaque: sent encoded, whatever they hold.
            let c: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
            url.push_str(&format!("&cursor={c}"));
        }
        let resp = client.get(url).bearer_auth(&operator).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if page_bytes == 0 {
            page_bytes = body.len();
        }
        let page: Value = serde_json::from_slice(&body)?;
        if !status.is_success() {
            println!("FAILED: the operator's exposure list answered {status}: {page}");
            return Ok(ExitCode::from(1));
        }
        listed += page["items"].as_array().map_or(0, |i| i.len() as u64);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() || listed > args.per_org {
            break;
        }
    }
    if listed != args.per_org {
        println!(
            "FAILED: the operator's exposure list holds {listed} exposures; {} were seeded",
            args.per_org
        );
        return Ok(ExitCode::from(1));
    }
    let sample = format!("bench-finding-{}", args.findings / 2);
    let body = client
        .get(format!("{base}/api/v1/findings/{sample}"))
        .bearer_auth(&coordinator)
        .send()
        .await?
        .bytes()
        .await?;
    let finding: Value = serde_json::from_slice(&body)?;
    println!(
        "answers: a first exposure page of 50 is {page_bytes} bytes, a finding {} bytes",
        body.len()
    );
    if finding["id"].as_str() != Some(&sample) && finding["finding"]["id"].as_str() != Some(&sample)
    {
        println!("FAILED: the coordinator read {sample} as {finding}");
        return Ok(ExitCode::from(1));
    }

    let dir = std::env::temp_dir().join(format!("clearinghouse-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("findings.lua");
    std::fs::write(&script, findings_script(args.findings, &coordinator))?;
    let bearer = |t: &str| vec!["-H".to_owned(), format!("Authorization: Bearer {t}")];
    let floor = run_wrk(args, &format!("{base}/healthz"), &[])?;
    let exposures_load = run_wrk(
        args,
        &format!("{base}/api/v1/exposures?limit=50"),
        &bearer(&operator),
    )?;
    let findings_load = run_wrk(
        args,
        &format!("{base}/api/v1/findings/x"),
        &["-s".to_owned(), script.display().to_string()],
    )?;
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "{} s each, {} connections, {} wrk threads; ratios are requests/s against the floor",
        args.seconds, args.connections, args.threads
    );
    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>7}",
        "endpoint", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    let mut failed = false;
    for (name, load) in [
        ("GET /healthz (floor)", floor),
        ("GET /api/v1/exposures?limit=50 (operator)", exposures_load),
        ("GET /api/v1/findings/{id} (coordinator)", findings_load),
    ] {
        println!(
            "{name:<44} {:>10.0} {:>9.2} {:>9.2} {:>7.3}",
            load.requests_per_sec,
            load.p50_ms,
            load.p99_ms,
            load.requests_per_sec / floor.requests_per_sec.max(f64::MIN_POSITIVE)
        );
        if load.non_2xx > 0 || load.socket_errors > 0 || load.requests == 0 {
            println!(
                "FAILED: {name}: {} non-2xx responses and {} socket errors in {} requests",
                load.non_2xx, load.socket_errors, load.requests
            );
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 2s test @ http://127.0.0.1:1/healthz
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12us  200.01us   5.00ms   90.00%
  Latency Distribution
     50%  250.00us
     75%  300.00us
     90%  400.00us
     99%    1.50ms
  40000 requests in 2.00s, 5.00MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  20000.50
Transfer/sec:      2.50MB
";

    #[test]
    fn reads_a_wrk_report() {
        let load = parse_wrk(REPORT).expect("parsed");
        assert_eq!(load.requests, 40_000);
        assert!((load.requests_per_sec - 20_000.5).abs() < 1e-9);
        assert!((load.p50_ms - 0.25).abs() < 1e-9);
        assert!((load.p99_ms - 1.5).abs() < 1e-9);
        assert_eq!(load.non_2xx, 3);
        assert_eq!(load.socket_errors, 3);
    }

    #[test]
    fn a_report_without_percentiles_is_refused() {
        assert_eq!(parse_wrk("Requests/sec: 10\n"), None);
        assert_eq!(wrk_ms("2.5s"), Some(2500.0));
        assert_eq!(wrk_ms("1.00m"), Some(60_000.0));
        assert_eq!(wrk_ms("fast"), None);
    }
}
