//! `clearinghouse bench broker`: the broker's cost. A reference
//! OpenAI-compatible endpoint (`http::broker::reference`) and the real
//! server (fresh SQLite, or `--database-url`) run in-process on loopback;
//! the same chat completion is sent N times directly to the endpoint and N
//! times through `/broker/v1/chat/completions` (credential, grant, window,
//! terms and quota checked, the developer's secret swapped in, one usage
//! row committed per call), at the same concurrency, in the same run.
//! A third path is the floor of any proxy on this machine: a bare
//! pass-through (`http::broker::reference::bare_proxy`: the same body forwarded with the same HTTP
//! client and the answer streamed back; no credential, no checks, no log),
//! since a proxy's extra hop costs at least one more HTTP exchange of CPU
//! on the same cores. The three are interleaved in rounds (`--rounds`, the
//! order rotating each round), so a change in the machine's load during the
//! run weighs on all alike. Reported: requests per second of each and the
//! broker's ratios to direct and to the bare proxy, p50 and p99 latency of
//! each and what the broker adds, the machine's load average, and that
//! every call was logged. The window is written straight into the store (a bench fixture:
//! no designation inquiry is run); grant, acceptance and credential go
//! through the workflows.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app;
use crate::app::HttpSettings;
use crate::auth::{Principal, Via};
use crate::clock;
use crate::config::StorageArgs;
use crate::http;
use crate::store;
use crate::store::frontier::windows::{TermsRow, WindowRow};
use crate::workflows;
use crate::workflows::frontier::window_grants::{Acceptance, CredentialRequest, NewGrant};
use crate::workflows::frontier::windows::{Endpoint, seal_endpoint};

#[derive(Debug, Clone, Args)]
pub struct BenchBrokerArgs {
    /// Calls each way (direct and brokered).
    #[arg(long, default_value_t = 2000)]
    pub requests: usize,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Rounds the calls are split into, direct and brokered alternating.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

const TOKEN: &str = "chx_bench_broker_admin_token_0123456789abcdef";
const SECRET: &str = "bench-endpoint-secret";

#[derive(Default)]
struct Run {
    secs: f64,
    latencies: Vec<Duration>,
    failures: usize,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.secs += other.secs;
        self.latencies.extend(other.latencies);
        self.failures += other.failures;
    }
}

/// The machine's 1-minute load average (Linux), for the report.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// [`super::bench_matching::percentile`] in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    super::bench_matching::percentile(sorted, p).as_secs_f64() * 1000.0
}

