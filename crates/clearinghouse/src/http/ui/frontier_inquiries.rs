//! Designation inquiries in the web UI: `/inquiries` (the developer's own
//! inquiries; a consultant's pending consultations; an authority's
//! decision queue with the computed rule outcome) and `/inquiries/{id}`
//! (state, dates, outcome and released parts for the developer; for
//! officials the consultees, the rule's findings and the forms of their
//! step: respond, propose the decision, approve it as a second authority,
//! communicate, release). Every form goes through
//! `workflows::frontier::inquiries`; a refusal comes back on the page,
//! beside the form, with its message. Things are named (the model by name
//! and version where the caller reads it, organisations, suites, people);
//! ids show only as secondary `<code class="id">` text.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearinghouse_domain::approval::Decision;
use clearinghouse_domain::identity::Role;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::names::Names;
use super::{CsrfForm, Nav, NoFields, UiCaller, UiResult, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::approvals::{self, DecisionInput};
use crate::workflows::frontier::inquiries::{self, NewConsultation, NewDecision, NewRelease};
use crate::workflows::frontier::inquiry_view::{InquiryView, is_official};
use crate::workflows::frontier::{models, run_view, suites};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inquiries", get(list))
        .route("/inquiries/{id}", get(show))
        .route("/inquiries/{id}/respond", post(respond))
        .route("/inquiries/{id}/decide", post(decide))
        .route("/inquiries/{id}/approve", post(approve))
        .route("/inquiries/{id}/communicate", post(communicate))
        .route("/inquiries/{id}/release", post(release))
}

/// One line of a list.
pub struct Row {
    pub id: String,
    pub model_id: String,
    /// "name version" of the model, when the caller reads it.
    pub model: Option<String>,
    pub state: String,
    pub outcome: String,
    pub computed: String,
    pub outstanding: usize,
    pub created_at: String,
    pub updated_at: String,
}

