//! Access windows' SQL (`frontier_windows`, `frontier_window_terms`), and
//! the developer's release record, release dates and withdrawal of a model
//! (`frontier_model_releases`, `frontier_model_withdrawals`). Windows carry
//! no labels of their own: the workflow reads them through their model
//! (labelled) or through a grant (see `workflows::frontier::windows`).

use sqlx::{AnyConnection, AnyPool, Row};

use crate::store::Result;
use crate::store::fetch;

table_record! {
    /// A window as stored. `endpoint_sealed` never leaves the workflow layer.
    #[derive(Debug, Clone, PartialEq)]
    pub struct WindowRow {
        id: String, model_id: String, developer_org: String, created_by: String,
        starts_at: String, ends_at: String, requested_ends_at: String, terms_version: i64,
        endpoint_sealed: String, state: String, closed_reason: Option<String>,
        closed_at: Option<String>, created_at: String, updated_at: String,
    }
    const COLUMNS = w.*;
    fn from_row(r);
}

pub async fn insert(conn: &mut AnyConnection, w: &WindowRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_windows (id, model_id, developer_org, created_by, starts_at, ends_at, \
         requested_ends_at, terms_version, endpoint_sealed, state, closed_reason, closed_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    );
    bind_fields!(q, w => {
        id, model_id, developer_org, created_by, starts_at, ends_at, requested_ends_at,
        terms_version, endpoint_sealed, state, closed_reason, closed_at, created_at, updated_at,
    })
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<WindowRow>> {
    let q = format!("SELECT {COLUMNS} FROM frontier_windows w WHERE w.id = $1");
    fetch::optional(conn, q, &[&id], from_row).await
}

/// Windows of one model, oldest first.
pub async fn of_model(conn: &mut AnyConnection, model_id: &str) -> Result<Vec<WindowRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_windows w WHERE w.model_id = $1 ORDER BY w.created_at, w.id"
    );
    fetch::all(conn, q, &[&model_id], from_row).await
}

/// Windows the organisation opened or in which the person holds a grant,
/// plus (`all`) every window, for government administrators whose reads
/// the workflow then filters by the model's labels. At most 10,000.
pub async fn list_for(pool: &AnyPool, org: &str, user: &str, all: bool) -> Result<Vec<WindowRow>> {
    let q = format!(
        "SELECT {COLUMNS} FROM frontier_windows w WHERE $3 = 1 OR w.developer_org = $1 OR EXISTS \
         (SELECT 1 FROM frontier_window_grants g WHERE g.window_id = w.id AND g.user_id = $2) \
         ORDER BY w.created_at DESC, w.id LIMIT 10000"
    );
    fetch::all(pool, q, &[&org, &user, &i64::from(all)], from_row).await
}

/// Moves a window's end earlier (never later: the SQL refuses to lengthen).
pub async fn shorten(conn: &mut AnyConnection, id: &str, ends_at: &str, now: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE frontier_windows SET ends_at = $2, updated_at = $3 \
         WHERE id = $1 AND state = 'open' AND ends_at > $2",
    )
    .bind(id)
    .bind(ends_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Closes an open window; its grants end with it.
pub async fn close(conn: &mut AnyConnection, id: &str, reason: &str, now: &str) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE frontier_windows SET state = 'closed', closed_reason = $2, closed_at = $3, \
         updated_at = $3 WHERE id = $1 AND state = 'open'",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One version of a window's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsRow {
    pub window_id: String,
    pub version: i64,
    pub body: String,
    pub sha256: String,
    pub created_by: String,
    pub created_at: String,
    /// Calls under this version keep a sealed transcript.
    pub keep_transcripts: bool,
}

pub async fn insert_terms(conn: &mut AnyConnection, t: &TermsRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO frontier_window_terms (window_id, version, body, sha256, created_by, created_at, \
         keep_transcripts) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, t => {
        window_id, version, body, sha256, created_by, created_at,
        keep_transcripts: i64::from(t.keep_transcripts),
    })
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE frontier_windows SET terms_version = $2, updated_at = $3 WHERE id = $1")
        .bind(&t.window_id)
        .bind(t.version)
        .bind(&t.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every version of a window's terms, newest first.
pub async fn terms(conn: &mut AnyConnection, window_id: &str) -> Result<Vec<TermsRow>> {
    let rows = sqlx::query(
        "SELECT window_id, version, body, sha256, created_by, created_at, keep_transcripts \
         FROM frontier_window_terms \
         WHERE window_id = $1 ORDER BY version DESC",
    )
    .bind(window_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let keep: i64 = r.try_get("keep_transcripts")?;
            Ok(from_columns!(r => TermsRow {
                window_id, version, body, sha256, created_by, created_at,
                keep_transcripts: keep != 0,
            }))
        })
        .collect()
}

