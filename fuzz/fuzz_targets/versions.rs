//! Versions and OSV ranges come from SBOMs and feeds: ordering and range
//! decisions never panic, a version equals itself, and swapping the operands
//! reverses the order. Input: one byte picking the ecosystem, then version a,
//! `\n`, version b, `\n`, and the rest as a JSON array of OSV ranges.
#![no_main]

use clearinghouse_domain::versions::{Ecosystem, OsvRange, compare, decide};
use libfuzzer_sys::fuzz_target;

/// One OSV spelling per ordering (and aliases with a release suffix), plus an unknown one.
const ECOSYSTEMS: [&str; 22] = [
    "PyPI", "npm", "Maven", "Go", "crates.io", "RubyGems", "NuGet", "Packagist", "Hex",
    "Pub", "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.18", "Wolfi", "Red Hat:rhel_aus:8.6",
    "SUSE", "Hackage", "GHC", "Bitnami", "SwiftURL", "Kubernetes", "unknown",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let eco = Ecosystem::from_osv(ECOSYSTEMS[usize::from(selector) % ECOSYSTEMS.len()]);
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else { return };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return };
    let ranges_json = parts.next().unwrap_or_default();

    if let Ok(ord) = compare(eco, a, a) {
        assert!(ord.is_eq(), "{eco}: '{a}' compares {ord:?} to itself");
    }
    if let (Ok(ab), Ok(ba)) = (compare(eco, a, b), compare(eco, b, a)) {
        assert_eq!(ab, ba.reverse(), "{eco}: '{a}' vs '{b}' is not antisymmetric");
    }
    if let Ok(ranges) = serde_json::from_slice::<Vec<OsvRange>>(ranges_json) {
        let _ = decide(eco, a, &ranges, &[]);
        let _ = decide(eco, a, &ranges, &[b.to_owned()]);
    }
});
