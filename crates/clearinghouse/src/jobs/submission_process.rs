//! The `submission_process` job: reads a submitted file from the artifact
//! store as a stream on a blocking thread (the domain parser) and commits
//! its items in batches (the submission's `batch_items`, fixed when it was
//! made: `--batch-findings`) through `workflows::findings::batches`.
//!
//! # Splitting a large file across workers
//! The first `--chunk-findings` items (the first chunk; by default 50,000
//! on PostgreSQL, and the whole file on SQLite, whose one writer a split
//! could not speed up) are committed here
//! as they are parsed. Every later chunk of that many items is written,
//! as parsed, to a work file in the artifact store and queued as a
//! `submission_chunk` job (`jobs::submission_chunk`), so that every `serve`
//! and `worker` process of an installation commits a part of one file at
//! once. Batch numbers and item sequence numbers follow the file's order
//! whichever worker commits them: chunk `k` holds items `k * C ..` and
//! batches `k * ceil(C / batch_items) ..`. A small file is one chunk,
//! committed here alone.
//!
//! # Resuming and ending
//! Each batch is recorded once (`store::findings::submissions::
//! record_batch`), so a run interrupted at any moment (crash, kill, lost
//! lease) resumes after its chunk's last committed batch and never stores
//! an item twice. When the whole file was read, this job records how many
//! batches the submission has in all; whichever worker then sees every
//! batch committed ends the submission ([`Intake::finish_if_complete`]):
//! `done`, or `done` with the document error when one stopped the reading
//! after some items, or `failed` when it came before any. Ending queues the
//! `finding_analysis` job and tells the organisation (inbox and webhooks).

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clearinghouse_domain::findings::{self, Item, Target};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::submission_chunk::SubmissionChunk;
use super::{Job, JobError};
use crate::app::AppState;
use crate::artifacts::Artifacts;
use crate::auth::{Principal, Via};
use crate::clock;
use crate::error::AppResult;
use crate::model::finding::SubmissionState;
use crate::store;
use crate::store::findings::submissions::StoredSubmission;
use crate::store::jobs::ClaimedJob;
use crate::workflows::findings::BatchOutcome;
use crate::workflows::findings::batches::{Chain, Link, Position, ingest_chained};
use crate::workflows::findings::submissions::finish;

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

pub(super) fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

/// How a submission is cut into chunks and batches: `items` per chunk,
/// each chunk starting on a fresh batch of `batch` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    items: u64,
    batch: u64,
}

impl Layout {
    /// `chunk_findings` items a chunk (0 means one chunk of any size),
    /// `batch_items` (at least 1) a batch.
    pub(super) fn new(chunk_findings: usize, batch_items: usize) -> Layout {
        Layout {
            items: match chunk_findings {
                0 => u64::MAX,
                n => n as u64,
            },
            batch: batch_items.max(1) as u64,
        }
    }

    fn batches_per_chunk(self) -> u64 {
        self.items.div_ceil(self.batch)
    }

    /// The batches of a submission of `items` items, in all.
    fn total_batches(self, items: u64) -> u64 {
        let full = items / self.items;
        let rest = items % self.items;
        full * self.batches_per_chunk() + rest.div_ceil(self.batch)
    }
}

/// What committing a submission's items needs: the stored row, the
/// submitter (acting through the system) and its campaign's targets.
pub(super) struct Intake {
    pub(super) stored: StoredSubmission,
    who: Principal,
    scope: Option<Vec<clearinghouse_domain::scans::Target>>,
}

/// How a run of batches ended.
pub(super) enum Committed {
    /// Every batch sent was committed.
    All,
    /// Another worker had committed a batch first: it holds this work now.
    TakenOver,
}

impl Intake {
    /// The submission `id`, or None when it has ended already.
    pub(super) async fn load(app: &AppState, id: &str) -> Result<Option<Intake>, JobError> {
        let pool = &app.store.pool;
        let stored = store::findings::submissions::get(pool, id)
            .await
            .map_err(failed)?
            .ok_or_else(|| failed("no such submission"))?;
        if stored.submission.is_finished() {
            return Ok(None);
        }
        let user = store::accounts::users::get(pool, &stored.submission.submitted_by)
            .await
            .map_err(failed)?
            .ok_or_else(|| failed("the submitter no longer exists"))?;
        // Results outside the campaign's targets are refused one by one.
        let scope = match &stored.submission.campaign {
            Some(c) => Some(
                crate::workflows::scans::intake::scope_of(app, c)
                    .await
                    .map_err(failed)?,
            ),
            None => None,
        };
        Ok(Some(Intake {
            stored,
            who: Principal::new(user, Via::System),
            scope,
        }))
    }

