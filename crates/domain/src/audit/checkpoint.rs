//! Signed tree heads for the audit log: C2SP checkpoints (c2sp.org/tlog-checkpoint) wrapped in
//! Ed25519 signed notes (c2sp.org/signed-note), with the verifier-key encoding of
//! golang.org/x/mod/sumdb/note so that standard tooling can check our checkpoints.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// Signature algorithm byte for Ed25519 in signed-note keys.
const ALG_ED25519: u8 = 0x01;
/// Prefix of every signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Upper bound on signature lines, as in golang.org/x/mod/sumdb/note.
const MAX_SIGNATURES: usize = 100;

/// Why a key, note or checkpoint was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    #[error(
        "invalid key name {0:?}: must be non-empty, without whitespace, control characters or '+'"
    )]
    InvalidKeyName(String),
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    #[error("unsupported signature algorithm {0:#04x}: only Ed25519 (0x01) is supported")]
    UnsupportedAlgorithm(u8),
    #[error("verifier key id does not match its name and public key")]
    KeyIdMismatch,
    #[error("verifier key holds an invalid Ed25519 public key")]
    InvalidPublicKey,
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    #[error("invalid signature from key {0}")]
    InvalidSignature(String),
    #[error("note has no signature from key {0}")]
    NoSignature(String),
}

/// A checkpoint: the log's origin, its tree size and the Merkle root at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note body: `"<origin>\n<size>\n<base64 root>\n"`. Call [`Checkpoint::validate`]
    /// first if the origin is not known to be well formed; a bad origin yields a body that
    /// [`Checkpoint::parse_body`] (and so every verifier) rejects.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Checks that the origin is non-empty and has no newline or other control character.
    pub fn validate(&self) -> Result<(), NoteError> {
        if self.origin.is_empty() {
            return Err(NoteError::MalformedCheckpoint("origin is empty"));
        }
        if self.origin.chars().any(char::is_control) {
            return Err(NoteError::MalformedCheckpoint(
                "origin contains a control character",
            ));
        }
        Ok(())
    }

    /// Parses a checkpoint body. Exactly three lines are accepted: extension lines are
    /// rejected, because this type could not carry them and re-signing would drop them.
    pub fn parse_body(text: &str) -> Result<Checkpoint, NoteError> {
        let Some(lines) = text.strip_suffix('\n') else {
            return Err(NoteError::MalformedCheckpoint(
                "body must end with a newline",
            ));
        };
        let lines: Vec<&str> = lines.split('\n').collect();
        let [origin, size, root] = lines[..] else {
            return Err(NoteError::MalformedCheckpoint(if lines.len() < 3 {
                "body must have origin, tree size and root hash lines"
            } else {
                "extension lines are not supported"
            }));
        };
        let size = parse_size(size)?;
        let root = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| Hash::try_from(bytes).ok())
            .ok_or(NoteError::MalformedCheckpoint(
                "root hash must be base64 of 32 bytes",
            ))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }
}

/// Tree size: ASCII decimal without sign or leading zeros, fitting in a u64.
fn parse_size(text: &str) -> Result<u64, NoteError> {
    let err =
        NoteError::MalformedCheckpoint("tree size must be a decimal number without leading zeros");
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(err);
    }
    text.parse().map_err(|_| err)
}

/// Key names: non-empty, no whitespace, no control characters, no '+'.
fn check_name(name: &str) -> Result<(), NoteError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || c == '+';
    if name.is_empty() || name.chars().any(bad) {
        return Err(NoteError::InvalidKeyName(name.to_owned()));
    }
    Ok(())
}

/// Signed-note key id: the first 4 bytes of `SHA-256(name || "\n" || 0x01 || public key)`.
fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public_key)
        .finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Signs checkpoints as signed notes with one named Ed25519 key.
#[derive(Clone, Debug)]
pub struct NoteSigner {
    name: String,
    key_id: [u8; 4],
    key: SigningKey,
}

