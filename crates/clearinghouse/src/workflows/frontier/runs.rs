//! Evaluation runs (Sec. 3(a)): an evaluator imports an Inspect log (`.json`
//! or `.eval`) against a suite. The body is streamed to a spool file (SHA-256
//! and size counted on the way, never held in memory), the same file for the
//! same suite answers with the run it already made, and the log is read on
//! a blocking thread (`run_parse.rs`), never on the async runtime. A log
//! the domain refuses (not `success`, invalidated, truncated or corrupt
//! zip, samples missing, a sample that is no task of the suite and not
//! mapped) is a 422 naming the reason, with nothing stored. An accepted
//! log is kept as an artifact; the run, its samples, its score against the
//! suite's current version (with seed and resample count) and the audit
//! entry are written in one transaction.
//!
//! Runs have no labels of their own: they are read through their suite's.

use std::collections::BTreeMap;

use clearinghouse_domain::frontier::inspect::LogFormat;
use clearinghouse_domain::frontier::scoring::ScoringOptions;
use clearinghouse_domain::identity::Scope;
use futures_util::Stream;
use serde_json::json;

use super::run_parse::{self, Refusal};
use super::run_view::{RunView, view};
use super::suites::{self, EVALUATORS};
use crate::app::AppState;
use crate::artifacts::Artifacts;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::frontier::RunStatus;
use crate::store::frontier::runs::{RunRow, ScoreRow};
use crate::store::{self, StoreError};
use crate::workflows::new_id;
use crate::workflows::spool::spool;

/// What the importer says besides the file.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The suite's key or id.
    pub suite: String,
    /// A registered model (id) the log evaluated.
    pub model: Option<String>,
    /// `SAMPLE=SUITE_TASK` pairs for sample ids that differ from task ids.
    pub map: Vec<String>,
    /// The scorer to score (default: the first Inspect reported).
    pub scorer: Option<String>,
    /// The file's name, for people.
    pub name: Option<String>,
    pub seed: Option<u64>,
    pub resamples: Option<u32>,
    pub pass_at_k: Option<u32>,
}

fn mapping(
    pairs: &[String],
    suite: &clearinghouse_domain::frontier::suite::Suite,
) -> AppResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        let field = format!("map[{i}]");
        let Some((from, to)) = p.split_once('=') else {
            return Err(AppError::invalid(field, "must be SAMPLE=SUITE_TASK"));
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(AppError::invalid(field, "must be SAMPLE=SUITE_TASK"));
        }
        if suite.task(to).is_none() {
            return Err(AppError::invalid(
                field,
                format!("{to:?} is not a task of suite {:?}", suite.id),
            ));
        }
        out.insert(from.to_owned(), to.to_owned());
    }
    Ok(out)
}

fn scoring(o: &ImportOptions) -> AppResult<ScoringOptions> {
    let mut s = ScoringOptions::default();
    if let Some(seed) = o.seed {
        if seed > i64::MAX as u64 {
            return Err(AppError::invalid("seed", "at most 2^63 - 1"));
        }
        s.seed = seed;
    }
    if let Some(r) = o.resamples {
        if !(100..=100_000).contains(&r) {
            return Err(AppError::invalid("resamples", "between 100 and 100,000"));
        }
        s.resamples = r;
    }
    if let Some(k) = o.pass_at_k {
        if k == 0 {
            return Err(AppError::invalid("pass_at_k", "at least 1"));
        }
        s.pass_at_k = Some(k);
    }
    Ok(s)
}

fn refused(r: Refusal) -> AppError {
    AppError::invalid(r.field, r.reason)
}

