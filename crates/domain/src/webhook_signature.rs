//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): the
//! `whsec_` secret format, signing `"{id}.{timestamp}.{body}"` with
//! HMAC-SHA256 into a `v1,<base64>` signature, and verification of a
//! `webhook-signature` header (space-separated signatures, any one valid)
//! within a timestamp tolerance. Pure functions; the sender and the
//! receiver share them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix of a symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Shortest and longest secret, in bytes (the specification's bounds).
pub const MIN_SECRET_BYTES: usize = 24;
pub const MAX_SECRET_BYTES: usize = 64;
/// The tolerance the specification suggests for timestamps, in seconds.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the secret is not base64 (after an optional 'whsec_' prefix)")]
    SecretNotBase64,
    #[error("the secret must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {0}")]
    SecretLength(usize),
    #[error("the timestamp is more than the tolerance away from now")]
    TimestampOutOfTolerance,
    #[error("no signature matches")]
    NoMatch,
}

/// A parsed signing secret: the raw key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Parses `whsec_<base64>` (the prefix is optional, as in the reference
    /// libraries).
    pub fn parse(text: &str) -> Result<Secret, SignatureError> {
        let b64 = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|_| SignatureError::SecretNotBase64)?;
        Secret::from_bytes(bytes)
    }

    /// A secret from raw bytes (24 to 64 of them).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Secret, SignatureError> {
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(SignatureError::SecretLength(bytes.len()));
        }
        Ok(Secret(bytes))
    }

    /// The `whsec_<base64>` text form.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` value for one message: `v1,<base64 HMAC>`.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret.mac(id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// Verifies a `webhook-signature` header (one or more space-separated
/// `version,signature` pairs; any valid `v1` one suffices) for a message
/// sent at `timestamp`, received at `now`, allowing `tolerance_secs` either
/// way. Comparison is constant-time.
pub fn verify(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::TimestampOutOfTolerance);
    }
    let mac = secret.mac(id, timestamp, body);
    let matched = header
        .split(' ')
        .filter_map(|part| part.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
        .any(|sig| mac.clone().verify_slice(&sig).is_ok());
    if matched {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference libraries' published vector (standard-webhooks
    /// `libraries/go/webhook_test.go`, `TestWebhookSign`).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> Secret {
        Secret::parse(SECRET).unwrap()
    }

    #[test]
    fn published_vector_signs_and_verifies() {
        assert_eq!(sign(&secret(), ID, TS, BODY), EXPECTED);
        assert_eq!(verify(&secret(), ID, TS, BODY, EXPECTED, TS, 300), Ok(()));
        // The prefix is optional.
        let bare = Secret::parse(&SECRET[SECRET_PREFIX.len()..]).unwrap();
        assert_eq!(sign(&bare, ID, TS, BODY), EXPECTED);
    }

    #[test]
    fn one_valid_signature_among_several_suffices() {
        let header = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,{} {EXPECTED} junk",
            &EXPECTED[3..]
        );
        assert_eq!(verify(&secret(), ID, TS, BODY, &header, TS, 300), Ok(()));
        let only_v2 = format!("v2,{}", &EXPECTED[3..]);
        assert_eq!(
            verify(&secret(), ID, TS, BODY, &only_v2, TS, 300),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn timestamps_outside_the_tolerance_fail() {
        let s = secret();
        assert_eq!(verify(&s, ID, TS, BODY, EXPECTED, TS + 300, 300), Ok(()));
        assert_eq!(verify(&s, ID, TS, BODY, EXPECTED, TS - 300, 300), Ok(()));
        for now in [TS + 301, TS - 301] {
            assert_eq!(
                verify(&s, ID, TS, BODY, EXPECTED, now, 300),
                Err(SignatureError::TimestampOutOfTolerance)
            );
        }
    }

    #[test]
    fn secrets_are_checked() {
        assert_eq!(
            Secret::parse("whsec_not base64!"),
            Err(SignatureError::SecretNotBase64)
        );
        assert_eq!(
            Secret::parse(&format!("whsec_{}", STANDARD.encode([0u8; 23]))),
            Err(SignatureError::SecretLength(23))
        );
        assert_eq!(
            Secret::from_bytes(vec![1; 65]),
            Err(SignatureError::SecretLength(65))
        );
        let s = Secret::from_bytes(vec![7; 32]).unwrap();
        assert_eq!(Secret::parse(&s.to_text()), Ok(s.clone()));
        assert_eq!(format!("{s:?}"), "Secret(..)");
    }

    proptest! {
        #[test]
        fn sign_then_verify_round_trips_and_any_change_fails(
            key in proptest::collection::vec(any::<u8>(), MIN_SECRET_BYTES..=MAX_SECRET_BYTES),
            id in "[a-zA-Z0-9_]{1,40}",
            ts in 0i64..4_000_000_000,
            body in proptest::collection::vec(any::<u8>(), 1..200),
            index in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let secret = Secret::from_bytes(key).unwrap();
            let sig = sign(&secret, &id, ts, &body);
            prop_assert_eq!(verify(&secret, &id, ts, &body, &sig, ts, 0), Ok(()));

            let mut changed = body.clone();
            let i = index.index(changed.len());
            changed[i] ^= flip;
            prop_assert_eq!(verify(&secret, &id, ts, &changed, &sig, ts, 0), Err(SignatureError::NoMatch));

            let other_id = format!("{id}x");
            prop_assert_eq!(verify(&secret, &other_id, ts, &body, &sig, ts, 0), Err(SignatureError::NoMatch));
            prop_assert_eq!(verify(&secret, &id, ts + 1, &body, &sig, ts + 1, 0), Err(SignatureError::NoMatch));

            let mut sig_bytes = sig.clone().into_bytes();
            let j = 3 + index.index(sig_bytes.len() - 3);
            sig_bytes[j] = if sig_bytes[j] == b'A' { b'B' } else { b'A' };
            let bad = String::from_utf8(sig_bytes).unwrap();
            prop_assert!(verify(&secret, &id, ts, &body, &bad, ts, 0).is_err());
        }
    }
}
