//! Whether a finding submitted with a campaign lies inside the
//! campaign's targets (the rule intake applies to every result):
//!
//! - A result that names a network address or host (SARIF
//!   `webRequest.target`, or an absolute `http(s)://` location URI: see
//!   `findings::Finding::network`) is in scope when one of the campaign's
//!   network targets covers that address or host (`cidr:` containment,
//!   `host:` equality or a `*.` wildcard). The software the result names
//!   is then not checked: a scan of a covered host reports whatever
//!   product runs there.
//! - Any other result is in scope when its software target (package at
//!   its version, repository, product at its version) overlaps one of the
//!   campaign's software targets: same package or product with the version
//!   inside the target's `vers:` range, or the same repository. A version
//!   that cannot be ordered against the range is given the benefit of the
//!   doubt (in scope).
//!
//! Out of scope, the answer is the reason, in words for the submitter.

use super::Target;
use super::cidr::Cidr;
use super::ranges::Overlap;
use crate::findings;

/// The network target a URI names: `cidr:ADDRESS/32` (or `/128`) for an
/// IP literal, `host:NAME` for a name; `None` for a relative or `file:`
/// URI, or one without a host.
pub fn network_of_uri(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.trim().split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !scheme.eq_ignore_ascii_case("file");
    if !scheme_ok {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']').map(|(h, _)| h)?
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return None;
    }
    if let Ok(c) = Cidr::parse("uri", host) {
        return Some(format!("cidr:{c}"));
    }
    super::target::parse_host("uri", host)
        .ok()
        .map(|h| format!("host:{h}"))
}

/// A finding's software target as a scan target (a package or product at
/// its one version, a repository at its revision).
pub fn software_target(t: &findings::Target) -> Option<Target> {
    let text = match t {
        findings::Target::Package { purl } => purl.to_string_canonical(),
        findings::Target::Repository { url, revision } => {
            format!("repo:{url}@{}", revision.as_deref().unwrap_or("HEAD"))
        }
        findings::Target::Product {
            vendor,
            product,
            version,
        } => match version {
            Some(v) => format!("product:{vendor}/{product} vers:generic/{v}"),
            None => format!("product:{vendor}/{product}"),
        },
    };
    Target::parse("target", &text).ok()
}

/// `Ok` when the finding lies inside `targets` (the rule in the module
/// documentation), else why not.
pub fn check(
    software: &findings::Target,
    network: Option<&str>,
    targets: &[Target],
) -> Result<(), String> {
    if let Some(n) = network {
        let Ok(named) = Target::parse("network", n) else {
            return Err(format!("'{n}' is not a network address or host"));
        };
        if targets.iter().any(|t| t.covers(&named)) {
            return Ok(());
        }
        let shown = n.split_once(':').map_or(n, |(_, a)| a);
        return Err(format!(
            "outside the campaign's targets: {shown} is not inside any of its network targets"
        ));
    }
    let Some(own) = software_target(software) else {
        return Err(format!(
            "outside the campaign's targets: {software} cannot be compared with them"
        ));
    };
    if targets
        .iter()
        .any(|t| !t.is_network() && t.overlaps(&own) != Overlap::No)
    {
        return Ok(());
    }
    Err(format!(
        "outside the campaign's targets: {software} is not among its software targets"
    ))
}
