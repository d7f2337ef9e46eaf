//! Matching components against advisories, incrementally. The package index
//! (`affected_packages.package_key`, `components.package_key`) lets a new
//! SBOM find its advisories and a new advisory find its components without
//! scanning everything; the version decision is the domain's
//! (`versions::decide`, OSV semantics per ecosystem). `sync_*` turn the
//! matches of one scope (an asset, or a vulnerability) into exposure rows:
//! new ones are inserted, vanished ones resolved, and changed priorities
//! rewritten, each operator being told through the notifications workflow.
//!
//! Components are matched by CPE too: an advisory's CPE entries are index
//! rows keyed `cpe:<vendor>:<product>` (ecosystem [`CPE_ECOSYSTEM`]), found
//! through a component's `cpe_key`. CPE versions are upstream versions with
//! no ecosystem, so they are ordered by Maven's `ComparableVersion`, the
//! generic ordering (numbers numerically, `alpha` < `beta` < `rc` < release,
//! other suffixes after the release, as `1.0.2k` after `1.0.2`). A component
//! found by both its package URL and its CPE is one exposure, and the
//! package's answer is preferred when both say affected.
//!
//! The full re-match of every asset is in [`full`]; [`runs`] shares one
//! between processes, a range of assets per job.

mod full;
pub mod runs;
mod verdicts;
pub use full::{AssetRange, rematch_all};
pub use verdicts::{VerdictCache, component_key, match_components, match_components_cached};

use std::collections::{HashMap, HashSet};

use crate::store::AnyConnection;
use clearinghouse_domain::priority::{self, AssetFacts, VulnFacts};
use clearinghouse_domain::ssvc::{CisaSsvcInputs, MissionWellbeing};
use clearinghouse_domain::versions::{Decision, Ecosystem, OsvRange};

use crate::model::exposure::{ExposureCounts, Vulnerability};
use crate::store::advisories::AffectedRow;
use crate::store::exposure::exposures::{Assessed, Current, is_active};
use crate::store::{self, StoreError};

/// The ecosystem stored for an advisory's CPE entries.
pub const CPE_ECOSYSTEM: &str = "CPE";

/// One parsed `affected[]` entry.
#[derive(Debug, Clone)]
pub struct Affected {
    pub advisory_id: String,
    pub vuln_id: String,
    /// The ordering of its versions (Maven's for a CPE entry).
    pub ecosystem: Ecosystem,
    pub ranges: Vec<OsvRange>,
    pub versions: Vec<String>,
    /// Versions the advisory states fixed or not affected: never affected.
    pub not_affected: Vec<String>,
}

/// Affected entries by package identity.
#[derive(Debug, Default)]
pub struct Index {
    by_key: HashMap<String, Vec<Affected>>,
}

impl Index {
    /// Builds the index from stored rows; a row whose JSON does not parse is
    /// skipped (it was written by this program, so that is corruption).
    pub fn from_rows(rows: Vec<AffectedRow>) -> Index {
        let mut by_key: HashMap<String, Vec<Affected>> = HashMap::new();
        for r in rows {
            let (Ok(ranges), Ok(versions), Ok(fixed), Ok(not_affected)) = (
                serde_json::from_str::<Vec<OsvRange>>(&r.ranges),
                serde_json::from_str::<Vec<String>>(&r.versions),
                serde_json::from_str::<Vec<String>>(&r.fixed),
                serde_json::from_str::<Vec<String>>(&r.not_affected),
            ) else {
                tracing::warn!(advisory = %r.advisory_id, "unreadable affected entry skipped");
                continue;
            };
            by_key.entry(r.package_key).or_default().push(Affected {
                advisory_id: r.advisory_id,
                vuln_id: r.vuln_id,
                ecosystem: if r.ecosystem == CPE_ECOSYSTEM {
                    Ecosystem::Maven
                } else {
                    Ecosystem::from_osv(&r.ecosystem)
                },
                ranges,
                versions,
                not_affected: fixed.into_iter().chain(not_affected).collect(),
            });
        }
        Index { by_key }
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.by_key.keys()
    }

