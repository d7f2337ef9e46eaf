//! What another organisation may learn of scanning on an operator's
//! network asset: the operator's `disclose_prefix` names a granularity,
//! and everything shown is derived from the asset (never from the exact
//! target inside it), so every target on one asset reads and matches the
//! same and a researcher probing names or ranges learns nothing finer.
//! A block is generalised to the prefix (never finer than the asset); a
//! host asset discloses the domain its names lie under (`*.D` for
//! `*.D` and for `NAME.D`); cloud accounts and nothing disclosed give
//! `None`.

use super::target::Target;

/// The disclosed target of `asset` at `disclose_prefix`, or `None`.
pub fn disclosed(asset: &Target, disclose_prefix: Option<i64>) -> Option<Target> {
    let p = disclose_prefix?;
    match asset {
        Target::Cidr(c) => Some(Target::Cidr(
            c.generalised(u8::try_from(p.max(0)).unwrap_or(u8::MAX)),
        )),
        Target::Host(h) => {
            let domain = match h.strip_prefix("*.") {
                Some(base) => base,
                None => h.split_once('.')?.1,
            };
            Some(Target::Host(format!("*.{domain}")))
        }
        _ => None,
    }
}

/// How a disclosed target reads: "an operator's assets in BLOCK", "an
/// operator's hosts under DOMAIN", or only "an operator's network
/// assets".
pub fn describe(shown: Option<&Target>) -> String {
    match shown {
        Some(Target::Cidr(c)) => format!("an operator's assets in {c}"),
        Some(Target::Host(h)) => {
            format!("an operator's hosts under {}", h.trim_start_matches("*."))
        }
        _ => "an operator's network assets".to_owned(),
    }
}
