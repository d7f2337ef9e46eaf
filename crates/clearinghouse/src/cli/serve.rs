//! `serve`, `worker` and `migrate`.

use std::process::ExitCode;

use anyhow::Context;

use crate::app::{self, AppState, HttpSettings};
use crate::config::{ServeArgs, StorageArgs, WorkerArgs};
use crate::{http, jobs, workflows};

pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let consultees = consultees(&args.consultees)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let settings = HttpSettings {
        max_body_bytes: args.max_body_bytes,
        max_submission_bytes: args.max_submission_bytes,
        secure_cookies: !args.insecure_cookies,
        public_url: public_url.clone(),
        allow_private_webhooks: args.allow_private_webhooks,
        password_hash_cost: crate::auth::secrets::HashCost::Standard,
        consultees,
        job_lease: std::time::Duration::from_secs(args.job_lease_secs),
        chunk_findings: args.chunk_findings,
        batch_findings: args.batch_findings as usize,
    };
    let mailer = crate::notify_email::Mailer::from_args(&args.smtp)?;
    let app = app::open_with_mailer(&args.storage, settings, mailer).await?;
    if let Some(contact) = &args.security_contact {
        let c = contact.trim();
        let scheme_ok = ["mailto:", "https://", "tel:"]
            .iter()
            .any(|s| c.starts_with(s));
        if !scheme_ok || c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            anyhow::bail!("--security-contact must be a mailto:, https: or tel: URI (RFC 9116)");
        }
        let _ = app.security_contact.set(c.to_owned());
    }
    announce_bootstrap(&app, &public_url).await?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = (!args.no_worker).then(|| {
        tokio::spawn(jobs::run_worker(
            app.clone(),
            jobs::default_worker_id(),
            false,
            stop_rx.clone(),
        ))
    });
    let metrics_server = match args.metrics_listen {
        Some(metrics_addr) => {
            let metrics_listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("listening on {metrics_addr} for metrics"))?;
            println!(
                "Prometheus metrics (no credentials) at http://{}/metrics",
                metrics_listener.local_addr()?
            );
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(http::serve_metrics(
                app.clone(),
                metrics_listener,
                async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                },
            )))
        }
        None => None,
    };
    tracing::info!(%addr, "serving");
    println!(
        "Clearinghouse is listening on {public_url}/ (API under {public_url}/api/v1, OpenAPI at {public_url}/api/openapi.json)"
    );
    http::serve(app, listener, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await?;
    if let Some(w) = worker {
        let _ = w.await;
    }
    if let Some(m) = metrics_server {
        let _ = m.await;
    }
    Ok(ExitCode::SUCCESS)
}

/// The configured consultees (`--consultee`, `CLEARINGHOUSE_CONSULTEES`),
/// the order's four when none is given; a bad list stops the start.
fn consultees(
    entries: &[String],
) -> anyhow::Result<Vec<clearinghouse_domain::frontier::designation::Consultee>> {
    use clearinghouse_domain::frontier::designation::{default_consultees, parse_consultees};
    if entries.is_empty() {
        return Ok(default_consultees());
    }
    parse_consultees(entries).map_err(|e| anyhow::anyhow!("--consultee: {e}"))
}

/// Creates the first administrator on first start and says how to sign in.
async fn announce_bootstrap(app: &AppState, url: &str) -> anyhow::Result<()> {
    let token = std::env::var("CLEARINGHOUSE_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let password = std::env::var("CLEARINGHOUSE_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let created =
        workflows::accounts::bootstrap::ensure_admin(app, token.as_deref(), password.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?;
    if let Some(b) = created {
        println!("First start: created the administrator '{}'.", b.username);
        println!(
            "  Open {url}/ and sign in as '{}'{}",
            b.username,
            match &b.password {
                Some(p) => format!(" with the password: {p}"),
                None => " with the password from CLEARINGHOUSE_ADMIN_PASSWORD".to_owned(),
            }
        );
        match &b.token {
            Some(t) => println!("  API token (shown once): {t}"),
            None => println!("  API token: the value of CLEARINGHOUSE_ADMIN_TOKEN"),
        }
    }
    Ok(())
}

pub async fn worker(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let settings = HttpSettings {
        max_body_bytes: 0,
        max_submission_bytes: 0,
        secure_cookies: true,
        public_url: String::new(),
        allow_private_webhooks: args.allow_private_webhooks,
        password_hash_cost: crate::auth::secrets::HashCost::Standard,
        consultees: clearinghouse_domain::frontier::designation::default_consultees(),
        job_lease: std::time::Duration::from_secs(args.job_lease_secs),
        chunk_findings: args.chunk_findings,
        // A worker creates no submission; each keeps the size it was made with.
        batch_findings: crate::app::DEFAULT_BATCH_FINDINGS,
    };
    let mailer = crate::notify_email::Mailer::from_args(&args.smtp)?;
    let app = app::open_with_mailer(&args.storage, settings, mailer).await?;
    let id = args.worker_id.unwrap_or_else(jobs::default_worker_id);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    tracing::info!(worker = %id, "worker running");
    jobs::run_worker(app, id, args.exit_when_idle, stop_rx).await;
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate(storage: StorageArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&storage.data_dir)?;
    let store = crate::store::Store::connect(&storage.database_url(), 2).await?;
    store.migrate().await?;
    println!("migrations applied to {:?} database", store.backend);
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