    /// Commits the batches `rx` delivers, numbered from `batch`, their
    /// items from sequence number `first_seq`. On PostgreSQL two batches
    /// are committed at once, in order (`workflows::findings::batches`);
    /// on SQLite, whose one writer they would share, one after the other,
    /// and so are the batches of an access window's submission (each
    /// batch shares every finding of its submission).
    pub(super) async fn commit(
        &self,
        app: &AppState,
        rx: &mut mpsc::Receiver<Vec<Item>>,
        mut batch: i64,
        mut first_seq: i64,
    ) -> Result<Committed, JobError> {
        let s = &self.stored;
        let two_at_once =
            app.store.backend == store::Backend::Postgres && s.submission.window_id.is_none();
        let mut running: Option<BatchTask> = None;
        let mut link: Option<Link> = None;
        while let Some(items) = rx.recv().await {
            let n = items.len() as i64;
            let items = match &self.scope {
                Some(targets) => crate::workflows::scans::intake::screen(items, targets),
                None => items,
            };
            let at = Position {
                batch,
                first_seq,
                visibility_id: s.visibility_id,
            };
            let chain = if two_at_once {
                let (chain, next) = Chain::link(link.take());
                link = Some(next);
                chain
            } else {
                Chain::default()
            };
            let (app2, who, submission) = (app.clone(), self.who.clone(), s.submission.clone());
            let task = BatchTask(tokio::spawn(async move {
                ingest_chained(&app2, &who, &submission, at, &items, chain).await
            }));
            // At most two batches are running: wait for the one before.
            let before = running.replace(task);
            if !two_at_once || before.is_some() {
                let done = if two_at_once { before } else { running.take() };
                if let Some(done) = done {
                    let result = outcome(done).await;
                    if !matches!(result, Ok(Committed::All)) {
                        // The batch after it stops too (its chain is
                        // broken) and rolls back: wait for that.
                        if let Some(mut next) = running.take() {
                            let _ = (&mut next.0).await;
                        }
                        return result;
                    }
                }
            }
            batch += 1;
            first_seq += n;
        }
        match running {
            Some(last) => outcome(last).await,
            None => Ok(Committed::All),
        }
    }

    /// Ends the submission if the whole file was read and every batch is
    /// committed; otherwise leaves it to the worker committing the rest.
    pub(super) async fn finish_if_complete(&self, app: &AppState) -> Result<(), JobError> {
        let id = &self.stored.submission.id;
        let now = store::findings::submissions::get(&app.store.pool, id)
            .await
            .map_err(failed)?
            .ok_or_else(|| failed("no such submission"))?;
        if now.total_batches != Some(now.batches) {
            return Ok(());
        }
        self.end(app, now.batches > 0, now.parse_error.as_deref())
            .await
    }

    async fn end(
        &self,
        app: &AppState,
        any_item: bool,
        error: Option<&str>,
    ) -> Result<(), JobError> {
        let state = if any_item || error.is_none() {
            SubmissionState::Done
        } else {
            SubmissionState::Failed
        };
        finish(app, &self.who, &self.stored.submission, state, error)
            .await
            .map_err(failed)?;
        app.jobs_queued.notify_one();
        Ok(())
    }
}

/// A batch committing on a task of its own. Dropped unfinished (the job
/// stopped), the task is aborted and its transaction rolled back, as when
/// the batch was committed inline.
struct BatchTask(tokio::task::JoinHandle<AppResult<BatchOutcome>>);