/// The model's "name version", when `who` reads it (an unreadable model
/// stays unnamed: its id is all the inquiry says).
async fn model_name(app: &AppState, who: &Principal, id: &str) -> UiResult<Option<String>> {
    match models::get(app, who, id).await {
        Ok(m) => Ok(Some(format!("{} {}", m.name, m.version))),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Model names for a list, each model looked up once.
async fn model_names(
    app: &AppState,
    who: &Principal,
    items: &[InquiryView],
) -> UiResult<HashMap<String, Option<String>>> {
    let mut out = HashMap::new();
    for v in items {
        if !out.contains_key(&v.model_id) {
            let name = model_name(app, who, &v.model_id).await?;
            out.insert(v.model_id.clone(), name);
        }
    }
    Ok(out)
}

fn row(v: &InquiryView, models: &HashMap<String, Option<String>>) -> Row {
    Row {
        id: v.id.clone(),
        model_id: v.model_id.clone(),
        model: models.get(&v.model_id).cloned().flatten(),
        state: v.state.clone(),
        outcome: v.outcome.clone().unwrap_or_else(|| "—".into()),
        computed: v
            .computed
            .as_ref()
            .and_then(|c| c["determination"].as_str())
            .unwrap_or("—")
            .to_owned(),
        outstanding: v.outstanding_consultations.as_ref().map_or(0, Vec::len),
        created_at: v.created_at.clone(),
        updated_at: v.updated_at.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inquiries.html")]
pub struct InquiriesPage {
    nav: Nav,
    official: bool,
    consultant: bool,
    authority: bool,
    /// Consultations waiting for the caller's consultee.
    pending: Vec<Row>,
    /// Inquiries whose consultations are complete (authorities).
    queue: Vec<Row>,
    all: Vec<Row>,
}

fn answered_by_me(v: &InquiryView, who: &Principal) -> bool {
    v.consultees.as_ref().is_some_and(|cs| {
        cs.iter()
            .any(|c| c.recorded_by.as_deref() == Some(who.user_id()))
    })
}

pub async fn list(UiCaller { app, who }: UiCaller) -> UiResult<InquiriesPage> {
    let items = inquiries::list(&app, &who, None, None, Some(200))
        .await?
        .items;
    let models = model_names(&app, &who, &items).await?;
    let row = |v: &InquiryView| row(v, &models);
    let consultant = who.has_role(Role::Consultant);
    let authority = who.has_role(Role::DesignationAuthority);
    let pending = items
        .iter()
        .filter(|v| consultant && v.state == "consulting" && !answered_by_me(v, &who))
        .map(&row)
        .collect();
    let queue = items
        .iter()
        .filter(|v| {
            authority
                && v.state == "consulting"
                && v.outstanding_consultations
                    .as_ref()
                    .is_some_and(Vec::is_empty)
        })
        .map(&row)
        .collect();
    Ok(InquiriesPage {
        nav: Nav::new(&who, "inquiries"),
        official: is_official(&who),
        consultant,
        authority,
        pending,
        queue,
        all: items.iter().map(&row).collect(),
    })
}

/// A finding of the rule, for display (no threshold: only where the
/// interval lies relative to it).
pub struct FindingRow {
    pub suite_id: String,
    /// The suite's name, filled in when the caller reads the suite.
    pub suite: Option<String>,
    pub statistic: String,
    pub interval: String,
    pub relation: String,
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "—".into(), |f| format!("{:.1}%", f * 100.0))
}

fn findings(v: &Value) -> Vec<FindingRow> {
    v["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| FindingRow {
                    suite_id: f["suite_id"].as_str().unwrap_or_default().to_owned(),
                    suite: None,
                    statistic: match (f["statistic"]["kind"].as_str(), &f["statistic"]["k"]) {
                        (Some("pass_at_k"), k) => format!("pass@{k}"),
                        (Some(kind), _) => kind.replace('_', " "),
                        _ => f["statistic"].to_string(),
                    },
                    interval: if f["interval"].is_null() {
                        "no score".into()
                    } else {
                        format!(
                            "{} [{}, {}]",
                            pct(&f["interval"]["point"]),
                            pct(&f["interval"]["lower"]),
                            pct(&f["interval"]["upper"])
                        )
                    },
                    relation: f["relation"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "inquiry.html")]
pub struct InquiryPage {
    nav: Nav,
    q: InquiryView,
    /// The model's "name version", when the caller reads it.
    model: Option<String>,
    names: Names,
    official: bool,
    consultant: bool,
    authority: bool,
    /// The caller proposed the pending decision (cannot approve it).
    proposer: bool,
    computed: String,
    findings: Vec<FindingRow>,
    released_findings: Vec<FindingRow>,
    /// The released parts other than findings, as a person reads them.
    released: Released,
    /// `(form, message)` of a refusal to show beside its form.
    error: Option<(String, String)>,
}

impl InquiryPage {
    fn error_for(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == form)
            .map(|(_, m)| m.as_str())
    }
}

async fn page(
    app: &AppState,
    who: &Principal,
    id: &str,
    error: Option<(String, String)>,
) -> UiResult<InquiryPage> {
    let q = inquiries::get(app, who, id).await?;
    let computed = q
        .computed
        .as_ref()
        .and_then(|c| c["determination"].as_str())
        .unwrap_or("—")
        .to_owned();
    let mut findings = q.computed.as_ref().map(findings).unwrap_or_default();
    let released = q.released.clone().unwrap_or(Value::Null);
    let mut released_findings = released
        .get("findings")
        .map(findings_of_list)
        .unwrap_or_default();
    name_suites(app, who, &mut findings).await?;
    name_suites(app, who, &mut released_findings).await?;
    let model = model_name(app, who, &q.model_id).await?;
    let mut people: Vec<&str> = q.releases.iter().map(|r| r.released_by.as_str()).collect();
    if let Some(d) = &q.decision {
        people.extend([d.proposed_by.as_str(), d.approved_by.as_str()]);
    }
    if let Some(cs) = &q.consultees {
        people.extend(cs.iter().filter_map(|c| c.recorded_by.as_deref()));
    }
    let names = Names::load(app, [q.developer_org.as_str()], people).await?;
    let released = released_parts(app, who, &released).await?;
    let proposer = q
        .proposal
        .as_ref()
        .is_some_and(|p| p["proposed_by"].as_str() == Some(who.user_id()));
    Ok(InquiryPage {
        nav: Nav::new(who, "inquiries"),
        official: is_official(who),
        consultant: who.has_role(Role::Consultant),
        authority: who.has_role(Role::DesignationAuthority),
        proposer,
        computed,
        findings,
        released_findings,
        released,
        model,
        names,
        q,
        error,
    })
}

/// A run the developer was told the decision rests on: what it ran, when
/// the caller may read the run; otherwise only that it exists.
pub struct ReleasedRun {
    pub id: String,
    /// "suite key · model as Inspect named it", when the caller reads it.
    pub label: Option<String>,
    pub imported: Option<String>,
}

/// One consultee's released answer.
pub struct ReleasedConsultation {
    pub consultee: String,
    pub response: String,
    pub comment: Option<String>,
}

/// The released parts other than findings, each in words: never JSON.
#[derive(Default)]
pub struct Released {
    /// `Some` once the reason is released; the inner `None` says the
    /// decision followed the computed rule (no reason was needed).
    pub reason: Option<Option<String>>,
    pub runs: Option<Vec<ReleasedRun>>,
    pub consultations: Option<Vec<ReleasedConsultation>>,
}

impl Released {
    fn is_empty(&self) -> bool {
        self.reason.is_none() && self.runs.is_none() && self.consultations.is_none()
    }
}

/// Reads the developer view's `released` map into [`Released`].
async fn released_parts(app: &AppState, who: &Principal, released: &Value) -> UiResult<Released> {
    let mut out = Released::default();
    if let Some(r) = released.get("reason") {
        out.reason = Some(r.as_str().map(str::to_owned));
    }
    if let Some(list) = released.get("runs").and_then(Value::as_array) {
        let mut runs = Vec::new();
        for id in list.iter().filter_map(Value::as_str) {
            let (label, imported) = match run_view::get(app, who, id).await {
                Ok(r) => (
                    Some(format!("{} · {}", r.suite_key, r.model)),
                    Some(super::when::time(&r.created_at)),
                ),
                Err(AppError::NotFound | AppError::Forbidden(_)) => (None, None),
                Err(e) => return Err(e.into()),
            };
            runs.push(ReleasedRun {
                id: id.to_owned(),
                label,
                imported,
            });
        }
        out.runs = Some(runs);
    }
    if let Some(list) = released.get("consultations").and_then(Value::as_array) {
        out.consultations = Some(
            list.iter()
                .map(|c| ReleasedConsultation {
                    consultee: c["consultee"].as_str().unwrap_or_default().to_owned(),
                    response: match c["response"].as_str() {
                        Some("concur") => "concurred".to_owned(),
                        Some("dissent") => "dissented".to_owned(),
                        Some("declined") => "declined to comment".to_owned(),
                        Some(other) => other.to_owned(),
                        None => "did not answer".to_owned(),
                    },
                    comment: c["comment"]
                        .as_str()
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                })
                .collect(),
        );
    }
    Ok(out)
}

/// Names each finding's suite the caller reads (the id stays for the rest).
async fn name_suites(app: &AppState, who: &Principal, rows: &mut [FindingRow]) -> UiResult<()> {
    let mut known: HashMap<String, Option<String>> = HashMap::new();
    for r in rows.iter_mut() {
        if !known.contains_key(&r.suite_id) {
            let name = match suites::get(app, who, &r.suite_id).await {
                Ok(s) => Some(s.name),
                Err(AppError::NotFound | AppError::Forbidden(_) | AppError::Conflict(_)) => None,
                Err(e) => return Err(e.into()),
            };
            known.insert(r.suite_id.clone(), name);
        }
        r.suite = known.get(&r.suite_id).cloned().flatten();
    }
    Ok(())
}

fn findings_of_list(v: &Value) -> Vec<FindingRow> {
    findings(&serde_json::json!({ "findings": v }))
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<InquiryPage> {
    page(&app, &who, &id, None).await
}

/// The page again after a step: a redirect, or the refusal beside `form`.
async fn after(
    app: &AppState,
    who: &Principal,
    id: &str,
    form: &str,
    result: Result<(), AppError>,
) -> UiResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/inquiries/{id}")).into_response()),
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let p = page(app, who, id, Some((form.to_owned(), message))).await?;
            Ok((status, p).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RespondForm {
    response: String,
    #[serde(default)]
    comment: String,
}

pub async fn respond(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RespondForm>,
) -> UiResult<Response> {
    let input = NewConsultation {
        response: f.response,
        comment: Some(f.comment),
    };
    let r = inquiries::respond(&app, &who, &id, input).await.map(drop);
    after(&app, &who, &id, "respond", r).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    determination: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecideForm>,
) -> UiResult<Response> {
    let input = NewDecision {
        determination: f.determination,
        reason: Some(f.reason).filter(|r| !r.trim().is_empty()),
    };
    let r = inquiries::propose_decision(&app, &who, &id, input)
        .await
        .map(drop);
    after(&app, &who, &id, "decide", r).await
}

#[derive(Deserialize)]
pub struct ApproveForm {
    decision: String,
}

/// A second authority approves (or rejects) the pending decision.
pub async fn approve(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ApproveForm>,
) -> UiResult<Response> {
    let q = inquiries::get(&app, &who, &id).await?;
    let r = match (q.approval_id, f.decision.as_str()) {
        (Some(approval), "approve" | "reject") => {
            let input = DecisionInput {
                decision: if f.decision == "approve" {
                    Decision::Approve
                } else {
                    Decision::Reject
                },
                reason: None,
            };
            approvals::decide(&app, &who, &approval, input)
                .await
                .map(drop)
        }
        (None, _) => Err(AppError::Conflict("no decision awaits approval".into())),
        _ => Err(AppError::invalid("decision", "must be approve or reject")),
    };
    after(&app, &who, &id, "approve", r).await
}

pub async fn communicate(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let r = inquiries::communicate(&app, &who, &id).await.map(drop);
    after(&app, &who, &id, "communicate", r).await
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    part: String,
}

pub async fn release(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReleaseForm>,
) -> UiResult<Response> {
    let r = inquiries::release(&app, &who, &id, NewRelease { part: f.part })
        .await
        .map(drop);
    after(&app, &who, &id, "release", r).await
}
