//! The frontier-model framework's API (`/api/v1/models`, …).

pub mod inquiries;
pub mod models;
pub mod partners;
pub mod runs;
pub mod suites;
pub mod thresholds;
pub mod tools;
pub mod window_alerts;
pub mod window_findings;
pub mod windows;
