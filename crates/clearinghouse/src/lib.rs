//! The Clearinghouse application: storage, workflows, HTTP API and web UI,
//! background jobs and the command line. `main.rs` only calls [`cli::run`].

pub mod app;
pub mod artifacts;
pub mod audit_log;
pub mod audit_verify;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod jobs;
pub mod matching;
pub mod model;
pub mod notify_email;
pub mod store;
pub mod workflows;
