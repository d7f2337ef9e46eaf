//! Exposures as operators and coordinators use them: the ranked list with
//! the reason for each, remediation tracking (open, acknowledged,
//! mitigated, patched, risk accepted with a reason and an expiry), the
//! counts coordinators see per sector and per vulnerability, and telling
//! operators when an exposure appears or its priority changes.

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::{Tlp, Visibility};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching::Changes;
use crate::model::Page;
use crate::model::exposure::{Exposure, ExposureStat, Vulnerability};
use crate::model::notify::NotificationKind;
use crate::store::{self, Tx};
use crate::workflows::exposure::assets::{ACT_FOR_ANY, ACT_FOR_OWN, READ_ANY, acting_org};
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::read_policy::PolicyReader;

/// The remediation states an operator may set.
pub const STATES: &[&str] = &[
    "open",
    "acknowledged",
    "mitigated",
    "patched",
    "risk_accepted",
];

/// Longest a risk acceptance may run.
const MAX_ACCEPTANCE_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExposureQuery {
    /// An asset id or name.
    pub asset: Option<String>,
    /// An organisation id or name (coordinators); defaults to yours.
    pub org: Option<String>,
    /// A vulnerability id or alias.
    pub vulnerability: Option<String>,
    /// `active` (default: every state that still needs work), `all`, or one state.
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    /// `open`, `acknowledged`, `mitigated`, `patched` or `risk_accepted`.
    pub state: String,
    /// Why; required for `risk_accepted` and `mitigated`.
    pub reason: Option<String>,
    /// RFC 3339 expiry of a risk acceptance (required for `risk_accepted`).
    pub accepted_until: Option<String>,
}

fn parse_cursor(cursor: Option<&str>) -> AppResult<Option<(i64, String)>> {
    let Some(c) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let (rank, id) = c
        .split_once(':')
        .ok_or_else(|| AppError::invalid("cursor", "not a cursor this API returned"))?;
    let rank = rank
        .parse()
        .map_err(|_| AppError::invalid("cursor", "not a cursor this API returned"))?;
    Ok(Some((rank, id.to_owned())))
}

pub async fn list(app: &AppState, who: &Principal, q: &ExposureQuery) -> AppResult<Page<Exposure>> {
    who.require_scope(Scope::ExposuresRead)?;
    let org_id = match q.org.as_deref() {
        Some(o) => Some(acting_org(app, who, Some(o)).await?),
        None if who.has_any_role(READ_ANY) => None,
        None => Some(who.org_id().to_owned()),
    };
    if org_id.as_deref().is_some_and(|o| o != who.org_id()) && !who.has_any_role(READ_ANY) {
        return Err(AppError::NotFound);
    }
    let asset_id = match q.asset.as_deref() {
        Some(a) => Some(
            crate::workflows::exposure::assets::find(app, who, a, q.org.as_deref())
                .await?
                .id,
        ),
        None => None,
    };
    let vuln_id = match q.vulnerability.as_deref() {
        Some(v) => Some(
            store::advisories::vuln_id_for(&app.store.pool, v)
                .await?
                .unwrap_or_else(|| v.to_owned()),
        ),
        None => None,
    };
    if let Some(s) = q.state.as_deref()
        && s != "active"
        && s != "all"
        && s != "not_affected"
        && !STATES.contains(&s)
    {
        return Err(AppError::invalid(
            "state",
            "must be active, all, open, acknowledged, mitigated, patched, risk_accepted or \
             not_affected",
        ));
    }
    let after = parse_cursor(q.cursor.as_deref())?;
    let limit = crate::workflows::page_size(q.limit);
    let reader = PolicyReader::of(app, who).await?;
    let filter = store::exposure::exposures::Filter {
        org_id: org_id.as_deref(),
        asset_id: asset_id.as_deref(),
        vuln_id: vuln_id.as_deref(),
        state: q.state.as_deref(),
        read: Some(reader.filter()),
    };
    let rows = store::exposure::exposures::list::page(
        &app.store,
        &filter,
        after.as_ref().map(|(r, i)| (*r, i.as_str())),
        limit + 1,
        &clock::now_text(),
    )
    .await?;
    Ok(crate::workflows::into_page(rows, limit, |e| {
        format!("{}:{}", e.priority_rank, e.id)
    }))
}

