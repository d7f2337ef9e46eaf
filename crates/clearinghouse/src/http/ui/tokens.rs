//! Your API tokens and agent principals: list, create (the secret is shown
//! once), revoke.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Scope;

use super::forms::FormError;
use super::{CsrfForm, Nav, NoFields, UiCaller, UiResult, check_csrf, inline_error};
use crate::app::AppState;
use crate::auth::Principal;
use crate::model::ApiToken;
use crate::workflows::accounts::tokens::{self, NewToken};
use axum::http::StatusCode;

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    nav: Nav,
    tokens: Vec<ApiToken>,
    scopes: Vec<&'static str>,
    new_secret: Option<String>,
    /// A revocation refused, shown above the list.
    error: Option<String>,
    /// The new-token form as typed, and why it was refused.
    form: TokenTyped,
    form_error: Option<FormError>,
}

/// What was typed in the new-token form.
#[derive(Debug, Clone)]
pub struct TokenTyped {
    pub name: String,
    pub kind: String,
    pub scopes: Vec<String>,
    pub authorizations: String,
    pub expires_in_days: String,
    pub rate_limit_per_minute: String,
}

impl Default for TokenTyped {
    fn default() -> Self {
        TokenTyped {
            name: String::new(),
            kind: "agent".to_owned(),
            scopes: Vec::new(),
            authorizations: String::new(),
            expires_in_days: "30".to_owned(),
            rate_limit_per_minute: "600".to_owned(),
        }
    }
}

impl TokenTyped {
    fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }
}

/// The tokens page, with a new secret or an error to show.
pub(super) async fn tokens_view(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
    error: Option<String>,
) -> UiResult<TokensPage> {
    form_view(app, who, new_secret, error, TokenTyped::default(), None).await
}

async fn form_view(
    app: &AppState,
    who: &Principal,
    new_secret: Option<String>,
    error: Option<String>,
    form: TokenTyped,
    form_error: Option<FormError>,
) -> UiResult<TokensPage> {
    Ok(TokensPage {
        nav: Nav::new(who, "tokens"),
        tokens: tokens::list_mine(app, who, None, Some(crate::workflows::MAX_PAGE))
            .await?
            .items,
        scopes: Scope::ALL
            .iter()
            .filter(|s| **s != Scope::TokensWrite)
            .map(|s| s.as_str())
            .collect(),
        new_secret,
        error,
        form,
        form_error,
    })
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<TokensPage> {
    tokens_view(&app, &who, None, None).await
}

/// The form posts repeated `scope` fields, which serde_urlencoded cannot
/// gather into a Vec; they are collected by hand from the pairs.
pub async fn create(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    check_csrf(&who, &get("csrf_token"))?;
    let typed = TokenTyped {
        name: get("name"),
        kind: get("kind"),
        scopes: pairs
            .iter()
            .filter(|(n, _)| n == "scope")
            .map(|(_, v)| v.clone())
            .collect(),
        authorizations: get("authorizations"),
        expires_in_days: get("expires_in_days"),
        rate_limit_per_minute: get("rate_limit_per_minute"),
    };
    let agent = typed.kind == "agent";
    let number = |field: &'static str, text: &str| -> Result<Option<i64>, FormError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| FormError::field(field, format!("{field}: must be a whole number")))
    };
    let numbers = number("expires_in_days", &typed.expires_in_days).and_then(|d| {
        let rate = if agent {
            number("rate_limit_per_minute", &typed.rate_limit_per_minute)?
        } else {
            None
        };
        Ok((d, rate))
    });
    let outcome = match numbers {
        Ok((expires_in_days, rate_limit_per_minute)) => {
            let input = NewToken {
                name: typed.name.clone(),
                kind: typed.kind.clone(),
                scopes: if agent { typed.scopes.clone() } else { vec![] },
                authorizations: typed
                    .authorizations
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                expires_in_days,
                rate_limit_per_minute,
                // From a campaign's page: an agent for that campaign only.
                campaign_id: Some(get("campaign_id")).filter(|c| !c.is_empty()),
            };
            match tokens::create(&app, &who, input).await {
                Ok(created) => Ok(created),
                Err(e) => {
                    let fields = [
                        "name",
                        "kind",
                        "scopes",
                        "authorizations",
                        "expires_in_days",
                        "rate_limit_per_minute",
                    ];
                    Err(FormError::from_app(e, &fields)?)
                }
            }
        }
        Err(err) => Err((StatusCode::UNPROCESSABLE_ENTITY, err)),
    };
    match outcome {
        Ok(created) => Ok(tokens_view(&app, &who, Some(created.token), None)
            .await?
            .into_response()),
        Err((status, err)) => {
            let page = form_view(&app, &who, None, None, typed, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}

/// Revokes one of your tokens; a refusal is shown on the page.
pub async fn revoke(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    match tokens::revoke(&app, &who, &id).await {
        Ok(_) => Ok(Redirect::to("/tokens").into_response()),
        Err(e) => {
            let (status, message) = inline_error(e)?;
            let page = tokens_view(&app, &who, None, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}
