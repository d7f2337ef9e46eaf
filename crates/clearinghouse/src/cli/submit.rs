//! `clearinghouse submit`: streams files of scanner findings to
//! `POST /api/v1/submissions` (a byte progress bar per file, never the
//! whole file in memory), polls each submission until the server's job has
//! processed it, and prints per file and in total how many items were
//! received, new, duplicates and rejected (with the first rejections'
//! positions and reasons). A file the server already had (same key, or
//! same bytes, target and campaign) is reported as such, not as new counts.
//! Exit codes: 0 when every file was processed (some rejected items
//! allowed), 1 when a file was refused or failed or none of its items was
//! accepted, 2 for usage errors found before anything is sent.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clearinghouse_domain::findings::Target;
use clearinghouse_domain::labels::{Tlp, Visibility};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::client::{ApiClient, Body, ClientError, Id, eprint_failure, print_json};
use super::file_kind::{self, FileKind};
use crate::config::SubmitArgs;

/// Exit code of a usage error (clap's too).
const USAGE: u8 = 2;
/// Bytes read from disk and sent per chunk.
const CHUNK: usize = 256 * 1024;
/// First and longest pause between two polls of a submission.
const POLL_FIRST: Duration = Duration::from_millis(200);
const POLL_MAX: Duration = Duration::from_secs(2);
/// Consecutive failed polls (no answer, 502/503/504) tolerated, such as
/// while the server restarts.
const POLL_RETRIES: u32 = 30;
/// Rejected items listed per file.
const REJECTED_SHOWN: usize = 5;

/// What a submission held so far, as the server counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    #[serde(default)]
    pub received: u64,
    #[serde(default)]
    pub new: u64,
    #[serde(default)]
    pub duplicates: u64,
    #[serde(default)]
    pub rejected: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.received += other.received;
        self.new += other.new;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} received: {} new, {} duplicates, {} rejected",
            self.received, self.new, self.duplicates, self.rejected
        )
    }
}

/// The fields of a submission this command reads.
#[derive(Debug, Clone, Deserialize)]
struct Submission {
    id: Id,
    state: String,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    counts: Counts,
    #[serde(default)]
    created_at: Option<String>,
}

impl Submission {
    fn finished(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed")
    }

    /// Processed to the end of the file (rejected items allowed).
    fn succeeded(&self) -> bool {
        self.state == "done" && self.error.is_none()
    }

    /// Items were sent, and every one was rejected.
    fn nothing_accepted(&self) -> bool {
        self.counts.rejected > 0 && self.counts.new + self.counts.duplicates == 0
    }
}

/// One rejected item as `/items` lists it.
#[derive(Debug, Clone, Deserialize)]
struct Rejection {
    position: String,
    #[serde(default)]
    message: Option<String>,
}

/// What became of one file.
struct FileRun {
    path: PathBuf,
    /// The answer was the earlier submission of the same file or key.
    replayed: bool,
    /// The latest submission JSON and its typed view, or why there is none.
    outcome: Result<(Value, Submission), ClientError>,
    rejected: Vec<Rejection>,
}

impl FileRun {
    fn failed(&self, waited: bool) -> bool {
        match &self.outcome {
            Err(_) => true,
            Ok((_, s)) => waited && (!s.succeeded() || s.nothing_accepted()),
        }
    }
}

