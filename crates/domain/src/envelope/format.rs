//! The stored form of a [`Sealed`] artifact: a versioned binary layout in
//! which every field's length is written and checked.
//!
//! ```text
//! "CHEV" | version 1 (u8)
//! kek id length (u8)      | kek id (ASCII hex)
//! wrapped key length (u16 BE, = 60) | wrapped key
//! nonce (12 bytes)
//! ciphertext length (u64 BE, >= 16) | ciphertext (to the end, nothing after)
//! ```

use super::{EnvelopeError, NONCE_LEN, Sealed, TAG_LEN, WRAPPED_KEY_LEN};

const MAGIC: &[u8; 4] = b"CHEV";
const VERSION: u8 = 1;

impl Sealed {
    /// The stored bytes (see the module documentation for the layout).
    ///
    /// # Panics
    /// If `kek_id` is longer than 255 bytes or `wrapped_key` than 65,535,
    /// which [`super::seal`] never produces.
    pub fn to_bytes(&self) -> Vec<u8> {
        let id_len = u8::try_from(self.kek_id.len()).expect("kek id of at most 255 bytes");
        let key_len = u16::try_from(self.wrapped_key.len()).expect("wrapped key under 64 KiB");
        let mut out = Vec::with_capacity(
            MAGIC.len()
                + 4
                + self.kek_id.len()
                + self.wrapped_key.len()
                + NONCE_LEN
                + 8
                + self.ciphertext.len(),
        );
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(id_len);
        out.extend_from_slice(self.kek_id.as_bytes());
        out.extend_from_slice(&key_len.to_be_bytes());
        out.extend_from_slice(&self.wrapped_key);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&(self.ciphertext.len() as u64).to_be_bytes());
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Reads [`Sealed::to_bytes`]' layout; every length is checked, nothing
    /// may follow the ciphertext, and no input makes it panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(EnvelopeError::Malformed("not a sealed artifact (magic)"));
        }
        if r.take(1, "version")?[0] != VERSION {
            return Err(EnvelopeError::Malformed("unknown version"));
        }
        let id_len = usize::from(r.take(1, "kek id length")?[0]);
        let kek_id = r.take(id_len, "kek id")?;
        if kek_id.is_empty() || !kek_id.iter().all(u8::is_ascii_hexdigit) {
            return Err(EnvelopeError::Malformed("kek id must be hex"));
        }
        let kek_id = String::from_utf8_lossy(kek_id).into_owned();
        let key_len = r.take(2, "wrapped key length")?;
        let key_len = usize::from(u16::from_be_bytes([key_len[0], key_len[1]]));
        if key_len != WRAPPED_KEY_LEN {
            return Err(EnvelopeError::Malformed("wrapped key must be 60 bytes"));
        }
        let wrapped_key = r.take(key_len, "wrapped key")?.to_vec();
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(r.take(NONCE_LEN, "nonce")?);
        let mut ct_len = [0u8; 8];
        ct_len.copy_from_slice(r.take(8, "ciphertext length")?);
        let ct_len = u64::from_be_bytes(ct_len);
        if ct_len < TAG_LEN as u64 {
            return Err(EnvelopeError::Malformed("ciphertext shorter than its tag"));
        }
        if ct_len > r.0.len() as u64 {
            return Err(EnvelopeError::Truncated("ciphertext"));
        }
        if ct_len < r.0.len() as u64 {
            return Err(EnvelopeError::Malformed("bytes after the ciphertext"));
        }
        let ciphertext = r.0.to_vec();
        Ok(Self {
            kek_id,
            wrapped_key,
            nonce,
            ciphertext,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], EnvelopeError> {
        if self.0.len() < n {
            return Err(EnvelopeError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
}
