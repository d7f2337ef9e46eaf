//! The `submission_process` job: reads a submitted file from the artifact
//! store as a stream on a blocking thread (the domain parser), and commits
//! its items in batches of [`BATCH_ITEMS`] through
//! `workflows::findings::ingest_batch`. Each batch commit records how many
//! batches are done, so a run interrupted at any moment (crash, kill, lost
//! lease) resumes after the last committed batch and never stores an item
//! twice. A document error after some items keeps them and ends the
//! submission `done` with the error; one before any item ends it `failed`.
//! A processed submission queues its `finding_analysis` job and tells its
//! organisation (inbox and webhooks) in the transaction that ends it.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clearinghouse_domain::findings::{self, Item, Target};
use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::auth::{Principal, Via};
use crate::model::finding::SubmissionState;
use crate::store;
use crate::store::jobs::ClaimedJob;
use crate::workflows::findings::submissions::finish;
use crate::workflows::findings::{BATCH_ITEMS, BatchOutcome, ingest_batch};

/// The job and its payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmissionProcess {
    pub submission_id: String,
}

impl Job for SubmissionProcess {
    const KIND: &'static str = "submission_process";

    async fn run(self, app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
        run(app, job, self).await
    }
}

/// Stops the parser soon after the consumer has gone away.
struct Cancellable<R> {
    inner: R,
    cancelled: Arc<AtomicBool>,
}

impl<R: Read> Read for Cancellable<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("processing stopped"));
        }
        self.inner.read(buf)
    }
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

async fn run(app: &AppState, job: &ClaimedJob, payload: SubmissionProcess) -> Result<(), JobError> {
    let pool = &app.store.pool;
    let Some(stored) = store::findings::submissions::get(pool, &payload.submission_id)
        .await
        .map_err(failed)?
    else {
        return Err(failed("no such submission"));
    };
    let submission = stored.submission;
    if submission.is_finished() {
        return Ok(());
    }
    let user = store::accounts::users::get(pool, &submission.submitted_by)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed("the submitter no longer exists"))?;
    let who = Principal::new(user, Via::System);
    let default_target = submission
        .default_target
        .as_deref()
        .map(Target::parse)
        .transpose()
        .map_err(failed)?;

    // Results outside the campaign's targets are refused one by one.
    let scope = match &submission.campaign {
        Some(c) => Some(
            crate::workflows::scans::intake::scope_of(app, c)
                .await
                .map_err(failed)?,
        ),
        None => None,
    };

    std::fs::create_dir_all(&app.spool_dir).map_err(failed)?;
    let local = app
        .spool_dir
        .join(format!("job-{}-{}", submission.id, job.attempts));
    let _cleanup = RemoveOnDrop(local.clone());
    app.artifacts
        .download(&stored.artifact_key, &local)
        .await
        .map_err(failed)?;
    let file = std::fs::File::open(&local).map_err(failed)?;
    let mut head = vec![0u8; 64 * 1024];
    let n = (&file)
        .take(head.len() as u64)
        .read(&mut head)
        .map_err(failed)?;
    head.truncate(n);
    let Some(format) = findings::detect(&head) else {
        let error =
            "not a SARIF 2.1.0, OSV, CSAF 2.0, CVE JSON 5 or clearinghouse_findings document";
        finish(app, &who, &submission, SubmissionState::Failed, Some(error))
            .await
            .map_err(failed)?;
        return Ok(());
    };
    let file = std::fs::File::open(&local).map_err(failed)?;
    store::findings::submissions::start(
        pool,
        &submission.id,
        Some(crate::workflows::findings::submissions::format_name(format)),
    )
    .await
    .map_err(failed)?;

    // The parser runs on a blocking thread and hands over whole batches;
    // two in flight bound the memory to a few batches of findings.
    let skip = (stored.batches as usize) * BATCH_ITEMS;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Item>>(2);
    let cancelled = Arc::new(AtomicBool::new(false));
    let reader = Cancellable {
        inner: file,
        cancelled: cancelled.clone(),
    };
    let parser = tokio::task::spawn_blocking(move || {
        let mut seq = 0usize;
        let mut batch = Vec::with_capacity(BATCH_ITEMS);
        let mut sink = |item: Item| {
            seq += 1;
            if seq <= skip {
                return;
            }
            batch.push(item);
            if batch.len() == BATCH_ITEMS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ITEMS));
                if tx.blocking_send(full).is_err() {
                    cancelled.store(true, Ordering::Relaxed);
                }
            }
        };
        let outcome = findings::parse_stream(reader, format, default_target.as_ref(), &mut sink);
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        outcome
    });

    let mut batch_no = stored.batches;
    let mut first_seq = skip as i64;
    while let Some(items) = rx.recv().await {
        let n = items.len() as i64;
        let items = match &scope {
            Some(targets) => crate::workflows::scans::intake::screen(items, targets),
            None => items,
        };
        let outcome = ingest_batch(
            app,
            &who,
            &submission,
            stored.visibility_id,
            batch_no,
            first_seq,
            &items,
        )
        .await;
        match outcome {
            Ok(BatchOutcome::Committed(_)) => {}
            // Another worker holds this submission now; leave it to it.
            Ok(BatchOutcome::AlreadyDone) => {
                drop(rx);
                let _ = parser.await;
                return Ok(());
            }
            Err(e) => {
                drop(rx);
                let _ = parser.await;
                return Err(failed(e));
            }
        }
        batch_no += 1;
        first_seq += n;
    }
    let parsed = parser.await.map_err(failed)?;
    let (state, error) = match parsed {
        Ok(_) => (SubmissionState::Done, None),
        Err(e) if first_seq > 0 => (SubmissionState::Done, Some(e.to_string())),
        Err(e) => (SubmissionState::Failed, Some(e.to_string())),
    };
    finish(app, &who, &submission, state, error.as_deref())
        .await
        .map_err(failed)?;
    app.jobs_queued.notify_one();
    Ok(())
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
