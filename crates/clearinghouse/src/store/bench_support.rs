//! The SQL the `clearinghouse bench ...` commands need for their
//! baselines and nothing else (built only with the `bench` feature).
//! `bench findings`: reading back the `findings` and `finding_sightings`
//! rows an intake wrote, page by page in id order, as plain cells, and
//! writing such rows into another database with plain multi-row INSERTs
//! (no lookups, no conflict handling), so the benchmark can compare the
//! intake with the cost of storing its output alone; and a throw-away
//! PostgreSQL database per run. `bench audit`: raw inserts of pre-rendered
//! audit rows into a side table. `bench matching`: every component read
//! back and as many plain rows written into a side table. `bench api`:
//! PostgreSQL's statistics taken right after the bulk seed. The write
//! probe's empty write (`cli::write_probe`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{Backend, Result, Store, Tx, bulk_values};

/// One write transaction that changes nothing (`cli::write_probe`): the
/// write lock taken as every writer takes it, one statement, committed.
pub async fn probe_write(store: &Store) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE submissions SET state = state WHERE 1 = 0")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates the side table of `bench audit`'s raw-insert baseline.
pub async fn create_audit_baseline(store: &Store) -> Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_raw \
         (idx BIGINT PRIMARY KEY, entry TEXT NOT NULL, leaf_hash TEXT NOT NULL)",
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Inserts `rows` (entry text, leaf hash) into `bench_raw` from index
/// `first`, 200 rows a statement.
pub async fn insert_audit_baseline(
    tx: &mut Tx,
    first: i64,
    rows: &[(String, String)],
) -> Result<()> {
    for (k, chunk) in rows.chunks(200).enumerate() {
        let sql = format!(
            "INSERT INTO bench_raw (idx, entry, leaf_hash) VALUES {}",
            bulk_values(tx, chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, (e, l)) in chunk.iter().enumerate() {
            q = q.bind(first + (k * 200 + i) as i64).bind(e).bind(l);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Every component as (asset id, package key, version), for `bench
/// matching`'s baseline read.
pub async fn all_components(
    store: &Store,
) -> Result<Vec<(String, Option<String>, Option<String>)>> {
    Ok(
        sqlx::query_as("SELECT asset_id, package_key, version FROM components")
            .fetch_all(&store.pool)
            .await?,
    )
}

/// Creates `bench matching`'s side table of plain five-column rows.
pub async fn create_plain_table(store: &Store) -> Result<()> {
    sqlx::query("CREATE TABLE bench_plain (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)")
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Inserts plain five-column rows into `bench_plain` in one statement.
pub async fn insert_plain(tx: &mut Tx, rows: &[[Option<&str>; 5]]) -> Result<()> {
    let sql = format!(
        "INSERT INTO bench_plain (a, b, c, d, e) VALUES {}",
        bulk_values(tx, rows.len(), 5)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for cell in row {
            q = q.bind(*cell);
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Whether `name` can be spliced into `CREATE`/`DROP DATABASE` as is.
fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Creates PostgreSQL database `name` (lower-case letters, digits, `_`)
/// through `admin`, a connection to another database of the server.
/// On PostgreSQL, `ANALYZE` now: what autovacuum does within a minute of
/// a bulk load, which a benchmark that measures at once would otherwise
/// run without (the exposure list planned as a bitmap scan and a sort of
/// the organisation's every exposure). SQLite's is `Store::optimize`.
pub async fn analyze_postgres(store: &Store) -> Result<()> {
    if store.backend == Backend::Postgres {
        sqlx::query("ANALYZE").execute(&store.pool).await?;
    }
    Ok(())
}

pub async fn create_database(admin: &Store, name: &str) -> Result<()> {
    if !plain_identifier(name) {
        return Err(super::StoreError::Corrupt(format!(
            "database name '{name}'"
        )));
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin.pool)
        .await?;
    Ok(())
}

/// Drops PostgreSQL database `name` and its sessions, if it exists.
pub async fn drop_database(admin: &Store, name: &str) -> Result<()> {
    if !plain_identifier(name) {
        return Err(super::StoreError::Corrupt(format!(
            "database name '{name}'"
        )));
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin.pool)
    .await?;
    Ok(())
}

/// The SQL type of a column as the `Any` driver carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
}

/// One value of a row read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
}

/// `kinded![id, start_line: Int]`: the columns `&[("id", Kind::Text),
/// ("start_line", Kind::Int)]`, each TEXT unless its kind is given.
macro_rules! kinded {
    ($($column:ident $(: $kind:ident)?),* $(,)?) => {
        &[$((stringify!($column), kinded!(@kind $($kind)?))),*]
    };
    (@kind) => {
        Kind::Text
    };
    (@kind $kind:ident) => {
        Kind::$kind
    };
}

/// The columns the intake writes for a new finding, in its order.
pub const FINDING_COLUMNS: &[(&str, Kind)] = kinded![
    id, fingerprint, target, target_kind, target_identity, title, description, rule_id, tool, cwes,
    severity, cvss_vector, location_path, start_line: Int, end_line: Int, function_name, evidence,
    aliases, reporter_org, reported_by, submission_id, position, campaign, tlp, visibility_id: Int,
    state, created_at, updated_at,
];

/// The columns of a sighting.
pub const SIGHTING_COLUMNS: &[(&str, Kind)] =
    kinded![finding_id, org_id, version, submission_id, seen_at];

/// The columns matching writes for a new exposure, in its order.
pub const EXPOSURE_COLUMNS: &[(&str, Kind)] = kinded![
    id, org_id, asset_id, component_key, component_name, component_version, component_purl,
    vuln_id, advisory_id, decision, reason, priority_rank: Int, ssvc_decision, deadline, due_at,
    embargoed: Int, state, first_seen, updated_at,
];

/// A table this module reads and writes; the names are constants, never input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Findings,
    Sightings,
    Exposures,
}

impl Table {
    pub(super) fn name(self) -> &'static str {
        match self {
            Table::Findings => "findings",
            Table::Sightings => "finding_sightings",
            Table::Exposures => "exposures",
        }
    }

    pub fn columns(self) -> &'static [(&'static str, Kind)] {
        match self {
            Table::Findings => FINDING_COLUMNS,
            Table::Sightings => SIGHTING_COLUMNS,
            Table::Exposures => EXPOSURE_COLUMNS,
        }
    }

    pub(super) fn column_list(self) -> String {
        self.columns()
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(super) fn cells(row: &AnyRow, columns: &[(&str, Kind)]) -> Result<Vec<Cell>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Kind::Text => Cell::Text(row.try_get(i)?),
                Kind::Int => Cell::Int(row.try_get(i)?),
            })
        })
        .collect()
}

