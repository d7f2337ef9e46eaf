//! Percent-encoding of package URL components for the canonical string.
//!
//! The sets follow the purl spec (and the `packageurl` crate, so that its parser
//! reads back exactly what is written): non-ASCII bytes, controls, space and
//! `"#%<>`?{};=+@\[]^|` are always encoded; `/` inside a namespace segment, name,
//! subpath segment, version or qualifier value; `,` and `&` inside qualifier values;
//! and the dots of a `.` or `..` namespace segment or name.

/// Which component is being encoded.
#[derive(Clone, Copy)]
pub(super) enum Part {
    /// A namespace segment, the name or a subpath segment.
    Segment,
    /// The version.
    Version,
    /// A qualifier value.
    QualifierValue,
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn must_encode(b: u8, part: Part) -> bool {
    if !b.is_ascii() || b.is_ascii_control() {
        return true;
    }
    match b {
        b' ' | b'"' | b'#' | b'%' | b'<' | b'>' | b'`' | b'?' | b'{' | b'}' | b';' | b'='
        | b'+' | b'@' | b'\\' | b'[' | b']' | b'^' | b'|' | b'/' => true,
        b',' | b'&' => matches!(part, Part::QualifierValue),
        _ => false,
    }
}

/// Appends `s` to `out`, percent-encoding the bytes the component requires.
/// A `.` or `..` segment is written `%2E`/`%2E%2E`: parsers drop literal dot segments.
pub(super) fn push(out: &mut String, s: &str, part: Part) {
    if matches!(part, Part::Segment) && (s == "." || s == "..") {
        s.chars().for_each(|_| out.push_str("%2E"));
        return;
    }
    for &b in s.as_bytes() {
        if must_encode(b, part) {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        } else {
            out.push(char::from(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, part: Part) -> String {
        let mut out = String::new();
        push(&mut out, s, part);
        out
    }

    #[test]
    fn purl_encodes_reserved_and_non_ascii() {
        assert_eq!(enc("@angular", Part::Segment), "%40angular");
        assert_eq!(enc("a/b", Part::Segment), "a%2Fb");
        assert_eq!(enc("1.0+build", Part::Version), "1.0%2Bbuild");
        assert_eq!(enc("1:2.3-4", Part::Version), "1:2.3-4");
        assert_eq!(enc("a&b,c", Part::QualifierValue), "a%26b%2Cc");
        assert_eq!(enc("a&b,c", Part::Segment), "a&b,c");
        assert_eq!(enc("é ", Part::Segment), "%C3%A9%20");
        assert_eq!(enc("..", Part::Segment), "%2E%2E");
        assert_eq!(enc("..", Part::Version), "..");
    }
}
