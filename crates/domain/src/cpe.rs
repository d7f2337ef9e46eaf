//! CPE names (NIST IR 7695, CPE Naming 2.3): the 2.3 formatted string binding
//! (`cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*`) and the 2.2 URI binding
//! (`cpe:/a:apache:log4j:2.14.1`, with the packed `~` edition), parsed into one
//! well-formed name ([`Cpe`]) whose attributes are ANY (`*`), NA (`-`) or a value with
//! the binding's escapes (`\:`, `\!`, `%21`) removed. [`Cpe::match_key`] is the
//! identity used for matching (vendor and product, lowercase); the version ranges
//! that advisories state for a CPE are in [`ranges`].
//!
//! Written here rather than taken from crates.io: the one Rust CPE crate (`cpe` 0.1.5)
//! reads WFNs and 2.2 URIs but not the 2.3 formatted string every SBOM and NVD record
//! uses, validates the language attribute as an RFC 5646 tag (rejecting real
//! records), and pulls in old `derive_builder`, `lazy_static` and `thiserror` 1.
//!
//! Leniency, because SBOM tools write CPEs loosely: the prefix is case-insensitive; a
//! formatted string with fewer than eleven attributes (at least part, vendor and
//! product) has the missing ones ANY; characters the specification wants escaped are
//! accepted unescaped, except the `:` separator. Refused: another prefix, more than
//! eleven attributes, an empty attribute, a trailing lone `\`, a bad `%` escape,
//! whitespace or control characters, a part other than `a`, `o`, `h`, `*`, `-`.
//! Wildcards inside values (`*`, `?`) are kept as literal characters: advisories name
//! products exactly.

pub mod ranges;

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;

/// The longest CPE accepted, in bytes (NVD's dictionary peaks near 400).
pub const MAX_CPE_BYTES: usize = 2_048;

/// One attribute of a well-formed name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `*`: any value.
    Any,
    /// `-`: not applicable.
    Na,
    /// A value, unescaped; never empty.
    Text(String),
}

impl Value {
    /// The value when it is one (not ANY or NA).
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A parsed CPE name: the eleven attributes of a CPE 2.3 well-formed name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    /// `a` (application), `o` (operating system), `h` (hardware), or ANY / NA.
    pub part: Value,
    pub vendor: Value,
    pub product: Value,
    pub version: Value,
    pub update: Value,
    pub edition: Value,
    pub language: Value,
    pub sw_edition: Value,
    pub target_sw: Value,
    pub target_hw: Value,
    pub other: Value,
}

/// Why a string is not a CPE name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CPE name: {0}")]
pub struct CpeError(pub String);

fn err<T>(why: impl Into<String>) -> Result<T, CpeError> {
    Err(CpeError(why.into()))
}

const NAMES: [&str; 11] = [
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
];

impl Cpe {
    /// Parses a 2.3 formatted string (`cpe:2.3:...`) or a 2.2 URI (`cpe:/...`).
    pub fn parse(text: &str) -> Result<Cpe, CpeError> {
        let text = text.trim();
        if text.len() > MAX_CPE_BYTES {
            return err(format!("longer than {MAX_CPE_BYTES} bytes"));
        }
        if let Some(c) = text
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
        {
            return err(format!("whitespace or control character at byte {}", c.0));
        }
        // The prefix is ASCII, so slicing after its characters is safe.
        let lower: String = text
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower == "cpe:2.3:" {
            parse_formatted(&text[8..])
        } else if lower.starts_with("cpe:/") {
            parse_uri(&text[5..])
        } else {
            err("expected the prefix cpe:2.3: or cpe:/")
        }
    }

    fn from_values(mut v: Vec<Value>) -> Result<Cpe, CpeError> {
        v.resize(11, Value::Any);
        let part = &v[0];
        if let Value::Text(p) = part
            && !matches!(p.as_str(), "a" | "o" | "h" | "A" | "O" | "H")
        {
            return err(format!("part must be a, o or h, found {p:?}"));
        }
        let mut it = v.into_iter();
        let mut next = || it.next().unwrap_or(Value::Any);
        Ok(Cpe {
            part: lowercase(next()),
            vendor: next(),
            product: next(),
            version: next(),
            update: next(),
            edition: next(),
            language: next(),
            sw_edition: next(),
            target_sw: next(),
            target_hw: next(),
            other: next(),
        })
    }

    fn values(&self) -> [&Value; 11] {
        [
            &self.part,
            &self.vendor,
            &self.product,
            &self.version,
            &self.update,
            &self.edition,
            &self.language,
            &self.sw_edition,
            &self.target_sw,
            &self.target_hw,
            &self.other,
        ]
    }

