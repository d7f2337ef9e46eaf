//! Unauthorized-scan reports (Sec. 4). An operator reports scanning it
//! observed on its own verified assets (source blocks, targets, a time
//! range, an optional log excerpt) and is answered at once: each target
//! is covered when a campaign that was active then, under a grant in
//! force then, touched it from declared source blocks holding every
//! observed source (naming the campaign and its contact, so the operator
//! can stand down); campaigns matching but for their sources are listed
//! as possible. An uncovered report is an incident (`open`); a
//! coordinator refers it to law enforcement with an evidence bundle
//! (`evidence`): the report, the campaigns and grants in force then, and
//! each record's audit entry with an inclusion proof against a freshly
//! signed checkpoint, verifiable offline (`clearinghouse audit
//! verify-bundle`).

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::scans::evidence::{Bundle, FORMAT, Record};
use clearinghouse_domain::scans::{Overlap, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{
    COORDINATORS, audit, is_coordinator, long_text, parse_sources, parse_targets, parse_window,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::scans::campaigns::{CampaignRow, Keys};
use crate::store::scans::reports::ReportRow;
use crate::workflows::new_id;

/// Longest log excerpt kept with a report.
pub const MAX_EXCERPT: usize = 20_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// Observed source addresses or blocks.
    pub sources: Vec<String>,
    /// Your network assets that were scanned (`cidr:...`, `host:...`).
    pub targets: Vec<String>,
    /// When the scanning was seen (RFC 3339).
    pub start: String,
    pub end: String,
    /// Lines of the log that show it (at most 20,000 characters).
    pub log_excerpt: Option<String>,
}

/// A campaign that covers (or may cover) a reported target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Coverer {
    pub campaign_id: String,
    pub org_id: String,
    pub contact: String,
    pub scanner: String,
    pub grant_id: Option<String>,
    /// Why it is only possible (sources not declared or not matching).
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TargetAnswer {
    pub target: String,
    pub covered_by: Vec<Coverer>,
    pub possible: Vec<Coverer>,
    /// The parts of the target no authorized campaign covered (empty
    /// when covered).
    #[serde(default)]
    pub uncovered: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub org_id: String,
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    pub start: String,
    pub end: String,
    /// Whether a registered campaign with a valid grant covers every target.
    pub covered: bool,
    /// One sentence for people.
    pub answer: String,
    pub per_target: Vec<TargetAnswer>,
    pub log_excerpt: Option<String>,
    /// `none` (covered), `open`, `referred` or `closed`.
    pub incident_state: String,
    pub created_at: String,
}

fn view(r: ReportRow) -> ReportView {
    let stored: serde_json::Value = serde_json::from_str(&r.answer).unwrap_or_default();
    ReportView {
        id: r.id,
        org_id: r.org_id,
        sources: serde_json::from_str(&r.sources).unwrap_or_default(),
        targets: serde_json::from_str(&r.targets).unwrap_or_default(),
        start: r.starts_at,
        end: r.ends_at,
        covered: r.covered,
        answer: stored["answer"].as_str().unwrap_or_default().to_owned(),
        per_target: serde_json::from_value(stored["per_target"].clone()).unwrap_or_default(),
        log_excerpt: r.log_excerpt,
        incident_state: r.incident_state,
        created_at: r.created_at,
    }
}

/// The report as audited: every stored field.
fn record(r: &ReportRow) -> serde_json::Value {
    json!({
        "id": r.id, "org_id": r.org_id, "sources": r.sources, "targets": r.targets,
        "start": r.starts_at, "end": r.ends_at, "covered": r.covered, "answer": r.answer,
        "log_excerpt": r.log_excerpt, "created_by": r.created_by, "created_at": r.created_at,
    })
}

/// A grant's excluded targets (a JSON array of target texts).
fn excluded_of(excluded_json: &str) -> Vec<Target> {
    serde_json::from_str::<Vec<String>>(excluded_json)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| Target::parse("excluded", x).ok())
        .collect()
}

