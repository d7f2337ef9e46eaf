//! The broker's decisions for one call: credential, grant, window, terms
//! and quota, checked on every call from one joined read, and the usage row
//! every call leaves (refused ones too, once the credential is known: calls
//! after revocation or expiry are what insider-risk review looks for). The
//! forwarding itself is `http::broker`.

use std::time::Instant;

use clearinghouse_domain::frontier::access::usage::TokenCounts;
use clearinghouse_domain::frontier::access::{self, DayUse, GrantStatus, Quota, Span};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::frontier::window_grants::UsageRow;
use crate::workflows::frontier::windows::{Endpoint, open_endpoint};
use crate::workflows::new_id;

/// What the broker knows of a call before forwarding it.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// `chat/completions`, `completions` or `models`.
    pub endpoint: &'static str,
    pub model: String,
    pub streamed: bool,
    pub request_bytes: i64,
    pub client_addr: String,
    pub started: Instant,
}

/// A call allowed through.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub credential_id: String,
    pub grant_id: String,
    pub window_id: String,
    pub user_id: String,
    pub endpoint: Endpoint,
}

/// A call refused: the status, the field at fault, a message, and for a
/// quota the seconds until it resets.
#[derive(Debug, Clone)]
pub struct Refused {
    pub status: u16,
    pub field: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

fn refused(status: u16, field: &'static str, message: impl Into<String>) -> Refused {
    Refused {
        status,
        field,
        message: message.into(),
        retry_after: None,
    }
}

fn parse_secs(text: &str) -> AppResult<i64> {
    clock::parse(text)
        .map(time::OffsetDateTime::unix_timestamp)
        .ok_or_else(|| AppError::internal_msg(format!("stored time '{text}'")))
}

/// Checks the call; a refusal of a known credential is logged as usage.
pub async fn authorize(
    app: &AppState,
    token: &str,
    ctx: &CallContext,
) -> AppResult<Result<Authorized, Refused>> {
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let now = clock::now().unix_timestamp();
    let Some(f) =
        store::frontier::window_grants::authorize(&app.store.pool, &hash, access::day_of(now))
            .await?
    else {
        return Ok(Err(refused(401, "credential", "unknown broker credential")));
    };
    let grant = Span {
        starts_at: parse_secs(&f.grant.starts_at)?,
        ends_at: parse_secs(&f.grant.ends_at)?,
    };
    let window = Span {
        starts_at: parse_secs(&f.window_starts_at)?,
        ends_at: parse_secs(&f.window_ends_at)?,
    };
    let status = access::grant_status(
        grant,
        window,
        f.grant.revoked_at.is_some() || f.credential_revoked,
        f.window_state != "open",
        now,
    );
    let refusal = if !f.person_active {
        // The credential dies with the person: a disabled account or an
        // archived organisation calls no more.
        Some((
            "refused_revoked",
            refused(
                401,
                "credential",
                "the broker credential's holder is no longer active",
            ),
        ))
    } else if now >= parse_secs(&f.credential_expires_at)? {
        Some((
            "refused_expired",
            refused(
                401,
                "credential",
                "the broker credential has expired; ask for a new one",
            ),
        ))
    } else {
        match status {
            GrantStatus::Revoked => Some((
                "refused_revoked",
                refused(403, "grant", "the grant was revoked"),
            )),
            GrantStatus::Ended => Some((
                "refused_ended",
                refused(
                    403,
                    "grant",
                    "the grant has ended (its window closed or expired)",
                ),
            )),
            GrantStatus::NotYet => Some((
                "refused_not_yet",
                refused(403, "grant", "the grant has not started"),
            )),
            GrantStatus::Active if !f.accepted_current => Some((
                "refused_terms",
                refused(
                    403,
                    "terms_version",
                    format!("accept terms version {} before use", f.terms_version),
                ),
            )),
            // Only the window's model is forwarded with the developer's
            // secret; any other name is not found.
            GrantStatus::Active if ctx.endpoint != "models" && ctx.model != f.model_name => Some((
                "refused_model",
                refused(
                    404,
                    "model",
                    format!("the window grants access to model {} only", f.model_name),
                ),
            )),
            GrantStatus::Active => None,
        }
    };
    let refusal = match refusal {
        Some(r) => Some(r),
        None => {
            let (requests, tokens) = (f.used_requests, f.used_tokens);
            let quota = Quota {
                requests_per_day: f.grant.requests_per_day,
                tokens_per_day: f.grant.tokens_per_day,
            };
            access::quota_check(DayUse { requests, tokens }, quota, now)
                .err()
                .map(|(field, secs)| {
                    let mut r = refused(
                        429,
                        field,
                        format!(
                            "daily quota used ({field}: {}); it resets at 00:00 UTC",
                            match field {
                                "requests_per_day" => quota.requests_per_day,
                                _ => quota.tokens_per_day,
                            }
                        ),
                    );
                    r.retry_after = Some(secs);
                    ("refused_quota", r)
                })
        }
    };
    let auth = Authorized {
        credential_id: f.credential_id,
        grant_id: f.grant.id.clone(),
        window_id: f.grant.window_id.clone(),
        user_id: f.grant.user_id.clone(),
        endpoint: Endpoint {
            base_url: String::new(),
            secret: String::new(),
        },
    };
    if let Some((outcome, r)) = refusal {
        let row = usage_row(&auth, ctx, i64::from(r.status), outcome, 0, None);
        record(app, &row).await?;
        return Ok(Err(r));
    }
    let endpoint = open_endpoint(app, &auth.window_id, &f.endpoint_sealed)?;
    Ok(Ok(Authorized { endpoint, ..auth }))
}

/// The usage row of a call that ended now.
pub fn usage_row(
    auth: &Authorized,
    ctx: &CallContext,
    status: i64,
    outcome: &str,
    response_bytes: i64,
    counts: Option<TokenCounts>,
) -> UsageRow {
    let now = clock::now();
    let c = counts.unwrap_or_default();
    UsageRow {
        id: new_id(),
        window_id: auth.window_id.clone(),
        grant_id: auth.grant_id.clone(),
        user_id: auth.user_id.clone(),
        credential_id: auth.credential_id.clone(),
        at: clock::format(now),
        day: access::day_of(now.unix_timestamp()),
        endpoint: ctx.endpoint.to_owned(),
        model: ctx.model.clone(),
        streamed: ctx.streamed,
        request_bytes: ctx.request_bytes,
        response_bytes,
        prompt_tokens: c.prompt,
        completion_tokens: c.completion,
        total_tokens: c.total,
        latency_ms: i64::try_from(ctx.started.elapsed().as_millis()).unwrap_or(i64::MAX),
        status,
        outcome: outcome.to_owned(),
        client_addr: ctx.client_addr.clone(),
    }
}

/// Commits one usage row.
pub async fn record(app: &AppState, row: &UsageRow) -> AppResult<()> {
    let mut tx = app.store.begin_write().await?;
    store::frontier::window_grants::insert_usage(&mut tx, row).await?;
    tx.commit().await?;
    Ok(())
}
