//! Pending two-person requests and their decisions. A request is stored
//! as its action name and its payload (JSON), the two halves of the typed
//! `ApprovalRequest`.

use clearinghouse_domain::approval::{ApprovalRequest, ApprovalState};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, StoreError, decode};
use crate::model::Approval;
use crate::store::fetch;

const COLUMNS: &str = "id, action, payload, summary, requested_by, requested_via, state, \
                       decided_by, decided_at, reason, created_at";

fn from_row(row: &AnyRow) -> Result<Approval> {
    let action: String = row.try_get("action")?;
    let payload: String = row.try_get("payload")?;
    let payload = serde_json::from_str(&payload)
        .map_err(|e| StoreError::Corrupt(format!("approval payload: {e}")))?;
    Ok(Approval {
        id: row.try_get("id")?,
        request: ApprovalRequest::from_parts(&action, payload)
            .map_err(|e| StoreError::Corrupt(format!("approval {action} payload: {e}")))?,
        summary: row.try_get("summary")?,
        requested_by: row.try_get("requested_by")?,
        requested_via: row.try_get("requested_via")?,
        state: decode(row, "approvals", "state", ApprovalState::parse)?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        reason: row.try_get("reason")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, a: &Approval) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO approvals (id, action, payload, summary, requested_by, requested_via, state, \
         decided_by, decided_at, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL, $8)",
    );
    bind_fields!(q, a => {
        id,
        request: a.request.action().as_str(),
        request: a.request.payload().to_string(),
        summary, requested_by, requested_via,
        state: a.state.as_str(),
        created_at,
    })
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<Approval>> {
    let sql = format!("SELECT {COLUMNS} FROM approvals WHERE id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// Requests after the cursor, optionally in one state.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Approval>> {
    let select = format!("SELECT {COLUMNS} FROM approvals");
    fetch::after_cursor(db, &select, "state", state, after, limit, from_row).await
}

/// Records a decision, only if the request is still pending (compare and set).
pub async fn decide<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    state: ApprovalState,
    decided_by: &str,
    decided_at: &str,
    reason: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE approvals SET state = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(decided_by)
    .bind(decided_at)
    .bind(reason)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
