//! The broker's decisions for one call: credential, grant, window, terms
//! and quota, checked on every call from one joined read (kept for a
//! moment in `broker_state`'s cache), and the usage row
//! every call leaves (refused ones too, once the credential is known: calls
//! after revocation or expiry are what insider-risk review looks for). The
//! forwarding itself is `http::broker`. When the window's current terms
//! keep transcripts, the call's prompt and assembled completion are sealed
//! (the key-encryption key, the usage id as associated data) and stored
//! with its usage row; [`open_transcript`] is the developer's read.

use std::sync::Arc;
use std::time::Instant;

use clearinghouse_domain::envelope;
use clearinghouse_domain::frontier::access::transcript::Transcript;
use clearinghouse_domain::frontier::access::usage::TokenCounts;
use clearinghouse_domain::frontier::access::{self, DayUse, GrantStatus, Quota, Span};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::frontier::window_grants::{CallFacts, UsageRow};
use crate::workflows::frontier::broker_state::{Cached, Times};
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

/// A call allowed through: the credential's facts (shared with the
/// cache), the unsealed endpoint, and the UTC day whose quota the call was
/// reserved on.
#[derive(Clone)]
pub struct Authorized {
    cached: Arc<Cached>,
    pub endpoint: Arc<Endpoint>,
    pub day: i64,
}

impl Authorized {
    pub fn facts(&self) -> &CallFacts {
        &self.cached.facts
    }

    pub fn window_id(&self) -> &str {
        &self.cached.facts.grant.window_id
    }

    /// The one model the window grants (what `/models` lists).
    pub fn model_name(&self) -> &str {
        &self.cached.facts.model_name
    }

    /// The window's current terms keep transcripts.
    pub fn keep_transcripts(&self) -> bool {
        self.cached.facts.keep_transcripts
    }
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
/// The facts come from the process's cache (`broker_state`) when fresh,
/// else from one joined read; an allowed call holds a reservation of one
/// request of its quota until [`settle`] (the usage row's writer) ends it.
pub async fn authorize(
    app: &AppState,
    token: &str,
    ctx: &CallContext,
) -> AppResult<Result<Authorized, Refused>> {
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let now = clock::now().unix_timestamp();
    let day = access::day_of(now);
    let cached = match app.broker.cached(&hash) {
        Some(c) => c,
        None => {
            let generation = app.broker.generation();
            let Some(f) =
                store::frontier::window_grants::authorize(&app.store.pool, &hash, day).await?
            else {
                return Ok(Err(refused(401, "credential", "unknown broker credential")));
            };
            let times = Times {
                grant: Span {
                    starts_at: parse_secs(&f.grant.starts_at)?,
                    ends_at: parse_secs(&f.grant.ends_at)?,
                },
                window: Span {
                    starts_at: parse_secs(&f.window_starts_at)?,
                    ends_at: parse_secs(&f.window_ends_at)?,
                },
                credential_expires_at: parse_secs(&f.credential_expires_at)?,
            };
            app.broker.remember(&hash, f, times, generation, day)
        }
    };
    let f = &cached.facts;
    let status = access::grant_status(
        cached.times.grant,
        cached.times.window,
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
    } else if now >= cached.times.credential_expires_at {
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
            let quota = Quota {
                requests_per_day: f.grant.requests_per_day,
                tokens_per_day: f.grant.tokens_per_day,
            };
            // Reserve before forwarding: calls in flight count.
            app.broker
                .reserve(&f.grant.id, day, |requests, tokens| {
                    access::quota_check(DayUse { requests, tokens }, quota, now)
                })
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
    if let Some((outcome, r)) = refusal {
        let row = usage_row(f, ctx, i64::from(r.status), outcome, 0, None);
        record(app, row, None).await?;
        return Ok(Err(r));
    }
    let endpoint = match cached.endpoint() {
        Some(e) => e,
        None => match open_endpoint(app, &f.grant.window_id, &f.endpoint_sealed) {
            Ok(e) => cached.keep_endpoint(e),
            Err(e) => {
                app.broker.settle(&f.grant.id, day, 0);
                return Err(e);
            }
        },
    };
    Ok(Ok(Authorized {
        cached: Arc::clone(&cached),
        endpoint,
        day,
    }))
}

/// Ends an allowed call's quota reservation: one request and `tokens` used.
pub fn settle(app: &AppState, auth: &Authorized, tokens: i64) {
    app.broker.settle(&auth.facts().grant.id, auth.day, tokens);
}

/// The usage row of a call that ended now.
pub fn usage_row(
    facts: &CallFacts,
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
        window_id: facts.grant.window_id.clone(),
        grant_id: facts.grant.id.clone(),
        user_id: facts.grant.user_id.clone(),
        credential_id: facts.credential_id.clone(),
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

/// Seals a transcript for the usage row `usage_id` (hex of the envelope).
fn seal_transcript(app: &AppState, usage_id: &str, t: &Transcript) -> AppResult<String> {
    let plain = serde_json::to_vec(t).map_err(|e| AppError::internal("transcript", e))?;
    let sealed = envelope::try_seal(&app.kek, &plain, usage_id.as_bytes())
        .map_err(|e| AppError::internal("sealing a transcript", e))?;
    Ok(hex::encode(sealed.to_bytes()))
}

/// Opens a stored transcript (the developer's read, checked by the caller).
pub fn open_transcript(app: &AppState, usage_id: &str, sealed_hex: &str) -> AppResult<Transcript> {
    let bytes = hex::decode(sealed_hex).map_err(|e| AppError::internal("stored transcript", e))?;
    let sealed = envelope::Sealed::from_bytes(&bytes)
        .map_err(|e| AppError::internal("stored transcript", e))?;
    let plain = envelope::open(&app.kek, &sealed, usage_id.as_bytes())
        .map_err(|e| AppError::internal("unsealing a transcript", e))?;
    serde_json::from_slice(&plain).map_err(|e| AppError::internal("stored transcript", e))
}

/// Commits one usage row, with its sealed transcript when there is one,
/// through the process's usage writer (group commit; the window's alert
/// scan follows); returns once it is committed.
pub async fn record(
    app: &AppState,
    row: UsageRow,
    transcript: Option<&Transcript>,
) -> AppResult<()> {
    let sealed = transcript
        .map(|t| seal_transcript(app, &row.id, t))
        .transpose()?;
    app.broker
        .commit(app, row, sealed)
        .await
        .map_err(|e| AppError::internal_msg(format!("usage row not committed: {e}")))
}
