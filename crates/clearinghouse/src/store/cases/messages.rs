//! A case's threaded messages (`case_messages`) and its event timeline
//! (`case_events`). Neither has labels: every read here is for a case the
//! workflow has already read under the policy (`read_filter::DERIVED`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::{Result, fetch};

/// One message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: String,
    pub case_id: String,
    /// The message it answers, in the same case.
    pub reply_to: Option<String>,
    pub org_id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: String,
    pub case_id: String,
    /// The domain's `EventKind`.
    pub kind: String,
    /// The user who caused it.
    pub actor: String,
    /// The organisation it concerns (the one invited, joined, ...).
    pub org_id: Option<String>,
    /// JSON object with the event's facts (role, dates, message id).
    pub detail: String,
    pub created_at: String,
}

fn message_from_row(r: &AnyRow) -> Result<MessageRow> {
    Ok(from_columns!(r => MessageRow {
        id, case_id, reply_to, org_id, author, body, created_at,
    }))
}

fn event_from_row(r: &AnyRow) -> Result<EventRow> {
    Ok(from_columns!(r => EventRow {
        id, case_id, kind, actor, org_id, detail, created_at,
    }))
}

pub async fn insert_message(conn: &mut AnyConnection, m: &MessageRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO case_messages (id, case_id, reply_to, org_id, author, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, m => {
        id, case_id, reply_to, org_id, author, body, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether `id` is a message of `case_id`.
pub async fn message_in_case(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<bool> {
    in_case(conn, "case_messages", case_id, id).await
}

/// The organisation that posted message `id` of `case_id` (None: no such
/// message in this case).
pub async fn message_org(
    conn: &mut AnyConnection,
    case_id: &str,
    id: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT org_id FROM case_messages WHERE case_id = $1 AND id = $2")
            .bind(case_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The newest `limit` messages of a case posted before message `before`
/// (all of them without one), newest first.
pub async fn messages(
    conn: &mut AnyConnection,
    case_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    let columns = "id, case_id, reply_to, org_id, author, body, created_at";
    let before = before.unwrap_or_default();
    newest_before(
        conn,
        "case_messages",
        columns,
        case_id,
        before,
        limit,
        message_from_row,
    )
    .await
}

pub async fn insert_event(conn: &mut AnyConnection, e: &EventRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO case_events (id, case_id, kind, actor, org_id, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, e => {
        id, case_id, kind, actor, org_id, detail, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether `id` is an event of `case_id`.
pub async fn event_in_case(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<bool> {
    in_case(conn, "case_events", case_id, id).await
}

/// The newest `limit` events of a case's timeline before event `before`
/// (all of them without one), newest first.
pub async fn events(
    conn: &mut AnyConnection,
    case_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let columns = "id, case_id, kind, actor, org_id, detail, created_at";
    let before = before.unwrap_or_default();
    newest_before(
        conn,
        "case_events",
        columns,
        case_id,
        before,
        limit,
        event_from_row,
    )
    .await
}

/// Whether `id` is a row of `case_id` in `table` (messages, events).
async fn in_case(conn: &mut AnyConnection, table: &str, case_id: &str, id: &str) -> Result<bool> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE case_id = $1 AND id = $2");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The newest `limit` rows of `case_id` in `table` (messages, events)
/// created before row `before` (all of them when it is empty), newest
/// first, ties broken by id.
async fn newest_before<T>(
    conn: &mut AnyConnection,
    table: &str,
    columns: &str,
    case_id: &str,
    before: &str,
    limit: i64,
    from_row: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    let sql = format!(
        "SELECT {columns} FROM {table} m \
         WHERE m.case_id = $1 AND ($2 = '' OR EXISTS (SELECT 1 FROM {table} b \
           WHERE b.case_id = $1 AND b.id = $2 \
           AND (m.created_at < b.created_at OR (m.created_at = b.created_at AND m.id < b.id)))) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3"
    );
    fetch::all(conn, sql, &[&case_id, &before, &limit], from_row).await
}
