//! `email.send`: emails one notification to its organisation's address.
//! Idempotent: a notification already emailed is not sent again. Without
//! SMTP configured the job completes without sending.

use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store::{self, jobs::ClaimedJob};
use crate::{clock, notify_email};

/// The job and its payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailSend {
    pub notification_id: String,
}

impl Job for EmailSend {
    const KIND: &'static str = "email.send";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        run(app, self).await
    }
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

async fn run(app: &AppState, payload: EmailSend) -> Result<(), JobError> {
    let Some(mailer) = &app.mailer else {
        notify_email::note_email_off();
        return Ok(());
    };
    let pool = &app.store.pool;
    let Some(n) = store::notifications::get(pool, &payload.notification_id)
        .await
        .map_err(failed)?
    else {
        return Ok(());
    };
    if n.emailed_at.is_some() {
        return Ok(());
    }
    let settings = store::notifications::get_settings(pool, &n.org_id)
        .await
        .map_err(failed)?;
    let Some(to) = settings.and_then(|s| s.email) else {
        // Email was turned off since the job was queued.
        return Ok(());
    };
    // A labelled notification leaves the platform without its content.
    let (subject, body) = notify_email::single(&n.for_delivery(), &app.settings.public_url);
    mailer
        .send(&to, &subject, body)
        .await
        .map_err(|e| failed(format!("{e:#}")))?;
    let mut tx = app.store.begin_write().await.map_err(failed)?;
    store::notifications::mark_emailed(&mut tx, std::slice::from_ref(&n.id), &clock::now_text())
        .await
        .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    tracing::debug!(notification.id = %n.id, "notification emailed");
    Ok(())
}
