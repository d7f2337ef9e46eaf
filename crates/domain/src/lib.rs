//! Clearinghouse domain model. Pure types and functions: no IO, no async, no SQL, no HTTP.
//!
//! `labels` owns TLP markings, visibility expressions and the one read policy;
//! `audit` owns the RFC 6962 Merkle log and signed checkpoints;
//! `identity` owns organisation kinds, roles, scopes and name rules;
//! `approval` owns the two-person rule.

pub mod approval;
pub mod audit;
pub mod identity;
pub mod labels;
