//! Findings: committing a batch of parsed items (exact deduplication by
//! fingerprint, sightings per organisation and version, the batch's item
//! results and counts, one audit entry) and reading findings under the
//! read rule.
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

use std::collections::HashMap;

pub mod pocs;
pub mod review;
pub mod submissions;

use clearinghouse_domain::findings::review::FindingState;
use clearinghouse_domain::findings::{self, Item, Target};
use clearinghouse_domain::identity::{Role, Scope};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{into_page, new_id, page_size};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::model::finding::{
    Finding, FindingEvent, FindingFilter, FindingLocation, FindingSeverity, ItemOutcome,
    ItemResult, Sighting, SimilarFinding, Submission, SubmissionCounts, TargetKind,
};
use crate::store;
use crate::store::findings::NewSighting;
use crate::store::findings::submissions::{BatchRecord, encode_results};
use crate::workflows::read_policy::{PolicyReader, may_read_submitted};

/// The clearinghouse staff, named recipients of every finding.
pub const CLEARINGHOUSE_READERS: &[Role] = super::read_policy::STAFF;

/// What a batch commit did.
#[derive(Debug, PartialEq, Eq)]
pub enum BatchOutcome {
    Committed(SubmissionCounts),
    /// Another worker had already committed this batch.
    AlreadyDone,
}

fn target_kind(t: &Target) -> TargetKind {
    match t {
        Target::Package { .. } => TargetKind::Package,
        Target::Repository { .. } => TargetKind::Repository,
        Target::Product { .. } => TargetKind::Product,
    }
}

fn record(f: &findings::Finding, s: &Submission, id: String, now: &str) -> Finding {
    Finding {
        id,
        fingerprint: f.fingerprint.clone(),
        target: f.target.to_string(),
        target_kind: target_kind(&f.target),
        target_identity: f.target.identity(),
        title: f.title.clone(),
        description: f.description.clone(),
        rule_id: f.rule_id.clone(),
        tool: f.tool.clone(),
        cwes: f.cwes.clone(),
        severity: f.severity.map(FindingSeverity::from),
        cvss_vector: f.cvss_vector.clone(),
        location: f.location.as_ref().map(|l| FindingLocation {
            path: l.path.clone(),
            start_line: l.start_line.map(i64::from),
            end_line: l.end_line.map(i64::from),
            function: l.function.clone(),
        }),
        evidence: f.evidence.clone(),
        aliases: f.aliases.clone(),
        reporter_org: s.org_id.clone(),
        reported_by: s.submitted_by.clone(),
        submission_id: s.id.clone(),
        position: f.position.clone(),
        campaign: s.campaign.clone(),
        tlp: s.tlp,
        visibility: s.visibility.clone(),
        state: FindingState::Received,
        rejection_reason: None,
        duplicate_of: None,
        known_vuln_id: None,
        vulnerability_id: None,
        validator_id: None,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    }
}

