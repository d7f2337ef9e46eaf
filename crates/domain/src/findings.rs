//! Finding intake: scanner output (SARIF 2.1.0 from any tool, OSV, CSAF 2.0, CVE JSON 5
//! and the native JSON form below) read as a stream into one normalised [`Finding`]
//! shape, each with a version-free [`fingerprint`] for exact deduplication. Pure: the
//! caller hands over any [`std::io::Read`].
//!
//! Owned here: the types, format detection ([`detect`]), the dispatch ([`parse_stream`]),
//! the fingerprint and path normalisation. `target` owns [`Target`]; `sarif` streams
//! `runs[].results[]`; `sarif_result` maps one SARIF result; `native` streams the native
//! form; `advisories` turns OSV/CSAF/CVE documents into findings; `text` holds the
//! shared helpers (limits, CWE and id scanning, severity words).
//!
//! # Streaming and errors
//!
//! SARIF and native documents are read element by element through serde visitors:
//! memory holds one result (as a `serde_json::Value`) plus the current run's metadata
//! (at most [`MAX_RULES`] rules and [`MAX_PROVENANCE`] provenance entries; more are
//! skipped). One bounded exception: JSON objects are unordered, and a run's `tool` or
//! `versionControlProvenance` (or the native document's `target`) may come after its
//! results. Results read before them are held back, as their JSON text (a parsed
//! `Value` takes about ten times its text's size), until they arrive or the run
//! ends, up to [`MAX_DEFERRED_BYTES`] of text; past that budget the held results and the rest of
//! the run are delivered with the metadata known so far.
//!
//! Every item is delivered to the sink as an [`Item`]: a [`Finding`] or a
//! [`Rejected`](Item::Rejected) error naming its position (`runs[0].results[17]`,
//! `findings[3]`), and the rest of the batch goes on. A document that cannot be read
//! (not JSON, truncated, wrong top-level shape) ends the stream with a
//! [`FindingError::Document`] naming the position being read and the line/column;
//! items delivered before it stay delivered (the caller decides whether a batch with a
//! fatal error is kept).
//!
//! # Native form (`clearinghouse_findings` 1.0)
//!
//! ```json
//! {"clearinghouse_findings": "1.0",
//!  "target": "pkg:pypi/paramiko@2.4.0",
//!  "findings": [{"title": "Auth bypass", "description": "...",
//!                "target": "repo:https://example.org/x@abc",
//!                "rule_id": "X-1", "tool": "my-agent", "cwe": ["CWE-287"],
//!                "severity": "high", "cvss": "CVSS:3.1/AV:N/...",
//!                "location": {"path": "a/b.py", "start_line": 3, "end_line": 4, "function": "f"},
//!                "evidence": "snippet", "aliases": ["CVE-2018-1000805"],
//!                "fingerprint": "submitter's stable id",
//!                "url": "https://203.0.113.5/login"}]}
//! ```
//!
//! `title` is required, everything else optional; `target` (document or finding; the
//! finding's wins) is a package URL or `repo:URL@REVISION` or `product:VENDOR/PRODUCT@VERSION`;
//! `cwe` is a string or a list; `severity` one of `none`, `low`, `medium`, `high`,
//! `critical`; `cvss` a CVSS 3.x/4.0 vector that [`crate::cvss::score`] accepts;
//! `url` the network address scanned (becomes [`Finding::network`]).
//! Unknown keys are ignored. A finding with a field of the wrong type or value is
//! rejected with the field's path (`findings[3]: location.start_line: ...`).
//!
//! # Fingerprint
//!
//! Hex SHA-256 over the target's [`Target::identity`] (never its version or revision:
//! the same bug in paramiko 2.4.0 and 2.4.1 is one finding seen in both), the rule, and
//! either the tool's own SARIF `fingerprints` (or the native `fingerprint`) when
//! given, or its `partialFingerprints` together with the normalised path (a partial
//! fingerprint such as CodeQL's line hash is equal for equal lines in two files),
//! else the normalised location path, start line, function and the
//! whitespace-collapsed snippet — for a SARIF result without a line or snippet, its
//! message stands in for the snippet, so two different results of one rule in one
//! file stay two findings.

