//! SBOM reading: CycloneDX 1.2–1.7 (JSON and XML), SPDX 2.2–2.3 (JSON and
//! tag-value) and SPDX 3.0 (JSON-LD) documents become one [`Inventory`] of [`Component`]s (name, version,
//! package URL, CPE), the input of exposure matching.
//!
//! [`parse`] detects the format from the content, checks the document's structure
//! and returns either the whole inventory or an [`SbomError`] naming where the
//! document is wrong (`components[12].purl`, `/bom/components/component[3]/purl`,
//! `line 37`): never a partial inventory.
//!
//! The readers are written here rather than taken from a crate: no crate reads
//! CycloneDX 1.7 (serde-cyclonedx stops at 1.6), a serde model reports a line and
//! column rather than the component's field path, and the schema's patterns and
//! cross-field rules (serial numbers, hash content, timestamps, licence choices,
//! `version` xor `versionRange`) are not in any type. So the JSON reader walks a
//! `serde_json::Value` and the XML reader a `roxmltree` tree, reading the parts that
//! name components and checking the rules of the official schemas there and in the
//! parts the official invalid test BOMs exercise (`cyclonedx/rules.rs`). They do
//! not check the SPDX licence-id list: it is data that changes every quarter and
//! plays no part in matching.
//!
//! What becomes a component:
//! - CycloneDX: every entry of `components`, recursively through
//!   `components[].components`, and the components nested under
//!   `metadata.component`. `metadata.component` itself names the [`Inventory::subject`];
//!   it is also a component when it carries a package URL or a CPE (an identity that
//!   can be matched), since the product described may itself be affected.
//!   Pedigree ancestors, descendants and variants are checked but are not components:
//!   they are not what is deployed.
//! - SPDX: every package (the described package included; SPDX has no separate
//!   subject element), once per distinct `purl` external reference. Files and
//!   snippets are not components. In SPDX 3 the packages are the `@graph`
//!   elements of type `software_Package` and its subclasses (`ai_AIPackage`,
//!   `dataset_DatasetPackage`).
//!
//! Components with equal (package URL, name, version) collapse to the first. A
//! component name with a control or bidi character ([`crate::text`]) fails the
//! document, naming the component.

mod cyclonedx;
mod spdx;

use std::collections::HashSet;

use crate::purl::{Purl, PurlError};
use crate::spelling::spelled_enum;

/// The most components one document may hold (counted before duplicates collapse).
pub const MAX_COMPONENTS: usize = 200_000;

/// The serialisation an inventory was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// CycloneDX JSON (`bomFormat: "CycloneDX"`).
    CycloneDxJson,
    /// CycloneDX XML (`<bom xmlns="http://cyclonedx.org/schema/bom/1.x">`).
    CycloneDxXml,
    /// SPDX 2.x JSON (`spdxVersion`).
    SpdxJson,
    /// SPDX 2.x tag-value (`SPDXVersion: SPDX-2.x`).
    SpdxTagValue,
    /// SPDX 3.0 JSON-LD (`@context` naming `spdx.org/rdf/3.0.x`).
    Spdx3JsonLd,
}

spelled_enum! {
    /// A stable name for storage and display.
    SbomFormat {
        CycloneDxJson => "cyclonedx-json",
        CycloneDxXml => "cyclonedx-xml",
        SpdxJson => "spdx-json",
        SpdxTagValue => "spdx-tag-value",
        Spdx3JsonLd => "spdx3-jsonld",
    }
}

/// Everything an SBOM says is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The serialisation read.
    pub format: SbomFormat,
    /// The specification version as written (`1.6`, `SPDX-2.3`).
    pub spec_version: String,
    /// What the SBOM describes: CycloneDX `metadata.component.name` or the SPDX document name.
    pub subject: Option<String>,
    /// The components, in document order, duplicates collapsed.
    pub components: Vec<Component>,
}

