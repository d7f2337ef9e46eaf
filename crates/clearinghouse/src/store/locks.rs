//! Locks that make a "count, then insert" rule hold under concurrency
//! (at most N holders of a tool, one open request per organisation, at
//! most N evidence files): the caller takes the lock of the record the
//! rule is about first thing in its write transaction, then counts and
//! inserts. On PostgreSQL a transaction-scoped advisory lock on a key
//! derived from the record (READ COMMITTED alone lets two transactions
//! count the same rows); on SQLite `Store::begin_write` already holds the
//! database's write lock, so there is nothing more to take.

use sha2::{Digest, Sha256};

use super::{AnyConnection, Backend, Result};

/// The advisory-lock key of `kind`/`id`: the first 8 bytes of a SHA-256.
fn key(kind: &str, id: &str) -> i64 {
    let digest = Sha256::digest(format!("{kind}\u{0}{id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Holds the lock of record `kind`/`id` until the caller's transaction
/// ends. Take it before reading what the rule counts, and before anything
/// else that locks (the audit log's lock comes last).
pub async fn lock_record(
    conn: &mut AnyConnection,
    backend: Backend,
    kind: &str,
    id: &str,
) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key(kind, id))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_differ_by_kind_and_id() {
        assert_ne!(super::key("tool", "a"), super::key("tool", "b"));
        assert_ne!(super::key("tool", "a"), super::key("submission", "a"));
        assert_eq!(super::key("tool", "a"), super::key("tool", "a"));
    }
}
