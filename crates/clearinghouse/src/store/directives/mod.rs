//! Directives' SQL: `directives` (one row per number, its state and which
//! version is in force) and `directive_versions` (the content of each
//! version as the domain's `DirectiveBody` JSON, with the diff from the
//! version it amends). Issued versions are never updated but to mark them
//! superseded; only a draft's body changes. `forms.rs` holds agencies'
//! submissions and requests, `obligations.rs` the exposure rows obligations
//! are computed from.

#[cfg(feature = "bench")]
pub mod bench;
pub mod dashboard;
pub mod forms;
pub mod notices;
pub mod obligations;
pub mod snapshots;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::{Result, StoreError};

/// A directive as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectiveRow {
    pub id: String,
    pub number: String,
    /// `draft` (never issued), `issued` or `revoked`.
    pub state: String,
    pub issued_version: Option<i64>,
    pub latest_version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

/// One version as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub directive_id: String,
    pub version: i64,
    /// `draft`, `pending` (filed for approval), `issued` or `superseded`.
    pub state: String,
    /// The domain's `DirectiveBody` as JSON.
    pub body: String,
    /// The domain's `Amendment` as JSON (empty for the first version).
    pub changes: String,
    pub approval_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub issued_at: Option<String>,
}

const COLUMNS: &str = "id, number, state, issued_version, latest_version, created_by, created_at, \
     updated_at, revoked_at, revoked_by, revoke_reason";

const VERSION_COLUMNS: &str = "directive_id, version, state, body, changes, approval_id, \
     created_by, created_at, issued_at";

fn from_row(r: &AnyRow) -> Result<DirectiveRow> {
    Ok(from_columns!(r => DirectiveRow {
        id, number, state, issued_version, latest_version, created_by, created_at, updated_at,
        revoked_at, revoked_by, revoke_reason,
    }))
}

fn version_from_row(r: &AnyRow) -> Result<VersionRow> {
    Ok(from_columns!(r => VersionRow {
        directive_id, version, state, body, changes, approval_id, created_by, created_at, issued_at,
    }))
}

pub async fn insert(conn: &mut AnyConnection, d: &DirectiveRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO directives (id, number, state, issued_version, latest_version, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    );
    bind_fields!(q, d => {
        id, number, state, issued_version, latest_version, created_by, created_at, updated_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a directive with this number"))?;
    Ok(())
}

pub async fn insert_version(conn: &mut AnyConnection, v: &VersionRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO directive_versions (directive_id, version, state, body, changes, approval_id, \
         created_by, created_at, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    );
    bind_fields!(q, v => {
        directive_id, version, state, body, changes, approval_id, created_by, created_at, issued_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this directive version"))?;
    sqlx::query("UPDATE directives SET latest_version = $1, updated_at = $2 WHERE id = $3")
        .bind(v.version)
        .bind(&v.created_at)
        .bind(&v.directive_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<DirectiveRow>> {
    let sql = format!("SELECT {COLUMNS} FROM directives WHERE id = $1 OR number = $2");
    fetch::optional(&mut *conn, sql, &[&id, &id], from_row).await
}

/// Every directive, or only those ever issued (`issued_only`), by number.
pub async fn list(conn: &mut AnyConnection, issued_only: bool) -> Result<Vec<DirectiveRow>> {
    let filter = if issued_only {
        "WHERE issued_version IS NOT NULL"
    } else {
        ""
    };
    let sql = format!("SELECT {COLUMNS} FROM directives {filter} ORDER BY number");
    fetch::all(&mut *conn, sql, &[], from_row).await
}

pub async fn versions(conn: &mut AnyConnection, id: &str) -> Result<Vec<VersionRow>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM directive_versions WHERE directive_id = $1 ORDER BY version"
    );
    fetch::all(&mut *conn, sql, &[&id], version_from_row).await
}

pub async fn version(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
) -> Result<Option<VersionRow>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM directive_versions WHERE directive_id = $1 AND version = $2"
    );
    fetch::optional(&mut *conn, sql, &[&id, &version], version_from_row).await
}

/// Replaces a draft's content; false when the version is not a draft.
pub async fn update_draft(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    body: &str,
    changes: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE directive_versions SET body = $1, changes = $2 \
         WHERE directive_id = $3 AND version = $4 AND state = 'draft'",
    )
    .bind(body)
    .bind(changes)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if done {
        touch(conn, id, now).await?;
    }
    Ok(done)
}

/// Moves a version from state `from` to `to` (compare-and-set), recording
/// the approval filed for it when given.
pub async fn set_version_state(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    from: &str,
    to: &str,
    approval_id: Option<&str>,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE directive_versions SET state = $1, approval_id = COALESCE($2, approval_id) \
         WHERE directive_id = $3 AND version = $4 AND state = $5",
    )
    .bind(to)
    .bind(approval_id)
    .bind(id)
    .bind(version)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Puts a pending version in force: the one in force before it is
/// superseded. False when the version is not pending.
pub async fn issue(conn: &mut AnyConnection, id: &str, version: i64, now: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE directive_versions SET state = 'issued', issued_at = $1 \
         WHERE directive_id = $2 AND version = $3 AND state = 'pending'",
    )
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE directive_versions SET state = 'superseded' \
         WHERE directive_id = $1 AND state = 'issued' AND version <> $2",
    )
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE directives SET state = 'issued', issued_version = $1, updated_at = $2 \
         WHERE id = $3 AND state <> 'revoked'",
    )
    .bind(version)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Revokes an issued directive; false when it is not issued.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    now: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE directives SET state = 'revoked', revoked_at = $1, revoked_by = $2, \
         revoke_reason = $3, updated_at = $4 WHERE id = $5 AND state = 'issued'",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

async fn touch(conn: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE directives SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Serialises writers of one directive's dependent rows (new requests,
/// refreshed figures) until the transaction ends, so a check followed by
/// a write cannot race another: on PostgreSQL a row lock on the
/// directive; SQLite's write transaction already holds the database
/// (`BEGIN IMMEDIATE`).
pub async fn lock(conn: &mut AnyConnection, directive_id: &str) -> Result<()> {
    if conn.backend_name() == "SQLite" {
        return Ok(());
    }
    sqlx::query("SELECT id FROM directives WHERE id = $1 FOR UPDATE")
        .bind(directive_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(())
}