/// Imports one log. Returns `(true, run)` for a new run, `(false, the run
/// this file already made for this suite)`.
pub async fn import<S, B, E>(
    app: &AppState,
    who: &Principal,
    options: ImportOptions,
    body: S,
) -> AppResult<(bool, RunView)>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    who.require(Scope::EvaluationsWrite, EVALUATORS)?;
    let suite_row = suites::resolve(app, who, &options.suite)
        .await
        .map_err(|e| match e {
            AppError::NotFound => {
                AppError::invalid("suite", "no suite you may read has this key or id")
            }
            other => other,
        })?;
    let version =
        store::frontier::suites::version(&app.store.pool, &suite_row.id, suite_row.current_version)
            .await?
            .ok_or_else(|| {
                AppError::internal_msg(format!("suite {} lost its version", suite_row.id))
            })?;
    let suite = suites::domain_suite(&suite_row, &version)?;
    let map = mapping(&options.map, &suite)?;
    let scoring = scoring(&options)?;
    if let Some(model) = &options.model {
        super::models::get(app, who, model)
            .await
            .map_err(|e| match e {
                AppError::NotFound => {
                    AppError::invalid("model", "no registered model you may read has this id")
                }
                other => other,
            })?;
    }
    let name = match options
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => Some(
            clearinghouse_domain::text::validate_file_name("name", n)
                .map_err(suites::text_error)?,
        ),
        None => None,
    };
    let (spooled, sha256, size, head) =
        spool(app, body, app.settings.max_submission_bytes, "eval", 8).await?;
    if size == 0 {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    if let Some(run) =
        store::frontier::runs::by_digest(&app.store.pool, &suite_row.id, &sha256).await?
    {
        return Ok((false, view(app, &suite_row, run).await?));
    }
    let path = spooled.0.clone();
    let (suite2, map2, scorer2, scoring2) = (
        suite.clone(),
        map.clone(),
        options.scorer.clone(),
        scoring.clone(),
    );
    let parsed = tokio::task::spawn_blocking(move || {
        run_parse::parse(&path, &suite2, &map2, scorer2.as_deref(), &scoring2)
    })
    .await
    .map_err(|e| AppError::internal("log reader", e))?
    .map_err(refused)?;
    // The reader refuses every log whose status is not `success`.
    let status = RunStatus::parse(&parsed.summary.header.status)
        .ok_or_else(|| AppError::invalid("file", "the log's status is not one Inspect writes"))?;
    let artifact_key = Artifacts::key_for(&sha256);
    app.artifacts
        .put_file(&artifact_key, &spooled.0)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    drop(spooled);
    let now = clock::now_text();
    let h = &parsed.summary.header;
    let format = match LogFormat::detect(&head) {
        LogFormat::Eval => "eval",
        LogFormat::Json => "json",
    };
    let run = RunRow {
        id: new_id(),
        suite_id: suite_row.id.clone(),
        sha256: sha256.clone(),
        artifact_key,
        size_bytes: size as i64,
        format: format.to_owned(),
        file_name: name,
        model_id: options.model.clone(),
        task: h.eval.task.clone(),
        task_version: h.eval.task_version.clone(),
        inspect_model: h.eval.model.clone(),
        status,
        samples: parsed.summary.samples as i64,
        epochs: i64::from(h.eval.epochs()),
        max_epoch: i64::from(parsed.summary.max_epoch),
        errored: parsed.summary.errored_samples as i64,
        scorer: parsed.scorer.clone(),
        mapping: serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()),
        header: serde_json::to_string(h).map_err(|e| AppError::internal("log header", e))?,
        created_by: who.user_id().to_owned(),
        created_at: now.clone(),
    };
    let mut tx = app.store.begin_write().await?;
    match store::frontier::runs::insert(&mut tx, &run).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            // The same file, imported concurrently, committed first.
            drop(tx);
            let found = store::frontier::runs::by_digest(&app.store.pool, &suite_row.id, &sha256)
                .await?
                .ok_or(AppError::Conflict("run".into()))?;
            return Ok((false, view(app, &suite_row, found).await?));
        }
        Err(e) => return Err(e.into()),
    }
    store::frontier::runs::insert_samples(&mut tx, &run.id, &parsed.samples).await?;
    if let Some(score) = &parsed.score {
        let row = ScoreRow {
            run_id: run.id.clone(),
            suite_version_id: version.id.clone(),
            seed: score.success_rate.seed as i64,
            resamples: i64::from(score.success_rate.resamples),
            score: serde_json::to_string(score).map_err(|e| AppError::internal("score", e))?,
            created_at: now.clone(),
        };
        store::frontier::runs::insert_score(&mut tx, &row).await?;
    }
    let event = AuditEvent {
        action: "eval_run.import",
        object_type: "eval_run",
        object_id: &run.id,
        change: json!({"run_id": run.id, "suite_id": suite_row.id, "suite_version": version.number,
            "sha256": sha256, "size_bytes": size, "model_id": run.model_id, "samples": run.samples}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    metrics::counter!("clearinghouse_eval_runs_total").increment(1);
    Ok((true, view(app, &suite_row, run).await?))
}
