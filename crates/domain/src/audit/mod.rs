//! The tamper-evident audit log: RFC 6962 Merkle tree, proofs and signed checkpoints.
//!
//! `merkle` owns hashing, the append-only tree, proof generation and verification;
//! `checkpoint` owns C2SP tlog checkpoints and their Ed25519 signed-note encoding.

pub mod checkpoint;
pub mod merkle;

pub use checkpoint::{Checkpoint, NoteError, NoteSigner, NoteVerifier};
pub use merkle::{
    Hash, MerkleTree, ProofError, empty_root, leaf_hash, node_hash, verify_consistency,
    verify_inclusion,
};
