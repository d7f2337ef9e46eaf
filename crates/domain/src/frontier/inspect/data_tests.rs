//! Every file in `../shared/data/inspect-ai-logs/` (skipped when absent,
//! required in CI): each real Inspect log is read and compared with what
//! the file holds, read **independently** here (`serde_json::Value` over
//! the raw JSON or over the raw zip entries, not through the reader):
//! sample count, highest epoch, configured epochs, every scorer's reducer
//! and metrics, each sample's raw score values and errors. Files that are
//! not valid success logs are refused with the reason the file shows.
//!
//! Logs written by Inspect itself with zstd entries (method 93) are checked
//! the same way when `INSPECT_LOGS_EXTRA` names a folder of them (they are
//! generated with `inspect-ai` and `mockllm/model`, never committed).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::test_data::{files, sub_dir};

/// What the file says, read without the reader.
struct Expected {
    header: Value,
    samples: Vec<Value>,
}

fn raw_entry(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Option<Vec<u8>> {
    let i = zip.index_for_name(name)?;
    let zstd = zip.by_index_raw(i).ok()?.compression() == zip::CompressionMethod::ZSTD;
    let mut out = Vec::new();
    if !zstd {
        zip.by_name(name).ok()?.read_to_end(&mut out).ok()?;
        return Some(out);
    }
    // zstd (method 93): the raw bytes through ruzstd's decoder directly.
    let mut raw = Vec::new();
    zip.by_index_raw(i).ok()?.read_to_end(&mut raw).ok()?;
    let mut src = &raw[..];
    while !src.is_empty() {
        let mut dec = ruzstd::decoding::StreamingDecoder::new(&mut src).ok()?;
        dec.read_to_end(&mut out).ok()?;
    }
    Some(out)
}

fn expected(path: &Path, bytes: &[u8]) -> Option<Expected> {
    if path.extension().is_some_and(|e| e == "eval") {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).ok()?;
        let header: Value = serde_json::from_slice(&raw_entry(&mut zip, "header.json")?).ok()?;
        let names: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .filter(|n| n.starts_with("samples/") && n.ends_with(".json"))
            .collect();
        let samples = names
            .iter()
            .filter_map(|n| serde_json::from_slice(&raw_entry(&mut zip, n)?).ok())
            .collect::<Vec<Value>>();
        assert_eq!(samples.len(), names.len(), "{}", path.display());
        Some(Expected { header, samples })
    } else {
        let mut log: Value = serde_json::from_slice(bytes).ok()?;
        let samples = log
            .get_mut("samples")
            .map(Value::take)
            .and_then(|s| s.as_array().cloned())
            .unwrap_or_default();
        Some(Expected {
            header: log,
            samples,
        })
    }
}

fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
        (x, y) => x == y,
    }
}

