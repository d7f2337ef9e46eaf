//! What a directive's page shows of what was filed under it: past reports
//! and attestations with who submitted them, when, the values and their
//! evidence files (the agency its own, with a file upload per submission;
//! CISA's readers every organisation's, or one organisation's with
//! `?org=`), and for directive managers the queue of extension and
//! exception requests with a grant/deny form and a reason. Posts go
//! through `workflows::directives::{forms::decide, evidence::attach}` with
//! the session's CSRF token; a refusal shows the page again with the
//! message beside the request or submission at fault, storing nothing.

use axum::extract::{Multipart, Path};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::directive::DirectiveBody;
use serde::Deserialize;

use super::directive_forms::Refused;
use super::directives::{Done, render};
use super::forms::FormError;
use super::names::Names;
use super::upload::{UploadForm, read_upload};
use super::{CsrfForm, UiCaller, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::directives::evidence::{self, MAX_EVIDENCE_BYTES, NewEvidence};
use crate::workflows::directives::forms::{self, RequestDecision, RequestView, list_requests};
use crate::workflows::directives::{DirectiveView, MANAGERS, READ_ALL};

/// How many submissions the page lists (the API has all).
const SUBMISSIONS_SHOWN: usize = 100;
/// How many decided requests the manager's queue lists.
const DECIDED_SHOWN: usize = 50;

/// A refused decision or upload, to show beside its row.
pub enum RecordRefusal {
    Decision {
        request_id: String,
        reason: String,
        error: FormError,
    },
    Evidence {
        submission_id: String,
        error: FormError,
    },
}

/// One evidence file as listed.
pub struct EvidenceLine {
    pub id: String,
    pub name: String,
    pub size: String,
    pub sha256: String,
    pub by: String,
    pub at: String,
}

/// One past submission as listed.
pub struct SubmissionLine {
    pub id: String,
    pub action: String,
    pub kind: String,
    pub org: String,
    pub period: String,
    /// (field as a person reads it, value)
    pub values: Vec<(String, String)>,
    pub by: String,
    pub at: String,
    pub evidence: Vec<EvidenceLine>,
    /// The reader's organisation filed it: it may attach evidence.
    pub can_attach: bool,
    pub error: Option<String>,
}

/// The submissions part of the page.
pub struct SubmissionsView {
    /// "Your organisation's", "Department of Energy's" or "Latest".
    pub heading: String,
    pub items: Vec<SubmissionLine>,
    pub more: usize,
    /// CISA's readers: every organisation's are shown (not one's).
    pub all_orgs: bool,
    pub max_mib: usize,
}

/// One request in the manager's queue.
pub struct QueueLine {
    pub id: String,
    pub org: String,
    pub action: String,
    pub about: String,
    pub kind: String,
    pub justification: String,
    pub by: String,
    pub at: String,
    pub state: String,
    pub decision: String,
    /// The reason as typed (a refused decision).
    pub reason: String,
    pub error: Option<String>,
    /// The reader's own organisation asked: others decide it.
    pub own_org: bool,
}

/// The manager's queue of requests.
pub struct QueueView {
    pub pending: Vec<QueueLine>,
    pub decided: Vec<QueueLine>,
    /// A refused decision about a request no longer waiting.
    pub error: Option<String>,
}

fn human_size(n: i64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / f64::from(1 << 10)),
        n => format!("{n} bytes"),
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "yes".into(),
        serde_json::Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// The submissions `who` may read on this page: its organisation's, or
/// for CISA's readers `org`'s (every organisation's without it).
pub async fn submissions(
    app: &AppState,
    who: &Principal,
    d: &DirectiveView,
    org: Option<&str>,
    refused: Option<&RecordRefusal>,
) -> UiResult<SubmissionsView> {
    let all = who.has_any_role(READ_ALL);
    let org = if all { org } else { None };
    let records = evidence::submissions(app, who, &d.id, org).await?;
    let names = Names::load(
        app,
        records.iter().map(|s| s.org_id.as_str()),
        records
            .iter()
            .flat_map(|s| {
                std::iter::once(s.submitted_by.as_str())
                    .chain(s.evidence.iter().map(|e| e.uploaded_by.as_str()))
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    let more = records.len().saturating_sub(SUBMISSIONS_SHOWN);
    let items = records
        .into_iter()
        .take(SUBMISSIONS_SHOWN)
        .map(|s| {
            let error = match refused {
                Some(RecordRefusal::Evidence {
                    submission_id,
                    error,
                }) if *submission_id == s.id => Some(error.message().to_owned()),
                _ => None,
            };
            SubmissionLine {
                kind: d
                    .body
                    .action(&s.action)
                    .map_or("report", |a| a.kind())
                    .to_owned(),
                org: names.org(&s.org_id).to_owned(),
                values: s
                    .fields
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.replace('_', " "), value_text(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
                by: names.user(&s.submitted_by),
                evidence: s
                    .evidence
                    .iter()
                    .map(|e| EvidenceLine {
                        id: e.id.clone(),
                        name: e.file_name.clone(),
                        size: human_size(e.size_bytes),
                        sha256: e.sha256.clone(),
                        by: names.user(&e.uploaded_by),
                        at: e.uploaded_at.clone(),
                    })
                    .collect(),
                can_attach: s.org_id == who.org_id() && d.state == "issued",
                error,
                id: s.id,
                action: s.action,
                period: s.period,
                at: s.submitted_at,
            }
        })
        .collect();
    let heading = match org {
        _ if !all => "Your organisation's reports and attestations".to_owned(),
        Some(o) => {
            let names = Names::load(app, [o], []).await?;
            format!("Reports and attestations of {}", names.org(o))
        }
        None => "Reports and attestations, newest first".to_owned(),
    };
    Ok(SubmissionsView {
        heading,
        items,
        more,
        all_orgs: all && org.is_none(),
        max_mib: MAX_EVIDENCE_BYTES >> 20,
    })
}

/// What a request is about, in words.
fn about(body: &DirectiveBody, r: &RequestView) -> String {
    let action = body
        .action(&r.action)
        .map_or(r.action.as_str(), |a| a.title());
    match (&r.period, &r.exposure_id) {
        (Some(p), _) => format!("{action}, period due {p}"),
        (None, Some(_)) => format!("{action}, one exposure"),
        (None, None) => action.to_owned(),
    }
}

/// The manager's queue: pending requests first, then the latest decided.
pub async fn queue(
    app: &AppState,
    who: &Principal,
    d: &DirectiveView,
    refused: Option<&RecordRefusal>,
) -> UiResult<QueueView> {
    let all = list_requests(app, who, &d.id, None, None).await?;
    let names = Names::load(
        app,
        all.iter().map(|r| r.org_id.as_str()),
        all.iter()
            .flat_map(|r| std::iter::once(r.requested_by.as_str()).chain(r.decided_by.as_deref()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let line = |r: &RequestView| {
        let (reason, error) = match refused {
            Some(RecordRefusal::Decision {
                request_id,
                reason,
                error,
            }) if *request_id == r.id => (reason.clone(), Some(error.message().to_owned())),
            _ => (String::new(), None),
        };
        QueueLine {
            id: r.id.clone(),
            org: names.org(&r.org_id).to_owned(),
            action: r.action.clone(),
            about: about(&d.body, r),
            kind: match &r.until {
                Some(u) => format!("{} to {u}", r.kind),
                None => r.kind.clone(),
            },
            justification: r.justification.clone(),
            by: names.user(&r.requested_by),
            at: r.requested_at.clone(),
            state: r.state.clone(),
            decision: match (&r.decided_by, &r.decision_reason) {
                (Some(by), Some(why)) => format!("{} by {}: {why}", r.state, names.user(by)),
                (Some(by), None) => format!("{} by {}", r.state, names.user(by)),
                _ => String::new(),
            },
            reason,
            error,
            own_org: r.org_id == who.org_id(),
        }
    };
    let pending: Vec<QueueLine> = all
        .iter()
        .filter(|r| r.state == "pending")
        .map(line)
        .collect();
    let mut decided: Vec<QueueLine> = all
        .iter()
        .filter(|r| r.state != "pending")
        .map(line)
        .collect();
    decided.reverse();
    decided.truncate(DECIDED_SHOWN);
    let error = match refused {
        Some(RecordRefusal::Decision {
            request_id, error, ..
        }) if !pending.iter().any(|p| p.id == *request_id) => Some(error.message().to_owned()),
        _ => None,
    };
    for d in &mut decided {
        d.error = None;
    }
    Ok(QueueView {
        pending,
        decided,
        error,
    })
}

/// Whether `who` decides requests.
pub fn decides(who: &Principal) -> bool {
    who.has_any_role(MANAGERS)
}

#[derive(Debug, Deserialize)]
pub struct DecisionPost {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /directives/{id}/requests/{request}/decide`: grant or deny.
pub async fn decide(
    UiCaller { app, who }: UiCaller,
    Path((id, request_id)): Path<(String, String)>,
    CsrfForm(p): CsrfForm<DecisionPost>,
) -> UiResult<Response> {
    let input = RequestDecision {
        decision: p.decision.clone(),
        reason: Some(p.reason.clone()),
    };
    match forms::decide(&app, &who, &request_id, input).await {
        Ok(r) => Ok(Redirect::to(&format!(
            "/directives/{}?done=decided#request-queue",
            r.directive_id
        ))
        .into_response()),
        Err(e) => {
            let (status, error) = FormError::from_app(e, &["decision", "reason"])?;
            let refused = Refused::Records(RecordRefusal::Decision {
                request_id,
                reason: p.reason,
                error,
            });
            let page = render(&app, &who, &id, Some(refused), &Done::default()).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `POST /directives/{id}/reports/{submission}/evidence`: a file as a
/// multipart form (the CSRF token first, then `file`).
pub async fn attach(
    UiCaller { app, who }: UiCaller,
    Path((id, submission_id)): Path<(String, String)>,
    form: Multipart,
) -> UiResult<Response> {
    let UploadForm {
        csrf,
        file,
        refused,
    } = read_upload(form, "file", MAX_EVIDENCE_BYTES).await?;
    check_csrf(&who, &csrf)?;
    let done = match (refused, file) {
        (Some(e), _) => Err(e),
        (None, Some(f)) if f.name.as_deref().is_some_and(|n| !n.is_empty()) => {
            let input = NewEvidence {
                name: f.name,
                media_type: f.media_type,
            };
            evidence::attach(&app, &who, &submission_id, input, f.bytes).await
        }
        (None, _) => Err(AppError::invalid("file", "choose a file")),
    };
    match done {
        Ok(_) => Ok(
            Redirect::to(&format!("/directives/{id}?done=evidence#submissions")).into_response(),
        ),
        Err(e) => {
            let (status, error) = FormError::from_app(e, &["file", "name", "media_type"])?;
            let refused = Refused::Records(RecordRefusal::Evidence {
                submission_id,
                error,
            });
            let page = render(&app, &who, &id, Some(refused), &Done::default()).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `GET /directive-evidence/{id}/download`: the file, for those who may
/// read its submission (404 for anyone else).
pub async fn download(
    UiCaller { app, who }: UiCaller,
    Path(evidence_id): Path<String>,
) -> UiResult<Response> {
    let (e, bytes) = evidence::download(&app, &who, &evidence_id).await?;
    Ok(crate::http::api::directives::evidence::file_response(
        &e, bytes,
    ))
}
