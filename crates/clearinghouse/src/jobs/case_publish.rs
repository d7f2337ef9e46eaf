//! Publishes coordination cases whose target disclosure date has come
//! (`workflows::cases::publish::publish_due`); periodic, hourly. A case
//! whose date was moved later is not due; publishing twice is impossible
//! (compare-and-set on the case's state).

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store::jobs::ClaimedJob;
use crate::workflows::cases::publish::publish_due;

/// The periodic job (no payload).
#[derive(Debug, Serialize, Deserialize)]
pub struct CasePublishDue {}

impl Job for CasePublishDue {
    const KIND: &'static str = "cases.publish_due";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        let n = publish_due(app)
            .await
            .map_err(|e| JobError::Failed(e.to_string()))?;
        tracing::info!(cases.published = n, "due cases published");
        Ok(())
    }
}
