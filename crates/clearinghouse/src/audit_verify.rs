//! Verifying the audit log from scratch, wherever its entries come from (a
//! server's API or a database read offline): entries must be dense and in
//! order, each stored leaf hash must match its entry, every signed
//! checkpoint must match the recomputed tree, and an earlier checkpoint must
//! be a prefix of the log now.

use clearinghouse_domain::audit::checkpoint::{Checkpoint, NoteVerifier};
use clearinghouse_domain::audit::merkle::{self, MerkleTree};
use serde::Serialize;

/// Why verification failed. `first_bad_index` names the first entry known
/// to be wrong; for a checkpoint mismatch it is the lowest index that could
/// be (the size of the last checkpoint that still matched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum VerifyError {
    #[error("entry {expected} is missing or out of order (found index {found})")]
    Gap { expected: u64, found: i64 },
    #[error("entry {index} was altered: its text does not hash to the stored leaf hash")]
    LeafMismatch { index: u64 },
    #[error(
        "the signed checkpoint of size {size} does not match the entries: an entry at index {first_bad_index} or later (below {size}) was altered"
    )]
    CheckpointMismatch { size: u64, first_bad_index: u64 },
    #[error(
        "the checkpoint of size {size} claims more entries than the log holds ({have}): entries were deleted"
    )]
    Truncated { size: u64, have: u64 },
    #[error("a checkpoint's signature does not verify: {0}")]
    BadSignature(String),
    #[error(
        "the earlier checkpoint (size {old_size}) is not a prefix of the log now: history was rewritten"
    )]
    NotAnExtension { old_size: u64 },
}

#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub root_hash: String,
    pub checkpoints_checked: u64,
    pub earlier_checkpoint_size: Option<u64>,
}

/// Feeds entries in order and then checks checkpoints.
pub struct Verifier {
    tree: MerkleTree,
    verifier: NoteVerifier,
    last_good_checkpoint: u64,
    checkpoints_checked: u64,
}

impl Verifier {
    pub fn new(verifier: NoteVerifier) -> Verifier {
        Verifier {
            tree: MerkleTree::new(),
            verifier,
            last_good_checkpoint: 0,
            checkpoints_checked: 0,
        }
    }

    /// Adds the next entry; `stored_leaf_hex` is the leaf hash the source
    /// holds for it.
    pub fn push(
        &mut self,
        index: i64,
        entry: &str,
        stored_leaf_hex: &str,
    ) -> Result<(), VerifyError> {
        let expected = self.tree.len();
        if index != expected as i64 {
            return Err(VerifyError::Gap {
                expected,
                found: index,
            });
        }
        let leaf = merkle::leaf_hash(entry.as_bytes());
        if hex::encode(leaf) != stored_leaf_hex {
            return Err(VerifyError::LeafMismatch { index: expected });
        }
        self.tree.push(leaf);
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    fn open(&self, note: &str) -> Result<Checkpoint, VerifyError> {
        self.verifier
            .verify(note)
            .map_err(|e| VerifyError::BadSignature(e.to_string()))
    }

    /// Checks one signed checkpoint against the recomputed tree. Call in
    /// increasing size order to localise a mismatch.
    pub fn check_checkpoint(&mut self, note: &str) -> Result<Checkpoint, VerifyError> {
        let cp = self.open(note)?;
        let have = self.tree.len();
        let Some(root) = self.tree.root_at(cp.size) else {
            return Err(VerifyError::Truncated {
                size: cp.size,
                have,
            });
        };
        if root != cp.root {
            return Err(VerifyError::CheckpointMismatch {
                size: cp.size,
                first_bad_index: self.last_good_checkpoint,
            });
        }
        self.last_good_checkpoint = self.last_good_checkpoint.max(cp.size);
        self.checkpoints_checked += 1;
        Ok(cp)
    }

    /// Checks that an earlier checkpoint is a prefix of the log now, with a
    /// consistency proof computed from the recomputed tree and verified.
    pub fn check_earlier(&mut self, note: &str) -> Result<Checkpoint, VerifyError> {
        let cp = self.open(note)?;
        let now = self.tree.len();
        let now_root = self.tree.root();
        let proof =
            self.tree
                .consistency_proof(cp.size, now)
                .map_err(|_| VerifyError::Truncated {
                    size: cp.size,
                    have: now,
                })?;
        merkle::verify_consistency(cp.size, now, &cp.root, &now_root, &proof)
            .map_err(|_| VerifyError::NotAnExtension { old_size: cp.size })?;
        self.checkpoints_checked += 1;
        Ok(cp)
    }

    pub fn report(&self, earlier: Option<u64>) -> VerifyReport {
        VerifyReport {
            entries: self.tree.len(),
            root_hash: hex::encode(self.tree.root()),
            checkpoints_checked: self.checkpoints_checked,
            earlier_checkpoint_size: earlier,
        }
    }
}
