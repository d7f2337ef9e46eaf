//! The broker's in-memory state, one per process (`AppState::broker`):
//!
//! - **the call-facts cache**: what the joined read of a credential
//!   returned (credential, grant, window, terms acceptance) and the
//!   unsealed endpoint, per token digest, for at most [`CACHE_TTL`] and at
//!   most [`MAX_CACHED`] credentials (full: emptied). Every change that
//!   can narrow access in this process (a grant revoked, terms changed or
//!   accepted, a window shortened or closed) bumps a generation that makes
//!   every entry stale at once; a change made by another process is seen
//!   within [`CACHE_TTL`]. Time checks (expiry, the grant's span) are made
//!   on every call against the cached times (parsed once per read), never
//!   cached themselves. An entry is shared (`Arc`), not copied, per call.
//! - **quota counters** per grant and UTC day: requests and tokens used,
//!   plus requests *reserved* by calls in flight. A call reserves one
//!   request before it is forwarded (so calls in flight cannot overshoot
//!   the quota) and settles it with its tokens when it ends. A counter
//!   starts from the usage log and takes the larger of its own and the
//!   log's figures at each cache reload (other processes' use).
//! - **the usage writer**: one task per process that commits usage rows
//!   (and sealed transcripts) in groups: it takes every row queued while
//!   the previous commit ran (at most [`MAX_BATCH`]) and commits them
//!   together: one multi-row `INSERT` (a single statement is atomic, so a
//!   group of up to 64 rows without transcripts is one round trip to the
//!   database), else one transaction. The writer keeps one connection of
//!   the pool for itself (when the pool has at least
//!   [`MIN_POOL_TO_HOLD`]), so its page cache stays warm and no batch waits
//!   for a checkout; a failed write lets it go. "Durable" means committed: each caller waits for its
//!   own row's commit before its response ends (group commit; with SQLite
//!   WAL and `synchronous=NORMAL` a commit survives a process crash, and a
//!   power loss may lose the last transactions).
//! - **alert scans**: after a commit, each window in it gets one scan
//!   ([`window_alerts::raise`]) [`SCAN_DELAY`] later unless one is already
//!   pending, so a burst of calls is scanned once, after it, and no call
//!   goes unscanned (a process that dies first leaves its calls to the
//!   window's next scan: the rules always read the whole recent log).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use clearinghouse_domain::frontier::access::Span;
use tokio::sync::{mpsc, oneshot};

use crate::app::{AppInner, AppState};
use crate::store::frontier::window_grants::{CallFacts, UsageRow};
use crate::store::{HeldConnection, Store};
use crate::workflows::frontier::window_alerts;
use crate::workflows::frontier::windows::Endpoint;

/// How long a credential's facts are reused without reading the store.
pub const CACHE_TTL: Duration = Duration::from_secs(2);
/// Credentials cached at most.
pub const MAX_CACHED: usize = 10_000;
/// Usage rows committed in one transaction at most.
pub const MAX_BATCH: usize = 512;
/// Rows waiting for the writer at most (callers wait beyond it).
const QUEUE: usize = 8192;
/// Quota counters kept at most (grant × day); full: older days dropped.
const MAX_COUNTERS: usize = 100_000;
/// The smallest pool the writer holds a connection of (a smaller one is
/// left whole to the requests; the writer then checks one out a batch).
pub const MIN_POOL_TO_HOLD: u32 = 4;
/// How long after a window's calls were committed its alert scan runs.
pub const SCAN_DELAY: Duration = Duration::from_secs(2);

/// A credential's facts as cached (shared, never copied per call).
pub struct Cached {
    pub facts: CallFacts,
    /// The grant's and the window's spans and the credential's expiry,
    /// parsed once when the facts were read.
    pub times: Times,
    /// Unsealed on first use.
    endpoint: OnceLock<Arc<Endpoint>>,
    loaded: Instant,
    generation: u64,
}

/// The times of a credential's facts, Unix seconds.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub grant: Span,
    pub window: Span,
    pub credential_expires_at: i64,
}

