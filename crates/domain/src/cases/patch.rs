//! Patch distribution (issue 15, item 7) as pure rules: what a vendor
//! attaches a fix with ([`PatchInput::validate`]: a file name, the version
//! it brings, a declared SHA-256 and, for a fix hosted by the vendor, its
//! URL), the check of the bytes against the declared digest
//! ([`check_declared`]), the release statement the server signs
//! ([`ReleaseStatement`]: a C2SP signed note over these lines, so the
//! server's audit key verifies it offline) and the offline check of a file
//! against a statement ([`ReleaseStatement::check_file`]).
//!
//! The statement body, one `key value` per line after a fixed first line:
//!
//! ```text
//! clearinghouse patch release v1
//! case <case id>
//! patch <patch id>
//! vendor <organisation id>
//! file <file name>
//! version <fixed version, or ->
//! url <vendor URL, or ->
//! size <bytes>
//! sha256 <hex>
//! sha512 <hex>
//! released <RFC 3339 time>
//! ```

use super::{CaseError, err};
use crate::text;

/// First line of a release statement.
pub const STATEMENT_HEADER: &str = "clearinghouse patch release v1";
/// Longest URL of a vendor-hosted fix.
pub const MAX_URL_CHARS: usize = 2048;

/// What a vendor attaches a fix with, as received.
#[derive(Debug, Clone, Default)]
pub struct PatchInput {
    pub name: String,
    pub fixed_version: Option<String>,
    /// The SHA-256 the vendor declares (hex); required with a URL.
    pub sha256: Option<String>,
    /// Where the vendor hosts it (http or https).
    pub url: Option<String>,
}

/// A patch input that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPatch {
    pub name: String,
    pub fixed_version: Option<String>,
    pub sha256: Option<String>,
    pub url: Option<String>,
}

impl PatchInput {
    /// Checks each field; the first refusal names it.
    pub fn validate(&self) -> Result<ValidPatch, CaseError> {
        let name = text::validate_file_name("name", &self.name)?;
        let fixed_version = match self.fixed_version.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) if v.chars().count() > 200 || v.contains(char::is_whitespace) => {
                return Err(err(
                    "fixed_version",
                    "a version is 1 to 200 characters without spaces",
                ));
            }
            Some(v) => {
                text::check_line("fixed_version", v)?;
                Some(v.to_owned())
            }
        };
        let sha256 = match self.sha256.as_deref() {
            None => None,
            Some(s) => Some(parse_hex_digest("sha256", s, 32)?),
        };
        let url = match self.url.as_deref() {
            None => None,
            Some(u) => Some(validate_url(u)?),
        };
        if url.is_some() && sha256.is_none() {
            return Err(err(
                "sha256",
                "a fix hosted at a URL comes with its declared SHA-256",
            ));
        }
        Ok(ValidPatch {
            name,
            fixed_version,
            sha256,
            url,
        })
    }
}

/// A hex digest of `bytes` bytes, lowercased.
pub fn parse_hex_digest(field: &str, s: &str, bytes: usize) -> Result<String, CaseError> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() != bytes * 2 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(
            field,
            format!("must be {} hexadecimal digits", bytes * 2),
        ));
    }
    Ok(s)
}

/// An http(s) URL of at most [`MAX_URL_CHARS`] characters, one line, no spaces.
pub fn validate_url(u: &str) -> Result<String, CaseError> {
    let u = u.trim();
    let scheme_ok = u.starts_with("https://") || u.starts_with("http://");
    if !scheme_ok
        || u.chars().count() > MAX_URL_CHARS
        || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(err(
            "url",
            format!("must be an http or https URL of at most {MAX_URL_CHARS} characters"),
        ));
    }
    Ok(u.to_owned())
}

/// The bytes received must have the declared digest (when one is declared).
pub fn check_declared(declared: Option<&str>, actual_sha256: &str) -> Result<(), CaseError> {
    match declared {
        Some(d) if d != actual_sha256 => Err(err(
            "sha256",
            format!("the bytes received have SHA-256 {actual_sha256}, not the declared {d}"),
        )),
        _ => Ok(()),
    }
}

/// What the server signs when a vendor releases a fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseStatement {
    pub case_id: String,
    pub patch_id: String,
    pub vendor_org: String,
    pub file: String,
    pub fixed_version: Option<String>,
    pub url: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub sha512: String,
    pub released_at: String,
}

/// Why a statement or a file does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("not a release statement: {0}")]
    Malformed(String),
    #[error("the file's {what} is {actual}; the statement says {stated}")]
    Mismatch {
        what: &'static str,
        actual: String,
        stated: String,
    },
}

const KEYS: [&str; 10] = [
    "case", "patch", "vendor", "file", "version", "url", "size", "sha256", "sha512", "released",
];

