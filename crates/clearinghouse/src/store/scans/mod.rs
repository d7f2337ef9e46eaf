//! Scan coordination's SQL. Every target-bearing table (assets, campaign
//! targets, claims) stores a target with index keys (`index_keys`), and
//! `candidates` turns a target into an indexed WHERE condition that finds
//! every stored target that may overlap it: for a CIDR block, the blocks
//! starting inside it (a range scan) and the blocks that could contain it
//! (one exact key per shorter prefix: blocks are nested or disjoint); for
//! a host, its ancestors and its subtree (keys are reversed labels); for
//! anything else, the same key. Callers confirm each candidate with the
//! domain's `Target::overlaps`. `assets.rs` (network assets and proofs),
//! `grants.rs`, `campaigns.rs`, `claims.rs`, `reports.rs` hold the tables.

pub mod assets;
#[cfg(feature = "bench")]
pub mod bench;
pub mod campaigns;
pub mod claims;
pub mod grants;
pub mod reports;

use clearinghouse_domain::scans::{Cidr, Target};

/// The stored `(key_lo, key_hi)` of a target.
pub fn index_keys(t: &Target) -> (String, String) {
    match t {
        Target::Cidr(c) => c.keys(),
        Target::Host(h) => {
            let r = reversed(h.trim_start_matches("*."));
            (r.clone(), r)
        }
        other => {
            let k = other.key();
            (k.clone(), k)
        }
    }
}

fn reversed(host: &str) -> String {
    host.split('.').rev().collect::<Vec<_>>().join(".")
}

/// A WHERE condition over `{alias}.kind`, `{alias}.key_lo`,
/// `{alias}.key_hi` with parameters numbered from `first`, and the values
/// to bind in order.
pub fn candidates(alias: &str, t: &Target, first: usize) -> (String, Vec<String>) {
    candidates_on(alias, ("key_lo", "key_hi"), t, first)
}

/// [`candidates`] over another pair of key columns holding targets of the
/// same kind (`scan_campaign_targets.shown_lo`/`shown_hi`: the disclosed
/// block or domain).
pub fn candidates_on(
    alias: &str,
    (lo_col, hi_col): (&str, &str),
    t: &Target,
    first: usize,
) -> (String, Vec<String>) {
    let key_lo = format!("{alias}.{lo_col}");
    let key_hi = format!("{alias}.{hi_col}");
    let mut binds: Vec<String> = vec![t.kind().as_str().to_owned()];
    let kind = format!("{alias}.kind = ${first}");
    let mut next = first + 1;
    let mut param = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        let p = format!("${next}");
        next += 1;
        p
    };
    let rest = match t {
        Target::Cidr(c) => {
            let (lo, hi) = c.keys();
            let plo = param(&mut binds, lo);
            let phi = param(&mut binds, hi);
            let ancestors: Vec<String> = (0..c.prefix())
                .map(|p| Cidr::containing(c.addr(), p).keys().0)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|k| param(&mut binds, k))
                .collect();
            let inside = format!("({key_lo} >= {plo} AND {key_lo} <= {phi})");
            if ancestors.is_empty() {
                inside
            } else {
                format!(
                    "({inside} OR ({key_lo} IN ({}) AND {key_hi} >= {plo}))",
                    ancestors.join(", ")
                )
            }
        }
        Target::Host(h) => {
            let r = reversed(h.trim_start_matches("*."));
            let labels: Vec<&str> = r.split('.').collect();
            let ancestors: Vec<String> = (1..=labels.len())
                .map(|n| labels[..n].join("."))
                .map(|k| param(&mut binds, k))
                .collect();
            let below_lo = param(&mut binds, format!("{r}."));
            let below_hi = param(&mut binds, format!("{r}/"));
            format!(
                "({key_lo} IN ({}) OR ({key_lo} > {below_lo} AND {key_lo} < {below_hi}))",
                ancestors.join(", ")
            )
        }
        other => {
            let p = param(&mut binds, other.key());
            format!("{key_lo} = {p}")
        }
    };
    (format!("({kind} AND {rest})"), binds)
}
