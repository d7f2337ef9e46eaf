//! Envelope encryption of proof-of-concept artifacts (exploit code, crash
//! inputs) at rest: each artifact under a fresh AES-256-GCM data key, that key
//! wrapped by a key-encryption key ([`Kek`]) kept outside the database.
//!
//! The data key is wrapped with AES-256-GCM too, not AES-KW (RFC 3394): one
//! primitive and one crate for both layers, and GCM authenticates the KEK id
//! as associated data of the wrap, which AES-KW cannot. A random 96-bit wrap
//! nonce is safe far beyond the number of artifacts one KEK will ever wrap
//! (NIST SP 800-38D allows 2^32 random nonces per key).
//!
//! Getting random bytes (`getrandom`, the OS generator) is the one outside
//! call here. It is not IO in the architecture's sense: no files, network or
//! database, nothing a test must fake, and the result is never observable
//! except through the ciphertext.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

mod format;
#[cfg(test)]
mod tests;

/// Bytes of a data key, a KEK and a GCM nonce.
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// A wrapped data key: wrap nonce, encrypted key, tag.
pub const WRAPPED_KEY_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;
/// Domain separation for the wrap's associated data (followed by the KEK id).
const WRAP_AAD_PREFIX: &[u8] = b"clearinghouse envelope v1 data key for KEK ";

/// A key-encryption key. Its bytes are wiped on drop and never printed.
#[derive(Clone)]
pub struct Kek {
    key: Zeroizing<[u8; KEY_LEN]>,
    id: String,
}

impl Kek {
    /// A KEK from its 32 bytes; its id is the hex of the first 8 bytes of
    /// SHA-256 of the key (16 characters), stored beside each artifact.
    pub fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        let digest = Sha256::digest(key);
        let id = hex::encode(&digest[..8]);
        Self {
            key: Zeroizing::new(key),
            id,
        }
    }

    /// A KEK from a slice that must be exactly 32 bytes long.
    pub fn from_slice(key: &[u8]) -> Result<Self, EnvelopeError> {
        let key: [u8; KEY_LEN] = key
            .try_into()
            .map_err(|_| EnvelopeError::KekLength { found: key.len() })?;
        Ok(Self::from_bytes(key))
    }

    /// `hex(SHA-256(key)[..8])`.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(*self.key))
    }
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// One encrypted artifact, as stored (see [`Sealed::to_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The id of the KEK that wrapped the data key ([`Kek::id`]).
    pub kek_id: String,
    /// Wrap nonce (12 bytes) ‖ encrypted data key (32) ‖ tag (16).
    pub wrapped_key: Vec<u8>,
    /// The nonce of the artifact's encryption under the data key.
    pub nonce: [u8; NONCE_LEN],
    /// The artifact encrypted under the data key, tag (16 bytes) at the end.
    pub ciphertext: Vec<u8>,
}

/// Why an artifact cannot be opened (or, for [`try_seal`], sealed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("a key-encryption key must be 32 bytes, found {found}")]
    KekLength { found: usize },
    #[error("sealed with key-encryption key {sealed_with}, not with {given}")]
    WrongKek { sealed_with: String, given: String },
    #[error("the wrapped data key does not authenticate under this key-encryption key")]
    Unwrap,
    #[error("the artifact does not authenticate: tampered, or bound to another record")]
    Decrypt,
    #[error("sealed artifact truncated: no room for its {0}")]
    Truncated(&'static str),
    #[error("malformed sealed artifact: {0}")]
    Malformed(&'static str),
    #[error("the operating system's random source failed")]
    Random,
    #[error("artifact too large for AES-GCM (64 GiB at most)")]
    TooLarge,
}

/// Encrypts `plaintext` under a fresh data key wrapped by `kek`. `aad` (the
/// artifact's record id) is authenticated, not stored: [`open`] needs it again.
///
/// # Panics
/// If the operating system has no random source, or `plaintext` exceeds
/// AES-GCM's 64 GiB limit; [`try_seal`] returns these as errors.
pub fn seal(kek: &Kek, plaintext: &[u8], aad: &[u8]) -> Sealed {
    match try_seal(kek, plaintext, aad) {
        Ok(sealed) => sealed,
        Err(e) => panic!("envelope::seal: {e}"),
    }
}

/// [`seal`] returning the random source's failure or an oversized plaintext
/// as an error.
pub fn try_seal(kek: &Kek, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, EnvelopeError> {
    let data_key = Zeroizing::new(random::<KEY_LEN>()?);
    let nonce = random::<NONCE_LEN>()?;
    let ciphertext = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*data_key))
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| EnvelopeError::TooLarge)?;

    let wrap_nonce = random::<NONCE_LEN>()?;
    let wrap_aad = wrap_aad(kek.id());
    let encrypted_key = kek
        .cipher()
        .encrypt(
            &Nonce::from(wrap_nonce),
            Payload {
                msg: data_key.as_slice(),
                aad: &wrap_aad,
            },
        )
        .map_err(|_| EnvelopeError::TooLarge)?;
    let mut wrapped_key = Vec::with_capacity(WRAPPED_KEY_LEN);
    wrapped_key.extend_from_slice(&wrap_nonce);
    wrapped_key.extend_from_slice(&encrypted_key);

    Ok(Sealed {
        kek_id: kek.id().to_owned(),
        wrapped_key,
        nonce,
        ciphertext,
    })
}

/// Decrypts a sealed artifact with the KEK that sealed it and the same `aad`.
pub fn open(kek: &Kek, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    if sealed.kek_id != kek.id() {
        return Err(EnvelopeError::WrongKek {
            sealed_with: sealed.kek_id.clone(),
            given: kek.id().to_owned(),
        });
    }
    if sealed.wrapped_key.len() != WRAPPED_KEY_LEN {
        return Err(EnvelopeError::Malformed("wrapped key must be 60 bytes"));
    }
    let (wrap_nonce, encrypted_key) = sealed.wrapped_key.split_at(NONCE_LEN);
    let wrap_nonce: [u8; NONCE_LEN] = wrap_nonce
        .try_into()
        .map_err(|_| EnvelopeError::Malformed("wrap nonce"))?;
    let wrap_aad = wrap_aad(kek.id());
    let data_key = Zeroizing::new(
        kek.cipher()
            .decrypt(
                &Nonce::from(wrap_nonce),
                Payload {
                    msg: encrypted_key,
                    aad: &wrap_aad,
                },
            )
            .map_err(|_| EnvelopeError::Unwrap)?,
    );
    let data_key: [u8; KEY_LEN] = data_key
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::Unwrap)?;
    let data_key = Zeroizing::new(data_key);
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(*data_key))
        .decrypt(
            &Nonce::from(sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad,
            },
        )
        .map_err(|_| EnvelopeError::Decrypt)
}

fn wrap_aad(kek_id: &str) -> Vec<u8> {
    [WRAP_AAD_PREFIX, kek_id.as_bytes()].concat()
}

fn random<const N: usize>() -> Result<[u8; N], EnvelopeError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| EnvelopeError::Random)?;
    Ok(bytes)
}
