//! `webhook.deliver`: POSTs one notification to one webhook, signed per
//! Standard Webhooks. The message id and body are fixed when the job is
//! queued, so retries are the same message; each attempt signs with its own
//! timestamp. A non-2xx answer (or no answer in 10 s) fails the job, and the
//! job system retries it with backoff until its attempts run out.

use std::sync::OnceLock;
use std::time::Duration;

use clearinghouse_domain::webhook_signature::{self, Secret};
use serde::{Deserialize, Serialize};

use super::JobError;
use crate::app::AppState;
use crate::store::{self, jobs::ClaimedJob};

pub const KIND: &str = "webhook.deliver";

/// The job's payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub webhook_id: String,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    /// The exact JSON body to send.
    pub body: String,
}

impl Payload {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // A redirect is an answer we do not follow: the receiver must
            // register the URL it serves.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "clearinghouse-webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .unwrap_or_default()
    })
}

fn count(outcome: &'static str) {
    metrics::counter!("clearinghouse_webhook_deliveries_total", "outcome" => outcome).increment(1);
}

pub async fn run(app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let payload: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Failed(format!("bad payload: {e}")))?;
    let hook = store::notifications::get_webhook(&app.store.pool, &payload.webhook_id)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    let Some(hook) = hook.filter(|h| h.enabled) else {
        // Deleted or disabled since: nothing to deliver.
        count("skipped");
        return Ok(());
    };
    let secret = Secret::parse(&hook.secret)
        .map_err(|e| JobError::Failed(format!("stored webhook secret: {e}")))?;
    let timestamp = crate::clock::now().unix_timestamp();
    let signature = webhook_signature::sign(
        &secret,
        &payload.message_id,
        timestamp,
        payload.body.as_bytes(),
    );
    let sent = client()
        .post(&hook.url)
        .header("content-type", "application/json")
        .header("webhook-id", &payload.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(payload.body.clone())
        .send()
        .await;
    let error = match sent {
        Ok(resp) if resp.status().is_success() => {
            count("delivered");
            tracing::debug!(webhook.id = %hook.id, message.id = %payload.message_id, "webhook delivered");
            return Ok(());
        }
        Ok(resp) => format!("the receiver answered {}", resp.status()),
        Err(e) => format!("no answer: {e}"),
    };
    if job.attempts >= job.max_attempts {
        count("gave_up");
        tracing::warn!(
            webhook.id = %hook.id,
            message.id = %payload.message_id,
            attempts = job.attempts,
            error = %error,
            "webhook delivery given up"
        );
    } else {
        count("retry");
    }
    Err(JobError::Failed(error))
}
