//! Scan targets as researchers write them and the store indexes them:
//! `pkg:TYPE/NAME` optionally followed by a space and a `vers:` range,
//! `repo:URL@REVISION`, `product:VENDOR/PRODUCT` (optionally with a
//! `vers:` range), `cidr:ADDRESS/PREFIX`, `host:NAME` and
//! `cloud:PROVIDER/ACCOUNT`. The first three are software (no owner's
//! grant needed); the last three are network assets, which an operator
//! owns and must authorize. Two targets overlap when they are the same
//! package, repository or product with intersecting version sets, CIDR
//! blocks that share an address, the same host (or a host under a
//! `*.` wildcard), or the same cloud account.

use std::fmt;

use super::ScanError;
use super::cidr::Cidr;
use super::ranges::{Overlap, VersionSet};
use crate::purl::Purl;
use crate::versions::Ecosystem;

/// The longest target text accepted.
pub const MAX_TARGET_LEN: usize = 512;

/// One scan target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A package by its identity key, with the versions in scope.
    Package {
        key: String,
        purl_type: String,
        range: Option<String>,
        versions: VersionSet,
    },
    /// A source repository at a revision.
    Repo { url: String, revision: String },
    /// A vendor's product, with the versions in scope.
    Product {
        key: String,
        range: Option<String>,
        versions: VersionSet,
    },
    /// An IPv4 or IPv6 block.
    Cidr(Cidr),
    /// A host name (lowercase, no trailing dot); `*.example.org` names
    /// every host under example.org.
    Host(String),
    /// A cloud account: `provider/account`.
    Cloud(String),
}

/// Which kind a target is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Package,
    Repo,
    Product,
    Cidr,
    Host,
    Cloud,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Package => "package",
            TargetKind::Repo => "repo",
            TargetKind::Product => "product",
            TargetKind::Cidr => "cidr",
            TargetKind::Host => "host",
            TargetKind::Cloud => "cloud",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        Some(match s {
            "package" => TargetKind::Package,
            "repo" => TargetKind::Repo,
            "product" => TargetKind::Product,
            "cidr" => TargetKind::Cidr,
            "host" => TargetKind::Host,
            "cloud" => TargetKind::Cloud,
            _ => return None,
        })
    }

    /// Network assets belong to an operator and need its grant.
    pub fn is_network(self) -> bool {
        matches!(
            self,
            TargetKind::Cidr | TargetKind::Host | TargetKind::Cloud
        )
    }
}

fn check_text(field: &str, text: &str) -> Result<(), ScanError> {
    if text.len() > MAX_TARGET_LEN {
        return Err(ScanError::new(
            field,
            format!("a target is at most {MAX_TARGET_LEN} bytes"),
        ));
    }
    if let Some((_, c, why)) = crate::text::first_forbidden(text, false) {
        return Err(ScanError::new(
            field,
            format!("contains {why} (U+{:04X})", u32::from(c)),
        ));
    }
    Ok(())
}

/// Reads a host name: letters, digits, hyphens, dots; an optional leading
/// `*.`; at most 253 characters; lowercase, trailing dot dropped.
pub fn parse_host(field: &str, text: &str) -> Result<String, ScanError> {
    let host = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = host.strip_prefix("*.").unwrap_or(&host);
    let ok = !bare.is_empty()
        && host.len() <= 253
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !ok {
        return Err(ScanError::new(
            field,
            format!("'{}' is not a host name", text.trim()),
        ));
    }
    Ok(host)
}

/// Reads `provider/account` (e.g. `aws/123456789012`).
pub fn parse_cloud(field: &str, text: &str) -> Result<String, ScanError> {
    let t = text.trim();
    let ok = matches!(t.split_once('/'), Some((p, a))
        if !p.is_empty() && !a.is_empty() && p.len() <= 32 && a.len() <= 128
        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)));
    if !ok {
        return Err(ScanError::new(
            field,
            format!("'{t}' is not a cloud account (provider/account, e.g. aws/123456789012)"),
        ));
    }
    Ok(t.to_ascii_lowercase())
}

