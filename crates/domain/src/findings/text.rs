//! Text helpers shared by the finding readers: cutting text to the limits, reading CWE
//! ids in their many spellings, spotting advisory ids, and the serde error mapping.

use super::{FindingError, MAX_IDS, Severity};

/// `s` cut to at most `max` bytes at a character boundary.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The first non-empty line of `s`, trimmed and cut to `max` bytes.
pub(super) fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty());
    truncate(line.unwrap_or(""), max)
}

/// Appends `item` unless empty, present, or the list is full.
pub(super) fn push_unique(list: &mut Vec<String>, item: &str) {
    let item = item.trim();
    if !item.is_empty() && list.len() < MAX_IDS && !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// Appends `CWE-<n>` for `CWE-79`, `cwe-079`, `CWE-327: Use of ...`, CodeQL's
/// `external/cwe/cwe-079`, or bare digits when `bare_digits` (a field known to hold a
/// CWE). Leading zeros are dropped. Anything else is ignored.
pub(super) fn push_cwe(list: &mut Vec<String>, raw: &str, bare_digits: bool) {
    let raw = raw.trim();
    let raw = raw.strip_prefix("external/cwe/").unwrap_or(raw);
    let digits_part = match raw.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("cwe-") => &raw[4..],
        _ if bare_digits => raw,
        _ => return,
    };
    let digits: &str = {
        let end = digits_part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits_part.len());
        &digits_part[..end]
    };
    let trimmed = digits.trim_start_matches('0');
    if digits.is_empty() || trimmed.len() > 9 {
        return;
    }
    let n = if trimmed.is_empty() { "0" } else { trimmed };
    push_unique(list, &format!("CWE-{n}"));
}

/// CWE ids from a JSON value: a string or a list of strings (`cwe` properties).
pub(super) fn push_cwes_value(list: &mut Vec<String>, v: &serde_json::Value) {
    match v {
        serde_json::Value::String(s) => push_cwe(list, s, true),
        serde_json::Value::Number(n) => push_cwe(list, &n.to_string(), true),
        serde_json::Value::Array(items) => {
            for item in items.iter().take(MAX_IDS * 4) {
                push_cwes_value(list, item);
            }
        }
        _ => {}
    }
}

/// Appends every `CVE-YYYY-NNNN` and `GHSA-xxxx-xxxx-xxxx` id found in `text`.
pub(super) fn scan_ids(list: &mut Vec<String>, text: &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        // Compared as bytes: a multi-byte character may start within the
        // first four or five bytes (the prefixes are ASCII, so a match ends
        // on a character boundary).
        let head = rest.as_bytes();
        let found = if head.len() >= 4 && head[..4].eq_ignore_ascii_case(b"CVE-") {
            cve_len(&rest[4..]).map(|n| 4 + n)
        } else if head.len() >= 5 && head[..5].eq_ignore_ascii_case(b"GHSA-") {
            ghsa_len(&rest[5..]).map(|n| 5 + n)
        } else {
            None
        };
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        match found {
            Some(n) if boundary => {
                let id = &text[i..i + n];
                let id = if id.starts_with("GHSA-") || id.starts_with("ghsa-") {
                    format!("GHSA-{}", id[5..].to_ascii_lowercase())
                } else {
                    id.to_ascii_uppercase()
                };
                push_unique(list, &id);
                i += n;
            }
            _ => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
}

/// `YYYY-NNNN+` (4 digits, dash, 4 or more digits) at the start of `s`.
fn cve_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 9 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let n = b[5..].iter().take_while(|c| c.is_ascii_digit()).count();
    (4..=12).contains(&n).then_some(5 + n)
}

/// `xxxx-xxxx-xxxx` (base-32 alphanumerics) at the start of `s`.
fn ghsa_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 14 {
        return None;
    }
    let ok = (0..14).all(|i| {
        if i == 4 || i == 9 {
            b[i] == b'-'
        } else {
            b[i].is_ascii_alphanumeric()
        }
    });
    let tail_ok = b.get(14).is_none_or(|c| !c.is_ascii_alphanumeric());
    (ok && tail_ok).then_some(14)
}

/// A fatal document error from a serde_json error, at `position`.
pub(super) fn document_error(position: &str, e: &serde_json::Error) -> FindingError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the fields carry it already.
    let message = match message.rfind(" at line ") {
        Some(i) if e.line() > 0 => message[..i].to_owned(),
        _ => message,
    };
    FindingError::Document {
        position: if position.is_empty() {
            "$".to_owned()
        } else {
            position.to_owned()
        },
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// The CVSS qualitative band of a 0–10 score (CodeQL's `security-severity`).
pub(super) fn severity_from_score(score: f64) -> Option<Severity> {
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    Some(if score == 0.0 {
        Severity::None
    } else if score < 4.0 {
        Severity::Low
    } else if score < 7.0 {
        Severity::Medium
    } else if score < 9.0 {
        Severity::High
    } else {
        Severity::Critical
    })
}

/// Reads `none`/`info`, `low`, `medium`/`moderate`, `high`, `critical`, any case.
pub(super) fn severity_word(word: &str) -> Option<Severity> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "none" | "info" | "informational" => Severity::None,
        "low" => Severity::Low,
        "medium" | "moderate" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}
