//! `email.digest` (daily): one email per organisation that asked for a
//! digest, listing its notifications not yet emailed, which are then marked
//! emailed. Without SMTP configured it completes without sending.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store;
use crate::store::jobs::ClaimedJob;
use crate::{clock, notify_email};

/// The daily job (no payload).
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailDigest {}

impl Job for EmailDigest {
    const KIND: &'static str = "email.digest";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        run(app).await
    }
}

/// Most notifications listed in one digest; the rest wait for the next.
const MAX_ITEMS: i64 = 200;

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

pub async fn run(app: &AppState) -> Result<(), JobError> {
    let Some(mailer) = &app.mailer else {
        notify_email::note_email_off();
        return Ok(());
    };
    let pool = &app.store.pool;
    let mut errors = Vec::new();
    for (org_id, to) in store::notifications::digest_recipients(pool)
        .await
        .map_err(failed)?
    {
        let items = store::notifications::not_emailed(pool, &org_id, MAX_ITEMS)
            .await
            .map_err(failed)?;
        if items.is_empty() {
            continue;
        }
        // Labelled notifications leave the platform without their content.
        let outgoing: Vec<_> = items.iter().map(|n| n.for_delivery()).collect();
        let (subject, body) = notify_email::digest(&outgoing, &app.settings.public_url);
        if let Err(e) = mailer.send(&to, &subject, body).await {
            // One organisation's bad server must not hold up the others.
            errors.push(format!("{org_id}: {e:#}"));
            continue;
        }
        let ids: Vec<String> = items.into_iter().map(|n| n.id).collect();
        let mut tx = app.store.begin_write().await.map_err(failed)?;
        store::notifications::mark_emailed(&mut tx, &ids, &clock::now_text())
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(org.id = %org_id, count = ids.len(), "digest emailed");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(JobError::Failed(errors.join("; ")))
    }
}