    /// The identity matching uses: `cpe:<vendor>:<product>`, both lowercase and
    /// escaped as in a formatted string. `None` when vendor or product is ANY or NA
    /// (such a name identifies no product). The part is left out: a vendor's product
    /// name is unique across parts in the NVD dictionary, and SBOM tools often
    /// write `a` for what NVD lists as `o`.
    pub fn match_key(&self) -> Option<String> {
        let (Value::Text(vendor), Value::Text(product)) = (&self.vendor, &self.product) else {
            return None;
        };
        let mut out = String::from("cpe:");
        push_escaped(&mut out, &vendor.to_lowercase());
        out.push(':');
        push_escaped(&mut out, &product.to_lowercase());
        Some(out)
    }

    /// The version this name states, with its update when both are values
    /// (`2.0` + `beta9` is `2.0-beta9`, as NVD splits Log4j's pre-releases).
    pub fn version_text(&self) -> Option<String> {
        let v = self.version.text()?;
        Some(match self.update.text() {
            Some(u) => format!("{v}-{u}"),
            None => v.to_owned(),
        })
    }
}

fn lowercase(v: Value) -> Value {
    match v {
        Value::Text(t) => Value::Text(t.to_ascii_lowercase()),
        other => other,
    }
}

/// The attributes of a formatted string after `cpe:2.3:`.
fn parse_formatted(rest: &str) -> Result<Cpe, CpeError> {
    let mut values = Vec::with_capacity(11);
    let mut current = String::new();
    let mut raw_len = 0usize;
    let mut raw_single: Option<char> = None;
    let mut chars = rest.chars();
    loop {
        let c = chars.next();
        match c {
            Some('\\') => {
                let Some(escaped) = chars.next() else {
                    return err("a trailing \\ escapes nothing");
                };
                current.push(escaped);
                raw_len += 2;
                raw_single = None;
            }
            Some(':') | None => {
                let i = values.len();
                if i == 11 {
                    return err("more than eleven attributes");
                }
                let value = match (raw_len, raw_single) {
                    (0, _) => return err(format!("{} is empty", NAMES[i])),
                    (1, Some('*')) => Value::Any,
                    (1, Some('-')) => Value::Na,
                    _ => Value::Text(std::mem::take(&mut current)),
                };
                current.clear();
                values.push(value);
                raw_len = 0;
                raw_single = None;
                if c.is_none() {
                    break;
                }
            }
            Some(other) => {
                current.push(other);
                raw_single = (raw_len == 0).then_some(other);
                raw_len += 1;
            }
        }
    }
    if values.len() < 3 {
        return err("part, vendor and product are required");
    }
    Cpe::from_values(values)
}

/// The components of a 2.2 URI after `cpe:/`.
fn parse_uri(rest: &str) -> Result<Cpe, CpeError> {
    let raw: Vec<&str> = rest.split(':').collect();
    if raw.len() > 7 {
        return err("a CPE 2.2 URI has at most seven components");
    }
    let mut values = Vec::with_capacity(11);
    for (i, r) in raw.iter().enumerate() {
        if i == 5 && r.starts_with('~') {
            // Packed: ~edition~sw_edition~target_sw~target_hw~other
            let packed: Vec<&str> = r[1..].split('~').collect();
            if packed.len() != 5 {
                return err("a packed edition has five parts");
            }
            let mut unpacked = Vec::with_capacity(5);
            for p in packed {
                unpacked.push(uri_value(p)?);
            }
            let [edition, sw_edition, target_sw, target_hw, other]: [Value; 5] = unpacked
                .try_into()
                .map_err(|_| CpeError("a packed edition has five parts".into()))?;
            values.push(edition);
            let language = match raw.get(6) {
                Some(l) => uri_value(l)?,
                None => Value::Any,
            };
            values.push(language);
            values.extend([sw_edition, target_sw, target_hw, other]);
            return Cpe::from_values(values);
        }
        values.push(uri_value(r)?);
    }
    if values.len() < 3 {
        return err("part, vendor and product are required");
    }
    Cpe::from_values(values)
}

/// One URI component: empty is ANY, `-` is NA, `%xx` decoded.
fn uri_value(raw: &str) -> Result<Value, CpeError> {
    match raw {
        "" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| CpeError(format!("bad % escape at byte {i}")))?;
            // %01 and %02 are the URI's wildcards `?` and `*`.
            out.push(match hex {
                1 => b'?',
                2 => b'*',
                h => h,
            });
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| CpeError("a % escape is not UTF-8".into()))?;
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return err("a % escape decodes to whitespace or a control character");
    }
    Ok(Value::Text(text))
}

/// Writes a value as a formatted string writes it: alphanumerics, `_`, `.` and
/// `-` as they are (a lone `-` escaped, so it does not read as NA), everything
/// else behind `\`.
fn push_escaped(out: &mut String, value: &str) {
    if value == "-" {
        out.push_str("\\-");
        return;
    }
    for c in value.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// The 2.3 formatted string.
impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("cpe:2.3");
        for v in self.values() {
            out.push(':');
            match v {
                Value::Any => out.push('*'),
                Value::Na => out.push('-'),
                Value::Text(t) => push_escaped(&mut out, t),
            }
        }
        f.write_str(&out)
    }
}
