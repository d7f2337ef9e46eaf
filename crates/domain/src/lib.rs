//! Clearinghouse domain model. Pure types and functions: no IO, no async, no SQL, no HTTP.
//!
//! `labels` owns TLP markings, visibility expressions and the one read policy;
//! `audit` owns the RFC 6962 Merkle log and signed checkpoints;
//! `identity` owns organisation kinds, roles, scopes and name rules;
//! `field_error` owns `FieldError`, the field-level refusal every validation returns;
//! `approval` owns the two-person rule;
//! `cvss` scores CVSS 3.x and 4.0 vectors;
//! `purl` owns package identity (package URLs, per-ecosystem normalisation);
//! `cpe` parses CPE names (2.3 formatted strings, 2.2 URIs) and the version ranges stated for them;
//! `versions` orders versions per ecosystem and decides OSV ranges;
//! `sbom` reads CycloneDX and SPDX documents into component inventories;
//! `advisory` reads OSV, CVE JSON 5, CSAF 2.0, KEV and EPSS feeds into one advisory shape;
//! `findings` streams scanner findings (SARIF, OSV, CSAF, CVE, native JSON) into one shape;
//! `ssvc` evaluates SSVC decision tables and CISA BOD 26-04 deadlines;
//! `exposure` owns remediation states, risk-acceptance expiry, overdue and the embargo's TLP;
//! `priority` combines CVSS, EPSS, KEV and SSVC into one exposure's priority and deadline;
//! `webhook_signature` signs and verifies Standard Webhooks messages;
//! `similarity` finds near-duplicate findings (normalised shingles, MinHash, LSH band keys);
//! `envelope` encrypts proof-of-concept material (per-artifact keys wrapped by a KEK);
//! `frontier` owns the frontier-model framework: registry values, benchmark suites, Inspect
//! log reading, scores with confidence intervals, committed thresholds and designation.
//! `directive` owns Binding Operational Directives: the remediate rule language, due dates,
//! obligation states and compliance figures.
//! `scans` owns scan coordination: targets, CIDR blocks, windows, version-set overlap, grant coverage.
//! `openpgp` signs and verifies the CSAF feed's detached OpenPGP signatures (v4 Ed25519);
//! `spelling` holds `spelled_enum!`, the `ALL`/`as_str`/`Display` of every closed set of names;
//! `text` is the one rule for names, titles and file names (no control or bidi characters).

pub mod advisory;
pub mod approval;
pub mod audit;
pub mod cases;
pub mod cpe;
pub mod cvss;
pub mod directive;
pub mod envelope;
pub mod exposure;
pub mod field_error;
pub mod findings;
pub mod frontier;
pub mod identity;
pub mod labels;
pub mod openpgp;
pub mod priority;
pub mod purl;
pub mod sbom;
pub mod scans;
pub mod similarity;
mod spelling;
pub mod ssvc;
pub mod text;
pub mod versions;
pub mod webhook_signature;

#[cfg(test)]
mod test_data;