pub async fn run(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    if let Err(message) = check_usage(&args) {
        eprintln!("error: {message}");
        return Ok(ExitCode::from(USAGE));
    }
    let client = match ApiClient::new(&args.server) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let show = !args.json && std::io::stderr().is_terminal();
    let mut runs = Vec::with_capacity(args.files.len());
    for (i, path) in args.files.iter().enumerate() {
        let key = idempotency_key(args.idempotency_key.as_deref(), i, args.files.len());
        let outcome = upload(&client, &args, path, key.as_deref(), show).await;
        let replayed = matches!(&outcome, Ok((_, _, true)));
        runs.push(FileRun {
            path: path.clone(),
            replayed,
            outcome: outcome.map(|(raw, s, _)| (raw, s)),
            rejected: Vec::new(),
        });
    }
    for run in &mut runs {
        if !args.no_wait
            && let Ok((raw, sub)) = &mut run.outcome
            && !sub.finished()
        {
            match wait(&client, &run.path, sub.id.to_string(), show).await {
                Ok((r, s)) => (*raw, *sub) = (r, s),
                Err(e) => run.outcome = Err(e),
            }
        }
        if !args.json
            && let Ok((_, sub)) = &run.outcome
            && sub.counts.rejected > 0
        {
            run.rejected = first_rejections(&client, &sub.id.to_string())
                .await
                .unwrap_or_default();
        }
        if !args.json {
            report(run, !args.no_wait);
        }
    }
    let mut total = Counts::default();
    // A replayed file adds nothing new: its counts are the first submission's.
    for run in runs.iter().filter(|r| !r.replayed) {
        if let Ok((_, s)) = &run.outcome {
            total.add(&s.counts);
        }
    }
    let failed = runs.iter().filter(|r| r.failed(!args.no_wait)).count();
    if args.json {
        print_json(&json_document(&runs, &total));
    } else if runs.len() > 1 {
        let mut line = format!("total ({} files): {total}", runs.len());
        if failed > 0 {
            line.push_str(&format!("; {failed} failed"));
        }
        println!("{line}");
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks what can be checked before sending anything: the target, TLP and
/// visibility parse, and every file is a readable regular file.
fn check_usage(args: &SubmitArgs) -> Result<(), String> {
    if let Some(t) = &args.target {
        Target::parse(t).map_err(|e| format!("--target: {e}"))?;
    }
    if let Some(t) = &args.tlp {
        // The server refuses TLP:RED: findings shared here go beyond their recipient.
        match t.parse::<Tlp>() {
            Ok(Tlp::Red) => {
                return Err(format!(
                    "--tlp {t:?}: TLP:RED findings cannot be shared with the clearinghouse; \
                     use AMBER+STRICT"
                ));
            }
            Ok(_) => {}
            Err(_) => {
                return Err(format!(
                    "--tlp {t:?}: expected CLEAR, GREEN, AMBER or AMBER+STRICT"
                ));
            }
        }
    }
    if let Some(v) = &args.visibility {
        Visibility::parse(v).map_err(|e| format!("--visibility {v:?}: {e}"))?;
    }
    if args
        .idempotency_key
        .as_deref()
        .is_some_and(|k| k.trim().is_empty())
    {
        return Err("--idempotency-key must not be empty".into());
    }
    for path in &args.files {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(format!("{}: not a file", path.display())),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
        let head =
            file_kind::head(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if file_kind::classify(&head) == FileKind::Sbom {
            return Err(format!(
                "{} is an SBOM, not findings: register it with `clearinghouse sbom upload --asset NAME {}`",
                path.display(),
                path.display()
            ));
        }
    }
    Ok(())
}

/// The key sent with file `index` of `count`: `KEY` alone, `KEY-1`, `KEY-2`,
/// ... when several files share one `--idempotency-key`.
fn idempotency_key(key: Option<&str>, index: usize, count: usize) -> Option<String> {
    let key = key?;
    Some(if count > 1 {
        format!("{key}-{}", index + 1)
    } else {
        key.to_owned()
    })
}

/// Streams one file to `POST /submissions`; returns the submission's JSON,
/// its typed view and whether it was a replay (200 rather than 202).
async fn upload(
    client: &ApiClient,
    args: &SubmitArgs,
    path: &Path,
    key: Option<&str>,
    show: bool,
) -> Result<(Value, Submission, bool), ClientError> {
    let local =
        |e: std::io::Error| ClientError::Local(format!("cannot read {}: {e}", path.display()));
    let file = tokio::fs::File::open(path).await.map_err(local)?;
    let len = file.metadata().await.map_err(local)?.len();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let url = client.url(
        &["submissions"],
        &[
            ("target", args.target.as_deref()),
            ("campaign", args.campaign.as_deref()),
            ("window", args.window.as_deref()),
            ("tlp", args.tlp.as_deref()),
            ("visibility", args.visibility.as_deref()),
            ("name", Some(&name)),
        ],
    )?;
    let bar = bytes_bar(len, show, &name);
    let counted = bar.clone();
    let stream = futures_util::stream::try_unfold(file, move |mut file| {
        let bar = counted.clone();
        async move {
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(None);
            }
            buf.truncate(n);
            bar.inc(n as u64);
            Ok(Some((buf, file)))
        }
    });
    let body = Body::Stream {
        body: reqwest::Body::wrap_stream(stream),
        len,
        content_type: "application/octet-stream",
    };
    let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
    let reply = client.send_with(Method::POST, url, body, &headers).await;
    bar.finish_and_clear();
    let reply = reply?;
    let submission = reply.parse()?;
    Ok((reply.body, submission, reply.status == 200))
}

/// Polls `GET /submissions/{id}` (200 ms doubling to 2 s) until it is done
/// or failed, riding out a server restart.
async fn wait(
    client: &ApiClient,
    path: &Path,
    id: String,
    show: bool,
) -> Result<(Value, Submission), ClientError> {
    let spinner = spinner(show, path);
    let url = client.url(&["submissions", &id], &[])?;
    let mut pause = POLL_FIRST;
    let mut misses = 0;
    let result = loop {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(POLL_MAX);
        let reply = match client.get(url.clone()).await {
            Ok(reply) => reply,
            Err(e) if transient(&e) && misses < POLL_RETRIES => {
                misses += 1;
                spinner.set_message(format!("{}: waiting for the server ({e})", path.display()));
                continue;
            }
            Err(e) => break Err(e),
        };
        misses = 0;
        let sub: Submission = match reply.parse() {
            Ok(s) => s,
            Err(e) => break Err(e),
        };
        spinner.set_message(format!(
            "{}: {} ({} items so far)",
            path.display(),
            sub.state,
            sub.counts.received
        ));
        if sub.finished() {
            break Ok((reply.body, sub));
        }
    };
    spinner.finish_and_clear();
    result
}

fn transient(e: &ClientError) -> bool {
    match e {
        ClientError::Transport { .. } => true,
        ClientError::Status { status, .. } => matches!(status, 502..=504),
        ClientError::Decode { .. } | ClientError::Local(_) => false,
    }
}

/// The first rejected items of a submission, for the summary.
async fn first_rejections(client: &ApiClient, id: &str) -> Result<Vec<Rejection>, ClientError> {
    let limit = REJECTED_SHOWN.to_string();
    let url = client.url(
        &["submissions", id, "items"],
        &[("outcome", Some("rejected")), ("limit", Some(&limit))],
    )?;
    #[derive(Deserialize)]
    struct Page {
        items: Vec<Rejection>,
    }
    let page: Page = client.get(url).await?.parse()?;
    Ok(page.items)
}

/// The per-file summary: counts on standard output, failures and
/// rejections on standard error.
fn report(run: &FileRun, waited: bool) {
    let path = run.path.display();
    let sub = match &run.outcome {
        Ok((_, sub)) => sub,
        Err(e) => return eprint_failure(&run.path, e),
    };
    if run.replayed {
        let when = sub.created_at.as_deref().unwrap_or("an earlier date");
        println!(
            "{path}: already submitted on {when} as {}: nothing new",
            sub.id
        );
        return;
    }
    if !waited && !sub.finished() {
        println!("{path}: submission {} {}", sub.id, sub.state);
        return;
    }
    let format = sub.format.as_deref().unwrap_or("unknown format");
    println!("{path}: {format}, {}", sub.counts);
    if let Some(error) = &sub.error {
        eprintln!(
            "{path}: error: submission {} {}: {error}",
            sub.id, sub.state
        );
    } else if sub.state != "done" {
        eprintln!("{path}: error: submission {} {}", sub.id, sub.state);
    }
    if waited && sub.nothing_accepted() {
        eprintln!(
            "{path}: error: nothing accepted: all {} items were rejected{}",
            sub.counts.rejected,
            rejection_hint(&run.rejected)
        );
    }
    for r in &run.rejected {
        let message = r.message.as_deref().unwrap_or("rejected");
        eprintln!("{path}: rejected {}: {message}", r.position);
    }
    let more = sub
        .counts
        .rejected
        .saturating_sub(run.rejected.len() as u64);
    if more > 0 {
        eprintln!(
            "{path}: ... {more} more rejected (GET /api/v1/submissions/{}/items?outcome=rejected)",
            sub.id
        );
    }
}

/// Why nothing was accepted, when the rejections say so in a way a flag fixes.
fn rejection_hint(rejected: &[Rejection]) -> &'static str {
    let no_target = rejected
        .iter()
        .any(|r| r.message.as_deref().is_some_and(|m| m.contains("target")));
    if no_target {
        " (no target: pass --target, e.g. --target pkg:pypi/name@version)"
    } else {
        ""
    }
}

/// `{"submissions": [...], "total": {...}, "failures": [...]}`: the
/// submissions as the server sent them (each with `"replayed"`: whether the
/// server already had it), and the files that got none.
fn json_document(runs: &[FileRun], total: &Counts) -> Value {
    let mut submissions = Vec::new();
    let mut failures = Vec::new();
    for run in runs {
        match &run.outcome {
            Ok((raw, _)) => {
                let mut raw = raw.clone();
                if let Some(fields) = raw.as_object_mut() {
                    fields.insert("replayed".into(), Value::Bool(run.replayed));
                }
                submissions.push(raw);
            }
            Err(e) => {
                failures.push(json!({"path": run.path.display().to_string(), "error": e.to_json()}))
            }
        }
    }
    json!({"submissions": submissions, "total": total, "failures": failures})
}

/// A byte bar for one upload; hidden for `--json` and when standard error
/// is not a terminal.
fn bytes_bar(len: u64, show: bool, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{bar:30.cyan/blue} {bytes}/{total_bytes} {binary_bytes_per_sec} {wide_msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(name.to_owned());
    bar
}

fn spinner(show: bool, path: &Path) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(format!("{}: queued", path.display()));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(state: &str, error: Option<&str>, counts: Counts) -> Submission {
        Submission {
            id: Id::Text("s1".into()),
            state: state.into(),
            format: Some("sarif".into()),
            error: error.map(str::to_owned),
            counts,
            created_at: None,
        }
    }

    #[test]
    fn several_files_get_numbered_keys() {
        assert_eq!(idempotency_key(None, 0, 3), None);
        assert_eq!(idempotency_key(Some("k"), 0, 1).as_deref(), Some("k"));
        assert_eq!(idempotency_key(Some("k"), 1, 3).as_deref(), Some("k-2"));
    }

    #[test]
    fn a_file_fails_when_refused_failed_or_cut_short() {
        let counts = Counts {
            received: 3,
            new: 1,
            duplicates: 1,
            rejected: 1,
        };
        let run = |outcome| FileRun {
            path: "f.sarif".into(),
            replayed: false,
            outcome,
            rejected: Vec::new(),
        };
        assert!(!run(Ok((Value::Null, sub("done", None, counts)))).failed(true));
        assert!(run(Ok((Value::Null, sub("failed", Some("x"), counts)))).failed(true));
        assert!(run(Ok((Value::Null, sub("done", Some("truncated"), counts)))).failed(true));
        assert!(!run(Ok((Value::Null, sub("queued", None, counts)))).failed(false));
        assert!(run(Err(ClientError::Local("x".into()))).failed(false));
        let all_rejected = Counts {
            received: 2,
            rejected: 2,
            ..Counts::default()
        };
        assert!(run(Ok((Value::Null, sub("done", None, all_rejected)))).failed(true));
        assert!(!run(Ok((Value::Null, sub("done", None, Counts::default())))).failed(true));
        assert_eq!(
            counts.to_string(),
            "3 received: 1 new, 1 duplicates, 1 rejected"
        );
        let mut total = counts;
        total.add(&counts);
        assert_eq!(total.received, 6);
    }

    #[test]
    fn usage_errors_name_the_flag() {
        let args = |target: &str, tlp: &str| SubmitArgs {
            server: crate::config::ServerArgs {
                server: "http://127.0.0.1:1".into(),
                token: "t".into(),
            },
            target: Some(target.into()),
            campaign: None,
            window: None,
            tlp: Some(tlp.into()),
            visibility: Some("CUI & (FRONTIER | PCII)".into()),
            idempotency_key: None,
            no_wait: false,
            json: false,
            files: vec![],
        };
        assert_eq!(
            check_usage(&args("pkg:pypi/paramiko@2.4.0", "amber")),
            Ok(())
        );
        assert_eq!(
            check_usage(&args("repo:https://example.org/x@abc", "TLP:AMBER+STRICT")),
            Ok(())
        );
        let e = check_usage(&args("pkg:pypi/paramiko", "TLP:RED")).unwrap_err();
        assert!(e.contains("AMBER+STRICT"), "{e}");
        let e = check_usage(&args("paramiko", "amber")).unwrap_err();
        assert!(e.starts_with("--target: ") && e.contains("pkg:"), "{e}");
        let e = check_usage(&args("pkg:pypi/paramiko", "purple")).unwrap_err();
        assert!(e.starts_with("--tlp"), "{e}");
        let mut missing = args("pkg:pypi/paramiko", "clear");
        missing.files = vec!["/nonexistent/findings.sarif".into()];
        let e = check_usage(&missing).unwrap_err();
        assert!(e.contains("/nonexistent/findings.sarif"), "{e}");
    }
}