/// One exposure; another organisation's is "not found".
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Exposure> {
    who.require_scope(Scope::ExposuresRead)?;
    let e = store::exposure::exposures::list::get(&app.store, id, &clock::now_text())
        .await?
        .ok_or(AppError::NotFound)?;
    if e.org_id != who.org_id() && !who.has_any_role(READ_ANY) {
        return Err(AppError::NotFound);
    }
    // An exposure's labels are its vulnerability's.
    let reader = PolicyReader::of(app, who).await?;
    if !store::advisories::vuln_readable(&app.store.pool, &e.vulnerability.id, &reader.filter())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

/// Records a remediation step; audited with its reason.
pub async fn set_state(
    app: &AppState,
    who: &Principal,
    id: &str,
    change: StateChange,
) -> AppResult<Exposure> {
    who.require_scope(Scope::ExposuresWrite)?;
    let e = get(app, who, id).await?;
    let own = e.org_id == who.org_id() && who.has_any_role(ACT_FOR_OWN);
    if !own && !who.has_any_role(ACT_FOR_ANY) {
        return Err(AppError::forbidden(
            "remediation is recorded by the exposed organisation",
        ));
    }
    let state = change.state.trim();
    if !STATES.contains(&state) {
        return Err(AppError::invalid(
            "state",
            "must be open, acknowledged, mitigated, patched or risk_accepted",
        ));
    }
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid(
            "reason",
            "must be at most 2000 characters",
        ));
    }
    if matches!(state, "risk_accepted" | "mitigated") && reason.is_none() {
        return Err(AppError::invalid(
            "reason",
            format!(
                "is required to mark an exposure {}",
                state.replace('_', " ")
            ),
        ));
    }
    let now = clock::now();
    let accepted_until = if state == "risk_accepted" {
        let text = change
            .accepted_until
            .as_deref()
            .ok_or_else(|| AppError::invalid("accepted_until", "is required for risk_accepted"))?;
        let until = clock::parse(text)
            .ok_or_else(|| AppError::invalid("accepted_until", "must be an RFC 3339 time"))?;
        if until <= now || until > now + time::Duration::days(MAX_ACCEPTANCE_DAYS) {
            return Err(AppError::invalid(
                "accepted_until",
                format!("must be in the future and within {MAX_ACCEPTANCE_DAYS} days"),
            ));
        }
        Some(clock::format(until))
    } else if change.accepted_until.is_some() {
        return Err(AppError::invalid(
            "accepted_until",
            "applies to risk_accepted only",
        ));
    } else {
        None
    };
    let now_text = clock::format(now);
    let resolved_at = (state == "patched").then(|| now_text.clone());
    let mut tx = app.store.begin_write().await?;
    store::exposure::exposures::set_state(
        &mut tx,
        id,
        state,
        reason,
        accepted_until.as_deref(),
        resolved_at.as_deref(),
        &now_text,
    )
    .await?;
    let event = AuditEvent {
        action: "exposure.state",
        object_type: "exposure",
        object_id: id,
        change: json!({ "from": e.state, "to": state, "reason": reason, "accepted_until": accepted_until }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    crate::workflows::directives::snapshots::changed(&mut tx, [e.org_id.as_str()]).await?;
    tx.commit().await?;
    get(app, who, id).await
}

/// Counts per sector, vulnerability or organisation; coordinators only.
pub async fn stats(
    app: &AppState,
    who: &Principal,
    by: &str,
    vulnerability: Option<&str>,
) -> AppResult<Vec<ExposureStat>> {
    who.require_scope(Scope::ExposuresRead)?;
    if !who.has_any_role(READ_ANY) {
        return Err(AppError::forbidden(
            "exposure statistics are for coordinators, auditors and platform admins",
        ));
    }
    if !matches!(by, "sector" | "vulnerability" | "org") {
        return Err(AppError::invalid(
            "by",
            "must be sector, vulnerability or org",
        ));
    }
    let vuln_id = match vulnerability {
        Some(v) => Some(
            store::advisories::vuln_id_for(&app.store.pool, v)
                .await?
                .unwrap_or_else(|| v.to_owned()),
        ),
        None => None,
    };
    let reader = PolicyReader::of(app, who).await?;
    Ok(store::exposure::exposures::stats(
        &app.store.pool,
        by,
        vuln_id.as_deref(),
        &clock::now_text(),
        Some(&reader.filter()),
    )
    .await?)
}

/// Above this many vulnerabilities changed for one organisation in one
/// sync (a bulk import or a full re-match), it gets one summary instead of
/// one notification per vulnerability.
const PER_VULN_NOTIFICATIONS: usize = 3;

/// Tells each organisation what one sync changed: once per vulnerability,
/// or in one summary when many changed at once. Under embargo the
/// notification is TLP:AMBER (matching only created exposures for vetted
/// operators).
pub async fn notify_changes(app: &AppState, tx: &mut Tx, changes: &Changes) -> AppResult<()> {
    if changes.by_org_vuln.is_empty() && changes.vex_closed.is_empty() {
        return Ok(());
    }
    let orgs = changes
        .by_org_vuln
        .keys()
        .map(|(o, _)| o.as_str())
        .chain(changes.vex_closed.iter().map(|(o, _, _, _)| o.as_str()));
    crate::workflows::directives::snapshots::changed(tx, orgs).await?;
    vex_closures(app, tx, changes).await?;
    let vulns = &changes.vulns;
    let mut by_org: std::collections::BTreeMap<&str, Vec<VulnChanges<'_>>> = Default::default();
    for ((org_id, vuln_id), (new, changed)) in &changes.by_org_vuln {
        // AMBER+STRICT (from a finding so marked) stays with the staff: the
        // exposed organisations cannot read it, so they are not told of it.
        if let Some(v) = vulns.get(vuln_id).filter(|v| tells_exposed(v)) {
            by_org
                .entry(org_id)
                .or_default()
                .push((v, new.as_slice(), changed.as_slice()));
        }
    }
    let mut out = Vec::new();
    for (org_id, mut items) in by_org {
        items.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        if items.len() <= PER_VULN_NOTIFICATIONS {
            for (v, new, changed) in items {
                out.push(one_vulnerability(org_id, v, new, changed));
            }
        } else {
            out.push(summary(org_id, &items));
        }
    }
    notifications::enqueue_many(app, tx, out).await
}

/// Tells each operator whose open exposures a vendor's VEX closed as not
/// affected: one notification per organisation and vulnerability, with the
/// vendor's reason.
async fn vex_closures(app: &AppState, tx: &mut Tx, changes: &Changes) -> AppResult<()> {
    let mut by: std::collections::BTreeMap<(&str, &str), (Vec<String>, &str)> = Default::default();
    for (org, vuln, id, reason) in &changes.vex_closed {
        let e = by
            .entry((org.as_str(), vuln.as_str()))
            .or_insert((Vec::new(), reason.as_str()));
        e.0.push(id.clone());
    }
    let mut out = Vec::new();
    for ((org_id, vuln_id), (ids, reason)) in by {
        let Some(v) = changes.vulns.get(vuln_id).filter(|v| tells_exposed(v)) else {
            continue;
        };
        let (tlp, visibility) = labels_of(&[v]);
        out.push(NewNotification {
            org_id: org_id.to_owned(),
            kind: NotificationKind::ExposureNotAffected,
            exposure_id: ids.first().cloned(),
            vuln_id: Some(v.id.clone()),
            tlp,
            visibility,
            title: format!(
                "{} closed on {} component(s): the vendor states them not affected",
                v.id,
                ids.len()
            ),
            body: format!(
                "{}: {reason}. The exposure is closed as not affected (not patched); \
                 it opens again if the vendor withdraws the statement.{}",
                v.id,
                if v.embargoed { EMBARGO_NOTE } else { "" }
            ),
            data: json!({"vulnerability": v.id, "exposures": ids, "reason": reason,
                         "tlp": tlp_of(v.embargoed)}),
        });
    }
    notifications::enqueue_many(app, tx, out).await
}

/// Whether exposed organisations may be told of `v`: its TLP admits its
/// parties (CLEAR, GREEN, AMBER), as the read policy does.
fn tells_exposed(v: &Vulnerability) -> bool {
    matches!(v.tlp.as_str(), "CLEAR" | "GREEN" | "AMBER")
}

/// A vulnerability with the ids of its new and its re-prioritised exposures.
type VulnChanges<'a> = (&'a Vulnerability, &'a [String], &'a [String]);

