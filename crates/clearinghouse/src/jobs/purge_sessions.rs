//! Deletes expired web sessions.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store::jobs::ClaimedJob;
use crate::{clock, store};

/// The periodic job (no payload).
#[derive(Debug, Serialize, Deserialize)]
pub struct PurgeSessions {}

impl Job for PurgeSessions {
    const KIND: &'static str = "sessions.purge";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        run(app).await
    }
}

pub async fn run(app: &AppState) -> Result<(), JobError> {
    let n = store::accounts::sessions::purge_expired(&app.store.pool, &clock::now_text())
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    tracing::debug!(purged = n, "expired sessions purged");
    Ok(())
}
