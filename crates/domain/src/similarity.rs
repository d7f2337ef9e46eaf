//! Near-duplicate detection of vulnerability findings across reporters: the
//! same bug described in other words, or found by another tool, shown to a
//! person as "possible duplicate of X, similarity 0.93".
//!
//! A finding's text (and code snippet, when it has one) is normalised into a
//! set of shingles ([`normalise`]); a [`Signature`] is its MinHash over
//! [`NUM_PERM`] permutations, whose slot-wise agreement estimates the Jaccard
//! similarity of two shingle sets; [`band_keys`] cut a signature into
//! [`BANDS`] bands of [`ROWS`] slots (LSH), so that near-duplicates share a
//! key with high probability and can be found with
//! `WHERE band_key IN (...)` instead of comparing every pair; [`LshIndex`]
//! does the same in memory.
//!
//! Hand-written, not on gaoya 0.2: gaoya draws its permutations from
//! `rand::StdRng`, whose output rand does not promise to keep across
//! versions, and keys its band tables with a per-process random `ahash`, so
//! neither signatures nor band keys could be stored; it also brings rayon,
//! rand, an old-generation sha-1 and an alpha smallvec. What is needed here
//! is about a hundred lines over a fixed, documented hash.
//!
//! Stability: everything below (normalisation, the 64-bit hash, the
//! permutation seeds, the band key hash) is fixed by [`SIGNATURE_VERSION`];
//! changing any of it must bump the version, and stored signatures and band
//! keys of an older version must be recomputed.

use std::collections::{HashMap, HashSet};

mod normalise;
pub use normalise::normalise;

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

/// MinHash permutations in a signature.
pub const NUM_PERM: usize = 128;
/// LSH bands; `BANDS * ROWS == NUM_PERM`. A pair with Jaccard `s` shares at
/// least one band key with probability `1 - (1 - s^ROWS)^BANDS`: 0.87 at
/// 0.5, 0.99 at 0.6, 0.23 at 0.3, 0.05 at 0.2 (threshold about 0.42).
pub const BANDS: usize = 32;
/// Signature slots per band.
pub const ROWS: usize = 4;
/// The first byte of [`Signature::to_bytes`].
pub const SIGNATURE_VERSION: u8 = 1;
/// Length of [`Signature::to_bytes`]: the version and `NUM_PERM` u32 (LE).
pub const SIGNATURE_BYTES: usize = 1 + 4 * NUM_PERM;
/// Fixed seed of the permutations (an arbitrary constant; never change it
/// without bumping [`SIGNATURE_VERSION`]).
const SEED: u64 = 0x636c_6561_7268_6f75; // "clearhou"

const _: () = assert!(BANDS * ROWS == NUM_PERM);

/// A MinHash signature: for each permutation, the smallest permuted shingle
/// hash (its high 32 bits). A finding with no shingles has every slot at
/// `u32::MAX` ([`Signature::is_empty`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature([u32; NUM_PERM]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({:08x}..)", self.0[0])
    }
}

/// Why stored signature bytes cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("a signature is {SIGNATURE_BYTES} bytes, found {0}")]
    Length(usize),
    #[error("signature version {0} is not {SIGNATURE_VERSION}: recompute it from the finding")]
    Version(u8),
}

/// The signature of a finding's text (title and description) and optional
/// code snippet. Deterministic across processes, platforms and releases of
/// the same [`SIGNATURE_VERSION`].
pub fn signature(text: &str, code: Option<&str>) -> Signature {
    let mut hashes: Vec<u64> = normalise::shingles(text, code)
        .iter()
        .map(|s| hash64(s.as_bytes()))
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut mins = [u64::MAX; NUM_PERM];
    for (slot, seed) in mins.iter_mut().zip(perm_seeds()) {
        for &h in &hashes {
            *slot = (*slot).min(fmix64(h ^ seed));
        }
    }
    Signature(mins.map(|m| (m >> 32) as u32))
}

impl Signature {
    /// The estimated Jaccard similarity of the two shingle sets: the share of
    /// slots that agree, in `[0, 1]` (standard error at most 0.045).
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f64 / NUM_PERM as f64
    }

    /// True for the signature of a finding with no shingles at all.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&m| m == u32::MAX)
    }

    /// `SIGNATURE_VERSION` then the slots as little-endian u32
    /// ([`SIGNATURE_BYTES`] bytes), for a BLOB column (or hex).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIGNATURE_BYTES);
        out.push(SIGNATURE_VERSION);
        for m in self.0 {
            out.extend_from_slice(&m.to_le_bytes());
        }
        out
    }

    /// Reads [`Signature::to_bytes`]; another version is an error, since its
    /// slots are not comparable with this version's.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        if bytes.len() != SIGNATURE_BYTES {
            return Err(SignatureError::Length(bytes.len()));
        }
        if bytes[0] != SIGNATURE_VERSION {
            return Err(SignatureError::Version(bytes[0]));
        }
        let mut slots = [0u32; NUM_PERM];
        for (slot, chunk) in slots.iter_mut().zip(bytes[1..].chunks_exact(4)) {
            *slot = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Ok(Self(slots))
    }
}

/// The [`BANDS`] LSH keys of a signature, one per band, each below 2^63 so
/// that it fits a signed 64-bit SQL integer (`key as i64` is lossless). The
/// band's index is part of its key, so equal slots in different bands never
/// collide. An empty signature has no keys: it is nobody's duplicate.
pub fn band_keys(sig: &Signature) -> Vec<u64> {
    if sig.is_empty() {
        return Vec::new();
    }
    sig.0
        .chunks_exact(ROWS)
        .enumerate()
        .map(|(band, rows)| {
            let mut bytes = Vec::with_capacity(1 + 4 * ROWS);
            bytes.push(band as u8);
            for r in rows {
                bytes.extend_from_slice(&r.to_le_bytes());
            }
            hash64(&bytes) >> 1
        })
        .collect()
}

/// An in-memory LSH index: ids by band key. The database does the same with
/// a `(band_key, finding_id)` table filled from [`band_keys`].
#[derive(Debug, Default, Clone)]
pub struct LshIndex {
    buckets: HashMap<u64, Vec<u64>>,
    ids: HashSet<u64>,
}

impl LshIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `id` under each of its band keys (again for the same id is harmless).
    pub fn insert(&mut self, id: u64, sig: &Signature) {
        self.ids.insert(id);
        for key in band_keys(sig) {
            let ids = self.buckets.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    /// Ids sharing at least one band key with `sig`, ascending, each once.
    /// Candidates, not verdicts: rank them with [`Signature::similarity`].
    pub fn candidates(&self, sig: &Signature) -> Vec<u64> {
        let mut out: Vec<u64> = band_keys(sig)
            .iter()
            .filter_map(|k| self.buckets.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Number of distinct ids inserted.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The probability that a pair with Jaccard similarity `s` shares a band key.
pub fn candidate_probability(s: f64) -> f64 {
    1.0 - (1.0 - s.powi(ROWS as i32)).powi(BANDS as i32)
}

/// FNV-1a (64-bit) finished with [`fmix64`]: fixed, documented, and the same
/// on every platform, unlike `std`'s `DefaultHasher`.
fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fmix64(h)
}

/// MurmurHash3's 64-bit finaliser: a bijection on u64, so `x ↦ fmix64(x ^ seed)`
/// is a permutation of the hash space for each seed.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// The permutations' seeds: SplitMix64 from [`SEED`].
fn perm_seeds() -> impl Iterator<Item = u64> {
    let mut state = SEED;
    std::iter::repeat_with(move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
    .take(NUM_PERM)
}
