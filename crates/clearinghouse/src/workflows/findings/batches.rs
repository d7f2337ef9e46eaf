//! Committing one batch of a submission's parsed items: exact
//! deduplication by fingerprint, sightings per organisation and version,
//! the batch's item results and counts, and one audit entry, in one
//! transaction.
//!
//! # Two batches at once (PostgreSQL)
//! On PostgreSQL a batch's transaction is mostly the server's work
//! (inserting rows, checking keys), during which one client connection
//! waits. So the intake commits two batches of a submission at once on two
//! connections ([`Chain`]): while batch `k` writes its sightings and
//! commits, batch `k + 1` looks up and inserts its findings. Two rules keep
//! this exactly as if they were committed one after the other:
//! - batch `k + 1` learns the findings batch `k` is inserting (their
//!   fingerprints and ids, sent before `k` writes them, so both insert
//!   their findings at once) and counts its items of those fingerprints as
//!   duplicates of them instead of inserting them again (which would wait
//!   on `k`'s uncommitted rows); their sightings, which need `k`'s rows
//!   visible, are written after `k` commits. Should `k` find one of them
//!   stored meanwhile by another writer, it says so when it commits, and
//!   `k + 1` names that finding instead;
//! - batch `k + 1` commits only after `k` has committed, and not at all if
//!   `k` did not: committed batches are always the first ones, so an
//!   interrupted intake resumes after the last of them as before.
//!
//! SQLite has one writer connection: there the batches take turns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use clearinghouse_domain::findings::review::FindingState;
use clearinghouse_domain::findings::{self, Item, Target};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use super::super::new_id;
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::finding::{
    Finding, FindingLocation, FindingSeverity, ItemOutcome, ItemResult, Submission,
    SubmissionCounts, TargetKind,
};
use crate::store;
use crate::store::findings::NewSighting;
use crate::store::findings::submissions::{BatchRecord, encode_results};

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

/// The findings a batch is inserting, their ids by fingerprint: what the
/// batch after it counts as duplicates before they are committed.
type Planned = Arc<HashMap<String, String>>;

/// Of those, the ones another writer stored first: the id the batch chose
/// → the stored finding's id (see [`relink`]). Sent when the batch commits.
type Renamed = Arc<HashMap<String, String>>;

/// How a batch is ordered with the batches committed beside it: what it
/// hears from the batch before it, and tells the batch after it. The
/// default is a batch committed alone.
#[derive(Debug, Default)]
pub struct Chain {
    before: Option<Before>,
    after: Option<After>,
}

/// What a batch hears from the batch before it.
#[derive(Debug)]
struct Before {
    planned: oneshot::Receiver<Planned>,
    committed: oneshot::Receiver<Renamed>,
}

/// What a batch tells the batch after it. Dropped unsent (the batch
/// failed, or another worker had committed it), it stops that batch.
#[derive(Debug)]
struct After {
    planned: oneshot::Sender<Planned>,
    committed: oneshot::Sender<Renamed>,
}

impl Chain {
    /// The links of a batch: the batch before it is `before` (None for the
    /// first), and the returned [`Link`] goes to the batch after it.
    pub fn link(before: Option<Link>) -> (Chain, Link) {
        let (planned_tx, planned_rx) = oneshot::channel();
        let (committed_tx, committed_rx) = oneshot::channel();
        let chain = Chain {
            before: before.map(|l| l.0),
            after: Some(After {
                planned: planned_tx,
                committed: committed_tx,
            }),
        };
        (
            chain,
            Link(Before {
                planned: planned_rx,
                committed: committed_rx,
            }),
        )
    }
}

/// The link from one batch to the next (see [`Chain::link`]).
#[derive(Debug)]
pub struct Link(Before);

fn stopped() -> AppError {
    AppError::internal_msg("the batch before this one was not committed")
}

/// Commits batch number `batch` (items `first_seq..`) of a submission in one
/// transaction, as `who` (the submitter, acting through the system), alone.
/// A finding another submission, or another worker committing a chunk of
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
    let at = Position {
        batch,
        first_seq,
        visibility_id,
    };
    ingest_chained(app, who, s, at, items, Chain::default()).await
}

/// Where a batch stands in its submission.
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub batch: i64,
    pub first_seq: i64,
    /// The submission's stored label.
    pub visibility_id: i64,
}

