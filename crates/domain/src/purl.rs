//! Package identity: package URLs and per-ecosystem name normalisation.
//!
//! A [`Purl`] is a parsed package URL (`pkg:type/namespace/name@version?qualifiers#subpath`).
//! Its [`PackageId`] (type, namespace, name) is the identity used to match exposures:
//! an SBOM component and an OSV advisory name the same package exactly when their
//! `PackageId`s are equal. Parsing and percent-decoding are delegated to the
//! `packageurl` crate (which follows the purl-spec test suite); on top of it the
//! identity applies every case and spelling rule of the purl-spec type definitions,
//! plus the registries' own equivalences where the spec leaves names case-preserving:
//!
//! | type | namespace | name |
//! |---|---|---|
//! | `pypi` | none | lowercase, runs of `-`, `_`, `.` become one `-` (PEP 503) |
//! | `npm` | lowercase (scope, decoded `@scope`) | lowercase |
//! | `golang` | lowercase | lowercase |
//! | `nuget` | none | lowercase (NuGet names are case-insensitive) |
//! | `composer`, `deb`, `apk`, `github`, `bitbucket`, `hex` | lowercase | lowercase |
//! | `rpm`, `qpkg` | lowercase | as written |
//! | everything else (`maven`, `cargo`, `gem`, ...) | as written | as written |
//!
//! Because of the `pypi` and `nuget` rules, [`Purl::to_string_canonical`] may differ
//! from the spec's canonical string in those names (`zope.interface` is written
//! `zope-interface`); it is canonical for identity and stable under re-parsing.
//! [`package_id_for_osv`] maps an OSV `affected[].package` to the same identity.

mod encode;
mod osv;

pub use osv::package_id_for_osv;

use std::fmt;
use std::str::FromStr;

use packageurl::PackageUrl;

/// The identity of a package, normalised per ecosystem: the key of the exposure index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PackageId {
    /// The purl type, lowercase (`pypi`, `npm`, `maven`, ...).
    pub purl_type: String,
    /// The decoded namespace, segments joined by `/` (`@angular`, `org.apache.commons`).
    pub namespace: Option<String>,
    /// The decoded, normalised name.
    pub name: String,
}

impl PackageId {
    /// Builds an identity from raw (decoded) components, applying the type's normalisation.
    /// An empty namespace is treated as absent.
    pub fn normalised(purl_type: &str, namespace: Option<&str>, name: &str) -> PackageId {
        let purl_type = purl_type.to_ascii_lowercase();
        let rules = rules(&purl_type);
        let namespace = namespace
            .map(|ns| ns.trim_matches('/'))
            .filter(|ns| !ns.is_empty())
            .map(|ns| {
                if rules.lowercase_namespace {
                    ns.to_lowercase()
                } else {
                    ns.to_owned()
                }
            });
        let name = if purl_type == "pypi" {
            pep503(name)
        } else if rules.lowercase_name {
            name.to_lowercase()
        } else {
            name.to_owned()
        };
        PackageId {
            purl_type,
            namespace,
            name,
        }
    }

    /// The canonical `pkg:type/namespace/name` string: no version, qualifiers or subpath.
    pub fn key(&self) -> String {
        let mut out = String::with_capacity(8 + self.purl_type.len() + self.name.len());
        self.write_key(&mut out);
        out
    }

    fn write_key(&self, out: &mut String) {
        out.push_str("pkg:");
        out.push_str(&self.purl_type);
        out.push('/');
        if let Some(ns) = &self.namespace {
            for segment in ns.split('/').filter(|s| !s.is_empty()) {
                encode::push(out, segment, encode::Part::Segment);
                out.push('/');
            }
        }
        encode::push(out, &self.name, encode::Part::Segment);
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// A parsed package URL whose identity is normalised (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The normalised package identity.
    pub id: PackageId,
    /// The decoded version, if any.
    pub version: Option<String>,
    /// Decoded qualifiers, keys lowercase, sorted by key, no empty values.
    pub qualifiers: Vec<(String, String)>,
    /// The decoded subpath, segments joined by `/`.
    pub subpath: Option<String>,
}

/// Why a string is not a valid package URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    /// The string does not start with a scheme.
    #[error("not a package URL: it must start with \"pkg:\"")]
    MissingScheme,
    /// The scheme is not `pkg`.
    #[error("not a package URL: scheme {0:?} is not \"pkg\"")]
    InvalidScheme(String),
    /// No `type/` follows the scheme.
    #[error("package URL has no type: expected pkg:<type>/<name>")]
    MissingType,
    /// The type has characters other than ASCII letters, digits, `.`, `+`, `-`, or starts with a digit.
    #[error(
        "invalid package URL type {0:?}: use ASCII letters, digits, '.', '+' or '-', not starting with a digit"
    )]
    InvalidType(String),
    /// The name is empty.
    #[error("package URL has no name")]
    MissingName,
    /// The type does not allow a namespace (e.g. `pypi`, `cargo`, `nuget`).
    #[error("package URL type {0:?} does not allow a namespace")]
    NamespaceProhibited(String),
    /// The type requires a namespace (e.g. `composer`, `swift`).
    #[error("package URL type {0:?} requires a namespace")]
    NamespaceRequired(String),
    /// A qualifier key has characters other than ASCII letters, digits, `.`, `-`, `_`.
    #[error(
        "invalid qualifier key {0:?}: use ASCII letters, digits, '.', '-' or '_', not starting with a digit"
    )]
    InvalidQualifierKey(String),
    /// The type requires a qualifier that is absent (e.g. `julia` needs `uuid`).
    #[error("package URL type {purl_type:?} requires the qualifier {key:?}")]
    MissingQualifier {
        /// The purl type.
        purl_type: String,
        /// The missing qualifier key.
        key: String,
    },
    /// The name breaks the type's rules.
    #[error("invalid name {name:?} for package URL type {purl_type:?}")]
    InvalidName {
        /// The purl type.
        purl_type: String,
        /// The offending name.
        name: String,
    },
    /// The version breaks the type's rules.
    #[error("invalid version {version:?} for package URL type {purl_type:?}")]
    InvalidVersion {
        /// The purl type.
        purl_type: String,
        /// The offending version.
        version: String,
    },
    /// A namespace segment is invalid (e.g. contains an encoded `/`).
    #[error("invalid namespace segment {0:?}")]
    InvalidNamespace(String),
    /// A subpath segment is invalid (e.g. contains an encoded `/`).
    #[error("invalid subpath segment {0:?}")]
    InvalidSubpath(String),
    /// A percent-encoded component does not decode to UTF-8.
    #[error("package URL component is not valid UTF-8 after percent-decoding")]
    NotUtf8,
    /// Any other rejection by the parser.
    #[error("invalid package URL: {0}")]
    Other(String),
}