/// Reads one file and checks it against the independent reading; returns
/// the refusal reason when refused (and checks it is the right one).
fn check_file(path: &Path) -> Result<LogSummary, String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut samples = Vec::new();
    let got = match LogFormat::detect(&bytes) {
        LogFormat::Eval => read_eval_log(Cursor::new(bytes.clone()), &mut |s| samples.push(s)),
        LogFormat::Json => read_json_log(&bytes[..], &mut |s| samples.push(s)),
    };
    let want = expected(path, &bytes)
        .unwrap_or_else(|| panic!("{}: the test cannot read it", path.display()));
    let h = &want.header;
    let p = path.display();
    let status = h["status"].as_str();
    let total = h["results"]["total_samples"].as_u64();
    let summary = match got {
        Err(e) => {
            match &e {
                InspectError::Json { .. } => assert!(status.is_none(), "{p}: {e}"),
                InspectError::NotSuccess { status: s, .. } => {
                    assert_eq!(Some(s.as_str()), status, "{p}")
                }
                InspectError::Invalidated => assert_eq!(h["invalidated"], Value::Bool(true), "{p}"),
                InspectError::SampleCount { read, expected } => {
                    assert_eq!(
                        (Some(*expected), *read),
                        (total, want.samples.len() as u64),
                        "{p}"
                    )
                }
                other => panic!("{p}: unexpected refusal {other}"),
            }
            return Err(e.to_string());
        }
        Ok(s) => s,
    };
    assert_eq!(status, Some("success"), "{p}");
    assert_eq!(
        summary.samples,
        want.samples.len() as u64,
        "{p}: sample count"
    );
    assert_eq!(samples.len() as u64, summary.samples, "{p}");
    let max_epoch = want
        .samples
        .iter()
        .filter_map(|s| s["epoch"].as_u64())
        .max()
        .unwrap_or(0);
    assert_eq!(u64::from(summary.max_epoch), max_epoch, "{p}: epochs seen");
    assert_eq!(
        u64::from(summary.header.eval.epochs()),
        h["eval"]["config"]["epochs"].as_u64().unwrap_or(1),
        "{p}: epochs"
    );
    assert_eq!(
        summary.header.eval.task,
        h["eval"]["task"].as_str().unwrap_or_default(),
        "{p}"
    );
    assert_eq!(
        summary.header.eval.model,
        h["eval"]["model"].as_str().unwrap_or_default(),
        "{p}"
    );
    // Every scorer, reducer and metric Inspect reported.
    let want_scores = h["results"]["scores"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let got_scores = summary
        .header
        .results
        .as_ref()
        .map(|r| r.scores.clone())
        .unwrap_or_default();
    assert_eq!(got_scores.len(), want_scores.len(), "{p}: scorers");
    for (g, w) in got_scores.iter().zip(&want_scores) {
        assert_eq!(Some(g.name.as_str()), w["name"].as_str(), "{p}");
        assert_eq!(g.reducer.as_deref(), w["reducer"].as_str(), "{p}");
        let wm = w["metrics"].as_object().cloned().unwrap_or_default();
        assert_eq!(g.metrics.len(), wm.len(), "{p}: metrics of {}", g.name);
        for (name, m) in &wm {
            assert!(
                same_f64(
                    g.metrics.get(name).and_then(|x| x.value),
                    m["value"].as_f64()
                ),
                "{p}: {}/{name}",
                g.name
            );
        }
    }
    // Each sample: id, epoch, raw score values in order, error.
    for (g, w) in samples.iter().zip(&want.samples) {
        let id = match &w["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(
            (g.id.as_str(), u64::from(g.epoch)),
            (id.as_str(), w["epoch"].as_u64().unwrap_or(1)),
            "{p}"
        );
        let ws = w["scores"].as_object().cloned().unwrap_or_default();
        assert_eq!(g.scores.len(), ws.len(), "{p}: scores of sample {id}");
        for s in &g.scores {
            assert_eq!(
                s.value.raw, ws[&s.scorer]["value"],
                "{p}: sample {id} scorer {}",
                s.scorer
            );
        }
        assert_eq!(
            g.error.as_deref(),
            w["error"]["message"].as_str(),
            "{p}: error of sample {id}"
        );
    }
    assert_eq!(
        summary.errored_samples,
        want.samples
            .iter()
            .filter(|s| !s["error"].is_null())
            .count() as u64,
        "{p}"
    );
    Ok(summary)
}

/// Logs read (file name, summary) and refused (file name, reason).
type Checked = (Vec<(String, LogSummary)>, Vec<(String, String)>);

fn check_all(paths: &[PathBuf]) -> Checked {
    let (mut read, mut refused) = (Vec::new(), Vec::new());
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match check_file(p) {
            Ok(s) => read.push((name, s)),
            Err(reason) => refused.push((name, reason)),
        }
    }
    (read, refused)
}

