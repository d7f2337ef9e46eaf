//! `clearinghouse directive` and `clearinghouse compliance` against a real
//! server: a manager issues from a file (a second approves over the API),
//! an agency reads it by number and reports, a report missing a field
//! fails naming it, and compliance prints the figures (text and JSON).

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives::{cast, draft};
use crate::harness::{TestApp, temp_dir};

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) async fn cli(app: &TestApp, token: &str, args: &[&str]) -> Run {
    let server = app.url("");
    let token = token.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
            .args(&args)
            .env("CLEARINGHOUSE_SERVER", server)
            .env("CLEARINGHOUSE_TOKEN", token)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

async fn directive_cli(app: TestApp) {
    let c = cast(&app).await;
    let dir = temp_dir();
    let file = dir.join("bod-26-05.json");
    std::fs::write(&file, serde_json::to_vec(&draft()).unwrap()).unwrap();
    let file = file.to_string_lossy().into_owned();

    let r = cli(&app, &c.a, &["directive", "issue", &file]).await;
    assert_eq!(r.code, 1, "a non-manager is refused: {}", r.stdout);
    assert!(
        r.stderr.contains("403") || r.stderr.contains("roles"),
        "{}",
        r.stderr
    );
    let r = cli(&app, &c.m1, &["directive", "issue", &file]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let approval = r
        .stdout
        .split("approval ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_owned();
    let (s, v) = app
        .post(
            &c.m2,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let r = cli(&app, &c.a, &["directive", "show", "BOD 26-05"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("issued (in force: version 1"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("action kev (remediate): rule `kev`"),
        "{}",
        r.stdout
    );
    let r = cli(
        &app,
        &c.a,
        &[
            "directive",
            "report",
            "BOD 26-05",
            "--action",
            "inventory",
            "--field",
            "notes=x",
        ],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("fields.asset_count"), "{}", r.stderr);
    let r = cli(
        &app,
        &c.a,
        &[
            "directive",
            "report",
            "BOD 26-05",
            "--action",
            "inventory",
            "--field",
            "asset_count=1042",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("submitted inventory for period 2026-02-01"),
        "{}",
        r.stdout
    );

    let r = cli(&app, &c.m1, &["compliance", "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["number"], "BOD 26-05");
    let r = cli(&app, &c.a, &["compliance"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("BOD 26-05 (version 1"), "{}", r.stdout);
    let r = cli(&app, &c.m1, &["directive", "list"]).await;
    assert!(r.stdout.contains("BOD 26-05\tissued"), "{}", r.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

both_backends!(directive_cli, directive_cli);
