//! Proofs of concept on a finding page: the list of the finding's sealed
//! artifacts the reader may read, the upload form, the two-person release
//! request and the download of a released artifact. Each posts to the same
//! workflow as the API (`workflows::findings::pocs`); a refusal comes back
//! on the finding page beside the form or artifact it concerns.

use axum::extract::{Multipart, Path};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::TryStreamExt;

use super::{Extras, finding_view};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::AppError;
use crate::http::ui::forms::FormError;
use crate::http::ui::{CsrfForm, UiCaller, UiError, UiResult, check_csrf};
use crate::model::poc::PocArtifact;
use crate::workflows::MAX_PAGE;
use crate::workflows::findings::pocs::{self, MAX_POC_BYTES, NewPoc, ReleaseRequest};

/// An artifact as the finding page shows it.
pub struct PocRow {
    pub poc: PocArtifact,
    /// When the reader's approved release ends, if the reader holds one.
    pub released_until: Option<String>,
}

/// The finding's artifacts the reader may read, with the reader's release.
pub(super) async fn rows(
    app: &AppState,
    who: &Principal,
    finding_id: &str,
) -> UiResult<Vec<PocRow>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = pocs::list(app, who, finding_id, cursor.as_deref(), Some(MAX_PAGE)).await?;
        for poc in page.items {
            let released_until = crate::store::findings::pocs::active_release(
                &app.store.pool,
                &poc.id,
                who.user_id(),
                &clock::now_text(),
            )
            .await
            .map_err(AppError::from)?
            .map(|r| r.expires_at);
            out.push(PocRow {
                poc,
                released_until,
            });
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// The notice for `?done=WORD` after a form on the finding page.
pub(super) fn notice(done: &str) -> Option<String> {
    match done {
        "poc" => Some("Proof of concept stored, sealed.".to_owned()),
        "release" => Some(
            "Release requested: a coordinator other than you decides it on the approvals page."
                .to_owned(),
        ),
        _ => None,
    }
}

fn refused_page(status: axum::http::StatusCode, page: super::FindingPage) -> Response {
    (status, page).into_response()
}

/// Stores a proof of concept for the finding: text fields (CSRF token, TLP)
/// first, then the file.
pub async fn upload(
    UiCaller { app, who }: UiCaller,
    Path(finding_id): Path<String>,
    mut form: Multipart,
) -> UiResult<Response> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let mut csrf = String::new();
    let mut input = NewPoc::default();
    let mut outcome: Result<PocArtifact, AppError> =
        Err(AppError::invalid("poc", "choose a file to upload"));
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            check_csrf(&who, &csrf)?;
            input.name = field
                .file_name()
                .map(str::to_owned)
                .filter(|n| !n.is_empty());
            if input.name.is_none() {
                break;
            }
            input.media_type = field.content_type().map(str::to_owned);
            let mut bytes = Vec::new();
            let mut stream = Box::pin(field.map_err(|e| e.to_string()));
            let mut too_large = false;
            while let Some(chunk) = stream.try_next().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_POC_BYTES {
                    too_large = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            outcome = if too_large {
                Err(AppError::invalid(
                    "poc",
                    format!("the file is larger than {} MiB", MAX_POC_BYTES >> 20),
                ))
            } else {
                pocs::upload(&app, &who, &finding_id, input, bytes).await
            };
            break;
        }
        let text = field.text().await.map_err(|e| bad(e.to_string()))?;
        match name.as_str() {
            "csrf_token" => csrf = text,
            "tlp" => input.tlp = Some(text).filter(|t| !t.trim().is_empty()),
            _ => {}
        }
    }
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/findings/{finding_id}?done=poc#pocs")).into_response()),
        Err(e) => {
            check_csrf(&who, &csrf)?;
            let (status, err) = FormError::from_app(e, &["poc", "tlp"])?;
            let extras = Extras {
                poc_error: Some(err),
                ..Default::default()
            };
            let page = finding_view(&app, &who, &finding_id, extras).await?;
            Ok(refused_page(status, page))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    reason: String,
}

/// Asks for an artifact to be released to the reader (two-person rule).
pub async fn request_release(
    UiCaller { app, who }: UiCaller,
    Path(poc_id): Path<String>,
    CsrfForm(f): CsrfForm<ReleaseForm>,
) -> UiResult<Response> {
    let poc = pocs::get(&app, &who, &poc_id).await?;
    let input = ReleaseRequest { reason: f.reason };
    match pocs::request_release(&app, &who, &poc_id, input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/findings/{}?done=release#pocs", poc.finding_id))
                .into_response(),
        ),
        Err(e) => {
            let (status, err) = FormError::from_app(e, &[])?;
            let extras = Extras {
                poc_refused: Some((poc_id, err.message().to_owned())),
                ..Default::default()
            };
            let page = finding_view(&app, &who, &poc.finding_id, extras).await?;
            Ok(refused_page(status, page))
        }
    }
}

/// The released material as a download (audited by the workflow); without
/// a release, the finding page says how to get one.
pub async fn download(
    UiCaller { app, who }: UiCaller,
    Path(poc_id): Path<String>,
) -> UiResult<Response> {
    let poc = pocs::get(&app, &who, &poc_id).await?;
    match pocs::download(&app, &who, &poc_id).await {
        Ok((poc, bytes)) => {
            let ascii: String = poc
                .file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            Ok((
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{ascii}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response())
        }
        Err(AppError::Forbidden(_)) => {
            let message = "no approved release of this file for you yet: request one below; \
                           a coordinator other than you must approve it"
                .to_owned();
            let extras = Extras {
                poc_refused: Some((poc_id, message)),
                ..Default::default()
            };
            let page = finding_view(&app, &who, &poc.finding_id, extras).await?;
            Ok(refused_page(axum::http::StatusCode::FORBIDDEN, page))
        }
        Err(e) => Err(e.into()),
    }
}