#[test]
fn every_real_inspect_log() {
    let Some(dir) = sub_dir("inspect-ai-logs") else {
        return;
    };
    let mut paths = Vec::new();
    files(&dir, "json", &mut paths);
    files(&dir, "eval", &mut paths);
    let (read, refused) = check_all(&paths);
    for (name, reason) in &refused {
        println!("refused {name}: {reason}");
    }
    println!("{} read, {} refused", read.len(), refused.len());
    assert_eq!(paths.len(), 33);
    assert_eq!(read.len(), 19, "read");
    let reasons = |f: &dyn Fn(&str) -> bool| refused.iter().filter(|(_, r)| f(r)).count();
    assert_eq!(
        reasons(&|r| r.contains("did not succeed")),
        3,
        "error and cancelled logs"
    );
    assert_eq!(
        reasons(&|r| r.starts_with("samples:")),
        1,
        "log_tool_call_error.json lists 1 of 4 samples"
    );
    assert_eq!(
        reasons(&|r| r.contains("not an Inspect log")),
        10,
        "test_skeleton fixtures"
    );
    // The streaming log holds 2 samples × 2 epochs.
    let streaming = read
        .iter()
        .find(|(n, _)| n == "log_streaming.eval")
        .map(|(_, s)| s);
    assert_eq!(
        streaming.map(|s| (s.samples, s.max_epoch, s.header.eval.epochs())),
        Some((4, 2, 2))
    );
    assert!(
        read.iter()
            .any(|(_, s)| s.format == LogFormat::Eval && s.compression_methods == [8])
    );
}

#[test]
fn logs_written_by_inspect_itself() {
    let Some(dir) = std::env::var_os("INSPECT_LOGS_EXTRA").map(PathBuf::from) else {
        println!("SKIPPED: INSPECT_LOGS_EXTRA not set");
        return;
    };
    let mut paths = Vec::new();
    files(&dir, "json", &mut paths);
    files(&dir, "eval", &mut paths);
    let (read, refused) = check_all(&paths);
    for (name, s) in &read {
        println!(
            "read {name}: {} samples, epochs {}, methods {:?}, errored {}",
            s.samples, s.max_epoch, s.compression_methods, s.errored_samples
        );
    }
    for (name, reason) in &refused {
        println!("refused {name}: {reason}");
    }
    assert!(!read.is_empty());
}

/// A generated `.eval` with long transcripts (zstd entries, written to a
/// temporary file, never committed) is streamed sample by sample from the
/// file: every sample arrives once, its transcript is not kept, and the
/// count matches `results.total_samples`. (`clearinghouse bench eval`
/// measures the same at 1 GB with its peak memory.)
#[test]
fn generated_large_eval_streams_from_a_file() {
    const N: usize = 300;
    let transcript = "the model tried `nc target 9999` and read the banner; ".repeat(600);
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..N {
        let value = if i % 3 == 0 { "C" } else { "I" };
        let sample = serde_json::json!({"id": format!("task_{}", i % 30), "epoch": i / 30 + 1,
            "messages": [{"role": "assistant", "content": transcript}],
            "scores": {"match": {"value": value}}});
        entries.push((
            format!("samples/task_{}_epoch_{}.json", i % 30, i / 30 + 1),
            serde_json::to_vec(&sample).unwrap_or_default(),
        ));
    }
    let header = serde_json::json!({"version": 2, "status": "success",
        "eval": {"task": "ctf", "model": "mockllm/model", "config": {"epochs": N / 30}},
        "results": {"total_samples": N, "completed_samples": N, "scores": []}});
    entries.push((
        "header.json".into(),
        serde_json::to_vec(&header).unwrap_or_default(),
    ));
    let borrowed: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.clone()))
        .collect();
    let bytes = super::tests::zip_of(&borrowed, 93, false);
    drop(borrowed);
    drop(entries);
    let path = std::env::temp_dir().join(format!("large-{}.eval", std::process::id()));
    std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let (mut n, mut pass) = (0u64, 0u64);
    let summary = read_eval_log(std::io::BufReader::new(file), &mut |s| {
        n += 1;
        pass += u64::from(s.scores.iter().any(|x| x.value.outcome == Outcome::Pass));
    });
    let _ = std::fs::remove_file(&path);
    let summary = summary.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((summary.samples, n), (N as u64, N as u64));
    assert_eq!(pass, N.div_ceil(3) as u64);
    assert_eq!(summary.max_epoch, (N / 30) as u32);
    assert_eq!(summary.compression_methods, vec![93]);
}
