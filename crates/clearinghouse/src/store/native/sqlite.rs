//! The dedicated SQLite connection of the bulk paths (`rusqlite`): opened
//! with the pool's pragmas, a statement cache so each bulk statement is
//! prepared once and reused row by row, and [`SqliteTx`], a write
//! transaction (`BEGIN IMMEDIATE`, as `Store::begin_write`) whose steps run
//! on a blocking thread. The connection is a mutex: one bulk writer at a
//! time, which SQLite's single writer lock imposes anyway.

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::store::{Result, StoreError};

/// The file of a `sqlite://PATH?...` or `sqlite:PATH` URL; `None` for an
/// in-memory database (no second connection can see it).
pub fn path_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// Opens `path` with the pool's pragmas (WAL, foreign keys, a 30 s busy
/// timeout) and room for the bulk paths' statements in the cache.
pub fn open(path: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; \
         PRAGMA cache_size = -65536;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Maps a unique-constraint violation to `Conflict(what)`.
pub fn conflict_as(err: rusqlite::Error, what: &'static str) -> StoreError {
    if let rusqlite::Error::SqliteFailure(e, _) = &err
        && (e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    {
        return StoreError::Conflict(what);
    }
    StoreError::Native(err)
}

/// Runs the cached statement `sql` once per row of `rows`; returns the
/// rows it changed.
pub fn execute_rows(
    conn: &Connection,
    sql: &str,
    rows: &[Vec<super::Cell<'_>>],
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut changed = 0;
    for row in rows {
        changed += stmt.execute(rusqlite::params_from_iter(row.iter()))?;
    }
    Ok(changed)
}

/// The connection while a transaction may be open on it: dropped anywhere
/// (an error, a cancelled task, a panic in a step) it rolls back, so the
/// write lock is never left held.
struct Held(OwnedMutexGuard<Connection>);

impl Drop for Held {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

/// A write transaction on the dedicated connection.
pub struct SqliteTx {
    held: Option<Held>,
}

impl SqliteTx {
    /// Takes the connection and SQLite's write lock (`BEGIN IMMEDIATE`).
    pub async fn begin(conn: Arc<Mutex<Connection>>) -> Result<SqliteTx> {
        let mut tx = SqliteTx {
            held: Some(Held(conn.lock_owned().await)),
        };
        tx.run(|c| c.execute_batch("BEGIN IMMEDIATE")).await?;
        Ok(tx)
    }

    /// Runs `step` on the connection on a blocking thread.
    pub async fn run<T, E>(
        &mut self,
        step: impl FnOnce(&Connection) -> std::result::Result<T, E> + Send + 'static,
    ) -> Result<T>
    where
        T: Send + 'static,
        E: Into<StoreError> + Send + 'static,
    {
        let held = self
            .held
            .take()
            .ok_or_else(|| StoreError::Corrupt("the SQLite transaction has ended".into()))?;
        let (held, out) = tokio::task::spawn_blocking(move || {
            let out = step(&held.0);
            (held, out)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("a SQLite step stopped: {e}")))?;
        self.held = Some(held);
        out.map_err(Into::into)
    }

    pub async fn commit(mut self) -> Result<()> {
        self.run(|c| c.execute_batch("COMMIT")).await
    }
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn file_of_a_url() {
        assert_eq!(
            path_of("sqlite:///tmp/a.db?mode=rwc"),
            Some("/tmp/a.db".into())
        );
        assert_eq!(path_of("sqlite:data/x.db"), Some("data/x.db".into()));
        assert_eq!(path_of("sqlite::memory:"), None);
        assert_eq!(path_of("postgres://h/db"), None);
    }
}
