//! The frontier-model framework (executive order Sec. 3), pure core.
//!
//! `model` holds registry values (a model under development, its training
//! compute and the public, non-binding compute reference points); `suite`
//! benchmark suites of cyber tasks with content-digest versions (and the
//! Cybench loader); `inspect` reads UK AISI Inspect eval logs (`.json` and
//! `.eval`) sample by sample; `scoring` turns per-task outcomes into success
//! rates with clustered-bootstrap confidence intervals and unbiased pass@k;
//! `threshold` holds the classified threshold policy and its salted
//! SHA-256 commitment; `designation` the decision rule and the designation
//! inquiry state machine; `access` the rules of brokered access windows,
//! grants, quotas and credentials. Nothing here does IO: callers hand in bytes or
//! readers.

pub mod access;
pub mod date;
pub mod designation;
pub mod inspect;
pub mod model;
pub mod scoring;
pub mod suite;
pub mod threshold;
