//! RPM ordering: `[epoch:]version[-release]` compared with rpm's `rpmvercmp`
//! (rpmio/rpmvercmp.c, including the `~` and `^` separators).
//!
//! Hand-written: no maintained Rust crate implements `rpmvercmp` with epochs.
//!
//! The epoch (digits before the first `:`, 0 when absent) compares numerically; the
//! release is everything after the last `-` (absent sorts as empty, before any
//! release); version and release compare with `rpmvercmp`: runs of digits (numerically,
//! leading zeros ignored) and runs of letters (bytewise) are compared in turn, other
//! characters only separate, a number beats letters, `~` sorts before anything (even
//! the end), `^` after the end but before anything else.

use std::cmp::Ordering;

use super::{VersionError, cmp_digits};

struct Evr<'a> {
    epoch: &'a str,
    version: &'a str,
    release: &'a str,
}

fn parse(v: &str) -> Result<Evr<'_>, VersionError> {
    let err = |reason: &str| VersionError::new("RPM", v, reason);
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err("whitespace or control character"));
    }
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err("the epoch before ':' must be a number"));
            }
            (e, rest)
        }
        None => ("0", v),
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((ver, rel)) => (ver, rel),
        None => (rest, ""),
    };
    if !version.bytes().any(|c| c.is_ascii_alphanumeric()) {
        return Err(err("the version has no digits or letters"));
    }
    if rest.contains(':') {
        return Err(err("more than one ':'"));
    }
    Ok(Evr {
        epoch,
        version,
        release,
    })
}

/// Orders two RPM EVR strings.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (ea, eb) = (parse(a)?, parse(b)?);
    Ok(cmp_digits(ea.epoch, eb.epoch)
        .then_with(|| rpmvercmp(ea.version, eb.version))
        .then_with(|| rpmvercmp(ea.release, eb.release)))
}

/// A faithful port of `rpmvercmp` on bytes.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // Tilde sorts before everything else, even the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret sorts after the end of the string but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(first), Some(_)) = (ca, cb) else {
            break;
        };
        let is_num = first.is_ascii_digit();
        let class = |c: &u8| {
            if is_num {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let seg_a_len = a[i..].iter().take_while(|c| class(c)).count();
        let seg_b_len = b[j..].iter().take_while(|c| class(c)).count();
        let seg_a = &a[i..i + seg_a_len];
        let seg_b = &b[j..j + seg_b_len];
        if seg_b.is_empty() {
            // Different types: a numeric segment is newer than an alpha one.
            return if is_num {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let o = if is_num {
            // Both are ASCII digits, so the byte slices are valid UTF-8.
            cmp_digits(
                std::str::from_utf8(seg_a).unwrap_or(""),
                std::str::from_utf8(seg_b).unwrap_or(""),
            )
        } else {
            seg_a.cmp(seg_b)
        };
        if o != Ordering::Equal {
            return o;
        }
        i += seg_a_len;
        j += seg_b_len;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}
