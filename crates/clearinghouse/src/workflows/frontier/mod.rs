//! The frontier-model framework (Sec. 3 of the order): the model registry,
//! and next to it benchmark suites, evaluation runs, thresholds and
//! designation inquiries; access windows, grants and the broker's checks
//! (`windows`, `window_grants`, `broker`), and the developer's own release
//! record (`releases`).

pub mod broker;
pub mod broker_state;
pub mod endpoint_guard;
pub mod grant_notices;
pub mod inquiries;
pub mod inquiry_outcome;
pub mod inquiry_view;
pub mod models;
pub mod partners;
pub mod releases;
pub mod run_parse;
pub mod run_view;
pub mod runs;
pub mod suites;
pub mod thresholds;
pub mod tool_requests;
pub mod tools;
pub mod window_alerts;
pub mod window_findings;
pub mod window_grants;
pub mod window_transcripts;
pub mod windows;
