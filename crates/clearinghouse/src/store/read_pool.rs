//! [`ReadPool`]: a few connections kept beside the pool for the hot reads
//! (a bearer token with its holder, the exposure list, a finding's
//! detail), given back without a ping.
//!
//! sqlx's pool pings every connection it takes back (`return_to_pool` in
//! sqlx-core 0.9, on every backend): on SQLite one more round trip to the
//! connection's worker thread after each query, on PostgreSQL one more to
//! the server. Under `bench api` that doubled the thread switches of a
//! request, which were a third of the server's time. A read run here
//! either finishes, and its connection goes back as it was, or fails or
//! is cancelled mid-statement, and its connection is closed instead (the
//! next read opens another). Only single SELECTs outside any transaction
//! run here, so a finished read leaves nothing behind.

use std::sync::Mutex;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Executor};
use tokio::sync::Semaphore;

use super::{Backend, Result, SQLITE_PRAGMAS, SQLITE_READ_PRAGMAS};

/// How long a read waits for a connection, as the pool's acquire does.
const WAIT: Duration = Duration::from_secs(30);

pub struct ReadPool {
    options: AnyConnectOptions,
    backend: Backend,
    idle: Mutex<Vec<AnyConnection>>,
    permits: Semaphore,
}

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool")
            .field("backend", &self.backend)
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

/// A connection lent to one read; back to the pool only once it finished.
struct Lent<'a> {
    conn: Option<AnyConnection>,
    pool: &'a ReadPool,
    finished: bool,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        // Not finished: dropped here, which closes it.
        if let Some(conn) = self.conn.take()
            && self.finished
            && let Ok(mut idle) = self.pool.idle.lock()
        {
            idle.push(conn);
        }
    }
}

impl ReadPool {
    /// At most `size` connections, opened when first needed.
    pub(super) fn new(options: AnyConnectOptions, backend: Backend, size: u32) -> ReadPool {
        ReadPool {
            options,
            backend,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size.max(1) as usize),
        }
    }

    async fn open(&self) -> Result<AnyConnection> {
        let mut conn = self.options.connect().await?;
        if self.backend == Backend::Sqlite {
            conn.execute(SQLITE_PRAGMAS).await?;
            conn.execute(SQLITE_READ_PRAGMAS).await?;
        }
        Ok(conn)
    }

    /// Runs the read `read` (single SELECTs, no transaction) on one of the
    /// connections, waiting up to 30 s for one.
    pub async fn run<T>(
        &self,
        read: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        let _permit = tokio::time::timeout(WAIT, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().await?,
        };
        let mut lent = Lent {
            conn: Some(conn),
            pool: self,
            finished: false,
        };
        let Some(conn) = lent.conn.as_mut() else {
            return Err(sqlx::Error::PoolClosed.into());
        };
        let out = read(conn).await;
        lent.finished = out.is_ok();
        out
    }
}
