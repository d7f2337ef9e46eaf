//! Evaluation run pages: the runs a person may read (model, suite version,
//! status, samples, epochs, success rate with its 95% interval, pass@k;
//! filtered by suite or model, searched, sorted, paged), the upload form
//! for an Inspect log (`.json` or `.eval`, streamed to the run import
//! workflow; a refused log comes back beside the file field with its
//! reason and the other fields as typed), and a run's page with its
//! scores, Inspect's own metrics and its samples (paged, with per-sample
//! scores and errors).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::frontier::suite::ErroredSamples;
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::models::score_text;
use super::{Tabs, day, field_of, pct};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::paging::{PAGE_ROWS, PageParams, Pager, sort_rows};
use crate::http::ui::{Nav, UiCaller, UiError, UiResult, check_csrf, inline_error};
use crate::workflows::frontier::models::{self, Model};
use crate::workflows::frontier::run_view::{self, RunView, SampleView};
use crate::workflows::frontier::runs::{self, ImportOptions};
use crate::workflows::frontier::suites::{self, SuiteView};

/// What was typed into the upload form (the file itself is streamed).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub suite: String,
    pub model: String,
    /// `SAMPLE=SUITE_TASK`, one a line.
    pub map: String,
    pub scorer: String,
    pub pass_at_k: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    #[serde(default)]
    pub suite: String,
    #[serde(default)]
    pub model: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

/// A run as a row: the run, its registered model's name and its scores.
pub struct RunRow {
    pub run: RunView,
    pub model_name: Option<String>,
    pub suite_version: String,
    pub score: String,
    pub pass_at_k: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_runs.html")]
pub struct RunsPage {
    nav: Nav,
    tabs: Tabs,
    runs: Vec<RunRow>,
    pager: Pager,
    q: RunsQuery,
    names: Names,
    /// For the filters and the upload form: readable suites and models.
    suites: Vec<SuiteView>,
    models: Vec<Model>,
    form: UploadForm,
    error: Option<FieldError>,
}

impl RunsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(
            &self.error,
            &["suite", "model", "map", "file", "scorer", "pass_at_k"],
        )
    }

    fn day(ts: &str) -> &str {
        day(ts)
    }
}

const SORTS: &[&str] = &["imported", "model", "suite", "samples", "score"];

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn row_of(run: RunView, models: &[Model]) -> RunRow {
    let model_name = run.model_id.as_ref().and_then(|id| {
        models
            .iter()
            .find(|m| &m.id == id)
            .map(|m| format!("{} {}", m.name, m.version))
    });
    let suite_version = run
        .scores
        .last()
        .map(|s| format!("v{}", s.score.suite_version))
        .unwrap_or_default();
    let (score, pass_at_k) = score_text(&run);
    RunRow {
        run,
        model_name,
        suite_version,
        score,
        pass_at_k,
    }
}

fn point(r: &RunRow) -> f64 {
    r.run
        .scores
        .last()
        .map(|s| s.score.success_rate.point)
        .unwrap_or(-1.0)
}

