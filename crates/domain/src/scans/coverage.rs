//! Whether a campaign's network target is authorized: some grant from the
//! asset's owner holds the whole target (not only part of it), the whole
//! window, every technique the campaign uses and every source address it
//! scans from, and none of the grant's excluded hosts lies in the target.
//! One grant must cover a target on its own; a target spanning two grants
//! is refused with both reasons (the researcher splits it).

use super::ScanError;
use super::cidr::Cidr;
use super::ranges::Overlap;
use super::target::Target;
use super::window::Window;

/// How a scanner touches the target (rules of engagement).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// Observation only: no packets beyond what any visitor sends.
    Passive,
    /// With credentials the owner handed over.
    Authenticated,
    /// Active probing and exploitation attempts.
    Active,
}

impl Technique {
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Passive => "passive",
            Technique::Authenticated => "authenticated",
            Technique::Active => "active",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Technique, ScanError> {
        match s.trim() {
            "passive" => Ok(Technique::Passive),
            "authenticated" => Ok(Technique::Authenticated),
            "active" => Ok(Technique::Active),
            other => Err(ScanError::new(
                field,
                format!("'{other}' is not a technique: passive, authenticated or active"),
            )),
        }
    }
}

/// What a grant allows, as coverage needs it.
#[derive(Debug, Clone)]
pub struct GrantScope {
    pub id: String,
    pub assets: Vec<Target>,
    pub excluded: Vec<Target>,
    pub window: Window,
    pub techniques: Vec<Technique>,
    /// The scanner's declared source addresses; empty: not restricted.
    pub sources: Vec<Cidr>,
}

/// What the campaign asks for one target.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub target: &'a Target,
    pub window: &'a Window,
    pub techniques: &'a [Technique],
    pub sources: &'a [Cidr],
}

/// The grant that covers the target, or why none does (one reason per
/// grant touching it, or that none does).
pub fn coverage(ask: Ask<'_>, grants: &[GrantScope]) -> Result<String, Vec<String>> {
    let mut reasons = Vec::new();
    for g in grants {
        if !g
            .assets
            .iter()
            .any(|a| a.overlaps(ask.target) != Overlap::No)
        {
            continue;
        }
        match why_not(ask, g) {
            None => return Ok(g.id.clone()),
            Some(r) => reasons.push(format!("grant {}: {r}", g.id)),
        }
    }
    if reasons.is_empty() {
        reasons.push("no grant from the asset's owner covers this target".to_owned());
    }
    Err(reasons)
}

fn why_not(ask: Ask<'_>, g: &GrantScope) -> Option<String> {
    if !g.assets.iter().any(|a| a.covers(ask.target)) {
        return Some("covers only part of the target".to_owned());
    }
    if let Some(x) = g
        .excluded
        .iter()
        .find(|x| x.overlaps(ask.target) != Overlap::No)
    {
        return Some(format!("excludes {x}, which lies in the target"));
    }
    if !g.window.covers(ask.window) {
        return Some("its window does not hold the campaign's whole window".to_owned());
    }
    if let Some(t) = ask.techniques.iter().find(|t| !g.techniques.contains(t)) {
        return Some(format!("does not allow the technique {}", t.as_str()));
    }
    if !g.sources.is_empty() {
        if ask.sources.is_empty() {
            return Some(
                "names the scanner's source addresses; the campaign declares none".to_owned(),
            );
        }
        if let Some(s) = ask
            .sources
            .iter()
            .find(|s| !g.sources.iter().any(|d| d.contains(s)))
        {
            return Some(format!("does not list the source address {s}"));
        }
    }
    None
}
