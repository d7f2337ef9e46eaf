//! The one rule for text that people read back: names, titles and file names
//! (document attachments, submission and asset names, advisory summaries, SBOM
//! component names shown as titles) may hold no control characters, and long text
//! (descriptions, details) none but tab and line breaks. Control characters here are
//! C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F) and the bidirectional
//! embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a
//! file name read as something else (`invoice\u{202E}fdp.exe`). [`first_invisible`]
//! finds the invisible formatting characters the names people give one another
//! refuse.
//!
//! Every check returns a [`TextError`] naming the field and, for a bad character,
//! its code point and 0-based character index.

/// The most characters of a name or title.
pub const MAX_NAME_CHARS: usize = 200;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{field}: must not be empty")]
    Empty { field: String },
    #[error("{field}: must be at most {max} characters")]
    TooLong { field: String, max: usize },
    #[error("{field}: must not contain {what} U+{code:04X} (character {index})")]
    Forbidden {
        field: String,
        code: u32,
        what: &'static str,
        /// 0-based character index.
        index: usize,
    },
    #[error("{field}: must not contain '/' or '\\', nor be '.' or '..'")]
    PathLike { field: String },
}

impl TextError {
    /// The field the error is about.
    pub fn field(&self) -> &str {
        match self {
            TextError::Empty { field }
            | TextError::TooLong { field, .. }
            | TextError::Forbidden { field, .. }
            | TextError::PathLike { field } => field,
        }
    }
}

/// What kind of forbidden character `c` is, if it is one. `long` allows tab,
/// line feed and carriage return (long text); names allow none of them.
pub fn forbidden(c: char, long: bool) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' if long => None,
        '\u{0}'..='\u{1F}' | '\u{7F}' => Some("the control character"),
        '\u{80}'..='\u{9F}' => Some("the C1 control character"),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            Some("the bidirectional formatting character")
        }
        _ => None,
    }
}

/// The first forbidden character of `s` with its 0-based character index.
pub fn first_forbidden(s: &str, long: bool) -> Option<(usize, char, &'static str)> {
    s.chars()
        .enumerate()
        .find_map(|(i, c)| forbidden(c, long).map(|what| (i, c, what)))
}

/// Checks long text (descriptions, details): no forbidden character except tab and
/// line breaks. Length is the caller's limit.
pub fn check_long_text(field: &str, value: &str) -> Result<(), TextError> {
    check_chars(field, value, true)
}

/// Checks a name or title as given (not trimmed): no forbidden character at all.
pub fn check_line(field: &str, value: &str) -> Result<(), TextError> {
    check_chars(field, value, false)
}

fn check_chars(field: &str, value: &str, long: bool) -> Result<(), TextError> {
    match first_forbidden(value, long) {
        Some((index, c, what)) => Err(TextError::Forbidden {
            field: field.to_owned(),
            code: u32::from(c),
            what,
            index,
        }),
        None => Ok(()),
    }
}

/// A name or title: trimmed, 1..=`max` characters, no forbidden character.
pub fn validate_title(field: &str, value: &str, max: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    check_line(field, trimmed)?;
    if trimmed.is_empty() {
        return Err(TextError::Empty {
            field: field.to_owned(),
        });
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong {
            field: field.to_owned(),
            max,
        });
    }
    Ok(trimmed.to_owned())
}

/// The first invisible formatting character of `s` (zero-width space,
/// direction marks, word joiner and invisible operators, BOM) with its
/// 0-based character index. Refused in the names people give one another
/// (display names, organisation names, case titles): an author or title
/// that looks empty, or two names that read the same (F9). Joiners
/// (U+200C, U+200D) are not among them: scripts and emoji need them.
/// Imported text (advisories, SBOMs) is not held to this.
pub fn first_invisible(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| {
        matches!(
            c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{180E}' | '\u{2060}'
                ..='\u{2064}' | '\u{FEFF}'
        )
    })
}

/// Whether `s` shows nothing: only white space and joiners.
pub fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || matches!(c, '\u{200C}' | '\u{200D}'))
}

/// A name (of an asset, a submission, a document): [`validate_title`] with
/// [`MAX_NAME_CHARS`].
pub fn validate_name(field: &str, value: &str) -> Result<String, TextError> {
    validate_title(field, value, MAX_NAME_CHARS)
}

/// A file name: a [`validate_name`] that is also no path (no `/` or `\`, not `.` or
/// `..`).
pub fn validate_file_name(field: &str, value: &str) -> Result<String, TextError> {
    let name = validate_name(field, value)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(TextError::PathLike {
            field: field.to_owned(),
        });
    }
    Ok(name)
}

/// A `Content-Disposition: attachment` header value for any stored file name, even
/// one stored before these rules: an ASCII `filename` fallback (anything outside
/// printable ASCII, `"` and `\` become `_`) and the exact name as RFC 5987
/// `filename*=UTF-8''…` (percent-encoded, forbidden characters dropped). Always a
/// valid header value.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for c in name.chars().filter(|c| forbidden(*c, false).is_none()) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let fallback = if fallback.trim().is_empty() {
        "download".to_owned()
    } else {
        fallback
    };
    if encoded.is_empty() {
        format!("attachment; filename=\"{fallback}\"")
    } else {
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    }
}

#[cfg(test)]
mod tests;