async fn view(
    app: &AppState,
    who: &Principal,
    q: RunsQuery,
    form: UploadForm,
    error: Option<FieldError>,
) -> UiResult<RunsPage> {
    let (suite, model) = (non_empty(&q.suite), non_empty(&q.model));
    let every = all_pages!(c => run_view::list(app, who, suite, model, c.as_deref(), Some(500)));
    let suites = all_pages!(c => suites::list(app, who, c.as_deref(), Some(500)));
    let models = all_pages!(c => models::list(app, who, c.as_deref(), Some(500)));
    let names = Names::load(app, [], every.iter().map(|r| r.created_by.as_str())).await?;
    let p = &q.paging;
    let mut rows: Vec<RunRow> = every
        .into_iter()
        .map(|r| row_of(r, &models))
        .filter(|r| {
            let run = &r.run;
            let named = [run.file_name.as_deref(), r.model_name.as_deref()];
            p.matches(
                [
                    run.task.as_str(),
                    run.model.as_str(),
                    run.suite_key.as_str(),
                ]
                .into_iter()
                .chain(named.into_iter().flatten()),
            )
        })
        .collect();
    let sort = p.sort_among(SORTS, "imported");
    let descending = p.descending(!matches!(sort, "model" | "suite"));
    sort_rows(&mut rows, descending, |a, b| {
        let name = |r: &RunRow| r.model_name.clone().unwrap_or_else(|| r.run.model.clone());
        match sort {
            "model" => name(a).to_lowercase().cmp(&name(b).to_lowercase()),
            "suite" => a.run.suite_key.cmp(&b.run.suite_key),
            "samples" => a.run.samples.cmp(&b.run.samples),
            "score" => point(a).total_cmp(&point(b)),
            _ => a.run.created_at.cmp(&b.run.created_at),
        }
        .then_with(|| a.run.id.cmp(&b.run.id))
    });
    let (page, pager) = Pager::cut(
        rows,
        "/frontier/runs",
        &[("suite", q.suite.trim()), ("model", q.model.trim())],
        p,
        sort,
        descending,
    );
    Ok(RunsPage {
        nav: Nav::new(who, "frontier"),
        tabs: Tabs::of(who, "runs"),
        runs: page,
        pager,
        q,
        names,
        suites,
        models,
        form,
        error,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<RunsQuery>,
) -> UiResult<RunsPage> {
    let form = UploadForm {
        suite: q.suite.clone(),
        model: q.model.clone(),
        ..Default::default()
    };
    view(&app, &who, q, form, None).await
}

/// Imports the uploaded log and opens its run (the run the same file
/// already made, when it did). The file must be the form's last field: the
/// other fields are read first, then the file is streamed to the import.
pub async fn upload(
    UiCaller { app, who }: UiCaller,
    mut multipart: Multipart,
) -> UiResult<Response> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let mut csrf = String::new();
    let mut form = UploadForm::default();
    let mut outcome = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            check_csrf(&who, &csrf)?;
            let file_name = field
                .file_name()
                .map(str::to_owned)
                .filter(|n| !n.is_empty());
            let Some(file_name) = file_name else {
                outcome = Some(Err(AppError::invalid(
                    "file",
                    "choose an Inspect log (.json or .eval)",
                )));
                break;
            };
            let options = options(&form, file_name);
            let stream = field.map_err(|e| e.to_string());
            outcome = Some(match options {
                Ok(o) => runs::import(&app, &who, o, Box::pin(stream)).await,
                Err(e) => Err(e),
            });
            break;
        }
        let text = field.text().await.map_err(|e| bad(e.to_string()))?;
        match name.as_str() {
            "csrf_token" => csrf = text,
            "suite" => form.suite = text,
            "model" => form.model = text,
            "map" => form.map = text,
            "scorer" => form.scorer = text,
            "pass_at_k" => form.pass_at_k = text,
            _ => {}
        }
    }
    check_csrf(&who, &csrf)?;
    let outcome = outcome.unwrap_or_else(|| {
        Err(AppError::invalid(
            "file",
            "choose an Inspect log (.json or .eval)",
        ))
    });
    match outcome {
        Ok((_, run)) => Ok(Redirect::to(&format!("/frontier/runs/{}", run.id)).into_response()),
        Err(e) => {
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let error = Some(FieldError { field, message });
            let q = RunsQuery::default();
            let page = view(&app, &who, q, form, error).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}

fn options(form: &UploadForm, file_name: String) -> Result<ImportOptions, AppError> {
    let pass_at_k =
        match non_empty(&form.pass_at_k) {
            Some(k) => Some(k.parse::<u32>().map_err(|_| {
                AppError::invalid("pass_at_k", "must be a whole number of attempts")
            })?),
            None => None,
        };
    Ok(ImportOptions {
        suite: form.suite.trim().to_owned(),
        model: non_empty(&form.model).map(str::to_owned),
        map: form
            .map
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        scorer: non_empty(&form.scorer).map(str::to_owned),
        name: Some(file_name),
        seed: None,
        resamples: None,
        pass_at_k,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_run.html")]
pub struct RunPage {
    nav: Nav,
    tabs: Tabs,
    run: RunView,
    model: Option<Model>,
    names: Names,
    samples: Vec<SampleView>,
    pager: Pager,
}

impl RunPage {
    fn day(ts: &str) -> &str {
        day(ts)
    }

    fn pct(x: &f64) -> String {
        pct(*x)
    }

    fn errored(p: &ErroredSamples) -> &'static str {
        match p {
            ErroredSamples::CountAsFailure => "count as failures",
            ErroredSamples::Exclude => "excluded",
        }
    }

    fn metric(v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.4}"))
            .unwrap_or_else(|| "—".to_owned())
    }

    /// The scores a sample carries, as `scorer: value` text.
    fn sample_scores(s: &SampleView) -> String {
        match &s.scores {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    let scorer = i["scorer"].as_str().unwrap_or("score");
                    let value = match &i["value"] {
                        serde_json::Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    let value: String = value.chars().take(80).collect();
                    format!("{scorer}: {value}")
                })
                .collect::<Vec<_>>()
                .join("; "),
            serde_json::Value::Null => String::new(),
            other => other.to_string().chars().take(160).collect(),
        }
    }
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> UiResult<RunPage> {
    let run = run_view::get(&app, &who, &id).await?;
    let model = match &run.model_id {
        Some(m) => match models::get(&app, &who, m).await {
            Ok(model) => Some(model),
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    // Sequence numbers run 1, 2, … in log order: a page starts after its offset.
    let cursor = (p.page() > 1).then(|| p.offset().to_string());
    let samples = run_view::samples(&app, &who, &run.id, cursor.as_deref(), Some(PAGE_ROWS))
        .await?
        .items;
    let path = format!("/frontier/runs/{}", run.id);
    let pager = Pager::new(&path, &[], &p, "seq", false, samples.len(), run.samples);
    let names = Names::load(&app, [], [run.created_by.as_str()]).await?;
    Ok(RunPage {
        nav: Nav::new(&who, "frontier"),
        tabs: Tabs::of(&who, "runs"),
        run,
        model,
        names,
        samples,
        pager,
    })
}
