//! Sign-in (throttled: 429 with `Retry-After` while locked), sign-out,
//! the home page and password changes (a page of its own, `/account/password`,
//! where a person whose password an administrator set must go first).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{CsrfForm, NoFields, UiAuth, UiCaller, UiResult};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::extract::SESSION_COOKIE;
use crate::workflows::{accounts::sessions, accounts::users};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    error: Option<String>,
    username: String,
    /// Where to go once signed in (a path of this site; see [`next_path`]).
    next: String,
}

/// The page a person asked for before being sent to sign in.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

/// `next` if it is a path of this site, else the home page: an address
/// starting with one `/` and no second `/` or `\` after it (which
/// browsers read as another host), without control characters, and not
/// the sign-in or sign-out pages themselves. Anything else would make the
/// sign-in page an open redirect.
pub fn next_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2000;
    let path = next.split(['?', '#']).next().unwrap_or("");
    if local && path != "/login" && path != "/logout" {
        next
    } else {
        "/"
    }
}

/// The sign-in address that returns to `path_and_query` afterwards.
pub fn login_returning_to(path_and_query: &str) -> String {
    if next_path(path_and_query) == "/" {
        return "/login".to_owned();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
    format!("/login?next={encoded}")
}

pub async fn form(Query(next): Query<Next>) -> LoginPage {
    LoginPage {
        error: None,
        username: String::new(),
        next: next_path(&next.next).to_owned(),
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
    #[serde(default)]
    next: String,
}

/// Whether a request was sent by a page of another site (login CSRF: a
/// hostile page signing a victim into the attacker's account, whose uploads
/// would then land in the attacker's organisation). Browsers say so in
/// `Sec-Fetch-Site`; older ones only in `Origin`, compared with `Host`.
/// Requests with neither (command-line clients) are not from a page.
pub(crate) fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (text("origin"), text("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

pub async fn submit(
    State(app): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    if from_another_site(&headers) {
        let page = LoginPage {
            error: Some("sign in from this site's own sign-in page".to_owned()),
            username: String::new(),
            next: next_path(&f.next).to_owned(),
        };
        return (StatusCode::FORBIDDEN, page).into_response();
    }
    match sessions::login(&app, &f.username, &f.password, addr).await {
        Ok(s) => {
            let cookie = Cookie::build((SESSION_COOKIE, s.cookie))
                .path("/")
                .http_only(true)
                .secure(app.settings.secure_cookies)
                .same_site(SameSite::Strict)
                .max_age(time::Duration::hours(sessions::SESSION_HOURS))
                .build();
            (jar.add(cookie), Redirect::to(next_path(&f.next))).into_response()
        }
        Err(AppError::RateLimited { retry_after_secs }) => {
            let page = LoginPage {
                error: Some(format!(
                    "too many sign-in attempts; try again in {retry_after_secs} s"
                )),
                next: next_path(&f.next).to_owned(),
                username: f.username,
            };
            let retry = [(header::RETRY_AFTER, retry_after_secs.to_string())];
            (StatusCode::TOO_MANY_REQUESTS, retry, page).into_response()
        }
        Err(e) => {
            let (status, message) = match e {
                AppError::Invalid { message, .. } => (StatusCode::UNAUTHORIZED, message),
                AppError::Unauthenticated | AppError::Forbidden(_) => {
                    (StatusCode::UNAUTHORIZED, e.to_string())
                }
                // A database or internal fault is logged, never shown.
                other => {
                    tracing::error!(error = %other, "sign-in failed");
                    let message = "sign-in is unavailable right now; try again shortly";
                    (StatusCode::SERVICE_UNAVAILABLE, message.to_owned())
                }
            };
            let page = LoginPage {
                error: Some(message),
                next: next_path(&f.next).to_owned(),
                username: f.username,
            };
            (status, page).into_response()
        }
    }
}

pub async fn logout(
    State(app): State<AppState>,
    jar: CookieJar,
    UiAuth(who): UiAuth,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        sessions::logout(&app, &who, c.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}

/// The page of its own for choosing a password: where every page sends a
/// person whose password an administrator set, until they replace it.
#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    display_name: String,
    csrf_token: String,
    required: bool,
    error: Option<String>,
}

async fn password_page(
    app: &AppState,
    who: &crate::auth::Principal,
    error: Option<String>,
) -> UiResult<PasswordPage> {
    let csrf_token = super::session_token(who).to_owned();
    Ok(PasswordPage {
        display_name: who.user.display_name.clone(),
        csrf_token,
        required: crate::auth::password_change_required(&app.store, who.user_id()).await?,
        error,
    })
}

pub async fn password_form(UiCaller { app, who }: UiCaller) -> UiResult<PasswordPage> {
    password_page(&app, &who, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Changes the password; every other session of the user ends, this one
/// stays.
pub async fn change_password(
    State(app): State<AppState>,
    jar: CookieJar,
    UiAuth(who): UiAuth,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> UiResult<Response> {
    let input = users::PasswordChange {
        current_password: f.current_password,
        new_password: f.new_password,
    };
    let current = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    match users::change_password(&app, &who, input, current.as_deref()).await {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(e) => {
            let (status, message) = super::inline_error(e)?;
            if crate::auth::password_change_required(&app.store, who.user_id()).await? {
                let page = password_page(&app, &who, Some(message)).await?;
                return Ok((status, page).into_response());
            }
            let page = super::home::view(&app, &who, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}
