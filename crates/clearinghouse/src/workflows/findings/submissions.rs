//! Submitting findings: a file of scanner output is streamed to disk (never
//! held in memory), its format checked from its first bytes, stored as an
//! artifact, and acknowledged with a submission row and a processing job in
//! one transaction — after that commit the submission survives any crash.
//! An `Idempotency-Key`, or else the file's SHA-256 (with its target and
//! campaign), makes a resubmission return the first submission instead of
//! a new one.

use clearinghouse_domain::findings::{self, Target};
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::{Tlp, Visibility};
use futures_util::Stream;
use serde_json::json;

use crate::app::AppState;
use crate::artifacts::Artifacts;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, finding_analysis::FindingAnalysis, submission_process::SubmissionProcess};
use crate::model::Page;
use crate::model::finding::{
    ItemOutcome, ItemResult, Submission, SubmissionCounts, SubmissionState,
};
use crate::model::notify::NotificationKind;
use crate::store::{self, StoreError};
use crate::workflows::frontier::window_findings;
use crate::workflows::read_policy::{PolicyReader, may_read_submitted, readable_page};
use crate::workflows::spool::spool;
use crate::workflows::{into_page, new_id, page_size};

/// What the submitter says about a file, besides its bytes.
#[derive(Debug, Default, Clone)]
pub struct SubmissionOptions {
    /// The target of findings whose file names none: `pkg:...`, `repo:URL@REV`
    /// or `product:VENDOR/PRODUCT@VERSION`.
    pub target: Option<String>,
    pub campaign: Option<String>,
    /// An access window the submitter holds an active grant on: the
    /// findings were found with its covered model and are shared with its
    /// participants.
    pub window: Option<String>,
    /// Default `AMBER`.
    pub tlp: Option<String>,
    /// Default public (empty).
    pub visibility: Option<String>,
    /// The file's name, for people.
    pub name: Option<String>,
    pub idempotency_key: Option<String>,
}

/// The options, checked before a byte of the body is read.
struct Checked {
    target: Option<String>,
    campaign: Option<String>,
    window: Option<String>,
    tlp: Tlp,
    visibility: Visibility,
    name: Option<String>,
    key: Option<String>,
}

fn printable(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.len() > max || clearinghouse_domain::text::first_forbidden(v, false).is_some() {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} bytes, no control characters"),
        ));
    }
    Ok(Some(v.to_owned()))
}

fn check(who: &Principal, o: &SubmissionOptions) -> AppResult<Checked> {
    let target = match o.target.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            Target::parse(t).map_err(|e| AppError::invalid("target", e.to_string()))?;
            Some(t.to_owned())
        }
        None => None,
    };
    let tlp: Tlp = o.tlp.as_deref().unwrap_or("AMBER").parse().map_err(
        |e: clearinghouse_domain::labels::TlpParseError| AppError::invalid("tlp", e.to_string()),
    )?;
    if tlp == Tlp::Red {
        return Err(AppError::invalid(
            "tlp",
            "TLP:RED findings cannot be shared with the clearinghouse; use AMBER+STRICT",
        ));
    }
    let visibility = Visibility::parse(o.visibility.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?;
    if !visibility.evaluate(&who.authorizations) {
        return Err(AppError::invalid(
            "visibility",
            "you must hold the authorizations of a label you apply",
        ));
    }
    let name = printable("name", o.name.as_deref(), 200)?;
    let key = printable("Idempotency-Key", o.idempotency_key.as_deref(), 200)?;
    Ok(Checked {
        target,
        campaign: printable("campaign", o.campaign.as_deref(), 200)?,
        window: None,
        tlp,
        visibility,
        name,
        key,
    })
}

/// Refuses an idempotency key reused for another file, target or campaign.
fn same_request(found: &Submission, sha256: &str, o: &Checked) -> AppResult<()> {
    if found.sha256 == sha256
        && found.default_target == o.target
        && found.campaign == o.campaign
        && found.window_id == o.window
    {
        return Ok(());
    }
    Err(AppError::invalid(
        "Idempotency-Key",
        format!(
            "was used on {} for another file, target or campaign; use a new key for a new request",
            found.created_at
        ),
    ))
}

