//! `clearinghouse submit` end to end: the real binary against a real
//! `serve` process (whose worker processes the submissions): JSON counts,
//! a second submission of the same findings is all duplicates, a replay of
//! the same file is the same submission, rejected items are listed with
//! their positions, and usage errors (exit 2) and refused files (exit 1)
//! say why. Both backends. `cli` is shared with `findings_crash.rs` and `cli_e2e.rs`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::findings::reporter;
use crate::findings_crash::Serve;
use crate::harness::{TestApp, temp_dir};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
}

/// Runs the binary with these arguments and no `CLEARINGHOUSE_*` settings
/// from the environment.
pub async fn cli(args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
        cmd.args(&args);
        for (key, _) in std::env::vars() {
            if key.starts_with("CLEARINGHOUSE_") {
                cmd.env_remove(key);
            }
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn result(path: &str, line: u32, snippet: &str) -> Value {
    json!({
        "ruleId": "PY-SHELL",
        "level": "error",
        "message": {"text": format!("User input reaches a shell in {path}")},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {"startLine": line, "snippet": {"text": snippet}}
        }}]
    })
}

/// A SARIF log naming only file paths (no target), as many scanners write.
fn sarif(results: Vec<Value>) -> Vec<u8> {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "demo-scanner", "rules": [{
                "id": "PY-SHELL",
                "shortDescription": {"text": "Shell command built from input"},
                "properties": {"tags": ["security", "external/cwe/cwe-78"]}
            }]}},
            "results": results
        }]
    });
    serde_json::to_vec_pretty(&log).unwrap()
}

fn counts(received: u64, new: u64, duplicates: u64, rejected: u64) -> Value {
    json!({"received": received, "new": new, "duplicates": duplicates, "rejected": rejected})
}

async fn submit_through_the_binary(app: TestApp) {
    let (_, token) = reporter(&app, "scannerlab").await;
    let sweep = crate::findings::paramiko_campaign(&app, &token).await;
    let server = Serve::start(&app).await;
    let work = temp_dir();
    let write = |name: &str, bytes: &[u8]| {
        let path = work.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    // Four results, the last the same finding as the first.
    let scan = write(
        "scan.sarif",
        &sarif(vec![
            result("paramiko/client.py", 10, "os.system(cmd)"),
            result("paramiko/client.py", 20, "subprocess.call(cmd, shell=True)"),
            result("paramiko/transport.py", 5, "os.popen(cmd)"),
            result("./paramiko/client.py", 10, "  os.system(cmd)\n"),
        ]),
    );
    let base = ["submit", "--server", &server.base, "--token", &token];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    let run_with = |extra: &[&str]| {
        let args = with(extra);
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            cli(&refs).await
        }
    };
    let target = "pkg:pypi/paramiko@2.4.0";

    let run = run_with(&[
        "--target",
        target,
        "--campaign",
        sweep.as_str(),
        "--json",
        &scan,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let first = &out["submissions"][0];
    assert_eq!(first["state"], "done", "{out}");
    assert_eq!(first["format"], "sarif", "{out}");
    assert_eq!(first["file_name"], "scan.sarif", "{out}");
    assert_eq!(first["default_target"], target, "{out}");
    assert_eq!(first["campaign"], sweep.as_str(), "{out}");
    assert_eq!(first["counts"], counts(4, 3, 1, 0), "{out}");
    assert_eq!(out["total"], counts(4, 3, 1, 0), "{out}");
    assert_eq!(out["failures"], json!([]), "{out}");
    let first_id = first["id"].as_str().unwrap().to_owned();

    // The same file for the same target and campaign: the server answers
    // with the same submission.
    let run = run_with(&["--target", target, "--campaign", sweep.as_str(), &scan]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let first_created = first["created_at"].as_str().unwrap();
    assert_eq!(
        run.stdout.trim(),
        format!("{scan}: already submitted on {first_created} as {first_id}: nothing new")
    );
    let run = run_with(&[
        "--target",
        target,
        "--campaign",
        sweep.as_str(),
        "--json",
        &scan,
    ])
    .await;
    let out = run.json();
    assert_eq!(out["submissions"][0]["replayed"], true, "{out}");
    assert_eq!(out["total"], counts(0, 0, 0, 0), "{out}");

    // Submitted anew (another key): every item is a duplicate.
    let run = run_with(&[
        "--target",
        target,
        "--idempotency-key",
        "again",
        "--json",
        &scan,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let second = &out["submissions"][0];
    assert_ne!(second["id"], first_id.as_str(), "{out}");
    assert_eq!(second["idempotency_key"], "again", "{out}");
    assert_eq!(second["counts"], counts(4, 0, 4, 0), "{out}");

    // Rejected items are counted and listed with their positions, exit 0;
    // the scan outside the campaign is a new submission of duplicates.
    let mixed = write(
        "mixed.sarif",
        &sarif(vec![result("paramiko/sftp.py", 7, "eval(data)"), json!(42)]),
    );
    let run = run_with(&["--target", target, &mixed, &scan]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "{mixed}: sarif, 2 received: 1 new, 0 duplicates, 1 rejected"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("total (2 files): 6 received: 1 new, 4 duplicates, 1 rejected"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains(&format!("{mixed}: rejected runs[0].results[1]: ")),
        "{}",
        run.stderr
    );

    // Every item rejected (results name only paths, and no --target):
    // nothing was accepted, so exit 1 and say what to pass.
    let paths_only = write(
        "paths-only.sarif",
        &sarif(vec![
            result("src/a.py", 1, "eval(x)"),
            result("src/b.py", 2, "exec(y)"),
        ]),
    );
    let run = run_with(&[&paths_only]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("nothing accepted") && run.stderr.contains("--target"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("2 received: 0 new, 0 duplicates, 2 rejected"),
        "{}",
        run.stdout
    );

    let (_, before) = app.get(&token, "/api/v1/submissions").await;
    let before = before["items"].as_array().unwrap().len();

    // Usage errors: exit 2, nothing sent.
    let run = run_with(&["--target", "paramiko", &scan]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("--target") && run.stderr.contains("pkg:"),
        "{}",
        run.stderr
    );
    let missing = work.join("missing.sarif").display().to_string();
    let run = run_with(&[&missing]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.sarif"), "{}", run.stderr);
    let run = run_with(&["--tlp", "purple", &scan]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    // Not a findings file: the server's problem, exit 1.
    let notes = write("notes.txt", b"just some notes, not findings\n");
    let run = run_with(&["--target", target, &notes]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("notes.txt") && run.stderr.contains("422"),
        "{}",
        run.stderr
    );
    let run = run_with(&["--target", target, "--json", &notes]).await;
    assert_eq!(run.code, 1);
    let out = run.json();
    assert_eq!(out["failures"][0]["error"]["status"], 422, "{out}");
    assert_eq!(out["submissions"], json!([]), "{out}");

    let (_, after) = app.get(&token, "/api/v1/submissions").await;
    assert_eq!(after["items"].as_array().unwrap().len(), before, "{after}");
    let _ = std::fs::remove_dir_all(&work);
}

both_backends!(submit_through_the_binary, submit_through_the_binary);
