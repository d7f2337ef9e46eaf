//! The frontier-model pages (Sec. 3 of the order): the model registry for
//! AI developers (`models.rs`), benchmark suites (`suites.rs`) and
//! evaluation runs with their samples and the Inspect-log upload
//! (`runs.rs`) for evaluators, the classified threshold policy for
//! designation authorities (`thresholds.rs`), trusted partners of covered
//! models for developers and coordinators (`partners.rs`), and the
//! server-drawn chart of
//! a model's suite scores with their intervals (`chart.rs`). This module
//! owns the routes, the tabs each role sees and the helpers the pages
//! share. Every read goes through the workflows, so the one read policy
//! decides what a page may show; threshold values reach a page only
//! through `workflows::frontier::thresholds`, which returns nothing to
//! readers its labels do not admit.

/// Every item of a cursor-paged workflow list, up to [`MAX_ROWS`]:
/// `all_pages!(c => models::list(app, who, c.as_deref(), Some(500)))`.
/// (A macro, not a function over an async closure: such futures are not
/// `Send` for every lifetime, which axum handlers need.)
macro_rules! all_pages {
    ($cursor:ident => $list:expr) => {{
        let mut out = Vec::new();
        let mut $cursor: Option<String> = None;
        loop {
            let page = $list.await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(next) if out.len() < $crate::http::ui::frontier::MAX_ROWS => {
                    $cursor = Some(next)
                }
                _ => break,
            }
        }
        out
    }};
}

pub mod chart;
pub mod models;
pub mod partners;
pub mod runs;
pub mod suites;
pub mod thresholds;
pub mod windows;
pub mod windows_alerts;
pub mod windows_page;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};
use clearinghouse_domain::identity::{OrgKind, Role};

use super::home::Tile;
use super::{UiAuth, UiResult};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/frontier", get(landing))
        .route("/frontier/models", get(models::page).post(models::create))
        .route("/frontier/models/{id}", get(models::show))
        .route("/frontier/suites", get(suites::page).post(suites::create))
        .route("/frontier/suites/{id}", get(suites::show))
        .route(
            "/frontier/runs",
            get(runs::page)
                .post(runs::upload)
                // The import workflow streams the file and enforces its own limit.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/frontier/runs/{id}", get(runs::show))
        .route("/frontier/thresholds", get(thresholds::page))
        .route("/frontier/thresholds/propose", post(thresholds::propose))
        .route("/frontier/partners", get(partners::page))
        .route("/frontier/partners/nominate", post(partners::nominate))
        .route("/frontier/partners/{id}/approve", post(partners::approve))
        .route("/frontier/partners/{id}/withdraw", post(partners::withdraw))
        .route("/frontier/windows", get(windows::page).post(windows::open))
        .route("/frontier/windows/{id}", get(windows_page::show))
        .route("/frontier/windows/{id}/grants", post(windows_page::grant))
        .route("/frontier/grants/{id}", get(windows_page::grant_page))
        .route("/frontier/grants/{id}/revoke", post(windows_page::revoke))
        .route("/frontier/grants/{id}/accept", post(windows_page::accept))
        .route(
            "/frontier/grants/{id}/credential",
            post(windows_page::credential),
        )
        .route("/frontier/alerts", get(windows_alerts::page))
        .route(
            "/frontier/alerts/{id}/acknowledge",
            post(windows_alerts::acknowledge),
        )
}

/// Roles that work with suites and runs (government side).
pub const GOVERNMENT_ROLES: &[Role] = &[
    Role::Evaluator,
    Role::DesignationAuthority,
    Role::Consultant,
];

/// Whether the "Frontier" navigation entry is shown: evaluators,
/// designation authorities, consultants and members of AI developers.
pub fn sees_frontier(who: &Principal, kind: Option<OrgKind>) -> bool {
    who.has_any_role(GOVERNMENT_ROLES) || kind == Some(OrgKind::AiDeveloper)
}