/// The earlier submission a used key names, when the caller may read it;
/// else a conflict that names nothing of it.
fn earlier(who: &Principal, found: Submission) -> AppResult<(bool, Submission)> {
    if may_read_submitted(who, found.tlp, &found.visibility, &found.org_id)? {
        Ok((false, found))
    } else {
        Err(AppError::Conflict(
            "this idempotency key (or this file) was used before; choose another key".into(),
        ))
    }
}

/// Accepts a file of findings. Returns `(true, submission)` for a new
/// submission, `(false, the earlier one)` when the idempotency key (or the
/// file's digest) was used before by the caller's organisation.
pub async fn create<S, B, E>(
    app: &AppState,
    who: &Principal,
    options: SubmissionOptions,
    body: S,
) -> AppResult<(bool, Submission)>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    who.require_scope(Scope::FindingsWrite)?;
    let mut o = check(who, &options)?;
    // Checked before a byte of the body is read: a refused campaign stores nothing.
    o.campaign = crate::workflows::scans::intake::check_submission(
        app,
        who,
        o.campaign.as_deref(),
        options.window.as_deref(),
    )
    .await?;
    // Checked before a byte of the body is read: a refused window stores nothing.
    if let Some(w) = options.window.as_deref() {
        o.window = Some(window_findings::check_filing(app, who, w).await?);
    }
    let (spooled, sha256, size, head) = spool(
        app,
        body,
        app.settings.max_submission_bytes,
        "upload",
        64 * 1024,
    )
    .await?;
    // A key names one request: the same file for the same target and
    // campaign. Reused for another, it is refused rather than answered with
    // the first submission (the new file would silently be dropped).
    if let Some(key) = &o.key
        && let Some(found) =
            store::findings::submissions::by_idempotency_key(&app.store.pool, who.org_id(), key)
                .await?
    {
        // Readability first: an unreadable submission is a bare conflict.
        let (new, found) = earlier(who, found)?;
        same_request(&found, &sha256, &o)?;
        return Ok((new, found));
    }
    if size == 0 {
        return Err(AppError::invalid("body", "the file is empty"));
    }
    let Some(format) = findings::detect(&head) else {
        return Err(AppError::invalid(
            "body",
            "not a SARIF 2.1.0, OSV, CSAF 2.0, CVE JSON 5 or clearinghouse_findings document",
        ));
    };
    // A given key was looked up before the upload; the file's is known now.
    let key = match o.key.clone() {
        Some(k) => k,
        None => {
            let k = digest_key(&sha256, &o);
            if let Some(found) =
                store::findings::submissions::by_idempotency_key(&app.store.pool, who.org_id(), &k)
                    .await?
            {
                return earlier(who, found);
            }
            k
        }
    };
    // Content-addressed and immutable: storing it before the commit leaves
    // at worst an unreferenced object.
    let artifact_key = Artifacts::key_for(&sha256);
    app.artifacts
        .put_file(&artifact_key, &spooled.0)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    drop(spooled);
    let now = clock::now_text();
    let submission = Submission {
        id: new_id(),
        org_id: who.org_id().to_owned(),
        submitted_by: who.user_id().to_owned(),
        submitted_via: who.agent().map(|a| a.id.clone()),
        idempotency_key: key.clone(),
        file_name: o.name,
        sha256,
        size_bytes: size as i64,
        format: Some(format_name(format).to_owned()),
        default_target: o.target,
        campaign: o.campaign,
        window_id: o.window,
        tlp: o.tlp,
        visibility: o.visibility.as_str().to_owned(),
        state: SubmissionState::Queued,
        error: None,
        counts: SubmissionCounts::default(),
        created_at: now.clone(),
        finished_at: None,
    };
    let mut tx = app.store.begin_write().await?;
    let vis_id = store::labels::intern(&mut tx, &submission.visibility).await?;
    let batch_items = app.settings.batch_findings;
    match store::findings::submissions::insert(
        &mut tx,
        &submission,
        &artifact_key,
        vis_id,
        batch_items,
    )
    .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            // Another request with the same key committed first.
            drop(tx);
            let found = store::findings::submissions::by_idempotency_key(
                &app.store.pool,
                who.org_id(),
                &key,
            )
            .await?
            .ok_or(AppError::Conflict("submission".into()))?;
            return earlier(who, found);
        }
        Err(e) => return Err(e.into()),
    }
    let shared_with = match &submission.window_id {
        Some(w) => {
            window_findings::share_submission(&mut tx, w, &submission.id, &submission.org_id)
                .await?
        }
        None => Vec::new(),
    };
    let job = SubmissionProcess {
        submission_id: submission.id.clone(),
    };
    let key = format!("submission:{}", submission.id);
    jobs::enqueue(&mut tx, &job, Some(&key), &now, &now).await?;
    let event = AuditEvent {
        action: "submission.create",
        object_type: "submission",
        object_id: &submission.id,
        change: json!(submission),
    };
    let share = AuditEvent {
        action: "submission.share",
        object_type: "submission",
        object_id: &submission.id,
        change: json!({"window_id": submission.window_id, "shared_with_orgs": shared_with}),
    };
    let events = if submission.window_id.is_some() {
        vec![event, share]
    } else {
        vec![event]
    };
    app.audit.record(&mut tx, &app.store, who, &events).await?;
    tx.commit().await?;
    app.jobs_queued.notify_one();
    metrics::counter!("clearinghouse_submissions_total").increment(1);
    Ok((true, submission))
}

