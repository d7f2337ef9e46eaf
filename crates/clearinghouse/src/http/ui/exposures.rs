//! The exposures dashboard: every exposure the reader may read (operators:
//! their organisation's; coordinators: everyone's, with the organisation's
//! name), ranked by priority or sorted by any column, searched and paged,
//! the chart of open exposures, and remediation state set on many rows at
//! once through the same workflow as one row (each change audited).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::response::Redirect;
use serde::Deserialize;

use super::chart;
use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{Nav, UiCaller, UiResult, check_csrf, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::model::exposure::{Exposure, ExposureStat};
use crate::store::exposure::exposures::table::{SortBy, TableQuery};
use crate::workflows::exposure::assets::READ_ANY;
use crate::workflows::exposure::exposures::{self, STATES, StateChange};

#[derive(Template, WebTemplate)]
#[template(path = "exposures.html")]
pub struct DashboardPage {
    nav: Nav,
    exposures: Vec<Exposure>,
    chart: String,
    by_sector: Vec<ExposureStat>,
    by_vuln: Vec<ExposureStat>,
    state: String,
    states: &'static [&'static str],
    back: String,
    pager: Pager,
    q: DashboardQuery,
    names: Names,
    /// Coordinators: the organisation column.
    all_orgs: bool,
    bulk: Option<String>,
    /// A refused state change: the exposure's id and why.
    state_error: Option<(String, String)>,
}

impl DashboardPage {
    /// Whether the state change refused was exposure `id`'s.
    fn refused(&self, id: &str) -> bool {
        self.state_error.as_ref().is_some_and(|(eid, _)| eid == id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    bulk_done: String,
    #[serde(default)]
    bulk_failed: String,
    #[serde(flatten)]
    paging: PageParams,
}

async fn chart_for(app: &AppState, who: &Principal, org: Option<&str>) -> UiResult<String> {
    let rows = exposures::timeline(app, who, org).await?;
    Ok(chart::render_svg(&chart::open_per_day(
        &rows,
        clock::now().date(),
        30,
    )))
}

pub async fn dashboard(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<DashboardQuery>,
) -> UiResult<DashboardPage> {
    render(&app, &who, q, None).await
}

/// The dashboard for the view in `query` (a query string), with a refused
/// state change to show.
pub(super) async fn view(
    app: &AppState,
    who: &Principal,
    query: &str,
    state_error: Option<(String, String)>,
) -> UiResult<DashboardPage> {
    let mut q = DashboardQuery::default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "state" => q.state = v,
            "page" => q.paging.page = v,
            "sort" => q.paging.sort = v,
            "dir" => q.paging.dir = v,
            "q" => q.paging.q = v,
            _ => {}
        }
    }
    render(app, who, q, state_error).await
}

async fn render(
    app: &AppState,
    who: &Principal,
    mut q: DashboardQuery,
    state_error: Option<(String, String)>,
) -> UiResult<DashboardPage> {
    let (app, who) = (app.clone(), who.clone());
    if q.state.is_empty() {
        q.state = "active".to_owned();
    }
    let state = q.state.clone();
    let sort = SortBy::parse(&q.paging.sort).unwrap_or_default();
    // Priority and dates read most urgent / newest first; names A to Z.
    let descending = q
        .paging
        .descending(matches!(sort, SortBy::Priority | SortBy::FirstSeen));
    let table = TableQuery {
        search: q.paging.search(),
        sort,
        descending,
        offset: q.paging.offset(),
        limit: PAGE_ROWS,
    };
    let (list, total) = exposures::table(&app, &who, &state, &table).await?;
    let coordinator = who.has_any_role(READ_ANY);
    let names = Names::load(&app, list.iter().map(|e| e.org_id.as_str()), []).await?;
    let org = (!coordinator).then(|| who.org_id().to_owned());
    let (by_sector, by_vuln) = if coordinator {
        (
            exposures::stats(&app, &who, "sector", None).await?,
            exposures::stats(&app, &who, "vulnerability", None).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let pager = Pager::new(
        "/exposures",
        &[("state", &state)],
        &q.paging,
        sort.word(),
        descending,
        list.len(),
        total,
    );
    let bulk = match (
        q.bulk_done.parse::<u32>().ok(),
        q.bulk_failed.parse::<u32>().ok(),
    ) {
        (Some(d), Some(0) | None) => Some(format!("{d} exposures updated.")),
        (Some(d), Some(f)) => Some(format!("{d} exposures updated; {f} refused.")),
        _ => None,
    };
    Ok(DashboardPage {
        nav: Nav::new(&who, "exposures"),
        exposures: list,
        chart: chart_for(&app, &who, org.as_deref()).await?,
        by_sector,
        by_vuln,
        back: pager.here(),
        state,
        states: STATES,
        pager,
        q,
        names,
        all_orgs: coordinator,
        bulk,
        state_error,
    })
}

/// One remediation state for the ticked exposures (repeated `id` fields,
/// so the body is read as pairs). Each goes through the workflow and is
/// audited on its own; refusals (a reason missing, not the reader's) are
/// counted, failures of the system are not hidden.
pub async fn bulk(UiCaller { app, who }: UiCaller, body: axum::body::Bytes) -> UiResult<Redirect> {
    let (mut csrf, mut state, mut reason, mut until, mut back) = Default::default();
    let mut ids: Vec<String> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        let v = v.into_owned();
        match k.as_ref() {
            "csrf_token" => csrf = v,
            "state" => state = v,
            "reason" => reason = v,
            "accepted_until" => until = v,
            "back" => back = v,
            "id" => ids.push(v),
            _ => {}
        }
    }
    let (csrf, state, reason, until, back): (String, String, String, String, String) =
        (csrf, state, reason, until, back);
    check_csrf(&who, &csrf)?;
    let back = super::exposure::local_path(&back)
        .filter(|b| b.starts_with("/exposures"))
        .unwrap_or("/exposures")
        .to_owned();
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let until = non_empty(&until).map(|d| {
        if d.len() == 10 {
            format!("{d}T23:59:59Z")
        } else {
            d
        }
    });
    let (mut done, mut failed) = (0u32, 0u32);
    for id in &ids {
        let change = StateChange {
            state: state.clone(),
            reason: non_empty(&reason),
            accepted_until: until.clone(),
        };
        match exposures::set_state(&app, &who, id, change).await {
            Ok(_) => done += 1,
            Err(e) => {
                inline_error(e)?;
                failed += 1;
            }
        }
    }
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!(
        "{back}{sep}bulk_done={done}&bulk_failed={failed}"
    )))
}
