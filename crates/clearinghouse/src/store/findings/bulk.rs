//! The finding intake's batch transaction on the native drivers
//! (`store::native`): exact deduplication by fingerprint, the new findings,
//! their window shares, the sightings, the batch's results and counts and
//! its audit entry, all committed together or not at all.
//! - SQLite: the dedicated connection, `BEGIN IMMEDIATE`, each statement
//!   prepared once and run row by row.
//! - PostgreSQL: a native transaction; new findings by binary `COPY`,
//!   sightings by one `UNNEST` insert, the fingerprint lookup by `= ANY`.
//!
//! A fingerprint committed meanwhile by a concurrent batch makes the
//! findings insert fail as `Conflict` (the caller retries and links to it).

use std::collections::HashMap;

use sqlx::{Postgres, Row};

use super::submissions::BatchRecord;
use crate::model::finding::Finding;
use crate::store::native::Cell;
use crate::store::native::copy::{CopyBuf, copy_in};
use crate::store::native::sqlite::{SqliteTx, conflict_as, execute_rows};
use crate::store::{Backend, Result, Store, StoreError, json_list};

/// Columns of one new finding row, in insertion order.
const FINDING_COLUMNS: &str = "id, fingerprint, target, target_kind, target_identity, title, \
     description, rule_id, tool, cwes, severity, cvss_vector, location_path, start_line, \
     end_line, function_name, evidence, aliases, reporter_org, reported_by, submission_id, \
     position, campaign, tlp, visibility_id, state, created_at, updated_at";

const INSERT_FINDING: &str = "INSERT INTO findings (id, fingerprint, target, target_kind, \
     target_identity, title, description, rule_id, tool, cwes, severity, cvss_vector, \
     location_path, start_line, end_line, function_name, evidence, aliases, reporter_org, \
     reported_by, submission_id, position, campaign, tlp, visibility_id, state, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
     $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)";

const INSERT_SIGHTING: &str = "INSERT INTO finding_sightings \
     (finding_id, org_id, version, submission_id, seen_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (finding_id, org_id, version) DO NOTHING";

/// Parameters in order of first use, so SQLite numbers them as PostgreSQL does.
const RECORD_BATCH: &str = "UPDATE submissions SET items = items + $1, \
     new_findings = new_findings + $2, duplicates = duplicates + $3, rejected = rejected + $4, \
     batches = batches + 1 WHERE id = $5 AND batches = $6";

const INSERT_RESULTS: &str = "INSERT INTO submission_results \
     (submission_id, batch, first_seq, results) VALUES ($1, $2, $3, $4)";

const NEXT_AUDIT_IDX: &str = "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_log";
const INSERT_AUDIT: &str = "INSERT INTO audit_log (idx, entry, leaf_hash) VALUES ($1, $2, $3)";

/// A finding as the cells of [`FINDING_COLUMNS`].
fn finding_cells(f: &Finding, visibility_id: i64) -> Vec<Cell<'_>> {
    let loc = f.location.as_ref();
    vec![
        Cell::text(Some(&f.id)),
        Cell::text(Some(&f.fingerprint)),
        Cell::text(Some(&f.target)),
        Cell::text(Some(f.target_kind.as_str())),
        Cell::text(Some(&f.target_identity)),
        Cell::text(Some(&f.title)),
        Cell::text(Some(&f.description)),
        Cell::text(f.rule_id.as_deref()),
        Cell::text(f.tool.as_deref()),
        Cell::owned(Some(json_list(&f.cwes))),
        Cell::text(f.severity.map(|s| s.as_str())),
        Cell::text(f.cvss_vector.as_deref()),
        Cell::text(loc.and_then(|l| l.path.as_deref())),
        Cell::Int(loc.and_then(|l| l.start_line)),
        Cell::Int(loc.and_then(|l| l.end_line)),
        Cell::text(loc.and_then(|l| l.function.as_deref())),
        Cell::text(f.evidence.as_deref()),
        Cell::owned(Some(json_list(&f.aliases))),
        Cell::text(Some(&f.reporter_org)),
        Cell::text(Some(&f.reported_by)),
        Cell::text(Some(&f.submission_id)),
        Cell::text(Some(&f.position)),
        Cell::text(f.campaign.as_deref()),
        Cell::text(Some(f.tlp.as_str())),
        Cell::Int(Some(visibility_id)),
        Cell::text(Some(f.state.as_str())),
        Cell::text(Some(&f.created_at)),
        Cell::text(Some(&f.updated_at)),
    ]
}

