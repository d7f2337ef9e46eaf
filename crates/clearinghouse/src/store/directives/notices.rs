//! Reminders and digests sent for directives (`directive_notices`,
//! migration 0015): one row per (directive, organisation, action, kind,
//! due date), inserted in the transaction that queues the notification,
//! so each reminder goes out once however often the job runs.

use sqlx::{AnyConnection, Row};

use crate::store::Result;

/// One reminder or digest sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRow {
    pub directive_id: String,
    pub org_id: String,
    /// The action's key (empty for a digest).
    pub action_key: String,
    /// `due_in_7`, `due_in_1`, `overdue` or `digest`.
    pub kind: String,
    /// The due date reminded of (a digest: its day).
    pub due_date: String,
    pub items: i64,
    pub sent_at: String,
}

/// Records a notice; false (nothing written) when it was already sent.
pub async fn record(conn: &mut AnyConnection, n: &NoticeRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO directive_notices (directive_id, org_id, action_key, kind, due_date, items, \
         sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (directive_id, org_id, action_key, kind, due_date) DO NOTHING",
    )
    .bind(n.directive_id.as_str())
    .bind(n.org_id.as_str())
    .bind(n.action_key.as_str())
    .bind(n.kind.as_str())
    .bind(n.due_date.as_str())
    .bind(n.items)
    .bind(n.sent_at.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every notice of a directive, oldest first.
pub async fn of_directive(conn: &mut AnyConnection, directive_id: &str) -> Result<Vec<NoticeRow>> {
    let rows = sqlx::query(
        "SELECT directive_id, org_id, action_key, kind, due_date, items, sent_at \
         FROM directive_notices WHERE directive_id = $1 \
         ORDER BY sent_at, org_id, action_key, kind, due_date",
    )
    .bind(directive_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => NoticeRow {
                directive_id, org_id, action_key, kind, due_date, items, sent_at,
            }))
        })
        .collect()
}

/// The organisations with an active directive manager (who get the digest).
pub async fn manager_orgs(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.org_id FROM users u JOIN organizations o ON o.id = u.org_id \
         WHERE u.disabled = 0 AND o.archived_at IS NULL AND u.roles LIKE '%\"directive_manager\"%' \
         ORDER BY u.org_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("org_id")?)).collect()
}
