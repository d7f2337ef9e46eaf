//! Lifting an embargo from a vulnerability's page: coordinators give a
//! reason and the same workflow as `POST /api/v1/vulnerabilities/{id}/lift-embargo`
//! runs (audited, every exposed operator told). A refusal comes back on the
//! page beside the reason, with what was typed kept.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Role;
use serde::Deserialize;

use super::forms::FormError;
use super::vulnerabilities::vulnerability_view;
use super::{CsrfForm, UiCaller, UiResult};
use crate::auth::Principal;
use crate::workflows::advisories;

/// The embargo form's state on the vulnerability page.
#[derive(Debug, Default)]
pub struct LiftForm {
    /// Whether the reader may lift embargoes (coordinators).
    pub allowed: bool,
    pub reason: String,
    pub error: Option<FormError>,
    pub notice: Option<String>,
}

/// `?done=lifted` after a lift.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

impl LiftForm {
    pub fn after(who: &Principal, done: &Done) -> LiftForm {
        LiftForm {
            allowed: who.has_role(Role::Coordinator),
            notice: (done.done == "lifted").then(|| {
                "Embargo lifted: the vulnerability is public now and exposed operators are told."
                    .to_owned()
            }),
            ..Default::default()
        }
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn lift(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> UiResult<Response> {
    match advisories::lift_embargo(&app, &who, &id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/vulnerabilities/{id}?done=lifted")).into_response()),
        Err(e) => {
            let (status, err) = FormError::from_app(e, &["reason"])?;
            let form = LiftForm {
                allowed: who.has_role(Role::Coordinator),
                reason: f.reason,
                error: Some(err),
                notice: None,
            };
            let page = vulnerability_view(&app, &who, &id, form).await?;
            Ok((status, page).into_response())
        }
    }
}
