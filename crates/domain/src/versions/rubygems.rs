//! RubyGems ordering: a port of `Gem::Version#<=>` (rubygems/version.rb).
//!
//! Hand-written: no maintained Rust crate implements `Gem::Version`.
//!
//! A version must match `Gem::Version::ANCHORED_VERSION_PATTERN`
//! (`\d+(\.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`). `-` is read as `.pre.`;
//! the string is split into runs of digits and runs of letters; the segments before the
//! first letter run and those from it on each lose their trailing zeros
//! (`canonical_segments`); then segments compare pairwise, missing ones as 0, a letter
//! segment sorting before a number (so `1.0.a < 1.0` and `1.0.a < 1.0.0.1`), letters
//! by bytes.

use std::cmp::Ordering;

use super::{VersionError, cmp_digits};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

fn valid(v: &str) -> bool {
    let (release, pre) = match v.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (v, None),
    };
    let mut parts = release.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

fn segments(v: &str) -> Vec<Seg> {
    let v = v.replace('-', ".pre.");
    let mut out = Vec::new();
    let bytes = v.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Seg::Num(v[start..i].trim_start_matches('0').to_owned()));
        } else if bytes[i].is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Seg::Str(v[start..i].to_owned()));
        } else {
            i += 1;
        }
    }
    out
}

/// `canonical_segments`: split at the first letter segment, strip trailing zeros from
/// each half, and join.
fn canonical(v: &str) -> Vec<Seg> {
    let segs = segments(v);
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let (head, tail) = segs.split_at(split);
    let strip = |part: &[Seg]| -> Vec<Seg> {
        let mut p = part.to_vec();
        while matches!(p.last(), Some(Seg::Num(d)) if d.is_empty()) {
            p.pop();
        }
        p
    };
    let mut out = strip(head);
    out.extend(strip(tail));
    out
}

/// Orders two RubyGems versions.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    for v in [a, b] {
        if !valid(v) {
            return Err(VersionError::new(
                "RubyGems",
                v,
                "not a Gem::Version (malformed version number string)",
            ));
        }
    }
    if a == b {
        return Ok(Ordering::Equal);
    }
    let (ca, cb) = (canonical(a), canonical(b));
    let zero = Seg::Num(String::new());
    for i in 0..ca.len().max(cb.len()) {
        let l = ca.get(i).unwrap_or(&zero);
        let r = cb.get(i).unwrap_or(&zero);
        let o = match (l, r) {
            (Seg::Num(x), Seg::Num(y)) => cmp_digits(x, y),
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            (Seg::Str(x), Seg::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_segments_follow_rubygems() {
        let n = |s: &str| Seg::Num(s.into());
        let s = |s: &str| Seg::Str(s.into());
        assert_eq!(canonical("1.0.0"), vec![n("1")]);
        assert_eq!(canonical("1.0.a.0"), vec![n("1"), s("a")]);
        assert_eq!(
            canonical("1.0-rc1"),
            vec![n("1"), s("pre"), s("rc"), n("1")]
        );
        assert!(!valid("1.0-"));
        assert!(!valid("a.1"));
        assert!(!valid("1..0"));
        assert!(valid("1.0.0-beta-2"));
    }
}
