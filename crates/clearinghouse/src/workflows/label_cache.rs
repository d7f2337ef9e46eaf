//! The visibility expressions, parsed, kept between requests. Every labelled
//! read needs the ids of the expressions its reader satisfies; reading and
//! parsing the whole `visibility_labels` table for each request was one of
//! its four queries. The table only grows (an expression is interned once
//! and never changed or removed), so the cache is current exactly when it
//! holds as many rows as the table: a request compares the count it read
//! with its token (`store::accounts::tokens::Holder::label_count`), or
//! reads the count alone, and reloads the table only when it grew. (A
//! label interned later in the same request is honoured from the next.) A count,
//! not the largest id: on PostgreSQL ids come from a sequence, so a row can
//! commit after one with a larger id.

use std::sync::{Arc, RwLock};

use clearinghouse_domain::labels::{Authorizations, Visibility};

use crate::error::{AppError, AppResult};
use crate::store::{self, Store};

/// The table as last read: its row count and the expressions that parse.
#[derive(Debug, Default)]
struct Snapshot {
    rows: i64,
    parsed: Vec<(i64, Visibility)>,
}

/// One per process (in `AppState`).
#[derive(Debug, Default)]
pub struct LabelCache {
    current: RwLock<Arc<Snapshot>>,
}

impl LabelCache {
    /// The ids of the expressions `auths` satisfies. `known_rows` is the
    /// table's row count if the caller read it already in this request.
    pub async fn satisfied_ids(
        &self,
        store: &Store,
        auths: &Authorizations,
        known_rows: Option<i64>,
    ) -> AppResult<Vec<i64>> {
        let rows = match known_rows {
            Some(n) => n,
            None => store::labels::count(&store.pool).await?,
        };
        let mut snapshot = self.snapshot()?;
        // More rows than the request saw is still current: the extra
        // expressions label only rows its own reads cannot see yet.
        if snapshot.rows < rows {
            snapshot = self.reload(store).await?;
        }
        Ok(snapshot
            .parsed
            .iter()
            .filter(|(_, v)| v.evaluate(auths))
            .map(|(id, _)| *id)
            .collect())
    }

    fn snapshot(&self) -> AppResult<Arc<Snapshot>> {
        self.current
            .read()
            .map(|s| Arc::clone(&s))
            .map_err(|_| AppError::internal_msg("label cache poisoned"))
    }

    /// Reads the whole table (it holds one row per distinct expression).
    /// A stored expression that does not parse is satisfied by nobody.
    async fn reload(&self, store: &Store) -> AppResult<Arc<Snapshot>> {
        let all = store::labels::all(&store.pool).await?;
        let fresh = Arc::new(Snapshot {
            rows: all.len() as i64,
            parsed: all
                .into_iter()
                .filter_map(|(id, expr)| Visibility::parse(&expr).ok().map(|v| (id, v)))
                .collect(),
        });
        let mut current = self
            .current
            .write()
            .map_err(|_| AppError::internal_msg("label cache poisoned"))?;
        // Keep whichever of two concurrent reloads saw more.
        if fresh.rows >= current.rows {
            *current = Arc::clone(&fresh);
        }
        Ok(fresh)
    }
}