/// One installed component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The component's name (CycloneDX `name`, SPDX `PackageName`), never empty.
    pub name: String,
    /// The declared version (CycloneDX `version`, SPDX `versionInfo`); the package
    /// URL's own version, when present, is in `purl.version`.
    pub version: Option<String>,
    /// The parsed package URL: the identity used to match advisories.
    pub purl: Option<Purl>,
    /// The CPE 2.3 (or, failing that, 2.2) name as written.
    pub cpe: Option<String>,
}

/// Why a document is not an acceptable SBOM. Every variant but
/// [`SbomError::UnknownFormat`] says where: a JSON field path (`components[12].purl`),
/// an XML element path (`/bom/components/component[3]/purl`) or a tag-value line
/// (`line 37`); [`SbomError::field`] returns it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    /// The content is none of the supported formats.
    #[error(
        "not a recognised SBOM: expected CycloneDX JSON or XML (bomFormat / <bom xmlns=\"http://cyclonedx.org/schema/bom/1.x\">) or SPDX 2.x JSON or tag-value (spdxVersion / SPDXVersion:) or SPDX 3 JSON-LD (@context)"
    )]
    UnknownFormat,
    /// The JSON or XML is not well-formed.
    #[error("{syntax} syntax error at {at}: {message}")]
    Syntax {
        /// `JSON` or `XML`.
        syntax: &'static str,
        /// `line L column C`.
        at: String,
        /// The parser's message.
        message: String,
    },
    /// A specification version this reader does not support.
    #[error("{at}: {spec} version {version:?} is not supported (supported: {supported})")]
    UnsupportedVersion {
        /// Where the version is written.
        at: String,
        /// `CycloneDX` or `SPDX`.
        spec: &'static str,
        /// The version as written.
        version: String,
        /// The supported versions.
        supported: &'static str,
    },
    /// A required field is absent.
    #[error("{at}: required field is missing")]
    Missing {
        /// The missing field's path.
        at: String,
    },
    /// A field has the wrong JSON type or XML shape.
    #[error("{at}: expected {expected}")]
    WrongType {
        /// The field's path.
        at: String,
        /// What was expected (`a string`, `an array`, ...).
        expected: &'static str,
    },
    /// A field's value breaks a rule of the specification.
    #[error("{at}: {value:?} is not valid: {reason}")]
    Invalid {
        /// The field's path.
        at: String,
        /// The value (shortened to 100 characters).
        value: String,
        /// The rule broken.
        reason: String,
    },
    /// A component's package URL does not parse.
    #[error("{at}: invalid package URL {value:?}: {source}")]
    Purl {
        /// The field's path.
        at: String,
        /// The package URL as written (shortened to 100 characters).
        value: String,
        /// Why it is invalid.
        #[source]
        source: PurlError,
    },
    /// The document holds more than [`MAX_COMPONENTS`] components.
    #[error("{at}: more than {MAX_COMPONENTS} components")]
    TooManyComponents {
        /// The first component past the limit.
        at: String,
    },
}

impl SbomError {
    /// Where the error is: a JSON field path, an XML element path, `line N`, or
    /// `line L column C` for syntax errors. None for [`SbomError::UnknownFormat`].
    pub fn field(&self) -> Option<&str> {
        match self {
            SbomError::UnknownFormat => None,
            SbomError::Syntax { at, .. }
            | SbomError::UnsupportedVersion { at, .. }
            | SbomError::Missing { at }
            | SbomError::WrongType { at, .. }
            | SbomError::Invalid { at, .. }
            | SbomError::Purl { at, .. }
            | SbomError::TooManyComponents { at } => Some(at),
        }
    }

    pub(crate) fn invalid(at: impl Into<String>, value: &str, reason: impl Into<String>) -> Self {
        SbomError::Invalid {
            at: at.into(),
            value: shorten(value),
            reason: reason.into(),
        }
    }
}