/// The parts of `t` that no cover (a campaign's target less its
/// grant's exclusions) holds: for blocks the uncovered sub-blocks, for
/// hosts the host itself unless some cover holds all of it.
fn uncovered(t: &Target, covers: &[(Target, Vec<Target>)]) -> Vec<String> {
    if let Target::Cidr(block) = t {
        let blocks: Vec<_> = covers
            .iter()
            .filter_map(|(c, holes)| match c {
                Target::Cidr(c) => Some((
                    *c,
                    holes
                        .iter()
                        .filter_map(|h| match h {
                            Target::Cidr(h) => Some(*h),
                            _ => None,
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        return block
            .uncovered(&blocks)
            .into_iter()
            .map(|b| Target::Cidr(b).to_string())
            .collect();
    }
    let held = covers
        .iter()
        .any(|(c, holes)| c.covers(t) && !holes.iter().any(|h| h.overlaps(t) != Overlap::No));
    if held {
        Vec::new()
    } else {
        vec![t.to_string()]
    }
}

/// Whether the campaign was active at some moment of `[start, end)`.
fn active_then(c: &CampaignRow, start: &str) -> bool {
    c.state == "active" || c.stopped_at.as_deref().is_some_and(|s| s > start)
}

/// Reports scanning observed on the caller's assets; answered at once.
/// How far ahead of the server's clock a report's window may end (the
/// reporter's clock may run a little fast).
const MAX_CLOCK_SKEW_SECS: i64 = 300;

pub async fn create(app: &AppState, who: &Principal, input: ReportInput) -> AppResult<ReportView> {
    who.require_scope(Scope::AssetsWrite)?;
    let targets = parse_targets("targets", &input.targets)?;
    let sources = parse_sources("sources", &input.sources)?;
    if sources.is_empty() {
        return Err(AppError::invalid(
            "sources",
            "name at least one observed source",
        ));
    }
    let (_, starts_at, ends_at) = parse_window(&input.start, &input.end)?;
    // Observed scanning is in the past: a window in the future would open
    // an incident (or "stand down") for what has not happened (F6).
    let latest = clock::format(clock::now() + time::Duration::seconds(MAX_CLOCK_SKEW_SECS));
    for (field, at) in [("start", &starts_at), ("end", &ends_at)] {
        if at.as_str() > latest.as_str() {
            return Err(AppError::invalid(
                field,
                "is in the future: report scanning you have observed",
            ));
        }
    }
    let excerpt = long_text("log_excerpt", input.log_excerpt.as_deref(), MAX_EXCERPT)?;
    let mut tx = app.store.begin_write().await?;
    for (i, t) in targets.iter().enumerate() {
        let field = format!("targets[{i}]");
        if !t.is_network() {
            return Err(AppError::invalid(
                &field,
                "report scanning of network assets",
            ));
        }
        let mut own = false;
        for a in store::scans::assets::touching(&mut tx, t).await? {
            if a.org_id == who.org_id()
                && a.state == "verified"
                && super::assets::target_of(&a)?.covers(t)
            {
                own = true;
            }
        }
        if !own {
            return Err(AppError::invalid(
                &field,
                format!("{t} is not inside a verified network asset of your organisation"),
            ));
        }
    }
    let mut per_target = Vec::new();
    // Many campaigns rely on one grant: each is read once.
    let mut grants = std::collections::HashMap::new();
    for t in &targets {
        let mut answer = TargetAnswer {
            target: t.to_string(),
            covered_by: Vec::new(),
            possible: Vec::new(),
            uncovered: Vec::new(),
        };
        // What the campaigns scanning from the observed sources under a
        // grant of this operator in force then hold: only these count.
        let mut covers = Vec::new();
        for (tr, c) in store::scans::campaigns::overlapping(
            &mut tx,
            t,
            &starts_at,
            &ends_at,
            true,
            Keys::Exact,
        )
        .await?
        {
            let other = Target::parse("target", &tr.value)
                .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
            if other.overlaps(t) == Overlap::No || !active_then(&c, &starts_at) {
                continue;
            }
            let Some(grant_id) = tr.grant_id.clone() else {
                continue;
            };
            if !grants.contains_key(&grant_id) {
                let g = store::scans::grants::get(&mut tx, &grant_id).await?;
                grants.insert(grant_id.clone(), g);
            }
            let Some(grant) = grants[&grant_id].clone().filter(|g| {
                g.starts_at < ends_at
                    && g.ends_at > starts_at
                    && g.revoked_at
                        .as_deref()
                        .is_none_or(|r| r > starts_at.as_str())
            }) else {
                continue;
            };
            // Only a grant of the reporting operator authorizes scanning
            // of its network; a grant of anyone else is no cover.
            let foreign = grant.operator_org_id != who.org_id();
            let declared = super::stored_sources(&c.sources);
            let note = if foreign {
                Some("the campaign's grant is not your organisation's".to_owned())
            } else if declared.is_empty() {
                Some("the campaign declared no source addresses".to_owned())
            } else {
                sources
                    .iter()
                    .find(|s| !declared.iter().any(|d| d.contains(s)))
                    .map(|s| format!("{s} is not among the campaign's source addresses"))
            };
            let who_ = Coverer {
                campaign_id: c.id.clone(),
                org_id: c.org_id.clone(),
                contact: c.contact.clone(),
                scanner: c.scanner.clone(),
                grant_id: Some(grant_id),
                note: note.clone(),
            };
            if note.is_none() {
                covers.push((other, excluded_of(&grant.excluded)));
                answer.covered_by.push(who_);
            } else {
                answer.possible.push(who_);
            }
        }
        // Covered means the campaigns' targets, less their grants'
        // exclusions, hold every address of the reported target; a
        // campaign touching only part of it is only possible, so
        // scanning beside an authorized range is never "stand down".
        answer.uncovered = uncovered(t, &covers);
        if !answer.uncovered.is_empty() {
            let rest = answer.uncovered.join(", ");
            for mut c in std::mem::take(&mut answer.covered_by) {
                c.note = Some(format!("covers only part of {t}: {rest} is not covered"));
                answer.possible.push(c);
            }
        }
        per_target.push(answer);
    }
    let covered = per_target.iter().all(|a| a.uncovered.is_empty());
    let sentence = if covered {
        let names: Vec<String> = per_target
            .iter()
            .flat_map(|a| a.covered_by.iter().map(|c| c.campaign_id.clone()))
            .collect();
        format!(
            "Covered: authorized campaign(s) {} scanned these targets under a valid grant; \
             you can stand down.",
            names.join(", ")
        )
    } else {
        let open: Vec<&str> = per_target
            .iter()
            .flat_map(|a| a.uncovered.iter().map(String::as_str))
            .collect();
        format!(
            "Not covered: no registered campaign with a valid grant covers {}. An incident \
             is open for the coordinators.",
            open.join(", ")
        )
    };
    let row = ReportRow {
        id: new_id(),
        org_id: who.org_id().to_owned(),
        sources: serde_json::to_string(
            &sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        targets: serde_json::to_string(
            &targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        starts_at,
        ends_at,
        covered,
        answer: json!({"answer": sentence, "per_target": per_target}).to_string(),
        log_excerpt: (!excerpt.is_empty()).then_some(excerpt),
        incident_state: if covered {
            "none".into()
        } else {
            "open".into()
        },
        created_by: who.user_id().to_owned(),
        created_at: clock::now_text(),
    };
    store::scans::reports::insert(&mut tx, &row).await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_report.create",
        "scan_report",
        &row.id,
        record(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(view(row))
}

async fn visible(
    conn: &mut store::AnyConnection,
    who: &Principal,
    id: &str,
) -> AppResult<ReportRow> {
    store::scans::reports::get(conn, id)
        .await?
        .filter(|r| r.org_id == who.org_id() || is_coordinator(who))
        .ok_or(AppError::NotFound)
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<ReportView> {
    who.require_scope(Scope::AssetsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(view(visible(&mut conn, who, id).await?))
}

/// The caller's organisation's reports (coordinators: all, the incidents).
pub async fn list(app: &AppState, who: &Principal) -> AppResult<Vec<ReportView>> {
    who.require_scope(Scope::AssetsRead)?;
    let mut conn = app.store.pool.acquire().await?;
    let org = (!is_coordinator(who)).then(|| who.org_id());
    Ok(store::scans::reports::list(&mut conn, org)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// The newest audit entry for `action` on `object_type` `id`.
async fn entry(
    app: &AppState,
    action: &str,
    object_type: &str,
    id: &str,
) -> AppResult<Option<(u64, String)>> {
    let needles = vec![
        format!("\"action\":\"{action}\""),
        format!("\"object\":{{\"type\":\"{object_type}\",\"id\":\"{id}\"}}"),
    ];
    let (rows, _) = store::audit::search(&app.store.pool, &needles, 0, 1).await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| (u64::try_from(r.idx).unwrap_or_default(), r.entry)))
}

/// Refers an open incident to law enforcement (coordinators, with a
/// write scope and a reason): it moves to `referred`, audited with the
/// reason. 409 when it is not open; the bundle is [`evidence`].
pub async fn refer(
    app: &AppState,
    who: &Principal,
    id: &str,
    reason: &str,
) -> AppResult<ReportView> {
    who.require(Scope::AssetsWrite, COORDINATORS)?;
    let reason = long_text("reason", Some(reason), 2000)?;
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "say why the incident is referred",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let r = visible(&mut tx, who, id).await?;
    if !store::scans::reports::set_incident(&mut tx, &r.id, "open", "referred").await? {
        return Err(AppError::Conflict(format!(
            "only an open incident is referred; this report's is {}",
            r.incident_state
        )));
    }
    let change = json!({"reason": reason});
    audit(
        app,
        &mut tx,
        who,
        "scan_report.refer",
        "scan_report",
        &r.id,
        change,
    )
    .await?;
    tx.commit().await?;
    Ok(view(ReportRow {
        incident_state: "referred".into(),
        ..r
    }))
}

/// The evidence bundle of an incident (coordinators; reading changes
/// nothing, referring is [`refer`]): the report, the campaigns touching
/// its targets then and the reporting operator's grants in force then,
/// each with its audit entry and an inclusion proof against a checkpoint
/// signed now.
pub async fn evidence(app: &AppState, who: &Principal, id: &str) -> AppResult<Bundle> {
    who.require(Scope::AssetsRead, COORDINATORS)?;
    let mut conn = app.store.pool.acquire().await?;
    let r = visible(&mut conn, who, id).await?;
    if r.covered {
        return Err(AppError::Conflict(
            "the report is covered by an authorized campaign: there is no incident".into(),
        ));
    }
    // (action, type, id, change) of every record in the bundle.
    let mut items: Vec<(String, &'static str, String, serde_json::Value)> = vec![(
        "scan_report.create".into(),
        "scan_report",
        r.id.clone(),
        record(&r),
    )];
    let targets: Vec<String> = serde_json::from_str(&r.targets).unwrap_or_default();
    let mut campaign_ids = std::collections::BTreeSet::new();
    for t in targets
        .iter()
        .filter_map(|t| Target::parse("target", t).ok())
    {
        for (tr, c) in store::scans::campaigns::overlapping(
            &mut conn,
            &t,
            &r.starts_at,
            &r.ends_at,
            true,
            Keys::Exact,
        )
        .await?
        {
            let other = Target::parse("target", &tr.value)
                .map_err(|e| AppError::internal_msg(format!("stored target: {e}")))?;
            if other.overlaps(&t) != Overlap::No && active_then(&c, &r.starts_at) {
                campaign_ids.insert(c.id);
            }
        }
    }
    for cid in &campaign_ids {
        let Some(c) = store::scans::campaigns::get(&mut conn, cid).await? else {
            continue;
        };
        let trows = store::scans::campaigns::targets(&mut conn, cid).await?;
        items.push((
            "scan_campaign.create".into(),
            "scan_campaign",
            c.id.clone(),
            super::campaigns::record(&c, &trows),
        ));
        if let (Some(reason), Some(at)) = (&c.stop_reason, &c.stopped_at) {
            items.push((
                "scan_campaign.stop".into(),
                "scan_campaign",
                c.id.clone(),
                json!({"reason": reason, "stopped_at": at}),
            ));
        }
    }
    for g in
        store::scans::grants::in_force_at(&mut conn, &r.org_id, &r.starts_at, &r.ends_at).await?
    {
        items.push((
            "scan_grant.create".into(),
            "scan_grant",
            g.id.clone(),
            super::grants::record(&g),
        ));
        if let (Some(reason), Some(at)) = (&g.revoke_reason, &g.revoked_at) {
            items.push((
                "scan_grant.revoke".into(),
                "scan_grant",
                g.id.clone(),
                json!({"reason": reason, "revoked_at": at}),
            ));
        }
    }
    drop(conn);
    let signed = app.audit.checkpoint(&app.store).await?;
    let size = signed.checkpoint.size;
    let mut records = Vec::new();
    for (action, kind, oid, change) in items {
        let Some((index, text)) = entry(app, &action, kind, &oid).await? else {
            return Err(AppError::internal_msg(format!(
                "no audit entry for {action} {oid}"
            )));
        };
        let proof = app
            .audit
            .inclusion_proof(&app.store, index, size)
            .await?
            .map_err(|e| AppError::internal_msg(format!("inclusion proof: {e}")))?;
        records.push(Record {
            object_type: kind.to_owned(),
            object_id: oid,
            action,
            change,
            entry_index: index,
            entry: text,
            inclusion_proof: proof.2.iter().map(hex::encode).collect(),
        });
    }
    Ok(Bundle {
        format: FORMAT.to_owned(),
        verifier_key: app.audit.signer().verifier_key(),
        checkpoint: signed.note,
        subject: r.id,
        records,
    })
}
