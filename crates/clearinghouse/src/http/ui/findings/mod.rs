//! Finding pages: the triage and validation queues with filters, a finding
//! with its sightings, possible duplicates (similarity scores) and history,
//! the side-by-side comparison of two findings, and submissions (list,
//! status with rejected items, and the upload form for people).

mod decide;
pub mod pocs;
pub mod review;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearinghouse_domain::similarity;
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::forms::FormError;
use super::markdown;
use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{Nav, UiCaller, UiError, UiResult, check_csrf, file_form};
use crate::app::AppState;
use crate::error::AppError;
use crate::model::finding::{Finding, FindingFilter, ItemResult, Submission};
use crate::store::findings::listing::{SortBy, SubmissionSort, SubmissionTable, TableQuery};
use crate::workflows::findings::pocs::MAX_POC_BYTES;
use crate::workflows::findings::submissions::{self, SubmissionOptions};
use crate::workflows::findings::{self, CLEARINGHOUSE_READERS, FindingDetail};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/findings", get(queue))
        .route("/findings/compare", get(compare))
        .route("/findings/reporters", get(review::reporters))
        .route("/findings/bulk", post(review::bulk))
        .route("/findings/{id}", get(show))
        .route("/findings/{id}/review", post(review::review))
        // The handler stops reading past the vault's limit.
        .route(
            "/findings/{id}/pocs",
            file_form(post(pocs::upload), MAX_POC_BYTES),
        )
        .route("/pocs/{id}/release", post(pocs::request_release))
        .route("/pocs/{id}/download", get(pocs::download))
        .route(
            "/findings/{id}/similar/{other}",
            post(review::decide_similar),
        )
        .route(
            "/submissions",
            get(submissions_page)
                .post(upload)
                // The workflow streams the file and enforces its own limit.
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/submissions/{id}", get(submission_page))
}

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
    /// A refused bulk decision, with the ticks and what was typed.
    typed: BulkTyped,
}

/// The bulk decision form as sent, kept when it is refused.
#[derive(Debug, Default)]
pub struct BulkTyped {
    pub ids: Vec<String>,
    pub action: String,
    pub reason_code: String,
    pub reason: String,
    pub error: Option<FormError>,
}

impl BulkTyped {
    fn ticked(&self, id: &str) -> bool {
        self.ids.iter().any(|i| i == id)
    }
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
    UiCaller { app, who }: UiCaller,
    Query(q): Query<QueueQuery>,
) -> UiResult<QueuePage> {
    queue_view(&app, &who, q, BulkTyped::default()).await
}

/// The queue at `url` (a `/findings?...` path the form came from), with a
/// refused bulk decision to show.
pub(super) async fn queue_at(
    app: &AppState,
    who: &crate::auth::Principal,
    url: &str,
    typed: BulkTyped,
) -> UiResult<QueuePage> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mut q = QueueQuery::default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "state" => q.state = v,
            "severity" => q.severity = v,
            "target" => q.target = v,
            "campaign" => q.campaign = v,
            "reporter_org" => q.reporter_org = v,
            "page" => q.paging.page = v,
            "sort" => q.paging.sort = v,
            "dir" => q.paging.dir = v,
            "q" => q.paging.q = v,
            _ => {}
        }
    }
    queue_view(app, who, q, typed).await
}

async fn queue_view(
    app: &AppState,
    who: &crate::auth::Principal,
    mut q: QueueQuery,
    typed: BulkTyped,
) -> UiResult<QueuePage> {
    let (app, who) = (app.clone(), who.clone());
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
        let every = crate::store::accounts::orgs::OrgTable {
            limit: 5_000,
            ..Default::default()
        };
        crate::workflows::accounts::orgs::table(&app, &who, &every)
            .await?
            .0
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
        typed,
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
    /// Proofs of concept the reader may read, with the reader's release.
    pocs: Vec<pocs::PocRow>,
    /// What was typed in a refused form and why it was refused.
    extras: Extras,
}

/// A refused form on a finding page: its message and the values typed.
#[derive(Debug, Default)]
pub struct Extras {
    /// The decision form: why it was refused and what was typed.
    pub review_error: Option<FormError>,
    pub review: review::ReviewTyped,
    /// The proof-of-concept upload form.
    pub poc_error: Option<FormError>,
    /// A release request or download refused: the artifact's id and why.
    pub poc_refused: Option<(String, String)>,
    /// What just happened (a release requested, a file stored).
    pub notice: Option<String>,
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(n): Query<NoticeQuery>,
) -> UiResult<FindingPage> {
    let extras = Extras {
        notice: pocs::notice(&n.done),
        ..Default::default()
    };
    finding_view(&app, &who, &id, extras).await
}

/// A word in the URL saying what a form just did (`?done=poc`).
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

