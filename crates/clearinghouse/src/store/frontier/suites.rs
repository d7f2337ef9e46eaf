//! Benchmark suites' SQL (`frontier_suites`, `frontier_suite_versions`). A
//! suite is a labelled table (registered in `read_filter::LABELLED_TABLES`):
//! every read goes through the one read policy as SQL ([`SUITES`]); its
//! versions (and the runs of `runs.rs`) are read only through it.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::labelled::Readable;
use crate::store::read_filter::{Labelled, ReadFilter};
use crate::store::{Result, StoreError};

/// Suites: owned by the evaluator's organisation, shared at AMBER through
/// `record_shares`, the creator a named reader. Not case data.
pub const SUITES: Labelled = Labelled::shared_record("s", "s.owner_org", "s.created_by");

/// A suite as stored, with its current version's tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteRow {
    pub id: String,
    pub key: String,
    pub owner_org: String,
    pub created_by: String,
    pub name: String,
    /// `count_as_failure` or `exclude`.
    pub errored_samples: String,
    pub tlp: String,
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
    pub current_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl crate::store::labelled::Listed for SuiteRow {
    fn id(&self) -> &str {
        &self.id
    }
}

/// One version of a suite.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub id: String,
    pub suite_id: String,
    pub number: i64,
    pub digest: String,
    /// JSON array of the domain's `Task`s.
    pub tasks: String,
    pub task_count: i64,
    pub created_by: String,
    pub created_at: String,
}

const COLUMNS: &str = "s.id, s.suite_key, s.owner_org, s.created_by, s.name, s.errored_samples, \
     s.tlp, v.expression, s.current_version, s.created_at, s.updated_at";

fn from_row(row: &AnyRow) -> Result<SuiteRow> {
    Ok(from_columns!(row => SuiteRow {
        id,
        key: row.try_get("suite_key")?,
        owner_org, created_by, name, errored_samples, tlp,
        visibility: row.try_get("expression")?,
        shared_with_orgs: Vec::new(),
        current_version, created_at, updated_at,
    }))
}

fn version_from_row(row: &AnyRow) -> Result<VersionRow> {
    Ok(from_columns!(row => VersionRow {
        id, suite_id, number, digest, tasks, task_count, created_by, created_at,
    }))
}

/// Inserts a new suite with its shares (its first version separately).
pub async fn insert(conn: &mut AnyConnection, s: &SuiteRow, visibility_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_suites (id, suite_key, owner_org, created_by, name, errored_samples, \
         tlp, visibility_id, current_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&s.id)
    .bind(&s.key)
    .bind(&s.owner_org)
    .bind(&s.created_by)
    .bind(&s.name)
    .bind(&s.errored_samples)
    .bind(&s.tlp)
    .bind(visibility_id)
    .bind(s.current_version)
    .bind(&s.created_at)
    .bind(&s.updated_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a suite with this key in your organisation"))?;
    for org in &s.shared_with_orgs {
        sqlx::query("INSERT INTO record_shares (record_id, org_id) VALUES ($1, $2)")
            .bind(&s.id)
            .bind(org)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts a version row.
pub async fn insert_version(conn: &mut AnyConnection, v: &VersionRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_suite_versions (id, suite_id, number, digest, tasks, task_count, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    );
    bind_fields!(q, v => {
        id, suite_id, number, digest, tasks, task_count, created_by, created_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this suite version"))?;
    Ok(())
}

/// Moves a suite to a new current version, compare-and-set on the old one
/// (two concurrent revisions cannot both win). False when it had moved.
pub async fn advance(
    conn: &mut AnyConnection,
    suite_id: &str,
    from: i64,
    to: i64,
    name: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE frontier_suites SET current_version = $1, name = $2, updated_at = $3 \
         WHERE id = $4 AND current_version = $5",
    )
    .bind(to)
    .bind(name)
    .bind(now)
    .bind(suite_id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn fill_shares(pool: &sqlx::AnyPool, s: &mut SuiteRow) -> Result<()> {
    s.shared_with_orgs =
        sqlx::query_scalar("SELECT org_id FROM record_shares WHERE record_id = $1 ORDER BY org_id")
            .bind(&s.id)
            .fetch_all(pool)
            .await?;
    Ok(())
}

/// Readable suites whose id or key is `name` (a key may name one suite in
/// each organisation).
pub async fn find_readable(
    pool: &sqlx::AnyPool,
    name: &str,
    filter: &ReadFilter<'_>,
) -> Result<Vec<SuiteRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM frontier_suites s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE (s.id = $3 OR s.suite_key = $3) AND {} ORDER BY s.id",
        SUITES.clause(filter, 1, 2)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(name)
        .fetch_all(pool)
        .await?;
    let mut out = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    for s in &mut out {
        fill_shares(pool, s).await?;
    }
    Ok(out)
}

/// One suite by id, only if the reader may read it.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<SuiteRow>> {
    Ok(find_readable(pool, id, filter)
        .await?
        .into_iter()
        .find(|s| s.id == id))
}

/// Readable suites after the cursor, in id order.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SuiteRow>> {
    let mut out = Readable::table(COLUMNS, "frontier_suites", &SUITES, filter)
        .page(pool, filter, after, limit, from_row)
        .await?;
    for s in &mut out {
        fill_shares(pool, s).await?;
    }
    Ok(out)
}

/// The suite of this organisation with this key, read inside a write
/// transaction (no read filter: the caller's own organisation's record).
pub async fn by_key_for_update(
    conn: &mut AnyConnection,
    owner_org: &str,
    key: &str,
) -> Result<Option<SuiteRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM frontier_suites s JOIN visibility_labels v ON v.id = s.visibility_id \
         WHERE s.owner_org = $1 AND s.suite_key = $2"
    );
    fetch::optional(&mut *conn, sql, &[&owner_org, &key], from_row).await
}

/// One version of a suite (the suite already checked readable).
pub async fn version<'e, E>(conn: E, suite_id: &str, number: i64) -> Result<Option<VersionRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT id, suite_id, number, digest, tasks, task_count, created_by, created_at \
         FROM frontier_suite_versions WHERE suite_id = $1 AND number = $2",
    )
    .bind(suite_id)
    .bind(number)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// A version by its id (the caller checks its suite is readable).
pub async fn version_by_id(pool: &sqlx::AnyPool, id: &str) -> Result<Option<VersionRow>> {
    let row = sqlx::query(
        "SELECT id, suite_id, number, digest, tasks, task_count, created_by, created_at \
         FROM frontier_suite_versions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// Every version of a suite, oldest first.
pub async fn versions(pool: &sqlx::AnyPool, suite_id: &str) -> Result<Vec<VersionRow>> {
    let rows = sqlx::query(
        "SELECT id, suite_id, number, digest, tasks, task_count, created_by, created_at \
         FROM frontier_suite_versions WHERE suite_id = $1 ORDER BY number",
    )
    .bind(suite_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(version_from_row).collect()
}
