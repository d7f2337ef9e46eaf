//! Reading one spooled Inspect log for an import, on a blocking thread: the
//! domain reader (`clearinghouse_domain::frontier::inspect`) streams the
//! file sample by sample; each sample is tallied against the suite (an id
//! that is neither a suite task nor mapped refuses the log) and kept as a
//! small row (ids, outcome, raw score values, error, tokens; never its
//! transcript), then the run is scored with the clustered bootstrap.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use clearinghouse_domain::frontier::inspect::{
    LogFormat, LogSummary, Outcome, Sample, read_eval_log, read_json_log,
};
use clearinghouse_domain::frontier::scoring::{
    RunScore, ScoringError, ScoringOptions, Tally, inspect_metrics, score,
};
use clearinghouse_domain::frontier::suite::Suite;
use serde_json::json;

use crate::store::frontier::runs::SampleRow;

/// Why a log was refused: the field it concerns and the reason.
#[derive(Debug)]
pub struct Refusal {
    pub field: &'static str,
    pub reason: String,
}

/// What a log gave.
pub struct Parsed {
    pub summary: LogSummary,
    pub scorer: Option<String>,
    pub samples: Vec<SampleRow>,
    /// None when the log holds no samples to score (`log_samples=False`).
    pub score: Option<RunScore>,
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Partial => "partial",
        Outcome::Unscored => "unscored",
    }
}

/// The scorer scored: the one asked for, else the first Inspect reported,
/// else the first declared, else the first a sample carries.
fn pick_scorer(
    asked: Option<&str>,
    summary: &LogSummary,
    first: Option<&Sample>,
) -> Option<String> {
    if let Some(s) = asked {
        return Some(s.to_owned());
    }
    let h = &summary.header;
    h.results
        .as_ref()
        .and_then(|r| r.scores.first())
        .map(|s| {
            if s.scorer.is_empty() {
                s.name.clone()
            } else {
                s.scorer.clone()
            }
        })
        .or_else(|| {
            h.eval
                .scorers
                .as_ref()
                .and_then(|s| s.first())
                .map(|s| s.name.clone())
        })
        .or_else(|| {
            first
                .and_then(|s| s.scores.first())
                .map(|s| s.scorer.clone())
        })
}

fn unknown(suite: &Suite, sample_id: &str) -> Refusal {
    Refusal {
        field: "file",
        reason: format!(
            "sample {sample_id:?} is not a task of suite {:?} version {} and is not mapped to one (map it with map=SAMPLE=SUITE_TASK)",
            suite.id, suite.version.number
        ),
    }
}

/// Reads, tallies and scores the log at `path`.
pub fn parse(
    path: &Path,
    suite: &Suite,
    mapping: &BTreeMap<String, String>,
    scorer: Option<&str>,
    options: &ScoringOptions,
) -> Result<Parsed, Refusal> {
    let io = |e: std::io::Error| Refusal {
        field: "file",
        reason: format!("reading the spooled file: {e}"),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 4];
    let n = file.read(&mut head).map_err(io)?;
    let file = std::fs::File::open(path).map_err(io)?;
    let mut samples: Vec<Sample> = Vec::new();
    let mut keep = |s: Sample| samples.push(s);
    let summary = match LogFormat::detect(&head[..n]) {
        LogFormat::Eval => read_eval_log(BufReader::new(file), &mut keep),
        LogFormat::Json => read_json_log(BufReader::new(file), &mut keep),
    }
    .map_err(|e| Refusal {
        field: "file",
        reason: e.to_string(),
    })?;
    let scorer = pick_scorer(scorer, &summary, samples.first());
    let mut rows = Vec::with_capacity(samples.len());
    let mut tally = match &scorer {
        Some(s) => Some(Tally::new(suite, s, mapping.clone()).map_err(|e| Refusal {
            field: "map",
            reason: e.to_string(),
        })?),
        None => None,
    };
    for (seq, s) in samples.iter().enumerate() {
        let task = mapping.get(&s.id).unwrap_or(&s.id);
        if suite.task(task).is_none() {
            return Err(unknown(suite, &s.id));
        }
        if let Some(t) = tally.as_mut() {
            t.add(s).map_err(|e| match e {
                ScoringError::UnknownTask { sample_id } => unknown(suite, &sample_id),
                other => Refusal {
                    field: "file",
                    reason: other.to_string(),
                },
            })?;
        }
        let outcome = if s.error.is_some() {
            "errored"
        } else {
            scorer
                .as_deref()
                .and_then(|name| s.scores.iter().find(|x| x.scorer == name))
                .map_or("unscored", |x| outcome_text(x.value.outcome))
        };
        let scores: Vec<_> = s
            .scores
            .iter()
            .map(|x| json!({"scorer": x.scorer, "value": x.value.raw}))
            .collect();
        rows.push(SampleRow {
            seq: seq as i64 + 1,
            sample_id: s.id.clone(),
            task_id: task.clone(),
            epoch: i64::from(s.epoch),
            outcome: outcome.to_owned(),
            scores: serde_json::Value::Array(scores).to_string(),
            error: s.error.clone(),
            total_tokens: s
                .model_usage
                .values()
                .map(|u| u.total_tokens)
                .sum::<u64>()
                .min(i64::MAX as u64) as i64,
        });
    }
    drop(samples);
    let score = match (&tally, rows.is_empty()) {
        (Some(t), false) => {
            let inspect = inspect_metrics(&summary.header, t.scorer());
            Some(score(suite, t, options, inspect).map_err(|e| Refusal {
                field: "scoring",
                reason: e.to_string(),
            })?)
        }
        _ => None,
    };
    Ok(Parsed {
        summary,
        scorer,
        samples: rows,
        score,
    })
}