async fn drive(
    client: &reqwest::Client,
    url: &str,
    bearer: &str,
    n: usize,
    concurrency: usize,
) -> Run {
    let body = json!({"model": "bench", "messages": [{"role": "user", "content": "2+2?"}]});
    let started = Instant::now();
    let results: Vec<Option<Duration>> = futures_util::stream::iter(0..n)
        .map(|_| {
            let req = client.post(url).bearer_auth(bearer).json(&body);
            async move {
                let t = Instant::now();
                match req.send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.ok().map(|_| t.elapsed()),
                    _ => None,
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let failures = results.iter().filter(|r| r.is_none()).count();
    let latencies: Vec<Duration> = results.into_iter().flatten().collect();
    Run {
        secs,
        latencies,
        failures,
    }
}

async fn setup(
    app: &app::AppState,
    base: &str,
    endpoint_url: &str,
) -> anyhow::Result<(String, String)> {
    let http_client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http_client
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    let org: Value = post(
        "/orgs",
        json!({"name": "Bench Labs", "kind": "ai_developer"}),
    )
    .await?
    .json()
    .await?;
    let org_id = org["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("org: {org}"))?;
    let user: Value = post(
        "/users",
        json!({"org_id": org_id, "username": "bench-dev", "display_name": "Bench Dev",
            "password": "bench-password-0123456789", "roles": ["member"]}),
    )
    .await?
    .json()
    .await?;
    let user_id = user["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("user: {user}"))?;
    let row = store::accounts::users::get(&app.store.pool, user_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user missing"))?;
    let dev = Principal::new(row, Via::System);
    let partner = (clock::now() + time::Duration::days(40)).date().to_string();
    let model = workflows::frontier::models::register(
        app,
        &dev,
        workflows::frontier::models::NewModel {
            name: "bench".into(),
            version: "1".into(),
            planned_partner_release: Some(partner),
            planned_public_release: None,
            training_compute: json!("1e26"),
            modalities: vec![],
            description: String::new(),
            contact: "bench@example.com".into(),
            tlp: None,
            visibility: None,
            shared_with_orgs: vec![],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("model: {e}"))?;
    let now = clock::now();
    let id = workflows::new_id();
    let endpoint = Endpoint {
        base_url: endpoint_url.to_owned(),
        secret: SECRET.to_owned(),
    };
    let terms = "Bench terms.";
    let sha = hex::encode(Sha256::digest(terms.as_bytes()));
    let window = WindowRow {
        id: id.clone(),
        model_id: model.id.clone(),
        developer_org: model.owner_org.clone(),
        created_by: dev.user_id().to_owned(),
        starts_at: clock::format(now - time::Duration::seconds(1)),
        ends_at: clock::format(now + time::Duration::days(20)),
        requested_ends_at: clock::format(now + time::Duration::days(20)),
        terms_version: 1,
        endpoint_sealed: seal_endpoint(app, &id, &endpoint).map_err(|e| anyhow::anyhow!("{e}"))?,
        state: "open".into(),
        closed_reason: None,
        closed_at: None,
        created_at: clock::format(now),
        updated_at: clock::format(now),
    };
    let mut tx = app.store.begin_write().await?;
    store::frontier::windows::insert(&mut tx, &window).await?;
    store::frontier::windows::insert_terms(
        &mut tx,
        &TermsRow {
            window_id: id.clone(),
            version: 1,
            body: terms.into(),
            sha256: sha.clone(),
            created_by: dev.user_id().to_owned(),
            created_at: clock::format(now),
            keep_transcripts: false,
        },
    )
    .await?;
    tx.commit().await?;
    let g = workflows::frontier::window_grants::grant(
        app,
        &dev,
        &id,
        NewGrant {
            user_id: dev.user_id().to_owned(),
            starts_at: None,
            ends_at: None,
            requests_per_day: 1_000_000,
            tokens_per_day: 1_000_000_000,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("grant: {e}"))?;
    workflows::frontier::window_grants::accept(
        app,
        &dev,
        &g.id,
        Acceptance {
            terms_version: 1,
            sha256: sha,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("accept: {e}"))?;
    let c = workflows::frontier::window_grants::credential(
        app,
        &dev,
        &g.id,
        CredentialRequest { minutes: Some(720) },
    )
    .await
    .map_err(|e| anyhow::anyhow!("credential: {e}"))?;
    Ok((id, c.token))
}

pub async fn broker(args: BenchBrokerArgs) -> anyhow::Result<ExitCode> {
    let tmp =
        std::env::temp_dir().join(format!("clearinghouse-bench-broker-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", tmp.join("bench.db").display()));
    let storage = StorageArgs {
        data_dir: tmp.clone(),
        database_url: Some(url.clone()),
        object_store_url: None,
        audit_key_file: None,
        kek_file: None,
        db_connections: 8,
    };
    let settings = HttpSettings {
        max_body_bytes: 1 << 20,
        max_submission_bytes: app::DEFAULT_MAX_SUBMISSION_BYTES,
        secure_cookies: false,
        public_url: String::new(),
        // The reference endpoint listens on loopback.
        allow_private_webhooks: true,
        password_hash_cost: crate::auth::secrets::HashCost::Minimal,
        consultees: clearinghouse_domain::frontier::designation::default_consultees(),
        job_lease: crate::jobs::DEFAULT_LEASE,
        chunk_findings: None,
        batch_findings: crate::app::DEFAULT_BATCH_FINDINGS,
    };
    let app = app::open(&storage, settings).await?;
    workflows::accounts::bootstrap::ensure_admin(&app, Some(TOKEN), None)
        .await
        .map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?;
    let endpoint_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint_url = format!("http://{}/v1", endpoint_listener.local_addr()?);
    let endpoint = tokio::spawn(http::broker::reference::serve(
        endpoint_listener,
        SECRET.into(),
    ));
    let proxy_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_url = format!(
        "http://{}/v1/chat/completions",
        proxy_listener.local_addr()?
    );
    let proxy = tokio::spawn(http::broker::reference::bare_proxy(
        proxy_listener,
        format!("{endpoint_url}/chat/completions"),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(http::serve(app.clone(), listener, async move {
        let _ = stop_rx.changed().await;
    }));

    let (window, credential) = setup(&app, &base, &endpoint_url).await?;
    let client = reqwest::Client::builder().no_proxy().build()?;
    let direct_url = format!("{endpoint_url}/chat/completions");
    let broker_url = format!("{base}/broker/v1/chat/completions");
    // Warm both paths (connections, statement caches), then measure.
    drive(&client, &direct_url, SECRET, 50, args.concurrency).await;
    drive(&client, &broker_url, &credential, 50, args.concurrency).await;
    drive(&client, &bare_url, SECRET, 50, args.concurrency).await;
    let rounds = args.rounds.clamp(1, args.requests.max(1));
    let (mut direct, mut brokered, mut bare) = (Run::default(), Run::default(), Run::default());
    let mut done = 0;
    for round in 0..rounds {
        let n = (args.requests - done) / (rounds - round);
        done += n;
        let c = args.concurrency;
        for path in 0..3 {
            match (round + path) % 3 {
                0 => direct.add(drive(&client, &direct_url, SECRET, n, c).await),
                1 => brokered.add(drive(&client, &broker_url, &credential, n, c).await),
                _ => bare.add(drive(&client, &bare_url, SECRET, n, c).await),
            }
        }
    }
    direct.latencies.sort();
    brokered.latencies.sort();
    bare.latencies.sort();
    let expected = i64::try_from(args.requests + 50).unwrap_or(i64::MAX);
    let mut logged = 0;
    for _ in 0..600 {
        logged = store::frontier::window_grants::count_usage(&app.store.pool, &window).await?;
        if logged >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(true);
    let _ = server.await;
    endpoint.abort();
    proxy.abort();

    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (d_rate, b_rate) = (
        direct.latencies.len() as f64 / direct.secs.max(1e-9),
        brokered.latencies.len() as f64 / brokered.secs.max(1e-9),
    );
    let (d50, d99) = (
        percentile(&direct.latencies, 0.50),
        percentile(&direct.latencies, 0.99),
    );
    let (b50, b99) = (
        percentile(&brokered.latencies, 0.50),
        percentile(&brokered.latencies, 0.99),
    );
    let p_rate = bare.latencies.len() as f64 / bare.secs.max(1e-9);
    let (p50, p99) = (
        percentile(&bare.latencies, 0.50),
        percentile(&bare.latencies, 0.99),
    );
    println!(
        "bench broker: {} calls each way in {rounds} alternating rounds, {} in flight, {backend}, load average {}",
        args.requests,
        args.concurrency,
        load_average()
    );
    println!(
        "direct:   {d_rate:.0} req/s, p50 {d50:.2} ms, p99 {d99:.2} ms, {} failed",
        direct.failures
    );
    println!(
        "brokered: {b_rate:.0} req/s, p50 {b50:.2} ms, p99 {b99:.2} ms, {} failed",
        brokered.failures
    );
    println!(
        "bare proxy (same forwarding; no checks, no log): {p_rate:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms, {} failed",
        bare.failures
    );
    println!(
        "brokered throughput = {:.2} x direct; added latency p50 {:.2} ms, p99 {:.2} ms",
        b_rate / d_rate.max(1e-9),
        b50 - d50,
        b99 - d99
    );
    println!(
        "brokered throughput = {:.2} x the bare proxy (the floor of any proxy here); \
         added over it p50 {:.2} ms, p99 {:.2} ms",
        b_rate / p_rate.max(1e-9),
        b50 - p50,
        b99 - p99
    );
    println!("usage rows committed: {logged} of {expected} brokered calls (warm-up included)");
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(
        if logged >= expected
            && brokered.failures == 0
            && direct.failures == 0
            && bare.failures == 0
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
