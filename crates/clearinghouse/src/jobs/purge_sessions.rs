//! Deletes expired web sessions.

use super::JobError;
use crate::app::AppState;
use crate::{clock, store};

pub const KIND: &str = "sessions.purge";

pub async fn run(app: &AppState) -> Result<(), JobError> {
    let n = store::accounts::sessions::purge_expired(&app.store.pool, &clock::now_text())
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    tracing::debug!(purged = n, "expired sessions purged");
    Ok(())
}
