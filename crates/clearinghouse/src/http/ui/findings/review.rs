//! Decisions on findings in the browser: the review form of a finding page
//! (triage, take for validation, validate, reject with a reason code,
//! reopen), confirming or splitting a possible duplicate, and the reporter
//! quality table for coordinators. Each form posts to the same workflow as
//! the API and comes back to the finding.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Redirect;
use serde::Deserialize;

use crate::app::AppState;
use crate::http::ui::{Nav, UiAuth, UiResult, check_csrf};
use crate::model::review::ReporterStats;
use crate::workflows::findings::review::{self, ReviewRequest, SimilarityDecision};

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf_token: String,
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

pub async fn review(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let request = ReviewRequest {
        action: f.action,
        reason_code: non_empty(f.reason_code),
        reason: f.reason,
        duplicate_of: non_empty(f.duplicate_of),
        vulnerability: None,
    };
    review::review(&app, &who, &id, request).await?;
    Ok(Redirect::to(&format!("/findings/{id}")))
}

#[derive(Deserialize)]
pub struct SimilarForm {
    csrf_token: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide_similar(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path((id, other)): Path<(String, String)>,
    Form(f): Form<SimilarForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
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

pub async fn reporters(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
) -> UiResult<ReportersPage> {
    Ok(ReportersPage {
        nav: Nav::new(&who, "findings"),
        stats: review::reporter_stats(&app, &who, None).await?,
    })
}
