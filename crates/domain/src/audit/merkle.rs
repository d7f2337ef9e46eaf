//! RFC 6962 / RFC 9162 Merkle tree for the audit log: leaf and node hashing, an append-only
//! in-memory tree of leaf hashes with cached complete subtrees, inclusion and consistency proofs
//! against any earlier tree size, and the RFC 9162 verification algorithms.
//!
//! Why this is written by hand: the audit service keeps an append-only in-memory cache of leaf
//! hashes that it loads from the database, and it must answer `root_at(size)` and produce
//! inclusion and consistency proofs against *any* earlier size (the size of whichever checkpoint
//! a client holds), in O(log n) hash operations. The `ct-merkle` crate does not fit that shape:
//! its memory-backed tree owns the leaf values themselves rather than already-computed leaf
//! hashes, and proves against its current size; its index helpers would still leave node
//! storage and historical roots to us. The RFC algorithms are short, and they are pinned here by
//! the published RFC 6962 test vectors (`merkle_tests.rs`) and exhaustive property tests
//! (`merkle_props.rs`).
//!
//! Storage layout: `levels[0]` holds the leaf hashes, and `levels[l][i]` holds the hash of the
//! complete subtree of `2^l` leaves starting at leaf `i * 2^l`. Only complete subtrees are
//! cached, so the tree costs about 2 x 32 bytes per leaf and never needs rewriting on append.
//! The hash of any RFC 6962 subtree `D[start..start + n]` is then at most O(log n) hash
//! operations away: its left part is a cached complete subtree and only the ragged right edge is
//! recomputed.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Leaf hash of RFC 6962 section 2.1: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// Interior node hash of RFC 6962 section 2.1: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Why a proof could not be produced or did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not inside the tree of the given size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// The requested tree size is larger than the tree holds.
    #[error("tree size {size} is out of range: the tree holds {len} leaves")]
    SizeOutOfRange { size: u64, len: u64 },
    /// A consistency proof was asked for from a larger size to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder { old_size: u64, new_size: u64 },
    /// The proof does not have the number of hashes the sizes call for.
    #[error("proof has {actual} hashes, expected {expected}")]
    WrongProofLength { expected: usize, actual: usize },
    /// The root recomputed from the proof is not the expected (new) root.
    #[error("recomputed root does not match the expected root")]
    RootMismatch,
    /// The old root recomputed from a consistency proof is not the expected old root.
    #[error("recomputed old root does not match the expected old root")]
    OldRootMismatch,
}

/// Append-only RFC 6962 Merkle tree over leaf hashes (see the module docs for the layout).
#[derive(Clone, Debug, Default)]
pub struct MerkleTree {
    /// `levels[l][i]` is the hash of the complete subtree of `2^l` leaves starting at
    /// leaf `i << l`; `levels[0]` are the leaf hashes themselves.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one leaf hash (already computed with [`leaf_hash`]) and caches every complete
    /// subtree it closes: amortised O(1) hash operations, at most O(log n).
    pub fn push(&mut self, leaf: Hash) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            if !nodes.len().is_multiple_of(2) {
                return;
            }
            hash = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash at `index`, if the tree holds it.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        let index = usize::try_from(index).ok()?;
        self.levels.first()?.get(index).copied()
    }

    /// Root of the tree at its current size ([`empty_root`] when empty).
    pub fn root(&self) -> Hash {
        self.root_at(self.len()).unwrap_or_else(empty_root)
    }

    /// Root of the tree as it was when it held `size` leaves: RFC 6962 `MTH(D[0:size])`.
    /// `None` if `size` is larger than the tree.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            s if s > self.len() => None,
            s => Some(self.subtree(0, s)),
        }
    }

    /// Inclusion proof for leaf `index` in the tree of `size` leaves: RFC 6962 `PATH(m, D[n])`,
    /// ordered from the leaf upwards.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Ok(proof)
    }

    /// Consistency proof from the tree of `old_size` leaves to the tree of `new_size` leaves:
    /// RFC 6962 `PROOF(m, D[n])`. Empty when `old_size` is 0 or equals `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(ProofError::SizesOutOfOrder { old_size, new_size });
        }
        let mut proof = Vec::new();
        if old_size > 0 && old_size < new_size {
            self.subproof(old_size, 0, new_size, true, &mut proof);
        }
        Ok(proof)
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        let len = self.len();
        if size > len {
            return Err(ProofError::SizeOutOfRange { size, len });
        }
        Ok(())
    }

    /// `MTH(D[start..start + n])` for `n >= 1` inside the tree. Every range reached from the
    /// RFC recursion starts at a multiple of the largest power of two below its length, so the
    /// left part is always a cached complete subtree.
    fn subtree(&self, start: u64, n: u64) -> Hash {
        if n.is_power_of_two() {
            return self.cached(start, n);
        }
        let k = split_point(n);
        node_hash(&self.cached(start, k), &self.subtree(start + k, n - k))
    }

    /// The cached complete subtree of `n = 2^l` leaves starting at `start` (a multiple of `n`).
    /// Callers only ask for subtrees inside the tree, which are always cached.
    fn cached(&self, start: u64, n: u64) -> Hash {
        let level = n.trailing_zeros() as usize;
        // Leaf positions fit in usize: the tree holds them all in memory.
        self.levels[level][(start >> level) as usize]
    }

    /// RFC 6962 `PATH(m, D[start..start + n])`, appended leaf-first.
    fn path(&self, m: u64, start: u64, n: u64, proof: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, k, proof);
            proof.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, proof);
            proof.push(self.cached(start, k));
        }
    }

    /// RFC 6962 `SUBPROOF(m, D[start..start + n], b)`, appended in RFC order.
    fn subproof(&self, m: u64, start: u64, n: u64, complete: bool, proof: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                proof.push(self.subtree(start, n));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, k, complete, proof);
            proof.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, proof);
            proof.push(self.cached(start, k));
        }
    }
}