/// One organisation's sightings in one submission: (finding id, version)
/// pairs, distinct.
pub struct Sightings {
    pub seen: Vec<(String, String)>,
    pub org_id: String,
    pub submission_id: String,
    pub seen_at: String,
}

/// An open batch transaction.
pub enum BatchTx {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Starts a batch transaction (on SQLite, holding the write lock).
pub async fn begin(store: &Store) -> Result<BatchTx> {
    Ok(match store.backend {
        Backend::Sqlite => BatchTx::Sqlite(SqliteTx::begin(store.native.sqlite().await?).await?),
        Backend::Postgres => BatchTx::Postgres(store.native.pg()?.begin().await?),
    })
}

impl BatchTx {
    /// The ids of the stored findings holding any of `fingerprints`.
    pub async fn ids_by_fingerprint(
        &mut self,
        fingerprints: Vec<String>,
    ) -> Result<HashMap<String, String>> {
        match self {
            BatchTx::Sqlite(tx) => {
                tx.run(move |c| {
                    let mut stmt =
                        c.prepare_cached("SELECT id FROM findings WHERE fingerprint = $1")?;
                    let mut out = HashMap::new();
                    for fp in fingerprints {
                        let mut rows = stmt.query([&fp])?;
                        if let Some(row) = rows.next()? {
                            let id: String = row.get(0)?;
                            out.insert(fp, id);
                        }
                    }
                    Ok::<_, rusqlite::Error>(out)
                })
                .await
            }
            BatchTx::Postgres(tx) => {
                let rows =
                    sqlx::query("SELECT id, fingerprint FROM findings WHERE fingerprint = ANY($1)")
                        .bind(&fingerprints)
                        .fetch_all(&mut **tx)
                        .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("fingerprint")?, r.try_get("id")?)))
                    .collect()
            }
        }
    }

    /// Inserts new findings; `Conflict` when a fingerprint is already stored.
    pub async fn insert_findings(&mut self, rows: Vec<Finding>, visibility_id: i64) -> Result<()> {
        const WHAT: &str = "a finding with this fingerprint";
        match self {
            BatchTx::Sqlite(tx) => {
                tx.run(move |c| {
                    let cells: Vec<_> = rows
                        .iter()
                        .map(|f| finding_cells(f, visibility_id))
                        .collect();
                    execute_rows(c, INSERT_FINDING, &cells).map_err(|e| conflict_as(e, WHAT))
                })
                .await?;
            }
            BatchTx::Postgres(tx) => {
                let mut data = CopyBuf::new();
                for f in &rows {
                    data.cells(&finding_cells(f, visibility_id));
                }
                copy_in(&mut **tx, "findings", FINDING_COLUMNS, data)
                    .await
                    .map_err(|e| match e {
                        StoreError::Database(e) => StoreError::conflict_as(e, WHAT),
                        other => other,
                    })?;
            }
        }
        Ok(())
    }

    /// Shares the findings of a window's submission with the submission's
    /// share list (`record_shares`).
    pub async fn share_findings_of(&mut self, submission_id: &str) -> Result<()> {
        let sql = super::window::SHARE_FINDINGS_OF;
        match self {
            BatchTx::Sqlite(tx) => {
                let id = submission_id.to_owned();
                tx.run(move |c| c.prepare_cached(sql)?.execute([id]).map(|_| ()))
                    .await
            }
            BatchTx::Postgres(tx) => {
                sqlx::query(sql)
                    .bind(submission_id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }
    }

    /// Records sightings; one already recorded is left as it is.
    pub async fn insert_sightings(&mut self, s: Sightings) -> Result<()> {
        match self {
            BatchTx::Sqlite(tx) => {
                tx.run(move |c| {
                    let mut stmt = c.prepare_cached(INSERT_SIGHTING)?;
                    for (finding, version) in &s.seen {
                        stmt.execute([finding, &s.org_id, version, &s.submission_id, &s.seen_at])?;
                    }
                    Ok::<_, rusqlite::Error>(())
                })
                .await
            }
            BatchTx::Postgres(tx) => {
                let (ids, versions): (Vec<String>, Vec<String>) = s.seen.into_iter().unzip();
                sqlx::query(
                    "INSERT INTO finding_sightings (finding_id, org_id, version, submission_id, seen_at) \
                     SELECT t.f, $3, t.v, $4, $5 FROM UNNEST($1::text[], $2::text[]) AS t(f, v) \
                     ON CONFLICT (finding_id, org_id, version) DO NOTHING",
                )
                .bind(&ids)
                .bind(&versions)
                .bind(&s.org_id)
                .bind(&s.submission_id)
                .bind(&s.seen_at)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }
    }

    /// Writes a batch's results and adds its counts, only if it is the
    /// next batch: false (write nothing) when another worker already
    /// committed it.
    pub async fn record_batch(&mut self, b: &BatchRecord<'_>) -> Result<bool> {
        let c = b.counts;
        let (id, batch, first, results) = (
            b.submission_id.to_owned(),
            b.batch,
            b.first_seq,
            b.results.clone(),
        );
        match self {
            BatchTx::Sqlite(tx) => {
                tx.run(move |conn| {
                    let updated = conn
                        .prepare_cached(RECORD_BATCH)?
                        .execute(rusqlite::params![
                            c.received,
                            c.new,
                            c.duplicates,
                            c.rejected,
                            id,
                            batch
                        ])?;
                    if updated != 1 {
                        return Ok(false);
                    }
                    conn.prepare_cached(INSERT_RESULTS)?
                        .execute(rusqlite::params![id, batch, first, results])?;
                    Ok::<_, rusqlite::Error>(true)
                })
                .await
            }
            BatchTx::Postgres(tx) => {
                let updated = sqlx::query(RECORD_BATCH)
                    .bind(c.received)
                    .bind(c.new)
                    .bind(c.duplicates)
                    .bind(c.rejected)
                    .bind(&id)
                    .bind(batch)
                    .execute(&mut **tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(INSERT_RESULTS)
                    .bind(&id)
                    .bind(batch)
                    .bind(first)
                    .bind(&results)
                    .execute(&mut **tx)
                    .await?;
                Ok(true)
            }
        }
    }

    /// Appends audit rows (entry text, leaf hash) in order, as
    /// `store::audit::append` does; returns the index of the first.
    pub async fn append_audit(&mut self, rows: Vec<(String, String)>) -> Result<i64> {
        match self {
            BatchTx::Sqlite(tx) => {
                tx.run(move |c| {
                    let next: i64 = c.query_row(NEXT_AUDIT_IDX, [], |r| r.get(0))?;
                    let mut stmt = c.prepare_cached(INSERT_AUDIT)?;
                    for (i, (entry, leaf)) in rows.iter().enumerate() {
                        stmt.execute(rusqlite::params![next + i as i64, entry, leaf])?;
                    }
                    Ok::<_, rusqlite::Error>(next)
                })
                .await
            }
            BatchTx::Postgres(tx) => {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(crate::store::audit::AUDIT_LOCK_KEY)
                    .execute(&mut **tx)
                    .await?;
                let next: i64 = sqlx::query_scalar(NEXT_AUDIT_IDX)
                    .fetch_one(&mut **tx)
                    .await?;
                for (i, (entry, leaf)) in rows.iter().enumerate() {
                    sqlx::query(INSERT_AUDIT)
                        .bind(next + i as i64)
                        .bind(entry)
                        .bind(leaf)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(next)
            }
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            BatchTx::Sqlite(tx) => tx.commit().await,
            BatchTx::Postgres(tx) => Ok(tx.commit().await?),
        }
    }
}
