//! Campaigns: a researcher organisation registers targets, a window, the
//! scanner (tool or model, with its version), techniques and source
//! addresses. Every network target must be covered by one active grant
//! to the organisation (whole target, whole window, every technique,
//! every source); otherwise the campaign is refused whole, naming each
//! uncovered target and why, the refusal audited in its own transaction
//! and nothing else stored. A campaign is `stopped` by its owner, by a
//! coordinator, by the revocation of a grant it relies on, or by its
//! window ending (shown as stopped from that moment).

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::Tlp;
use clearinghouse_domain::scans::{Ask, Target, TargetKind, Technique, coverage};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::deconflict::{self, OverlapView};
use super::{
    audit, is_coordinator, line, parse_sources, parse_targets, parse_techniques, parse_window,
    stored_techniques, techniques_text,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::store;
use crate::store::scans::assets::AssetRow;
use crate::store::scans::campaigns::{CampaignRow, TargetRow, list_readable};
use crate::workflows::new_id;
use crate::workflows::read_policy::{PolicyReader, readable_page};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// A name for people (default: the scanner and the start).
    pub name: Option<String>,
    /// `pkg:TYPE/NAME [vers:...]`, `repo:URL@REVISION`,
    /// `product:VENDOR/PRODUCT [vers:...]`, `cidr:ADDRESS/PREFIX`,
    /// `host:NAME`, `cloud:PROVIDER/ACCOUNT`.
    pub targets: Vec<String>,
    /// RFC 3339.
    pub start: String,
    pub end: String,
    /// The scanner: tool or model name and version.
    pub scanner: String,
    /// `passive` (default), `authenticated`, `active`.
    #[serde(default)]
    pub techniques: Vec<String>,
    /// The blocks the scanner sends from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// An emergency contact (default: the registering user).
    pub contact: Option<String>,
    /// TLP 2.0 (default AMBER: the owner, the operators touched, staff).
    pub tlp: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopInput {
    /// Why (1 to 2000 characters).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignTarget {
    pub target: String,
    /// `package`, `repo`, `product`, `cidr`, `host` or `cloud`.
    #[schema(value_type = String)]
    pub kind: TargetKind,
    /// The grant it relies on (network targets).
    pub grant_id: Option<String>,
    pub operator_org_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub scanner: String,
    #[schema(value_type = Vec<String>)]
    pub techniques: Vec<Technique>,
    pub sources: Vec<String>,
    pub contact: String,
    pub start: String,
    pub end: String,
    /// `active` or `stopped` (a campaign past its window is stopped).
    pub state: String,
    pub stop_reason: Option<String>,
    pub stopped_at: Option<String>,
    pub tlp: String,
    /// The targets the reader may see: all for the owner and coordinators;
    /// an operator sees those on its own assets.
    pub targets: Vec<CampaignTarget>,
    /// Targets not shown to this reader.
    pub hidden_targets: usize,
    /// Findings submitted with this campaign, and how many are validated.
    pub findings: i64,
    pub validated: i64,
    /// The first 500 findings (the campaign's organisation and
    /// coordinators only): whether each lies inside the campaign's targets
    /// (one outside is flagged), whether it duplicated an earlier one, and
    /// its validation state.
    pub finding_list: Vec<CampaignFinding>,
    /// Findings outside every target of the campaign (flagged to
    /// coordinators).
    pub out_of_scope: usize,
    /// Findings that duplicated another's earlier finding.
    pub duplicates: usize,
    pub created_at: String,
    /// Overlapping campaigns and claims (in the answer to registration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlaps: Option<Vec<OverlapView>>,
}

/// A finding submitted with the campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignFinding {
    pub id: String,
    pub target: String,
    /// `received`, `triaged`, `validating`, `validated`, `rejected`, ...
    pub state: String,
    /// The earlier finding this one duplicated.
    pub duplicate_of: Option<String>,
    /// Inside one of the campaign's targets.
    pub in_scope: bool,
}

/// Whether a finding's target (`pkg:...@V`, `repo:URL@REV`,
/// `product:VENDOR/PRODUCT@V`) lies inside one of `targets`.
pub(crate) fn in_scope(finding_target: &str, targets: &[Target]) -> bool {
    let text = match finding_target.strip_prefix("product:") {
        Some(rest) => format!(
            "product:{}",
            rest.split_once('@')
                .map_or(rest.to_owned(), |(p, v)| format!("{p} vers:generic/{v}"))
        ),
        None => finding_target.to_owned(),
    };
    Target::parse("target", &text).is_ok_and(|f| {
        targets
            .iter()
            .any(|t| t.overlaps(&f) != clearinghouse_domain::scans::Overlap::No)
    })
}