/// The idempotency key of a submission sent without one: the file's digest,
/// and the target and campaign when given (the same file for another target
/// is another submission).
fn digest_key(sha256: &str, o: &Checked) -> String {
    let mut key = format!("sha256:{sha256}");
    if let Some(t) = &o.target {
        key.push_str(&format!(" target:{t}"));
    }
    if let Some(c) = &o.campaign {
        key.push_str(&format!(" campaign:{c}"));
    }
    if let Some(w) = &o.window {
        key.push_str(&format!(" window:{w}"));
    }
    key.chars().take(1000).collect()
}

/// Ends a submission's processing (`done` or `failed`) in one transaction:
/// the row, the `finding_analysis` job, a `submission.processed`
/// notification to the submitter's organisation (inbox and webhooks: the
/// alternative to polling), and the audit entry.
pub async fn finish(
    app: &AppState,
    who: &Principal,
    s: &Submission,
    state: SubmissionState,
    error: Option<&str>,
) -> AppResult<()> {
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    // First, so that of two workers ending it at once one does, once.
    if !store::findings::submissions::finish(&mut *tx, &s.id, state, error, &now).await? {
        return Ok(());
    }
    let Some(current) = store::findings::submissions::get(&mut *tx, &s.id).await? else {
        return Err(AppError::NotFound);
    };
    let current = current.submission;
    let job = FindingAnalysis {
        submission_id: s.id.clone(),
    };
    jobs::enqueue(
        &mut tx,
        &job,
        Some(&format!("analysis:{}", s.id)),
        &now,
        &now,
    )
    .await?;
    let c = current.counts;
    let name = current.file_name.as_deref().unwrap_or("a file");
    let title = match state {
        SubmissionState::Done => format!(
            "Submission of {name} processed: {} received, {} new, {} duplicates, {} rejected",
            c.received, c.new, c.duplicates, c.rejected
        ),
        _ => format!("Submission of {name} could not be read"),
    };
    let notification = crate::workflows::notifications::NewNotification {
        org_id: current.org_id.clone(),
        kind: NotificationKind::SubmissionProcessed,
        exposure_id: None,
        vuln_id: None,
        // It names the file and its counts: the submission's labels.
        tlp: current.tlp.as_str().to_owned(),
        visibility: current.visibility.clone(),
        title,
        body: error.map(|e| format!("Error: {e}")).unwrap_or_default(),
        data: json!({"submission_id": s.id, "state": state, "counts": c, "error": error}),
    };
    crate::workflows::notifications::enqueue(app, &mut tx, notification).await?;
    let event = AuditEvent {
        action: "submission.finish",
        object_type: "submission",
        object_id: &s.id,
        change: json!({"state": state, "counts": c, "error": error}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

pub fn format_name(f: findings::FindingFormat) -> &'static str {
    match f {
        findings::FindingFormat::Sarif => "sarif",
        findings::FindingFormat::Osv => "osv",
        findings::FindingFormat::Csaf => "csaf",
        findings::FindingFormat::Cve => "cve",
        findings::FindingFormat::Native => "native",
    }
}

/// One submission the caller may read under the one read policy (owned by
/// the submitting organisation, addressed to the clearinghouse staff,
/// visibility always applied); 404 otherwise, from one query either way.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Submission> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    get_as(app, who, &reader, id).await
}

async fn get_as(
    app: &AppState,
    who: &Principal,
    reader: &PolicyReader,
    id: &str,
) -> AppResult<Submission> {
    let s = store::findings::submissions::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    // An agent made for a campaign reads only what it submitted.
    if let Some(agent) = who.agent().filter(|a| a.campaign_id.is_some())
        && s.submitted_via.as_deref() != Some(agent.id.as_str())
    {
        return Err(AppError::NotFound);
    }
    let shared = store::findings::window::shares_of(&app.store.pool, &s.id).await?;
    if crate::workflows::read_policy::may_read_shared(
        who,
        s.tlp,
        &s.visibility,
        &s.org_id,
        &shared,
    )? {
        Ok(s)
    } else {
        tracing::error!(submission.id = %id, "read filter and read policy disagree");
        Err(AppError::NotFound)
    }
}

/// One page of the submissions the caller may read, sorted and searched,
/// with how many the caller may read in all (for the web UI's table).
pub async fn table(
    app: &AppState,
    who: &Principal,
    q: &store::findings::listing::SubmissionTable<'_>,
) -> AppResult<(Vec<Submission>, i64)> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    Ok(store::findings::listing::submission_page(&app.store.pool, &reader.filter(), q).await?)
}

