//! Signs and keeps a checkpoint of the audit log, so that verifiers always
//! find recent signed tree heads even when nobody asked for one.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store::jobs::ClaimedJob;

/// The periodic job (no payload).
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditCheckpoint {}

impl Job for AuditCheckpoint {
    const KIND: &'static str = "audit.checkpoint";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        run(app).await
    }
}

pub async fn run(app: &AppState) -> Result<(), JobError> {
    app.audit
        .checkpoint(&app.store)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    Ok(())
}
