//! The machine's floor for a bulk write, the baseline the benchmarks
//! measure the product against (built only with the `bench` feature): the
//! rows the product wrote into one of its tables, written again into a copy
//! of that table with the same columns, constraints (foreign keys too) and
//! indexes, the fastest plain way the database offers.
//! - SQLite: one multi-row `INSERT` of anonymous parameters (the same text
//!   each time, so it is prepared once and reused), in one transaction.
//! - PostgreSQL: `COPY ... FROM STDIN (FORMAT binary)` on a native
//!   connection for a bulk write; a few rows, as one new advisory makes,
//!   by INSERTs as on SQLite (see [`write_rows`]). The binary rows are encoded here by hand: the format is
//!   three fixed header fields and, per row, a field count and length-
//!   prefixed values (PostgreSQL's `COPY` page), and no crate in the graph
//!   writes it.
//!
//! Only the write is timed: reading the rows back, page by page, is not.

use std::time::{Duration, Instant};

use sqlx::Row;

use super::bench_support::{Cell, Table, cells};
use super::{Backend, Result, Store, StoreError, bulk_values};

/// Rows read back per page.
const PAGE: i64 = 20_000;

/// What writing the floor took: the rows written and the time spent writing.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub rows: u64,
    pub write: Duration,
}

/// How the floor writes on `backend`, for the benchmarks' output.
pub fn method(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "by one reused multi-row INSERT in one transaction",
        Backend::Postgres => "by one binary COPY",
    }
}

fn copy_name(table: Table) -> String {
    format!("bench_copy_{}", table.name())
}

/// The copy of a table, with (on PostgreSQL) the native connection that
/// writes it, kept open so each write finds its server process warm.
pub struct Copy {
    table: Table,
    native: Option<Native>,
}

struct Native {
    pool: sqlx::PgPool,
    /// Each column's integer width in bytes: binary COPY needs each value
    /// in its column's exact type.
    widths: Vec<usize>,
}

/// Creates `bench_copy_<table>`: the same columns, constraints and indexes.
pub async fn create_copy(store: &Store, table: Table) -> Result<Copy> {
    let copy = copy_name(table);
    let mut native = None;
    match store.backend {
        Backend::Sqlite => {
            // The table's and its indexes' own statements, renamed.
            let ddl: Vec<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE tbl_name = $1 AND sql IS NOT NULL \
                 ORDER BY type DESC",
            )
            .bind(table.name())
            .fetch_all(&store.pool)
            .await?;
            for statement in ddl {
                sqlx::query(sqlx::AssertSqlSafe(statement.replace(table.name(), &copy)))
                    .execute(&store.pool)
                    .await?;
            }
        }
        Backend::Postgres => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TABLE {copy} (LIKE {} INCLUDING ALL)",
                table.name()
            )))
            .execute(&store.pool)
            .await?;
            // `LIKE` copies no foreign key, and each one checks every row
            // written (four on `findings` cost more than its indexes in a
            // measured insert); SQLite's copy keeps them from its DDL.
            let foreign_keys: Vec<String> = sqlx::query_scalar(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE conrelid = CAST($1 AS regclass) AND contype = 'f' ORDER BY conname",
            )
            .bind(table.name())
            .fetch_all(&store.pool)
            .await?;
            for key in foreign_keys {
                sqlx::query(sqlx::AssertSqlSafe(format!("ALTER TABLE {copy} ADD {key}")))
                    .execute(&store.pool)
                    .await?;
            }
            let url = store.pool.connect_options().database_url.clone();
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url.as_str())
                .await?;
            let types: std::collections::HashMap<String, String> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_name = $1",
            )
            .bind(&copy)
            .fetch_all(&pool)
            .await?
            .into_iter()
            .collect();
            let widths = table
                .columns()
                .iter()
                .map(|(c, _)| match types.get(*c).map(String::as_str) {
                    Some("integer") => 4,
                    Some("smallint") => 2,
                    _ => 8,
                })
                .collect();
            native = Some(Native { pool, widths });
        }
    }
    Ok(Copy { table, native })
}

