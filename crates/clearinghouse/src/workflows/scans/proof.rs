//! Proof of control of a network asset, behind the [`ControlVerifier`]
//! trait (an IO seam): a DNS TXT record `clearinghouse-verification=TOKEN`
//! at `_clearinghouse-verification.HOST`, or the token in the file
//! `https://HOST/.well-known/clearinghouse-verification`. [`NetVerifier`]
//! asks the network (DNS through `dns.rs`, the file over HTTPS to public
//! addresses only, no redirects, 64 KiB at most); [`FixtureVerifier`]
//! reads the same answers from a local folder (`dns/HOST` holds TXT
//! records one per line, `well-known/HOST` the file), for tests and
//! air-gapped installations. CIDR blocks and cloud accounts have no name
//! to publish a token under: a coordinator attests them with a reason.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How control is proven.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProofMethod {
    DnsTxt,
    WellKnown,
}

impl ProofMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ProofMethod::DnsTxt => "dns_txt",
            ProofMethod::WellKnown => "well_known",
        }
    }
}

/// The record name a DNS proof lives under.
pub fn txt_name(host: &str) -> String {
    format!("_clearinghouse-verification.{host}")
}

/// What a TXT record or the well-known file must contain.
pub fn expected(token: &str) -> String {
    format!("clearinghouse-verification={token}")
}

/// Looks for the proof; `Ok(detail)` says what was found where, `Err`
/// why not (shown to the operator).
pub trait ControlVerifier: Send + Sync {
    fn check<'a>(&'a self, method: ProofMethod, host: &'a str, token: &'a str) -> Check<'a>;
}

/// The answer of [`ControlVerifier::check`].
pub type Check<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

fn found(lines: &[String], token: &str, place: &str) -> Result<String, String> {
    let want = expected(token);
    if lines.iter().any(|l| l.trim() == want) {
        Ok(format!("{want} found at {place}"))
    } else {
        Err(format!(
            "{place} does not hold '{want}' ({} record(s) or line(s) read)",
            lines.len()
        ))
    }
}

/// Reads proofs from a local folder.
pub struct FixtureVerifier {
    pub dir: PathBuf,
}

impl ControlVerifier for FixtureVerifier {
    fn check<'a>(&'a self, method: ProofMethod, host: &'a str, token: &'a str) -> Check<'a> {
        Box::pin(async move {
            let (path, place) = match method {
                ProofMethod::DnsTxt => (
                    self.dir.join("dns").join(txt_name(host)),
                    format!("TXT {}", txt_name(host)),
                ),
                ProofMethod::WellKnown => (
                    self.dir.join("well-known").join(host),
                    format!("https://{host}/.well-known/clearinghouse-verification"),
                ),
            };
            let text = tokio::fs::read_to_string(&path)
                .await
                .map_err(|_| format!("{place}: nothing published"))?;
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            found(&lines, token, &place)
        })
    }
}

/// The largest well-known proof file read.
const MAX_WELL_KNOWN_BYTES: usize = 64 * 1024;

/// Asks DNS and the web.
pub struct NetVerifier;

impl ControlVerifier for NetVerifier {
    fn check<'a>(&'a self, method: ProofMethod, host: &'a str, token: &'a str) -> Check<'a> {
        Box::pin(async move {
            match method {
                ProofMethod::DnsTxt => {
                    let name = txt_name(host);
                    let records = super::dns::txt(&name).await?;
                    found(&records, token, &format!("TXT {name}"))
                }
                ProofMethod::WellKnown => {
                    let url = format!("https://{host}/.well-known/clearinghouse-verification");
                    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, 443))
                        .await
                        .map_err(|e| format!("cannot resolve {host}: {e}"))?
                        .collect();
                    let first = addrs
                        .first()
                        .copied()
                        .ok_or_else(|| format!("{host} resolves to no address"))?;
                    if addrs
                        .iter()
                        .any(|a| !crate::jobs::webhook_deliver::is_public(a.ip()))
                    {
                        return Err(format!("{host} resolves to a private address: refused"));
                    }
                    let client = reqwest::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .redirect(reqwest::redirect::Policy::none())
                        .resolve(host, first)
                        .build()
                        .map_err(|e| format!("HTTP client: {e}"))?;
                    let mut resp = client
                        .get(&url)
                        .send()
                        .await
                        .map_err(|e| format!("{url}: {e}"))?;
                    if !resp.status().is_success() {
                        return Err(format!("{url}: HTTP {}", resp.status().as_u16()));
                    }
                    // Read as it streams and stop past the limit: a huge or
                    // endless answer must not fill the server's memory (F14).
                    let mut body = Vec::new();
                    while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {e}"))? {
                        if body.len() + chunk.len() > MAX_WELL_KNOWN_BYTES {
                            return Err(format!("{url}: larger than 64 KiB"));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    let text = String::from_utf8_lossy(&body);
                    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                    found(&lines, token, &url)
                }
            }
        })
    }
}

/// The verifier in use: the network by default; tests and air-gapped
/// installations install a [`FixtureVerifier`].
pub struct VerifierSlot(RwLock<Arc<dyn ControlVerifier>>);

impl Default for VerifierSlot {
    fn default() -> Self {
        VerifierSlot(RwLock::new(Arc::new(NetVerifier)))
    }
}

impl VerifierSlot {
    pub fn install(&self, v: Arc<dyn ControlVerifier>) {
        if let Ok(mut slot) = self.0.write() {
            *slot = v;
        }
    }

    pub fn current(&self) -> Arc<dyn ControlVerifier> {
        match self.0.read() {
            Ok(v) => Arc::clone(&v),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}