/// One target a campaign may not scan, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Uncovered {
    pub field: String,
    pub target: String,
    pub reasons: Vec<String>,
}

/// The state shown: `active` campaigns past their window are stopped.
pub(crate) fn effective(c: &CampaignRow, now: &str) -> (String, Option<String>, Option<String>) {
    if c.state == "active" && c.ends_at.as_str() <= now {
        (
            "stopped".into(),
            Some("the window ended".into()),
            Some(c.ends_at.clone()),
        )
    } else {
        (c.state.clone(), c.stop_reason.clone(), c.stopped_at.clone())
    }
}

pub(crate) async fn view(
    conn: &mut store::AnyConnection,
    who: &Principal,
    c: CampaignRow,
) -> AppResult<CampaignView> {
    let rows = store::scans::campaigns::targets(conn, &c.id).await?;
    let all = c.org_id == who.org_id() || is_coordinator(who);
    let (shown, hidden): (Vec<TargetRow>, Vec<TargetRow>) = rows
        .into_iter()
        .partition(|t| all || t.operator_org_id.as_deref() == Some(who.org_id()));
    let (findings, validated) =
        store::scans::campaigns::finding_counts(conn, &c.id, &c.org_id).await?;
    let finding_list = if all {
        let parsed: Vec<Target> = shown
            .iter()
            .filter_map(|t| Target::parse("target", &t.value).ok())
            .collect();
        store::scans::campaigns::findings(conn, &c.id, &c.org_id, 500)
            .await?
            .into_iter()
            .map(|f| CampaignFinding {
                in_scope: in_scope(&f.target, &parsed),
                id: f.id,
                target: f.target,
                state: f.state,
                duplicate_of: f.duplicate_of,
            })
            .collect()
    } else {
        Vec::new()
    };
    let out_of_scope = finding_list.iter().filter(|f| !f.in_scope).count();
    let duplicates = finding_list
        .iter()
        .filter(|f| f.duplicate_of.is_some())
        .count();
    let (state, stop_reason, stopped_at) = effective(&c, &clock::now_text());
    let targets = shown
        .into_iter()
        .map(|t| {
            Ok(CampaignTarget {
                kind: TargetKind::parse(&t.kind).ok_or_else(|| {
                    AppError::internal_msg(format!("stored target kind {:?}", t.kind))
                })?,
                target: t.value,
                grant_id: t.grant_id,
                operator_org_id: t.operator_org_id,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(CampaignView {
        targets,
        hidden_targets: hidden.len(),
        techniques: stored_techniques(&c.techniques),
        sources: serde_json::from_str(&c.sources).unwrap_or_default(),
        id: c.id,
        org_id: c.org_id,
        name: c.name,
        scanner: c.scanner,
        contact: c.contact,
        start: c.starts_at,
        end: c.ends_at,
        state,
        stop_reason,
        stopped_at,
        tlp: c.tlp,
        findings,
        validated,
        finding_list,
        out_of_scope,
        duplicates,
        created_at: c.created_at,
        overlaps: None,
    })
}

/// The campaign as audited at registration: its fields that never
/// change, so an evidence bundle rebuilds exactly what the entry digests.
pub(crate) fn record(c: &CampaignRow, targets: &[TargetRow]) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = targets
        .iter()
        .map(|t| {
            json!({"target": t.value, "grant_id": t.grant_id, "asset_id": t.asset_id,
                        "operator_org_id": t.operator_org_id})
        })
        .collect();
    json!({
        "id": c.id, "org_id": c.org_id, "name": c.name, "scanner": c.scanner,
        "techniques": c.techniques, "sources": serde_json::from_str::<Vec<String>>(&c.sources).unwrap_or_default(),
        "contact": c.contact, "start": c.starts_at, "end": c.ends_at, "tlp": c.tlp,
        "targets": targets, "created_by": c.created_by, "created_at": c.created_at,
    })
}

/// A checked campaign, ready to store or to refuse.
pub(crate) struct Checked {
    pub targets: Vec<Target>,
    pub window: clearinghouse_domain::scans::Window,
    pub starts_at: String,
    pub ends_at: String,
    pub techniques: Vec<Technique>,
    pub sources: Vec<clearinghouse_domain::scans::Cidr>,
}

pub(crate) fn check_input(input: &CampaignInput) -> AppResult<Checked> {
    let targets = parse_targets("targets", &input.targets)?;
    let (window, starts_at, ends_at) = parse_window(&input.start, &input.end)?;
    let mut techniques = parse_techniques("techniques", &input.techniques)?;
    if techniques.is_empty() {
        techniques.push(Technique::Passive);
    }
    let sources = parse_sources("sources", &input.sources)?;
    Ok(Checked {
        targets,
        window,
        starts_at,
        ends_at,
        techniques,
        sources,
    })
}

/// The grant a network target relies on: its id, its operator, and the
/// asset of the grant holding the target.
pub(crate) struct Cover {
    pub grant_id: String,
    pub operator: String,
    pub asset: Option<AssetRow>,
}

/// For each network target, the grant that covers it, or why none does.
pub(crate) async fn authorize(
    conn: &mut store::AnyConnection,
    org_id: &str,
    c: &Checked,
) -> AppResult<Result<Vec<Option<Cover>>, Vec<Uncovered>>> {
    let mut scopes = Vec::new();
    let mut operators = std::collections::HashMap::new();
    if c.targets.iter().any(Target::is_network) {
        for g in store::scans::grants::active_for(conn, org_id, &c.starts_at, &c.ends_at).await? {
            scopes.push(super::grants::scope_of(conn, &g).await?);
            operators.insert(g.id.clone(), g);
        }
    }
    let mut covered = Vec::new();
    let mut uncovered = Vec::new();
    for (i, t) in c.targets.iter().enumerate() {
        if !t.is_network() {
            covered.push(None);
            continue;
        }
        let ask = Ask {
            target: t,
            window: &c.window,
            techniques: &c.techniques,
            sources: &c.sources,
        };
        match coverage(ask, &scopes) {
            Ok(grant_id) => {
                let operator = operators
                    .get(&grant_id)
                    .map(|g| g.operator_org_id.clone())
                    .unwrap_or_default();
                let mut asset = None;
                if let Some(g) = operators.get(&grant_id) {
                    let ids = serde_json::from_str::<Vec<String>>(&g.asset_ids).unwrap_or_default();
                    for a in store::scans::assets::get_many(conn, &ids).await? {
                        if super::assets::target_of(&a)?.covers(t) {
                            asset = Some(a);
                            break;
                        }
                    }
                }
                // Only the organisation holding the verified asset may
                // authorize scanning it: every verified asset touching
                // the target must be the grant's operator's.
                let owners = super::assets::others_overlapping(conn, t, &operator).await?;
                if owners.iter().any(|o| o.state == "verified") {
                    uncovered.push(Uncovered {
                        field: format!("targets[{i}]"),
                        target: t.to_string(),
                        reasons: vec![format!(
                            "grant {grant_id}: the target lies in a verified asset of another \
                             organisation, whose grant is needed"
                        )],
                    });
                    continue;
                }
                covered.push(Some(Cover {
                    grant_id,
                    operator,
                    asset,
                }));
            }
            Err(reasons) => uncovered.push(Uncovered {
                field: format!("targets[{i}]"),
                target: t.to_string(),
                reasons,
            }),
        }
    }
    Ok(if uncovered.is_empty() {
        Ok(covered)
    } else {
        Err(uncovered)
    })
}

fn refusal_message(uncovered: &[Uncovered]) -> String {
    let lines: Vec<String> = uncovered
        .iter()
        .map(|u| format!("{} {}: {}", u.field, u.target, u.reasons.join("; ")))
        .collect();
    format!(
        "refused: no grant from the owner covers these network targets for the whole window, \
         every technique and every source address: {}",
        lines.join(" | ")
    )
}

/// Registers a campaign, or refuses it whole.
pub async fn create(
    app: &AppState,
    who: &Principal,
    input: CampaignInput,
) -> AppResult<CampaignView> {
    who.require_scope(Scope::FindingsWrite)?;
    if who.agent().is_some_and(|a| a.campaign_id.is_some()) {
        return Err(AppError::forbidden(
            "an agent made for a campaign cannot register campaigns",
        ));
    }
    let c = check_input(&input)?;
    let reader = PolicyReader::of(app, who).await?;
    if c.window.end <= clock::now().unix_timestamp() {
        return Err(AppError::invalid(
            "end",
            "is in the past: a campaign ends in the future",
        ));
    }
    let scanner = line("scanner", &input.scanner, 200)?;
    let name = match &input.name {
        Some(n) => line("name", n, 200)?,
        None => format!("{scanner} from {}", &c.starts_at[..10]),
    };
    let contact = match &input.contact {
        Some(t) => line("contact", t, 200)?,
        None => who.user.username.clone(),
    };
    let tlp: Tlp = input
        .tlp
        .as_deref()
        .unwrap_or("AMBER")
        .parse()
        .map_err(|_| AppError::invalid("tlp", "one of CLEAR, GREEN, AMBER, AMBER+STRICT"))?;
    if tlp == Tlp::Red {
        return Err(AppError::invalid(
            "tlp",
            "RED would hide the campaign from the operators it touches",
        ));
    }
    let mut tx = app.store.begin_write().await?;
    let grants = match authorize(&mut tx, who.org_id(), &c).await? {
        Ok(g) => g,
        Err(uncovered) => {
            tx.rollback().await?;
            let mut tx = app.store.begin_write().await?;
            audit(
                app,
                &mut tx,
                who,
                "scan_campaign.refused",
                "scan_campaign",
                "",
                json!({"org_id": who.org_id(), "targets": input.targets, "start": c.starts_at,
                       "end": c.ends_at, "techniques": techniques_text(&c.techniques),
                       "uncovered": uncovered}),
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::invalid("targets", refusal_message(&uncovered)));
        }
    };
    let now = clock::now_text();
    let visibility_id = store::labels::intern(&mut tx, "").await?;
    let row = CampaignRow {
        id: new_id(),
        org_id: who.org_id().to_owned(),
        name,
        scanner,
        techniques: techniques_text(&c.techniques),
        sources: serde_json::to_string(
            &c.sources
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        contact,
        starts_at: c.starts_at.clone(),
        ends_at: c.ends_at.clone(),
        state: "active".into(),
        stop_reason: None,
        stopped_at: None,
        tlp: tlp.to_string(),
        visibility_id,
        created_by: who.user_id().to_owned(),
        created_at: now,
    };
    let targets: Vec<TargetRow> = c
        .targets
        .iter()
        .zip(&grants)
        .enumerate()
        .map(|(i, (t, g))| {
            let (key_lo, key_hi) = store::scans::index_keys(t);
            let asset = g.as_ref().and_then(|g| g.asset.as_ref());
            let mut target = TargetRow {
                campaign_id: row.id.clone(),
                position: i as i64,
                kind: t.kind().as_str().to_owned(),
                value: t.to_string(),
                key_lo,
                key_hi,
                asset_id: asset.map(|a| a.id.clone()),
                grant_id: g.as_ref().map(|g| g.grant_id.clone()),
                operator_org_id: g.as_ref().map(|g| g.operator.clone()),
                shown: None,
                shown_lo: None,
                shown_hi: None,
            };
            target.set_shown(asset.map(|a| (a.value.as_str(), a.disclose_prefix)));
            target
        })
        .collect();
    store::scans::campaigns::insert(&mut tx, &row, &targets).await?;
    let mut out = view(&mut tx, who, row.clone()).await?;
    audit(
        app,
        &mut tx,
        who,
        "scan_campaign.create",
        "scan_campaign",
        &row.id,
        record(&row, &targets),
    )
    .await?;
    let (overlaps, _) = deconflict::overlaps_for(
        &mut tx,
        who,
        &reader.filter(),
        &c.targets,
        &row.starts_at,
        &row.ends_at,
        Some(&row.id),
    )
    .await?;
    tx.commit().await?;
    out.overlaps = Some(overlaps);
    Ok(out)
}

/// One campaign the reader may read.
pub(crate) async fn readable(app: &AppState, who: &Principal, id: &str) -> AppResult<CampaignRow> {
    let reader = PolicyReader::of(app, who).await?;
    store::scans::campaigns::get_readable(&app.store.pool, &reader.filter(), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<CampaignView> {
    who.require_scope(Scope::FindingsRead)?;
    let c = readable(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    view(&mut conn, who, c).await
}

/// Campaigns the reader may read, by id.
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<CampaignView>> {
    let page = readable_page(app, who, Scope::FindingsRead, cursor, limit, list_readable).await?;
    let mut conn = app.store.pool.acquire().await?;
    let mut items = Vec::new();
    for c in page.items {
        items.push(view(&mut conn, who, c).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Stops a campaign (its organisation or a coordinator).
pub async fn stop(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: StopInput,
) -> AppResult<CampaignView> {
    who.require_scope(Scope::FindingsWrite)?;
    let reason = line("reason", &input.reason, 2000)?;
    let c = readable(app, who, id).await?;
    if c.org_id != who.org_id() && !is_coordinator(who) {
        return Err(AppError::forbidden(
            "only the campaign's organisation or a coordinator stops it",
        ));
    }
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::scans::campaigns::stop(&mut tx, &c.id, &reason, &now).await? {
        return Err(AppError::Conflict("the campaign is already stopped".into()));
    }
    audit(
        app,
        &mut tx,
        who,
        "scan_campaign.stop",
        "scan_campaign",
        &c.id,
        json!({"reason": reason, "stopped_at": now}),
    )
    .await?;
    let row = store::scans::campaigns::get(&mut tx, &c.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let out = view(&mut tx, who, row).await?;
    tx.commit().await?;
    Ok(out)
}