/// Writes every row of `table` (its [`Table::columns`]) again into its
/// copy, made by [`create_copy`], in one transaction; times the writes.
pub async fn write_copy(store: &Store, copy: &Copy) -> Result<Floor> {
    let table = copy.table;
    let mut read = store.pool.acquire().await?;
    let mut writer = Writer::open(store, copy, true).await?;
    let mut floor = Floor {
        rows: 0,
        write: writer.took,
    };
    let mut after = String::new();
    loop {
        let (rows, last) = page(&mut read, table, &after).await?;
        let Some(last) = last else { break };
        after = last;
        let t = Instant::now();
        writer.write(&rows).await?;
        floor.write += t.elapsed();
        floor.rows += rows.len() as u64;
    }
    floor.write += writer.finish().await?;
    Ok(floor)
}

/// How many rows `table` holds.
pub async fn count(store: &Store, table: Table) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) FROM {}", table.name());
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&store.pool)
        .await?;
    Ok(n as u64)
}

/// The rows of `table` whose `column` holds `value` (a constant column
/// name of the caller's, never input).
pub async fn rows_where(
    store: &Store,
    table: Table,
    column: &str,
    value: &str,
) -> Result<Vec<Vec<Cell>>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {column} = $1",
        table.column_list(),
        table.name()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_all(&store.pool)
        .await?;
    rows.iter().map(|r| cells(r, table.columns())).collect()
}

/// Writes `rows` into the copy of `table` in one transaction (or one
/// `COPY`), committed; returns the time it took.
///
/// On PostgreSQL this is INSERTs, not `COPY`: sqlx does not set
/// `TCP_NODELAY`, so `COPY`'s closing message waits out the server's
/// delayed acknowledgement of the data before it (40 ms on Linux), which
/// an INSERT's request and answer never do.
pub async fn write_rows(store: &Store, copy: &Copy, rows: &[Vec<Cell>]) -> Result<Duration> {
    let mut writer = Writer::open(store, copy, false).await?;
    let t = Instant::now();
    writer.write(rows).await?;
    Ok(writer.took + t.elapsed() + writer.finish().await?)
}