impl Target {
    /// Reads a target in the written form (see the module documentation).
    pub fn parse(field: &str, text: &str) -> Result<Target, ScanError> {
        let text = text.trim();
        check_text(field, text)?;
        if text.starts_with("pkg:") {
            let (purl_text, range) = match text.split_once(char::is_whitespace) {
                Some((p, r)) => (p, Some(r.trim())),
                None => (text, None),
            };
            let purl = Purl::parse(purl_text)
                .map_err(|e| ScanError::new(field, format!("'{purl_text}': {e}")))?;
            let eco = Ecosystem::from_purl_type(&purl.id.purl_type);
            let (range, versions) = match (range, &purl.version) {
                (Some(r), _) => (Some(r.to_owned()), VersionSet::parse_vers(field, eco, r)?),
                (None, Some(v)) => {
                    let r = format!("vers:{}/{v}", purl.id.purl_type);
                    let set = VersionSet::parse_vers(field, eco, &r)?;
                    (Some(r), set)
                }
                (None, None) => (None, VersionSet::all()),
            };
            return Ok(Target::Package {
                key: purl.id.key(),
                purl_type: purl.id.purl_type.clone(),
                range,
                versions,
            });
        }
        let Some((scheme, rest)) = text.split_once(':') else {
            return Err(unknown(field, text));
        };
        let rest = rest.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "repo" => {
                let (url, revision) = rest.rsplit_once('@').ok_or_else(|| {
                    ScanError::new(field, format!("'{text}': write repo:URL@REVISION"))
                })?;
                let url = url.trim().trim_end_matches('/').trim_end_matches(".git");
                let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
                let rev_ok = !revision.is_empty()
                    && revision.len() <= 128
                    && !revision.contains(char::is_whitespace);
                if !scheme_ok || url.contains(char::is_whitespace) || !rev_ok {
                    return Err(ScanError::new(
                        field,
                        format!("'{text}': write repo:https://HOST/PATH@REVISION"),
                    ));
                }
                Ok(Target::Repo {
                    url: url.to_ascii_lowercase(),
                    revision: revision.to_owned(),
                })
            }
            "product" => {
                let (name, range) = match rest.split_once(char::is_whitespace) {
                    Some((n, r)) => (n, Some(r.trim())),
                    None => (rest, None),
                };
                let ok = matches!(name.split_once('/'), Some((v, p)) if !v.is_empty() && !p.is_empty() && !p.contains('/'));
                if !ok {
                    return Err(ScanError::new(
                        field,
                        format!("'{text}': write product:VENDOR/PRODUCT"),
                    ));
                }
                let versions = match range {
                    Some(r) => VersionSet::parse_vers(field, Ecosystem::Maven, r)?,
                    None => VersionSet::all(),
                };
                Ok(Target::Product {
                    key: name.to_lowercase(),
                    range: range.map(str::to_owned),
                    versions,
                })
            }
            "cidr" => Ok(Target::Cidr(Cidr::parse(field, rest)?)),
            "host" => Ok(Target::Host(parse_host(field, rest)?)),
            "cloud" => Ok(Target::Cloud(parse_cloud(field, rest)?)),
            _ => Err(unknown(field, text)),
        }
    }

    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Package { .. } => TargetKind::Package,
            Target::Repo { .. } => TargetKind::Repo,
            Target::Product { .. } => TargetKind::Product,
            Target::Cidr(_) => TargetKind::Cidr,
            Target::Host(_) => TargetKind::Host,
            Target::Cloud(_) => TargetKind::Cloud,
        }
    }

    pub fn is_network(&self) -> bool {
        self.kind().is_network()
    }

    /// The index key: the package key, repository URL, product, host, cloud
    /// account, or the block's first address key.
    pub fn key(&self) -> String {
        match self {
            Target::Package { key, .. } | Target::Product { key, .. } => key.clone(),
            Target::Repo { url, .. } => url.clone(),
            Target::Cidr(c) => c.keys().0,
            Target::Host(h) => h.trim_start_matches("*.").to_owned(),
            Target::Cloud(c) => c.clone(),
        }
    }

    /// For blocks, the first and last address keys (`Cidr::keys`).
    pub fn span(&self) -> Option<(String, String)> {
        match self {
            Target::Cidr(c) => Some(c.keys()),
            _ => None,
        }
    }

    /// Whether some version, address or host lies in both targets.
    pub fn overlaps(&self, other: &Target) -> Overlap {
        match (self, other) {
            (
                Target::Package {
                    key: a,
                    purl_type,
                    versions: va,
                    ..
                },
                Target::Package {
                    key: b,
                    versions: vb,
                    ..
                },
            ) if a == b => va.intersects(Ecosystem::from_purl_type(purl_type), vb),
            (
                Target::Product {
                    key: a,
                    versions: va,
                    ..
                },
                Target::Product {
                    key: b,
                    versions: vb,
                    ..
                },
            ) if a == b => va.intersects(Ecosystem::Maven, vb),
            (Target::Repo { url: a, .. }, Target::Repo { url: b, .. }) if a == b => Overlap::Yes,
            (Target::Cidr(a), Target::Cidr(b)) if a.overlaps(b) => Overlap::Yes,
            (Target::Host(a), Target::Host(b)) if host_overlaps(a, b) => Overlap::Yes,
            (Target::Cloud(a), Target::Cloud(b)) if a == b => Overlap::Yes,
            _ => Overlap::No,
        }
    }

    /// Whether `self` (an asset or a grant's scope) holds all of `inner`.
    pub fn covers(&self, inner: &Target) -> bool {
        match (self, inner) {
            (Target::Cidr(a), Target::Cidr(b)) => a.contains(b),
            (Target::Host(a), Target::Host(b)) => host_covers(a, b),
            (Target::Cloud(a), Target::Cloud(b)) => a == b,
            _ => false,
        }
    }
}

fn unknown(field: &str, text: &str) -> ScanError {
    ScanError::new(
        field,
        format!(
            "'{text}' is not a target: write pkg:TYPE/NAME [vers:...], repo:URL@REVISION, \
             product:VENDOR/PRODUCT, cidr:ADDRESS/PREFIX, host:NAME or cloud:PROVIDER/ACCOUNT"
        ),
    )
}

/// Whether host pattern `outer` names every host `inner` names.
fn host_covers(outer: &str, inner: &str) -> bool {
    match outer.strip_prefix("*.") {
        None => outer == inner,
        // `*.D` names every host under D, `*.D` among them.
        Some(_) if outer == inner => true,
        Some(base) => {
            let inner_base = inner.strip_prefix("*.").unwrap_or(inner);
            inner_base.len() > base.len()
                && inner_base.ends_with(base)
                && inner_base[..inner_base.len() - base.len()].ends_with('.')
        }
    }
}

fn host_overlaps(a: &str, b: &str) -> bool {
    host_covers(a, b) || host_covers(b, a)
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Package { key, range, .. } => match range {
                Some(r) => write!(f, "{key} {r}"),
                None => f.write_str(key),
            },
            Target::Repo { url, revision } => write!(f, "repo:{url}@{revision}"),
            Target::Product { key, range, .. } => match range {
                Some(r) => write!(f, "product:{key} {r}"),
                None => write!(f, "product:{key}"),
            },
            Target::Cidr(c) => write!(f, "cidr:{c}"),
            Target::Host(h) => write!(f, "host:{h}"),
            Target::Cloud(c) => write!(f, "cloud:{c}"),
        }
    }
}
