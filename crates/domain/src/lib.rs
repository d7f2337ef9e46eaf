//! Clearinghouse domain model. Pure types and functions: no IO, no async, no SQL, no HTTP.
//!
//! `labels` owns TLP markings, visibility expressions and the one read policy;
//! `audit` owns the RFC 6962 Merkle log and signed checkpoints;
//! `identity` owns organisation kinds, roles, scopes and name rules;
//! `approval` owns the two-person rule;
//! `cvss` scores CVSS 3.x and 4.0 vectors;
//! `purl` owns package identity (package URLs, per-ecosystem normalisation);
//! `versions` orders versions per ecosystem and decides OSV ranges;
//! `ssvc` evaluates SSVC decision tables and CISA BOD 26-04 deadlines;
//! `webhook_signature` signs and verifies Standard Webhooks messages.

pub mod approval;
pub mod audit;
pub mod cvss;
pub mod identity;
pub mod labels;
pub mod purl;
pub mod ssvc;
pub mod versions;
pub mod webhook_signature;

#[cfg(test)]
mod test_data;