/// The rows of `table` whose first column (its id) is above `after`.
async fn page(
    conn: &mut sqlx::AnyConnection,
    table: Table,
    after: &str,
) -> Result<(Vec<Vec<Cell>>, Option<String>)> {
    let key = table.columns()[0].0;
    let sql = format!(
        "SELECT {} FROM {} WHERE {key} > $1 ORDER BY {key} LIMIT $2",
        table.column_list(),
        table.name()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
    let last = rows.last().map(|r| r.try_get::<String, _>(0)).transpose()?;
    let cells = rows
        .iter()
        .map(|r| cells(r, table.columns()))
        .collect::<Result<_>>()?;
    Ok((cells, last))
}

/// An open write into a table's copy.
struct Writer {
    table: Table,
    sink: Sink,
    /// Time spent opening the write (the `COPY` statement), counted.
    took: Duration,
}

enum Sink {
    Insert(super::Tx),
    Postgres {
        /// One `COPY` for the whole write, fed as the rows come.
        copy: sqlx::postgres::PgCopyIn<sqlx::pool::PoolConnection<sqlx::Postgres>>,
        /// Each column's integer width in bytes.
        widths: Vec<usize>,
    },
}

impl Writer {
    /// A write into `copy`: by `COPY` on PostgreSQL when `bulk`, otherwise
    /// by multi-row INSERTs in one transaction.
    async fn open(store: &Store, copy: &Copy, bulk: bool) -> Result<Writer> {
        let table = copy.table;
        let mut took = Duration::ZERO;
        let sink = match copy.native.as_ref().filter(|_| bulk) {
            None => Sink::Insert(store.begin_write().await?),
            Some(native) => {
                use sqlx::postgres::PgPoolCopyExt;
                let t = Instant::now();
                let statement = format!(
                    "COPY {} ({}) FROM STDIN (FORMAT binary)",
                    copy_name(table),
                    table.column_list()
                );
                let mut sink = native.pool.copy_in_raw(&statement).await?;
                let mut header = b"PGCOPY\n\xff\r\n\0".to_vec();
                header.extend_from_slice(&0i32.to_be_bytes());
                header.extend_from_slice(&0i32.to_be_bytes());
                sink.send(header).await?;
                took = t.elapsed();
                Sink::Postgres {
                    copy: sink,
                    widths: native.widths.clone(),
                }
            }
        };
        Ok(Writer { table, sink, took })
    }

    async fn write(&mut self, rows: &[Vec<Cell>]) -> Result<()> {
        let table = self.table;
        match &mut self.sink {
            Sink::Insert(tx) => {
                let width = table.columns().len();
                for chunk in rows.chunks((8_000 / width).max(1)) {
                    let sql = format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        copy_name(table),
                        table.column_list(),
                        bulk_values(tx, chunk.len(), width)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for cell in chunk.iter().flatten() {
                        q = match cell {
                            Cell::Text(v) => q.bind(v.as_deref()),
                            Cell::Int(v) => q.bind(*v),
                        };
                    }
                    q.execute(&mut **tx).await?;
                }
            }
            Sink::Postgres { copy, widths } => {
                let mut buf = Vec::new();
                for row in rows {
                    encode_row(&mut buf, row, widths)?;
                }
                copy.send(buf).await?;
            }
        }
        Ok(())
    }

    async fn finish(self) -> Result<Duration> {
        let t = Instant::now();
        match self.sink {
            Sink::Insert(tx) => tx.commit().await?,
            Sink::Postgres { mut copy, .. } => {
                copy.send((-1i16).to_be_bytes().as_slice()).await?;
                copy.finish().await?;
            }
        }
        Ok(t.elapsed())
    }
}

/// One row of binary COPY: the field count, then each field's length
/// (-1 for NULL) and bytes; integers big-endian in their column's width.
fn encode_row(buf: &mut Vec<u8>, row: &[Cell], widths: &[usize]) -> Result<()> {
    let fields = i16::try_from(row.len())
        .map_err(|_| StoreError::Corrupt("too many columns for COPY".into()))?;
    buf.extend_from_slice(&fields.to_be_bytes());
    for (cell, width) in row.iter().zip(widths) {
        match cell {
            Cell::Text(None) | Cell::Int(None) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
            Cell::Text(Some(s)) => {
                let len = i32::try_from(s.len())
                    .map_err(|_| StoreError::Corrupt("value too long for COPY".into()))?;
                buf.extend_from_slice(&len.to_be_bytes());
                buf.extend_from_slice(s.as_bytes());
            }
            Cell::Int(Some(v)) => {
                let bytes = v.to_be_bytes();
                buf.extend_from_slice(&(*width as i32).to_be_bytes());
                buf.extend_from_slice(&bytes[8 - width..]);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_copy_row_has_its_count_lengths_and_narrowed_integers() {
        let mut buf = Vec::new();
        let row = [
            Cell::Text(Some("ab".into())),
            Cell::Int(Some(7)),
            Cell::Int(Some(-2)),
            Cell::Text(None),
        ];
        encode_row(&mut buf, &row, &[8, 4, 8, 8]).unwrap();
        let expected: Vec<u8> = [
            &4i16.to_be_bytes()[..],
            &2i32.to_be_bytes(),
            b"ab",
            &4i32.to_be_bytes(),
            &7i32.to_be_bytes(),
            &8i32.to_be_bytes(),
            &(-2i64).to_be_bytes(),
            &(-1i32).to_be_bytes(),
        ]
        .concat();
        assert_eq!(buf, expected);
    }
}
