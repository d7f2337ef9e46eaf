//! Reading evaluation runs: a run as the API shows it (what the log said:
//! task, model, status, samples, epochs, errors, Inspect's metrics per
//! scorer and reducer, model usage; and our scores per suite version), the
//! runs one may read, and a run's samples. Every read goes through the
//! run's suite under the one read policy.

use std::collections::BTreeMap;

use clearinghouse_domain::frontier::inspect::{LogHeader, ModelUsage};
use clearinghouse_domain::frontier::scoring::RunScore;
use clearinghouse_domain::identity::Scope;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::model::frontier::RunStatus;
use crate::store;
use crate::store::frontier::runs::{RunRow, SampleRow};
use crate::store::frontier::suites::SuiteRow;
use crate::workflows::read_policy::PolicyReader;
use crate::workflows::{into_page, page_size};

/// One scorer's results as Inspect reported them (one reducer).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportedScore {
    pub name: String,
    pub scorer: String,
    pub reducer: Option<String>,
    pub scored_samples: Option<u64>,
    pub unscored_samples: Option<u64>,
    /// Metric name → value (null when Inspect wrote null or NaN).
    pub metrics: BTreeMap<String, Option<f64>>,
}

/// Our score of a run against one suite version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreView {
    pub suite_version_id: String,
    pub seed: i64,
    pub resamples: i64,
    /// Success rate and pass@k with their clustered-bootstrap intervals,
    /// counts, the errored-sample policy and Inspect's metrics beside ours.
    #[schema(value_type = Object)]
    pub score: RunScore,
    pub created_at: String,
}

/// An evaluation run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    pub suite_id: String,
    pub suite_key: String,
    pub model_id: Option<String>,
    pub sha256: String,
    pub size_bytes: i64,
    /// `json` or `eval`.
    pub format: String,
    pub file_name: Option<String>,
    pub task: String,
    pub task_version: Option<String>,
    /// The model as Inspect named it.
    pub model: String,
    pub status: RunStatus,
    /// Samples in the log (sample × epoch).
    pub samples: i64,
    /// Epochs configured.
    pub epochs: i64,
    pub max_epoch: i64,
    /// Samples that ended in an error.
    pub errors: i64,
    /// The scorer our scores use.
    pub scorer: Option<String>,
    pub mapping: BTreeMap<String, String>,
    /// Inspect's own results, per scorer and reducer.
    pub metrics: Vec<ReportedScore>,
    #[schema(value_type = Object)]
    pub model_usage: BTreeMap<String, ModelUsage>,
    pub scores: Vec<ScoreView>,
    /// Why there is no score, when there is none.
    pub scoring_note: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// A sample of a run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SampleView {
    pub seq: i64,
    pub id: String,
    pub task: String,
    pub epoch: i64,
    /// For the run's scorer: `pass`, `fail`, `partial`, `unscored`, `errored`.
    pub outcome: String,
    /// `[{scorer, value}]` as the log wrote them.
    #[schema(value_type = Vec<Object>)]
    pub scores: serde_json::Value,
    pub error: Option<String>,
    pub total_tokens: i64,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored {what}: {e}"))
}