/// Commits batch number `batch` (items `first_seq..`) of a submission in one
/// transaction, as `who` (the submitter, acting through the system). A
/// finding another submission, or another worker committing a chunk of
/// this one, stores meanwhile is linked to as a duplicate (see below).
pub async fn ingest_batch(
    app: &AppState,
    who: &Principal,
    s: &Submission,
    visibility_id: i64,
    batch: i64,
    first_seq: i64,
    items: &[Item],
) -> AppResult<BatchOutcome> {
    let now = clock::now_text();
    let mut fingerprints: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Finding(f) => Some(f.fingerprint.clone()),
            Item::Rejected(_) => None,
        })
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    let mut tx = app.store.begin_write().await?;
    let mut known = store::findings::ids_by_fingerprint(&mut tx, &fingerprints).await?;
    let mut new_rows = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    let mut counts = SubmissionCounts {
        received: items.len() as i64,
        ..SubmissionCounts::default()
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let seq = first_seq + i as i64;
        match item {
            Item::Rejected(e) => {
                counts.rejected += 1;
                results.push(ItemResult {
                    seq,
                    position: e.position.clone(),
                    outcome: ItemOutcome::Rejected,
                    finding_id: None,
                    message: Some(e.message.clone()),
                });
            }
            Item::Finding(f) => {
                let (id, outcome) = match known.get(&f.fingerprint) {
                    Some(id) => {
                        counts.duplicates += 1;
                        (id.clone(), ItemOutcome::Duplicate)
                    }
                    None => {
                        let id = new_id();
                        known.insert(f.fingerprint.clone(), id.clone());
                        new_rows.push(record(f, s, id.clone(), &now));
                        counts.new += 1;
                        (id, ItemOutcome::New)
                    }
                };
                seen.push((id.clone(), f.target.version().unwrap_or("").to_owned()));
                results.push(ItemResult {
                    seq,
                    position: f.position.clone(),
                    outcome,
                    finding_id: Some(id),
                    message: None,
                });
            }
        }
    }
    // In fingerprint order: two workers committing chunks of one file that
    // share new fingerprints lock them in the same order, so one waits for
    // the other instead of the two deadlocking. The waiting one finds them
    // stored when the other commits: those are duplicates after all.
    new_rows.sort_unstable_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    let lost = store::findings::insert_many(&mut tx, &new_rows, visibility_id).await?;
    if !lost.is_empty() {
        let stored = store::findings::ids_by_fingerprint(&mut tx, &lost).await?;
        let renamed: HashMap<String, String> = lost
            .iter()
            .filter_map(|fp| Some((known.get(fp)?.clone(), stored.get(fp)?.clone())))
            .collect();
        relink(&mut results, &mut seen, &mut counts, &renamed);
    }
    seen.sort_unstable();
    seen.dedup();
    if s.window_id.is_some() {
        // A window's findings carry its submission's shares (its participants).
        store::findings::window::share_findings_of(&mut tx, &s.id).await?;
    }
    let sightings: Vec<NewSighting<'_>> = seen
        .iter()
        .map(|(id, version)| NewSighting {
            finding_id: id,
            org_id: &s.org_id,
            version,
            submission_id: &s.id,
            seen_at: &now,
        })
        .collect();
    store::findings::insert_sightings(&mut tx, &sightings).await?;
    let encoded = encode_results(&results);
    let results_sha256 = hex::encode(Sha256::digest(encoded.as_bytes()));
    let recorded = store::findings::submissions::record_batch(
        &mut tx,
        &BatchRecord {
            submission_id: &s.id,
            batch,
            first_seq,
            results: encoded,
            counts,
        },
    )
    .await?;
    if !recorded {
        return Ok(BatchOutcome::AlreadyDone);
    }
    let event = AuditEvent {
        action: "submission.batch",
        object_type: "submission",
        object_id: &s.id,
        change: json!({
            "batch": batch,
            "first_seq": first_seq,
            "counts": counts,
            "results_sha256": results_sha256,
        }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    metrics::counter!("clearinghouse_findings_received_total").increment(counts.received as u64);
    Ok(BatchOutcome::Committed(counts))
}

/// Points the items that named a finding this batch meant to create, but
/// another transaction stored first, at that finding (`renamed`: the id
/// this batch chose → the stored one): a new item becomes a duplicate.
fn relink(
    results: &mut [ItemResult],
    seen: &mut [(String, String)],
    counts: &mut SubmissionCounts,
    renamed: &HashMap<String, String>,
) {
    for r in results.iter_mut() {
        let Some(stored) = r.finding_id.as_ref().and_then(|id| renamed.get(id)) else {
            continue;
        };
        r.finding_id = Some(stored.clone());
        if r.outcome == ItemOutcome::New {
            r.outcome = ItemOutcome::Duplicate;
            counts.new -= 1;
            counts.duplicates += 1;
        }
    }
    for (id, _) in seen.iter_mut() {
        if let Some(stored) = renamed.get(id) {
            id.clone_from(stored);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(seq: i64, outcome: ItemOutcome, id: &str) -> ItemResult {
        ItemResult {
            seq,
            position: format!("findings[{seq}]"),
            outcome,
            finding_id: Some(id.to_owned()),
            message: None,
        }
    }

    #[test]
    fn a_finding_stored_first_elsewhere_makes_its_items_duplicates() {
        let mut results = vec![
            result(0, ItemOutcome::New, "mine-a"),
            result(1, ItemOutcome::New, "mine-b"),
            result(2, ItemOutcome::Duplicate, "mine-a"),
            result(3, ItemOutcome::Duplicate, "old"),
        ];
        let mut seen = vec![
            ("mine-a".to_owned(), "1.0".to_owned()),
            ("mine-b".to_owned(), "1.0".to_owned()),
        ];
        let mut counts = SubmissionCounts {
            received: 4,
            new: 2,
            duplicates: 2,
            rejected: 0,
        };
        let renamed = HashMap::from([("mine-a".to_owned(), "theirs".to_owned())]);
        relink(&mut results, &mut seen, &mut counts, &renamed);
        let got: Vec<(ItemOutcome, &str)> = results
            .iter()
            .map(|r| (r.outcome, r.finding_id.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            [
                (ItemOutcome::Duplicate, "theirs"),
                (ItemOutcome::New, "mine-b"),
                (ItemOutcome::Duplicate, "theirs"),
                (ItemOutcome::Duplicate, "old"),
            ]
        );
        assert_eq!((counts.new, counts.duplicates), (1, 3));
        assert_eq!(seen[0].0, "theirs");
    }
}
