//! The `rematch_part` job: one part (a range of assets) of a full
//! re-match that `matching::runs::start` cut and queued; any process may
//! take it.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::matching::AssetRange;
use crate::store::jobs::ClaimedJob;

/// The job and its payload: which part of which run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RematchPart {
    pub run_id: String,
    pub part: i64,
    pub range: AssetRange,
}

impl RematchPart {
    /// The job's unique key: a part is queued once.
    pub fn unique_key(&self) -> String {
        format!("rematch:{}:{}", self.run_id, self.part)
    }
}

impl Job for RematchPart {
    const KIND: &'static str = "rematch_part";

    async fn run(self, app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
        crate::matching::runs::run_part(app, &self, job.attempts >= job.max_attempts)
            .await
            .map_err(|e| JobError::Failed(e.to_string()))
    }
}
