//! `clearinghouse rematch`: starts a full re-match on the server
//! (`POST /api/v1/rematch-runs`), which every `serve` and `worker` process
//! shares, and follows it until it finishes, printing its counts.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::client::{ApiClient, Body, print_json};
use crate::config::RematchArgs;
use crate::matching::runs::RematchRun;

pub async fn run(args: RematchArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let started = Instant::now();
    let mut run: RematchRun = client
        .send(
            Method::POST,
            client.url(&["rematch-runs"], &[])?,
            Body::Json(json!({ "parts": args.parts })),
        )
        .await?
        .parse()?;
    if !args.json {
        eprintln!("re-match {} started: {} part(s)", run.id, run.parts);
    }
    let mut shown = -1;
    while run.finished_at.is_none() {
        if started.elapsed() > Duration::from_secs(args.timeout) {
            eprintln!(
                "re-match {} still running after {} s ({} of {} parts done; see /api/v1/rematch-runs/{})",
                run.id, args.timeout, run.parts_done, run.parts, run.id
            );
            return Ok(ExitCode::FAILURE);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        run = client
            .get(client.url(&["rematch-runs", &run.id], &[])?)
            .await?
            .parse()?;
        if !args.json && run.parts_done != shown {
            shown = run.parts_done;
            eprintln!("{} of {} parts done", run.parts_done, run.parts);
        }
    }
    if args.json {
        print_json(&serde_json::to_value(&run)?);
    } else if run.parts_failed > 0 {
        eprintln!(
            "re-match {} failed: {} of {} parts failed ({}); start another run",
            run.id,
            run.parts_failed,
            run.parts,
            run.error.as_deref().unwrap_or("no error recorded")
        );
    } else {
        println!(
            "re-match {} finished in {:.1} s: {} new, {} changed, {} resolved",
            run.id,
            started.elapsed().as_secs_f64(),
            run.new,
            run.changed,
            run.resolved
        );
    }
    Ok(if run.parts_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
