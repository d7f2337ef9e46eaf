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

/// Whether a webhook (or a patch fetch, a proof check, a model endpoint)
/// may reach `ip` when private targets are not allowed. IPv4: everything
/// but the IANA special-purpose ranges that are not globally reachable
/// (this network, RFC 1918, shared 100.64/10, loopback, link-local,
/// 192.0.0/24, documentation, the 6to4 relay, benchmarking 198.18/15,
/// multicast, reserved 240/4, broadcast). IPv6: only global unicast
/// (2000::/3) outside its special ranges (2001::/23 including Teredo,
/// documentation 2001:db8::/32 and 3fff::/20, 6to4 2002::/16 whose embedded
/// IPv4 address is checked instead); an IPv4-mapped address is checked as
/// its IPv4 address, and everything outside 2000::/3 (loopback, ::/96
/// IPv4-compatible, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, discard-only,
/// unique-local, site-local fec0::/10, link-local, multicast) is refused.
/// Written by hand because `IpAddr::is_global` is not stable.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr};
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            let in_net = |net: [u8; 4], bits: u32| {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                (u32::from(v4) & mask) == (u32::from_be_bytes(net) & mask)
            };
            !(o[0] == 0
                || v4.is_private()
                || in_net([100, 64, 0, 0], 10)
                || v4.is_loopback()
                || v4.is_link_local()
                || in_net([192, 0, 0, 0], 24)
                || v4.is_documentation()
                || in_net([192, 88, 99, 0], 24)
                || in_net([198, 18, 0, 0], 15)
                || v4.is_multicast()
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            if s[0] & 0xe000 != 0x2000 {
                return false;
            }
            if s[0] == 0x2002 {
                let [a, b] = s[1].to_be_bytes();
                let [c, d] = s[2].to_be_bytes();
                return is_public(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
            }
            // 2001::/23 (IETF protocol assignments), 2001:db8::/32
            // (documentation), and 3ff0::/12 around 3fff::/20 (documentation).
            let ietf_or_documentation = s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8);
            !(ietf_or_documentation || (s[0] & 0xfff0) == 0x3ff0)
        }
    }
}

/// The first of `addrs` that is not a public address.
pub(crate) fn first_private(addrs: &[std::net::SocketAddr]) -> Option<std::net::IpAddr> {
    addrs.iter().map(|a| a.ip()).find(|ip| !is_public(*ip))
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
    if let Some(bad) = first_private(&addrs) {
        return Err(format!(
            "{host} resolves to {bad} (loopback or private); refused unless the server runs with --allow-private-webhooks"
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
            // F2: the ranges the first filter let through.
            "198.18.0.1",
            "198.19.255.255",
            "192.0.0.8",
            "192.88.99.1",
            "240.0.0.1",
            "254.1.2.3",
            "100.127.255.254",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:c0a8:101::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "3fff::1",
            "fec0::1",
            "100::1",
            "5f00::1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "2001:4860:4860::8888",
            "198.20.0.1",
            "198.17.255.255",
            "100.128.0.1",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    proptest::proptest! {
        /// An IPv4 address and every IPv6 form that embeds it (mapped,
        /// 6to4) get the same answer; the forms that reach it through a
        /// translator or a deprecated mechanism (IPv4-compatible, NAT64)
        /// are never public.
        #[test]
        fn embedded_ipv4_gets_the_ipv4_answer(raw in proptest::prelude::any::<u32>()) {
            use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
            let v4 = Ipv4Addr::from(raw);
            let [a, b, c, d] = v4.octets();
            let public = is_public(IpAddr::V4(v4));
            let hi = u16::from_be_bytes([a, b]);
            let lo = u16::from_be_bytes([c, d]);
            let mapped = IpAddr::V6(v4.to_ipv6_mapped());
            let six_to_four = IpAddr::V6(Ipv6Addr::new(0x2002, hi, lo, 0, 0, 0, 0, 1));
            proptest::prop_assert_eq!(is_public(mapped), public);
            proptest::prop_assert_eq!(is_public(six_to_four), public);
            let compatible = IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0, hi, lo));
            let nat64 = IpAddr::V6(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, hi, lo));
            let nat64_local = IpAddr::V6(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, hi, lo));
            proptest::prop_assert!(!is_public(compatible));
            proptest::prop_assert!(!is_public(nat64));
            proptest::prop_assert!(!is_public(nat64_local));
            // The private and special IPv4 ranges are never public.
            if v4.is_private() || v4.is_loopback() || a == 0 || a >= 224
                || (a == 198 && (b & 0xfe) == 18) || (a == 100 && (b & 0xc0) == 64)
                || (a, b) == (169, 254) || (a, b, c) == (192, 0, 0)
            {
                proptest::prop_assert!(!public);
            }
        }
    }
}
