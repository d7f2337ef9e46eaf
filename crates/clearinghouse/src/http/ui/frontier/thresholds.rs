//! The threshold policy page for designation authorities: per suite, the
//! threshold versions the reader's clearance admits (state, values,
//! commitment, the two-person request), and the form to propose a new
//! version, which files a `set_threshold` request a second designation
//! authority approves on the approvals page. Values come only from
//! `workflows::frontier::thresholds`, which returns nothing to readers the
//! policy's labels (default `FRONTIER & CLASSIFIED`) do not admit; this
//! page is also refused to anyone who is not a designation authority.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Role;
use serde::Deserialize;

use super::{Tabs, day, field_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::{CsrfForm, Nav, UiCaller, UiError, UiResult, inline_error};
use crate::workflows::frontier::suites::{self, SuiteView};
use crate::workflows::frontier::thresholds::{
    self, DEFAULT_VISIBILITY, NewPassAtK, NewThreshold, ThresholdView,
};

/// What was typed into the proposal form.
#[derive(Debug, Default, Deserialize)]
pub struct ThresholdForm {
    #[serde(default)]
    pub suite: String,
    #[serde(default)]
    pub success_rate: String,
    #[serde(default)]
    pub pass_at_k_k: String,
    #[serde(default)]
    pub pass_at_k_rate: String,
    #[serde(default)]
    pub visibility: String,
}

impl ThresholdForm {
    fn input(&self) -> Result<NewThreshold, AppError> {
        let (k, rate) = (self.pass_at_k_k.trim(), self.pass_at_k_rate.trim());
        let pass_at_k = match (k.is_empty(), rate.is_empty()) {
            (true, true) => None,
            (false, false) => Some(NewPassAtK {
                k: k.parse()
                    .map_err(|_| AppError::invalid("pass_at_k.k", "must be a whole number"))?,
                rate: rate.to_owned(),
            }),
            _ => {
                return Err(AppError::invalid(
                    "pass_at_k",
                    "give both k and the rate, or neither",
                ));
            }
        };
        let visibility = self.visibility.trim();
        Ok(NewThreshold {
            success_rate: self.success_rate.trim().to_owned(),
            pass_at_k,
            tlp: None,
            visibility: (!visibility.is_empty()).then(|| visibility.to_owned()),
        })
    }
}

/// A suite and the threshold versions the reader may read.
pub struct SuiteThresholds {
    pub suite: SuiteView,
    pub versions: Vec<ThresholdView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_thresholds.html")]
pub struct ThresholdsPage {
    nav: Nav,
    tabs: Tabs,
    suites: Vec<SuiteThresholds>,
    names: Names,
    /// Whether any version at all was readable (else: the clearance note).
    any_readable: bool,
    form: ThresholdForm,
    error: Option<FieldError>,
    /// The request just filed.
    proposed: Option<String>,
}

impl ThresholdsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(
            &self.error,
            &["suite", "success_rate", "pass_at_k", "visibility"],
        )
    }

    fn day(ts: &Option<String>) -> &str {
        ts.as_deref().map(day).unwrap_or("")
    }

    /// The suite's rate, `25.0000%`, as the policy holds it.
    fn rate(t: &ThresholdView) -> String {
        t.policy
            .suite(&t.suite_id)
            .map(|s| s.success_rate.to_string())
            .unwrap_or_default()
    }

    fn pass_at_k(t: &ThresholdView) -> String {
        t.policy
            .suite(&t.suite_id)
            .and_then(|s| s.pass_at_k)
            .map(|p| format!("pass@{} ≥ {}", p.k, p.rate))
            .unwrap_or_else(|| "—".to_owned())
    }
}

fn require_authority(who: &Principal) -> UiResult<()> {
    if who.has_role(Role::DesignationAuthority) {
        Ok(())
    } else {
        Err(UiError(AppError::forbidden(
            "threshold policies are kept by designation authorities",
        )))
    }
}

async fn view(
    app: &AppState,
    who: &Principal,
    form: ThresholdForm,
    error: Option<FieldError>,
    proposed: Option<String>,
) -> UiResult<ThresholdsPage> {
    let every = all_pages!(c => suites::list(app, who, c.as_deref(), Some(500)));
    let mut out = Vec::with_capacity(every.len());
    for suite in every {
        let mut versions = thresholds::list(app, who, &suite.id).await?;
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        out.push(SuiteThresholds { suite, versions });
    }
    out.sort_by(|a, b| {
        a.suite
            .name
            .to_lowercase()
            .cmp(&b.suite.name.to_lowercase())
    });
    let any_readable = out.iter().any(|s| !s.versions.is_empty());
    let orgs: Vec<String> = out.iter().map(|s| s.suite.owner_org.clone()).collect();
    let users: Vec<String> = out
        .iter()
        .flat_map(|s| s.versions.iter().map(|v| v.created_by.clone()))
        .collect();
    let names = Names::load(
        app,
        orgs.iter().map(String::as_str),
        users.iter().map(String::as_str),
    )
    .await?;
    Ok(ThresholdsPage {
        nav: Nav::new(who, "frontier"),
        tabs: Tabs::of(who, "thresholds"),
        suites: out,
        names,
        any_readable,
        form,
        error,
        proposed,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ThresholdsQuery {
    /// The approval request just filed (its id, shown with a link).
    #[serde(default)]
    pub proposed: String,
    #[serde(default)]
    pub suite: String,
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<ThresholdsQuery>,
) -> UiResult<ThresholdsPage> {
    require_authority(&who)?;
    let form = ThresholdForm {
        suite: q.suite,
        visibility: DEFAULT_VISIBILITY.to_owned(),
        ..Default::default()
    };
    let proposed = Some(q.proposed).filter(|p| !p.is_empty());
    view(&app, &who, form, None, proposed).await
}

/// Files the proposal as a two-person request and comes back to the page;
/// a refusal is shown beside its field with the form as typed.
pub async fn propose(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<ThresholdForm>,
) -> UiResult<Response> {
    require_authority(&who)?;
    let outcome = match f.input() {
        Ok(input) => thresholds::propose(&app, &who, f.suite.trim(), input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(p) => Ok(Redirect::to(&format!(
            "/frontier/thresholds?proposed={}#threshold-proposed",
            p.approval.id
        ))
        .into_response()),
        Err(e) => {
            let e = match e {
                AppError::NotFound => AppError::invalid("suite", "choose a suite you may read"),
                other => other,
            };
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let error = Some(FieldError { field, message });
            let page = view(&app, &who, f, error, None).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}
