//! Storage of the frontier-model framework (Sec. 3 of the order): the model
//! registry, and next to it the suites, runs, thresholds and inquiries;
//! access windows, grants and the broker's usage log.

pub mod inquiries;
pub mod models;
pub mod partners;
pub mod runs;
pub mod suites;
pub mod thresholds;
pub mod tools;
pub mod window_alerts;
pub mod window_grants;
pub mod windows;
