//! A case's threaded messages (`case_messages`) and its event timeline
//! (`case_events`). Neither has labels: every read here is for a case the
//! workflow has already read under the policy (`read_filter::DERIVED`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;
use crate::store::fetch::{self, Query};

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

/// What messages and events have in common: append-only rows of one case
/// in a table of their own, inserted whole, read newest first.
trait CaseEntry: Sized {
    const TABLE: &'static str;
    /// Every column, in the order [`CaseEntry::bind`] binds them.
    const COLUMNS: &'static str;
    const WIDTH: usize;
    fn from_row(r: &AnyRow) -> Result<Self>;
    fn bind<'q>(&'q self, q: Query<'q>) -> Query<'q>;
}

impl CaseEntry for MessageRow {
    const TABLE: &'static str = "case_messages";
    const COLUMNS: &'static str = "id, case_id, reply_to, org_id, author, body, created_at";
    const WIDTH: usize = 7;
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(from_columns!(r => MessageRow {
            id, case_id, reply_to, org_id, author, body, created_at,
        }))
    }
    fn bind<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        bind_fields!(q, self => { id, case_id, reply_to, org_id, author, body, created_at })
    }
}

impl CaseEntry for EventRow {
    const TABLE: &'static str = "case_events";
    const COLUMNS: &'static str = "id, case_id, kind, actor, org_id, detail, created_at";
    const WIDTH: usize = 7;
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(from_columns!(r => EventRow {
            id, case_id, kind, actor, org_id, detail, created_at,
        }))
    }
    fn bind<'q>(&'q self, q: Query<'q>) -> Query<'q> {
        bind_fields!(q, self => { id, case_id, kind, actor, org_id, detail, created_at })
    }
}

pub async fn insert_message(conn: &mut AnyConnection, m: &MessageRow) -> Result<()> {
    insert(conn, m).await
}

/// Whether `id` is a message of `case_id`.
pub async fn message_in_case(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<bool> {
    in_case::<MessageRow>(conn, case_id, id).await
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
    newest_before(conn, case_id, before.unwrap_or_default(), limit).await
}

pub async fn insert_event(conn: &mut AnyConnection, e: &EventRow) -> Result<()> {
    insert(conn, e).await
}

/// Whether `id` is an event of `case_id`.
pub async fn event_in_case(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<bool> {
    in_case::<EventRow>(conn, case_id, id).await
}

/// The newest `limit` events of a case's timeline before event `before`
/// (all of them without one), newest first.
pub async fn events(
    conn: &mut AnyConnection,
    case_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    newest_before(conn, case_id, before.unwrap_or_default(), limit).await
}

/// Inserts one message or event.
async fn insert<R: CaseEntry>(conn: &mut AnyConnection, r: &R) -> Result<()> {
    let (table, columns) = (R::TABLE, R::COLUMNS);
    let sql = format!(
        "INSERT INTO {table} ({columns}) VALUES ({})",
        crate::store::placeholders(1, R::WIDTH)
    );
    r.bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `id` is a message (event) of `case_id`.
async fn in_case<R: CaseEntry>(conn: &mut AnyConnection, case_id: &str, id: &str) -> Result<bool> {
    let table = R::TABLE;
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE case_id = $1 AND id = $2");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The newest `limit` messages (events) of `case_id` created before the
/// one with id `before` (all of them when it is empty), newest first,
/// ties broken by id.
async fn newest_before<R: CaseEntry>(
    conn: &mut AnyConnection,
    case_id: &str,
    before: &str,
    limit: i64,
) -> Result<Vec<R>> {
    let (table, columns) = (R::TABLE, R::COLUMNS);
    let sql = format!(
        "SELECT {columns} FROM {table} m \
         WHERE m.case_id = $1 AND ($2 = '' OR EXISTS (SELECT 1 FROM {table} b \
           WHERE b.case_id = $1 AND b.id = $2 \
           AND (m.created_at < b.created_at OR (m.created_at = b.created_at AND m.id < b.id)))) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $3"
    );
    fetch::all(conn, sql, &[&case_id, &before, &limit], R::from_row).await
}
