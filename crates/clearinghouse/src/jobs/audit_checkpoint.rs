//! Signs and keeps a checkpoint of the audit log, so that verifiers always
//! find recent signed tree heads even when nobody asked for one.

use super::JobError;
use crate::app::AppState;

pub const KIND: &str = "audit.checkpoint";

pub async fn run(app: &AppState) -> Result<(), JobError> {
    app.audit
        .checkpoint(&app.store)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    Ok(())
}
