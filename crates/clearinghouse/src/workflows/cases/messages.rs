//! A case's messages and timeline. Participants that have joined (and the
//! staff) post messages, threaded by `reply_to`; an invited organisation
//! that has not joined reads but may not post (403 "join the case first"); every other participant organisation
//! is told through its inbox, and organisations named in `mentions` are
//! told that they were mentioned. Read receipts are per organisation: a
//! message counts as read by an organisation once a member of it opened
//! the case or its messages after it was posted (`last_seen_at`). The
//! timeline lists every event of the case (opened, invited, joined,
//! message, ...). Both read newest first in pages of at most
//! [`MAX_ITEMS`], each shown oldest first, with the cursor of the older
//! page. Non-participants get 404, as for a missing case.

use crate::model::notify::NotificationKind;
use clearinghouse_domain::cases::{EventKind, validate_message};
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{case_error, case_words, notice, org_words, readable, record, seen};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::HeldConnection;
use crate::store::cases::CaseRow;
use crate::store::cases::messages::MessageRow;
use crate::workflows::new_id;
use crate::workflows::notifications;

/// Most messages and events one read returns: the newest, with a cursor
/// (`before`) for the older ones (F4).
pub const MAX_ITEMS: i64 = 1_000;
/// Most organisations one message mentions.
pub const MAX_MENTIONS: usize = 20;

/// A message to post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// 1 to 20,000 characters; line breaks allowed.
    pub body: String,
    /// The id of the message of this case it answers.
    pub reply_to: Option<String>,
    /// Participant organisations (ids) to mention: each is told so.
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// A message with its read receipts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: String,
    pub reply_to: Option<String>,
    pub org_id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
    /// Participant organisations (other than the author's) that have
    /// opened the case since it was posted.
    pub read_by_orgs: Vec<String>,
}

/// One event of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub id: String,
    /// `opened`, `invited`, `joined`, `message`, `vendor_mapped`.
    pub kind: String,
    pub actor: String,
    pub org_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub created_at: String,
}

/// Joining is the gate: an invited organisation reads the case to decide,
/// and speaks in it (messages, attachments) once its administrator has
/// joined; 403 before.
pub(super) fn require_joined(
    participants: &[store::cases::ParticipantRow],
    who: &Principal,
) -> AppResult<()> {
    if participants
        .iter()
        .any(|p| p.org_id == who.org_id() && p.joined_at.is_none())
    {
        return Err(AppError::forbidden(
            "join the case first: an administrator of your organisation joins it \
             (POST /cases/{id}/join) before its members post messages",
        ));
    }
    Ok(())
}

/// Posts a message to a case (its participants and the staff).
pub async fn post(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: NewMessage,
) -> AppResult<Message> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, id).await?;
    let body = validate_message(&input.body).map_err(case_error)?;
    if input.mentions.len() > MAX_MENTIONS {
        return Err(AppError::invalid(
            "mentions",
            format!("at most {MAX_MENTIONS} organisations"),
        ));
    }
    let mut tx = app.store.begin_write().await?;
    if let Some(r) = &input.reply_to
        && !store::cases::messages::message_in_case(&mut tx, &c.id, r).await?
    {
        return Err(AppError::invalid(
            "reply_to",
            "no message of this case has this id",
        ));
    }
    let participants = store::cases::participants(&mut tx, &c.id).await?;
    require_joined(&participants, who)?;
    let mut mentions = input.mentions.clone();
    mentions.sort();
    mentions.dedup();
    for (i, m) in input.mentions.iter().enumerate() {
        if !participants.iter().any(|p| &p.org_id == m) {
            return Err(AppError::invalid(
                format!("mentions[{i}]"),
                "not a participant organisation of this case",
            ));
        }
    }
    let row = MessageRow {
        id: new_id(),
        case_id: c.id.clone(),
        reply_to: input.reply_to,
        org_id: who.org_id().to_owned(),
        author: who.user_id().to_owned(),
        body,
        created_at: clock::now_text(),
    };
    store::cases::messages::insert_message(&mut tx, &row).await?;
    record(
        app,
        &mut tx,
        who,
        "case.message",
        &c.id,
        (
            EventKind::Message,
            Some(who.org_id()),
            json!({"message_id": row.id, "reply_to": row.reply_to, "mentions": mentions}),
        ),
    )
    .await?;
    let words = case_words(&mut tx, &c).await?;
    let by = org_words(&mut tx, who.org_id()).await?;
    let mut told = Vec::new();
    for p in participants.iter().filter(|p| p.org_id != row.org_id) {
        let mentioned = mentions.contains(&p.org_id);
        let (kind, title) = if mentioned {
            (
                NotificationKind::CaseMention,
                format!("You were mentioned in case: {}", c.title),
            )
        } else {
            (
                NotificationKind::CaseMessage,
                format!("New message in case: {}", c.title),
            )
        };
        told.push(notice(
            &c,
            &p.org_id,
            kind,
            title,
            if mentioned {
                format!("{by} mentioned your organisation in a message in the coordination case {words}.")
            } else {
                format!("{by} posted a message in the coordination case {words}.")
            },
        ));
    }
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    seen(app, who, &c.id).await?;
    Ok(Message {
        id: row.id,
        reply_to: row.reply_to,
        org_id: row.org_id,
        author: row.author,
        body: row.body,
        created_at: row.created_at,
        read_by_orgs: Vec::new(),
    })
}

