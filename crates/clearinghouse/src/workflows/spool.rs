//! Uploads streamed to a spool file before anything reads them: the one
//! helper behind findings submissions and evaluation-log imports. The body
//! is written to `spool_dir` chunk by chunk, its SHA-256 and size counted
//! on the way and its first bytes kept for format detection; past the
//! limit the answer is 413. The file is deleted when the [`Spool`] drops.

use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::workflows::new_id;

/// A spooled upload: deleted when dropped.
pub(crate) struct Spool(pub(crate) std::path::PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Streams `body` to a spool file named `<prefix>-<id>`; returns it with
/// its SHA-256, size and first `head_len` bytes. 413 past `limit`.
pub(crate) async fn spool<S, B, E>(
    app: &AppState,
    mut body: S,
    limit: u64,
    prefix: &str,
    head_len: usize,
) -> AppResult<(Spool, String, u64, Vec<u8>)>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(&app.spool_dir)
        .await
        .map_err(|e| AppError::internal("spool folder", e))?;
    let spool = Spool(app.spool_dir.join(format!("{prefix}-{}", new_id())));
    let io = |e: std::io::Error| AppError::internal("spooling the upload", e);
    let mut file = tokio::fs::File::create(&spool.0).await.map_err(io)?;
    let mut hash = Sha256::new();
    let mut size: u64 = 0;
    let mut head = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("body: could not read it: {e}")))?;
        let chunk = chunk.as_ref();
        size += chunk.len() as u64;
        if size > limit {
            return Err(AppError::TooLarge(format!("body: at most {limit} bytes")));
        }
        if head.len() < head_len {
            let room = head_len - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        hash.update(chunk);
        file.write_all(chunk).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    Ok((spool, hex::encode(hash.finalize()), size, head))
}
