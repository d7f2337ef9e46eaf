//! `/api/v1/models/{id}/windows`, `/api/v1/windows`, `/api/v1/grants` and
//! the developer's release endpoints (`/api/v1/models/{id}/release…`,
//! `/withdrawal`): brokered access windows (Sec. 3(b)(ii)) and release
//! without veto (Sec. 3(c)). Thin handlers over
//! `workflows::frontier::{windows, window_grants, releases}`; a window or
//! grant you may not read is 404.

use axum::Json;
use axum::extract::Path;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppResult;
use crate::http::api::one_page;
use crate::http::error::Problem;
use crate::http::extract::{ApiQuery, Caller};
use crate::model::Page;
use crate::store::frontier::window_grants::UsageRow;
use crate::workflows::frontier::releases::{self, ReleaseDates, ReleaseNote, ReleaseState};
use crate::workflows::frontier::window_grants::{
    self, Acceptance, Credential, CredentialRequest, Grant, NewGrant, Revocation,
};
use crate::workflows::frontier::windows::{self, NewTerms, NewWindow, TermsView, Window};

thin_handlers! { tag = "frontier";
    /// Open an access window on your covered model (at most 30 days, ending no
    /// later than its planned partner release). The endpoint secret is sealed
    /// and never shown again.
    post "/models/{id}/windows", errors(403, 404, 422);
    fn open(id, NewWindow) -> 201 Window = windows::open;
}

/// Windows you may read: your organisation's, those you hold a grant in,
/// and (government administrators) those of models you may read.
#[utoipa::path(get, path = "/windows", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Window>)))]
pub async fn list(Caller { app, who }: Caller) -> AppResult<Json<Page<Window>>> {
    Ok(Json(one_page(windows::list(&app, &who).await?)))
}

thin_handlers! { tag = "frontier";
    /// One window; 404 both when it does not exist and when you may not read it.
    get "/windows/{id}", errors(404);
    fn get(id) -> 200 Window = windows::get;

    /// Every version of the window's terms, newest first, with its SHA-256.
    get "/windows/{id}/terms", errors(404);
    fn terms(id) -> 200 Vec<TermsView> = windows::terms;

    /// Publish a new terms version (developer); every grantee accepts it anew.
    post "/windows/{id}/terms", errors(403, 404, 422);
    fn revise_terms(id, NewTerms) -> 200 Window = windows::revise_terms;

    /// Grant a named person access inside the window, with a daily quota
    /// (developer or government administrator).
    post "/windows/{id}/grants", errors(403, 404, 409, 422);
    fn grant(id, NewGrant) -> 201 Grant = window_grants::grant;
}

/// The window's grants (a grantee sees only its own).
#[utoipa::path(get, path = "/windows/{id}/grants", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Grant>), (status = 404, body = Problem)))]
pub async fn grants(
    Caller { app, who }: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Page<Grant>>> {
    Ok(Json(one_page(
        window_grants::of_window(&app, &who, &id).await?,
    )))
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
    Ok(Json(one_page(
        window_grants::usage(&app, &who, &id, q.limit).await?,
    )))
}

/// Your own grants, in every window.
#[utoipa::path(get, path = "/grants", tag = "frontier", security(("bearer" = [])), responses((status = 200, body = Page<Grant>)))]
pub async fn my_grants(Caller { app, who }: Caller) -> AppResult<Json<Page<Grant>>> {
    Ok(Json(one_page(window_grants::mine(&app, &who).await?)))
}

thin_handlers! { tag = "frontier";
    /// One grant: its person, the developer, a government administrator or the
    /// person's org admin; else 404.
    get "/grants/{id}", errors(404);
    fn get_grant(id) -> 200 Grant = window_grants::get;

    /// Accept the exact terms version in force (its number and SHA-256).
    post "/grants/{id}/acceptance", errors(403, 404, 409, 422);
    fn accept(id, Acceptance) -> 200 Grant = window_grants::accept;

    /// Revoke a grant at once (developer, government administrator, or the
    /// person's org admin); its credentials stop working.
    post "/grants/{id}/revocation", errors(403, 404, 409, 422);
    fn revoke(id, Revocation) -> 200 Grant = window_grants::revoke;

    /// A short-lived broker credential (5 minutes to 12 hours), shown once.
    post "/grants/{id}/credentials", errors(403, 404, 422);
    fn credential(id, CredentialRequest) -> 201 Credential = window_grants::credential;

    /// The model's release state: the developer's dates, release, withdrawal.
    get "/models/{id}/release", errors(404);
    fn release_state(id) -> 200 ReleaseState = releases::state;

    /// Record the release (the developer alone); open windows close.
    post "/models/{id}/release", errors(403, 404, 409);
    fn release(id, ReleaseNote) -> 200 ReleaseState = releases::release;

    /// Move the planned release dates (the developer alone). An earlier partner
    /// release shortens open windows to fit; nothing lengthens them.
    put "/models/{id}/release-dates", errors(403, 404, 422);
    fn set_dates(id, ReleaseDates) -> 200 ReleaseState = releases::set_dates;

    /// Withdraw the model from the framework (the developer, at any time):
    /// every window closes and every grant ends.
    post "/models/{id}/withdrawal", errors(403, 404, 409);
    fn withdraw(id, ReleaseNote) -> 200 ReleaseState = releases::withdraw;
}