impl Drop for BatchTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a batch's task ended: committed, or another worker had
/// committed it first.
async fn outcome(mut task: BatchTask) -> Result<Committed, JobError> {
    match (&mut task.0).await.map_err(failed)?.map_err(failed)? {
        BatchOutcome::AlreadyDone => Ok(Committed::TakenOver),
        BatchOutcome::Committed(_) => Ok(Committed::All),
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

async fn run(app: &AppState, job: &ClaimedJob, payload: SubmissionProcess) -> Result<(), JobError> {
    let Some(intake) = Intake::load(app, &payload.submission_id).await? else {
        return Ok(());
    };
    if intake.stored.total_batches.is_some() {
        // An earlier attempt read the whole file; the chunks hold the rest.
        return intake.finish_if_complete(app).await;
    }
    let submission = &intake.stored.submission;
    let default_target = submission
        .default_target
        .as_deref()
        .map(Target::parse)
        .transpose()
        .map_err(failed)?;

    std::fs::create_dir_all(&app.spool_dir).map_err(failed)?;
    let local = app
        .spool_dir
        .join(format!("job-{}-{}", submission.id, job.attempts));
    let _cleanup = RemoveOnDrop(local.clone());
    app.artifacts
        .download(&intake.stored.artifact_key, &local)
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
        finish(
            app,
            &intake.who,
            submission,
            SubmissionState::Failed,
            Some(error),
        )
        .await
        .map_err(failed)?;
        return Ok(());
    };
    let file = std::fs::File::open(&local).map_err(failed)?;
    store::findings::submissions::start(
        &app.store.pool,
        &submission.id,
        Some(crate::workflows::findings::submissions::format_name(format)),
    )
    .await
    .map_err(failed)?;

    let batch_items = intake.stored.batch_items;
    let layout = Layout::new(app.chunk_findings(), batch_items);
    let first_chunk_batches = layout.batches_per_chunk().min(i64::MAX as u64) as i64;
    let done = store::findings::submissions::committed_batches(
        &app.store.pool,
        &submission.id,
        0,
        first_chunk_batches,
    )
    .await
    .map_err(failed)?;
    let skip = done as u64 * batch_items as u64;

    // The parser runs on a blocking thread. It hands the first chunk over
    // in whole batches, one waiting while one (two on PostgreSQL) commits
    // (bounding memory to three or four batches: it is five times as fast
    // as the commit), and writes every later chunk to a work file, handed
    // to `upload`.
    let (tx, mut rx) = mpsc::channel::<Vec<Item>>(1);
    let (chunk_tx, chunk_rx) = mpsc::unbounded_channel::<ChunkFile>();
    let cancelled = Arc::new(AtomicBool::new(false));
    let reader = Cancellable {
        inner: file,
        cancelled: cancelled.clone(),
    };
    let chunks = ChunkWriter::new(layout, &app.spool_dir, &submission.id, job.attempts);
    let parser = tokio::task::spawn_blocking(move || {
        let mut split = Splitter {
            layout,
            skip,
            seq: 0,
            batch: Vec::with_capacity(batch_items),
            first: tx,
            cancelled,
            chunks,
            chunk_tx,
            error: None,
        };
        let outcome = findings::parse_stream(reader, format, default_target.as_ref(), &mut |i| {
            split.take(i)
        });
        split.end().map(|items| (items, outcome))
    });
    let uploads = tokio::spawn(upload(app.clone(), submission.id.clone(), chunk_rx));

    let committed = intake.commit(app, &mut rx, done, skip as i64).await;
    drop(rx);
    let parsed = parser.await.map_err(failed)?;
    let uploaded = uploads.await.map_err(failed)?;
    if let Committed::TakenOver = committed? {
        return Ok(());
    }
    let (items, outcome) = parsed.map_err(failed)?;
    uploaded?;
    let total = layout.total_batches(items) as i64;
    let error = outcome.err().map(|e| e.to_string());
    let batches = store::findings::submissions::set_total_batches(
        &app.store.pool,
        &submission.id,
        total,
        error.as_deref(),
    )
    .await
    .map_err(failed)?;
    if batches == total {
        intake.end(app, items > 0, error.as_deref()).await?;
    }
    Ok(())
}

/// A finished work file: chunk `chunk`, its first item's sequence number
/// and first batch, and how many items it holds.
struct ChunkFile {
    path: PathBuf,
    job: SubmissionChunk,
}

/// Writes the chunks after the first as JSON lines of [`Item`].
struct ChunkWriter {
    layout: Layout,
    submission_id: String,
    dir: PathBuf,
    prefix: String,
    open: Option<(BufWriter<std::fs::File>, ChunkFile)>,
}

impl ChunkWriter {
    fn new(layout: Layout, dir: &Path, submission_id: &str, attempt: i64) -> ChunkWriter {
        ChunkWriter {
            layout,
            submission_id: submission_id.to_owned(),
            dir: dir.to_owned(),
            prefix: format!("chunk-{submission_id}-{attempt}"),
            open: None,
        }
    }

    /// Appends item `seq`; returns the chunk it completed, if any.
    fn write(&mut self, seq: u64, item: &Item) -> std::io::Result<Option<ChunkFile>> {
        if self.open.is_none() {
            let chunk = seq / self.layout.items;
            let path = self.dir.join(format!("{}-{chunk}", self.prefix));
            let file = BufWriter::new(std::fs::File::create(&path)?);
            let job = SubmissionChunk {
                submission_id: self.submission_id.clone(),
                chunk,
                first_seq: seq,
                first_batch: chunk * self.layout.batches_per_chunk(),
                items: 0,
            };
            self.open = Some((file, ChunkFile { path, job }));
        }
        let Some((file, chunk)) = self.open.as_mut() else {
            return Ok(None);
        };
        serde_json::to_writer(&mut *file, item)?;
        file.write_all(b"\n")?;
        chunk.job.items += 1;
        if chunk.job.items == self.layout.items {
            return self.close();
        }
        Ok(None)
    }

    /// Flushes the open chunk, if any, and hands it back.
    fn close(&mut self) -> std::io::Result<Option<ChunkFile>> {
        let Some((mut file, chunk)) = self.open.take() else {
            return Ok(None);
        };
        file.flush()?;
        Ok(Some(chunk))
    }
}

/// The parser's sink: the first chunk to the committer, the rest to files.
struct Splitter {
    layout: Layout,
    /// Items of the first chunk already committed by an earlier attempt.
    skip: u64,
    seq: u64,
    batch: Vec<Item>,
    first: mpsc::Sender<Vec<Item>>,
    cancelled: Arc<AtomicBool>,
    chunks: ChunkWriter,
    chunk_tx: mpsc::UnboundedSender<ChunkFile>,
    error: Option<std::io::Error>,
}

impl Splitter {
    fn take(&mut self, item: Item) {
        let seq = self.seq;
        self.seq += 1;
        if seq < self.layout.items {
            if seq < self.skip {
                return;
            }
            self.batch.push(item);
            if self.batch.len() as u64 == self.layout.batch || self.seq == self.layout.items {
                self.send_batch();
            }
            return;
        }
        match self.chunks.write(seq, &item) {
            Ok(Some(done)) => self.hand_over(done),
            Ok(None) => {}
            Err(e) => self.stop(e),
        }
    }

    fn send_batch(&mut self) {
        let capacity = self.layout.batch as usize;
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(capacity));
        if !full.is_empty() && self.first.blocking_send(full).is_err() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }

    fn hand_over(&mut self, chunk: ChunkFile) {
        if self.chunk_tx.send(chunk).is_err() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }

    fn stop(&mut self, e: std::io::Error) {
        self.error.get_or_insert(e);
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// After the parser: the last partial batch and chunk handed over;
    /// returns how many items the file held.
    fn end(mut self) -> std::io::Result<u64> {
        self.send_batch();
        match self.chunks.close() {
            Ok(Some(chunk)) => self.hand_over(chunk),
            Ok(None) => {}
            Err(e) => self.stop(e),
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.seq),
        }
    }
}

