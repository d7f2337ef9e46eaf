//! The `submission_chunk` job: commits one chunk of a submission that
//! `jobs::submission_process` split across workers. The chunk is a work
//! file of JSON lines of parsed items in the artifact store; its batches
//! are committed in order, numbered as if one worker had read the whole
//! file, so a retried chunk resumes after its last committed batch. The
//! work file is deleted once every batch of it is committed; the worker
//! that commits a submission's last batch ends it.

use std::io::BufRead;

use clearinghouse_domain::findings::Item;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::submission_process::{Committed, Intake, RemoveOnDrop, failed};
use super::{Job, JobError};
use crate::app::AppState;
use crate::artifacts::Artifacts;
use crate::store;
use crate::store::jobs::ClaimedJob;

/// The job and its payload: which part of which submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmissionChunk {
    pub submission_id: String,
    /// 1-based: chunk 0 is committed by the job that reads the file.
    pub chunk: u64,
    /// The sequence number of the chunk's first item in the file.
    pub first_seq: u64,
    /// The number of the chunk's first batch.
    pub first_batch: u64,
    /// How many items the chunk holds.
    pub items: u64,
}

impl SubmissionChunk {
    /// The job's unique key: a chunk is queued once, whatever retries.
    pub fn unique_key(&self) -> String {
        format!("chunk:{}:{}", self.submission_id, self.chunk)
    }
}

impl Job for SubmissionChunk {
    const KIND: &'static str = "submission_chunk";

    async fn run(self, app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
        run(app, job, self).await
    }
}

async fn run(app: &AppState, job: &ClaimedJob, chunk: SubmissionChunk) -> Result<(), JobError> {
    let Some(intake) = Intake::load(app, &chunk.submission_id).await? else {
        return Ok(());
    };
    let key = Artifacts::chunk_key(&chunk.submission_id, chunk.chunk);
    let batch_items = intake.stored.batch_items;
    let batches = chunk.items.div_ceil(batch_items as u64) as i64;
    let first_batch = chunk.first_batch as i64;
    let done = store::findings::submissions::committed_batches(
        &app.store.pool,
        &chunk.submission_id,
        first_batch,
        batches,
    )
    .await
    .map_err(failed)?;
    if done < batches {
        std::fs::create_dir_all(&app.spool_dir).map_err(failed)?;
        let local = app.spool_dir.join(format!(
            "job-{}-chunk-{}-{}",
            chunk.submission_id, chunk.chunk, job.attempts
        ));
        let _cleanup = RemoveOnDrop(local.clone());
        app.artifacts.download(&key, &local).await.map_err(failed)?;
        let skip = done as usize * batch_items;
        let (tx, mut rx) = mpsc::channel::<Vec<Item>>(1);
        let reader =
            tokio::task::spawn_blocking(move || read_items(&local, skip, batch_items, &tx));
        let committed = intake
            .commit(
                app,
                &mut rx,
                first_batch + done,
                chunk.first_seq as i64 + skip as i64,
            )
            .await;
        drop(rx);
        let read = reader.await.map_err(failed)?;
        if let Committed::TakenOver = committed? {
            return Ok(());
        }
        let read = read.map_err(failed)?;
        if read != chunk.items {
            return Err(failed(format!(
                "chunk {} holds {read} items, not {}",
                chunk.chunk, chunk.items
            )));
        }
    }
    // Every batch of the chunk is committed: its work file is no longer needed.
    app.artifacts.delete(&key).await.map_err(failed)?;
    intake.finish_if_complete(app).await
}

/// Reads a chunk's items and sends them in batches of `batch_items`, after
/// the first `skip`; returns how many items the file held (a consumer that
/// went away stops the reading early).
fn read_items(
    path: &std::path::Path,
    skip: usize,
    batch_items: usize,
    tx: &mpsc::Sender<Vec<Item>>,
) -> std::io::Result<u64> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut batch = Vec::with_capacity(batch_items);
    let mut n = 0u64;
    for line in file.lines() {
        let line = line?;
        n += 1;
        if n as usize <= skip {
            continue;
        }
        batch.push(serde_json::from_str::<Item>(&line)?);
        if batch.len() == batch_items {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_items));
            if tx.blocking_send(full).is_err() {
                return Ok(n);
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(batch);
    }
    Ok(n)
}
