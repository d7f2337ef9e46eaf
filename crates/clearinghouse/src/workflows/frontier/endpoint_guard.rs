//! Where the broker may connect (the model endpoint of an access window):
//! never a loopback, private, link-local, shared (CGNAT), IPv4-mapped or
//! otherwise non-public address, whether written literally or reached
//! through a name, unless the installation allows private targets (the
//! same `allow_private_webhooks` rule as webhooks). Checked when a window
//! is opened and again on every call: the broker's client resolves names
//! through [`PublicOnly`], which refuses a name with any non-public
//! address, and connects to the addresses it checked (no second lookup to
//! rebind). The upstream URL is the base URL's path plus the broker's
//! endpoint, built on parsed segments; a base URL with a query or a
//! fragment is refused, so the forwarded path cannot be bent.

use std::net::{IpAddr, SocketAddr};

use crate::jobs::webhook_deliver::is_public;

/// A name that always means this machine (`localhost`, `x.localhost`,
/// with or without the trailing dot).
fn local_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Why a base URL is refused as written (literal addresses, local names,
/// query, fragment), or `None`.
pub fn refusal(url: &url::Url, allow_private: bool) -> Option<String> {
    if url.query().is_some() || url.fragment().is_some() || url.as_str().contains('#') {
        return Some("must not carry a query or a fragment".into());
    }
    if allow_private {
        return None;
    }
    let bad = match url.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => local_name(d),
        None => true,
    };
    bad.then(|| {
        "names a loopback, private, link-local or shared address; the broker forwards only \
         to public endpoints"
            .into()
    })
}

/// Resolves `host` and says which of its addresses is not public, if any
/// (a name that does not resolve now is left to the call-time check).
pub async fn resolves_private(host: &str, port: u16) -> Option<IpAddr> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await.ok()?.collect();
    addrs.iter().map(SocketAddr::ip).find(|ip| !is_public(*ip))
}

/// The URL the broker calls: the base URL's path followed by `endpoint`
/// (`chat/completions`, `completions`, `models`), or why not.
pub fn upstream_url(base: &str, endpoint: &str, allow_private: bool) -> Result<url::Url, String> {
    let mut url = url::Url::parse(base).map_err(|e| format!("stored endpoint URL: {e}"))?;
    if let Some(why) = refusal(&url, allow_private) {
        return Err(format!("the window's endpoint URL {why}"));
    }
    url.path_segments_mut()
        .map_err(|()| "the window's endpoint URL cannot take a path".to_owned())?
        .pop_if_empty()
        .extend(endpoint.split('/'));
    Ok(url)
}

/// A DNS resolver that answers only public addresses: a name with any
/// non-public address is an error, so the connection is never made.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if local_name(&host) {
                return Err(format!("{host} is this machine; refused").into());
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no address").into());
            }
            if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(format!(
                    "{host} resolves to {} (not a public address); refused",
                    bad.ip()
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
