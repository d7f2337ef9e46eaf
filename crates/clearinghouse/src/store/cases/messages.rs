//! A case's threaded messages (`case_messages`) and its event timeline
//! (`case_events`). Neither has labels: every read here is for a case the
//! workflow has already read under the policy (`read_filter::DERIVED`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;

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
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_messages WHERE case_id = $1 AND id = $2")
            .bind(case_id)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
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
    let rows = sqlx::query(
        "SELECT id, case_id, reply_to, org_id, author, body, created_at FROM case_messages m \
         WHERE m.case_id = $1 AND ($2 = '' OR EXISTS (SELECT 1 FROM case_messages b \
           WHERE b.case_id = $1 AND b.id = $2 \
           AND (m.created_at < b.created_at OR (m.created_at = b.created_at AND m.id < b.id)))) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
    )
    .bind(case_id)
    .bind(before.unwrap_or_default())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(message_from_row).collect()
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
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND id = $2")
            .bind(case_id)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

/// The newest `limit` events of a case's timeline before event `before`
/// (all of them without one), newest first.
pub async fn events(
    conn: &mut AnyConnection,
    case_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let rows = sqlx::query(
        "SELECT id, case_id, kind, actor, org_id, detail, created_at FROM case_events e \
         WHERE e.case_id = $1 AND ($2 = '' OR EXISTS (SELECT 1 FROM case_events b \
           WHERE b.case_id = $1 AND b.id = $2 \
           AND (e.created_at < b.created_at OR (e.created_at = b.created_at AND e.id < b.id)))) \
         ORDER BY e.created_at DESC, e.id DESC LIMIT $3",
    )
    .bind(case_id)
    .bind(before.unwrap_or_default())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(event_from_row).collect()
}
