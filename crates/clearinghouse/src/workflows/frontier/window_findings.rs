//! Findings from an access window (issue 13 item 8). A person with an
//! active grant on a window files what they found with the covered model
//! through the ordinary intake (`POST /api/v1/submissions?window=ID`); the
//! submission and its findings are shared (`record_shares`) with the
//! window's participants — the developer's organisation and the
//! organisations of the people holding unrevoked grants — and the window
//! lists them (`GET /windows/{id}/findings`) to whoever may read the window,
//! each finding still under its own labels.
//!
//! A window the submitter holds no active grant on is refused with the same
//! words whether or not it exists (422 `window`; no existence oracle), the
//! attempt audited as `window.refused`, and nothing stored.

use clearinghouse_domain::frontier::access::{self, GrantStatus, Span};
use clearinghouse_domain::identity::Scope;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::model::finding::Finding;
use crate::store;
use crate::store::AnyConnection;
use crate::workflows::frontier::windows::{now_secs, readable, refuse, secs, span};
use crate::workflows::read_policy::PolicyReader;
use crate::workflows::{into_page, page_size};

const NO_GRANT: &str = "names no access window on which you hold an active grant";

/// The window named by a submission, checked: the submitter holds an
/// active grant on it now. Returns the window id.
pub async fn check_filing(app: &AppState, who: &Principal, window: &str) -> AppResult<String> {
    let id = window.trim();
    if id.is_empty()
        || id.len() > 100
        || clearinghouse_domain::text::first_forbidden(id, false).is_some()
    {
        return Err(AppError::invalid(
            "window",
            "must be a window id (at most 100 bytes, no control characters)",
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    let w = store::frontier::windows::get(&mut conn, id).await?;
    let grants =
        store::frontier::window_grants::of_window(&mut conn, id, Some(who.user_id())).await?;
    drop(conn);
    let active = match &w {
        Some(w) => {
            let window_span = span(w)?;
            let mut any = false;
            for g in &grants {
                let grant_span = Span {
                    starts_at: secs("starts_at", &g.starts_at)?,
                    ends_at: secs("ends_at", &g.ends_at)?,
                };
                let status = access::grant_status(
                    grant_span,
                    window_span,
                    g.revoked_at.is_some(),
                    w.state != "open",
                    now_secs(),
                );
                any |= status == GrantStatus::Active;
            }
            any
        }
        None => false,
    };
    if active {
        Ok(id.to_owned())
    } else {
        let err = AppError::invalid("window", NO_GRANT);
        Err(refuse(app, who, "window", id, "file findings from a window", err).await)
    }
}

/// Shares a new window submission with the window's participants, in the
/// submission's transaction.
pub async fn share_submission(
    conn: &mut AnyConnection,
    window_id: &str,
    submission_id: &str,
    owner_org: &str,
) -> AppResult<Vec<String>> {
    let orgs: Vec<String> = store::findings::window::participant_orgs(conn, window_id)
        .await?
        .into_iter()
        .filter(|o| o != owner_org)
        .collect();
    store::findings::window::share(conn, submission_id, &orgs).await?;
    Ok(orgs)
}

/// The window's findings the caller may read, newest first; 404 when the
/// caller may not read the window.
pub async fn list(
    app: &AppState,
    who: &Principal,
    window_id: &str,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Finding>> {
    let (w, _) = readable(app, who, window_id).await?;
    who.require_scope(Scope::FindingsRead)?;
    let limit = page_size(limit);
    let reader = PolicyReader::of(app, who).await?;
    let rows =
        store::findings::window::list(&app.store.pool, &w.id, &reader.filter(), cursor, limit + 1)
            .await?;
    Ok(into_page(rows, limit, |f| f.id.clone()))
}