/// Stores each finished chunk file in the artifact store and queues its
/// job (once: a chunk an earlier attempt queued is not stored again).
async fn upload(
    app: AppState,
    submission_id: String,
    mut chunks: mpsc::UnboundedReceiver<ChunkFile>,
) -> Result<(), JobError> {
    while let Some(chunk) = chunks.recv().await {
        let _cleanup = RemoveOnDrop(chunk.path.clone());
        let key = chunk.job.unique_key();
        if store::jobs::key_exists(&app.store.pool, &key)
            .await
            .map_err(failed)?
        {
            continue;
        }
        let object = Artifacts::chunk_key(&submission_id, chunk.job.chunk);
        app.artifacts
            .put_file(&object, &chunk.path)
            .await
            .map_err(failed)?;
        let now = clock::now_text();
        let mut conn = app.store.pool.acquire().await.map_err(failed)?;
        super::enqueue(&mut conn, &chunk.job, Some(&key), &now, &now)
            .await
            .map_err(failed)?;
        app.jobs_queued.notify_one();
    }
    Ok(())
}

pub(super) struct RemoveOnDrop(pub(super) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_on_fresh_batches() {
        for b in [1, 2000, 10_000] {
            let one = Layout::new(0, b);
            assert_eq!(one.total_batches(0), 0);
            assert_eq!(one.total_batches(1), 1);
            assert_eq!(one.total_batches(2 * b as u64 + 1), 3);
            let small = Layout::new(1, b);
            assert_eq!(small.batches_per_chunk(), 1);
            assert_eq!(small.total_batches(12), 12);
            let odd = Layout::new(b + 1, b);
            assert_eq!(odd.batches_per_chunk(), 2);
            // Two full chunks of two batches each, then one item.
            assert_eq!(odd.total_batches(2 * (b as u64 + 1) + 1), 5);
        }
        // A chunk smaller than a batch is one batch.
        let small = Layout::new(5, 2000);
        assert_eq!(small.batches_per_chunk(), 1);
        assert_eq!(small.total_batches(12), 3);
    }
}
