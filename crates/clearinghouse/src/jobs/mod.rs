//! Background jobs: rows in the `jobs` table, claimed by any `serve` or
//! `worker` process (see `store::jobs` for how a job is never run twice),
//! retried with exponential backoff, one file per job kind. Each process
//! runs a loop for every kind and one for deliveries alone ([`Lane`]).
//!
//! Each kind is a type implementing [`Job`]: its name (`KIND`, the
//! `jobs.kind` column), its payload (the type itself, stored as JSON) and
//! its handler (`run`). [`REGISTRY`] lists every kind, one line each; a
//! kind missing there is refused as unknown when claimed. Work is queued
//! with [`enqueue`], typed, in the transaction of the change that causes it.

pub mod advisory_import;
pub mod audit_checkpoint;
pub mod case_publish;
pub mod directive_refresh;
pub mod directive_remind;
pub mod email_digest;
pub mod email_send;
pub mod finding_analysis;
pub mod purge_sessions;
pub mod rematch_part;
pub mod submission_chunk;
pub mod submission_process;
pub mod webhook_deliver;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::clock;
use crate::store::{self, AnyConnection, StoreError, jobs::ClaimedJob};

/// One kind of background job. The implementing type is the payload.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name, as stored in `jobs.kind` (never change a released one).
    const KIND: &'static str;

    /// Runs one attempt; an error is kept and the job retried with backoff
    /// until its attempts run out. `job` gives the attempt number.
    fn run(
        self,
        app: &AppState,
        job: &ClaimedJob,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// A registered job kind: its name and the function that decodes its
/// payload and runs it.
pub struct Registration {
    pub kind: &'static str,
    handler: for<'a> fn(&'a AppState, &'a ClaimedJob) -> BoxFuture<'a>,
}

/// The registry entry of job type `J`.
pub const fn register<J: Job>() -> Registration {
    Registration {
        kind: J::KIND,
        handler: handle::<J>,
    }
}

fn handle<'a, J: Job>(app: &'a AppState, job: &'a ClaimedJob) -> BoxFuture<'a> {
    Box::pin(async move {
        let payload: J = serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Failed(format!("bad payload: {e}")))?;
        payload.run(app, job).await
    })
}

/// Every job kind this build runs: one line each.
pub const REGISTRY: &[Registration] = &[
    register::<audit_checkpoint::AuditCheckpoint>(),
    register::<purge_sessions::PurgeSessions>(),
    register::<webhook_deliver::WebhookDeliver>(),
    register::<email_send::EmailSend>(),
    register::<email_digest::EmailDigest>(),
    register::<submission_process::SubmissionProcess>(),
    register::<submission_chunk::SubmissionChunk>(),
    register::<finding_analysis::FindingAnalysis>(),
    register::<advisory_import::AdvisoryImportJob>(),
    register::<directive_refresh::DirectiveRefresh>(),
    register::<directive_remind::DirectiveRemind>(),
    register::<case_publish::CasePublishDue>(),
    register::<rematch_part::RematchPart>(),
];

/// How long a claimed job's worker may stay silent before another worker
/// takes the job over (after a crash, say), unless `--job-lease-secs` says
/// otherwise (`HttpSettings::job_lease`). A running job's lease is renewed
/// every third of it, however long the job runs.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Jobs every installation runs on a schedule: kind and period.
const PERIODIC: &[(&str, i64)] = &[
    (audit_checkpoint::AuditCheckpoint::KIND, 60),
    (purge_sessions::PurgeSessions::KIND, 3600),
    (email_digest::EmailDigest::KIND, 86_400),
    (directive_refresh::DirectiveRefresh::KIND, 86_400),
    (directive_remind::DirectiveRemind::KIND, 86_400),
    (case_publish::CasePublishDue::KIND, 3600),
];

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("unknown job kind '{0}'")]
    UnknownKind(String),
    #[error("{0}")]
    Failed(String),
}

/// Queues `job` (see `store::jobs::enqueue`): with a `unique_key`, a second
/// job with the same key is not queued (returns false).
pub async fn enqueue<J: Job>(
    conn: &mut AnyConnection,
    job: &J,
    unique_key: Option<&str>,
    run_at: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let payload = serde_json::to_string(job).map_err(|e| StoreError::Encode {
        what: J::KIND,
        source: e,
    })?;
    store::jobs::enqueue(conn, J::KIND, &payload, unique_key, run_at, now).await
}

async fn run_one(app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    match REGISTRY.iter().find(|r| r.kind == job.kind) {
        Some(r) => (r.handler)(app, job).await,
        None => Err(JobError::UnknownKind(job.kind.clone())),
    }
}

/// Queues the periodic jobs for the current period; each period's job is
/// queued once across all processes (its unique key).
pub async fn schedule_periodic(app: &AppState) -> Result<(), store::StoreError> {
    let now = clock::now();
    let now_text = clock::format(now);
    for (kind, period) in PERIODIC {
        let bucket = now.unix_timestamp() / period;
        let key = format!("{kind}:{bucket}");
        store::jobs::enqueue(
            &app.store.pool,
            kind,
            "{}",
            Some(&key),
            &now_text,
            &now_text,
        )
        .await?;
    }
    Ok(())
}

/// Which jobs a job loop takes. A `serve` or `worker` process runs one
/// loop of each: [`Lane::Any`] takes every kind in queue order, and
/// [`Lane::Deliveries`] only the deliveries that reach people (webhooks and
/// emails), so a notification never waits behind a long job such as a
/// million-finding intake or a full re-match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Any,
    Deliveries,
}

