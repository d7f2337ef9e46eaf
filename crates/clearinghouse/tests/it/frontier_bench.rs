//! `clearinghouse bench eval` at a small size through the real binary: it
//! generates a `.eval`, reads it both ways and prints the rates, their
//! ratio, the peak RSS and the two bootstraps with their ratio.

use crate::submit_cli::cli;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_eval_reports_rates_memory_and_bootstraps() {
    let out = cli(&[
        "bench",
        "eval",
        "--samples",
        "300",
        "--transcript-bytes",
        "2048",
    ])
    .await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for want in [
        "log: 300 samples, 2048 transcript bytes each",
        "baseline (decompress + read entries):",
        "import (stream, tally, score):",
        "ratio import/baseline:",
        "peak RSS:",
        "bootstrap, 500 tasks x 20 epochs, 10,000 resamples: clustered",
    ] {
        assert!(out.stdout.contains(want), "{want}: {}", out.stdout);
    }
}
