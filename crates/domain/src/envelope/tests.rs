//! Envelope round trips, every failure with its error, and the stored format.

use super::*;
use proptest::prelude::*;

fn kek(fill: u8) -> Kek {
    Kek::from_bytes([fill; 32])
}

const POC: &[u8] = b"curl 'http://target/app?id=1%27%20OR%201=1--'";
const RECORD: &[u8] = b"finding:0190a3c4-7e1f-7d2b-9c1e-3f5a6b7c8d9e";

#[test]
fn round_trip() {
    let k = kek(7);
    let sealed = seal(&k, POC, RECORD);
    assert_eq!(sealed.kek_id, k.id());
    assert_eq!(sealed.wrapped_key.len(), WRAPPED_KEY_LEN);
    assert_eq!(sealed.ciphertext.len(), POC.len() + TAG_LEN);
    assert_eq!(open(&k, &sealed, RECORD).as_deref(), Ok(POC));
    let stored = Sealed::from_bytes(&sealed.to_bytes());
    assert_eq!(stored.as_ref(), Ok(&sealed));
    assert_eq!(open(&k, &sealed, RECORD).as_deref(), Ok(POC));
    // Empty artifact and empty AAD are allowed.
    let empty = seal(&k, b"", b"");
    assert_eq!(open(&k, &empty, b""), Ok(Vec::new()));
}

#[test]
fn kek_id_is_first_8_bytes_of_sha256_hex() {
    // SHA-256 of 32 zero bytes is 66687aadf862bd77...
    assert_eq!(kek(0).id(), "66687aadf862bd77");
    assert_eq!(kek(0).id().len(), 16);
    assert_ne!(kek(0).id(), kek(1).id());
    assert_eq!(
        Kek::from_slice(&[0; 32]).map(|k| k.id().to_owned()),
        Ok(kek(0).id().to_owned())
    );
    assert!(matches!(
        Kek::from_slice(&[0; 31]),
        Err(EnvelopeError::KekLength { found: 31 })
    ));
    let debug = format!("{:?}", kek(0x41));
    assert!(
        !debug.contains("65, 65") && !debug.contains("4141"),
        "{debug}"
    );
}

#[test]
fn wrong_kek_fails() {
    let sealed = seal(&kek(1), POC, RECORD);
    assert!(matches!(
        open(&kek(2), &sealed, RECORD),
        Err(EnvelopeError::WrongKek { .. })
    ));
    // A different key that claims the sealing KEK's id still cannot unwrap.
    let mut forged = sealed.clone();
    forged.kek_id = kek(2).id().to_owned();
    assert_eq!(open(&kek(2), &forged, RECORD), Err(EnvelopeError::Unwrap));
}

#[test]
fn wrong_aad_fails() {
    let k = kek(1);
    let sealed = seal(&k, POC, RECORD);
    assert_eq!(
        open(&k, &sealed, b"finding:another"),
        Err(EnvelopeError::Decrypt)
    );
    assert_eq!(open(&k, &sealed, b""), Err(EnvelopeError::Decrypt));
}

#[test]
fn every_tampered_byte_fails() {
    let k = kek(3);
    let sealed = seal(&k, POC, RECORD);
    for i in 0..sealed.ciphertext.len() {
        let mut t = sealed.clone();
        t.ciphertext[i] ^= 0x01;
        assert_eq!(
            open(&k, &t, RECORD),
            Err(EnvelopeError::Decrypt),
            "ciphertext byte {i}"
        );
    }
    for i in 0..NONCE_LEN {
        let mut t = sealed.clone();
        t.nonce[i] ^= 0x80;
        assert_eq!(
            open(&k, &t, RECORD),
            Err(EnvelopeError::Decrypt),
            "nonce byte {i}"
        );
    }
    for i in 0..WRAPPED_KEY_LEN {
        let mut t = sealed.clone();
        t.wrapped_key[i] ^= 0x01;
        assert_eq!(
            open(&k, &t, RECORD),
            Err(EnvelopeError::Unwrap),
            "wrapped key byte {i}"
        );
    }
    let mut short = sealed.clone();
    short.wrapped_key.pop();
    assert!(matches!(
        open(&k, &short, RECORD),
        Err(EnvelopeError::Malformed(_))
    ));
    // Every byte of the stored form: either unreadable or unopenable.
    let bytes = sealed.to_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        let opened = Sealed::from_bytes(&b).and_then(|s| open(&k, &s, RECORD));
        assert!(opened.is_err(), "stored byte {i}");
    }
}

#[test]
fn truncated_or_extended_bytes_fail() {
    let k = kek(4);
    let bytes = seal(&k, POC, RECORD).to_bytes();
    for n in 0..bytes.len() {
        assert!(
            matches!(
                Sealed::from_bytes(&bytes[..n]),
                Err(EnvelopeError::Truncated(_))
            ),
            "prefix of {n} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Sealed::from_bytes(&longer),
        Err(EnvelopeError::Malformed(_))
    ));
    let mut v2 = bytes;
    v2[4] = 2;
    assert_eq!(
        Sealed::from_bytes(&v2),
        Err(EnvelopeError::Malformed("unknown version"))
    );
}

#[test]
fn two_seals_differ() {
    let k = kek(5);
    let (a, b) = (seal(&k, POC, RECORD), seal(&k, POC, RECORD));
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.wrapped_key, b.wrapped_key);
    assert_ne!(a.ciphertext, b.ciphertext);
    assert_eq!(open(&k, &a, RECORD), open(&k, &b, RECORD));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_round_trip(plain in proptest::collection::vec(any::<u8>(), 0..2048),
                       aad in proptest::collection::vec(any::<u8>(), 0..128),
                       key in any::<[u8; 32]>()) {
        let k = Kek::from_bytes(key);
        let stored = seal(&k, &plain, &aad).to_bytes();
        let sealed = Sealed::from_bytes(&stored);
        prop_assert!(sealed.is_ok());
        let opened = sealed.and_then(|s| open(&k, &s, &aad));
        prop_assert_eq!(opened, Ok(plain));
    }

    #[test]
    fn prop_from_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let k = kek(6);
        if let Ok(s) = Sealed::from_bytes(&bytes) {
            prop_assert!(open(&k, &s, b"").is_err());
        }
    }

    #[test]
    fn prop_valid_prefix_then_noise_never_panics(cut in 0usize..200, noise in proptest::collection::vec(any::<u8>(), 0..64)) {
        let k = kek(6);
        let mut bytes = seal(&k, POC, RECORD).to_bytes();
        bytes.truncate(cut);
        bytes.extend_from_slice(&noise);
        if let Ok(s) = Sealed::from_bytes(&bytes) {
            let _ = open(&k, &s, RECORD);
        }
    }
}
