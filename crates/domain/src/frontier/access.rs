//! Brokered access to a covered model (Sec. 3(b)(ii); also the model
//! entries of the Sec. 2(c)(iii) tool catalog): the rules of an access
//! window, its terms, grants to named people with daily quotas, short-lived
//! credentials and the quota decision, as pure functions over Unix seconds.
//! `usage.rs` reads token counts from OpenAI-compatible answers (whole JSON
//! or a server-sent-event stream fed chunk by chunk); `alerts.rs` the
//! insider-risk rules over a window's usage log; `transcript.rs` assembles
//! a call's completion for windows whose terms keep transcripts.
//!
//! The rules, each tested below:
//! - a window lasts at most [`MAX_WINDOW_DAYS`] days, starts no earlier than
//!   now (a minute of clock skew tolerated) and ends no later than the
//!   start (00:00 UTC) of the model's planned release to trusted partners;
//! - moving that release date earlier shortens the window to fit (or closes
//!   it, when the new date is not after its start); moving it later never
//!   lengthens it ([`fit_to_release`]): nothing lengthens a window;
//! - a grant lies inside its window and carries a quota of requests and
//!   tokens per UTC day; over either, the answer is "retry at the next UTC
//!   midnight" ([`quota_check`]);
//! - a credential lives 5 minutes to 12 hours and never past its grant.

pub mod alerts;
pub mod catalog;
pub mod partners;
pub mod sse;
pub mod transcript;
pub mod usage;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::frontier::date::CalendarDate;
use crate::spelling::spelled_enum;

/// The order's limit on a pre-release access window.
pub const MAX_WINDOW_DAYS: i64 = 30;
pub const DAY_SECS: i64 = 86_400;
/// How far in the past a window's start may lie (clock skew between the
/// client that computed "now" and the server).
pub const START_SKEW_SECS: i64 = 60;
/// Terms are a document people read: at most 64 KiB.
pub const MAX_TERMS_BYTES: usize = 64 * 1024;
pub const MAX_REQUESTS_PER_DAY: i64 = 1_000_000;
pub const MAX_TOKENS_PER_DAY: i64 = 1_000_000_000;
pub const MIN_CREDENTIAL_MINUTES: i64 = 5;
pub const MAX_CREDENTIAL_MINUTES: i64 = 12 * 60;
pub const DEFAULT_CREDENTIAL_MINUTES: i64 = 60;

/// A refusal naming the field a person must change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct AccessError {
    pub field: &'static str,
    pub reason: String,
}

fn err(field: &'static str, reason: impl Into<String>) -> AccessError {
    AccessError {
        field,
        reason: reason.into(),
    }
}

/// Unix seconds of 00:00 UTC on `d`.
pub fn start_of_day(d: CalendarDate) -> i64 {
    crate::directive::due::day_number(d) * DAY_SECS
}

/// A window's span, Unix seconds, `starts_at < ends_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Checks a window the developer asks for (fields `starts_at`, `ends_at`,
/// `planned_partner_release`).
pub fn plan_window(
    starts_at: i64,
    ends_at: i64,
    now: i64,
    partner_release: Option<CalendarDate>,
) -> Result<Span, AccessError> {
    if starts_at < now - START_SKEW_SECS {
        return Err(err("starts_at", "must not be in the past"));
    }
    if ends_at <= starts_at {
        return Err(err("ends_at", "must be after starts_at"));
    }
    if ends_at - starts_at > MAX_WINDOW_DAYS * DAY_SECS {
        return Err(err(
            "ends_at",
            format!("a window lasts at most {MAX_WINDOW_DAYS} days (Sec. 3(b)(ii))"),
        ));
    }
    let Some(release) = partner_release else {
        return Err(err(
            "planned_partner_release",
            "the model has no planned release to trusted partners; record it first (a window ends no later than it)",
        ));
    };
    if ends_at > start_of_day(release) {
        return Err(err(
            "ends_at",
            format!("must be no later than the planned partner release ({release}, 00:00 UTC)"),
        ));
    }
    Ok(Span { starts_at, ends_at })
}

/// What a new planned partner release does to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The window already ends no later than the release.
    Unchanged,
    /// The window now ends at the release.
    Shortened { ends_at: i64 },
    /// The release is at or before the window's start: it closes.
    Closed,
}

