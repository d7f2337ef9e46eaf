//! Sign-in (throttled: 429 with `Retry-After` while locked), sign-out,
//! the home page and password changes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::extract::SESSION_COOKIE;
use crate::workflows::{accounts::sessions, accounts::users};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    error: Option<String>,
    username: String,
}

pub async fn form() -> LoginPage {
    LoginPage {
        error: None,
        username: String::new(),
    }
}

/// The client's address when the server was started with connection
/// information (`http::serve` does); sign-in throttling counts per address.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(peer.map(|ConnectInfo(a)| a.ip())))
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn submit(
    State(app): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    match sessions::login(&app, &f.username, &f.password, addr).await {
        Ok(s) => {
            let cookie = Cookie::build((SESSION_COOKIE, s.cookie))
                .path("/")
                .http_only(true)
                .secure(app.settings.secure_cookies)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::hours(sessions::SESSION_HOURS))
                .build();
            (jar.add(cookie), Redirect::to("/")).into_response()
        }
        Err(AppError::RateLimited { retry_after_secs }) => {
            let page = LoginPage {
                error: Some(format!(
                    "too many sign-in attempts; try again in {retry_after_secs} s"
                )),
                username: f.username,
            };
            let retry = [(header::RETRY_AFTER, retry_after_secs.to_string())];
            (StatusCode::TOO_MANY_REQUESTS, retry, page).into_response()
        }
        Err(e) => {
            let message = match e {
                AppError::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            (
                StatusCode::UNAUTHORIZED,
                LoginPage {
                    error: Some(message),
                    username: f.username,
                },
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

pub async fn logout(
    State(app): State<AppState>,
    jar: CookieJar,
    UiAuth(who): UiAuth,
    Form(f): Form<CsrfForm>,
) -> UiResult<Response> {
    check_csrf(&who, &f.csrf_token)?;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        sessions::logout(&app, &who, c.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

/// Changes the password; every other session of the user ends, this one
/// stays.
pub async fn change_password(
    State(app): State<AppState>,
    jar: CookieJar,
    UiAuth(who): UiAuth,
    Form(f): Form<PasswordForm>,
) -> UiResult<Response> {
    check_csrf(&who, &f.csrf_token)?;
    let input = users::PasswordChange {
        current_password: f.current_password,
        new_password: f.new_password,
    };
    let current = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    match users::change_password(&app, &who, input, current.as_deref()).await {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(e) => {
            let (status, message) = super::inline_error(e)?;
            let page = super::home::view(&app, &who, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}
