//! Traffic Light Protocol 2.0 markings: the `Tlp` enum, its spellings and parsing.
//!
//! The canonical spellings are the FIRST TLP 2.0 ones: `CLEAR`, `GREEN`, `AMBER`,
//! `AMBER+STRICT` and `RED`. They are used by `Display`, `as_str` and serde.
//! `FromStr` is more lenient: it ignores ASCII case and surrounding whitespace and
//! accepts an optional `TLP:` prefix (`tlp:amber+strict` parses). The TLP 1.0
//! marking `WHITE` is deliberately not accepted.

use std::str::FromStr;

use crate::spelling::spelled_enum;

/// A TLP 2.0 marking. The order goes from least to most restrictive
/// (`Clear < Green < Amber < AmberStrict < Red`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Tlp {
    /// `TLP:CLEAR`: no limit on disclosure.
    #[serde(rename = "CLEAR")]
    Clear,
    /// `TLP:GREEN`: the community.
    #[serde(rename = "GREEN")]
    Green,
    /// `TLP:AMBER`: the recipient organisation and those it shares with.
    #[serde(rename = "AMBER")]
    Amber,
    /// `TLP:AMBER+STRICT`: the recipient organisation only.
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    /// `TLP:RED`: named recipients only.
    #[serde(rename = "RED")]
    Red,
}

// `ALL` lists every marking, least restrictive first.
spelled_enum! {
    /// The canonical TLP 2.0 spelling, without the `TLP:` prefix.
    Tlp {
        Clear => "CLEAR",
        Green => "GREEN",
        Amber => "AMBER",
        AmberStrict => "AMBER+STRICT",
        Red => "RED",
    }
    ALL
}

/// The longest input echoed back in a [`TlpParseError`], in bytes.
const MAX_ECHO: usize = 64;

/// A string that is not a TLP 2.0 marking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid TLP marking {input:?}: expected one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED \
     (case-insensitive, optionally prefixed with TLP:)"
)]
pub struct TlpParseError {
    /// The rejected input, truncated to 64 bytes.
    pub input: String,
}

impl TlpParseError {
    fn new(input: &str) -> Self {
        let mut end = input.len().min(MAX_ECHO);
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        TlpParseError {
            input: input[..end].to_owned(),
        }
    }
}

impl FromStr for Tlp {
    type Err = TlpParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let bare = match trimmed.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("TLP:") => &trimmed[4..],
            _ => trimmed,
        };
        Tlp::ALL
            .into_iter()
            .find(|tlp| tlp.as_str().eq_ignore_ascii_case(bare))
            .ok_or_else(|| TlpParseError::new(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<Tlp>) {
        assert_eq!(input.parse::<Tlp>().ok(), expected, "input {input:?}");
    }

    #[test]
    fn parses_canonical_and_lenient_forms() {
        check("CLEAR", Some(Tlp::Clear));
        check("GREEN", Some(Tlp::Green));
        check("AMBER", Some(Tlp::Amber));
        check("AMBER+STRICT", Some(Tlp::AmberStrict));
        check("RED", Some(Tlp::Red));
        check("red", Some(Tlp::Red));
        check("Amber+Strict", Some(Tlp::AmberStrict));
        check("TLP:AMBER", Some(Tlp::Amber));
        check("tlp:green", Some(Tlp::Green));
        check("  TLP:CLEAR ", Some(Tlp::Clear));
    }

    #[test]
    fn rejects_other_spellings() {
        check("", None);
        check("TLP:", None);
        check("WHITE", None);
        check("TLP:WHITE", None);
        check("AMBER STRICT", None);
        check("AMBER_STRICT", None);
        check("TLP: RED", None);
        check("TLP:TLP:RED", None);
        check("REDD", None);
        check("é", None);
    }

    #[test]
    fn error_lists_accepted_values_and_truncates_input() {
        let err = "purple".parse::<Tlp>().expect_err("purple is not a TLP");
        let msg = err.to_string();
        for tlp in Tlp::ALL {
            assert!(msg.contains(tlp.as_str()), "{msg}");
        }
        assert!(msg.contains("purple"));
        let long = "é".repeat(100);
        let err = long.parse::<Tlp>().expect_err("not a TLP");
        assert!(err.input.len() <= MAX_ECHO);
    }

    #[test]
    fn display_serde_and_from_str_round_trip() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp.to_string(), tlp.as_str());
            assert_eq!(tlp.as_str().parse::<Tlp>().ok(), Some(tlp));
            assert_eq!(format!("TLP:{tlp}").parse::<Tlp>().ok(), Some(tlp));
            let json = serde_json::to_string(&tlp).expect("serialize");
            assert_eq!(json, format!("\"{}\"", tlp.as_str()));
            let back: Tlp = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, tlp);
        }
        assert!(serde_json::from_str::<Tlp>("\"AmberStrict\"").is_err());
    }

    #[test]
    fn order_is_least_to_most_restrictive() {
        let mut sorted = Tlp::ALL;
        sorted.sort();
        assert_eq!(sorted, Tlp::ALL);
        assert!(Tlp::Clear < Tlp::Red);
    }
}
