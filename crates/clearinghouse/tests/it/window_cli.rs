//! `clearinghouse window` and `clearinghouse model dates|release|withdraw`
//! against a real server, on both backends: the developer sets its dates,
//! opens a window from a terms file, grants a government analyst, reads the
//! (empty) usage, revokes, and releases; a window over 30 days and a
//! government user moving the dates exit non-zero with the server's reason.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::directives_cli::cli;
use crate::frontier_inquiries::{Observer, lifecycle, world};
use crate::harness::{TestApp, temp_dir};

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

fn at(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("JSON output")
}

async fn window_cli(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let (_, coord) = app
        .user(&w.a.org, "cli-coordinator", &["coordinator"])
        .await;
    let (analyst_id, _) = app.user(&w.a.org, "cli-analyst", &["member"]).await;
    let partner = (OffsetDateTime::now_utc() + time::Duration::days(40))
        .date()
        .to_string();

    let r = cli(
        &app,
        &coord,
        &["model", "dates", &w.model, "--partner", &partner],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("developer"), "{}", r.stderr);
    let r = cli(
        &app,
        &w.dev,
        &["model", "dates", &w.model, "--partner", &partner, "--json"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r.stdout)["planned_partner_release"], partner.as_str());

    let terms = temp_dir().join("terms.txt");
    std::fs::write(&terms, "Confidential; defensive use only.").unwrap();
    let terms = terms.to_str().unwrap().to_owned();
    let open = |end: String| {
        vec![
            "window".to_owned(),
            "open".into(),
            w.model.clone(),
            "--starts-at".into(),
            at(0),
            "--ends-at".into(),
            end,
            "--terms-file".into(),
            terms.clone(),
            "--endpoint-url".into(),
            "http://127.0.0.1:9/v1".into(),
            "--endpoint-secret".into(),
            "s3cret".into(),
            "--json".into(),
        ]
    };
    let args = open(at(31));
    let r = cli(
        &app,
        &w.dev,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("ends_at"), "{}", r.stderr);
    let args = open(at(10));
    let r = cli(
        &app,
        &w.dev,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let win = json(&r.stdout);
    assert!(!r.stdout.contains("s3cret"));
    let wid = win["id"].as_str().unwrap().to_owned();

    let r = cli(
        &app,
        &w.dev,
        &[
            "window",
            "grant",
            &wid,
            "--user",
            &analyst_id,
            "--requests-per-day",
            "5",
            "--tokens-per-day",
            "1000",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g = json(&r.stdout);
    assert_eq!(g["user_id"], analyst_id.as_str());
    let gid = g["id"].as_str().unwrap().to_owned();
    let r = cli(&app, &w.dev, &["window", "usage", &wid, "--json"]).await;
    assert_eq!(
        (r.code, json(&r.stdout)),
        (0, serde_json::json!([])),
        "{}",
        r.stderr
    );
    let r = cli(
        &app,
        &coord,
        &["window", "revoke", &gid, "--reason", "rotation", "--json"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r.stdout)["status"], "revoked");
    let r = cli(&app, &w.dev, &["model", "release", &w.model]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("released:"), "{}", r.stdout);
    let r = cli(
        &app,
        &w.dev,
        &[
            "window",
            "grant",
            &wid,
            "--user",
            &analyst_id,
            "--requests-per-day",
            "5",
            "--tokens-per-day",
            "1000",
        ],
    )
    .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("closed"), "{}", r.stderr);
}

both_backends!(window_cli, window_cli);
