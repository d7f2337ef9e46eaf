//! `directive.remind` (daily): reminders 7 days and 1 day before
//! obligations fall due, overdue notices, and the directive managers'
//! digest (`workflows::directives::reminders`); each sent once, recorded
//! in `directive_notices`. `as_of` (`YYYY-MM-DD`) is for tests and
//! catching up; without it the day is today (UTC).

use clearinghouse_domain::frontier::date::CalendarDate;
use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::clock;
use crate::store::jobs::ClaimedJob;
use crate::workflows::directives::{obligations, reminders};

/// The daily run (no payload).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectiveRemind {
    pub as_of: Option<String>,
}

impl Job for DirectiveRemind {
    const KIND: &'static str = "directive.remind";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        let failed = |e: &dyn std::fmt::Display| JobError::Failed(e.to_string());
        let today = match self.as_of.as_deref() {
            Some(d) => CalendarDate::parse(d).map_err(|e| failed(&e))?,
            None => obligations::today().map_err(|e| failed(&e))?,
        };
        let sent = reminders::run(app, today, &clock::now_text())
            .await
            .map_err(|e| failed(&e))?;
        tracing::info!(
            notifications = sent.notifications,
            notices = sent.notices,
            digests = sent.digests,
            "directive reminders sent"
        );
        Ok(())
    }
}