fn tlp_of(embargoed: bool) -> &'static str {
    if embargoed { "AMBER" } else { "CLEAR" }
}

/// A notification's labels: at least as strict as every vulnerability it
/// tells of (their TLP and visibility) and AMBER under embargo.
fn labels_of(vulns: &[&Vulnerability]) -> (String, String) {
    let mut tlp = Tlp::Clear;
    let mut visibility = Vec::new();
    for v in vulns {
        let own = v.tlp.parse().unwrap_or(Tlp::AmberStrict);
        let embargo = if v.embargoed { Tlp::Amber } else { Tlp::Clear };
        tlp = tlp.max(own).max(embargo);
        // A stored label that does not parse hides the notification from all.
        visibility.push(Visibility::parse(&v.visibility).unwrap_or_else(|_| unreadable()));
    }
    let combined = Visibility::all_of(&visibility).unwrap_or_else(|_| unreadable());
    (tlp.as_str().to_owned(), combined.as_str().to_owned())
}

/// A visibility nobody can satisfy (a term no authorization may hold).
fn unreadable() -> Visibility {
    Visibility::parse("\"label error\"").unwrap_or_default()
}

const EMBARGO_NOTE: &str =
    "\nTLP:AMBER — embargoed: share only within your organisation on a need-to-know basis.";