/// [`ingest_batch`] beside the batches before and after it (see the module
/// documentation).
pub async fn ingest_chained(
    app: &AppState,
    who: &Principal,
    s: &Submission,
    at: Position,
    items: &[Item],
    chain: Chain,
) -> AppResult<BatchOutcome> {
    let Chain { before, after } = chain;
    let (planned_before, committed_before) = match before {
        Some(b) => (Some(b.planned), Some(b.committed)),
        None => (None, None),
    };
    let (planned_after, committed_after) = match after {
        Some(a) => (Some(a.planned), Some(a.committed)),
        None => (None, None),
    };
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
    // The findings the batch before is inserting and has not committed.
    let pending: Planned = match planned_before {
        Some(rx) => rx.await.map_err(|_| stopped())?,
        None => Planned::default(),
    };
    let mut new_rows = Vec::new();
    let mut mine: HashSet<String> = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    let mut counts = SubmissionCounts {
        received: items.len() as i64,
        ..SubmissionCounts::default()
    };
    // Sightings of this batch's new findings, and of the findings its
    // duplicates name: stored before, or by the batch before (those are
    // written once it has committed, and so are the others, which the
    // batch before may have sighted too: its sighting would make this
    // one's insert wait).
    let mut seen_new: Vec<(String, String)> = Vec::new();
    let mut seen_dup: Vec<(String, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let seq = at.first_seq + i as i64;
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
                let version = f.target.version().unwrap_or("").to_owned();
                let stored = known.get(&f.fingerprint).map(|id| (id, mine.contains(id)));
                let (id, outcome) = if let Some((id, own)) = stored {
                    counts.duplicates += 1;
                    let list = if own { &mut seen_new } else { &mut seen_dup };
                    list.push((id.clone(), version));
                    (id.clone(), ItemOutcome::Duplicate)
                } else if let Some(id) = pending.get(&f.fingerprint) {
                    counts.duplicates += 1;
                    seen_dup.push((id.clone(), version));
                    (id.clone(), ItemOutcome::Duplicate)
                } else {
                    let id = new_id();
                    known.insert(f.fingerprint.clone(), id.clone());
                    new_rows.push(record(f, s, id.clone(), &now));
                    counts.new += 1;
                    mine.insert(id.clone());
                    seen_new.push((id.clone(), version));
                    (id, ItemOutcome::New)
                };
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
    if let Some(tx_after) = planned_after {
        let planned = new_rows
            .iter()
            .map(|r| (r.fingerprint.clone(), r.id.clone()))
            .collect();
        // The batch after may have stopped already; it then fails alone.
        let _ = tx_after.send(Arc::new(planned));
    }
    let lost = store::findings::insert_many(&mut tx, &new_rows, at.visibility_id).await?;
    drop(new_rows);
    let renamed: HashMap<String, String> = if lost.is_empty() {
        HashMap::new()
    } else {
        let stored = store::findings::ids_by_fingerprint(&mut tx, &lost).await?;
        lost.iter()
            .filter_map(|fp| Some((known.get(fp)?.clone(), stored.get(fp)?.clone())))
            .collect()
    };
    if !renamed.is_empty() {
        relink(&mut results, &mut seen_new, &mut counts, &renamed);
    }
    if s.window_id.is_some() {
        // A window's findings carry its submission's shares (its participants).
        store::findings::window::share_findings_of(&mut tx, &s.id).await?;
    }
    write_sightings(&mut tx, s, &now, &mut seen_new).await?;
    if let Some(rx) = committed_before {
        // Repeats of a finding the batch before lost to another writer
        // name the stored finding (they were duplicates already).
        let theirs = rx.await.map_err(|_| stopped())?;
        if !theirs.is_empty() {
            relink(&mut results, &mut seen_dup, &mut counts, &theirs);
        }
    }
    write_sightings(&mut tx, s, &now, &mut seen_dup).await?;
    let encoded = encode_results(&results);
    let results_sha256 = hex::encode(Sha256::digest(encoded.as_bytes()));
    let recorded = store::findings::submissions::record_batch(
        &mut tx,
        &BatchRecord {
            submission_id: &s.id,
            batch: at.batch,
            first_seq: at.first_seq,
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
            "batch": at.batch,
            "first_seq": at.first_seq,
            "counts": counts,
            "results_sha256": results_sha256,
        }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    if let Some(tx_after) = committed_after {
        let _ = tx_after.send(Arc::new(renamed));
    }
    metrics::counter!("clearinghouse_findings_received_total").increment(counts.received as u64);
    Ok(BatchOutcome::Committed(counts))
}

/// Writes one sighting per distinct (finding, version) of `seen`.
async fn write_sightings(
    tx: &mut store::Tx,
    s: &Submission,
    now: &str,
    seen: &mut Vec<(String, String)>,
) -> AppResult<()> {
    seen.sort_unstable();
    seen.dedup();
    let sightings: Vec<NewSighting<'_>> = seen
        .iter()
        .map(|(id, version)| NewSighting {
            finding_id: id,
            org_id: &s.org_id,
            version,
            submission_id: &s.id,
            seen_at: now,
        })
        .collect();
    store::findings::insert_sightings(tx, &sightings).await?;
    Ok(())
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