/// The newest [`MAX_ITEMS`] (or `limit`) messages or events before the
/// cursor, oldest first, and the cursor of the page before them (when
/// there is one).
#[derive(Debug, Clone)]
pub struct Newest<T> {
    pub items: Vec<T>,
    /// Pass as `before` for the older page.
    pub older: Option<String>,
}

/// Checks a page's `limit` (1 to [`MAX_ITEMS`], default [`MAX_ITEMS`]).
fn page_limit(limit: Option<i64>) -> AppResult<i64> {
    match limit {
        None => Ok(MAX_ITEMS),
        Some(n) if (1..=MAX_ITEMS).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid(
            "limit",
            format!("must be 1 to {MAX_ITEMS}"),
        )),
    }
}

/// Newest first rows (one more than `limit` if older exist) to a page.
fn newest<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> String) -> Newest<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    rows.reverse();
    let older = if more { rows.first().map(id) } else { None };
    Newest { items: rows, older }
}

/// Which of a case's two histories a page reads.
#[derive(Clone, Copy)]
enum History {
    Messages,
    Events,
}

/// Starts reading a page of a case's history (`of`): checks the scope, that
/// the case is readable, the `limit` and that `before` names an item of this
/// case. Returns the case, the checked limit and a connection; used by
/// [`list`] and [`events`].
async fn open_page(
    app: &AppState,
    who: &Principal,
    id: &str,
    before: Option<&str>,
    limit: Option<i64>,
    of: History,
) -> AppResult<(CaseRow, i64, HeldConnection)> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, id).await?;
    let limit = page_limit(limit)?;
    let mut conn = app.store.pool.acquire().await?;
    if let Some(b) = before {
        let (known, message) = match of {
            History::Messages => (
                store::cases::messages::message_in_case(&mut conn, &c.id, b).await?,
                "no message of this case has this id",
            ),
            History::Events => (
                store::cases::messages::event_in_case(&mut conn, &c.id, b).await?,
                "no event of this case has this id",
            ),
        };
        if !known {
            return Err(AppError::invalid("before", message));
        }
    }
    Ok((c, limit, conn))
}

/// A case's messages, the newest page (or the page before message
/// `before`), oldest first, with per-organisation read receipts.
pub async fn list(
    app: &AppState,
    who: &Principal,
    id: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Newest<Message>> {
    let (c, limit, mut conn) = open_page(app, who, id, before, limit, History::Messages).await?;
    seen(app, who, &c.id).await?;
    let participants = store::cases::participants(&mut conn, &c.id).await?;
    let rows = store::cases::messages::messages(&mut conn, &c.id, before, limit + 1).await?;
    let page = newest(rows, limit, |m| m.id.clone());
    let items = page
        .items
        .into_iter()
        .map(|m| {
            let read_by_orgs = participants
                .iter()
                .filter(|p| p.org_id != m.org_id)
                .filter(|p| {
                    p.last_seen_at
                        .as_deref()
                        .is_some_and(|s| s >= m.created_at.as_str())
                })
                .map(|p| p.org_id.clone())
                .collect();
            Message {
                id: m.id,
                reply_to: m.reply_to,
                org_id: m.org_id,
                author: m.author,
                body: m.body,
                created_at: m.created_at,
                read_by_orgs,
            }
        })
        .collect();
    Ok(Newest {
        items,
        older: page.older,
    })
}

/// A case's timeline, the newest page (or the page before event
/// `before`), oldest first.
pub async fn events(
    app: &AppState,
    who: &Principal,
    id: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Newest<Event>> {
    let (c, limit, mut conn) = open_page(app, who, id, before, limit, History::Events).await?;
    let rows = store::cases::messages::events(&mut conn, &c.id, before, limit + 1).await?;
    let page = newest(rows, limit, |e| e.id.clone());
    let items = page
        .items
        .into_iter()
        .map(|e| {
            Ok(Event {
                detail: serde_json::from_str(&e.detail)
                    .map_err(|err| AppError::internal("stored case event", err))?,
                id: e.id,
                kind: e.kind,
                actor: e.actor,
                org_id: e.org_id,
                created_at: e.created_at,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Newest {
        items,
        older: page.older,
    })
}
