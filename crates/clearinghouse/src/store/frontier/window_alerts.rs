//! Insider-risk alerts' SQL (`window_alerts`: one row per window, rule,
//! person and period, so raising twice stores once) and sealed transcripts
//! (`broker_transcripts`), plus who receives alerts (the organisations of
//! active security officers).

use sqlx::{AnyConnection, Row};

use crate::store::Result;
use crate::store::fetch;

table_record! {
    /// An alert as stored. `evidence` is the JSON array of usage ids.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AlertRow {
        id: String, window_id: String, rule: String, user_id: String, period: String,
        detail: String, evidence: String, raised_at: String, acknowledged_at: Option<String>,
        acknowledged_by: Option<String>, acknowledge_reason: Option<String>,
    }
    const COLUMNS = a.*;
    fn from_row(r);
}

/// Stores the alert unless one with its window, rule, person and period
/// exists; true when it was new.
pub async fn insert_if_new(conn: &mut AnyConnection, a: &AlertRow) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO window_alerts (id, window_id, rule, user_id, period, detail, evidence, \
         raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (window_id, rule, user_id, period) DO NOTHING",
    )
    .bind(&a.id)
    .bind(&a.window_id)
    .bind(&a.rule)
    .bind(&a.user_id)
    .bind(&a.period)
    .bind(&a.detail)
    .bind(&a.evidence)
    .bind(&a.raised_at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<AlertRow>> {
    let q = format!("SELECT {COLUMNS} FROM window_alerts a WHERE a.id = $1");
    fetch::optional(conn, q, &[&id], from_row).await
}

/// A window's alerts, newest first (at most 1000).
pub async fn of_window(conn: &mut AnyConnection, window_id: &str) -> Result<Vec<AlertRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM window_alerts a WHERE a.window_id = $1 \
         ORDER BY a.raised_at DESC, a.id LIMIT 1000"
    );
    fetch::all(conn, q, &[&window_id], from_row).await
}

/// Alerts of every window, newest first (`open_only`: not acknowledged);
/// the caller filters by who may read each window.
pub async fn recent(
    conn: &mut AnyConnection,
    open_only: bool,
    limit: i64,
) -> Result<Vec<AlertRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM window_alerts a WHERE ($1 = 0 OR a.acknowledged_at IS NULL) \
         ORDER BY a.raised_at DESC, a.id LIMIT $2"
    );
    fetch::all(conn, q, &[&i64::from(open_only), &limit], from_row).await
}

/// Acknowledges an alert not yet acknowledged; false when it already was.
pub async fn acknowledge(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    reason: &str,
    now: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE window_alerts SET acknowledged_at = $2, acknowledged_by = $3, \
         acknowledge_reason = $4 WHERE id = $1 AND acknowledged_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Government agencies with an active security officer (who receive every
/// alert in their inbox).
pub async fn security_officer_orgs(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.org_id FROM users u JOIN organizations o ON o.id = u.org_id \
         WHERE u.disabled = 0 AND o.archived_at IS NULL AND o.kind = 'government_agency' \
         AND u.roles LIKE '%\"security_officer\"%' ORDER BY u.org_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("org_id")?)).collect()
}

/// Stores a call's sealed transcript (in the transaction of its usage row).
pub async fn insert_transcript(
    conn: &mut AnyConnection,
    usage_id: &str,
    window_id: &str,
    sealed_hex: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO broker_transcripts (usage_id, window_id, sealed, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(usage_id)
    .bind(window_id)
    .bind(sealed_hex)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The sealed transcript of a call and its window, if one was kept.
pub async fn transcript(
    conn: &mut AnyConnection,
    usage_id: &str,
) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT window_id, sealed FROM broker_transcripts WHERE usage_id = $1")
        .bind(usage_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("window_id")?, r.try_get("sealed")?)))
        .transpose()
}

/// Transcripts kept for a window.
pub async fn count_transcripts(conn: &mut AnyConnection, window_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM broker_transcripts WHERE window_id = $1")
            .bind(window_id)
            .fetch_one(conn)
            .await?,
    )
}