mod advisories;
mod native;
pub mod review;
mod sarif;
mod sarif_result;
mod target;
mod text;

pub use target::Target;

/// A finding's severity is on the CVSS qualitative scale (none to critical); SARIF
/// levels and tools' words are mapped onto it (see `sarif_result`).
pub use crate::cvss::Severity;

use sha2::{Digest as _, Sha256};

/// The most bytes of evidence (a snippet) kept per finding; longer text is cut at a
/// character boundary.
pub const MAX_EVIDENCE_BYTES: usize = 4 * 1024;
/// The most bytes kept of a title.
pub const MAX_TITLE_BYTES: usize = 512;
/// The most bytes kept of a description or any other free text.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// The most rules kept per tool component (driver or extension, at most 256
/// extensions) of one SARIF run; later rules are skipped unread.
pub const MAX_RULES: usize = 50_000;
/// The most `versionControlProvenance` entries read from one run.
pub const MAX_PROVENANCE: usize = 64;
/// The most CWEs and aliases kept per finding (each).
pub const MAX_IDS: usize = 32;
/// The most JSON bytes of results held back while a run's metadata is
/// still to come (see the module documentation).
pub const MAX_DEFERRED_BYTES: usize = 16 * 1024 * 1024;

/// A format of finding documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingFormat {
    Sarif,
    Osv,
    Csaf,
    Cve,
    Native,
}

/// Where in the target a finding is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Normalised by [`normalise_path`].
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub function: Option<String>,
}

/// One normalised finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// Where in the submitted file it came from, e.g. `runs[0].results[17]`.
    pub position: String,
    pub target: Target,
    pub location: Option<Location>,
    pub rule_id: Option<String>,
    /// The tool (SARIF driver name) that reported it.
    pub tool: Option<String>,
    /// `CWE-79` form, no duplicates, at most [`MAX_IDS`].
    pub cwes: Vec<String>,
    pub severity: Option<Severity>,
    /// A vector [`crate::cvss::score`] accepts.
    pub cvss_vector: Option<String>,
    /// One line, at most [`MAX_TITLE_BYTES`]; never empty.
    pub title: String,
    /// At most [`MAX_TEXT_BYTES`].
    pub description: String,
    /// A snippet, at most [`MAX_EVIDENCE_BYTES`].
    pub evidence: Option<String>,
    /// CVE, GHSA and other advisory ids named by the finding, no duplicates.
    pub aliases: Vec<String>,
    /// See [`fingerprint`].
    pub fingerprint: String,
    /// The network address or host the result names (`cidr:ADDRESS/32`,
    /// `host:NAME`): SARIF `webRequest.target`, else an absolute
    /// `http(s)://` location URI (`scans::scope::network_of_uri`); checked
    /// against a campaign's network targets, never stored.
    pub network: Option<String>,
}

/// Why one item of a batch was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ItemError {
    /// e.g. `runs[0].results[17]`.
    pub position: String,
    pub message: String,
}

/// One item of a batch, as delivered to the sink of [`parse_stream`].
/// Its serde form is what a submission split across workers keeps
/// between the worker that reads the file and those that commit it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Item {
    Finding(Box<Finding>),
    Rejected(ItemError),
}

/// What a whole stream held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub items: u64,
    pub findings: u64,
    pub rejected: u64,
}

/// Why a target or a document could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingError {
    /// A `--target` or a finding's `target` string is not a package URL or `repo:` form.
    #[error("invalid target {input:?}: {message}")]
    InvalidTarget { input: String, message: String },
    /// The document cannot be read further.
    #[error("{position} (line {line}, column {column}): {message}")]
    Document {
        /// What was being read, e.g. `runs[0].results[17]` or `$` for the top level.
        position: String,
        /// 1-based; 0 when not known.
        line: usize,
        column: usize,
        message: String,
    },
}