/// The largest power of two strictly smaller than `n` (for `n >= 2`).
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Number of hashes in the inclusion proof for leaf `index` in a tree of `size` leaves
/// (`index < size`): the levels where the paths to `index` and to the last leaf differ,
/// plus one for each left sibling above them.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// Verifies an inclusion proof with the algorithm of RFC 9162 section 2.1.3.2.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    let mut r = *leaf;
    walk_path(
        (index, size - 1),
        proof,
        expected,
        proof.len(),
        |p, side| {
            r = match side {
                Side::Left => node_hash(p, &r),
                Side::Right => node_hash(&r, p),
            };
        },
    )?;
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof with the algorithm of RFC 9162 section 2.1.4.2.
///
/// Equal sizes need an empty proof and equal roots; an old size of 0 needs an empty proof and
/// `old_root` equal to [`empty_root`] (any tree extends the empty tree).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                expected: 0,
                actual: proof.len(),
            });
        }
        if old_size == 0 && *old_root != empty_root() {
            return Err(ProofError::OldRootMismatch);
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // Expected length: the old tree's rightmost complete subtree acts as the "leaf"; its
    // inclusion path in the new tree follows, preceded by the seed hash unless the old tree is
    // itself a complete subtree (size a power of two), in which case the seed is `old_root`.
    let shift = old_size.trailing_zeros();
    let seeded = old_size.is_power_of_two();
    let expected = usize::from(!seeded)
        + inclusion_proof_len((old_size - 1) >> shift, ((new_size - 1) >> shift) + 1);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    let (seed, rest) = match (seeded, proof.split_first()) {
        (true, _) => (*old_root, proof),
        (false, Some((first, rest))) => (*first, rest),
        (false, None) => {
            return Err(ProofError::WrongProofLength {
                expected,
                actual: 0,
            });
        }
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    walk_path(
        (fnode, snode),
        rest,
        expected,
        proof.len(),
        |c, side| match side {
            Side::Left => {
                fr = node_hash(c, &fr);
                sr = node_hash(c, &sr);
            }
            Side::Right => sr = node_hash(&sr, c),
        },
    )?;
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Which side of the running hash a proof hash stands on.
enum Side {
    Left,
    Right,
}

/// The path walk shared by the RFC 9162 verifiers of inclusion (section 2.1.3.2) and
/// consistency (section 2.1.4.2): `fnode` and `snode` start at the node being proved and at the
/// tree's last node; for each hash of `path`, `step` is told on which side it stands, and the
/// walk must end exactly at the root. A path too long or too short is `WrongProofLength` with
/// `expected` and `actual` (the whole proof's length). Used by [`verify_inclusion`] and
/// [`verify_consistency`].
fn walk_path(
    (mut fnode, mut snode): (u64, u64),
    path: &[Hash],
    expected: usize,
    actual: usize,
    mut step: impl FnMut(&Hash, Side),
) -> Result<(), ProofError> {
    for hash in path {
        if snode == 0 {
            return Err(ProofError::WrongProofLength { expected, actual });
        }
        if fnode & 1 == 1 || fnode == snode {
            step(hash, Side::Left);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            step(hash, Side::Right);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongProofLength { expected, actual });
    }
    Ok(())
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "merkle_props.rs"]
mod props;