/// The frontier pages' tabs, by role.
pub struct Tabs {
    pub current: &'static str,
    /// A member of an AI-developer organisation (registers models).
    pub developer: bool,
    /// Suites and runs: evaluators, authorities and consultants.
    pub evaluations: bool,
    /// Defines suites and uploads logs.
    pub evaluator: bool,
    /// Thresholds: designation authorities.
    pub authority: bool,
    /// Trusted partners: AI developers and coordinators.
    pub partners: bool,
}

impl Tabs {
    pub fn of(who: &Principal, current: &'static str) -> Tabs {
        Tabs {
            current,
            developer: super::cached_kind(who.org_id()) == Some(OrgKind::AiDeveloper),
            evaluations: who.has_any_role(GOVERNMENT_ROLES),
            evaluator: who.has_role(Role::Evaluator),
            authority: who.has_role(Role::DesignationAuthority),
            partners: super::cached_kind(who.org_id()) == Some(OrgKind::AiDeveloper)
                || who.has_role(Role::Coordinator),
        }
    }
}

/// `/frontier`: the first tab this person has.
async fn landing(UiAuth(who): UiAuth) -> Redirect {
    let tabs = Tabs::of(&who, "");
    if tabs.evaluations && !tabs.developer {
        Redirect::to("/frontier/runs")
    } else {
        Redirect::to("/frontier/models")
    }
}

/// The home page's frontier tiles: models (registered or shared), and
/// for the government roles suites and runs, each linking to its list.
pub async fn home_tiles(app: &AppState, who: &Principal) -> UiResult<Vec<Tile>> {
    use crate::workflows::frontier::{models, run_view, suites};
    let tabs = Tabs::of(who, "");
    let n_models = all_pages!(c => models::list(app, who, c.as_deref(), Some(500))).len();
    let mut tiles = vec![Tile {
        id: "frontier-models",
        n: n_models as i64,
        what: if tabs.developer {
            "models registered (register one on the models page)"
        } else {
            "models shared with you"
        },
        href: "/frontier/models".to_owned(),
        alert: false,
    }];
    if tabs.evaluations {
        let n_suites = all_pages!(c => suites::list(app, who, c.as_deref(), Some(500))).len();
        let n_runs =
            all_pages!(c => run_view::list(app, who, None, None, c.as_deref(), Some(500))).len();
        tiles.push(Tile {
            id: "frontier-suites",
            n: n_suites as i64,
            what: "benchmark suites",
            href: "/frontier/suites".to_owned(),
            alert: false,
        });
        tiles.push(Tile {
            id: "frontier-runs",
            n: n_runs as i64,
            what: "evaluation runs",
            href: "/frontier/runs".to_owned(),
            alert: false,
        });
    }
    Ok(tiles)
}

/// At most this many rows are gathered for one list page (then paged,
/// sorted and searched in memory, like the other lists of the UI).
pub const MAX_ROWS: usize = 10_000;

/// The field an inline error belongs to (`tasks[3].id` → `tasks`).
pub fn field_of(e: &AppError) -> String {
    match e {
        AppError::Invalid { field, .. } => {
            field.split(['[', '.']).next().unwrap_or(field).to_owned()
        }
        AppError::Conflict(_) => "conflict".to_owned(),
        _ => String::new(),
    }
}

/// `2026-12-06T10:00:00Z` → `2026-12-06`.
pub fn day(ts: &str) -> &str {
    ts.get(..10).unwrap_or(ts)
}

/// A rate in [0, 1] as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A reference point's operations as `10^26`.
pub fn power_of_ten(operations: f64) -> String {
    format!("10^{}", operations.log10().round() as i64)
}

/// Seconds as `h:mm:ss` (or `m:ss` under an hour).
pub fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_formats() {
        assert_eq!(field_of(&AppError::invalid("tasks[3].id", "x")), "tasks");
        assert_eq!(
            field_of(&AppError::invalid("training_compute", "x")),
            "training_compute"
        );
        assert_eq!(duration(3723), "1:02:03");
        assert_eq!(duration(62), "1:02");
        assert_eq!(pct(0.25), "25.0%");
        assert_eq!(power_of_ten(1e26), "10^26");
        assert_eq!(day("2026-12-06T10:00:00Z"), "2026-12-06");
    }
}
