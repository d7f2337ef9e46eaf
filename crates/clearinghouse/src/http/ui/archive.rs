//! The archive forms: archive and unarchive on the asset page, archive on
//! the organisation list (platform admins). A refusal (no reason, already
//! archived, active users) is shown beside the form, not as an error page.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::directory::orgs_view;
use super::exposure::asset_view;
use super::{CsrfForm, UiCaller, UiResult, inline_error};
use crate::app::AppState;
use crate::workflows::archive;

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    /// The organisation form's checkbox.
    disable_users: Option<String>,
}

/// Archives or unarchives an asset; back to its page either way.
async fn asset_action(
    app: AppState,
    who: crate::auth::Principal,
    id: String,
    f: ReasonForm,
    archive: bool,
) -> UiResult<Response> {
    let done = if archive {
        archive::archive_asset(&app, &who, &id, &f.reason).await
    } else {
        archive::unarchive_asset(&app, &who, &id, &f.reason).await
    };
    match done {
        Ok(asset) => Ok(Redirect::to(&format!("/assets/{}", asset.id)).into_response()),
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let page = asset_view(&app, &who, &id, Some(message), Default::default()).await?;
            Ok((status, page).into_response())
        }
    }
}

pub async fn archive_asset(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> UiResult<Response> {
    asset_action(app, who, id, f, true).await
}

pub async fn unarchive_asset(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> UiResult<Response> {
    asset_action(app, who, id, f, false).await
}

pub async fn archive_org(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> UiResult<Response> {
    let disable = f.disable_users.is_some();
    match archive::archive_org(&app, &who, &id, &f.reason, disable).await {
        Ok(_) => Ok(Redirect::to("/orgs").into_response()),
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let page = orgs_view(&app, &who, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}
