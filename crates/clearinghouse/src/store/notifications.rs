//! Notifications: an organisation's inbox rows, its webhook endpoints and
//! its delivery settings. Every query of inbox rows and webhooks that a
//! person can reach names the organisation, so one organisation never sees
//! another's.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use super::read_filter::{NOTIFICATIONS, ReadFilter};
use super::{Result, bulk_values, decode};
use crate::model::notify::{Notification, NotificationKind, NotificationSettings, Webhook};
use crate::store::fetch;

const COLUMNS: &str = "n.id, n.org_id, n.kind, n.exposure_id, n.vuln_id, n.tlp, nv.expression, \
     n.title, n.body, n.created_at, n.read_at, n.emailed_at";

const FROM: &str = "FROM notifications n JOIN visibility_labels nv ON nv.id = n.visibility_id";

fn from_row(row: &AnyRow) -> Result<Notification> {
    Ok(from_columns!(row => Notification {
        id, org_id,
        kind: decode(row, "notifications", "kind", NotificationKind::parse)?,
        exposure_id, vuln_id, tlp,
        visibility: row.try_get("expression")?,
        title, body, created_at, read_at, emailed_at,
    }))
}

/// Inserts notifications (each with the id of its interned visibility
/// expression) in multi-row statements.
pub async fn insert_many(conn: &mut AnyConnection, items: &[(Notification, i64)]) -> Result<()> {
    for chunk in items.chunks(80) {
        let sql = format!(
            "INSERT INTO notifications (id, org_id, kind, exposure_id, vuln_id, tlp, title, body, \
             created_at, read_at, emailed_at, visibility_id) VALUES {}",
            bulk_values(conn, chunk.len(), 12)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (n, visibility_id) in chunk {
            q = q
                .bind(&n.id)
                .bind(&n.org_id)
                .bind(n.kind.as_str())
                .bind(&n.exposure_id)
                .bind(&n.vuln_id)
                .bind(&n.tlp)
                .bind(&n.title)
                .bind(&n.body)
                .bind(&n.created_at)
                .bind(&n.read_at)
                .bind(&n.emailed_at)
                .bind(*visibility_id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Of `org_ids`, those with an enabled webhook or an email address that
/// is sent to at once (not only in the daily digest).
pub async fn orgs_with_delivery(
    conn: &mut AnyConnection,
    org_ids: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in org_ids.chunks(400) {
        let list = super::in_params(1, chunk.len());
        let sql = format!(
            "SELECT org_id FROM webhooks WHERE enabled = 1 AND org_id IN ({list}) \
             UNION SELECT org_id FROM notification_settings WHERE email IS NOT NULL \
             AND daily_digest = 0 AND org_id IN ({list})"
        );
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// One notification by id, whoever owns it (for jobs).
pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<Notification>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE n.id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// One notification of the reader's organisation that the reader may read
/// (the one read policy: its labels, owner the organisation told).
pub async fn get_for_org<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter: &ReadFilter<'_>,
    id: &str,
) -> Result<Option<Notification>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE n.id = $3 AND n.org_id = $1 AND {}",
        NOTIFICATIONS.clause(filter, 1, 2)
    );
    fetch::optional(db, sql, &[&filter.org_id, &filter.user_id, &id], from_row).await
}

/// The reader's organisation's notifications the reader may read, newest
/// first, older than the cursor (ids are time-ordered UUIDv7).
pub async fn list_for_org<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter: &ReadFilter<'_>,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Notification>> {
    let unread = if unread_only {
        " AND n.read_at IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE n.org_id = $1 AND {}{unread} \
         AND ($3 = '' OR n.id < $3) ORDER BY n.id DESC LIMIT $4",
        NOTIFICATIONS.clause(filter, 1, 2)
    );
    fetch::all(
        db,
        sql,
        &[
            &filter.org_id,
            &filter.user_id,
            &before.unwrap_or(""),
            &limit,
        ],
        from_row,
    )
    .await
}

/// Marks one of an organisation's notifications read (keeping the first
/// read time); false when the organisation has no such notification.
pub async fn mark_read<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    id: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND org_id = $3",
    )
    .bind(now)
    .bind(id)
    .bind(org_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An organisation's notifications not yet emailed, oldest first.
pub async fn not_emailed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    limit: i64,
) -> Result<Vec<Notification>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE n.org_id = $1 AND n.emailed_at IS NULL \
         ORDER BY n.id LIMIT $2"
    );
    fetch::all(db, sql, &[&org_id, &limit], from_row).await
}

pub async fn mark_emailed(conn: &mut AnyConnection, ids: &[String], now: &str) -> Result<()> {
    for id in ids {
        sqlx::query(
            "UPDATE notifications SET emailed_at = $1 WHERE id = $2 AND emailed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

const WEBHOOK_COLUMNS: &str = "id, org_id, url, secret, description, enabled, created_at";

fn webhook_from_row(row: &AnyRow) -> Result<Webhook> {
    Ok(from_columns!(row => Webhook {
        id, org_id, url, secret, description,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at,
    }))
}

pub async fn insert_webhook<'e, E: Executor<'e, Database = Any>>(db: E, w: &Webhook) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO webhooks (id, org_id, url, secret, description, enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, w => {
        id, org_id, url, secret, description,
        enabled: i64::from(w.enabled),
        created_at,
    })
    .execute(db)
    .await?;
    Ok(())
}

/// An organisation's webhooks, oldest first; only enabled ones if asked.
pub async fn webhooks_for_org<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    enabled_only: bool,
) -> Result<Vec<Webhook>> {
    let enabled = if enabled_only { " AND enabled = 1" } else { "" };
    let sql =
        format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE org_id = $1{enabled} ORDER BY id");
    fetch::all(db, sql, &[&org_id], webhook_from_row).await
}

/// One webhook by id, whoever owns it (for jobs).
pub async fn get_webhook<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<Webhook>> {
    let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1");
    fetch::optional(db, sql, &[&id], webhook_from_row).await
}

/// Deletes one of an organisation's webhooks; false when it has none such.
pub async fn delete_webhook<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    id: &str,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn settings_from_row(row: &AnyRow) -> Result<NotificationSettings> {
    Ok(NotificationSettings {
        org_id: row.try_get("org_id")?,
        email: row.try_get("email")?,
        daily_digest: row.try_get::<i64, _>("daily_digest")? != 0,
        updated_at: Some(row.try_get("updated_at")?),
    })
}

pub async fn get_settings<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
) -> Result<Option<NotificationSettings>> {
    let row = sqlx::query(
        "SELECT org_id, email, daily_digest, updated_at FROM notification_settings WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(settings_from_row).transpose()
}

pub async fn put_settings<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    email: Option<&str>,
    daily_digest: bool,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_settings (org_id, email, daily_digest, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET \
         email = excluded.email, daily_digest = excluded.daily_digest, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(email)
    .bind(i64::from(daily_digest))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Organisations that asked for a daily digest, with their address.
pub async fn digest_recipients<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT org_id, email FROM notification_settings \
         WHERE daily_digest = 1 AND email IS NOT NULL ORDER BY org_id",
    )
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("org_id")?, r.try_get("email")?)))
        .collect()
}