impl Lane {
    /// The kinds the lane claims; empty for every kind.
    pub fn kinds(self) -> &'static [&'static str] {
        const DELIVERIES: &[&str] = &[
            webhook_deliver::WebhookDeliver::KIND,
            email_send::EmailSend::KIND,
        ];
        match self {
            Lane::Any => &[],
            Lane::Deliveries => DELIVERIES,
        }
    }
}

/// Claims and runs one job of any kind; returns false when none was due.
pub async fn run_next(app: &AppState, worker: &str) -> Result<bool, store::StoreError> {
    run_next_in(app, worker, Lane::Any).await
}

/// Claims and runs one job of `lane`; returns false when none was due.
pub async fn run_next_in(
    app: &AppState,
    worker: &str,
    lane: Lane,
) -> Result<bool, store::StoreError> {
    let now = clock::now();
    let lease = app.settings.job_lease;
    let Some(job) = store::jobs::claim(
        &app.store,
        worker,
        (&clock::format(now), &clock::format(now - lease)),
        lane.kinds(),
    )
    .await?
    else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    let _beating = {
        let (app, id, worker) = (app.clone(), job.id, worker.to_owned());
        AbortOnDrop(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let now = clock::now_text();
                if let Err(e) = store::jobs::heartbeat(&app.store.pool, id, &worker, &now).await {
                    tracing::warn!(job.id = id, error = %e, "renewing a job's lease failed");
                }
            }
        }))
    };
    let outcome = run_one(app, &job).await;
    metrics::histogram!("clearinghouse_job_seconds", "kind" => job.kind.clone())
        .record(started.elapsed().as_secs_f64());
    let done_at = clock::now_text();
    match outcome {
        Ok(()) => {
            metrics::counter!("clearinghouse_jobs_total", "kind" => job.kind.clone(), "outcome" => "ok").increment(1);
            store::jobs::complete(&app.store.pool, job.id, worker, &done_at).await?;
        }
        Err(e) => {
            metrics::counter!("clearinghouse_jobs_total", "kind" => job.kind.clone(), "outcome" => "error").increment(1);
            tracing::warn!(job.id = job.id, job.kind = %job.kind, error = %e, "job failed");
            let backoff = time::Duration::seconds(2_i64.pow(job.attempts.clamp(1, 10) as u32) * 5);
            let retry_at = clock::format(clock::now() + backoff);
            store::jobs::fail(
                &app.store.pool,
                &job,
                worker,
                &e.to_string(),
                &retry_at,
                &done_at,
            )
            .await?;
        }
    }
    Ok(true)
}

/// Stops the lease-renewing task when the job ends, however it ends (also
/// when the caller drops the job's future, as a shutdown does).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs jobs until `shutdown` fires (or, with `exit_when_idle`, until none
/// is due, in one loop): a loop of each [`Lane`], the deliveries' one as
/// worker `<worker>/deliveries`.
pub async fn run_worker(
    app: AppState,
    worker: String,
    exit_when_idle: bool,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if exit_when_idle {
        return run_lane(app, worker, Lane::Any, true, shutdown).await;
    }
    let deliveries = tokio::spawn(run_lane(
        app.clone(),
        format!("{worker}/deliveries"),
        Lane::Deliveries,
        false,
        shutdown.clone(),
    ));
    run_lane(app, worker, Lane::Any, false, shutdown).await;
    if let Err(e) = deliveries.await {
        tracing::warn!(error = %e, "the deliveries' job loop ended abnormally");
    }
}

/// One job loop. Only [`Lane::Any`]'s keeps the schedule and the planner's
/// statistics, and is woken when work is queued (`jobs_queued` wakes one
/// waiter, which must be a loop that takes every kind); the deliveries'
/// loop looks every half second.
async fn run_lane(
    app: AppState,
    worker: String,
    lane: Lane,
    exit_when_idle: bool,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut last_schedule = std::time::Instant::now() - Duration::from_secs(3600);
    let mut last_optimize = std::time::Instant::now();
    let upkeep = lane == Lane::Any;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if upkeep && last_optimize.elapsed() >= Duration::from_secs(3600) {
            if let Err(e) = app.store.optimize().await {
                tracing::warn!(error = %e, "refreshing the planner's statistics failed");
            }
            last_optimize = std::time::Instant::now();
        }
        if upkeep && last_schedule.elapsed() >= Duration::from_secs(15) && !exit_when_idle {
            if let Err(e) = schedule_periodic(&app).await {
                tracing::warn!(error = %e, "scheduling periodic jobs failed");
            }
            last_schedule = std::time::Instant::now();
        }
        match run_next_in(&app, &worker, lane).await {
            Ok(true) => continue,
            Ok(false) if exit_when_idle => return,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "claiming a job failed"),
        }
        let queued = async {
            if upkeep {
                app.jobs_queued.notified().await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = queued => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// A worker name unique to this process.
pub fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once() {
        let mut kinds: Vec<&str> = REGISTRY.iter().map(|r| r.kind).collect();
        kinds.sort_unstable();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(before, kinds.len(), "a job kind is registered twice");
        for (kind, _) in PERIODIC {
            assert!(
                kinds.contains(kind),
                "periodic job {kind} is not registered"
            );
        }
    }
}
