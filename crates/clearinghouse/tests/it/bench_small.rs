//! Every `clearinghouse bench ...` command at a small size, through the
//! real binary, on SQLite and PostgreSQL: each seeds its data, checks its
//! own counts (a wrong answer exits non-zero) and prints its figures with
//! the baseline beside them. Only that the command works and says what it
//! measured is checked here, never how fast (no timing assertions): the
//! full-size figures are for the README and the issues' notes.

use crate::harness::fresh_pg_database;
use crate::submit_cli::{Run, cli};

/// The command on SQLite, then on a fresh PostgreSQL database (skipped
/// outside CI when no server answers), each required to succeed and to
/// print every line of `want`.
async fn both(args: &[&str], want: &[&str]) {
    let mut runs = vec![("sqlite", cli(args).await)];
    if let Some(url) = fresh_pg_database().await {
        let mut pg: Vec<&str> = args.to_vec();
        pg.extend(["--database-url", &url]);
        runs.push(("postgres", cli(&pg).await));
    }
    for (backend, out) in runs {
        check(backend, &out, want);
    }
}

fn check(backend: &str, out: &Run, want: &[&str]) {
    assert_eq!(out.code, 0, "{backend}: {}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("FAILED"), "{backend}: {}", out.stdout);
    for w in want {
        assert!(out.stdout.contains(w), "{backend}: {w}: {}", out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_publish_small() {
    both(
        &["bench", "publish", "--operators", "40"],
        &[
            "publish benchmark on",
            "publication: 40 exposures created",
            "baseline: 40 plain notifications enqueued",
            "ratio publication / baseline:",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_campaigns_small() {
    both(
        &[
            "bench",
            "campaigns",
            "--campaigns",
            "300",
            "--assets",
            "3000",
            "--operators",
            "30",
            "--researchers",
            "6",
            "--checks",
            "5",
            "--baseline-checks",
            "2",
        ],
        &[
            "campaigns benchmark on",
            "check one new campaign (authorization + overlaps): median",
            "linear-scan baseline: median",
            "answer one unauthorized-scan report (stored, audited): median",
            "machine load",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_directives_small() {
    both(
        &[
            "bench",
            "directives",
            "--orgs",
            "30",
            "--per-org",
            "10",
            "--vulns",
            "60",
            "--reads",
            "3",
        ],
        &[
            "directives benchmark on",
            "30 organisations x 10 = 300 components and 300 exposures",
            "recompute one remediate rule: 300 exposures read",
            "dashboard of the directive",
            "the directive's page (HTML,",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_broker_small() {
    both(
        &[
            "bench",
            "broker",
            "--requests",
            "40",
            "--concurrency",
            "2",
            "--rounds",
            "2",
        ],
        &[
            "direct:",
            "brokered:",
            "brokered throughput =",
            "usage rows committed:",
        ],
    )
    .await;
}

/// `bench api` drives the server from `wrk` (installed by `.ci/run`);
/// skipped with a printed line where it is not installed, outside CI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_api_small() {
    if std::process::Command::new("wrk")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but wrk is not installed"
        );
        println!("SKIPPED (wrk is not on the PATH)");
        return;
    }
    let out = cli(&[
        "bench",
        "api",
        "--orgs",
        "20",
        "--per-org",
        "10",
        "--findings",
        "300",
        "--seconds",
        "1",
        "--connections",
        "4",
    ])
    .await;
    check(
        "sqlite",
        &out,
        &[
            "api benchmark on",
            "20 organisations x 10 = 200 exposures, 300 findings",
            "GET /healthz (floor)",
            "GET /api/v1/exposures?limit=50 (operator)",
            "GET /api/v1/findings/{id} (coordinator)",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_matching_small() {
    bench_matching_small_with(&[], &[]).await;
}

/// The full match shared with a worker process (`matching::runs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_matching_small_two_processes() {
    bench_matching_small_with(
        &["--workers", "2"],
        &["full match shared by 2 processes in 4 parts"],
    )
    .await;
}

async fn bench_matching_small_with(extra_args: &[&str], extra_lines: &[&str]) {
    let Some(data) = crate::harness::real_data::sub_dir("bitnami-vulndb") else {
        return;
    };
    let data = data
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let mut args = vec![
        "bench",
        "matching",
        "--data",
        &data,
        "--collections",
        "bitnami-vulndb",
        "--operators",
        "12",
        "--components",
        "40",
        "--new-advisories",
        "4",
    ];
    args.extend_from_slice(extra_args);
    let mut lines = vec![
        "matching benchmark on",
        "setup: 12 operators x 40 components = 480 components",
        "full match: 480 components,",
        "of the floor",
        "new advisory to committed exposures (4 advisories,",
    ];
    lines.extend_from_slice(extra_lines);
    both(&args, &lines).await;
}