/// Detects the format from the start of a document (the first few KB are enough).
/// SARIF: a `"runs"` or `"$schema"` naming sarif, or `"version": "2.1.0"`; native: the
/// `"clearinghouse_findings"` key; CSAF: `"csaf_version"`; CVE: `"cveMetadata"` or
/// `"CVE_RECORD"`; OSV: `"id"` with `"modified"` or `"schema_version"`, or OSV YAML.
pub fn detect(head: &[u8]) -> Option<FindingFormat> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    let has = |needle: &str| {
        head.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    if head[0] != b'{' {
        let yaml = head.starts_with(b"id:") || head.windows(4).any(|w| w == b"\nid:");
        return (yaml && has("modified:")).then_some(FindingFormat::Osv);
    }
    if has("\"clearinghouse_findings\"") {
        Some(FindingFormat::Native)
    } else if has("\"csaf_version\"") {
        Some(FindingFormat::Csaf)
    } else if has("\"cveMetadata\"") || has("\"CVE_RECORD\"") {
        Some(FindingFormat::Cve)
    } else if has("sarif") || has("\"runs\"") {
        Some(FindingFormat::Sarif)
    } else if has("\"id\"") && (has("\"modified\"") || has("\"schema_version\"")) {
        Some(FindingFormat::Osv)
    } else {
        None
    }
}

/// Reads findings from `reader` in `format`, delivering each item to `sink` as it is
/// read. `default_target` names the target of findings whose file does not. SARIF and
/// native documents are streamed; OSV, CSAF and CVE documents are read whole (up to
/// [`crate::advisory::MAX_DOCUMENT_BYTES`]). A fatal document error returns `Err`
/// (items already delivered stay delivered).
pub fn parse_stream<R: std::io::Read>(
    reader: R,
    format: FindingFormat,
    default_target: Option<&Target>,
    sink: &mut dyn FnMut(Item),
) -> Result<Summary, FindingError> {
    let mut summary = Summary::default();
    let mut counting = |item: Item| {
        summary.items += 1;
        match &item {
            Item::Finding(_) => summary.findings += 1,
            Item::Rejected(_) => summary.rejected += 1,
        }
        sink(item);
    };
    let reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    match format {
        FindingFormat::Sarif => sarif::parse(reader, default_target, &mut counting)?,
        FindingFormat::Native => native::parse(reader, default_target, &mut counting)?,
        FindingFormat::Osv | FindingFormat::Csaf | FindingFormat::Cve => {
            advisories::parse(reader, format, default_target, &mut counting)?
        }
    }
    Ok(summary)
}

/// The stable, version-free fingerprint of a finding (hex SHA-256; see the module
/// documentation). `location.path` is normalised here, so callers may pass it raw.
pub fn fingerprint(
    target_identity: &str,
    rule: Option<&str>,
    location: Option<&Location>,
    snippet: Option<&str>,
    sarif_fingerprint: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field("clearinghouse-finding-v1");
    field(target_identity);
    field(rule.unwrap_or(""));
    if let Some(fp) = sarif_fingerprint {
        field("tool");
        field(fp);
    } else {
        field("computed");
        let path = location.and_then(|l| l.path.as_deref()).map(normalise_path);
        field(path.as_deref().unwrap_or(""));
        let line = location.and_then(|l| l.start_line).map(|n| n.to_string());
        field(line.as_deref().unwrap_or(""));
        field(location.and_then(|l| l.function.as_deref()).unwrap_or(""));
        let snippet = snippet.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
        field(snippet.as_deref().unwrap_or(""));
    }
    hex::encode(h.finalize())
}

/// Normalises a location path: `\` becomes `/`, a `file:` scheme and leading `./` are
/// stripped, runs of `/` and `/./` segments collapse. `file:///src/a.js`,
/// `/src/./a.js` and `\src\a.js` all become `/src/a.js`; `./a/b.py` becomes `a/b.py`.
pub fn normalise_path(path: &str) -> String {
    let path = path.trim().replace('\\', "/");
    let rest = match path.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("file:") => &path[5..],
        _ => path.as_str(),
    };
    let absolute = rest.starts_with('/');
    let segments: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let joined = segments.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