/// The finding page, with a refused form's message and typed values.
pub(super) async fn finding_view(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    extras: Extras,
) -> UiResult<FindingPage> {
    let d = findings::detail(app, who, id).await?;
    let f = &d.finding;
    let mut orgs: Vec<&str> = vec![f.reporter_org.as_str()];
    orgs.extend(d.sightings.iter().map(|s| s.org_id.as_str()));
    orgs.extend(d.similar.iter().map(|s| s.reporter_org.as_str()));
    orgs.extend(d.events.iter().map(|e| e.actor_org.as_str()));
    let pocs = pocs::rows(app, who, &f.id).await?;
    let mut users: Vec<&str> = vec![f.reported_by.as_str()];
    users.extend(f.validator_id.as_deref());
    users.extend(d.events.iter().map(|e| e.actor.as_str()));
    users.extend(pocs.iter().map(|p| p.poc.uploaded_by.as_str()));
    let names = Names::load(app, orgs, users).await?;
    let staff = who.has_any_role(CLEARINGHOUSE_READERS);
    let choices = if staff {
        let reporters = crate::store::findings::reporter_orgs(&app.store.pool, &f.id)
            .await
            .map_err(AppError::from)?;
        decide::choices(who, f, &reporters)
    } else {
        decide::Choices::default()
    };
    let description_html = markdown::render(markdown::without_title(&f.description, &f.title));
    Ok(FindingPage {
        nav: Nav::new(who, "findings"),
        staff,
        names,
        description_html,
        choices,
        pocs,
        extras,
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
    UiCaller { app, who }: UiCaller,
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
    pager: Pager,
    q: SubmissionsQuery,
    names: Names,
    /// The upload form as typed (not the file), and why it was refused.
    form: SubmitForm,
    form_error: Option<FormError>,
    states: &'static [&'static str],
}

/// The submissions page's view: a state filter and paging.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SubmissionsQuery {
    #[serde(default)]
    pub state: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

/// The upload form's text fields.
#[derive(Debug, Default, Clone)]
pub struct SubmitForm {
    pub target: String,
    pub campaign: String,
    pub tlp: String,
}

/// Submission states, for the filter.
const SUBMISSION_STATES: &[&str] = &["queued", "processing", "done", "failed"];

pub async fn submissions_page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<SubmissionsQuery>,
) -> UiResult<SubmissionsPage> {
    submissions_view(&app, &who, q, SubmitForm::default(), None).await
}

async fn submissions_view(
    app: &AppState,
    who: &crate::auth::Principal,
    q: SubmissionsQuery,
    mut form: SubmitForm,
    form_error: Option<FormError>,
) -> UiResult<SubmissionsPage> {
    let sort = SubmissionSort::parse(&q.paging.sort).unwrap_or_default();
    let descending = q.paging.descending(true);
    let state = q.state.trim();
    let table = SubmissionTable {
        search: q.paging.search(),
        state: (!state.is_empty()).then_some(state),
        sort,
        descending,
        offset: q.paging.offset(),
        limit: PAGE_ROWS,
    };
    let (rows, total) = submissions::table(app, who, &table).await?;
    let names = Names::load(
        app,
        rows.iter().map(|s| s.org_id.as_str()),
        rows.iter().map(|s| s.submitted_by.as_str()),
    )
    .await?;
    let pager = Pager::new(
        "/submissions",
        &[("state", &q.state)],
        &q.paging,
        sort.word(),
        descending,
        rows.len(),
        total,
    );
    if form.tlp.is_empty() {
        form.tlp = "AMBER".to_owned();
    }
    Ok(SubmissionsPage {
        nav: Nav::new(who, "submissions"),
        submissions: rows,
        pager,
        q,
        names,
        form,
        form_error,
        states: SUBMISSION_STATES,
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
    UiCaller { app, who }: UiCaller,
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
/// then the file, which is streamed to the same workflow as the API's. A
/// refusal comes back on the submissions page beside its field, with the
/// text fields as typed (a browser never keeps a chosen file).
pub async fn upload(UiCaller { app, who }: UiCaller, mut form: Multipart) -> UiResult<Response> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let mut csrf = String::new();
    let mut options = SubmissionOptions::default();
    let mut typed = SubmitForm::default();
    let mut outcome = Err(AppError::invalid("file", "choose a file to submit"));
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            check_csrf(&who, &csrf)?;
            options.name = field.file_name().map(str::to_owned);
            if options.name.as_deref().is_none_or(str::is_empty) {
                break;
            }
            let stream = field.map_err(|e| e.to_string());
            outcome = submissions::create(&app, &who, options, Box::pin(stream))
                .await
                .map(|(_, s)| s);
            break;
        }
        let text = field.text().await.map_err(|e| bad(e.to_string()))?;
        let value = non_empty(&text);
        match name.as_str() {
            "csrf_token" => csrf = text,
            "target" => (typed.target, options.target) = (text, value),
            "campaign" => (typed.campaign, options.campaign) = (text, value),
            "tlp" => (typed.tlp, options.tlp) = (text, value),
            _ => {}
        }
    }
    match outcome {
        Ok(s) => Ok(Redirect::to(&format!("/submissions/{}", s.id)).into_response()),
        Err(e) => {
            check_csrf(&who, &csrf)?;
            let (status, err) = FormError::from_app(e, &["file", "target", "campaign", "tlp"])?;
            let page =
                submissions_view(&app, &who, SubmissionsQuery::default(), typed, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}