/// Submissions the caller may read, newest first.
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Submission>> {
    let list = store::findings::submissions::list_readable;
    readable_page(app, who, Scope::FindingsRead, cursor, limit, list).await
}

/// Item results in file order from the cursor (a sequence number), at most
/// `limit`, optionally only one outcome.
pub async fn items(
    app: &AppState,
    who: &Principal,
    id: &str,
    outcome: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<ItemResult>> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let submission = get_as(app, who, &reader, id).await?;
    let outcome = outcome
        .map(|o| {
            ItemOutcome::parse(o)
                .ok_or_else(|| AppError::invalid("outcome", "must be new, duplicate or rejected"))
        })
        .transpose()?;
    let limit = page_size(limit);
    let mut from: i64 = match cursor {
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| AppError::invalid("cursor", "not a cursor of this list"))?
            .saturating_add(1),
        None => 0,
    };
    let mut out = Vec::new();
    while (out.len() as i64) <= limit && from < submission.counts.received {
        // The batch holding `from` and the next committed one: while a
        // split submission is processed its batches may have gaps, and the
        // batch before a gap ends before `from`; the next one moves on.
        let chunk =
            store::findings::submissions::results(&app.store.pool, id, from, 2, outcome).await?;
        let Some(last) = chunk.last().map(|r| r.seq).filter(|last| *last >= from) else {
            break;
        };
        out.extend(
            chunk
                .into_iter()
                .filter(|r| r.seq >= from && outcome.is_none_or(|o| r.outcome == o)),
        );
        from = last + 1;
    }
    hide_unreadable_findings(app, &reader, &mut out).await?;
    Ok(into_page(out, limit, |r| r.seq.to_string()))
}

/// A duplicate of a finding the reader cannot read says `duplicate` and
/// nothing else: no finding id (a sighting gives its submitter the
/// sighting, not the finding).
async fn hide_unreadable_findings(
    app: &AppState,
    reader: &PolicyReader,
    items: &mut [ItemResult],
) -> AppResult<()> {
    // A `new` item's finding was made by this submission, with its owner
    // and labels, which the reader has just passed: only duplicates are
    // looked up (less work for a large file's pages).
    let made_here: std::collections::HashSet<String> = items
        .iter()
        .filter(|r| r.outcome == ItemOutcome::New)
        .filter_map(|r| r.finding_id.clone())
        .collect();
    let mut ids: Vec<String> = items
        .iter()
        .filter_map(|r| r.finding_id.as_deref())
        .filter(|id| !made_here.contains(*id))
        .map(str::to_owned)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut readable =
        crate::workflows::read_policy::readable_finding_ids(app, reader, &ids).await?;
    readable.extend(made_here);
    for item in items {
        if item
            .finding_id
            .as_ref()
            .is_some_and(|id| !readable.contains(id))
        {
            item.finding_id = None;
        }
    }
    Ok(())
}
