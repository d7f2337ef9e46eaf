//! The audit log's rows: `(idx, entry, leaf_hash)`, appended under a lock so
//! that indices are dense and commit in order on every backend, and the
//! signed checkpoints issued over them.

use sqlx::{Any, AnyConnection, Executor, Row};

use super::{Backend, Result};

/// An arbitrary, fixed key for PostgreSQL's transaction-scoped advisory lock
/// that serialises audit appends across processes.
const AUDIT_LOCK_KEY: i64 = 0x4348_5841_5544; // "CHXAUD"

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub idx: i64,
    pub entry: String,
    pub leaf_hash: String,
}

#[derive(Debug, Clone)]
pub struct CheckpointRow {
    pub tree_size: i64,
    pub root_hash: String,
    pub note: String,
    pub created_at: String,
}

/// Appends rows in order inside the caller's transaction; returns the index
/// of the first. The caller's transaction must be a write transaction (see
/// `Store::begin_write`), so on SQLite the write lock is already held.
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[(String, String)],
) -> Result<i64> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log")
        .fetch_one(&mut *conn)
        .await?;
    // Multi-row inserts in chunks keep a large batch to a few round trips.
    for (chunk_no, chunk) in rows.chunks(200).enumerate() {
        let mut sql = String::from("INSERT INTO audit_log (idx, entry, leaf_hash) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, (entry, leaf)) in chunk.iter().enumerate() {
            let idx = next + (chunk_no * 200 + i) as i64;
            q = q.bind(idx).bind(entry).bind(leaf);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(next)
}

/// Rows with `start <= idx < end`, in order.
pub async fn range<'e, E: Executor<'e, Database = Any>>(
    db: E,
    start: i64,
    end: i64,
) -> Result<Vec<AuditRow>> {
    let rows = sqlx::query(
        "SELECT idx, entry, leaf_hash FROM audit_log WHERE idx >= $1 AND idx < $2 ORDER BY idx",
    )
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => AuditRow {
                idx, entry, leaf_hash,
            }))
        })
        .collect()
}

pub async fn size<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log")
            .fetch_one(db)
            .await?,
    )
}

pub async fn insert_checkpoint<'e, E: Executor<'e, Database = Any>>(
    db: E,
    cp: &CheckpointRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_checkpoints (tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(cp.tree_size)
    .bind(&cp.root_hash)
    .bind(&cp.note)
    .bind(&cp.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Stored checkpoints of trees larger than `after_size`, smallest first.
pub async fn checkpoints_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after_size: i64,
    limit: i64,
) -> Result<Vec<CheckpointRow>> {
    let rows = sqlx::query(
        "SELECT tree_size, root_hash, note, created_at FROM audit_checkpoints WHERE tree_size > $1 \
         ORDER BY tree_size LIMIT $2",
    )
    .bind(after_size)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => CheckpointRow {
                tree_size, root_hash, note, created_at,
            }))
        })
        .collect()
}

/// Entries whose text contains every one of `needles` (case-sensitive
/// substrings of the canonical entry JSON, e.g. `"action":"org.create"`),
/// newest first, `limit` from `offset`, and how many match in all.
pub async fn search<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    needles: &[String],
    offset: i64,
    limit: i64,
) -> Result<(Vec<AuditRow>, i64)> {
    let cond: Vec<String> = (0..needles.len())
        .map(|i| format!("entry LIKE ${} ESCAPE '!'", i + 1))
        .collect();
    let cond = if cond.is_empty() {
        "1 = 1".to_owned()
    } else {
        cond.join(" AND ")
    };
    let n = needles.len();
    let patterns: Vec<String> = needles
        .iter()
        .map(|s| {
            let mut p = String::from("%");
            for c in s.chars() {
                if matches!(c, '%' | '_' | '!') {
                    p.push('!');
                }
                p.push(c);
            }
            p.push('%');
            p
        })
        .collect();
    let sql = format!(
        "SELECT idx, entry, leaf_hash FROM audit_log WHERE {cond} ORDER BY idx DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for p in &patterns {
        q = q.bind(p);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(db).await?;
    let count_sql = format!("SELECT COUNT(*) FROM audit_log WHERE {cond}");
    let mut cq = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
    for p in &patterns {
        cq = cq.bind(p);
    }
    let total: i64 = cq.fetch_one(db).await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(from_columns!(r => AuditRow {
                idx, entry, leaf_hash,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, total))
}