/// `bench api`'s findings: `bench-finding-{from..to}`, filed by `org` and
/// `user` in `submission`, written by one `INSERT ... WITH RECURSIVE`
/// (portable to SQLite and PostgreSQL, no rows through the client).
/// Each carries the submission's TLP and label, is `new`, and has a
/// fingerprint of its own and one sighting by its reporter.
pub async fn seed_findings(
    conn: &mut AnyConnection,
    (from, to): (u64, u64),
    (org, user, submission): (&str, &str, &str),
    now: &str,
) -> Result<()> {
    let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO findings (id, fingerprint, target_kind, target_identity, target, title, \
         description, rule_id, tool, cwes, severity, location_path, start_line, end_line, aliases, \
         reporter_org, reported_by, submission_id, position, tlp, visibility_id, state, created_at, \
         updated_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($2 AS BIGINT)) \
         SELECT 'bench-finding-' || CAST(i AS TEXT), 'bench-fp-' || CAST(i AS TEXT), 'package', \
         'pkg:npm/bench-' || CAST(i % 5000 AS TEXT), 'pkg:npm/bench-' || CAST(i % 5000 AS TEXT) || '@1.0.0', \
         'Out-of-bounds write in parser ' || CAST(i AS TEXT), \
         'A crafted input overflows the buffer in the parser.', 'CWE-787', 'bench-scanner', \
         '[\"CWE-787\"]', 'high', 'src/parse.c', CAST(i % 900 + 1 AS BIGINT), CAST(i % 900 + 3 AS BIGINT), \
         '[]', $3, $4, $5, CAST(i AS TEXT), s.tlp, s.visibility_id, 'received', $6, $7 \
         FROM n JOIN submissions s ON s.id = $5",
    )
    .bind(int(from))
    .bind(int(to))
    .bind(org)
    .bind(user)
    .bind(submission)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO finding_sightings (finding_id, org_id, version, submission_id, seen_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST($2 AS BIGINT)) \
         SELECT 'bench-finding-' || CAST(i AS TEXT), $3, '1.0.0', $4, $5 FROM n",
    )
    .bind(int(from))
    .bind(int(to))
    .bind(org)
    .bind(submission)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
