//! How long a small write waits while a bulk write runs (`bench findings`
//! runs one during the intake): every few milliseconds, a transaction that
//! takes the write lock (`Store::begin_write`), runs one statement that
//! changes nothing and commits. On SQLite it waits for the one writer
//! connection, which an intake batch holds until it commits; PostgreSQL
//! locks rows, not the database, so there it waits for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::bench_matching::percentile;
use crate::store::{self, Store};

/// A running probe; [`WriteProbe::finish`] stops it.
pub struct WriteProbe {
    every: Duration,
    running: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<(Vec<Duration>, usize)>,
}

/// What a probe saw: how long each write took, from asking for the lock to
/// the commit, and how many failed.
pub struct Waits {
    pub every: Duration,
    pub writes: usize,
    pub failed: usize,
    pub median: Duration,
    pub p99: Duration,
    pub longest: Duration,
}

impl WriteProbe {
    /// Starts writing on `store`, one write every `every` after the last.
    pub fn start(store: Store, every: Duration) -> WriteProbe {
        let running = Arc::new(AtomicBool::new(true));
        let task = {
            let running = running.clone();
            tokio::spawn(async move {
                let (mut took, mut failed) = (Vec::new(), 0);
                while running.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    match store::bench_support::probe_write(&store).await {
                        Ok(()) => took.push(t.elapsed()),
                        Err(e) => {
                            failed += 1;
                            tracing::warn!(error = %e, "the write probe's write failed");
                        }
                    }
                    tokio::time::sleep(every).await;
                }
                (took, failed)
            })
        };
        WriteProbe {
            every,
            running,
            task,
        }
    }

    /// Stops the probe and sums up its writes.
    pub async fn finish(self) -> anyhow::Result<Waits> {
        self.running.store(false, Ordering::Relaxed);
        let (mut took, failed) = self.task.await?;
        took.sort_unstable();
        Ok(Waits {
            every: self.every,
            writes: took.len(),
            failed,
            median: percentile(&took, 0.5),
            p99: percentile(&took, 0.99),
            longest: took.last().copied().unwrap_or_default(),
        })
    }
}

impl std::fmt::Display for Waits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "another write meanwhile (one every {} ms, {} of them, {} failed) took: \
             median {:.1} ms, p99 {:.1} ms, longest {:.1} ms",
            self.every.as_millis(),
            self.writes,
            self.failed,
            ms(self.median),
            ms(self.p99),
            ms(self.longest)
        )
    }
}