impl Cached {
    /// The unsealed endpoint, once it has been unsealed.
    pub fn endpoint(&self) -> Option<Arc<Endpoint>> {
        self.endpoint.get().cloned()
    }

    /// Keeps the unsealed endpoint (the first one kept wins).
    pub fn keep_endpoint(&self, endpoint: Endpoint) -> Arc<Endpoint> {
        let kept = self.endpoint.get_or_init(|| Arc::new(endpoint));
        Arc::clone(kept)
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    requests: i64,
    tokens: i64,
    reserved: i64,
}

/// A usage row waiting for its commit, with its sealed transcript.
struct Pending {
    row: UsageRow,
    transcript: Option<String>,
    done: oneshot::Sender<Result<(), String>>,
}

#[derive(Default)]
pub struct BrokerState {
    cache: Mutex<HashMap<String, Arc<Cached>>>,
    generation: AtomicU64,
    counters: Mutex<HashMap<(String, i64), Counter>>,
    writer: OnceLock<mpsc::Sender<Pending>>,
    /// Windows whose alert scan is pending.
    scans: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for BrokerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerState").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data; keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl BrokerState {
    /// Makes every cached entry stale (something narrowed access).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The cached facts of a token digest, if fresh.
    pub fn cached(&self, token_sha256: &str) -> Option<Arc<Cached>> {
        let generation = self.generation.load(Ordering::SeqCst);
        let cache = lock(&self.cache);
        cache
            .get(token_sha256)
            .filter(|c| c.generation == generation && c.loaded.elapsed() < CACHE_TTL)
            .cloned()
    }

    /// Keeps freshly read facts (generation read before the store was), and
    /// merges the log's day use into the grant's counter.
    pub fn remember(
        &self,
        token_sha256: &str,
        facts: CallFacts,
        times: Times,
        generation: u64,
        day: i64,
    ) -> Arc<Cached> {
        {
            let mut counters = lock(&self.counters);
            if counters.len() >= MAX_COUNTERS {
                counters.retain(|(_, d), c| *d >= day || c.reserved > 0);
            }
            let c = counters.entry((facts.grant.id.clone(), day)).or_default();
            c.requests = c.requests.max(facts.used_requests);
            c.tokens = c.tokens.max(facts.used_tokens);
        }
        let entry = Arc::new(Cached {
            facts,
            times,
            endpoint: OnceLock::new(),
            loaded: Instant::now(),
            generation,
        });
        let mut cache = lock(&self.cache);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(token_sha256.to_owned(), Arc::clone(&entry));
        entry
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Checks the quota with the requests in flight counted, and reserves
    /// one request when it allows the call: `Ok(())` reserved, `Err` the
    /// refusal of `check` (called with requests used + reserved, tokens).
    pub fn reserve<E>(
        &self,
        grant_id: &str,
        day: i64,
        check: impl FnOnce(i64, i64) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut counters = lock(&self.counters);
        let c = counters.entry((grant_id.to_owned(), day)).or_default();
        check(c.requests + c.reserved, c.tokens)?;
        c.reserved += 1;
        Ok(())
    }

    /// Ends a reservation: the request and its tokens now count as used.
    pub fn settle(&self, grant_id: &str, day: i64, tokens: i64) {
        let mut counters = lock(&self.counters);
        let c = counters.entry((grant_id.to_owned(), day)).or_default();
        c.reserved = (c.reserved - 1).max(0);
        c.requests += 1;
        c.tokens += tokens.max(0);
    }

    /// Commits `row` (and its sealed transcript) through the writer and
    /// waits for the commit.
    pub async fn commit(
        &self,
        app: &AppState,
        row: UsageRow,
        transcript: Option<String>,
    ) -> Result<(), String> {
        let store = &app.store;
        let sender = self.writer.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_loop(
                store.clone(),
                std::sync::Arc::downgrade(&app.0),
                rx,
            ));
            tx
        });
        let (done, wait) = oneshot::channel();
        let pending = Pending {
            row,
            transcript,
            done,
        };
        match sender.send(pending).await {
            Ok(()) => wait
                .await
                .unwrap_or_else(|_| Err("the usage writer stopped".into())),
            // The writer's runtime is gone (a test's, say): write it here.
            Err(mpsc::error::SendError(p)) => {
                write_batch(store, &mut None, &[p.row], &[p.transcript]).await
            }
        }
    }

    /// Schedules the alert scan of `window_id` unless one is pending.
    fn scan_later(&self, app: Weak<AppInner>, window_id: &str) {
        if !lock(&self.scans).insert(window_id.to_owned()) {
            return;
        }
        let window_id = window_id.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(SCAN_DELAY).await;
            let Some(inner) = app.upgrade() else {
                return;
            };
            let app = AppState(inner);
            lock(&app.broker.scans).remove(&window_id);
            if let Err(e) = window_alerts::raise(&app, &window_id).await {
                tracing::warn!(window.id = %window_id, error = %e.chain(), "alert scan failed");
            }
        });
    }
}

