//! Alpine (apk) ordering: a port of apk-tools' `src/version.c`
//! (`apk_version_validate` and `apk_version_compare`).
//!
//! Hand-written: no maintained Rust crate implements apk's version rules.
//!
//! Grammar: `digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-r digits}`, suffixes
//! `alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p`. Tokens are compared
//! in turn: numbers numerically, except that a non-initial number with a leading zero
//! compares as a string (as Gentoo does); letters and suffixes by their order; a commit
//! hash as a string. When one version runs out, the other is newer unless its next
//! token is a pre-release suffix. Strings that do not validate are errors.

use std::cmp::Ordering;

use super::{VersionError, cmp_digits};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
}

/// Suffix order; `NONE` (5) is the pivot between pre- and post-release suffixes.
const SUFFIXES: [(&str, u8); 9] = [
    ("alpha", 1),
    ("beta", 2),
    ("pre", 3),
    ("rc", 4),
    ("cvs", 6),
    ("svn", 7),
    ("git", 8),
    ("hg", 9),
    ("p", 10),
];
const SUFFIX_NONE: u8 = 5;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    value: &'a str,
    suffix: u8,
}

/// Splits a version into tokens, ending with an `End` token; `None` if it does not validate.
fn tokens(v: &str) -> Option<Vec<Token<'_>>> {
    let b = v.as_bytes();
    let digits_from =
        |start: usize| start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = Vec::new();
    let end = digits_from(0);
    if end == 0 {
        return None;
    }
    out.push(Token {
        kind: Kind::InitialDigit,
        value: &v[..end],
        suffix: 0,
    });
    let mut pos = end;
    let mut last = Kind::InitialDigit;
    while pos < b.len() {
        let c = b[pos];
        let token = match c {
            b'a'..=b'z' => {
                if last > Kind::Digit {
                    return None;
                }
                pos += 1;
                Token {
                    kind: Kind::Letter,
                    value: &v[pos - 1..pos],
                    suffix: 0,
                }
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if last > Kind::Digit {
                        return None;
                    }
                    pos += 1;
                }
                let kind = match last {
                    Kind::InitialDigit | Kind::Digit => Kind::Digit,
                    Kind::Suffix => Kind::SuffixNo,
                    _ => return None,
                };
                let end = digits_from(pos);
                if end == pos {
                    return None;
                }
                let t = Token {
                    kind,
                    value: &v[pos..end],
                    suffix: 0,
                };
                pos = end;
                t
            }
            b'_' => {
                if last > Kind::SuffixNo {
                    return None;
                }
                let start = pos + 1;
                let end = start
                    + b[start..]
                        .iter()
                        .take_while(|c| c.is_ascii_lowercase())
                        .count();
                let name = &v[start..end];
                let suffix = SUFFIXES.iter().find(|(s, _)| *s == name).map(|(_, o)| *o)?;
                pos = end;
                Token {
                    kind: Kind::Suffix,
                    value: name,
                    suffix,
                }
            }
            b'~' => {
                if last >= Kind::CommitHash {
                    return None;
                }
                let start = pos + 1;
                let end = start
                    + b[start..]
                        .iter()
                        .take_while(|c| c.is_ascii_hexdigit())
                        .count();
                if end == start {
                    return None;
                }
                pos = end;
                Token {
                    kind: Kind::CommitHash,
                    value: &v[start..end],
                    suffix: 0,
                }
            }
            b'-' => {
                if last >= Kind::RevisionNo || b.get(pos + 1) != Some(&b'r') {
                    return None;
                }
                let start = pos + 2;
                let end = digits_from(start);
                if end == start {
                    return None;
                }
                pos = end;
                Token {
                    kind: Kind::RevisionNo,
                    value: &v[start..end],
                    suffix: 0,
                }
            }
            _ => return None,
        };
        last = token.kind;
        out.push(token);
    }
    out.push(Token {
        kind: Kind::End,
        value: "",
        suffix: 0,
    });
    Some(out)
}

fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        Kind::Digit if a.value.starts_with('0') || b.value.starts_with('0') => {
            a.value.as_bytes().cmp(b.value.as_bytes())
        }
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(a.value, b.value)
        }
        Kind::Letter => a.value.cmp(b.value),
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        Kind::CommitHash | Kind::End => a.value.as_bytes().cmp(b.value.as_bytes()),
    }
}

/// Orders two apk versions.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let invalid = |v: &str| VersionError::new("Alpine", v, "not a valid apk version");
    let ta = tokens(a).ok_or_else(|| invalid(a))?;
    let tb = tokens(b).ok_or_else(|| invalid(b))?;
    let mut i = 0;
    // Both lists end with an `End` token, so `i` stays in bounds.
    while let (Some(x), Some(y)) = (ta.get(i), tb.get(i)) {
        if x.kind != y.kind || x.kind == Kind::End {
            break;
        }
        let o = token_cmp(x, y);
        if o != Ordering::Equal {
            return Ok(o);
        }
        i += 1;
    }
    let (x, y) = match (ta.get(i), tb.get(i)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Ok(Ordering::Equal),
    };
    if x.kind == y.kind {
        return Ok(Ordering::Equal);
    }
    if x.kind == Kind::Suffix && x.suffix < SUFFIX_NONE {
        return Ok(Ordering::Less);
    }
    if y.kind == Kind::Suffix && y.suffix < SUFFIX_NONE {
        return Ok(Ordering::Greater);
    }
    // The version whose next token kind is lower has more components: it is newer.
    Ok(y.kind.cmp(&x.kind))
}