/// A release moved to `release` (or removed: `None`, which closes an open
/// window because it can no longer end "before the release"). Never
/// lengthens.
pub fn fit_to_release(window: Span, release: Option<CalendarDate>) -> Fit {
    let Some(release) = release else {
        return Fit::Closed;
    };
    let limit = start_of_day(release);
    if window.ends_at <= limit {
        Fit::Unchanged
    } else if limit <= window.starts_at {
        Fit::Closed
    } else {
        Fit::Shortened { ends_at: limit }
    }
}

/// A terms document and its SHA-256 (hex), the digest people accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub text: String,
    pub sha256: String,
}

/// The clause a terms version carries when its window keeps transcripts:
/// part of the text, so the digest a person accepts covers it.
pub const TRANSCRIPT_CLAUSE: &str = "Transcripts: the prompt and the completion of every call \
    through the broker are kept, sealed under the clearinghouse's key-encryption key, and \
    readable by the model's developer only.";

impl Terms {
    /// The terms of a window that keeps transcripts (`keep`) or not: the
    /// text with [`TRANSCRIPT_CLAUSE`] appended when it keeps them. A text
    /// that states the clause itself without `keep` is refused (field
    /// `keep_transcripts`), so the words and the behaviour never differ.
    pub fn with_transcripts(text: &str, keep: bool) -> Result<Terms, AccessError> {
        if text.contains(TRANSCRIPT_CLAUSE) {
            return Err(err(
                "keep_transcripts",
                "the terms state the transcript clause: set keep_transcripts instead of writing it",
            ));
        }
        if !keep {
            return Terms::new(text);
        }
        Terms::new(text)?;
        Terms::new(&format!("{}\n\n{TRANSCRIPT_CLAUSE}", text.trim_end()))
    }

    /// Non-empty, at most [`MAX_TERMS_BYTES`], no control characters but
    /// line breaks and tabs (field `terms`).
    pub fn new(text: &str) -> Result<Terms, AccessError> {
        if text.trim().is_empty() {
            return Err(err(
                "terms",
                "must state the confidentiality, cybersecurity, insider-risk, IP and use terms",
            ));
        }
        if text.len() > MAX_TERMS_BYTES {
            return Err(err(
                "terms",
                format!("must be at most {MAX_TERMS_BYTES} bytes"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(err("terms", "must not contain control characters"));
        }
        Ok(Terms {
            text: text.to_owned(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        })
    }
}

/// Requests and tokens a grantee may use per UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub requests_per_day: i64,
    pub tokens_per_day: i64,
}

impl Quota {
    pub fn new(requests_per_day: i64, tokens_per_day: i64) -> Result<Quota, AccessError> {
        if !(1..=MAX_REQUESTS_PER_DAY).contains(&requests_per_day) {
            return Err(err(
                "requests_per_day",
                format!("must be between 1 and {MAX_REQUESTS_PER_DAY}"),
            ));
        }
        if !(1..=MAX_TOKENS_PER_DAY).contains(&tokens_per_day) {
            return Err(err(
                "tokens_per_day",
                format!("must be between 1 and {MAX_TOKENS_PER_DAY}"),
            ));
        }
        Ok(Quota {
            requests_per_day,
            tokens_per_day,
        })
    }
}

/// A grant's span inside its window (fields `starts_at`, `ends_at`);
/// missing bounds default to the window's (from now, if it already began).
pub fn plan_grant(
    window: Span,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    now: i64,
) -> Result<Span, AccessError> {
    let starts_at = starts_at.unwrap_or(window.starts_at.max(now));
    let ends_at = ends_at.unwrap_or(window.ends_at);
    if starts_at < window.starts_at {
        return Err(err(
            "starts_at",
            "must be inside the window (not before its start)",
        ));
    }
    if ends_at > window.ends_at {
        return Err(err(
            "ends_at",
            "must be inside the window (not after its end)",
        ));
    }
    if ends_at <= starts_at {
        return Err(err("ends_at", "must be after starts_at"));
    }
    if ends_at <= now {
        return Err(err("ends_at", "must be in the future"));
    }
    Ok(Span { starts_at, ends_at })
}

/// An access window's state: `open`, or `closed` before its end (the
/// window records why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    Open,
    Closed,
}

spelled_enum! {
    WindowState { Open => "open", Closed => "closed" }
    parse
}

/// Whether a grant lets its person call the model at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    NotYet,
    Ended,
    Revoked,
}

/// The grant's status: revoked beats everything; the grant's own span and
/// its window's (which may have been shortened or closed since) both bound it.
pub fn grant_status(
    grant: Span,
    window: Span,
    revoked: bool,
    window_closed: bool,
    now: i64,
) -> GrantStatus {
    if revoked {
        GrantStatus::Revoked
    } else if window_closed || now >= grant.ends_at.min(window.ends_at) {
        GrantStatus::Ended
    } else if now < grant.starts_at.max(window.starts_at) {
        GrantStatus::NotYet
    } else {
        GrantStatus::Active
    }
}

/// When a credential asked for now expires (field `minutes`): 5 minutes to
/// 12 hours, default one hour, never after the grant or window ends.
pub fn credential_expiry(
    now: i64,
    minutes: Option<i64>,
    grant: Span,
    window: Span,
) -> Result<i64, AccessError> {
    let minutes = minutes.unwrap_or(DEFAULT_CREDENTIAL_MINUTES);
    if !(MIN_CREDENTIAL_MINUTES..=MAX_CREDENTIAL_MINUTES).contains(&minutes) {
        return Err(err(
            "minutes",
            format!("must be between {MIN_CREDENTIAL_MINUTES} and {MAX_CREDENTIAL_MINUTES}"),
        ));
    }
    Ok((now + minutes * 60).min(grant.ends_at).min(window.ends_at))
}

/// What a grantee used on one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayUse {
    pub requests: i64,
    pub tokens: i64,
}

