//! The benchmarks' baselines at the machine's limit (built only with the
//! `bench` feature): the same rows a product path wrote, written the
//! fastest plain way the database offers, no lookups, no conflict handling.
//! - SQLite: the native driver (`rusqlite`), one prepared statement per
//!   table reused row by row inside one transaction.
//! - PostgreSQL: one `COPY ... FROM STDIN (FORMAT binary)` per table, its
//!   rows streamed page by page.

use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgCopyIn, PgPoolCopyExt};

use super::bench_support::{Cell, Kind};
use super::native::copy::{CopyBuf, TRAILER};
use super::native::sqlite::{SqliteTx, execute_rows};
use super::{Backend, Result, Store};

/// A table a baseline writes: its name and columns (constants, never input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub table: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

impl Target {
    fn column_list(self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        names.join(", ")
    }

    fn insert_sql(self) -> String {
        let params: Vec<String> = (1..=self.columns.len()).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table,
            self.column_list(),
            params.join(", ")
        )
    }
}

/// An open baseline write.
pub enum BaselineWriter {
    Sqlite(SqliteTx),
    Postgres {
        pool: sqlx::PgPool,
        copy: Option<(Target, PgCopyIn<PoolConnection<Postgres>>)>,
    },
}

impl BaselineWriter {
    /// Starts the write: on SQLite, the transaction and its write lock.
    pub async fn begin(store: &Store) -> Result<BaselineWriter> {
        Ok(match store.backend {
            Backend::Sqlite => {
                BaselineWriter::Sqlite(SqliteTx::begin(store.native.sqlite().await?).await?)
            }
            Backend::Postgres => BaselineWriter::Postgres {
                pool: store.native.pg()?.clone(),
                copy: None,
            },
        })
    }

    /// Writes `rows` (cells in `target.columns` order) into `target`.
    pub async fn write(&mut self, target: Target, rows: Vec<Vec<Cell>>) -> Result<()> {
        match self {
            BaselineWriter::Sqlite(tx) => {
                let sql = target.insert_sql();
                tx.run(move |c| execute_rows(c, &sql, &rows).map(|_| ()))
                    .await
            }
            BaselineWriter::Postgres { pool, copy } => {
                if copy.as_ref().is_some_and(|(t, _)| *t != target) {
                    end_copy(copy).await?;
                }
                let mut data = CopyBuf::continued();
                if copy.is_none() {
                    let sql = format!(
                        "COPY {} ({}) FROM STDIN (FORMAT binary)",
                        target.table,
                        target.column_list()
                    );
                    *copy = Some((target, pool.copy_in_raw(&sql).await?));
                    data = CopyBuf::new();
                }
                for row in &rows {
                    data.cells(row);
                }
                if let Some((_, c)) = copy.as_mut() {
                    c.send(data.into_bytes()).await?;
                }
                Ok(())
            }
        }
    }

    /// Ends the write: commits the transaction, or the last COPY.
    pub async fn commit(self) -> Result<()> {
        match self {
            BaselineWriter::Sqlite(tx) => tx.commit().await,
            BaselineWriter::Postgres { mut copy, .. } => end_copy(&mut copy).await,
        }
    }
}

async fn end_copy(copy: &mut Option<(Target, PgCopyIn<PoolConnection<Postgres>>)>) -> Result<()> {
    if let Some((_, mut c)) = copy.take() {
        c.send(&TRAILER[..]).await?;
        c.finish().await?;
    }
    Ok(())
}