/// Reads an SBOM, detecting its format from the content (a UTF-8 byte-order mark
/// and leading whitespace are skipped).
pub fn parse(bytes: &[u8]) -> Result<Inventory, SbomError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| bytes[i]) {
        Some(b'{') => parse_json(bytes),
        Some(b'<') => {
            let text = std::str::from_utf8(bytes).map_err(|e| SbomError::Syntax {
                syntax: "XML",
                at: format!("byte {}", e.valid_up_to()),
                message: "not UTF-8".to_owned(),
            })?;
            cyclonedx::xml::parse(text)
        }
        Some(_) => {
            let text = std::str::from_utf8(bytes).map_err(|_| SbomError::UnknownFormat)?;
            if spdx::tag_value::looks_like(text) {
                spdx::tag_value::parse(text)
            } else {
                Err(SbomError::UnknownFormat)
            }
        }
        None => Err(SbomError::UnknownFormat),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Inventory, SbomError> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = format!("line {} column {}", e.line(), e.column());
        let message = e.to_string();
        let message = message
            .strip_suffix(&format!(" at {at}"))
            .unwrap_or(&message);
        SbomError::Syntax {
            syntax: "JSON",
            message: message.to_owned(),
            at,
        }
    })?;
    let Some(root) = doc.as_object() else {
        return Err(SbomError::UnknownFormat);
    };
    if root.contains_key("bomFormat") || root.contains_key("specVersion") {
        cyclonedx::json::parse(root)
    } else if root.contains_key("spdxVersion") {
        spdx::json::parse(root)
    } else if spdx::jsonld::is_spdx3(root) {
        spdx::jsonld::parse(root)
    } else {
        Err(SbomError::UnknownFormat)
    }
}

/// Collects components in document order: enforces [`MAX_COMPONENTS`], parses
/// package URLs, and collapses duplicates.
pub(crate) struct Collector {
    seen: usize,
    keys: HashSet<(Option<String>, String, Option<String>)>,
    components: Vec<Component>,
    /// Where the component being read is (from [`Collector::count`]).
    at: String,
    /// The first component name refused by [`crate::text`].
    bad_name: Option<SbomError>,
}

impl Collector {
    pub(crate) fn new() -> Collector {
        Collector {
            seen: 0,
            keys: HashSet::new(),
            components: Vec::new(),
            at: String::new(),
            bad_name: None,
        }
    }

    /// Counts one component entry at `at` against the limit.
    pub(crate) fn count(&mut self, at: &dyn Fn() -> String) -> Result<(), SbomError> {
        self.seen += 1;
        self.at = at();
        if self.seen > MAX_COMPONENTS {
            return Err(SbomError::TooManyComponents { at: at() });
        }
        Ok(())
    }

    /// Adds a component unless an equal (purl, name, version) is already there.
    /// A component name holding a control or bidi character (it is shown as a
    /// title) makes the document fail at [`Collector::finish`].
    pub(crate) fn push(&mut self, component: Component) {
        if self.bad_name.is_none()
            && let Err(e) = crate::text::check_line("name", &component.name)
        {
            self.bad_name = Some(SbomError::invalid(
                format!("{}.name", self.at),
                &component.name.escape_debug().to_string(),
                e.to_string(),
            ));
        }
        let key = (
            component.purl.as_ref().map(Purl::to_string_canonical),
            component.name.clone(),
            component.version.clone(),
        );
        if self.keys.insert(key) {
            self.components.push(component);
        }
    }

    pub(crate) fn finish(self) -> Result<Vec<Component>, SbomError> {
        match self.bad_name {
            Some(e) => Err(e),
            None => Ok(self.components),
        }
    }
}

/// Parses a package URL written at `at`.
pub(crate) fn purl(at: impl Fn() -> String, value: &str) -> Result<Purl, SbomError> {
    Purl::parse(value).map_err(|source| SbomError::Purl {
        at: at(),
        value: shorten(value),
        source,
    })
}

/// A value cut to 100 characters for an error message.
fn shorten(value: &str) -> String {
    match value.char_indices().nth(100) {
        Some((i, _)) => format!("{}...", &value[..i]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod data_tests;

#[cfg(test)]
mod proptests;
