//! Deciding components against the index: per component, which affected
//! entries of its package (or CPE product) say affected or cannot decide,
//! the strongest answer kept per (asset, component, vulnerability). A
//! (package, version) pair recurs across SBOMs, so [`VerdictCache`]
//! decides each once.

use std::collections::HashMap;

use clearinghouse_domain::versions::{self, Decision};

use super::{Affected, Found, Index};
use crate::store::exposure::assets::ComponentRow;

/// The identity of a component within its asset: package and version.
pub fn component_key(package_key: &str, version: Option<&str>) -> String {
    format!("{package_key}@{}", version.unwrap_or(""))
}

/// Verdicts already reached, per (package key, version): SBOMs repeat the
/// same package versions across operators, so each is decided once.
/// Holds, per pair, the index entries (positions) that did not answer
/// "not affected", with their decision and reason.
#[derive(Debug, Default)]
pub struct VerdictCache {
    hits: HashMap<(String, Option<String>), Vec<Hit>>,
}

/// An index entry (by position) that did not answer "not affected".
type Hit = (usize, Decision, String);

impl VerdictCache {
    fn verdicts(&mut self, entries: &[Affected], key: &str, version: Option<&str>) -> &[Hit] {
        self.hits
            .entry((key.to_owned(), version.map(str::to_owned)))
            .or_insert_with(|| {
                entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| {
                        let verdict = match version {
                            // The advisory states this version fixed or not affected.
                            Some(v) if a.not_affected.iter().any(|n| n.trim() == v.trim()) => {
                                return None;
                            }
                            Some(v) => versions::decide(a.ecosystem, v, &a.ranges, &a.versions),
                            None => versions::Verdict {
                                decision: Decision::CannotDecide,
                                reason: "the component has no version".to_owned(),
                            },
                        };
                        (verdict.decision != Decision::NotAffected).then_some((
                            i,
                            verdict.decision,
                            verdict.reason,
                        ))
                    })
                    .collect()
            })
    }
}

/// Decides every component against the index. Per (asset, component,
/// vulnerability) the strongest answer wins: affected over cannot-decide.
pub fn match_components(index: &Index, components: &[ComponentRow]) -> Vec<Found> {
    match_components_cached(index, components, &mut VerdictCache::default())
}

/// [`match_components`] reusing verdicts across calls.
pub fn match_components_cached(
    index: &Index,
    components: &[ComponentRow],
    cache: &mut VerdictCache,
) -> Vec<Found> {
    let mut best: HashMap<(String, String, String), Found> = HashMap::new();
    for c in components {
        // The component's identity within its asset: its package, else its CPE.
        let Some(own_key) = c.package_key.as_deref().or(c.cpe_key.as_deref()) else {
            continue;
        };
        let ckey = component_key(own_key, c.version.as_deref());
        if let Some(key) = c.package_key.as_deref()
            && let Some(entries) = index.by_key.get(key)
        {
            let shown = c.purl.as_deref().unwrap_or(&ckey);
            for (i, decision, why) in cache.verdicts(entries, key, c.version.as_deref()) {
                let a = &entries[*i];
                let reason = format!("{shown} matches {} ({}): {why}", a.advisory_id, a.ecosystem);
                keep_best(&mut best, c, &ckey, a, *decision, reason);
            }
        }
        if let Some(key) = c.cpe_key.as_deref()
            && let Some(entries) = index.by_key.get(key)
        {
            let version = c.version.clone().or_else(|| {
                c.cpe
                    .as_deref()
                    .and_then(|s| clearinghouse_domain::cpe::Cpe::parse(s).ok())
                    .and_then(|cpe| cpe.version_text())
            });
            let cpe = c.cpe.as_deref().unwrap_or(key);
            for (i, decision, why) in cache.verdicts(entries, key, version.as_deref()) {
                let a = &entries[*i];
                let reason = format!(
                    "{} {} matched by CPE {cpe}: {} names {key}: {why}",
                    c.name,
                    version.as_deref().unwrap_or("(no version)"),
                    a.advisory_id,
                );
                keep_best(&mut best, c, &ckey, a, *decision, reason);
            }
        }
    }
    let mut out: Vec<Found> = best.into_values().collect();
    out.sort_by(|a, b| {
        (&a.asset_id, &a.component_key, &a.vuln_id).cmp(&(
            &b.asset_id,
            &b.component_key,
            &b.vuln_id,
        ))
    });
    out
}

/// Keeps the strongest answer per (asset, component, vulnerability): affected
/// over cannot-decide, the first affected answer (the package's) over later ones.
fn keep_best(
    best: &mut HashMap<(String, String, String), Found>,
    c: &ComponentRow,
    ckey: &str,
    a: &Affected,
    decision: Decision,
    reason: String,
) {
    let slot = (c.asset_id.clone(), ckey.to_owned(), a.vuln_id.clone());
    if best
        .get(&slot)
        .is_some_and(|f| f.decision == Decision::Affected)
    {
        return;
    }
    best.insert(
        slot,
        Found {
            asset_id: c.asset_id.clone(),
            component_key: ckey.to_owned(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            vuln_id: a.vuln_id.clone(),
            advisory_id: a.advisory_id.clone(),
            decision,
            reason,
        },
    );
}
