//! Exposure pages: the operator's dashboard (exposures ranked by priority
//! and deadline, each with its reason, and the chart of open exposures),
//! assets with SBOM upload. The vulnerability pages are in
//! `vulnerabilities.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Redirect;
use serde::Deserialize;

use super::chart;
use super::{Nav, UiAuth, UiError, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::AppError;
use crate::model::exposure::{Asset, Exposure, ExposureStat};
use crate::workflows::exposure::assets::{self, MAX_SBOM_BYTES, NewAsset, READ_ANY};
use crate::workflows::exposure::exposures::{self, ExposureQuery, STATES, StateChange};

#[derive(Template, WebTemplate)]
#[template(path = "exposures.html")]
pub struct DashboardPage {
    nav: Nav,
    exposures: Vec<Exposure>,
    chart: String,
    by_sector: Vec<ExposureStat>,
    by_vuln: Vec<ExposureStat>,
    state: String,
    states: &'static [&'static str],
    back: String,
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    state: Option<String>,
}

async fn chart_for(app: &AppState, who: &Principal, org: Option<&str>) -> UiResult<String> {
    let rows = exposures::timeline(app, who, org).await?;
    Ok(chart::render_svg(&chart::open_per_day(
        &rows,
        clock::now().date(),
        30,
    )))
}

pub async fn dashboard(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(q): Query<DashboardQuery>,
) -> UiResult<DashboardPage> {
    let state = q.state.unwrap_or_else(|| "active".to_owned());
    let query = ExposureQuery {
        state: Some(state.clone()),
        limit: Some(200),
        ..Default::default()
    };
    let list = exposures::list(&app, &who, &query).await?.items;
    let coordinator = who.has_any_role(READ_ANY);
    let org = (!coordinator).then(|| who.org_id().to_owned());
    let (by_sector, by_vuln) = if coordinator {
        (
            exposures::stats(&app, &who, "sector", None).await?,
            exposures::stats(&app, &who, "vulnerability", None).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(DashboardPage {
        nav: Nav::new(&who, "exposures"),
        exposures: list,
        chart: chart_for(&app, &who, org.as_deref()).await?,
        by_sector,
        by_vuln,
        back: format!("/exposures?state={state}"),
        state,
        states: STATES,
    })
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf_token: String,
    state: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    accepted_until: String,
    #[serde(default)]
    back: String,
}

pub async fn set_state(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    Form(f): Form<StateForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
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
    exposures::set_state(
        &app,
        &who,
        &id,
        StateChange {
            state: f.state,
            reason: non_empty(f.reason),
            accepted_until: until,
        },
    )
    .await?;
    Ok(Redirect::to(&back))
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

#[derive(Template, WebTemplate)]
#[template(path = "assets.html")]
pub struct AssetsPage {
    nav: Nav,
    assets: Vec<Asset>,
}

pub async fn assets_page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<AssetsPage> {
    let list = assets::list(&app, &who, None, None, false, None, Some(500))
        .await?
        .items;
    Ok(AssetsPage {
        nav: Nav::new(&who, "assets"),
        assets: list,
    })
}

#[derive(Deserialize)]
pub struct AssetForm {
    csrf_token: String,
    name: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    publicly_exposed: Option<String>,
    mission_impact: String,
}

pub async fn create_asset(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<AssetForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let asset = assets::create(
        &app,
        &who,
        NewAsset {
            name: f.name,
            org: None,
            owner: f.owner,
            description: String::new(),
            publicly_exposed: f.publicly_exposed.is_some(),
            mission_impact: Some(f.mission_impact),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/assets/{}", asset.id)))
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
}

pub async fn asset_page(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
) -> UiResult<AssetPage> {
    asset_view(&app, &who, &id, None).await
}

/// The asset page, with an error to show inline.
pub(super) async fn asset_view(
    app: &AppState,
    who: &crate::auth::Principal,
    id: &str,
    error: Option<String>,
) -> UiResult<AssetPage> {
    let asset = assets::get(app, who, id).await?;
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
    })
}

/// The SBOM upload form: a multipart file and the CSRF token.
pub async fn upload_sbom(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    mut form: Multipart,
) -> UiResult<Redirect> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.map_err(|e| bad(e.to_string()))?,
            Some("sbom") => {
                let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                if bytes.len() > MAX_SBOM_BYTES {
                    return Err(UiError(AppError::TooLarge("sbom: too large".into())));
                }
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    check_csrf(&who, &csrf)?;
    let bytes = file.ok_or_else(|| UiError(AppError::invalid("sbom", "choose a file")))?;
    assets::upload_sbom(&app, &who, &id, bytes).await?;
    Ok(Redirect::to(&format!("/assets/{id}")))
}
