//! SemVer 2.0 ecosystems (npm, crates.io, Go, Hex, Pub, SwiftURL, Bitnami) and OSV
//! `SEMVER` ranges, on top of the `semver` crate.
//!
//! Parsing is lenient the way OSV producers and these registries are in practice: one
//! leading `v` is dropped (Go module versions, Swift tags), missing minor and patch
//! numbers are zero (`1.2` is `1.2.0`, as osv.dev coerces SEMVER bounds), and leading
//! zeros in the numeric core are ignored. Pre-release and build identifiers stay
//! strict. Go pseudo-versions (`v0.0.0-20220524220425-1d687d428aca`,
//! `v1.2.4-0.2022...`) are valid SemVer pre-releases designed to sort correctly under
//! SemVer precedence, and `+incompatible` is build metadata, so Go needs nothing more.

use std::cmp::Ordering;

use super::VersionError;

/// Parses leniently (see the module documentation).
pub(crate) fn parse(eco: &str, v: &str) -> Result<semver::Version, VersionError> {
    let s = v.trim();
    let s = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    let core_end = s.find(['-', '+']).unwrap_or(s.len());
    let (core, rest) = s.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return Err(VersionError::new(
            eco,
            v,
            "more than three numeric components (not SemVer)",
        ));
    }
    let mut normalised = String::with_capacity(s.len() + 4);
    for i in 0..3 {
        if i > 0 {
            normalised.push('.');
        }
        match parts.get(i) {
            Some(p) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => {
                let trimmed = p.trim_start_matches('0');
                normalised.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            }
            Some(_) => {
                return Err(VersionError::new(
                    eco,
                    v,
                    "major, minor and patch must be numbers",
                ));
            }
            None => normalised.push('0'),
        }
    }
    normalised.push_str(rest);
    semver::Version::parse(&normalised)
        .map_err(|e| VersionError::new(eco, v, format!("not a SemVer version ({e})")))
}

/// SemVer precedence (section 11 of SemVer 2.0): build metadata is ignored.
pub(crate) fn compare_precedence(eco: &str, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let pa = parse(eco, a)?;
    let pb = parse(eco, b)?;
    Ok(pa.cmp_precedence(&pb))
}

/// Dart's `pub_semver` ordering: SemVer precedence, then a version without build
/// metadata before one with it, then build identifiers compared like pre-release ones.
pub(crate) fn compare_with_build(eco: &str, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let pa = parse(eco, a)?;
    let pb = parse(eco, b)?;
    Ok(pa.cmp(&pb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_forms_parse_to_the_same_version() {
        for (raw, want) in [
            ("v1.2.3", "1.2.3"),
            ("1.2", "1.2.0"),
            ("1", "1.0.0"),
            ("01.002.3-rc.1", "1.2.3-rc.1"),
            ("2.0-beta", "2.0.0-beta"),
            ("v1.0.0+incompatible", "1.0.0+incompatible"),
        ] {
            assert_eq!(
                parse("t", raw).map(|v| v.to_string()),
                Ok(want.to_owned()),
                "{raw}"
            );
        }
        for bad in ["", "1.2.3.4", "a.b.c", "1..2", "1.2.3-", "1.2.3-01", "v"] {
            assert!(parse("t", bad).is_err(), "{bad}");
        }
    }
}