fn one_vulnerability(
    org_id: &str,
    v: &Vulnerability,
    new: &[String],
    changed: &[String],
) -> NewNotification {
    let aliases: Vec<&str> = v
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| *a != v.id)
        .collect();
    let also = if aliases.is_empty() {
        String::new()
    } else {
        format!(" (also {})", aliases.join(", "))
    };
    let (kind, title, ids) = if new.is_empty() {
        (
            NotificationKind::ExposurePriorityChanged,
            format!(
                "Priority changed for {} on {} exposure(s)",
                v.id,
                changed.len()
            ),
            changed,
        )
    } else {
        (
            NotificationKind::ExposureNew,
            format!("{} affects {} component(s) of your assets", v.id, new.len()),
            new,
        )
    };
    let (tlp, visibility) = labels_of(&[v]);
    NewNotification {
        org_id: org_id.to_owned(),
        kind,
        exposure_id: ids.first().cloned(),
        vuln_id: Some(v.id.clone()),
        tlp,
        visibility,
        title,
        body: format!(
            "{}{also}: {}{}",
            v.id,
            v.summary,
            if v.embargoed { EMBARGO_NOTE } else { "" }
        ),
        data: json!({
            "vulnerability": v.id,
            "aliases": aliases,
            "exposures": ids,
            "new": new.len(),
            "priority_changed": changed.len(),
            "tlp": tlp_of(v.embargoed),
        }),
    }
}