impl ReleaseStatement {
    /// The note body signed (ends with a newline, as a signed note's text must).
    pub fn body(&self) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        let values = [
            self.case_id.clone(),
            self.patch_id.clone(),
            self.vendor_org.clone(),
            self.file.clone(),
            opt(&self.fixed_version),
            opt(&self.url),
            self.size.to_string(),
            self.sha256.clone(),
            self.sha512.clone(),
            self.released_at.clone(),
        ];
        let mut out = format!("{STATEMENT_HEADER}\n");
        for (k, v) in KEYS.iter().zip(values) {
            out.push_str(k);
            out.push(' ');
            out.push_str(&v);
            out.push('\n');
        }
        out
    }

    /// Reads a body written by [`ReleaseStatement::body`].
    pub fn parse_body(text: &str) -> Result<ReleaseStatement, StatementError> {
        let bad = |m: &str| StatementError::Malformed(m.to_owned());
        let mut lines = text.lines();
        if lines.next() != Some(STATEMENT_HEADER) {
            return Err(bad("the first line is not the release statement header"));
        }
        let mut values: Vec<String> = Vec::with_capacity(KEYS.len());
        for key in KEYS {
            let line = lines.next().ok_or_else(|| bad("a line is missing"))?;
            let value = line
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| StatementError::Malformed(format!("expected the {key} line")))?;
            values.push(value.to_owned());
        }
        if lines.next().is_some() {
            return Err(bad("unexpected lines after released"));
        }
        let opt = |v: &str| (v != "-").then(|| v.to_owned());
        let size = values[6]
            .parse::<u64>()
            .map_err(|_| bad("size is not a number"))?;
        let hex = |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex(&values[7], 64) || !hex(&values[8], 128) {
            return Err(bad("a digest is not hexadecimal of the right length"));
        }
        Ok(ReleaseStatement {
            case_id: values[0].clone(),
            patch_id: values[1].clone(),
            vendor_org: values[2].clone(),
            file: values[3].clone(),
            fixed_version: opt(&values[4]),
            url: opt(&values[5]),
            size,
            sha256: values[7].clone(),
            sha512: values[8].clone(),
            released_at: values[9].clone(),
        })
    }

    /// Whether a file with this size and these digests is the one released.
    pub fn check_file(&self, size: u64, sha256: &str, sha512: &str) -> Result<(), StatementError> {
        let mismatch = |what, actual: String, stated: String| {
            Err(StatementError::Mismatch {
                what,
                actual,
                stated,
            })
        };
        if size != self.size {
            return mismatch("size", size.to_string(), self.size.to_string());
        }
        if !sha256.eq_ignore_ascii_case(&self.sha256) {
            return mismatch("SHA-256", sha256.to_owned(), self.sha256.clone());
        }
        if !sha512.eq_ignore_ascii_case(&self.sha512) {
            return mismatch("SHA-512", sha512.to_owned(), self.sha512.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> ReleaseStatement {
        ReleaseStatement {
            case_id: "c1".into(),
            patch_id: "p1".into(),
            vendor_org: "org".into(),
            file: "fix-2.4.2.tar.gz".into(),
            fixed_version: Some("2.4.2".into()),
            url: None,
            size: 3,
            sha256: "a".repeat(64),
            sha512: "b".repeat(128),
            released_at: "2026-12-06T12:00:00Z".into(),
        }
    }

    #[test]
    fn a_statement_reads_back_and_checks_a_file() {
        let s = statement();
        let body = s.body();
        assert!(body.ends_with('\n'));
        let back = ReleaseStatement::parse_body(&body).expect("reads");
        assert_eq!(back, s);
        assert!(
            back.check_file(3, &"A".repeat(64), &"b".repeat(128))
                .is_ok()
        );
        assert!(matches!(
            back.check_file(4, &"a".repeat(64), &"b".repeat(128)),
            Err(StatementError::Mismatch { what: "size", .. })
        ));
        assert!(matches!(
            back.check_file(3, &"c".repeat(64), &"b".repeat(128)),
            Err(StatementError::Mismatch {
                what: "SHA-256",
                ..
            })
        ));
        assert!(matches!(
            back.check_file(3, &"a".repeat(64), &"c".repeat(128)),
            Err(StatementError::Mismatch {
                what: "SHA-512",
                ..
            })
        ));
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let body = statement().body();
        assert!(ReleaseStatement::parse_body(&body.replace("size 3", "size x")).is_err());
        assert!(ReleaseStatement::parse_body(&body.replacen("clearinghouse", "other", 1)).is_err());
        assert!(ReleaseStatement::parse_body(&format!("{body}extra 1\n")).is_err());
        assert!(ReleaseStatement::parse_body(&body.replace("sha256 a", "sha256 z")).is_err());
    }

    #[test]
    fn inputs_are_checked_field_by_field() {
        let ok = PatchInput {
            name: "fix.tar.gz".into(),
            fixed_version: Some("2.4.2".into()),
            sha256: Some("AB".repeat(32)),
            url: None,
        };
        assert_eq!(ok.validate().unwrap().sha256, Some("ab".repeat(32)));
        let field = |p: PatchInput| p.validate().unwrap_err().field;
        assert_eq!(
            field(PatchInput {
                name: "../etc/passwd".into(),
                ..ok.clone()
            }),
            "name"
        );
        assert_eq!(
            field(PatchInput {
                sha256: Some("abc".into()),
                ..ok.clone()
            }),
            "sha256"
        );
        assert_eq!(
            field(PatchInput {
                url: Some("ftp://x".into()),
                ..ok.clone()
            }),
            "url"
        );
        assert_eq!(
            field(PatchInput {
                url: Some("https://vendor.example/fix.tgz".into()),
                sha256: None,
                ..ok.clone()
            }),
            "sha256",
            "a URL needs its declared digest"
        );
        assert_eq!(
            field(PatchInput {
                fixed_version: Some("2 4".into()),
                ..ok.clone()
            }),
            "fixed_version"
        );
        assert_eq!(
            check_declared(Some(&"a".repeat(64)), &"b".repeat(64))
                .unwrap_err()
                .field,
            "sha256"
        );
        assert!(check_declared(None, &"b".repeat(64)).is_ok());
    }

    proptest::proptest! {
        /// Any statement whose fields are single words reads back unchanged.
        #[test]
        fn body_round_trips(file in "[a-zA-Z0-9._-]{1,40}", size in 0u64..u64::MAX,
                            version in proptest::option::of("[0-9][0-9.]{0,10}")) {
            let s = ReleaseStatement { file, size, fixed_version: version, ..statement() };
            proptest::prop_assert_eq!(ReleaseStatement::parse_body(&s.body()).unwrap(), s);
        }
    }
}
