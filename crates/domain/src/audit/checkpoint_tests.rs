//! Tests for checkpoints and signed notes, including the golang.org/x/mod/sumdb/note vectors.
//!
//! The PeterNeumann and EnochRoot keys, the note text and both signature lines come from
//! golang.org/x/mod `sumdb/note/note_test.go` (`TestNewVerifier`, `TestNewSigner`, `TestSign`,
//! `TestOpen`). The Peter seed is the signer key
//! "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" without its
//! algorithm byte.

use super::*;
use crate::audit::merkle::leaf_hash;

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY_B64: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn verifier(vkey: &str) -> NoteVerifier {
    NoteVerifier::from_verifier_key(vkey).expect("valid verifier key")
}

fn peter_signer() -> NoteSigner {
    let key = BASE64.decode(PETER_SKEY_B64).expect("base64");
    let seed: [u8; 32] = key[1..].try_into().expect("32-byte seed");
    NoteSigner::new("PeterNeumann", seed).expect("valid signer")
}

fn signer(name: &str, byte: u8) -> NoteSigner {
    NoteSigner::new(name, [byte; 32]).expect("valid signer")
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: "clearinghouse.example/audit".into(),
        size: 42,
        root: leaf_hash(b"x"),
    }
}

#[test]
fn go_vector_signer_matches_key_id_verifier_key_and_signature() {
    let signer = peter_signer();
    assert_eq!(signer.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(signer.verifier_key(), PETER_VKEY);
    assert_eq!(signer.sign_text(TEXT), format!("{TEXT}\n{PETER_SIG}"));
}

#[test]
fn go_vector_notes_open_and_other_keys_are_ignored() {
    let (peter, enoch) = (verifier(PETER_VKEY), verifier(ENOCH_VKEY));
    assert_eq!(peter.name(), "PeterNeumann");
    assert_eq!(peter.open(&format!("{TEXT}\n{PETER_SIG}")), Ok(TEXT));
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(peter.open(&both), Ok(TEXT));
    assert_eq!(enoch.open(&both), Ok(TEXT));
    assert_eq!(
        enoch.open(&format!("{TEXT}\n{PETER_SIG}")),
        Err(NoteError::NoSignature("EnochRoot+af0cfe78".into()))
    );
    // Valid signature, but the text is not a checkpoint.
    assert!(matches!(
        peter.verify(&both),
        Err(NoteError::MalformedCheckpoint(_))
    ));
    // A corrupted Peter signature is an error even next to a valid Enoch one.
    let bad = format!(
        "{TEXT}\n{}ABCD{}{ENOCH_SIG}",
        &PETER_SIG[..60],
        &PETER_SIG[60..]
    );
    assert_eq!(
        peter.open(&bad),
        Err(NoteError::InvalidSignature("PeterNeumann+c74f20a3".into()))
    );
}

#[test]
fn go_vector_malformed_notes_are_rejected() {
    let peter = verifier(PETER_VKEY);
    let bad_notes = [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{}", PETER_SIG.repeat(101)),
        format!("{TEXT}\n{}", PETER_SIG.replacen('—', "-", 1)),
        format!("{TEXT}\n— PeterNeumann AAAA\n"),
    ];
    for note in bad_notes {
        assert!(
            matches!(peter.open(&note), Err(NoteError::MalformedNote(_))),
            "{note:?}"
        );
    }
    assert_eq!(
        peter.open(&format!("{TEXT}\n{}", PETER_SIG.repeat(100))),
        Ok(TEXT)
    );
}

#[test]
fn go_vector_mangled_verifier_keys_are_rejected() {
    let bytes = PETER_VKEY.as_bytes();
    for i in 0..=bytes.len() {
        for j in i + 1..=bytes.len() {
            if (i, j) != (0, bytes.len()) {
                let key = &PETER_VKEY[i..j];
                assert!(NoteVerifier::from_verifier_key(key).is_err(), "{key}");
            }
        }
    }
    for i in 0..bytes.len() {
        let mut mangled = bytes.to_vec();
        mangled[i] += 1;
        let key = String::from_utf8(mangled).expect("ascii");
        assert!(NoteVerifier::from_verifier_key(&key).is_err(), "{key}");
    }
    let wrong_length = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    assert!(matches!(
        NoteVerifier::from_verifier_key(wrong_length),
        Err(NoteError::MalformedVerifierKey(_))
    ));
    let unknown_alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_eq!(
        NoteVerifier::from_verifier_key(unknown_alg).err(),
        Some(NoteError::UnsupportedAlgorithm(0x65))
    );
    let wrong_id = "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_eq!(
        NoteVerifier::from_verifier_key(wrong_id).err(),
        Some(NoteError::KeyIdMismatch)
    );
}

