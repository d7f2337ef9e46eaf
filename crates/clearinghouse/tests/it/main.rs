//! One integration-test binary: each test starts the real server on a
//! random port with a fresh database (SQLite, and PostgreSQL through
//! `both_backends!`) and talks HTTP to it.

// clippy's allow-unwrap-in-tests does not reach async test bodies and helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod access_windows;
mod advisories_imports;
mod advisories_pages;
mod advisories_realdata;
mod approvals;
mod broker_security;
mod archive;
mod archive_ui;
mod audit;
mod bad_input;
#[cfg(feature = "bench")]
mod bench_findings;
mod browser;
mod browser_directives;
mod browser_exposure;
mod browser_findings;
mod browser_frontier;
mod browser_inquiries;
mod browser_lists;
mod browser_ui;
mod cases;
mod cases_cli;
mod cases_publish;
mod cli_client;
mod cli_cvss;
mod cli_e2e;
mod cpe_matching;
mod directives;
mod directives_cli;
mod directives_dashboard;
mod directives_realdata;
mod directives_ui;
mod exposure;
mod exposure_realdata;
mod exposure_scanner;
mod finding_review;
mod findings;
mod findings_crash;
mod findings_realdata;
mod first_password;
mod frontier_bench;
mod frontier_consultees;
mod frontier_inquiries;
mod frontier_leak;
mod frontier_models;
mod frontier_run_privacy;
mod frontier_runs;
mod frontier_suites;
mod frontier_thresholds;
mod government_roles;
mod identity;
mod import_names;
mod input_hardening;
mod inquiry_cli;
mod inquiry_release_page;
mod labels_property;
mod login_throttle;
mod migrations;
mod model_endpoint;
mod no_veto;
mod notifications;
mod org_directory;
mod org_flags;
mod pocs;
mod read_policy;
mod scale_out;
mod scans;
mod scans_reports;
mod scans_security;
mod smoke;
mod snapshots;
mod submit_cli;
mod tidy;
mod two_person;
mod ui_directory;
mod ui_lists;
mod window_cli;
mod window_findings;
mod workers;
