//! Advisory feeds: reading OSV (JSON or YAML), CVE JSON 5, CSAF 2.0, NVD API 2.0, the
//! CISA KEV catalog (JSON or CSV) and FIRST EPSS score files into one [`Advisory`] shape that the exposure
//! matcher codes against. Pure: the caller fetches the bytes.
//!
//! Every feed is deserialized into typed structs (unknown fields ignored), so a value
//! of the wrong type is an error that names its field path
//! (`affected[2].ranges[0].events[1]`); EPSS errors name their line. Inputs are bounded
//! by [`MAX_DOCUMENT_BYTES`] and the per-list counts below; YAML parsing also runs
//! under `serde-saphyr`'s default budget (events, aliases, nesting).
//!
//! What is dropped rather than rejected: OSV `affected` entries with no package
//! identity (only a GIT repository, or an ecosystem without a purl type), CVSS vectors
//! that [`crate::cvss::score`] does not accept (CVSS 2.0, malformed), CVE version
//! statements that OSV events cannot express (wildcards such as `6.1.*`), and CSAF
//! products named only by text. The mapping rules per feed are in `osv`, `cve5` and
//! `csaf`.

mod csaf;
mod csaf_checks;
mod csaf_cvss;
mod csaf_cvss_schema;
mod csaf_patterns;
mod csaf_products;
mod csaf_profiles;
mod csaf_revisions;
mod csaf_schema;
mod cve5;
mod cve5_checks;
mod cwe_catalog;
mod epss;
pub mod grouping;
mod kev;
mod kev_csv;
mod nvd;
mod osv;
mod osv_checks;
mod shape;

pub use csaf::parse_csaf;
pub use cve5::parse_cve5;
pub use epss::{EpssFile, EpssScore, parse_epss};
pub use kev::{KevCatalog, KevEntry, parse_kev};
pub use kev_csv::parse_kev_csv;
pub use nvd::parse_nvd;
pub use osv::parse_osv;

use serde::Deserialize as _;

pub use crate::cpe::ranges::CpeAffected;
use crate::purl::PackageId;
use crate::ssvc::CisaSsvcInputs;
use crate::versions::{Ecosystem, OsvRange};

/// The largest document accepted (a full EPSS day is about 10 MB, a large Red Hat
/// CSAF VEX document a few tens of MB).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// The most `affected` packages kept for one advisory.
pub const MAX_AFFECTED: usize = 20_000;
/// The most entries in any other list of one advisory (aliases, references, ranges,
/// versions, CVSS vectors, CPEs) or vulnerabilities of one CSAF document.
pub const MAX_LIST: usize = 100_000;
/// The most products a CSAF product tree may define.
pub const MAX_CSAF_PRODUCTS: usize = 200_000;
/// The deepest CSAF branch nesting followed.
pub const MAX_CSAF_DEPTH: usize = 64;
/// The most KEV entries or EPSS rows in one file.
pub const MAX_ROWS: usize = 2_000_000;

/// Which feed format an advisory was read from, or `Clearinghouse` for one
/// made here from validated findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Osv,
    Csaf,
    Cve,
    /// An entry of CISA's Known Exploited Vulnerabilities catalog.
    Kev,
    /// A record of NIST's National Vulnerability Database (API 2.0).
    Nvd,
    /// A vulnerability this clearinghouse validated from findings (`CHX-YYYY-NNNNN`).
    Clearinghouse,
}