/// Whether the model has a communicated `covered` designation.
pub async fn is_covered(conn: &mut AnyConnection, model_id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM frontier_inquiry_decisions d JOIN frontier_inquiries q \
         ON q.id = d.inquiry_id WHERE q.model_id = $1 AND d.determination = 'covered' \
         AND q.communicated_at IS NOT NULL",
    )
    .bind(model_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// The developer's new planned release dates.
pub async fn set_release_dates(
    conn: &mut AnyConnection,
    model_id: &str,
    partner: Option<&str>,
    public: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE frontier_models SET planned_partner_release = $2, planned_public_release = $3 \
         WHERE id = $1",
    )
    .bind(model_id)
    .bind(partner)
    .bind(public)
    .execute(conn)
    .await?;
    Ok(())
}

/// The release record: when, by whom, the developer's note.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    pub model_id: String,
    pub at: String,
    pub by: String,
    pub note: String,
}

/// A dated record about a model kept in a table of its own (its release,
/// its withdrawal): the table and the names of its columns for
/// [`ReleaseRow`]'s `at`, `by` and `note`.
struct ModelRecord {
    table: &'static str,
    at: &'static str,
    by: &'static str,
    note: &'static str,
    /// What a second record of the same model is, in the conflict error.
    conflict: &'static str,
}

const RELEASES: ModelRecord = ModelRecord {
    table: "frontier_model_releases",
    at: "released_at",
    by: "released_by",
    note: "note",
    conflict: "a release of this model",
};

const WITHDRAWALS: ModelRecord = ModelRecord {
    table: "frontier_model_withdrawals",
    at: "withdrawn_at",
    by: "withdrawn_by",
    note: "reason",
    conflict: "a withdrawal of this model",
};

impl ModelRecord {
    async fn insert(&self, conn: &mut AnyConnection, r: &ReleaseRow) -> Result<()> {
        let ModelRecord {
            table,
            at,
            by,
            note,
            conflict,
        } = self;
        let sql =
            format!("INSERT INTO {table} (model_id, {at}, {by}, {note}) VALUES ($1, $2, $3, $4)");
        bind_fields!(sqlx::query(sqlx::AssertSqlSafe(sql)), r => { model_id, at, by, note })
            .execute(conn)
            .await
            .map_err(|e| crate::store::StoreError::conflict_as(e, conflict))?;
        Ok(())
    }

    async fn get(&self, conn: &mut AnyConnection, model_id: &str) -> Result<Option<ReleaseRow>> {
        let ModelRecord {
            table,
            at,
            by,
            note,
            ..
        } = self;
        let sql = format!("SELECT model_id, {at}, {by}, {note} FROM {table} WHERE model_id = $1");
        fetch::optional(conn, sql, &[&model_id], |r| {
            Ok(from_columns!(r => ReleaseRow {
                model_id,
                at: r.try_get(*at)?,
                by: r.try_get(*by)?,
                note: r.try_get(*note)?,
            }))
        })
        .await
    }
}

pub async fn insert_release(conn: &mut AnyConnection, r: &ReleaseRow) -> Result<()> {
    RELEASES.insert(conn, r).await
}

pub async fn release(conn: &mut AnyConnection, model_id: &str) -> Result<Option<ReleaseRow>> {
    RELEASES.get(conn, model_id).await
}

pub async fn insert_withdrawal(conn: &mut AnyConnection, r: &ReleaseRow) -> Result<()> {
    WITHDRAWALS.insert(conn, r).await
}

pub async fn withdrawal(conn: &mut AnyConnection, model_id: &str) -> Result<Option<ReleaseRow>> {
    WITHDRAWALS.get(conn, model_id).await
}

/// The name of a window's model: what a grantee sends as `"model"` to the
/// broker (the one model the window forwards).
pub async fn model_name(conn: &mut AnyConnection, window_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT m.name FROM frontier_windows w JOIN frontier_models m ON m.id = w.model_id \
         WHERE w.id = $1",
    )
    .bind(window_id)
    .fetch_optional(conn)
    .await?)
}
