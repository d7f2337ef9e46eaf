//! `bench findings` at a small size on each backend: the generated SARIF
//! file goes through the real HTTP intake and the submission's counts equal
//! the generator's exact numbers (the command fails otherwise), then the
//! floor and the parse-only reference run. Needs `../shared/data`
//! (skipped with a `SKIPPED:` line when absent, a failure with `CI=true`).

use clearinghouse::cli::bench_findings::{BenchBackend, BenchFindingsArgs, findings};

use crate::exposure_realdata::{DATA, sub_dir};

fn args(backend: BenchBackend) -> BenchFindingsArgs {
    BenchFindingsArgs {
        // Three chunks of a batch each, so duplicates of the first are found in the database.
        findings: 3000,
        backend,
        postgres: std::env::var("CLEARINGHOUSE_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        target: "repo:https://github.com/example/monorepo@9fceb02".into(),
        data: DATA.into(),
        keep: false,
        workers: 1,
        // Three chunks: the split path, committed by this one worker.
        chunk_findings: Some(1000),
        batch_findings: clearinghouse::app::DEFAULT_BATCH_FINDINGS,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_findings_small_run_sqlite() {
    if sub_dir("sarif-sdk-testdata").is_none() {
        return;
    }
    let code = findings(args(BenchBackend::Sqlite)).await.unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_findings_small_run_postgres() {
    if sub_dir("sarif-sdk-testdata").is_none() {
        return;
    }
    // Skips (outside CI) when PostgreSQL does not answer.
    if crate::harness::fresh_pg_database().await.is_none() {
        return;
    }
    let code = findings(args(BenchBackend::Postgres)).await.unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}
