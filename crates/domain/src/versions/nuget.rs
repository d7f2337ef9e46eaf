//! NuGet ordering: NuGet's `NuGetVersion` and `VersionComparer.Default`.
//!
//! Hand-written: no maintained Rust crate implements NuGet's version rules.
//!
//! A version has one to four numeric parts (missing ones are 0, leading zeros allowed,
//! so `1.0` = `1.0.0.0` and `1.01` = `1.1`), an optional `-` pre-release of dot-separated
//! labels and optional `+` build metadata, which is ignored. A release sorts after its
//! pre-releases; labels compare numerically when both are numbers, a number before a
//! word, words case-insensitively (ordinal), and a shorter label list first.

use std::cmp::Ordering;

use super::{VersionError, cmp_digits};

struct NuGetVersion<'a> {
    parts: [&'a str; 4],
    labels: Vec<&'a str>,
}

fn parse(v: &str) -> Result<NuGetVersion<'_>, VersionError> {
    let err = |reason: &str| VersionError::new("NuGet", v, reason);
    let without_build = match v.split_once('+') {
        Some((head, build)) => {
            if build.is_empty()
                || !build.split('.').all(|l| {
                    !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                })
            {
                return Err(err("malformed build metadata"));
            }
            head
        }
        None => v,
    };
    let (numbers, pre) = match without_build.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (without_build, None),
    };
    let split: Vec<&str> = numbers.split('.').collect();
    if split.len() > 4 {
        return Err(err("more than four numeric parts"));
    }
    let mut parts = [""; 4];
    for (i, p) in split.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err("numeric parts must be numbers"));
        }
        parts[i] = p;
    }
    let labels: Vec<&str> = match pre {
        None => Vec::new(),
        Some(p) => p.split('.').collect(),
    };
    if labels
        .iter()
        .any(|l| l.is_empty() || !l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
    {
        return Err(err("malformed pre-release label"));
    }
    Ok(NuGetVersion { parts, labels })
}

fn cmp_label(a: &str, b: &str) -> Ordering {
    let num = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

/// Orders two NuGet versions.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (va, vb) = (parse(a)?, parse(b)?);
    for (x, y) in va.parts.iter().zip(vb.parts.iter()) {
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    let o = match (va.labels.is_empty(), vb.labels.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let mut o = Ordering::Equal;
            for (x, y) in va.labels.iter().zip(vb.labels.iter()) {
                o = cmp_label(x, y);
                if o != Ordering::Equal {
                    break;
                }
            }
            o.then(va.labels.len().cmp(&vb.labels.len()))
        }
    };
    Ok(o)
}