impl NoteSigner {
    /// A signer for key `name` with the 32-byte Ed25519 secret (seed) `secret`.
    pub fn new(name: &str, secret: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&secret);
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id that prefixes every signature.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The verifier key `"<name>+<hex key id>+<base64(0x01 || public key)>"`, for
    /// [`NoteVerifier::from_verifier_key`] and golang.org/x/mod/sumdb/note.
    pub fn verifier_key(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(&self.public_key());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(key)
        )
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The signed note for `cp`: its body, a blank line and one signature line.
    pub fn sign(&self, cp: &Checkpoint) -> String {
        self.sign_text(&cp.body())
    }

    /// Signs arbitrary note text (which must end in a newline to form a valid note).
    pub fn sign_text(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes()).to_bytes();
        let mut blob = self.key_id.to_vec();
        blob.extend_from_slice(&signature);
        format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        )
    }
}

/// Verifies signed notes against one named Ed25519 key.
#[derive(Clone, Debug)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key `"<name>+<hex key id>+<base64(0x01 || public key)>"`.
    pub fn from_verifier_key(vkey: &str) -> Result<Self, NoteError> {
        let malformed = NoteError::MalformedVerifierKey;
        // The name and the key id contain no '+'; the base64 key may.
        let (name, rest) = vkey
            .split_once('+')
            .ok_or(malformed("expected name+keyid+key"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(malformed("expected name+keyid+key"))?;
        check_name(name)?;
        let claimed_id: [u8; 4] = (id_hex.len() == 8)
            .then(|| hex::decode(id_hex).ok())
            .flatten()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(malformed("key id must be 8 hex digits"))?;
        let key = BASE64
            .decode(key_b64)
            .map_err(|_| malformed("key is not valid base64"))?;
        let (&alg, public) = key.split_first().ok_or(malformed("key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| malformed("Ed25519 public key must be 32 bytes"))?;
        if key_id(name, &public) != claimed_id {
            return Err(NoteError::KeyIdMismatch);
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: claimed_id,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Verifies `note` and parses its body as a checkpoint. The note must be well formed and
    /// carry at least one signature line from this key, and every signature line from this key
    /// must verify; signatures by other keys are ignored. The checkpoint origin is not compared
    /// with the key name: callers that pin an origin must check it.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, NoteError> {
        Checkpoint::parse_body(self.open(note)?)
    }

    /// Verifies a signed note of any body (a patch release statement):
    /// the framing and this key's signatures; returns the signed text.
    pub fn verify_text<'n>(&self, note: &'n str) -> Result<&'n str, NoteError> {
        self.open(note)
    }

    /// Checks the signed-note framing and this key's signatures; returns the signed text.
    fn open<'n>(&self, note: &'n str) -> Result<&'n str, NoteError> {
        let malformed = NoteError::MalformedNote;
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(malformed("contains a control character"));
        }
        let split = note
            .rfind("\n\n")
            .ok_or(malformed("no blank line before signatures"))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        let signatures = signatures.strip_suffix('\n').ok_or(malformed(
            "signature block must be lines ending in a newline",
        ))?;
        if signatures.split('\n').count() > MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let mut verified = false;
        for line in signatures.split('\n') {
            let line = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(malformed("signature line must start with an em dash"))?;
            let (name, sig_b64) = line
                .split_once(' ')
                .ok_or(malformed("signature line needs a name and a signature"))?;
            check_name(name).map_err(|_| malformed("invalid key name in signature line"))?;
            let blob = BASE64
                .decode(sig_b64)
                .map_err(|_| malformed("signature is not valid base64"))?;
            if blob.len() < 5 {
                return Err(malformed("signature is too short"));
            }
            let (id, signature) = blob.split_at(4);
            if name != self.name || id != self.key_id {
                continue;
            }
            let invalid = || {
                NoteError::InvalidSignature(format!("{}+{}", self.name, hex::encode(self.key_id)))
            };
            let signature: [u8; 64] = signature.try_into().map_err(|_| invalid())?;
            self.key
                .verify_strict(text.as_bytes(), &Signature::from_bytes(&signature))
                .map_err(|_| invalid())?;
            verified = true;
        }
        if !verified {
            return Err(NoteError::NoSignature(format!(
                "{}+{}",
                self.name,
                hex::encode(self.key_id)
            )));
        }
        Ok(text)
    }
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
