//! The command line: parses arguments and runs one role. Long-running
//! roles (`serve`, `worker`) and the admin verbs each have a module; the
//! client commands (`sbom`, `advisory`, `exposures`, `submit`, `model`, and
//! the `asset`, `token` and `org` verbs of `archive.rs`) share `client.rs`.

pub mod admin;
pub mod advisory;
pub mod archive;
#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "bench")]
pub mod bench_api;
#[cfg(feature = "bench")]
pub mod bench_broker;
#[cfg(feature = "bench")]
pub mod bench_campaigns;
#[cfg(feature = "bench")]
pub mod bench_directives;
#[cfg(feature = "bench")]
pub mod bench_eval;
#[cfg(feature = "bench")]
pub mod bench_findings;
#[cfg(feature = "bench")]
pub mod bench_matching;
#[cfg(feature = "bench")]
pub mod bench_publish;
pub mod campaign;
pub mod case;
pub mod client;
pub mod csaf;
pub mod cvss;
pub mod directive;
pub mod eval;
pub mod exposures;
pub mod file_kind;
pub mod inquiry;
pub mod model;
pub mod partner;
pub mod patch;
pub mod rematch;
pub mod sbom;
pub mod serve;
pub mod show;
pub mod submit;
pub mod suite;
pub mod tools;
pub mod verify;
pub mod verify_bundle;
pub mod window;
mod worker_processes;
#[cfg(feature = "bench")]
pub mod write_probe;

use std::process::ExitCode;

use clap::Parser;

use crate::config::{
    AdminCommand, AdvisoryCommand, AssetCommand, AuditCommand, Cli, Command, ModelCommand,
    OrgCommand, SbomCommand, TokenCommand,
};

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::serve(args).await,
            Command::Worker(args) => serve::worker(args).await,
            Command::Migrate(storage) => serve::migrate(storage).await,
            Command::Audit(AuditCommand::Verify(args)) => verify::run(args).await,
            Command::Audit(AuditCommand::VerifyBundle(args)) => verify_bundle::run(&args),
            Command::Campaign(command) => campaign::campaign(command).await,
            Command::Netasset(command) => campaign::netasset(command).await,
            Command::Grant(command) => campaign::grant(command).await,
            Command::ScanReport(args) => campaign::scan_report(args).await,
            #[cfg(feature = "bench")]
            Command::Bench(command) => bench::run(command).await,
            Command::Cvss(args) => cvss::run(args),
            Command::Sbom(SbomCommand::Upload(args)) => sbom::upload(args).await,
            Command::Advisory(AdvisoryCommand::Import(args)) => advisory::import(args).await,
            Command::Exposures(args) => exposures::run(args).await,
            Command::Rematch(args) => rematch::run(args).await,
            Command::Submit(args) => submit::run(args).await,
            Command::Model(ModelCommand::Register(args)) => model::register(*args).await,
            Command::Model(ModelCommand::List(args)) => model::list(args).await,
            Command::Model(ModelCommand::Show(args)) => model::show(args).await,
            Command::Model(ModelCommand::Dates(args)) => window::dates(args).await,
            Command::Model(ModelCommand::Release(args)) => window::release(args).await,
            Command::Model(ModelCommand::Withdraw(args)) => window::withdraw(args).await,
            Command::Window(command) => window::run(command).await,
            Command::Model(ModelCommand::Partner(command)) => partner::run(command).await,
            Command::Tools(command) => tools::run(command).await,
            Command::Suite(suite::SuiteCommand::Create(args)) => suite::create(args).await,
            Command::Suite(suite::SuiteCommand::LoadCybench(args)) => suite::load(args).await,
            Command::Suite(suite::SuiteCommand::Show(args)) => suite::show(args).await,
            Command::Suite(suite::SuiteCommand::List(args)) => suite::list(args).await,
            Command::Eval(eval::EvalCommand::Import(args)) => eval::import(args).await,
            Command::Directive(directive::DirectiveCommand::Issue(args)) => {
                directive::issue(args).await
            }
            Command::Directive(directive::DirectiveCommand::Amend(args)) => {
                directive::amend(args).await
            }
            Command::Directive(directive::DirectiveCommand::List(args)) => {
                directive::list(args).await
            }
            Command::Directive(directive::DirectiveCommand::Show(args)) => {
                directive::show(args).await
            }
            Command::Directive(directive::DirectiveCommand::Report(args)) => {
                directive::report(args).await
            }
            Command::Compliance(args) => directive::compliance(args).await,
            Command::Inquiry(command) => inquiry::run(command).await,
            Command::Case(command) => case::run(command).await,
            Command::Vex(command) => case::vex(command).await,
            Command::Csaf(command) => csaf::run(command).await,
            Command::Patch(command) => patch::run(command).await,
            Command::Admin(AdminCommand::AddPlatformAdmin(args)) => {
                admin::add_platform_admin(args).await
            }
            Command::Asset(AssetCommand::Archive(args)) => archive::asset(args, true).await,
            Command::Asset(AssetCommand::Unarchive(args)) => archive::asset(args, false).await,
            Command::Token(TokenCommand::Revoke(args)) => archive::token_revoke(args).await,
            Command::Org(OrgCommand::Archive(args)) => archive::org(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CLEARINGHOUSE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colour codes only for a person at a terminal, never in a log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}
