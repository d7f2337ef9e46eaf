//! Exposure pages: one exposure's remediation state form and an asset
//! with its exposures and SBOM upload. The dashboard is in `exposures.rs`,
//! the asset list in `assets.rs`, the vulnerability pages in
//! `vulnerabilities.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::upload::{UploadForm, read_upload};
use super::{CsrfForm, Nav, UiCaller, UiResult, check_csrf};
use crate::app::AppState;
use crate::error::AppError;
use crate::model::exposure::{Asset, Exposure};
use crate::store::exposure::exposures::table::ComponentRow;
use crate::workflows::exposure::assets::{self, MAX_SBOM_BYTES, READ_ANY};
use crate::workflows::exposure::exposures::{self, ExposureQuery, STATES, StateChange};

#[derive(Deserialize)]
pub struct StateForm {
    state: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    accepted_until: String,
    #[serde(default)]
    back: String,
}

/// Records a remediation step and goes back to the page it came from; a
/// refusal (a reason missing, a date in the past) is shown on that page,
/// above its table, with the row's exposure named.
pub async fn set_state(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StateForm>,
) -> UiResult<Response> {
    // Checked before anything changes: where to go back to must be a path
    // of this site.
    let back = local_path(&f.back).unwrap_or("/exposures").to_owned();
    let non_empty = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let until = non_empty(f.accepted_until).map(|d| {
        if d.len() == 10 {
            format!("{d}T23:59:59Z")
        } else {
            d
        }
    });
    let outcome = exposures::set_state(
        &app,
        &who,
        &id,
        StateChange {
            state: f.state,
            reason: non_empty(f.reason),
            accepted_until: until,
        },
    )
    .await;
    let Err(e) = outcome else {
        return Ok(Redirect::to(&back).into_response());
    };
    let (status, message) = super::inline_error(e)?;
    let (path, query) = back.split_once('?').unwrap_or((back.as_str(), ""));
    if let Some(asset_id) = path.strip_prefix("/assets/") {
        let page = asset_view(&app, &who, asset_id, Some(message), PageParams::default()).await?;
        return Ok((status, page).into_response());
    }
    let page = super::exposures::view(&app, &who, query, Some((id, message))).await?;
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "asset.html")]
pub struct AssetPage {
    nav: Nav,
    asset: Asset,
    exposures: Vec<Exposure>,
    states: &'static [&'static str],
    back: String,
    /// An archive or unarchive refused, shown beside its form.
    error: Option<String>,
    /// The inventory, paged and searched, with active exposure counts.
    components: Vec<ComponentRow>,
    pager: Pager,
    q: PageParams,
    /// Coordinators: the owning organisation's name.
    org_name: Option<String>,
    /// An SBOM upload refused, shown beside the upload form.
    sbom_error: Option<String>,
}

pub async fn asset_page(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> UiResult<AssetPage> {
    asset_view(&app, &who, &id, None, q).await
}

/// The asset page, with an error to show inline.
pub(super) async fn asset_view(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    error: Option<String>,
    q: PageParams,
) -> UiResult<AssetPage> {
    let asset = assets::get(app, who, id).await?;
    let (components, total) =
        exposures::asset_components(app, who, &asset.id, q.search(), q.offset(), PAGE_ROWS).await?;
    let pager = Pager::new(
        &format!("/assets/{}", asset.id),
        &[],
        &q,
        "exposures",
        true,
        components.len(),
        total,
    );
    let org_name = if who.has_any_role(READ_ANY) {
        let names = Names::load(app, [asset.org_id.as_str()], []).await?;
        Some(names.org(&asset.org_id).to_owned())
    } else {
        None
    };
    let query = ExposureQuery {
        asset: Some(asset.id.clone()),
        limit: Some(500),
        ..Default::default()
    };
    let list = exposures::list(app, who, &query).await?.items;
    Ok(AssetPage {
        nav: Nav::new(who, "assets"),
        back: format!("/assets/{}", asset.id),
        asset,
        exposures: list,
        states: STATES,
        error,
        components,
        pager,
        q,
        org_name,
        sbom_error: None,
    })
}

/// The SBOM upload form: a multipart file and the CSRF token.
pub async fn upload_sbom(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    form: Multipart,
) -> UiResult<Response> {
    // A file too large or a body cut short is shown beside the file field
    // like any other refusal (nothing has changed: the CSRF check and the
    // upload come after).
    let UploadForm {
        csrf,
        file,
        refused,
    } = read_upload(form, "sbom", MAX_SBOM_BYTES).await?;
    let done = match (refused, file) {
        (Some(e), _) => Err(e),
        (None, Some(file)) => {
            check_csrf(&who, &csrf)?;
            assets::upload_sbom(&app, &who, &id, file.bytes)
                .await
                .map(drop)
        }
        (None, None) => {
            check_csrf(&who, &csrf)?;
            Err(AppError::invalid("sbom", "choose a file"))
        }
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/assets/{id}")).into_response()),
        Err(e) => {
            let (status, message) = super::inline_error(e)?;
            let mut page = asset_view(&app, &who, &id, None, PageParams::default()).await?;
            page.sbom_error = Some(message);
            Ok((status, page).into_response())
        }
    }
}

/// `back` when it is a path of this site: one leading `/`, no second `/` or
/// `\` after it (browsers read `//host` and `/\host` as another site), and
/// only visible ASCII (no header-splitting control characters).
pub(crate) fn local_path(back: &str) -> Option<&str> {
    let rest = back.strip_prefix('/')?;
    let safe = !rest.starts_with(['/', '\\'])
        && !back.contains('\\')
        && back.bytes().all(|b| b.is_ascii_graphic());
    safe.then_some(back)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        for ok in ["/", "/exposures?state=all", "/assets/1#x"] {
            assert_eq!(local_path(ok), Some(ok));
        }
        for bad in [
            "",
            "exposures",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/a b",
            "javascript:alert(1)",
            "/\\/x",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
