//! The storage layer: the only place that holds SQL. One `Store` handle over
//! an sqlx `AnyPool`, so the same code runs on embedded SQLite and on
//! PostgreSQL; where the dialects differ the function branches on
//! [`Backend`]. Values are kept as TEXT/INTEGER/BOOLEAN because the `Any`
//! driver decodes nothing richer (ids are UUID text, times RFC 3339 text).

#[macro_use]
mod columns;
#[macro_use]
mod paged;

pub mod accounts;
pub mod advisories;
pub mod approvals;
pub mod audit;
#[cfg(feature = "bench")]
pub mod bench_floor;
#[cfg(feature = "bench")]
pub mod bench_support;
pub mod cases;
mod checkpoint;
pub mod directives;
pub mod documents;
pub mod exposure;
mod fetch;
pub mod findings;
pub mod frontier;
pub mod jobs;
mod json_rows;
pub mod labelled;
pub mod labels;
pub mod locks;
mod migrations;
pub mod notifications;
pub mod read_filter;
mod read_pool;
pub mod scans;
pub mod settings;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, ConnectOptions, Executor, Transaction};

pub type Tx = Transaction<'static, Any>;
/// A pooled connection kept by its holder ([`Store::hold`]).
pub type HeldConnection = sqlx::pool::PoolConnection<Any>;

/// The connection type store functions take; named here so that code
/// outside `store/` never names sqlx (a tidy test checks).
pub use sqlx::AnyConnection;
/// The pool type store functions take (named here for the same reason).
pub use sqlx::AnyPool;

