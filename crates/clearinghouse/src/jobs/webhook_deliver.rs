//! `webhook.deliver`: POSTs one notification to one webhook, signed per
//! Standard Webhooks. The message id and body are fixed when the job is
//! queued, so retries are the same message; each attempt signs with its own
//! timestamp. A non-2xx answer (or no answer in 10 s) fails the job, and the
//! job system retries it with backoff until its attempts run out.

use std::sync::OnceLock;
use std::time::Duration;

use clearinghouse_domain::webhook_signature;
use serde::{Deserialize, Serialize};

use super::{Job, JobError};
use crate::app::AppState;
use crate::store::{self, jobs::ClaimedJob};

/// The job and its payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebhookDeliver {
    pub webhook_id: String,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    /// The exact JSON body to send.
    pub body: String,
}

impl Job for WebhookDeliver {
    const KIND: &'static str = "webhook.deliver";

    async fn run(self, app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
        run(app, job, self).await
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

/// Whether a webhook may reach `ip` when private targets are not allowed:
/// not loopback, private (RFC 1918, RFC 4193), link-local, shared (RFC 6598),
/// unspecified, broadcast, multicast or documentation space. Written by
/// hand because `IpAddr::is_global` is not stable.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Resolves the webhook's host and refuses private destinations; returns a
/// client pinned to the checked address, so a second lookup (DNS
/// rebinding) cannot send the request elsewhere.
async fn pinned_client(url: &str) -> Result<reqwest::Client, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("bad webhook URL: {e}"))?;
    let host = parsed
        .host_str()
        .ok_or("the webhook URL names no host")?
        .trim_matches(['[', ']'])
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let Some(first) = addrs.first().copied() else {
        return Err(format!("{host} resolves to no address"));
    };
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "{host} resolves to {} (loopback or private); refused unless the server runs with --allow-private-webhooks",
            bad.ip()
        ));
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "clearinghouse-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .resolve(&host, first)
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))
}

/// A client for one outbound request to `url` under the webhook rules:
/// any address when the server allows private webhooks, else pinned to a
/// checked public address (also used to fetch vendor-hosted patches).
pub(crate) async fn outbound_client(app: &AppState, url: &str) -> Result<reqwest::Client, String> {
    if app.settings.allow_private_webhooks {
        Ok(client().clone())
    } else {
        pinned_client(url).await
    }
}

fn count(outcome: &'static str) {
    metrics::counter!("clearinghouse_webhook_deliveries_total", "outcome" => outcome).increment(1);
}

async fn run(app: &AppState, job: &ClaimedJob, payload: WebhookDeliver) -> Result<(), JobError> {
    let hook = store::notifications::get_webhook(&app.store.pool, &payload.webhook_id)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    let Some(hook) = hook.filter(|h| h.enabled) else {
        // Deleted or disabled since: nothing to deliver.
        count("skipped");
        return Ok(());
    };
    let secret =
        crate::workflows::notifications::webhook_secret(app, &hook).map_err(JobError::Failed)?;
    let timestamp = crate::clock::now().unix_timestamp();
    let signature = webhook_signature::sign(
        &secret,
        &payload.message_id,
        timestamp,
        payload.body.as_bytes(),
    );
    let pinned;
    let http = if app.settings.allow_private_webhooks {
        client()
    } else {
        match pinned_client(&hook.url).await {
            Ok(c) => {
                pinned = c;
                &pinned
            }
            Err(refused) => {
                count("refused");
                tracing::warn!(webhook.id = %hook.id, error = %refused, "webhook destination refused");
                return Err(JobError::Failed(refused));
            }
        }
    };
    let sent = http
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

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn private_loopback_and_special_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }
}