/// One vulnerability as a feed describes it. Its identity is its
/// publisher plus the publisher's own id ([`Advisory::key`]): several
/// advisories of several publishers about one vulnerability are grouped
/// (by [`Advisory::group_ids`]) and never overwrite each other.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Advisory {
    /// The publisher's own id: the OSV id, the CVE id, the CSAF document's
    /// `document.tracking.id`, the KEV entry's CVE id, or a `CHX-` id.
    pub id: String,
    pub source: Source,
    /// Who published it: `osv`, a CVE record's `assignerShortName` (else
    /// `cve`), a CSAF document's `publisher.namespace` without its scheme
    /// (`www.cisa.gov`), `cisa-kev`, or `clearinghouse`.
    pub publisher: String,
    /// For CSAF, which vulnerability of the document this is: its CVE, else
    /// `#<n>` (`n` counting the document's vulnerabilities from 1). Empty
    /// for the other sources (one vulnerability per record).
    pub vuln_ref: String,
    /// For CSAF: the products named in this vulnerability's `product_status`
    /// that map to no package identity or CPE (named only by text or
    /// model numbers).
    #[serde(skip_serializing_if = "is_zero")]
    pub unmapped_products: usize,
    /// Other ids for the same vulnerability; never contains `id`, no duplicates.
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    /// RFC 3339 timestamps as given.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Set for withdrawn OSV records and rejected CVE records.
    pub withdrawn: Option<String>,
    /// CVSS 3.x / 4.0 vectors that [`crate::cvss::score`] accepts, no duplicates.
    pub cvss_vectors: Vec<String>,
    /// `CWE-79` form, no duplicates.
    pub cwes: Vec<String>,
    /// CISA's SSVC decision inputs (vulnrichment ADP container of a CVE record).
    pub ssvc: Option<CisaSsvcInputs>,
    pub references: Vec<String>,
    pub affected: Vec<Affected>,
    /// CPEs named for products that have no package identity.
    pub cpes: Vec<String>,
    /// The affected versions stated per product named by CPE (CVE JSON 5
    /// `affected[].cpes` with their versions, CVE 5.1 `cpeApplicability`), one
    /// entry per vendor and product: matched against components' CPEs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpe_affected: Vec<CpeAffected>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Advisory {
    /// The storage key: unique per publisher and the publisher's own id.
    /// OSV, CVE and `CHX-` ids are their publishers' namespaces already
    /// (an OSV record whose id is a CVE id is `osv:CVE-...`, so it never
    /// takes the CVE record's place); a KEV entry is `kev:CVE-...`; a CSAF
    /// vulnerability is `<tracking id>/<vuln_ref>@<publisher>`.
    pub fn key(&self) -> String {
        match self.source {
            Source::Csaf => format!("{}/{}@{}", self.id, self.vuln_ref, self.publisher),
            Source::Kev => format!("kev:{}", self.id),
            Source::Nvd => format!("nvd:{}", self.id),
            Source::Osv if self.id.starts_with("CVE-") => format!("osv:{}", self.id),
            _ => self.id.clone(),
        }
    }

    /// The ids that link this advisory to a vulnerability group: its aliases
    /// and, except for CSAF (whose tracking id names a document covering
    /// many vulnerabilities), its own id; a CSAF vulnerability's CVE.
    /// Never empty: a CSAF vulnerability with no CVE and no alias is linked
    /// by its key alone.
    pub fn group_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        match self.source {
            Source::Csaf => {
                if !self.vuln_ref.starts_with('#') && !self.vuln_ref.is_empty() {
                    ids.push(self.vuln_ref.clone());
                }
            }
            _ => ids.push(self.id.clone()),
        }
        for a in &self.aliases {
            push_unique(&mut ids, a);
        }
        if ids.is_empty() {
            ids.push(self.key());
        }
        ids
    }
}

/// The affected versions of one package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Affected {
    pub package: PackageId,
    #[serde(serialize_with = "ecosystem_name")]
    pub ecosystem: Ecosystem,
    /// OSV ranges, GIT ranges included (see [`crate::versions::decide`]).
    pub ranges: Vec<OsvRange>,
    /// Affected versions listed one by one.
    pub versions: Vec<String>,
    /// Versions the advisory states are fixed (CSAF `fixed`, `first_fixed`):
    /// never affected, whatever the ranges say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// Versions the advisory states are not affected (CSAF `known_not_affected`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_affected: Vec<String>,
}

impl Affected {
    /// An entry with no versions yet.
    pub fn new(package: PackageId, ecosystem: Ecosystem) -> Affected {
        Affected {
            package,
            ecosystem,
            ranges: Vec::new(),
            versions: Vec::new(),
            fixed: Vec::new(),
            not_affected: Vec::new(),
        }
    }
}

fn ecosystem_name<S: serde::Serializer>(e: &Ecosystem, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.as_str())
}

