//! A case's remediation progress in the web UI (`/cases/{id}/progress`,
//! coordinators): how many exposed operators have patched, mitigated,
//! accepted the risk or not acted, in words, by sector and by deadline,
//! and as a stacked chart per deadline drawn by `ui/chart.rs`. The counts
//! come from `workflows::cases::patches::progress`, as the API's.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;

use super::{Nav, UiCaller, UiResult, chart};
use crate::workflows::cases::{self, patches};

/// One group's counts as the page shows them.
pub struct GroupRow {
    pub label: String,
    pub operators: u64,
    pub patched: u64,
    pub mitigated: u64,
    pub risk_accepted: u64,
    pub not_acted: u64,
    pub overdue: u64,
}

fn row(label: String, c: &patches::ProgressCounts) -> GroupRow {
    GroupRow {
        label,
        operators: c.operators,
        patched: c.patched,
        mitigated: c.mitigated,
        risk_accepted: c.risk_accepted,
        not_acted: c.not_acted,
        overdue: c.overdue,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "case_progress.html")]
pub struct ProgressPage {
    nav: Nav,
    id: String,
    title: String,
    patches: u64,
    totals: GroupRow,
    by_sector: Vec<GroupRow>,
    by_deadline: Vec<GroupRow>,
    chart: String,
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<ProgressPage> {
    let p = patches::progress(&app, &who, &id).await?;
    let c = cases::get(&app, &who, &id).await?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let series: Vec<(time::Date, [u32; 4])> = p
        .by_deadline
        .iter()
        .filter_map(|g| {
            let day = time::Date::parse(&g.key, fmt).ok()?;
            let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
            let c = &g.counts;
            Some((
                day,
                [
                    n(c.patched),
                    n(c.mitigated),
                    n(c.risk_accepted),
                    n(c.not_acted),
                ],
            ))
        })
        .collect();
    let chart = if series.is_empty() {
        String::new()
    } else {
        chart::render_stacked(&series, &chart::REMEDIATION)
    };
    Ok(ProgressPage {
        nav: Nav::new(&who, "cases"),
        title: c.title,
        patches: p.patches,
        totals: row("all".to_owned(), &p.totals),
        by_sector: p
            .by_sector
            .iter()
            .map(|g| row(g.key.replace('_', " "), &g.counts))
            .collect(),
        by_deadline: p
            .by_deadline
            .iter()
            .map(|g| {
                let label = if g.key == "none" {
                    "no deadline".to_owned()
                } else {
                    g.key.clone()
                };
                row(label, &g.counts)
            })
            .collect(),
        id: c.id,
        chart,
    })
}