fn summary(org_id: &str, items: &[VulnChanges<'_>]) -> NewNotification {
    let new: usize = items.iter().map(|(_, n, _)| n.len()).sum();
    let changed: usize = items.iter().map(|(_, _, c)| c.len()).sum();
    let embargoed = items.iter().any(|(v, _, _)| v.embargoed);
    let vulns: Vec<&Vulnerability> = items.iter().map(|(v, _, _)| *v).collect();
    let labels = labels_of(&vulns);
    let mut body = String::new();
    for (v, n, c) in items.iter().take(20) {
        body.push_str(&format!(
            "{}: {} new, {} priority changed — {}\n",
            v.id,
            n.len(),
            c.len(),
            v.summary
        ));
    }
    if items.len() > 20 {
        body.push_str(&format!(
            "… and {} more vulnerabilities; see your exposures.\n",
            items.len() - 20
        ));
    }
    if embargoed {
        body.push_str(EMBARGO_NOTE.trim_start());
    }
    let list: Vec<serde_json::Value> = items
        .iter()
        .take(500)
        .map(|(v, n, c)| json!({ "vulnerability": v.id, "new": n.len(), "priority_changed": c.len() }))
        .collect();
    NewNotification {
        org_id: org_id.to_owned(),
        kind: if new > 0 {
            NotificationKind::ExposureNew
        } else {
            NotificationKind::ExposurePriorityChanged
        },
        exposure_id: None,
        vuln_id: None,
        tlp: labels.0,
        visibility: labels.1,
        title: format!(
            "{new} new exposure(s) and {changed} priority change(s) across {} vulnerabilities",
            items.len()
        ),
        body,
        data: json!({ "new": new, "priority_changed": changed, "vulnerabilities": list, "tlp": tlp_of(embargoed) }),
    }
}

/// The chart's data: (first seen, resolved at, SSVC decision) of the
/// exposures of `org` (a coordinator's choice; others see their own) that
/// `who` may read.
pub async fn timeline(
    app: &AppState,
    who: &Principal,
    org: Option<&str>,
) -> AppResult<Vec<(String, Option<String>, String)>> {
    who.require_scope(Scope::ExposuresRead)?;
    let org = if who.has_any_role(READ_ANY) {
        org
    } else {
        Some(who.org_id())
    };
    let reader = PolicyReader::of(app, who).await?;
    Ok(store::exposure::exposures::timeline(&app.store.pool, org, Some(&reader.filter())).await?)
}

/// What the reader's home page counts: active exposures per SSVC decision,
/// overdue and due within `soon_days`, and the `newest` first seen; the
/// reader's own organisation's unless it reads every organisation's, and
/// only exposures to vulnerabilities it may read.
pub async fn home_summary(
    app: &AppState,
    who: &Principal,
    soon_days: i64,
    newest: i64,
) -> AppResult<(store::exposure::exposures::summary::Summary, Vec<Exposure>)> {
    who.require_scope(Scope::ExposuresRead)?;
    let org_id = (!who.has_any_role(READ_ANY)).then(|| who.org_id().to_owned());
    let reader = PolicyReader::of(app, who).await?;
    let filter = store::exposure::exposures::Filter {
        org_id: org_id.as_deref(),
        read: Some(reader.filter()),
        ..Default::default()
    };
    let now = clock::now();
    let soon = clock::format(now + time::Duration::days(soon_days));
    let now = clock::format(now);
    let pool = &app.store.pool;
    let counts = store::exposure::exposures::summary::summary(pool, &filter, &now, &soon).await?;
    let rows = store::exposure::exposures::summary::newest(pool, &filter, newest, &now).await?;
    Ok((counts, rows))
}

/// One page of the exposures the caller may read in `state` (`active`,
/// `all` or one state), sorted and searched, with the number of all such
/// exposures: the caller's own organisation's unless it reads every
/// organisation's, only vulnerabilities it may read.
pub async fn table(
    app: &AppState,
    who: &Principal,
    state: &str,
    q: &store::exposure::exposures::table::TableQuery<'_>,
) -> AppResult<(Vec<Exposure>, i64)> {
    who.require_scope(Scope::ExposuresRead)?;
    if state != "active" && state != "all" && state != "not_affected" && !STATES.contains(&state) {
        return Err(AppError::invalid(
            "state",
            "must be active, all, open, acknowledged, mitigated, patched, risk_accepted or \
             not_affected",
        ));
    }
    let org_id = (!who.has_any_role(READ_ANY)).then(|| who.org_id().to_owned());
    let reader = PolicyReader::of(app, who).await?;
    let filter = store::exposure::exposures::Filter {
        org_id: org_id.as_deref(),
        state: Some(state),
        read: Some(reader.filter()),
        ..Default::default()
    };
    let q = store::exposure::exposures::table::TableQuery {
        limit: crate::workflows::page_size(Some(q.limit)),
        offset: q.offset.max(0),
        ..q.clone()
    };
    let (rows, total) =
        store::exposure::exposures::table::page(&app.store.pool, &filter, &q, &clock::now_text())
            .await?;
    Ok((rows, total))
}

/// One page of an asset's components with their active exposure counts;
/// the asset must be one the caller may read.
pub async fn asset_components(
    app: &AppState,
    who: &Principal,
    asset_id: &str,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<store::exposure::exposures::table::ComponentRow>, i64)> {
    let asset = crate::workflows::exposure::assets::get(app, who, asset_id).await?;
    let reader = PolicyReader::of(app, who).await?;
    let filter = reader.filter();
    Ok(store::exposure::exposures::table::components(
        &app.store.pool,
        &asset.id,
        search,
        Some(&filter),
        offset.max(0),
        crate::workflows::page_size(Some(limit)),
    )
    .await?)
}