/// The UTC day (days since 1970-01-01) of `t`.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY_SECS)
}

/// One more call allowed? Otherwise the field over quota and the seconds
/// until the next UTC midnight (at least 1), for `Retry-After`.
pub fn quota_check(used: DayUse, quota: Quota, now: i64) -> Result<(), (&'static str, u64)> {
    let retry = u64::try_from((day_of(now) + 1) * DAY_SECS - now)
        .unwrap_or(1)
        .max(1);
    if used.requests >= quota.requests_per_day {
        Err(("requests_per_day", retry))
    } else if used.tokens >= quota.tokens_per_day {
        Err(("tokens_per_day", retry))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> CalendarDate {
        CalendarDate::parse(s).unwrap()
    }

    const NOW: i64 = 1_800_000_000; // 2027-01-15T08:00:00Z

    #[test]
    fn start_of_day_is_midnight_utc() {
        assert_eq!(start_of_day(d("1970-01-02")), DAY_SECS);
        assert_eq!(start_of_day(d("2027-01-15")), 1_799_971_200);
    }

    #[test]
    fn window_rules_name_the_field() {
        let release = Some(d("2027-02-20"));
        let ok = plan_window(NOW, NOW + 30 * DAY_SECS, NOW, release).unwrap();
        assert_eq!(ok.ends_at - ok.starts_at, 30 * DAY_SECS);
        let cases: [(i64, i64, Option<CalendarDate>, &str); 6] = [
            (NOW - 3600, NOW + DAY_SECS, release, "starts_at"),
            (NOW, NOW, release, "ends_at"),
            (NOW, NOW + 30 * DAY_SECS + 1, release, "ends_at"),
            (NOW, NOW + DAY_SECS, None, "planned_partner_release"),
            (NOW, NOW + 10 * DAY_SECS, Some(d("2027-01-20")), "ends_at"),
            (NOW + 40 * DAY_SECS, NOW + 41 * DAY_SECS, release, "ends_at"),
        ];
        for (s, e, r, field) in cases {
            assert_eq!(
                plan_window(s, e, NOW, r).unwrap_err().field,
                field,
                "{s} {e} {r:?}"
            );
        }
        // A minute of skew is tolerated.
        assert!(plan_window(NOW - 30, NOW + DAY_SECS, NOW, release).is_ok());
        // Ending exactly at the release is allowed.
        let at = start_of_day(d("2027-01-20"));
        assert!(plan_window(NOW, at, NOW, Some(d("2027-01-20"))).is_ok());
    }

    #[test]
    fn moving_the_release_never_lengthens() {
        let w = Span {
            starts_at: NOW,
            ends_at: NOW + 10 * DAY_SECS,
        };
        assert_eq!(fit_to_release(w, Some(d("2027-12-01"))), Fit::Unchanged);
        assert_eq!(
            fit_to_release(w, Some(d("2027-01-20"))),
            Fit::Shortened {
                ends_at: start_of_day(d("2027-01-20"))
            }
        );
        assert_eq!(fit_to_release(w, Some(d("2027-01-15"))), Fit::Closed);
        assert_eq!(fit_to_release(w, Some(d("2026-06-01"))), Fit::Closed);
        assert_eq!(fit_to_release(w, None), Fit::Closed);
    }

    #[test]
    fn terms_are_digested_and_bounded() {
        let t = Terms::new("Confidential.\nNo disclosure.").unwrap();
        assert_eq!(t.sha256.len(), 64);
        assert_ne!(Terms::new("Confidential. ").unwrap().sha256, t.sha256);
        assert_eq!(Terms::new("  ").unwrap_err().field, "terms");
        assert_eq!(Terms::new("a\u{7}b").unwrap_err().field, "terms");
        assert!(Terms::new(&"x".repeat(MAX_TERMS_BYTES + 1)).is_err());
    }

    #[test]
    fn keeping_transcripts_is_in_the_text_people_accept() {
        let plain = Terms::with_transcripts("Confidential.\n", false).unwrap();
        assert_eq!(plain, Terms::new("Confidential.\n").unwrap());
        let kept = Terms::with_transcripts("Confidential.\n", true).unwrap();
        assert!(kept.text.starts_with("Confidential.\n\nTranscripts:"));
        assert!(kept.text.ends_with(TRANSCRIPT_CLAUSE));
        assert_ne!(kept.sha256, plain.sha256);
        let forged = format!("Confidential. {TRANSCRIPT_CLAUSE}");
        for keep in [false, true] {
            assert_eq!(
                Terms::with_transcripts(&forged, keep).unwrap_err().field,
                "keep_transcripts"
            );
        }
        assert_eq!(
            Terms::with_transcripts(" ", true).unwrap_err().field,
            "terms"
        );
    }

    #[test]
    fn grants_stay_inside_their_window() {
        let w = Span {
            starts_at: NOW,
            ends_at: NOW + 10 * DAY_SECS,
        };
        assert_eq!(plan_grant(w, None, None, NOW).unwrap(), w);
        assert_eq!(
            plan_grant(w, Some(NOW - 1), None, NOW).unwrap_err().field,
            "starts_at"
        );
        assert_eq!(
            plan_grant(w, None, Some(w.ends_at + 1), NOW)
                .unwrap_err()
                .field,
            "ends_at"
        );
        assert_eq!(
            plan_grant(w, None, None, w.ends_at).unwrap_err().field,
            "ends_at"
        );
        assert_eq!(Quota::new(0, 10).unwrap_err().field, "requests_per_day");
        assert_eq!(Quota::new(1, 0).unwrap_err().field, "tokens_per_day");
    }

    #[test]
    fn status_revoked_then_ended_then_span() {
        let w = Span {
            starts_at: NOW,
            ends_at: NOW + 100,
        };
        let g = Span {
            starts_at: NOW + 10,
            ends_at: NOW + 200,
        };
        assert_eq!(
            grant_status(g, w, true, false, NOW + 20),
            GrantStatus::Revoked
        );
        assert_eq!(
            grant_status(g, w, false, true, NOW + 20),
            GrantStatus::Ended
        );
        assert_eq!(
            grant_status(g, w, false, false, NOW + 5),
            GrantStatus::NotYet
        );
        assert_eq!(
            grant_status(g, w, false, false, NOW + 20),
            GrantStatus::Active
        );
        // The window was shortened below the grant's own end.
        assert_eq!(
            grant_status(g, w, false, false, NOW + 150),
            GrantStatus::Ended
        );
    }

    #[test]
    fn credentials_are_short_and_bounded() {
        let w = Span {
            starts_at: NOW,
            ends_at: NOW + DAY_SECS,
        };
        let g = Span {
            starts_at: NOW,
            ends_at: NOW + 1800,
        };
        assert_eq!(credential_expiry(NOW, None, g, w).unwrap(), NOW + 1800);
        assert_eq!(credential_expiry(NOW, Some(10), g, w).unwrap(), NOW + 600);
        assert_eq!(
            credential_expiry(NOW, Some(4), g, w).unwrap_err().field,
            "minutes"
        );
        assert!(credential_expiry(NOW, Some(721), g, w).is_err());
    }

    #[test]
    fn quota_retries_at_the_next_utc_midnight() {
        let q = Quota::new(2, 100).unwrap();
        assert!(
            quota_check(
                DayUse {
                    requests: 1,
                    tokens: 99
                },
                q,
                NOW
            )
            .is_ok()
        );
        let midnight = (day_of(NOW) + 1) * DAY_SECS;
        assert_eq!(
            quota_check(
                DayUse {
                    requests: 2,
                    tokens: 0
                },
                q,
                NOW
            ),
            Err(("requests_per_day", (midnight - NOW) as u64))
        );
        assert_eq!(
            quota_check(
                DayUse {
                    requests: 0,
                    tokens: 100
                },
                q,
                NOW
            )
            .unwrap_err()
            .0,
            "tokens_per_day"
        );
    }
}