/// The API shape of a stored run.
pub async fn view(app: &AppState, suite: &SuiteRow, run: RunRow) -> AppResult<RunView> {
    let header: LogHeader = serde_json::from_str(&run.header).map_err(|e| corrupt("header", e))?;
    let mapping: BTreeMap<String, String> =
        serde_json::from_str(&run.mapping).map_err(|e| corrupt("mapping", e))?;
    let mut scores = Vec::new();
    for s in store::frontier::runs::scores(&app.store.pool, &run.id).await? {
        scores.push(ScoreView {
            score: serde_json::from_str(&s.score).map_err(|e| corrupt("score", e))?,
            suite_version_id: s.suite_version_id,
            seed: s.seed,
            resamples: s.resamples,
            created_at: s.created_at,
        });
    }
    let metrics = header
        .results
        .iter()
        .flat_map(|r| &r.scores)
        .map(|s| ReportedScore {
            name: s.name.clone(),
            scorer: s.scorer.clone(),
            reducer: s.reducer.clone(),
            scored_samples: s.scored_samples,
            unscored_samples: s.unscored_samples,
            metrics: s
                .metrics
                .iter()
                .map(|(k, m)| (k.clone(), m.value.filter(|v| v.is_finite())))
                .collect(),
        })
        .collect();
    let scoring_note = if !scores.is_empty() {
        None
    } else if run.samples == 0 {
        Some("the log holds no samples (written with log_samples=False): nothing to score".into())
    } else {
        Some("no scorer in the log: nothing to score".into())
    };
    Ok(RunView {
        id: run.id,
        suite_id: run.suite_id,
        suite_key: suite.key.clone(),
        model_id: run.model_id,
        sha256: run.sha256,
        size_bytes: run.size_bytes,
        format: run.format,
        file_name: run.file_name,
        task: run.task,
        task_version: run.task_version,
        model: run.inspect_model,
        status: run.status,
        samples: run.samples,
        epochs: run.epochs,
        max_epoch: run.max_epoch,
        errors: run.errored,
        scorer: run.scorer,
        mapping,
        metrics,
        model_usage: header.stats.map(|s| s.model_usage).unwrap_or_default(),
        scores,
        scoring_note,
        created_by: run.created_by,
        created_at: run.created_at,
    })
}

/// The run and its suite, if the caller may read the suite.
async fn readable(app: &AppState, who: &Principal, id: &str) -> AppResult<(SuiteRow, RunRow)> {
    who.require_scope(Scope::EvaluationsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let run = store::frontier::runs::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    let suite =
        store::frontier::suites::get_readable(&app.store.pool, &run.suite_id, &reader.filter())
            .await?
            .ok_or(AppError::NotFound)?;
    Ok((suite, run))
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<RunView> {
    let (suite, run) = readable(app, who, id).await?;
    view(app, &suite, run).await
}

/// Runs the caller may read, optionally of one suite (key or id) and model.
pub async fn list(
    app: &AppState,
    who: &Principal,
    suite: Option<&str>,
    model: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<RunView>> {
    who.require_scope(Scope::EvaluationsRead)?;
    let suite_id = match suite {
        Some(s) => Some(super::suites::resolve(app, who, s).await?.id),
        None => None,
    };
    let reader = PolicyReader::of(app, who).await?;
    let limit = page_size(limit);
    let rows = store::frontier::runs::list_readable(
        &app.store.pool,
        &reader.filter(),
        suite_id.as_deref(),
        model,
        cursor,
        limit + 1,
    )
    .await?;
    let page = into_page(rows, limit, |r| r.id.clone());
    let mut items = Vec::with_capacity(page.items.len());
    for run in page.items {
        let suite =
            store::frontier::suites::get_readable(&app.store.pool, &run.suite_id, &reader.filter())
                .await?
                .ok_or(AppError::NotFound)?;
        items.push(view(app, &suite, run).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

fn sample_view(s: SampleRow) -> SampleView {
    SampleView {
        seq: s.seq,
        id: s.sample_id,
        task: s.task_id,
        epoch: s.epoch,
        outcome: s.outcome,
        scores: serde_json::from_str(&s.scores).unwrap_or(serde_json::Value::Null),
        error: s.error,
        total_tokens: s.total_tokens,
    }
}

/// A run's samples in log order; the cursor is a sequence number.
pub async fn samples(
    app: &AppState,
    who: &Principal,
    id: &str,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<SampleView>> {
    let (_, run) = readable(app, who, id).await?;
    let after = match cursor {
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| AppError::invalid("cursor", "not a cursor this list gave"))?,
        None => 0,
    };
    let limit = page_size(limit);
    let rows = store::frontier::runs::samples(&app.store.pool, &run.id, after, limit + 1).await?;
    let page = into_page(rows, limit, |s| s.seq.to_string());
    Ok(Page {
        items: page.items.into_iter().map(sample_view).collect(),
        next_cursor: page.next_cursor,
    })
}
