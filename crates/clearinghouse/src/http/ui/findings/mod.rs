//! Finding pages: the triage and validation queues with filters, a finding
//! with its sightings, possible duplicates (similarity scores) and history,
//! the side-by-side comparison of two findings, and submissions (list,
//! status with rejected items, and the upload form for people).

mod decide;
pub mod review;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Redirect;
use clearinghouse_domain::similarity;
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::markdown;
use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{Nav, UiAuth, UiError, UiResult, check_csrf};
use crate::app::AppState;
use crate::error::AppError;
use crate::model::finding::{Finding, FindingFilter, ItemResult, Submission};
use crate::store::findings::listing::{SortBy, TableQuery};
use crate::workflows::findings::submissions::{self, SubmissionOptions};
use crate::workflows::findings::{self, CLEARINGHOUSE_READERS, FindingDetail};

/// The queues: a state and what people call it.
pub const QUEUES: &[(&str, &str)] = &[
    ("received", "Triage"),
    ("triaged", "Awaiting validation"),
    ("validating", "Validating"),
    ("validated", "Validated"),
    ("rejected", "Rejected"),
];

#[derive(Template, WebTemplate)]
#[template(path = "findings.html")]
pub struct QueuePage {
    nav: Nav,
    findings: Vec<Finding>,
    queues: &'static [(&'static str, &'static str)],
    q: QueueQuery,
    staff: bool,
    pager: Pager,
    names: Names,
    /// Organisations for the reporter filter (staff only).
    orgs: Vec<(String, String)>,
    /// The outcome of a bulk decision just made.
    bulk: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub reporter_org: String,
    /// Numbers, as text: query strings through `flatten` carry only strings.
    #[serde(default)]
    pub bulk_done: String,
    #[serde(default)]
    pub bulk_failed: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

pub async fn queue(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(mut q): Query<QueueQuery>,
) -> UiResult<QueuePage> {
    let staff = who.has_any_role(CLEARINGHOUSE_READERS);
    if q.state.is_empty() && staff {
        q.state = "received".to_owned();
    }
    let filter = FindingFilter {
        state: findings::state_filter(Some(&q.state))?,
        severity: findings::severity_filter(Some(&q.severity))?,
        target: non_empty(&q.target),
        campaign: non_empty(&q.campaign),
        reporter_org: non_empty(&q.reporter_org),
        submission: None,
    };
    let sort = SortBy::parse(&q.paging.sort).unwrap_or_default();
    let sort_word = SortBy::ALL
        .iter()
        .find(|(c, _)| *c == sort)
        .map(|(_, w)| *w)
        .unwrap_or("received");
    let descending = q.paging.descending(true);
    let table = TableQuery {
        search: q.paging.search(),
        sort,
        descending,
        offset: q.paging.offset(),
        limit: PAGE_ROWS,
    };
    let (rows, total) = findings::table(&app, &who, &filter, &table).await?;
    let names = Names::load(
        &app,
        rows.iter().map(|f| f.reporter_org.as_str()),
        rows.iter().map(|f| f.reported_by.as_str()),
    )
    .await?;
    let pager = Pager::new(
        "/findings",
        &[
            ("state", &q.state),
            ("severity", &q.severity),
            ("target", &q.target),
            ("campaign", &q.campaign),
            ("reporter_org", &q.reporter_org),
        ],
        &q.paging,
        sort_word,
        descending,
        rows.len(),
        total,
    );
    let orgs = if staff {
        crate::workflows::accounts::orgs::list(&app, &who, false, None, Some(500))
            .await?
            .items
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    } else {
        Vec::new()
    };
    let bulk = match (
        q.bulk_done.parse::<u32>().ok(),
        q.bulk_failed.parse::<u32>().ok(),
    ) {
        (Some(d), Some(0) | None) => Some(format!("{d} findings updated.")),
        (Some(d), Some(f)) => Some(format!(
            "{d} findings updated; {f} could not be (their state no longer allows it)."
        )),
        _ => None,
    };
    Ok(QueuePage {
        nav: Nav::new(&who, "findings"),
        findings: rows,
        queues: QUEUES,
        q,
        staff,
        pager,
        names,
        orgs,
        bulk,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "finding.html")]
pub struct FindingPage {
    nav: Nav,
    d: FindingDetail,
    /// Coordinators and validators: the decision forms.
    staff: bool,
    names: Names,
    /// The description as safe HTML, without a first line repeating the title.
    description_html: String,
    choices: decide::Choices,
}

pub async fn show(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
) -> UiResult<FindingPage> {
    let d = findings::detail(&app, &who, &id).await?;
    let f = &d.finding;
    let mut orgs: Vec<&str> = vec![f.reporter_org.as_str()];
    orgs.extend(d.sightings.iter().map(|s| s.org_id.as_str()));
    orgs.extend(d.similar.iter().map(|s| s.reporter_org.as_str()));
    orgs.extend(d.events.iter().map(|e| e.actor_org.as_str()));
    let mut users: Vec<&str> = vec![f.reported_by.as_str()];
    users.extend(f.validator_id.as_deref());
    users.extend(d.events.iter().map(|e| e.actor.as_str()));
    let names = Names::load(&app, orgs, users).await?;
    let staff = who.has_any_role(CLEARINGHOUSE_READERS);
    let choices = if staff {
        let reporters = crate::store::findings::reporter_orgs(&app.store.pool, &f.id)
            .await
            .map_err(AppError::from)?;
        decide::choices(&who, f, &reporters)
    } else {
        decide::Choices::default()
    };
    let description_html = markdown::render(markdown::without_title(&f.description, &f.title));
    Ok(FindingPage {
        nav: Nav::new(&who, "findings"),
        staff,
        names,
        description_html,
        choices,
        d,
    })
}

#[derive(Deserialize)]
pub struct CompareQuery {
    a: String,
    b: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "finding_compare.html")]
pub struct ComparePage {
    nav: Nav,
    a: Finding,
    b: Finding,
    similarity: f64,
}

fn signature(f: &Finding) -> similarity::Signature {
    similarity::signature(
        &format!("{}\n{}", f.title, f.description),
        f.evidence.as_deref(),
    )
}

pub async fn compare(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(q): Query<CompareQuery>,
) -> UiResult<ComparePage> {
    let a = findings::get_readable(&app, &who, &q.a).await?;
    let b = findings::get_readable(&app, &who, &q.b).await?;
    let similarity = signature(&a).similarity(&signature(&b));
    Ok(ComparePage {
        nav: Nav::new(&who, "findings"),
        a,
        b,
        similarity,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "submissions.html")]
pub struct SubmissionsPage {
    nav: Nav,
    submissions: Vec<Submission>,
}

pub async fn submissions_page(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
) -> UiResult<SubmissionsPage> {
    Ok(SubmissionsPage {
        nav: Nav::new(&who, "submissions"),
        submissions: submissions::list(&app, &who, None, Some(100)).await?.items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "submission.html")]
pub struct SubmissionPage {
    nav: Nav,
    s: Submission,
    rejected: Vec<ItemResult>,
}

pub async fn submission_page(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
) -> UiResult<SubmissionPage> {
    let s = submissions::get(&app, &who, &id).await?;
    let rejected = submissions::items(&app, &who, &id, Some("rejected"), None, Some(50))
        .await?
        .items;
    Ok(SubmissionPage {
        nav: Nav::new(&who, "submissions"),
        s,
        rejected,
    })
}

/// The upload form: text fields first (CSRF token, target, campaign, TLP),
/// then the file, which is streamed to the same workflow as the API's.
pub async fn upload(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    mut form: Multipart,
) -> UiResult<Redirect> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let mut csrf = String::new();
    let mut options = SubmissionOptions::default();
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            check_csrf(&who, &csrf)?;
            options.name = field.file_name().map(str::to_owned);
            let stream = field.map_err(|e| e.to_string());
            let (_, s) = submissions::create(&app, &who, options, Box::pin(stream)).await?;
            return Ok(Redirect::to(&format!("/submissions/{}", s.id)));
        }
        let text = field.text().await.map_err(|e| bad(e.to_string()))?;
        let value = non_empty(&text);
        match name.as_str() {
            "csrf_token" => csrf = text,
            "target" => options.target = value,
            "campaign" => options.campaign = value,
            "tlp" => options.tlp = value,
            _ => {}
        }
    }
    Err(UiError(AppError::invalid("file", "choose a file")))
}
