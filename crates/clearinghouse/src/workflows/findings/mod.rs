//! Findings: committing a submission's batches ([`batches`]: exact
//! deduplication by fingerprint, sightings per organisation and version,
//! the batch's item results and counts, one audit entry) and reading
//! findings under the read rule.
//!
//! # Who may read a finding
//!
//! The one read policy (`labels::can_read`, in SQL `store::read_filter`):
//! a finding is owned by its first reporter's organisation and addressed to
//! the clearinghouse staff (coordinators and validators), its named
//! recipients; it is case data, read only by those participants. So its
//! owner reads it up to AMBER+STRICT, the staff at any TLP, nobody else;
//! the visibility expression always applies on top: nobody reads "up". Another
//! organisation submitting the same fingerprint gets its own sighting and
//! the fact "duplicate", never the finding nor its id (see
//! `workflows::findings::submissions::items`). Missing and unreadable findings are
//! the same 404 from the same single query.

pub mod batches;
pub mod pocs;
pub mod review;
pub mod submissions;

use clearinghouse_domain::findings::review::FindingState;
use clearinghouse_domain::identity::{Role, Scope};
use serde::Serialize;
use utoipa::ToSchema;

use super::{into_page, page_size};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::model::finding::{
    Finding, FindingEvent, FindingFilter, FindingSeverity, Sighting, SimilarFinding,
};
use crate::store;
use crate::workflows::read_policy::{PolicyReader, may_read_submitted};

pub use batches::{BatchOutcome, ingest_batch};

/// The clearinghouse staff, named recipients of every finding.
pub const CLEARINGHOUSE_READERS: &[Role] = super::read_policy::STAFF;

/// Whether `who` may read `finding` under the one read policy.
pub fn may_read(who: &Principal, finding: &Finding) -> AppResult<bool> {
    may_read_submitted(who, finding.tlp, &finding.visibility, &finding.reporter_org)
}

/// Whether `who` reads `finding` as an organisation it is shared with (a
/// finding filed from an access window, shared with its participants).
async fn may_read_window_share(
    app: &AppState,
    who: &Principal,
    finding: &Finding,
) -> AppResult<bool> {
    let shared = store::findings::window::shares_of(&app.store.pool, &finding.id).await?;
    crate::workflows::read_policy::may_read_shared(
        who,
        finding.tlp,
        &finding.visibility,
        &finding.reporter_org,
        &shared,
    )
}

/// One finding the caller may read; 404 otherwise, from one query either
/// way (no timing difference between missing and unreadable).
pub async fn get_readable(app: &AppState, who: &Principal, id: &str) -> AppResult<Finding> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    get_readable_as(app, who, &reader, id).await
}

/// [`get_readable`] with the reader's filter already built.
pub async fn get_readable_as(
    app: &AppState,
    who: &Principal,
    reader: &PolicyReader,
    id: &str,
) -> AppResult<Finding> {
    let finding = store::findings::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    agreed(app, who, finding).await
}

/// `finding` as the SQL filter admitted it, if the domain's rule agrees:
/// a record one admits and the other refuses is not returned.
async fn agreed(app: &AppState, who: &Principal, finding: Finding) -> AppResult<Finding> {
    if may_read(who, &finding)? || may_read_window_share(app, who, &finding).await? {
        Ok(finding)
    } else {
        tracing::error!(finding.id = %finding.id, "read filter and read policy disagree");
        Err(AppError::NotFound)
    }
}

/// A finding with where it was seen, its near-duplicates and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingDetail {
    pub finding: Finding,
    pub sightings: Vec<Sighting>,
    /// Possible, confirmed or split near-duplicates the caller may read.
    pub similar: Vec<SimilarFinding>,
    pub events: Vec<FindingEvent>,
}

pub async fn detail(app: &AppState, who: &Principal, id: &str) -> AppResult<FindingDetail> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    // One query: the finding under the read filter, with its lists.
    let store::findings::detail::Detail {
        finding,
        sightings,
        similar: links,
        events,
    } = store::findings::detail::get_readable(&app.store, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    let finding = agreed(app, who, finding).await?;
    // The same rule for the other finding: no title leaks.
    let mut similar = Vec::new();
    for link in links {
        if reader.reads_finding(&link.tlp, &link.similar.reporter_org, link.visibility_id)? {
            similar.push(link.similar);
        }
    }
    Ok(FindingDetail {
        finding,
        sightings,
        similar,
        events,
    })
}

/// A findings query's `state` word as a filter (absent or empty: any);
/// anything else is 422 naming `state`.
pub fn state_filter(word: Option<&str>) -> AppResult<Option<FindingState>> {
    match word.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(w) => FindingState::parse(w).map(Some).ok_or_else(|| {
            AppError::invalid(
                "state",
                "must be received, triaged, validating, validated or rejected",
            )
        }),
    }
}

/// A findings query's `severity` word as a filter (absent or empty: any);
/// anything else is 422 naming `severity`.
pub fn severity_filter(word: Option<&str>) -> AppResult<Option<FindingSeverity>> {
    match word.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(w) => FindingSeverity::parse(w).map(Some).ok_or_else(|| {
            AppError::invalid("severity", "must be none, low, medium, high or critical")
        }),
    }
}

/// Findings the caller may read, newest first.
pub async fn list(
    app: &AppState,
    who: &Principal,
    filter: &FindingFilter,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Finding>> {
    who.require_scope(Scope::FindingsRead)?;
    let limit = page_size(limit);
    let reader = PolicyReader::of(app, who).await?;
    let rows =
        store::findings::list(&app.store.pool, filter, &reader.filter(), cursor, limit + 1).await?;
    Ok(into_page(rows, limit, |f| f.id.clone()))
}

/// One page of the findings the caller may read, sorted and searched, with
/// the number of all such findings (counted under the same read policy).
pub async fn table(
    app: &AppState,
    who: &Principal,
    filter: &FindingFilter,
    q: &store::findings::listing::TableQuery<'_>,
) -> AppResult<(Vec<Finding>, i64)> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let q = store::findings::listing::TableQuery {
        limit: page_size(Some(q.limit)),
        offset: q.offset.max(0),
        ..q.clone()
    };
    Ok(store::findings::listing::page(&app.store.pool, filter, &reader.filter(), &q).await?)
}
