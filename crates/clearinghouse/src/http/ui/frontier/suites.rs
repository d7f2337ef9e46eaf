//! Benchmark suite pages: the suites a person may read (searched, sorted,
//! paged), the form evaluators define or revise a suite with (one task a
//! line, `ID[=CATEGORY]`, as on the command line; refusals beside their
//! field with what was typed kept), and a suite's page at any of its
//! versions: its tasks with categories and first-solve times (paged,
//! sorted, searched) and its version history.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::frontier::suite::Task;
use serde::Deserialize;

use super::{Tabs, day, duration, field_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::paging::{PageParams, Pager, sort_rows};
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, inline_error};
use crate::workflows::frontier::suites::{self, NewSuite, NewTask, SuiteView, VersionView};

/// What was typed into the suite form.
#[derive(Debug, Default, Deserialize)]
pub struct SuiteForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub errored_samples: String,
    /// One task a line: `ID` or `ID=CATEGORY`.
    #[serde(default)]
    pub tasks: String,
}

impl SuiteForm {
    fn input(&self) -> NewSuite {
        let tasks = self
            .tasks
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (id, category) = match l.split_once('=') {
                    Some((id, c)) => (id.trim(), Some(c.trim())),
                    None => (l, None),
                };
                NewTask {
                    id: id.to_owned(),
                    name: None,
                    categories: category
                        .filter(|c| !c.is_empty())
                        .map(|c| vec![c.to_owned()])
                        .unwrap_or_default(),
                    first_solve_seconds: None,
                    level: None,
                }
            })
            .collect();
        let name = self.name.trim();
        NewSuite {
            key: self.key.clone(),
            name: (!name.is_empty()).then(|| name.to_owned()),
            errored_samples: Some(self.errored_samples.clone()).filter(|s| !s.is_empty()),
            tasks,
            tlp: None,
            visibility: None,
            shared_with_orgs: Vec::new(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_suites.html")]
pub struct SuitesPage {
    nav: Nav,
    tabs: Tabs,
    suites: Vec<SuiteView>,
    pager: Pager,
    q: PageParams,
    names: Names,
    form: SuiteForm,
    error: Option<FieldError>,
}

impl SuitesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(&self.error, &["key", "name", "tasks", "errored_samples"])
    }

    fn day(ts: &str) -> &str {
        day(ts)
    }
}

const SORTS: &[&str] = &["name", "organisation", "tasks", "version", "updated"];

async fn view(
    app: &AppState,
    who: &Principal,
    q: PageParams,
    form: SuiteForm,
    error: Option<FieldError>,
) -> UiResult<SuitesPage> {
    let every = all_pages!(c => suites::list(app, who, c.as_deref(), Some(500)));
    let names = Names::load(
        app,
        every.iter().map(|s| s.owner_org.as_str()),
        std::iter::empty(),
    )
    .await?;
    let mut rows: Vec<SuiteView> = every
        .into_iter()
        .filter(|s| q.matches([s.name.as_str(), s.key.as_str(), names.org(&s.owner_org)]))
        .collect();
    let sort = q.sort_among(SORTS, "updated");
    let descending = q.descending(!matches!(sort, "name" | "organisation"));
    sort_rows(&mut rows, descending, |a, b| {
        match sort {
            "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "organisation" => names.org(&a.owner_org).cmp(names.org(&b.owner_org)),
            "tasks" => a.version.task_count.cmp(&b.version.task_count),
            "version" => a.current_version.cmp(&b.current_version),
            _ => a.updated_at.cmp(&b.updated_at),
        }
        .then_with(|| a.id.cmp(&b.id))
    });
    let (page, pager) = Pager::cut(rows, "/frontier/suites", &[], &q, sort, descending);
    Ok(SuitesPage {
        nav: Nav::new(who, "frontier"),
        tabs: Tabs::of(who, "suites"),
        suites: page,
        pager,
        q,
        names,
        form,
        error,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<PageParams>,
) -> UiResult<SuitesPage> {
    view(&app, &who, q, SuiteForm::default(), None).await
}

/// Defines (or revises) a suite and opens it; a refusal comes back beside
/// its field with the form as typed.
pub async fn create(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<SuiteForm>,
) -> UiResult<Response> {
    match suites::put(&app, &who, f.input()).await {
        Ok((_, s)) => Ok(Redirect::to(&format!("/frontier/suites/{}", s.id)).into_response()),
        Err(e) => {
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let error = Some(FieldError { field, message });
            let page = view(&app, &who, PageParams::default(), f, error).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SuiteQuery {
    /// A version number; the current one when absent.
    #[serde(default)]
    pub version: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_suite.html")]
pub struct SuitePage {
    nav: Nav,
    tabs: Tabs,
    suite: SuiteView,
    versions: Vec<VersionView>,
    tasks: Vec<Task>,
    pager: Pager,
    q: PageParams,
    names: Names,
}

impl SuitePage {
    fn solve(t: &Task) -> String {
        t.difficulty
            .first_solve_seconds
            .map(duration)
            .unwrap_or_default()
    }

    fn day(ts: &str) -> &str {
        day(ts)
    }
}

const TASK_SORTS: &[&str] = &["id", "name", "category", "solve"];

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(sq): Query<SuiteQuery>,
) -> UiResult<SuitePage> {
    let suite = match sq.version.trim().parse::<i64>() {
        Ok(n) => suites::get_version(&app, &who, &id, n).await?,
        Err(_) => suites::get(&app, &who, &id).await?,
    };
    let versions = suites::versions(&app, &who, &suite.id).await?;
    let names = Names::load(&app, [suite.owner_org.as_str()], std::iter::empty()).await?;
    let q = sq.paging;
    let needle = q.search().map(str::to_lowercase);
    let mut tasks: Vec<Task> = suite
        .tasks
        .iter()
        .filter(|t| {
            needle.as_deref().is_none_or(|n| {
                t.id.to_lowercase().contains(n)
                    || t.name.to_lowercase().contains(n)
                    || t.categories.iter().any(|c| c.to_lowercase().contains(n))
            })
        })
        .cloned()
        .collect();
    let sort = TASK_SORTS
        .iter()
        .copied()
        .find(|s| *s == q.sort)
        .unwrap_or("id");
    let descending = q.descending(false);
    sort_rows(&mut tasks, descending, |a, b| {
        match sort {
            "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "category" => a.categories.first().cmp(&b.categories.first()),
            "solve" => a
                .difficulty
                .first_solve_seconds
                .cmp(&b.difficulty.first_solve_seconds),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.id.cmp(&b.id))
    });
    let version = suite.version.number.to_string();
    let path = format!("/frontier/suites/{}", suite.id);
    let filters: Vec<(&str, &str)> = if sq.version.trim().is_empty() {
        Vec::new()
    } else {
        vec![("version", version.as_str())]
    };
    let (page, pager) = Pager::cut(tasks, &path, &filters, &q, sort, descending);
    Ok(SuitePage {
        nav: Nav::new(&who, "frontier"),
        tabs: Tabs::of(&who, "suites"),
        suite,
        versions,
        tasks: page,
        pager,
        q,
        names,
    })
}
