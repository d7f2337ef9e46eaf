//! Request extractors: the authenticated principal (bearer token or session
//! cookie, with CSRF and rate-limit checks), and JSON / query extractors
//! whose rejections are problem documents naming what is wrong.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth::{self, Principal, Via, secrets};
use crate::error::AppError;
use crate::http::error::Problem;
use crate::http::ui::UiAuth;

pub const SESSION_COOKIE: &str = "chx_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller, authenticated. Rejects with 401 when there is none.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, app).await?;
        if let Some(campaign) = principal.agent().and_then(|t| t.campaign_id.as_deref())
            && !auth::campaign_agent_allows(parts.method.as_str(), parts.uri.path(), campaign)
        {
            return Err(AppError::forbidden(
                "an agent made for a scan campaign may only submit findings to it and read it",
            ));
        }
        if let Some(token) = principal.agent() {
            let per_minute = token.rate_limit_per_minute.unwrap_or(600).clamp(1, 100_000) as u32;
            app.rate_limiter
                .check(&token.id, per_minute)
                .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
        }
        Ok(Auth(principal))
    }
}

/// Defines an extractor holding the application state and the principal
/// that `$auth` authenticated (with all of `$auth`'s checks), the two things
/// nearly every handler needs.
macro_rules! caller_extractor {
    ($(#[$doc:meta])* $name:ident, $auth:ident, $rejection:ty) => {
        $(#[$doc])*
        pub struct $name {
            pub app: AppState,
            pub who: Principal,
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = $rejection;

            async fn from_request_parts(
                parts: &mut Parts,
                app: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let $auth(who) = $auth::from_request_parts(parts, app).await?;
                Ok($name { app: app.clone(), who })
            }
        }
    };
}

caller_extractor!(
    /// An API caller: a bearer token or a session (401 otherwise, a campaign
    /// agent's routes and its rate limit checked), with the state.
    Caller,
    Auth,
    AppError
);
caller_extractor!(
    /// A signed-in person in the browser (else sent to `/login`), with the
    /// state.
    UiCaller,
    UiAuth,
    axum::response::Response
);

/// Resolves the bearer token, else the session cookie. A cookie-authenticated
/// request that changes state must carry the session's CSRF token in the
/// `X-CSRF-Token` header (forms are checked in the UI handlers).
pub async fn authenticate(parts: &Parts, app: &AppState) -> Result<Principal, AppError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| AppError::Unauthenticated)?;
        let token = bearer_token(text).ok_or(AppError::Unauthenticated)?;
        return auth::principal_from_token(&app.store, token).await;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let cookie = jar.get(SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    let principal = auth::principal_from_session(&app.store, cookie.value()).await?;
    let path = parts.uri.path();
    if !(path.ends_with("/me/password") || path.ends_with("/me"))
        && auth::password_change_required(&app.store, principal.user_id()).await?
    {
        return Err(auth::password_change_refusal());
    }
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    // `Auth` guards API handlers only (the UI uses `ui::UiAuth` and checks
    // form tokens), so every unsafe cookie request here needs the header.
    if !safe {
        let Via::Session { csrf_token } = &principal.via else {
            return Err(AppError::Unauthenticated);
        };
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !secrets::constant_time_eq(sent, csrf_token) {
            return Err(AppError::forbidden(
                "missing or wrong X-CSRF-Token header for a cookie session",
            ));
        }
    }
    Ok(principal)
}

/// The credentials of an `Authorization: Bearer ...` header. The scheme
/// name is case-insensitive (RFC 7235 section 2.1), so `bearer` and
/// `BEARER` are accepted as well.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim_start().split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// JSON body whose errors are problem documents: 400 for malformed JSON,
/// 413 past the size limit, 415 without a JSON content type, 422 for
/// missing, mistyped or unknown fields (named in `field`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

/// The body of an action that takes none (leaving a case, joining one):
/// empty, `{}` or `null`. Anything else is refused before the action runs, so a
/// mistyped call never performs an irreversible step: 400 for malformed
/// JSON, 422 for JSON that says something, 413 past the size limit.
pub struct NoBody;

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                Problem::new(
                    r.status(),
                    "too-large",
                    "the request body is larger than this server accepts",
                    None,
                )
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(NoBody);
        }
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Null) => Ok(NoBody),
            Ok(serde_json::Value::Object(map)) if map.is_empty() => Ok(NoBody),
            Ok(serde_json::Value::Object(map)) => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                "this request takes no body (send none, {} or null)",
                map.keys().next().cloned(),
            )),
            Ok(_) => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                "this request takes no body (send none, {} or null)",
                None,
            )),
            Err(e) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                format!("the body is not JSON: {e}"),
                None,
            )),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> Problem {
    let status = rejection.status();
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => {
            let field = field_from_serde_message(&detail);
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                detail,
                field,
            )
        }
        JsonRejection::JsonSyntaxError(_) => {
            Problem::new(StatusCode::BAD_REQUEST, "malformed-json", detail, None)
        }
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            detail,
            None,
        ),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            status,
            "too-large",
            "the request body is larger than this server accepts",
            None,
        ),
        _ => Problem::new(status, "bad-request", detail, None),
    }
}