/// The writer task: group commits until every sender is gone, then the
/// alert scans of the windows it wrote to.
async fn write_loop(store: Store, app: Weak<AppInner>, mut rx: mpsc::Receiver<Pending>) {
    let (mut rows, mut sealed, mut waiting) = (Vec::new(), Vec::new(), Vec::new());
    let mut held: Option<HeldConnection> = None;
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(p) = next {
            rows.push(p.row);
            sealed.push(p.transcript);
            waiting.push(p.done);
            next = if rows.len() < MAX_BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        let result = write_batch(&store, &mut held, &rows, &sealed).await;
        if let Some(inner) = app.upgrade() {
            let windows: BTreeSet<&str> = rows.iter().map(|r| r.window_id.as_str()).collect();
            for w in windows {
                inner.broker.scan_later(app.clone(), w);
            }
        }
        if result.is_err() && rows.len() > 1 {
            // One bad row must not lose the others: each on its own.
            for ((row, transcript), done) in
                rows.drain(..).zip(sealed.drain(..)).zip(waiting.drain(..))
            {
                let r = write_batch(&store, &mut held, &[row], &[transcript]).await;
                let _ = done.send(r);
            }
            continue;
        }
        rows.clear();
        sealed.clear();
        for done in waiting.drain(..) {
            let _ = done.send(result.clone());
        }
    }
}

/// The rows and their transcripts, committed together: one multi-row
/// `INSERT` (atomic by itself: no transaction round trips) when there is
/// no transcript and it fits one statement, else one transaction. On the
/// writer's held connection when it has one (`held`, taken on first use
/// when the pool is large enough, dropped after a failure).
async fn write_batch(
    store: &Store,
    held: &mut Option<HeldConnection>,
    rows: &[UsageRow],
    sealed: &[Option<String>],
) -> Result<(), String> {
    use crate::store::frontier::window_grants::{USAGE_ROWS_PER_STATEMENT, insert_usages};
    let mut checked_out = None;
    let write = async {
        if held.is_none() {
            *held = store.hold(MIN_POOL_TO_HOLD).await?;
        }
        let conn = match held {
            Some(c) => c,
            None => checked_out.insert(store.pool.acquire().await?),
        };
        if rows.len() <= USAGE_ROWS_PER_STATEMENT && sealed.iter().all(Option::is_none) {
            insert_usages(conn, rows).await?;
            return Ok(());
        }
        let mut tx = store.begin_write_on(conn).await?;
        insert_usages(&mut tx, rows).await?;
        for (row, transcript) in rows.iter().zip(sealed) {
            if let Some(t) = transcript {
                crate::store::frontier::window_alerts::insert_transcript(
                    &mut tx,
                    &row.id,
                    &row.window_id,
                    t,
                    &row.at,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok::<(), crate::store::StoreError>(())
    };
    let result = write.await;
    if result.is_err() {
        // A connection that failed a write is not kept.
        *held = None;
    }
    result.map_err(|e| e.to_string())
}