#[test]
fn checkpoint_round_trip() {
    let signer = signer("clearinghouse.example/audit", 7);
    let cp = checkpoint();
    assert_eq!(
        cp.body(),
        format!(
            "clearinghouse.example/audit\n42\n{}\n",
            BASE64.encode(cp.root)
        )
    );
    assert_eq!(Checkpoint::parse_body(&cp.body()), Ok(cp.clone()));
    let note = signer.sign(&cp);
    assert!(note.starts_with(&format!("{}\n— clearinghouse.example/audit ", cp.body())));
    let verifier = verifier(&signer.verifier_key());
    assert_eq!(verifier.name(), signer.name());
    assert_eq!(verifier.verify(&note), Ok(cp));
    let empty = Checkpoint {
        origin: "o".into(),
        size: 0,
        root: crate::audit::merkle::empty_root(),
    };
    assert_eq!(verifier.verify(&signer.sign(&empty)), Ok(empty));
}

#[test]
fn tampered_notes_are_rejected() {
    let signer = signer("log", 7);
    let verifier = verifier(&signer.verifier_key());
    let note = signer.sign(&checkpoint());
    let invalid = Err(NoteError::InvalidSignature(format!(
        "log+{}",
        hex::encode(signer.key_id())
    )));

    let bigger = note.replacen("\n42\n", "\n43\n", 1);
    assert_eq!(verifier.verify(&bigger), invalid);
    let origin = note.replacen("clearinghouse", "clearinghousf", 1);
    assert_eq!(verifier.verify(&origin), invalid);
    let other_root = Checkpoint {
        root: leaf_hash(b"y"),
        ..checkpoint()
    };
    let swapped_body = note.replacen(&checkpoint().body(), &other_root.body(), 1);
    assert_eq!(verifier.verify(&swapped_body), invalid);

    // Flip a byte of the Ed25519 signature (after the 4-byte key id) and re-encode.
    let (head, sig_line) = note.rsplit_once(' ').expect("signature line");
    let mut blob = BASE64.decode(sig_line.trim_end()).expect("base64");
    blob[10] ^= 0x01;
    let tampered = format!("{head} {}\n", BASE64.encode(&blob));
    assert_eq!(verifier.verify(&tampered), invalid);
    blob[10] ^= 0x01;
    blob.pop();
    let truncated = format!("{head} {}\n", BASE64.encode(&blob));
    assert_eq!(verifier.verify(&truncated), invalid);
}

#[test]
fn notes_signed_by_other_keys_are_rejected() {
    let ours = signer("log", 7);
    let verifier = verifier(&ours.verifier_key());
    let no_sig = Err(NoteError::NoSignature(format!(
        "log+{}",
        hex::encode(ours.key_id())
    )));
    let cp = checkpoint();
    // Same name, different key: the key id differs, so the signature is not ours.
    assert_eq!(verifier.verify(&signer("log", 8).sign(&cp)), no_sig);
    assert_eq!(verifier.verify(&signer("other", 7).sign(&cp)), no_sig);
    // A different key's signature alongside ours is ignored.
    let theirs = signer("witness", 9).sign(&cp);
    let cosigned = format!(
        "{}{}",
        ours.sign(&cp),
        theirs.rsplit_once("\n\n").expect("sig").1
    );
    assert_eq!(verifier.verify(&cosigned), Ok(cp));
}

#[test]
fn signer_names_are_validated() {
    for name in ["", "a b", "a+b", "a\tb", "a\nb", "a\u{2003}b", "a\u{7}b"] {
        assert_eq!(
            NoteSigner::new(name, [1; 32]).map(|s| s.name().to_owned()),
            Err(NoteError::InvalidKeyName(name.into()))
        );
    }
    let signer = signer("example.com/log", 1);
    assert_eq!(
        signer.public_key(),
        SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes()
    );
}

#[test]
fn malformed_checkpoint_bodies_are_rejected() {
    let root = BASE64.encode([0u8; 32]);
    let bad = [
        format!("origin\n42\n{root}"),
        "origin\n42\n".to_owned(),
        format!("\n42\n{root}\n"),
        format!("origin\n042\n{root}\n"),
        format!("origin\n+42\n{root}\n"),
        format!("origin\n\n{root}\n"),
        format!("origin\n18446744073709551616\n{root}\n"),
        format!("origin\n42\n{}\n", BASE64.encode([0u8; 31])),
        format!("origin\n42\n{}\n", &root[..root.len() - 1]),
        format!("origin\n42\n{root}\nextension\n"),
        format!("orig\rin\n42\n{root}\n"),
    ];
    for body in bad {
        assert!(
            matches!(
                Checkpoint::parse_body(&body),
                Err(NoteError::MalformedCheckpoint(_))
            ),
            "{body:?}"
        );
    }
    let max = format!("origin\n18446744073709551615\n{root}\n");
    assert_eq!(Checkpoint::parse_body(&max).map(|c| c.size), Ok(u64::MAX));
    let newline_origin = Checkpoint {
        origin: "a\nb".into(),
        ..checkpoint()
    };
    assert!(newline_origin.validate().is_err());
    assert!(
        Checkpoint {
            origin: String::new(),
            ..checkpoint()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn errors_have_clear_messages() {
    assert_eq!(
        NoteError::NoSignature("log+01020304".into()).to_string(),
        "note has no signature from key log+01020304"
    );
    assert_eq!(
        NoteError::UnsupportedAlgorithm(0x65).to_string(),
        "unsupported signature algorithm 0x65: only Ed25519 (0x01) is supported"
    );
}