    /// The affected entries of one package identity.
    pub fn entries(&self, key: &str) -> &[Affected] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.by_key.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// A component found affected (or undecidable) by a vulnerability.
#[derive(Debug, Clone)]
pub struct Found {
    pub asset_id: String,
    pub component_key: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub vuln_id: String,
    pub advisory_id: String,
    pub decision: Decision,
    pub reason: String,
}

/// The facts of one asset that matching and priority need.
#[derive(Debug, Clone)]
pub struct AssetInfo {
    pub org_id: String,
    pub facts: AssetFacts,
    pub org_vetted: bool,
}

/// The priority inputs of a stored vulnerability.
pub fn vuln_facts(v: &Vulnerability) -> VulnFacts {
    VulnFacts {
        cvss_vectors: v.cvss_vectors.clone(),
        epss: v.epss.zip(v.epss_percentile),
        in_kev: v.in_kev,
        kev_due_date: v.kev_due_date.clone(),
        kev_ransomware: v.kev_ransomware,
        ssvc: v
            .ssvc
            .as_ref()
            .and_then(|s| CisaSsvcInputs::from_json(s).ok()),
    }
}

/// What one sync changed, per organisation and vulnerability, for the
/// notifications.
#[derive(Debug, Default)]
pub struct Changes {
    pub counts: ExposureCounts,
    /// (org, vuln) → (new exposure ids, changed exposure ids)
    pub by_org_vuln: HashMap<(String, String), (Vec<String>, Vec<String>)>,
    /// The vulnerabilities matched, as read for the assessment (for the
    /// notifications, so they are not read twice).
    pub vulns: HashMap<String, Vulnerability>,
    /// Open exposures a vendor's VEX closed as not affected: (org, vuln,
    /// exposure id, reason), for the operator's notification.
    pub vex_closed: Vec<(String, String, String, String)>,
}

async fn asset_infos(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, AssetInfo>, StoreError> {
    Ok(store::exposure::assets::facts(conn, ids)
        .await?
        .into_iter()
        .map(|(id, org_id, public, mission, vetted)| {
            (
                id,
                AssetInfo {
                    org_id,
                    facts: AssetFacts {
                        publicly_exposed: public,
                        mission_impact: MissionWellbeing::parse(&mission)
                            .unwrap_or(MissionWellbeing::Medium),
                    },
                    org_vetted: vetted,
                },
            )
        })
        .collect())
}

/// The distinct vulnerabilities of some matches.
fn vuln_ids_of(found: &[Found]) -> Vec<String> {
    found
        .iter()
        .map(|f| f.vuln_id.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Turns the matches of a scope into exposure rows. `existing` must be every
/// exposure of the same scope, so that what is no longer found is resolved.
pub async fn apply(
    conn: &mut AnyConnection,
    found: Vec<Found>,
    existing: Vec<Current>,
    resolve_reason: &str,
    now: &str,
) -> Result<Changes, StoreError> {
    let vulns = store::advisories::vulnerabilities(conn, &vuln_ids_of(&found)).await?;
    apply_known(conn, found, existing, vulns, resolve_reason, now).await
}

/// [`apply`] with the matched vulnerabilities already read (`vulns` holds at
/// least every one `found` names; a missing one is skipped as unknown).
pub(crate) async fn apply_known(
    conn: &mut AnyConnection,
    found: Vec<Found>,
    existing: Vec<Current>,
    vulns: HashMap<String, Vulnerability>,
    resolve_reason: &str,
    now: &str,
) -> Result<Changes, StoreError> {
    let mut changes = Changes::default();
    let vuln_ids = vuln_ids_of(&found);
    let asset_ids: Vec<String> = found
        .iter()
        .map(|f| f.asset_id.clone())
        .chain(existing.iter().map(|e| e.asset_id.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let assets = asset_infos(conn, &asset_ids).await?;
    // Vendors' not_affected and fixed statements (cases) take what they
    // cover out of exposure, with their justification as the reason: an
    // open exposure is closed as `not_affected` (its operator told), a new
    // match is recorded closed, so the operator keeps a trace of it.
    let vex = vex_covered(conn, &found, &vuln_ids).await?;
    let mut by_vex: HashMap<String, Vec<String>> = HashMap::new();
    let mut new_vex: HashMap<String, Vec<String>> = HashMap::new();
    let facts: HashMap<&String, VulnFacts> =
        vulns.iter().map(|(k, v)| (k, vuln_facts(v))).collect();
    let mut current: HashMap<(String, String, String), Current> = existing
        .into_iter()
        .map(|e| {
            (
                (
                    e.asset_id.clone(),
                    e.component_key.clone(),
                    e.vuln_id.clone(),
                ),
                e,
            )
        })
        .collect();
    let now_secs = crate::clock::parse(now).map_or(0, |t| t.unix_timestamp());
    let mut assessed: HashMap<(String, bool, &'static str), priority::Priority> = HashMap::new();
    let mut inserts = Vec::new();
    for f in found {
        let (Some(vuln), Some(asset)) = (vulns.get(&f.vuln_id), assets.get(&f.asset_id)) else {
            continue;
        };
        // Under embargo only vetted operators are told, and nobody else
        // learns that the vulnerability exists.
        if vuln.embargoed && !asset.org_vetted {
            continue;
        }
        let Some(vf) = facts.get(&f.vuln_id) else {
            continue;
        };
        // One assessment per vulnerability and kind of asset, not per row.
        let cache_key = (
            f.vuln_id.clone(),
            asset.facts.publicly_exposed,
            asset.facts.mission_impact.table_value(),
        );
        let p = assessed
            .entry(cache_key)
            .or_insert_with(|| priority::assess(vf, &asset.facts));
        let slot = (
            f.asset_id.clone(),
            f.component_key.clone(),
            f.vuln_id.clone(),
        );
        let prior = current.remove(&slot);
        let first_seen = match &prior {
            Some(c) if c.state != "patched" && c.state != "not_affected" => c.first_seen.clone(),
            _ => now.to_owned(),
        };
        let first_secs = crate::clock::parse(&first_seen).map_or(now_secs, |t| t.unix_timestamp());
        let due_at = p
            .deadline()
            .due(first_secs)
            .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .map(crate::clock::format);
        let row = Assessed {
            id: prior
                .as_ref()
                .map_or_else(crate::workflows::new_id, |c| c.id.clone()),
            org_id: asset.org_id.clone(),
            asset_id: f.asset_id.clone(),
            component_key: f.component_key.clone(),
            component_name: f.name.clone(),
            component_version: f.version.clone(),
            component_purl: f.purl.clone(),
            vuln_id: f.vuln_id.clone(),
            advisory_id: f.advisory_id.clone(),
            decision: f.decision.into(),
            reason: f.reason.clone(),
            priority_rank: p.rank,
            ssvc_decision: p.ssvc.level.into(),
            deadline: p.deadline.outcome.clone(),
            due_at,
            embargoed: vuln.embargoed,
            first_seen,
            updated_at: now.to_owned(),
        };
        if let Some(reason) = vex.get(&slot) {
            match &prior {
                None => {
                    new_vex
                        .entry(reason.clone())
                        .or_default()
                        .push(row.id.clone());
                    inserts.push(row);
                }
                Some(c) if is_active(&c.state) => {
                    by_vex.entry(reason.clone()).or_default().push(c.id.clone());
                    changes.vex_closed.push((
                        asset.org_id.clone(),
                        f.vuln_id.clone(),
                        c.id.clone(),
                        reason.clone(),
                    ));
                }
                Some(_) => {}
            }
            continue;
        }
        let entry = changes
            .by_org_vuln
            .entry((asset.org_id.clone(), f.vuln_id.clone()))
            .or_default();
        match prior {
            None => {
                changes.counts.new += 1;
                entry.0.push(row.id.clone());
                inserts.push(row);
            }
            Some(c) if c.state == "patched" || c.state == "not_affected" => {
                changes.counts.new += 1;
                entry.0.push(row.id.clone());
                store::exposure::exposures::update_assessment(conn, &row, true).await?;
            }
            Some(c) if c.priority_rank != row.priority_rank || c.deadline != row.deadline => {
                changes.counts.changed += 1;
                entry.1.push(row.id.clone());
                store::exposure::exposures::update_assessment(conn, &row, false).await?;
            }
            Some(_) => {}
        }
    }
    store::exposure::exposures::insert_many(conn, &inserts).await?;
    for (reason, ids) in &new_vex {
        store::exposure::exposures::set_not_affected(conn, ids, reason, now).await?;
    }
    for (reason, ids) in &by_vex {
        changes.counts.resolved += ids.len() as u64;
        store::exposure::exposures::set_not_affected(conn, ids, reason, now).await?;
    }
    let vanished: Vec<String> = current
        .into_values()
        .filter(|c| is_active(&c.state))
        .map(|c| c.id)
        .collect();
    changes.counts.resolved += vanished.len() as u64;
    store::exposure::exposures::resolve(conn, &vanished, resolve_reason, now).await?;
    changes
        .by_org_vuln
        .retain(|_, (n, c)| !n.is_empty() || !c.is_empty());
    changes.vulns = vulns;
    Ok(changes)
}

/// An (asset, component, vulnerability) slot.
type Slot = (String, String, String);

/// The matches a vendor's current not_affected or fixed statement covers
/// (same vulnerability, the component's own matching key, the version per
/// `cases::vex::covers`), with the reason their exposure is closed with.
async fn vex_covered(
    conn: &mut AnyConnection,
    found: &[Found],
    vuln_ids: &[String],
) -> Result<HashMap<Slot, String>, StoreError> {
    use clearinghouse_domain::cases::vex::{VexStatus, covers, ecosystem_of};
    let mut reasons = HashMap::new();
    if found.is_empty() {
        return Ok(reasons);
    }
    let statements = store::cases::statements::covering(conn, vuln_ids).await?;
    if statements.is_empty() {
        return Ok(reasons);
    }
    for f in found {
        let own_key = f
            .component_key
            .rsplit_once('@')
            .map_or(f.component_key.as_str(), |(k, _)| k);
        let hit = statements.iter().find(|s| {
            let status = if s.status == "fixed" {
                VexStatus::Fixed
            } else {
                VexStatus::NotAffected
            };
            s.vuln_id == f.vuln_id
                && s.product_key == own_key
                && covers(
                    ecosystem_of(own_key),
                    status,
                    &s.versions,
                    s.fixed_version.as_deref(),
                    f.version.as_deref(),
                )
        });
        if let Some(s) = hit {
            let reason = match (&s.justification, &s.fixed_version) {
                (Some(j), _) => format!("not affected per vendor VEX, justification {j}"),
                (None, Some(v)) => format!("fixed in {v} per vendor VEX"),
                (None, None) => "not affected per vendor VEX".to_owned(),
            };
            reasons.insert(
                (
                    f.asset_id.clone(),
                    f.component_key.clone(),
                    f.vuln_id.clone(),
                ),
                reason,
            );
        }
    }
    Ok(reasons)
}

pub fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Affected => "affected",
        Decision::NotAffected => "not_affected",
        Decision::CannotDecide => "cannot_decide",
    }
}

/// Re-matches one asset's inventory against the advisories of its packages.
pub async fn sync_asset(
    conn: &mut AnyConnection,
    asset_id: &str,
    now: &str,
) -> Result<Changes, StoreError> {
    let components = store::exposure::assets::components_of(&mut *conn, asset_id).await?;
    let keys: Vec<String> = components
        .iter()
        .flat_map(|c| [c.package_key.clone(), c.cpe_key.clone()])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let index = Index::from_rows(store::advisories::affected_with_keys(conn, &keys).await?);
    let found = match_components(&index, &components);
    let existing = store::exposure::exposures::of_assets(conn, &[asset_id.to_owned()]).await?;
    apply(
        conn,
        found,
        existing,
        "the component is no longer in the asset's inventory at this version",
        now,
    )
    .await
}

/// Resolves every open exposure of one asset with `reason` (archiving:
/// its components no longer match).
pub async fn retire_asset(
    conn: &mut AnyConnection,
    asset_id: &str,
    reason: &str,
    now: &str,
) -> Result<Changes, StoreError> {
    let existing = store::exposure::exposures::of_assets(conn, &[asset_id.to_owned()]).await?;
    apply(conn, Vec::new(), existing, reason, now).await
}

/// Re-matches every component that names a package (or a CPE product) of one
/// vulnerability.
pub async fn sync_vuln(
    conn: &mut AnyConnection,
    vuln_id: &str,
    now: &str,
) -> Result<Changes, StoreError> {
    let index = Index::from_rows(store::advisories::affected_of_vuln(conn, vuln_id).await?);
    let keys: Vec<String> = index.keys().cloned().collect();
    let components = store::exposure::assets::components_with_keys(conn, &keys).await?;
    let found = match_components(&index, &components);
    let existing = store::exposure::exposures::of_vuln(conn, vuln_id).await?;
    apply(
        conn,
        found,
        existing,
        "the advisory no longer lists this version as affected",
        now,
    )
    .await
}

#[cfg(test)]
mod tests;
