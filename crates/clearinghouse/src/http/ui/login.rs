//! Sign-in, sign-out, the home page and password changes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::http::extract::SESSION_COOKIE;
use crate::store;
use crate::workflows::{approvals, sessions, users};

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

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn submit(
    State(app): State<AppState>,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    match sessions::login(&app, &f.username, &f.password).await {
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
        Err(e) => {
            let message = match e {
                crate::error::AppError::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            (
                axum::http::StatusCode::UNAUTHORIZED,
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

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    nav: Nav,
    display_name: String,
    org_name: String,
    org_kind: String,
    roles: Vec<String>,
    authorizations: Vec<String>,
    pending: usize,
}

pub async fn home(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<HomePage> {
    let org = store::orgs::get(&app.store.pool, who.org_id())
        .await
        .map_err(crate::error::AppError::from)?;
    let pending = approvals::list(&app, &who, Some("pending"), None, Some(500))
        .await?
        .items
        .len();
    Ok(HomePage {
        nav: Nav::new(&who, "home"),
        display_name: who.user.display_name.clone(),
        org_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        org_kind: org.map(|o| o.kind).unwrap_or_default(),
        roles: who.user.roles.clone(),
        authorizations: who.user.authorizations.clone(),
        pending,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<PasswordForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    users::change_password(
        &app,
        &who,
        users::PasswordChange {
            current_password: f.current_password,
            new_password: f.new_password,
        },
    )
    .await?;
    Ok(Redirect::to("/"))
}
