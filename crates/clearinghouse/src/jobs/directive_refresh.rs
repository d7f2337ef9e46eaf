//! `directive.refresh`: recomputes the dashboard's materialised figures
//! (`workflows::directives::snapshots`) of every directive in force: daily
//! for all organisations (no payload), and for one organisation when its
//! exposures or remediation states changed (queued by `snapshots::changed`
//! under the unique key `directive.refresh:<org>`, so a burst of changes
//! is one job). `as_of` (a `YYYY-MM-DD` day) is for tests and backfills;
//! without it the day is today (UTC).

use clearinghouse_domain::frontier::date::CalendarDate;
use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::clock;
use crate::store::jobs::ClaimedJob;
use crate::workflows::directives::{obligations, snapshots};

/// One refresh: of one organisation's figures, or (no payload) of all.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectiveRefresh {
    pub org_id: Option<String>,
    pub as_of: Option<String>,
}

impl Job for DirectiveRefresh {
    const KIND: &'static str = "directive.refresh";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        let failed = |e: &dyn std::fmt::Display| JobError::Failed(e.to_string());
        let today = match self.as_of.as_deref() {
            Some(d) => CalendarDate::parse(d).map_err(|e| failed(&e))?,
            None => obligations::today().map_err(|e| failed(&e))?,
        };
        let done = snapshots::refresh_all(app, self.org_id.as_deref(), today, &clock::now_text())
            .await
            .map_err(|e| failed(&e))?;
        tracing::info!(
            org.id = self.org_id.as_deref().unwrap_or("*"),
            organizations = done.organizations,
            exposures = done.exposures_read,
            obligations = done.obligations,
            "directive figures refreshed"
        );
        Ok(())
    }
}
