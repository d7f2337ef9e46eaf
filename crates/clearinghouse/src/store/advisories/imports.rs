//! Advisory imports (`advisory_imports`): the row a `POST
//! /advisories/import` leaves for the `advisory_import` job, its progress
//! and totals. No labels: a reader sees the imports of its own organisation,
//! and coordinators see every one (`read_filter::DERIVED` names this path).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use crate::model::exposure::{ImportReport, ImportState};
use crate::store::fetch;
use crate::store::{Result, StoreError, decode};

const COLUMNS: &str = "i.id, i.imported_by, i.org_id, i.file_name, i.sha256, i.size_bytes, \
     i.embargo, i.state, i.report, i.error, i.error_field, i.error_status, i.created_at, \
     i.started_at, i.finished_at";

table_record! {
    /// An advisory import and how far it has got. Its totals (the fields of
    /// the import report) grow as the job commits batches.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct AdvisoryImport {
        id: String, imported_by: String, org_id: String,
        /// The file's name as sent (a hint for the format).
        file_name: String,
        sha256: String, size_bytes: i64,
        embargo: bool = row.try_get::<i64, _>("embargo")? != 0,
        /// `queued`, `running`, `done` or `failed`.
        state: ImportState = decode(row, "advisory_imports", "state", ImportState::parse)?,
        /// Why the file was refused as a whole (`failed`).
        error: Option<String>,
        /// The field or zip entry at fault, when known.
        error_field: Option<String>,
        /// The status a synchronous import would have answered: 413 for a
        /// limit, 422 for a file that does not parse.
        error_status: Option<i64>,
        created_at: String, started_at: Option<String>, finished_at: Option<String>,
        /// Totals so far, and the records refused with their reasons (bounded).
        #[serde(flatten)]
        report: ImportReport = report_of(row)?,
    }
    fn from_row(row);
}

impl AdvisoryImport {
    pub fn is_finished(&self) -> bool {
        matches!(self.state, ImportState::Done | ImportState::Failed)
    }
}

/// An import as stored, with what the job needs beyond the API record.
#[derive(Debug, Clone)]
pub struct StoredImport {
    pub import: AdvisoryImport,
    pub artifact_key: String,
}

fn report_text(report: &ImportReport) -> Result<String> {
    serde_json::to_string(report).map_err(|e| StoreError::Encode {
        what: "advisory_imports.report",
        source: e,
    })
}

/// The stored report of an import row.
fn report_of(row: &AnyRow) -> Result<ImportReport> {
    let report: String = row.try_get("report")?;
    serde_json::from_str(&report).map_err(|_| StoreError::Decode {
        table: "advisory_imports",
        column: "report",
        value: report.chars().take(80).collect(),
    })
}

/// Stores a new import (state `queued`, empty report).
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    i: &AdvisoryImport,
    artifact_key: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO advisory_imports (id, imported_by, org_id, file_name, artifact_key, sha256, \
         size_bytes, embargo, state, report, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(&i.id)
    .bind(&i.imported_by)
    .bind(&i.org_id)
    .bind(&i.file_name)
    .bind(artifact_key)
    .bind(&i.sha256)
    .bind(i.size_bytes)
    .bind(i64::from(i.embargo))
    .bind(i.state.as_str())
    .bind(report_text(&i.report)?)
    .bind(&i.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// One import, whoever asks (the job).
pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<StoredImport>> {
    let sql = format!("SELECT {COLUMNS}, i.artifact_key FROM advisory_imports i WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(StoredImport {
            import: from_row(&r)?,
            artifact_key: r.try_get("artifact_key")?,
        })
    })
    .transpose()
}

/// The import of the same file, options and organisation still queued or
/// running, if any (a re-post answers it rather than queueing another).
pub async fn pending_for<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    sha256: &str,
    file_name: &str,
    embargo: bool,
) -> Result<Option<AdvisoryImport>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM advisory_imports i WHERE i.sha256 = $1 AND i.org_id = $2 \
         AND i.file_name = $3 AND i.embargo = $4 AND i.state IN ('queued', 'running') \
         ORDER BY i.id LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(sha256)
        .bind(org_id)
        .bind(file_name)
        .bind(i64::from(embargo))
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// The read path: the importer's organisation, or everyone's when `all`
/// (coordinators). `$1` is the reader's organisation.
const READABLE: &str = "(($2 = 1) OR (i.org_id = $1 AND $1 <> ''))";

/// One import, only if the reader may read it.
pub async fn get_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    org_id: &str,
    all: bool,
) -> Result<Option<AdvisoryImport>> {
    let sql = format!("SELECT {COLUMNS} FROM advisory_imports i WHERE i.id = $3 AND {READABLE}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(i64::from(all))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Imports the reader may read, newest first, before the cursor id.
pub async fn list_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    all: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AdvisoryImport>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM advisory_imports i WHERE {READABLE} \
         AND ($3 = '' OR i.id < $3) ORDER BY i.id DESC LIMIT $4"
    );
    fetch::all(
        db,
        sql,
        &[&org_id, &i64::from(all), &before.unwrap_or(""), &limit],
        from_row,
    )
    .await
}

/// Marks an import running (again, on a retried attempt) with an empty report.
pub async fn start<'e, E: Executor<'e, Database = Any>>(db: E, id: &str, now: &str) -> Result<()> {
    sqlx::query(
        "UPDATE advisory_imports SET state = 'running', started_at = $2, report = $3 \
         WHERE id = $1 AND state IN ('queued', 'running')",
    )
    .bind(id)
    .bind(now)
    .bind(report_text(&ImportReport::default())?)
    .execute(db)
    .await?;
    Ok(())
}

/// Records the totals so far.
pub async fn progress<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    report: &ImportReport,
) -> Result<()> {
    sqlx::query("UPDATE advisory_imports SET report = $2 WHERE id = $1 AND state = 'running'")
        .bind(id)
        .bind(report_text(report)?)
        .execute(db)
        .await?;
    Ok(())
}

/// Why an import failed as a whole.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    pub field: Option<String>,
    pub status: i64,
}

/// Ends an import: `done` with its report, or `failed` with why.
pub async fn finish<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    report: &ImportReport,
    failure: Option<&Failure>,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE advisory_imports SET state = $2, report = $3, error = $4, error_field = $5, \
         error_status = $6, finished_at = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(
        if failure.is_some() {
            ImportState::Failed
        } else {
            ImportState::Done
        }
        .as_str(),
    )
    .bind(report_text(report)?)
    .bind(failure.map(|f| f.message.clone()))
    .bind(failure.and_then(|f| f.field.clone()))
    .bind(failure.map(|f| f.status))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
