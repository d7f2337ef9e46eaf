//! Signed checkpoints come from servers and files: verifying arbitrary text
//! never panics, and accepts only notes that carry this key's signature
//! over exactly their body (Ed25519 signatures are deterministic, so the
//! accepted signature line must be the one the signer makes).
#![no_main]

use clearinghouse_domain::audit::checkpoint::{Checkpoint, NoteSigner, NoteVerifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let signer = NoteSigner::new("fuzz.example-log", [3u8; 32]).expect("signer");
    let verifier = NoteVerifier::from_verifier_key(&signer.verifier_key()).expect("verifier");
    if let Ok(cp) = verifier.verify(text) {
        let signed = signer.sign(&cp);
        let signature_line = signed.lines().last().expect("signature line");
        assert!(text.starts_with(&cp.body()), "accepted note must start with its body");
        assert!(text.lines().any(|l| l == signature_line), "accepted note must carry this key's signature");
    }
    let _ = Checkpoint::parse_body(text);
    let _ = NoteVerifier::from_verifier_key(text);
});