/// Pulls the field name out of serde's messages: "unknown field `x`",
/// "missing field `x`", or the path prefix "x.y: invalid type".
fn field_from_serde_message(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    let body = message.split("target type: ").nth(1).unwrap_or(message);
    body.split(": ")
        .next()
        .filter(|p| !p.contains(' '))
        .map(str::to_owned)
}

/// Query string whose errors are 400 problem documents.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        check_paging(parts.uri.query().unwrap_or(""))?;
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                // axum's text: "Failed to deserialize query string: limit: invalid digit ..."
                let detail = e.body_text();
                let field = detail
                    .split_once("query string: ")
                    .and_then(|(_, message)| field_from_serde_message(message));
                Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "bad-query",
                    detail,
                    field,
                ))
            }
            Err(e) => Err(Problem::new(e.status(), "bad-query", e.body_text(), None)),
        }
    }
}

/// The paging parameters every list shares, checked before the list's own
/// parameters: `limit` is at least 1 (each list caps it; one that is not a
/// whole number is the 400 of the query's own parsing),
/// and `cursor` is what the server handed out as `next_cursor` (record ids,
/// sequence numbers and `rank:id` pairs: hex digits, `-` and `:`), so a
/// mistyped cursor is a 422 naming it instead of a silently empty page.
fn check_paging(query: &str) -> Result<(), Problem> {
    let invalid = |field: &str, detail: &str| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-field",
            format!("{field}: {detail}"),
            Some(field.to_owned()),
        )
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            // Not a number at all is the query's own 400, below.
            "limit" if v.trim().parse::<i64>().is_ok_and(|n| n < 1) => {
                return Err(invalid("limit", "must be at least 1"));
            }
            // An empty cursor is the first page, as when it is left out.
            "cursor" if !v.is_empty() && !valid_cursor(&v) => {
                return Err(invalid(
                    "cursor",
                    "is not a cursor this server gave out: pass the previous page's next_cursor",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn valid_cursor(c: &str) -> bool {
    c.len() <= 100
        && c.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b':')
}

/// Reads a raw upload (an SBOM, an advisory file) up to `limit` bytes;
/// past it the answer is 413. The server's default body limit does not
/// apply: these routes set their own.
pub async fn read_body(
    body: axum::body::Body,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, AppError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(AppError::TooLarge(format!("{what}: at most {limit} bytes")))
            } else {
                Err(AppError::BadRequest(format!(
                    "{what}: could not read the body: {e}"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{bearer_token, field_from_serde_message};

    #[test]
    fn paging_parameters_are_checked() {
        use super::check_paging;
        assert!(check_paging("limit=10&cursor=0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").is_ok());
        assert!(check_paging("cursor=12%3A0190a1b2-c3d4").is_ok());
        assert!(check_paging("state=open").is_ok());
        assert!(check_paging("cursor=").is_ok(), "the first page");
        assert!(
            check_paging("limit=ten").is_ok(),
            "left to the query's parser: 400"
        );
        for bad in ["limit=-1", "limit=0", "cursor=zzz", "cursor=12%3Bdrop"] {
            let p = check_paging(bad).expect_err(bad);
            assert_eq!(p.status, 422, "{bad}");
            assert_eq!(
                p.field.as_deref(),
                Some(bad.split('=').next().unwrap_or(""))
            );
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn names_fields_from_serde_messages() {
        let check =
            |m: &str, f: Option<&str>| assert_eq!(field_from_serde_message(m).as_deref(), f, "{m}");
        check(
            "Failed to deserialize the JSON body into the target type: unknown field `colour`, expected one of `name`",
            Some("colour"),
        );
        check(
            "Failed to deserialize the JSON body into the target type: missing field `name` at line 1",
            Some("name"),
        );
        check(
            "Failed to deserialize the JSON body into the target type: kind: invalid type: integer `3`",
            Some("kind"),
        );
    }
}
