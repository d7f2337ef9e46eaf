//! The native drivers beside the `Any` pool, for the bulk write paths only
//! (the finding intake's batch commit, the benchmarks' baselines): `Any`
//! turns every value into an owned `String`, resolves `$n` names one by
//! one on SQLite and crosses a channel per statement, which costs more
//! than the database's own work on rows of a finding's width.
//!
//! - SQLite: one dedicated `rusqlite` connection to the same file (opened
//!   on first use, WAL like the pool's), its prepared statements cached and
//!   reused row by row inside one transaction ([`sqlite::SqliteTx`]). Only
//!   one SQLite library is linked: rusqlite 0.39 is on the same
//!   `libsqlite3-sys` as sqlx 0.9.
//! - PostgreSQL: a `PgPool` of its own (a few connections, opened lazily),
//!   with `COPY ... FROM STDIN (FORMAT binary)` ([`copy`]) and array
//!   parameters (`UNNEST`, `= ANY($1)`).
//!
//! Everything here is reached through `store/` functions; callers never
//! see which driver ran.

pub mod copy;
pub mod sqlite;

use std::borrow::Cow;
use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use tokio::sync::{Mutex, OnceCell};

use super::{Backend, Result};

/// The lazily opened native connections of one database.
pub struct Native {
    url: String,
    backend: Backend,
    sqlite: OnceCell<Arc<Mutex<rusqlite::Connection>>>,
    pg: OnceCell<sqlx::PgPool>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Native")
            .field("backend", &self.backend)
            .field("sqlite_open", &self.sqlite.initialized())
            .field("pg_open", &self.pg.initialized())
            .finish()
    }
}

impl Native {
    pub fn new(url: &str, backend: Backend) -> Native {
        Native {
            url: url.to_owned(),
            backend,
            sqlite: OnceCell::new(),
            pg: OnceCell::new(),
        }
    }

    /// The dedicated SQLite connection (opened on first use).
    pub async fn sqlite(&self) -> Result<Arc<Mutex<rusqlite::Connection>>> {
        let conn = self
            .sqlite
            .get_or_try_init(|| async {
                let path = sqlite::path_of(&self.url).ok_or_else(|| {
                    super::StoreError::Corrupt(format!(
                        "no SQLite file in the database URL ({})",
                        self.backend_name()
                    ))
                })?;
                let conn = tokio::task::spawn_blocking(move || sqlite::open(&path))
                    .await
                    .map_err(|e| super::StoreError::Corrupt(format!("opening SQLite: {e}")))??;
                Ok::<_, super::StoreError>(Arc::new(Mutex::new(conn)))
            })
            .await?;
        Ok(conn.clone())
    }

    /// The native PostgreSQL pool (connections open on first use).
    pub fn pg(&self) -> Result<&sqlx::PgPool> {
        if let Some(pool) = self.pg.get() {
            return Ok(pool);
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_lazy(&self.url)?;
        let _ = self.pg.set(pool);
        self.pg
            .get()
            .ok_or_else(|| super::StoreError::Corrupt("the PostgreSQL pool".into()))
    }

    fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// Closes the native connections (the pool's are closed by its owner).
    pub async fn close(&self) {
        if let Some(pool) = self.pg.get() {
            pool.close().await;
        }
    }
}

/// One value of a bulk row, for either driver: text (borrowed where it
/// can be) or a 64-bit integer (BIGINT on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(Option<Cow<'a, str>>),
    Int(Option<i64>),
}

impl<'a> Cell<'a> {
    pub fn text(v: Option<&'a str>) -> Cell<'a> {
        Cell::Text(v.map(Cow::Borrowed))
    }

    pub fn owned(v: Option<String>) -> Cell<'a> {
        Cell::Text(v.map(Cow::Owned))
    }
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Cell::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Cell::Int(Some(n)) => ToSqlOutput::Owned(Value::Integer(*n)),
            Cell::Text(None) | Cell::Int(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}
