//! Your API tokens and agent principals: list, create (the secret is shown
//! once), revoke.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Scope;
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::model::ApiToken;
use crate::workflows::accounts::tokens::{self, NewToken};

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    nav: Nav,
    tokens: Vec<ApiToken>,
    scopes: Vec<&'static str>,
    new_secret: Option<String>,
    /// A revocation refused, shown above the list.
    error: Option<String>,
}

/// The tokens page, with a new secret or an error to show.
pub(super) async fn tokens_view(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
    error: Option<String>,
) -> UiResult<TokensPage> {
    Ok(TokensPage {
        nav: Nav::new(who, "tokens"),
        tokens: tokens::list_mine(app, who).await?,
        scopes: Scope::ALL
            .iter()
            .filter(|s| **s != Scope::TokensWrite)
            .map(|s| s.as_str())
            .collect(),
        new_secret,
        error,
    })
}

pub async fn page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<TokensPage> {
    tokens_view(&app, &who, None, None).await
}

/// The form posts repeated `scope` fields, which serde_urlencoded cannot
/// gather into a Vec; they are collected by hand from the pairs.
pub async fn create(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<TokensPage> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    check_csrf(&who, &get("csrf_token"))?;
    let kind = get("kind");
    let agent = kind == "agent";
    let input = NewToken {
        name: get("name"),
        kind,
        scopes: if agent {
            pairs
                .iter()
                .filter(|(n, _)| n == "scope")
                .map(|(_, v)| v.clone())
                .collect()
        } else {
            vec![]
        },
        authorizations: get("authorizations")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        expires_in_days: get("expires_in_days").parse().ok(),
        rate_limit_per_minute: if agent {
            get("rate_limit_per_minute").parse().ok()
        } else {
            None
        },
    };
    let created = tokens::create(&app, &who, input).await?;
    tokens_view(&app, &who, Some(created.token), None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

/// Revokes one of your tokens; a refusal is shown on the page.
pub async fn revoke(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> UiResult<Response> {
    check_csrf(&who, &f.csrf_token)?;
    match tokens::revoke(&app, &who, &id).await {
        Ok(_) => Ok(Redirect::to("/tokens").into_response()),
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let page = tokens_view(&app, &who, None, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}
