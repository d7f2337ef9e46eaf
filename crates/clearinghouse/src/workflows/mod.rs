//! Workflows: each public function is one thing a user can do. It checks the
//! principal's rights, validates input with the domain crate, writes through
//! the store in one transaction together with its audit entries, and
//! returns plain records. HTTP handlers and the CLI call these; they hold no
//! SQL and know nothing of HTTP.

pub mod accounts;
pub mod advisories;
pub mod approvals;
pub mod archive;
pub mod cases;
pub mod directives;
pub mod documents;
pub mod exposure;
pub mod findings;
pub mod frontier;
pub mod label_cache;
pub mod notifications;
pub mod read_policy;
pub mod scans;
pub(crate) mod spool;

/// Records one audit event about one object in the change's transaction.
pub(crate) async fn record_audit(
    app: &crate::app::AppState,
    tx: &mut crate::store::Tx,
    who: &crate::auth::Principal,
    action: &'static str,
    object_type: &'static str,
    id: &str,
    change: serde_json::Value,
) -> crate::error::AppResult<()> {
    let event = crate::audit_log::AuditEvent {
        action,
        object_type,
        object_id: id,
        change,
    };
    app.audit.record(tx, &app.store, who, &[event]).await?;
    Ok(())
}

/// Records `event` in the change's transaction and commits it: the last
/// step of a write that audits one event (the directive report, request,
/// decision and evidence workflows).
pub(crate) async fn commit_audited(
    app: &crate::app::AppState,
    mut tx: crate::store::Tx,
    who: &crate::auth::Principal,
    event: crate::audit_log::AuditEvent<'_>,
) -> crate::error::AppResult<()> {
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a stored artifact's bytes (`what` names it in an internal error)
/// and records its download (`event`) in a transaction of its own; used by
/// the case patch and directive evidence downloads.
pub(crate) async fn download_audited(
    app: &crate::app::AppState,
    who: &crate::auth::Principal,
    key: &str,
    what: &'static str,
    event: crate::audit_log::AuditEvent<'_>,
) -> crate::error::AppResult<Vec<u8>> {
    let bytes = app
        .artifacts
        .get(key)
        .await
        .map_err(|e| crate::error::AppError::internal(what, e))?;
    let mut tx = app.store.begin_write().await?;
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(bytes)
}

/// Page sizes: default and largest.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;

/// Clamps a requested page size.
pub fn page_size(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// Cuts one extra row off a page and derives the next cursor from the last
/// row kept.
pub fn into_page<T>(
    mut items: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> crate::model::Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more { items.last().map(&key) } else { None };
    crate::model::Page { items, next_cursor }
}

/// A fresh time-ordered record id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
