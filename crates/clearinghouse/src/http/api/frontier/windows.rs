//! `/api/v1/models/{id}/windows`, `/api/v1/windows`, `/api/v1/grants` and
//! the developer's release endpoints (`/api/v1/models/{id}/release…`,
//! `/withdrawal`): brokered access windows (Sec. 3(b)(ii)) and release
//! without veto (Sec. 3(c)). Thin handlers over
//! `workflows::frontier::{windows, window_grants, releases}`; a window or
//! grant you may not read is 404.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::created;
use crate::http::error::Problem;
use crate::http::extract::{ApiJson, ApiQuery, Caller};
use crate::model::Page;
use crate::store::frontier::window_grants::UsageRow;
use crate::workflows::frontier::releases::{self, ReleaseDates, ReleaseNote, ReleaseState};
use crate::workflows::frontier::window_grants::{
    self, Acceptance, Credential, CredentialRequest, Grant, NewGrant, Revocation,
};
use crate::workflows::frontier::windows::{self, NewTerms, NewWindow, TermsView, Window};

fn page<T>(items: Vec<T>) -> Page<T> {
    Page {
        items,
        next_cursor: None,
    }
}

/// Open an access window on your covered model (at most 30 days, ending no
/// later than its planned partner release). The endpoint secret is sealed
/// and never shown again.
#[utoipa::path(post, path = "/models/{id}/windows", tag = "frontier", security(("bearer" = [])), request_body = NewWindow, responses((status = 201, body = Window), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn open(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewWindow>,
) -> AppResult<(StatusCode, Json<Window>)> {
    Ok(created(windows::open(&app, &who, &id, input).await?))
}

/// Windows you may read: your organisation's, those you hold a grant in,
/// and (government administrators) those of models you may read.
#[utoipa::path(get, path = "/windows", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Window>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Page<Window>>> {
    Ok(Json(page(windows::list(&app, &who).await?)))
}

/// One window; 404 both when it does not exist and when you may not read it.
#[utoipa::path(get, path = "/windows/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Window), (status = 404, body = Problem)))]
pub async fn get(Caller { app, who }: Caller, Path(id): Path<String>) -> AppResult<Json<Window>> {
    Ok(Json(windows::get(&app, &who, &id).await?))
}

/// Every version of the window's terms, newest first, with its SHA-256.
#[utoipa::path(get, path = "/windows/{id}/terms", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Vec<TermsView>), (status = 404, body = Problem)))]
pub async fn terms(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<TermsView>>> {
    Ok(Json(windows::terms(&app, &who, &id).await?))
}

/// Publish a new terms version (developer); every grantee accepts it anew.
#[utoipa::path(post, path = "/windows/{id}/terms", tag = "frontier", security(("bearer" = [])), request_body = NewTerms, responses((status = 200, body = Window), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_terms(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewTerms>,
) -> AppResult<Json<Window>> {
    Ok(Json(windows::revise_terms(&app, &who, &id, input).await?))
}

/// Grant a named person access inside the window, with a daily quota
/// (developer or government administrator).
#[utoipa::path(post, path = "/windows/{id}/grants", tag = "frontier", security(("bearer" = [])), request_body = NewGrant, responses((status = 201, body = Grant), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn grant(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewGrant>,
) -> AppResult<(StatusCode, Json<Grant>)> {
    Ok(created(window_grants::grant(&app, &who, &id, input).await?))
}

/// The window's grants (a grantee sees only its own).
#[utoipa::path(get, path = "/windows/{id}/grants", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Grant>), (status = 404, body = Problem)))]
pub async fn grants(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Page<Grant>>> {
    Ok(Json(page(window_grants::of_window(&app, &who, &id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// Rows, newest first: 1 to 1000, default 100.
    pub limit: Option<i64>,
}

/// Every brokered call in the window (the developer), or your own.
#[utoipa::path(get, path = "/windows/{id}/usage", tag = "frontier", security(("bearer" = [])), params(UsageQuery), responses((status = 200, body = Page<UsageRow>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn usage(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> AppResult<Json<Page<UsageRow>>> {
    Ok(Json(page(
        window_grants::usage(&app, &who, &id, q.limit).await?,
    )))
}

/// Your own grants, in every window.
#[utoipa::path(get, path = "/grants", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Grant>)))]
pub async fn my_grants(Caller { app, who }: Caller) -> AppResult<Json<Page<Grant>>> {
    Ok(Json(page(window_grants::mine(&app, &who).await?)))
}

/// One grant: its person, the developer, a government administrator or the
/// person's org admin; else 404.
#[utoipa::path(get, path = "/grants/{id}", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Grant), (status = 404, body = Problem)))]
pub async fn get_grant(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Grant>> {
    Ok(Json(window_grants::get(&app, &who, &id).await?))
}

/// Accept the exact terms version in force (its number and SHA-256).
#[utoipa::path(post, path = "/grants/{id}/acceptance", tag = "frontier", security(("bearer" = [])), request_body = Acceptance, responses((status = 200, body = Grant), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Acceptance>,
) -> AppResult<Json<Grant>> {
    Ok(Json(window_grants::accept(&app, &who, &id, input).await?))
}

/// Revoke a grant at once (developer, government administrator, or the
/// person's org admin); its credentials stop working.
#[utoipa::path(post, path = "/grants/{id}/revocation", tag = "frontier", security(("bearer" = [])), request_body = Revocation, responses((status = 200, body = Grant), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Revocation>,
) -> AppResult<Json<Grant>> {
    Ok(Json(window_grants::revoke(&app, &who, &id, input).await?))
}

/// A short-lived broker credential (5 minutes to 12 hours), shown once.
#[utoipa::path(post, path = "/grants/{id}/credentials", tag = "frontier", security(("bearer" = [])), request_body = CredentialRequest, responses((status = 201, body = Credential), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn credential(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CredentialRequest>,
) -> AppResult<(StatusCode, Json<Credential>)> {
    Ok(created(
        window_grants::credential(&app, &who, &id, input).await?,
    ))
}

/// The model's release state: the developer's dates, release, withdrawal.
#[utoipa::path(get, path = "/models/{id}/release", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = ReleaseState), (status = 404, body = Problem)))]
pub async fn release_state(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<ReleaseState>> {
    Ok(Json(releases::state(&app, &who, &id).await?))
}

/// Record the release (the developer alone); open windows close.
#[utoipa::path(post, path = "/models/{id}/release", tag = "frontier", security(("bearer" = [])), request_body = ReleaseNote, responses((status = 200, body = ReleaseState), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn release(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReleaseNote>,
) -> AppResult<Json<ReleaseState>> {
    Ok(Json(releases::release(&app, &who, &id, input).await?))
}

/// Move the planned release dates (the developer alone). An earlier partner
/// release shortens open windows to fit; nothing lengthens them.
#[utoipa::path(put, path = "/models/{id}/release-dates", tag = "frontier", security(("bearer" = [])), request_body = ReleaseDates, responses((status = 200, body = ReleaseState), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_dates(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReleaseDates>,
) -> AppResult<Json<ReleaseState>> {
    Ok(Json(releases::set_dates(&app, &who, &id, input).await?))
}

/// Withdraw the model from the framework (the developer, at any time):
/// every window closes and every grant ends.
#[utoipa::path(post, path = "/models/{id}/withdrawal", tag = "frontier", security(("bearer" = [])), request_body = ReleaseNote, responses((status = 200, body = ReleaseState), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReleaseNote>,
) -> AppResult<Json<ReleaseState>> {
    Ok(Json(releases::withdraw(&app, &who, &id, input).await?))
}
