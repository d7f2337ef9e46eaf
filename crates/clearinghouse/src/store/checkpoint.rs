//! SQLite's WAL checkpoints, taken off the commit path. By default the
//! commit that takes the WAL past `wal_autocheckpoint` pages copies the WAL
//! back into the database before it returns. Under `bench matching` at
//! 1,000 operators those commits were a new advisory's p99: 99–125 ms with
//! the writer checkpointing every 10,000 pages, 17 ms without (floor
//! 12 ms). So every connection checkpoints by itself only past a WAL of
//! 100,000 pages, about 400 MiB (`wal_autocheckpoint` in the store's
//! pragmas; a bound, should this task fall behind), and
//! a task runs a PASSIVE checkpoint every [`PERIOD`] on a pool connection,
//! which neither waits for the writer nor blocks it.

use std::time::Duration;

use sqlx::AnyPool;

/// How often the task checkpoints.
const PERIOD: Duration = Duration::from_secs(1);

/// The running task; stopped when dropped (with the last clone of the
/// store that started it).
#[derive(Debug)]
pub(super) struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts checkpointing the database of `pool` every [`PERIOD`].
pub(super) fn start(pool: AnyPool) -> Checkpointer {
    Checkpointer(tokio::spawn(async move {
        let mut tick = tokio::time::interval(PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "a WAL checkpoint failed; the next one retries");
            }
        }
    }))
}
