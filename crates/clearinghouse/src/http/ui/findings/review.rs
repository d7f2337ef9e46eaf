//! Decisions on findings in the browser: the review form of a finding page
//! (triage, take for validation, validate, reject with a reason code,
//! reopen), confirming or splitting a possible duplicate, and the reporter
//! quality table for coordinators. Each form posts to the same workflow as
//! the API and comes back to the finding; a refusal comes back on the page
//! with the message beside the form and what was typed kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Extras, finding_view};
use crate::http::ui::forms::FormError;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiResult, check_csrf};
use crate::model::review::ReporterStats;
use crate::workflows::findings::review::{self, ReviewRequest, SimilarityDecision};

#[derive(Deserialize)]
pub struct ReviewForm {
    action: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// What was typed in the decision form, kept when it is refused.
#[derive(Debug, Default, Clone)]
pub struct ReviewTyped {
    pub action: String,
    pub reason_code: String,
    pub reason: String,
    pub duplicate_of: String,
}

pub async fn review(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> UiResult<Response> {
    let typed = ReviewTyped {
        action: f.action.clone(),
        reason_code: f.reason_code.clone(),
        reason: f.reason.clone(),
        duplicate_of: f.duplicate_of.clone(),
    };
    let request = ReviewRequest {
        action: f.action,
        reason_code: non_empty(f.reason_code),
        reason: f.reason,
        duplicate_of: non_empty(f.duplicate_of),
        vulnerability: None,
    };
    match review::review(&app, &who, &id, request).await {
        Ok(_) => Ok(Redirect::to(&format!("/findings/{id}")).into_response()),
        Err(e) => {
            let fields = ["action", "reason_code", "reason", "duplicate_of"];
            let (status, err) = FormError::from_app(e, &fields)?;
            let extras = Extras {
                review_error: Some(err),
                review: typed,
                ..Default::default()
            };
            let page = finding_view(&app, &who, &id, extras).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SimilarForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide_similar(
    UiCaller { app, who }: UiCaller,
    Path((id, other)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<SimilarForm>,
) -> UiResult<Redirect> {
    let decision = SimilarityDecision {
        decision: f.decision,
        reason: f.reason,
    };
    review::decide_similar(&app, &who, &id, &other, decision).await?;
    Ok(Redirect::to(&format!("/findings/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "reporters.html")]
pub struct ReportersPage {
    nav: Nav,
    stats: Vec<ReporterStats>,
}

pub async fn reporters(UiCaller { app, who }: UiCaller) -> UiResult<ReportersPage> {
    Ok(ReportersPage {
        nav: Nav::new(&who, "findings"),
        stats: review::reporter_stats(&app, &who, None).await?,
    })
}

/// Many findings, one decision: the ticked rows of a queue page triaged or
/// rejected with one reason. Each finding goes through the same workflow
/// (and gets its own audit entry); those whose state no longer allows the
/// action are counted, not fatal. The form's fields repeat (`id`), so the
/// body is read as pairs.
pub async fn bulk(UiCaller { app, who }: UiCaller, body: axum::body::Bytes) -> UiResult<Response> {
    let mut csrf = String::new();
    let (mut action, mut reason, mut reason_code, mut back) =
        (String::new(), String::new(), String::new(), String::new());
    let mut ids = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf_token" => csrf = v.into_owned(),
            "action" => action = v.into_owned(),
            "reason" => reason = v.into_owned(),
            "reason_code" => reason_code = v.into_owned(),
            "back" => back = v.into_owned(),
            "id" => ids.push(v.into_owned()),
            _ => {}
        }
    }
    check_csrf(&who, &csrf)?;
    let back = if back.starts_with("/findings") && !back.starts_with("//") {
        back
    } else {
        "/findings".to_owned()
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    // Nothing ticked, or no reason: the queue again, saying so, with the
    // ticks and what was typed kept.
    let refusal = if ids.is_empty() {
        Some(FormError::field("id", "tick the findings to decide first"))
    } else if reason.trim().is_empty() {
        Some(FormError::field(
            "reason",
            "give the reason for this decision; it is recorded on every finding",
        ))
    } else {
        None
    };
    if let Some(err) = refusal {
        let typed = super::BulkTyped {
            ids,
            action,
            reason_code,
            reason,
            error: Some(err),
        };
        let page = super::queue_at(&app, &who, &back, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (mut done, mut failed) = (0u32, 0u32);
    for id in ids {
        let request = ReviewRequest {
            action: action.clone(),
            reason_code: non_empty(reason_code.clone()),
            reason: reason.clone(),
            duplicate_of: None,
            vulnerability: None,
        };
        match review::review(&app, &who, &id, request).await {
            Ok(_) => done += 1,
            Err(e) => {
                // A refusal of this one finding (its state moved on, not
                // readable) is counted; a failure of the system is not hidden.
                crate::http::ui::inline_error(e)?;
                failed += 1;
            }
        }
    }
    Ok(Redirect::to(&format!("{back}{sep}bulk_done={done}&bulk_failed={failed}")).into_response())
}