/// A database error met outside a store function (`Tx::commit`, say) is a
/// storage failure of the request.
impl From<sqlx::Error> for crate::error::AppError {
    fn from(e: sqlx::Error) -> Self {
        crate::error::AppError::Store(StoreError::Database(e))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of the storage layer. Callers branch on `Conflict` (a unique
/// constraint) and `NotFound`; everything else is internal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A stored value that does not parse as its column's type.
    #[error("{table}.{column}: stored value '{value}' is not valid")]
    Decode {
        table: &'static str,
        column: &'static str,
        value: String,
    },
    /// A value that could not be encoded for storage (a job's payload).
    #[error("encoding {what}: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`.
    pub fn conflict_as(err: sqlx::Error, what: &'static str) -> StoreError {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            return StoreError::Conflict(what);
        }
        StoreError::Database(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Reads text column `column` of a `table` row as its domain type; a value
/// that does not parse is [`StoreError::Decode`] naming both.
pub(crate) fn decode<T>(
    row: &sqlx::any::AnyRow,
    table: &'static str,
    column: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    use sqlx::Row;
    decode_text(table, column, row.try_get(column)?, parse)
}

/// [`decode`] for a nullable column: NULL is `None`.
pub(crate) fn decode_opt<T>(
    row: &sqlx::any::AnyRow,
    table: &'static str,
    column: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>> {
    use sqlx::Row;
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| decode_text(table, column, t, parse))
        .transpose()
}

/// The one place a stored text of `table.column` becomes its domain type:
/// a value that does not parse is [`StoreError::Decode`] naming both.
pub(crate) fn decode_text<T>(
    table: &'static str,
    column: &'static str,
    text: String,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    parse(&text).ok_or(StoreError::Decode {
        table,
        column,
        value: text,
    })
}

#[derive(Clone, Debug)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Connections for the hot reads, given back without a ping.
    pub reads: std::sync::Arc<ReadPool>,
    /// SQLite: the one connection every [`Store::begin_write`] runs on
    /// (SQLite has one writer at a time anyway). Writers queue for it in
    /// order instead of polling the database lock, and only it keeps the
    /// large page cache a bulk write wants ([`SQLITE_WRITER_PRAGMAS`]):
    /// when write transactions took turns on the pool's eight connections,
    /// each warmed its own 16 MiB cache: about 96 MiB of page caches at
    /// the peak of a 100,000-result intake (heaptrack). `None` on
    /// PostgreSQL and for an in-memory database.
    writer: Option<AnyPool>,
    /// SQLite (a file): the task that checkpoints the WAL ([`checkpoint`]).
    _checkpointer: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

pub use read_pool::ReadPool;

/// What every SQLite connection runs first (the pool's and [`ReadPool`]'s).
/// Checkpoints are the [`checkpoint`] task's, not the commits': a commit
/// checkpoints only past a WAL of 100,000 pages.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA wal_autocheckpoint = 100000;";

/// What the writer connection ([`Store::begin_write`]) runs besides: a
/// 16 MiB page cache (SQLite's default is 2 MiB). The exposure and finding
/// tables carry several indexes each, and a bulk write into indexes larger
/// than the cache pays a read of the page from the operating system for
/// most rows. Measured: 324,685 exposure rows with their five indexes,
/// 56k rows/s at 2 MiB, 80k at 16 MiB, 79k at 64 MiB. Pages are taken
/// only as used.
///
/// Two more, measured with `perf` under `bench findings` (200,000 results),
/// where the writer's thread is the intake's bottleneck:
/// - `temp_store = MEMORY`: a multi-row INSERT inside a transaction keeps a
///   statement journal (to undo that one statement if a constraint fails),
///   in a temporary file by default: 17% of the writer thread's time went
///   to writing it.
///
/// Checkpoints no longer run in this connection's commits (see
/// [`checkpoint`]); they were 12% of the writer thread's time at SQLite's
/// default of one every 1,000 pages.
const SQLITE_WRITER_PRAGMAS: &str = "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;";

/// What [`ReadPool`]'s SQLite connections run besides: reads through a
/// memory map (SQLite's 2 GiB cap). Only there: the pages a connection
/// touches through the map count in the process's resident set, and the
/// writers (an intake, a full re-match) touch every index page of the
/// tables they fill, which the bounded page cache holds instead.
const SQLITE_READ_PRAGMAS: &str = "PRAGMA mmap_size = 2147418112;";

impl Store {
    /// Connects to `sqlite://...` or `postgres://...`. SQLite gets WAL mode,
    /// foreign keys and a busy timeout on every connection; the hot reads'
    /// connections ([`Store::reads`]) also read through a memory map
    /// (`mmap_size`): a page read is then a memory access, not a `pread`
    /// copied into each connection's own page cache (4% of a loaded
    /// server's time under `bench api`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        // Bulk work (imports, a full re-match) runs statements of a second or
        // so by design; warn only about ones that are slow for any reason.
        let options = AnyConnectOptions::from_str(url)?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(10));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            // A pooled SQLite connection cannot go stale (no server, no
            // network); a ping before each use would cost every query a
            // second round trip to its worker thread. PostgreSQL keeps it:
            // a connection may outlive a server restart.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        // Half as many again: enough for the hot reads on a few cores,
        // without doubling what a PostgreSQL server must hold per process.
        let reads = std::sync::Arc::new(ReadPool::new(
            options.clone(),
            backend,
            (max_connections / 2).max(2),
        ));
        // An in-memory database is one per connection: it must keep to one pool.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let writer = match backend {
            Backend::Sqlite if !in_memory => Some(
                AnyPoolOptions::new()
                    .max_connections(1)
                    // Writers queue here for the one connection; each then
                    // waits up to the busy timeout for the lock's other
                    // holders (the pool's connections, other processes).
                    .acquire_timeout(Duration::from_secs(60))
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            conn.execute(SQLITE_WRITER_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options.clone())
                    .await?,
            ),
            Backend::Sqlite | Backend::Postgres => None,
        };
        let checkpointer = writer
            .as_ref()
            .map(|_| std::sync::Arc::new(checkpoint::start(pool.clone())));
        Ok(Store {
            pool,
            backend,
            reads,
            writer,
            _checkpointer: checkpointer,
        })
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<()> {
        // 0034 adds what is disclosed of each campaign target; rows stored
        // before it are filled here, once, when it is first applied.
        let had_0034 = sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations WHERE version = 34",
        )
        .fetch_one(&self.pool)
        .await
        .is_ok_and(|n| n > 0);
        migrations::migrator(self.backend).run(&self.pool).await?;
        if !had_0034 {
            scans::campaigns::fill_shown(&self.pool).await?;
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`) so that a read followed by a write
    /// can never fail on a stale snapshot; PostgreSQL's row locks and the
    /// audit log's advisory lock do that job there.
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(match &self.writer {
            Some(writer) => writer.begin_with("BEGIN IMMEDIATE").await?,
            None => self.pool.begin().await?,
        })
    }

    /// A connection of the pool for a caller that keeps it (a writer task);
    /// `None` when the pool is too small to give one away for long (fewer
    /// than `min_pool` connections).
    pub async fn hold(&self, min_pool: u32) -> Result<Option<HeldConnection>> {
        if self.pool.options().get_max_connections() < min_pool {
            return Ok(None);
        }
        Ok(Some(self.pool.acquire().await?))
    }

    /// [`Store::begin_write`] on a connection the caller holds.
    pub async fn begin_write_on<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<Transaction<'c, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => sqlx::Connection::begin(conn).await?,
        })
    }

    /// Refreshes the query planner's statistics of tables that changed
    /// tenfold since they were last measured, or never were (SQLite's
    /// `PRAGMA optimize` over every table, with no sampling limit: a
    /// sample of a few thousand rows reads a column of three values as
    /// nearly unique). The worker does it every hour; PostgreSQL's
    /// autovacuum does this too, but only if it is on and only once its
    /// next round comes, so there every table changed by more than a tenth
    /// (or never measured) is analysed here as well. Without statistics
    /// PostgreSQL planned the alias lookup of each imported advisory as a
    /// scan of every alias (3 ms instead of 0.09 ms at 25,000 aliases).
    /// Without statistics SQLite cannot tell a narrow key range from every
    /// row of a kind, and plans the scan-coordination lookups (an OR of key
    /// ranges) as a scan of the kind: 264 ms instead of 4 ms a check at
    /// 100,000 campaigns.
    ///
    /// Not at each connection's open: statistics taken while a table is
    /// nearly empty mislead the planner once it fills (an advisory
    /// import's alias lookup went from 0.1 ms to 67 ms a vulnerability,
    /// holding the write lock past every other writer's busy timeout).
    pub async fn optimize(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                self.pool.execute("PRAGMA optimize = 0x10002;").await?;
            }
            Backend::Postgres => {
                let stale: Vec<String> = sqlx::query_scalar(
                    "SELECT CAST(relname AS TEXT) FROM pg_stat_user_tables \
                     WHERE n_mod_since_analyze > 50 + n_live_tup / 10 \
                     OR (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0) \
                     ORDER BY relname",
                )
                .fetch_all(&self.pool)
                .await?;
                for table in stale {
                    // A name from the catalog, quoted as an identifier.
                    let sql = format!("ANALYZE \"{}\"", table.replace('"', "\"\""));
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Binds an optional double. sqlx 0.9's `Any` driver sends a `None::<f64>`
/// to PostgreSQL as a `float4` NULL (its `AnyArguments::convert_into` maps
/// the `Double` null to `Option<f32>`, and the `Real` one to `Option<f64>`).
/// When a connection first prepares a statement with that NULL, the
/// parameter stays `float4` in its statement cache, and a later `Some(f64)`
/// through the same statement fails with "incorrect binary data format".
/// A `None::<f32>` goes out as a `float8` NULL, which is what the column
/// holds; SQLite takes either. `tests/it/store_floats.rs` pins it.
pub fn bind_f64<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    value: Option<f64>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match value {
        Some(v) => q.bind(v),
        None => q.bind(None::<f32>),
    }
}

/// Multi-row inserts keep to about a thousand parameters a statement:
/// sqlx's SQLite driver resolves each `$n` by name, so one statement's
/// binding cost grows with the square of its parameter count.
///
/// `($1, $2, ...), (...)` for a multi-row insert of `rows` rows of `cols`
/// columns, numbering placeholders from `$1`.
fn values_params(rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(r * cols + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// [`values_params`] for a statement whose only parameters are these rows,
/// written as anonymous `?` on SQLite: sqlx asks SQLite the name of every
/// `$n` it binds (a walk over the statement's names, so a thousand
/// parameters cost a million steps), and anonymous ones have none. The
/// finding-intake benchmark measured 9.5k → 15k findings/s with it.
pub(crate) fn bulk_values(conn: &sqlx::AnyConnection, rows: usize, cols: usize) -> String {
    if conn.backend_name() != "SQLite" {
        return values_params(rows, cols);
    }
    let row = format!("({})", vec!["?"; cols].join(","));
    vec![row; rows].join(",")
}

/// `$from, $from+1, ...` for an `IN (...)` list of `n` values.
pub(crate) fn in_params(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs the query `sql(list)` once per chunk of `ids`, `list` being the
/// chunk's placeholders, binding the ids; returns every row. `sql` must
/// have no other parameters.
pub(crate) async fn rows_in(
    conn: &mut sqlx::AnyConnection,
    ids: &[String],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    let sqlite = conn.backend_name() == "SQLite";
    for chunk in ids.chunks(500) {
        // Anonymous `?` on SQLite, for the reason given at `bulk_values`.
        let list = if sqlite {
            vec!["?"; chunk.len()].join(",")
        } else {
            in_params(1, chunk.len())
        };
        let text = sql(&list);
        // Not kept prepared on PostgreSQL: after five runs a prepared
        // statement may switch to a generic plan made without the values,
        // and one planned while the table was nearly empty scans it. The
        // intake's fingerprint lookup, planned so in a fresh database, took
        // 100 ms a call at 60,000 findings instead of about one.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text)).persistent(sqlite);
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// The SQL list `1,4,7` of visibility-expression ids for an `IN (...)`
/// filter, `-1` (matches nothing) when empty. Inlined, not bound: the ids
/// are integers from our own table, never user text.
pub(crate) fn visibility_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "-1".to_owned();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A JSON array of strings as stored in a TEXT column.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn parse_json_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("list column: {e}")))
}

/// `$first, $first+1, ...` for `n` bound values of an `IN (...)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
