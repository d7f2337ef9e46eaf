//! `clearinghouse inquiry` against a real server, on both backends: the
//! developer opens an inquiry by model id (`--json` prints the inquiry),
//! an evaluator shows it (text and `--json`), and refused steps exit
//! non-zero with the server's reason: a decision before the consultations
//! end (naming `consultations`), a developer deciding, an unknown model.

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives_cli::cli;
use crate::frontier_inquiries::{ok, world};
use crate::harness::TestApp;

async fn inquiry_cli(app: TestApp) {
    let w = world(&app).await;

    let r = cli(&app, &w.dev, &["inquiry", "open", &w.model, "--json"]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let q: Value = serde_json::from_str(&r.stdout).expect("JSON inquiry");
    assert_eq!(
        (q["model_id"].as_str(), q["state"].as_str()),
        (Some(w.model.as_str()), Some("submitted")),
        "{q}"
    );
    let id = q["id"].as_str().expect("id").to_owned();
    let base = format!("/api/v1/inquiries/{id}");
    ok(
        &app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    ok(
        &app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;

    let r = cli(&app, &w.eval, &["inquiry", "show", &id, "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON inquiry");
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["state"], "consulting");
    assert_eq!(v["run_ids"], json!([w.run]));
    assert_eq!(
        v["outstanding_consultations"].as_array().map(Vec::len),
        Some(4),
        "{v}"
    );
    let r = cli(&app, &w.eval, &["inquiry", "show", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("consulting"), "{}", r.stdout);

    // Refusals exit non-zero with the server's reason; nothing changes.
    let r = cli(
        &app,
        &w.a.authority,
        &["inquiry", "decide", &id, "--determination", "covered"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("consultations"), "{}", r.stderr);
    let r = cli(
        &app,
        &w.dev,
        &["inquiry", "decide", &id, "--determination", "covered"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("403"), "{}", r.stderr);
    let r = cli(
        &app,
        &w.dev,
        &["inquiry", "open", "01a24a69-0000-7000-8000-000000000000"],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
    let r = cli(&app, &w.eval, &["inquiry", "show", &id, "--json"]).await;
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON inquiry");
    assert_eq!(v["state"], "consulting");
    assert!(v.get("proposal").is_none_or(Value::is_null), "{v}");
}
both_backends!(inquiry_cli, inquiry_cli);
