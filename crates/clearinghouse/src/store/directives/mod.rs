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

use sqlx::AnyConnection;

use crate::store::fetch;
use crate::store::{Result, StoreError};

table_record! {
    /// A directive as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DirectiveRow {
        id: String, number: String,
        /// `draft` (never issued), `issued` or `revoked`.
        state: String,
        issued_version: Option<i64>, latest_version: i64, created_by: String,
        created_at: String, updated_at: String, revoked_at: Option<String>,
        revoked_by: Option<String>, revoke_reason: Option<String>,
    }
    const COLUMNS = *;
    fn from_row(r);
}

table_record! {
    /// One version as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct VersionRow {
        directive_id: String, version: i64,
        /// `draft`, `pending` (filed for approval), `issued` or `superseded`.
        state: String,
        /// The domain's `DirectiveBody` as JSON.
        body: String,
        /// The domain's `Amendment` as JSON (empty for the first version).
        changes: String,
        approval_id: Option<String>, created_by: String, created_at: String,
        issued_at: Option<String>,
    }
    const VERSION_COLUMNS = *;
    fn version_from_row(r);
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
