//! The target of a finding: a package (package URL), a repository at a revision, or a
//! product; its version-free identity, which the fingerprint is computed from.

use std::fmt;

use super::FindingError;
use crate::purl::Purl;

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A package; `purl.version` is the version seen (absent for advisory ranges).
    Package {
        #[serde(serialize_with = "purl_string", deserialize_with = "purl_parse")]
        purl: Purl,
    },
    /// A source repository, optionally at a revision (commit, tag).
    Repository {
        url: String,
        revision: Option<String>,
    },
    /// A product named by vendor and product (CPE), optionally at a version.
    Product {
        vendor: String,
        product: String,
        version: Option<String>,
    },
}

fn purl_string<S: serde::Serializer>(p: &Purl, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_canonical())
}

fn purl_parse<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Purl, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Purl::parse(&text).map_err(serde::de::Error::custom)
}

impl Target {
    /// Parses `pkg:TYPE/NAME@VERSION` (a package URL), `repo:URL[@REVISION]` or
    /// `product:VENDOR/PRODUCT[@VERSION]`. A `repo:` revision is what follows the last
    /// `@` when that part has no `/` or `:` (so `repo:git@host:a/b.git` has none).
    pub fn parse(s: &str) -> Result<Target, FindingError> {
        let s = s.trim();
        let invalid = |message: &str| FindingError::InvalidTarget {
            input: s.chars().take(200).collect(),
            message: message.to_owned(),
        };
        if strip_prefix_ci(s, "pkg:").is_some() {
            let purl = Purl::parse(s).map_err(|e| invalid(&e.to_string()))?;
            return Ok(Target::Package { purl });
        }
        if let Some(rest) = strip_prefix_ci(s, "repo:") {
            let (url, revision) = split_revision(rest);
            if url.is_empty() || url.chars().any(char::is_whitespace) {
                return Err(invalid("expected repo:URL@REVISION with a URL"));
            }
            return Ok(Target::Repository {
                url: url.to_owned(),
                revision: revision.map(str::to_owned),
            });
        }
        if let Some(rest) = strip_prefix_ci(s, "product:") {
            let (name, version) = split_revision(rest);
            let Some((vendor, product)) = name.split_once('/') else {
                return Err(invalid("expected product:VENDOR/PRODUCT@VERSION"));
            };
            if vendor.trim().is_empty() || product.trim().is_empty() {
                return Err(invalid("expected product:VENDOR/PRODUCT@VERSION"));
            }
            return Ok(Target::Product {
                vendor: vendor.trim().to_owned(),
                product: product.trim().to_owned(),
                version: version.map(str::to_owned),
            });
        }
        Err(invalid(
            "expected a package URL (pkg:...), repo:URL@REVISION or product:VENDOR/PRODUCT@VERSION",
        ))
    }

    /// The identity without version or revision: the package's [`PackageId::key`]
    /// (`pkg:pypi/paramiko`), `repo:` + the URL with lowercase scheme and host and no
    /// trailing `/` or `.git`, or `product:vendor/product` in lowercase.
    ///
    /// [`PackageId::key`]: crate::purl::PackageId::key
    pub fn identity(&self) -> String {
        match self {
            Target::Package { purl } => purl.id.key(),
            Target::Repository { url, .. } => format!("repo:{}", normalise_repo_url(url)),
            Target::Product {
                vendor, product, ..
            } => format!(
                "product:{}/{}",
                vendor.to_lowercase(),
                product.to_lowercase()
            ),
        }
    }

    /// The package version, repository revision or product version.
    pub fn version(&self) -> Option<&str> {
        match self {
            Target::Package { purl } => purl.version.as_deref(),
            Target::Repository { revision, .. } => revision.as_deref(),
            Target::Product { version, .. } => version.as_deref(),
        }
    }

    /// A product target from a CPE 2.3 string (`cpe:2.3:a:vendor:product:version:...`);
    /// `*` and `-` versions are absent.
    pub fn from_cpe(cpe: &str) -> Option<Target> {
        let rest = cpe.strip_prefix("cpe:2.3:")?;
        let mut parts = rest.split(':');
        let _part = parts.next()?;
        let vendor = parts.next().filter(|v| !matches!(*v, "" | "*" | "-"))?;
        let product = parts.next().filter(|v| !matches!(*v, "" | "*" | "-"))?;
        let version = parts
            .next()
            .filter(|v| !matches!(*v, "" | "*" | "-"))
            .map(|v| v.replace('\\', ""));
        Some(Target::Product {
            vendor: vendor.replace('\\', ""),
            product: product.replace('\\', ""),
            version,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Package { purl } => f.write_str(&purl.to_string_canonical()),
            Target::Repository { url, revision } => {
                write!(f, "repo:{url}")?;
                revision.as_ref().map_or(Ok(()), |r| write!(f, "@{r}"))
            }
            Target::Product {
                vendor,
                product,
                version,
            } => {
                write!(f, "product:{vendor}/{product}")?;
                version.as_ref().map_or(Ok(()), |v| write!(f, "@{v}"))
            }
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// Splits `NAME@REV` at the last `@` whose tail has no `/` or `:`.
fn split_revision(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once('@') {
        Some((name, rev)) if !rev.is_empty() && !rev.contains(['/', ':']) => (name, Some(rev)),
        _ => (s, None),
    }
}

/// Lowercases scheme and host, drops a trailing `/` and `.git`.
pub(super) fn normalise_repo_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase(),
                path
            )
        }
        None => url.to_owned(),
    }
}
