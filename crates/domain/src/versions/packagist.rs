//! Packagist (Composer) ordering: Composer-style normalisation, then PHP's
//! `version_compare` (ext/standard/versioning.c).
//!
//! Hand-written: no maintained Rust crate implements `version_compare` or Composer's
//! `VersionParser`.
//!
//! Normalisation (a subset of Composer's `VersionParser::normalize`): lowercase, drop a
//! leading `v`, pad the leading numeric run to four parts (`1.2` is `1.2.0.0`, so
//! `1.2 == 1.2.0`), drop a `stable` modifier. Branch names (`dev-main`, `1.x-dev`)
//! have no place in a linear order and are rejected. `version_compare` then turns
//! `-`, `_`, `+` and other punctuation into `.`, splits at digit/letter transitions,
//! and compares part by part: numbers numerically; words by the special forms
//! `dev < alpha = a < beta = b < RC = rc < # (a number) < pl = p`, any other word below
//! `dev`; a number above any word except `pl`/`p`.

use std::cmp::Ordering;

use super::{VersionError, cmp_digits};

fn normalise(v: &str) -> Result<String, VersionError> {
    let err = |reason: &str| VersionError::new("Packagist", v, reason);
    let lower = v.to_ascii_lowercase();
    let s = lower.strip_prefix('v').unwrap_or(&lower);
    if s.starts_with("dev-") || s.ends_with(".x-dev") || s.contains(".x") || s.contains('*') {
        return Err(err("branch or wildcard version, not orderable"));
    }
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(err("a version must start with a number"));
    }
    if !s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'+'))
    {
        return Err(err("unexpected character"));
    }
    // The leading numeric run: digits separated by single dots.
    let mut end = 0;
    let mut numbers = 0;
    let bytes = s.as_bytes();
    loop {
        let start = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            break;
        }
        numbers += 1;
        if numbers < 4
            && end + 1 < bytes.len()
            && bytes[end] == b'.'
            && bytes[end + 1].is_ascii_digit()
        {
            end += 1;
        } else {
            break;
        }
    }
    let (head, rest) = s.split_at(end);
    let mut out = head.to_owned();
    for _ in numbers..4 {
        out.push_str(".0");
    }
    let rest = rest
        .trim_start_matches(['.', '-', '_'])
        .trim_start_matches("stable");
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    Ok(out)
}

/// PHP's `php_canonicalize_version`, followed by the split into parts.
fn canonical_parts(v: &str) -> Vec<String> {
    let mut out = String::with_capacity(v.len() * 2);
    let mut prev: Option<char> = None;
    for c in v.chars() {
        let is_digit = c.is_ascii_digit();
        let sep_needed = match prev {
            Some(p) if p != '.' && c != '.' => p.is_ascii_digit() != is_digit,
            _ => false,
        };
        if matches!(c, '-' | '_' | '+') || !c.is_ascii_alphanumeric() {
            if !out.ends_with('.') {
                out.push('.');
            }
        } else {
            if sep_needed && !out.ends_with('.') {
                out.push('.');
            }
            out.push(c);
        }
        prev = Some(c);
    }
    out.split('.').map(str::to_owned).collect()
}

/// `compare_special_version_forms`: the order of the first special form `form` starts with.
fn special_order(form: &str) -> i32 {
    const FORMS: [(&str, i32); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |(_, order)| *order)
}

fn is_num(part: &str) -> bool {
    part.starts_with(|c: char| c.is_ascii_digit())
}

fn cmp_parts(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (is_num(x), is_num(y)) {
            (true, true) => cmp_digits(x, y),
            (false, false) => special_order(x).cmp(&special_order(y)),
            (true, false) => special_order("#").cmp(&special_order(y)),
            (false, true) => special_order(x).cmp(&special_order("#")),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let hash = ["#".to_owned()];
    match a.len().cmp(&b.len()) {
        Ordering::Equal => Ordering::Equal,
        Ordering::Greater => {
            let extra = &a[b.len()..];
            if is_num(&extra[0]) {
                Ordering::Greater
            } else {
                cmp_parts(extra, &hash)
            }
        }
        Ordering::Less => {
            let extra = &b[a.len()..];
            if is_num(&extra[0]) {
                Ordering::Less
            } else {
                cmp_parts(&hash, extra)
            }
        }
    }
}

/// Orders two Packagist versions.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (na, nb) = (normalise(a)?, normalise(b)?);
    Ok(cmp_parts(&canonical_parts(&na), &canonical_parts(&nb)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_pads_to_four_parts() {
        for (raw, want) in [
            ("1.2", "1.2.0.0"),
            ("v2.0.1", "2.0.1.0"),
            ("1.0.0-beta2", "1.0.0.0.beta2"),
            ("1.0-RC1", "1.0.0.0.rc1"),
            ("1.2.3.4", "1.2.3.4"),
            ("3.0.0-stable", "3.0.0.0"),
        ] {
            assert_eq!(normalise(raw).as_deref(), Ok(want), "{raw}");
        }
        for bad in ["dev-main", "1.x-dev", "abc", "1.0 beta"] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
    }
}