impl From<packageurl::Error> for PurlError {
    fn from(e: packageurl::Error) -> Self {
        use packageurl::Error as E;
        match e {
            E::MissingScheme => PurlError::MissingScheme,
            E::InvalidScheme(s) => PurlError::InvalidScheme(s),
            E::MissingType => PurlError::MissingType,
            E::InvalidType(t) => PurlError::InvalidType(t),
            E::MissingName => PurlError::MissingName,
            E::TypeProhibitsNamespace(t) => PurlError::NamespaceProhibited(t),
            E::TypeRequiresNamespace(t) => PurlError::NamespaceRequired(t),
            E::InvalidKey(k) => PurlError::InvalidQualifierKey(k),
            E::MissingRequiredQualifier(purl_type, key) => {
                PurlError::MissingQualifier { purl_type, key }
            }
            E::InvalidName(purl_type, name) => PurlError::InvalidName { purl_type, name },
            E::InvalidVersion(purl_type, version) => {
                PurlError::InvalidVersion { purl_type, version }
            }
            E::InvalidNamespaceComponent(s) => PurlError::InvalidNamespace(s),
            E::InvalidSubpathSegment(s) => PurlError::InvalidSubpath(s),
            E::DecodingError(_) => PurlError::NotUtf8,
            other => PurlError::Other(other.to_string()),
        }
    }
}

impl Purl {
    /// Parses and validates a package URL, normalising its identity.
    pub fn parse(s: &str) -> Result<Purl, PurlError> {
        let parsed = PackageUrl::from_str(s)?;
        let id = PackageId::normalised(parsed.ty(), parsed.namespace(), parsed.name());
        if id.namespace.is_none() && parsed.namespace().is_some() {
            // Only `.`/`..`/empty segments: the namespace is absent, which the type
            // may forbid; the parser checked its rules before dropping the segments.
            PackageUrl::from_str(&id.key())?;
        }
        let mut qualifiers: Vec<(String, String)> = parsed
            .qualifiers()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        qualifiers.sort();
        Ok(Purl {
            id,
            version: parsed.version().map(str::to_owned),
            qualifiers,
            subpath: parsed.subpath().map(str::to_owned),
        })
    }

    /// The canonical string: percent-encoded components, qualifiers sorted by key.
    /// Parsing it yields an equal `Purl`.
    pub fn to_string_canonical(&self) -> String {
        let mut out = String::new();
        self.id.write_key(&mut out);
        if let Some(v) = &self.version {
            out.push('@');
            encode::push(&mut out, v, encode::Part::Version);
        }
        let mut sep = '?';
        for (k, v) in self.qualifiers.iter().filter(|(_, v)| !v.is_empty()) {
            out.push(sep);
            sep = '&';
            out.push_str(&k.to_ascii_lowercase());
            out.push('=');
            encode::push(&mut out, v, encode::Part::QualifierValue);
        }
        if let Some(sp) = &self.subpath {
            let mut segments = sp
                .split('/')
                .filter(|s| !(s.is_empty() || *s == "." || *s == ".."));
            if let Some(first) = segments.next() {
                out.push('#');
                encode::push(&mut out, first, encode::Part::Segment);
                for s in segments {
                    out.push('/');
                    encode::push(&mut out, s, encode::Part::Segment);
                }
            }
        }
        out
    }

    /// The value of a qualifier, by lowercase key.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl FromStr for Purl {
    type Err = PurlError;
    fn from_str(s: &str) -> Result<Purl, PurlError> {
        Purl::parse(s)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_canonical())
    }
}

/// Case rules of one purl type, from the purl-spec type definitions (plus `nuget`).
struct TypeRules {
    lowercase_namespace: bool,
    lowercase_name: bool,
}

fn rules(purl_type: &str) -> TypeRules {
    let (lowercase_namespace, lowercase_name) = match purl_type {
        "npm" | "golang" | "composer" | "deb" | "apk" | "github" | "bitbucket" | "hex" => {
            (true, true)
        }
        "pypi" | "nuget" => (false, true),
        "rpm" | "qpkg" => (true, false),
        _ => (false, false),
    };
    TypeRules {
        lowercase_namespace,
        lowercase_name,
    }
}

/// PEP 503 normalisation: lowercase, each run of `-`, `_` and `.` becomes a single `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            in_run = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod data_tests;

#[cfg(test)]
mod proptests;