/// A parsed feed document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Osv(Advisory),
    Cve(Advisory),
    /// One advisory per vulnerability of the CSAF document.
    Csaf(Vec<Advisory>),
    /// One advisory per CVE of an NVD API 2.0 response.
    Nvd(Vec<Advisory>),
    Kev(KevCatalog),
    Epss(EpssFile),
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvisoryError {
    /// The document exceeds [`MAX_DOCUMENT_BYTES`].
    #[error("document is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    /// The content is none of the supported formats.
    #[error("not an OSV, CVE JSON 5, CSAF 2.0, NVD, KEV or EPSS document: {0}")]
    UnknownFormat(String),
    /// The text is not well-formed JSON, YAML or UTF-8.
    #[error("{format}: malformed at line {line}, column {column}: {message}")]
    Syntax {
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field is missing, has the wrong type or an invalid value.
    #[error("{format}: {field}: {message}")]
    Field {
        format: &'static str,
        /// The field path, e.g. `affected[2].ranges[0].events[1]`.
        field: String,
        message: String,
    },
    /// A list is longer than its limit.
    #[error("{format}: {field} has {count} entries; the limit is {limit}")]
    TooMany {
        format: &'static str,
        field: String,
        count: usize,
        limit: usize,
    },
    /// A CSV line is malformed.
    #[error("{format}: line {line}: {message}")]
    Line {
        format: &'static str,
        /// 1-based.
        line: usize,
        message: String,
    },
}

impl AdvisoryError {
    /// The field path the error is about, if it is about a field.
    pub fn field(&self) -> Option<&str> {
        match self {
            AdvisoryError::Field { field, .. } | AdvisoryError::TooMany { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }

    /// The 1-based line the error is about, if known.
    pub fn line(&self) -> Option<usize> {
        match self {
            AdvisoryError::Syntax { line, .. } | AdvisoryError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    fn field_error(
        format: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        AdvisoryError::Field {
            format,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Reads a feed document, detecting its format from the content: OSV (JSON with `id`
/// and `modified` or `schema_version`, or YAML), CVE JSON 5 (`dataType: CVE_RECORD`,
/// or `cveMetadata`), CSAF (`document.csaf_version`), KEV (`catalogVersion` and
/// `vulnerabilities`, or the CSV with its `cveID,...` header), NVD API 2.0 (`format:
/// NVD_CVE`, or one item `{"cve": ...}`), EPSS CSV
/// (`#model_version` comment or `cve,epss` header).
/// The file name is only a hint: `.yaml`/`.yml` for OSV YAML, `.csv` for EPSS.
pub fn parse_document(file_name: &str, bytes: &[u8]) -> Result<Document, AdvisoryError> {
    check_size(bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let lower = file_name.to_ascii_lowercase();
    let first = start.map(|i| bytes[i]);
    if first == Some(b'{') {
        return parse_json_document(bytes);
    }
    let text = &bytes[start.unwrap_or(bytes.len())..];
    if kev_csv::looks_like_kev_csv(text) {
        let text = std::str::from_utf8(bytes).map_err(|e| utf8_error("KEV CSV", bytes, &e))?;
        return parse_kev_csv(text).map(Document::Kev);
    }
    if text.starts_with(b"#model_version")
        || text.starts_with(b"cve,epss")
        || lower.ends_with(".csv")
    {
        let text = std::str::from_utf8(bytes).map_err(|e| utf8_error("EPSS", bytes, &e))?;
        return parse_epss(text).map(Document::Epss);
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") || looks_like_osv_yaml(text) {
        return parse_osv(bytes).map(Document::Osv);
    }
    Err(AdvisoryError::UnknownFormat(
        "expected a JSON object, OSV YAML or an EPSS CSV".into(),
    ))
}

/// A YAML mapping with a top-level `id:` and `modified:` key.
fn looks_like_osv_yaml(text: &[u8]) -> bool {
    let mut id = false;
    let mut modified = false;
    for line in text.split(|b| *b == b'\n') {
        id |= line.starts_with(b"id:");
        modified |= line.starts_with(b"modified:");
    }
    id && modified
}

/// The keys that tell the JSON formats apart; everything else is skipped unread.
#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct Probe {
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    modified: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    schema_version: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    dataType: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    cveMetadata: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    document: Option<ProbeDocument>,
    #[serde(default)]
    catalogVersion: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    vulnerabilities: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    format: Option<serde_json::Value>,
    #[serde(default)]
    cve: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct ProbeDocument {
    #[serde(default)]
    csaf_version: Option<serde::de::IgnoredAny>,
}

fn parse_json_document(bytes: &[u8]) -> Result<Document, AdvisoryError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            AdvisoryError::UnknownFormat(format!("not a JSON object of a known shape: {e}"))
        } else {
            json_syntax("JSON", &e)
        }
    })?;
    if probe.document.is_some_and(|d| d.csaf_version.is_some()) {
        parse_csaf(bytes).map(Document::Csaf)
    } else if probe.dataType.is_some() || probe.cveMetadata.is_some() {
        parse_cve5(bytes).map(Document::Cve)
    } else if probe.catalogVersion.is_some() && probe.vulnerabilities.is_some() {
        parse_kev(bytes).map(Document::Kev)
    } else if probe.cve.is_some()
        || probe.format.as_ref().and_then(|f| f.as_str()) == Some("NVD_CVE")
    {
        parse_nvd(bytes).map(Document::Nvd)
    } else if probe.id.is_some() && (probe.modified.is_some() || probe.schema_version.is_some()) {
        parse_osv(bytes).map(Document::Osv)
    } else {
        Err(AdvisoryError::UnknownFormat(
            "a JSON object without the keys of OSV, CVE JSON 5, CSAF, NVD or KEV".into(),
        ))
    }
}

fn check_size(bytes: &[u8]) -> Result<(), AdvisoryError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AdvisoryError::TooLarge {
            size: bytes.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(())
}

fn json_syntax(format: &'static str, e: &serde_json::Error) -> AdvisoryError {
    AdvisoryError::Syntax {
        format,
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

fn utf8_error(format: &'static str, bytes: &[u8], e: &std::str::Utf8Error) -> AdvisoryError {
    let before = &bytes[..e.valid_up_to()];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    AdvisoryError::Syntax {
        format,
        line,
        column,
        message: "invalid UTF-8".into(),
    }
}

/// Deserializes JSON into `T`, naming the field path of a data error.
fn from_json<'de, T: serde::Deserialize<'de>>(
    format: &'static str,
    bytes: &'de [u8],
) -> Result<T, AdvisoryError> {
    check_size(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            AdvisoryError::field_error(format, path, inner.to_string())
        } else {
            json_syntax(format, &inner)
        }
    })?;
    de.end().map_err(|e| json_syntax(format, &e))?;
    Ok(value)
}

/// `#[serde(deserialize_with)]` helper: `null` (or an empty YAML value) is the default.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Fails when `list` is longer than `limit`.
fn check_len<T>(
    format: &'static str,
    field: impl FnOnce() -> String,
    list: &[T],
    limit: usize,
) -> Result<(), AdvisoryError> {
    if list.len() > limit {
        return Err(AdvisoryError::TooMany {
            format,
            field: field(),
            count: list.len(),
            limit,
        });
    }
    Ok(())
}

/// Appends `item` unless empty or already present.
fn push_unique(list: &mut Vec<String>, item: &str) {
    let item = item.trim();
    if !item.is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// Appends a CVSS vector if [`crate::cvss::score`] accepts it.
fn push_cvss(list: &mut Vec<String>, vector: &str) {
    let vector = vector.trim();
    if crate::cvss::score(vector).is_ok() {
        push_unique(list, vector);
    }
}

/// Appends `CWE-<n>` for a CWE id written `CWE-79`, `cwe-79` or `79`; other text
/// (`NVD-CWE-noinfo`, free text) is skipped.
fn push_cwe(list: &mut Vec<String>, raw: &str) {
    let raw = raw.trim();
    let digits = raw
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cwe-"))
        .map_or(raw, |_| &raw[4..]);
    if !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
        push_unique(list, &format!("CWE-{digits}"));
    }
}

/// An advisory's summary and details hold no control or bidi characters but
/// tab and line breaks ([`crate::text::check_long_text`]); the error names
/// `summary_field` or `details_field`.
fn check_text(
    format: &'static str,
    a: &Advisory,
    summary_field: &str,
    details_field: &str,
) -> Result<(), AdvisoryError> {
    for (field, value) in [(summary_field, &a.summary), (details_field, &a.details)] {
        crate::text::check_long_text(field, value)
            .map_err(|e| AdvisoryError::field_error(format, field, e.to_string()))?;
    }
    Ok(())
}

/// The name of a weakness written `CWE-79` (or `79`), from the embedded
/// CWE catalogue; `None` for text that is not a CWE id or an id newer than
/// the catalogue.
pub fn cwe_name(cwe: &str) -> Option<&'static str> {
    let t = cwe.trim();
    let digits = t
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cwe-"))
        .map_or(t, |_| &t[4..]);
    cwe_catalog::name_of(digits.parse().ok()?)
}

/// Removes `id` from `aliases` (an alias list never names the advisory itself).
fn drop_self(aliases: &mut Vec<String>, id: &str) {
    aliases.retain(|a| a != id);
}

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod schema_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod cwe_name_tests {
    #[test]
    fn cwe_ids_are_named_from_the_catalogue() {
        assert_eq!(
            super::cwe_name("CWE-22"),
            Some("Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')")
        );
        assert_eq!(super::cwe_name("cwe-22"), super::cwe_name("22"));
        assert_eq!(super::cwe_name("NVD-CWE-noinfo"), None);
        assert_eq!(super::cwe_name("CWE-99999"), None);
    }
}
