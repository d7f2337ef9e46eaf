//! Tests for the RFC 6962 Merkle tree against the published test vectors, and edge cases.
//!
//! Vectors: the 8 leaves, subtree hashes and roots of Trillian's `merkle/testonly/constants.go`
//! (github.com/google/trillian, `LeafInputs`, `NodeHashes`, `RootHashes`), and the inclusion and
//! consistency proofs of Trillian's `merkle/logverifier/log_verifier_test.go`
//! (`inclusionProofs`, `consistencyProofs`; sizes and leaf numbers there are 1-based). The same
//! vectors are used by certificate-transparency-go and transparency-dev/merkle.

use super::*;

fn h(hex_str: &str) -> Hash {
    let bytes = hex::decode(hex_str).expect("test vector is hex");
    bytes.try_into().expect("test vector is 32 bytes")
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `RootHashes()[1..=8]`: roots of the trees of size 1..=8.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `NodeHashes()[0]`: the leaf hashes of `LEAVES`.
const LEAF_HASHES: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];

/// `(0-based index, size, proof)` from Trillian's `inclusionProofs`.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `(old size, new size, proof)` from Trillian's `consistencyProofs`.
const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

fn vector_tree() -> MerkleTree {
    let mut tree = MerkleTree::new();
    for leaf in LEAVES {
        tree.push(leaf_hash(&hex::decode(leaf).expect("hex")));
    }
    tree
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

fn root(size: u64) -> Hash {
    if size == 0 {
        empty_root()
    } else {
        h(ROOTS[size as usize - 1])
    }
}

#[test]
fn empty_tree() {
    let tree = MerkleTree::new();
    assert!(tree.is_empty());
    assert_eq!(tree.len(), 0);
    assert_eq!(
        tree.root(),
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(tree.root_at(0), Some(empty_root()));
    assert_eq!(tree.root_at(1), None);
    assert_eq!(tree.leaf(0), None);
    assert_eq!(
        tree.inclusion_proof(0, 0),
        Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(tree.consistency_proof(0, 0), Ok(vec![]));
}

#[test]
fn leaf_hashes_and_roots_match_vectors() {
    let tree = vector_tree();
    for (i, expected) in LEAF_HASHES.iter().enumerate() {
        assert_eq!(tree.leaf(i as u64), Some(h(expected)), "leaf {i}");
    }
    for size in 0..=8 {
        assert_eq!(tree.root_at(size), Some(root(size)), "root at {size}");
    }
    assert_eq!(tree.root(), root(8));
    assert_eq!(tree.root_at(9), None);
    // Interior complete-subtree hashes from NodeHashes().
    assert_eq!(
        node_hash(&h(LEAF_HASHES[0]), &h(LEAF_HASHES[1])),
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")
    );
}

#[test]
fn inclusion_proofs_match_vectors() {
    let tree = vector_tree();
    for (index, size, proof) in INCLUSION {
        let expected = hashes(proof);
        assert_eq!(
            tree.inclusion_proof(index, size),
            Ok(expected.clone()),
            "{index}/{size}"
        );
        let leaf = h(LEAF_HASHES[index as usize]);
        assert_eq!(
            verify_inclusion(&leaf, index, size, &expected, &root(size)),
            Ok(())
        );
        assert!(verify_inclusion(&leaf, index, size, &expected, &root(size - 1)).is_err());
    }
}

#[test]
fn consistency_proofs_match_vectors() {
    let tree = vector_tree();
    for (old, new, proof) in CONSISTENCY {
        let expected = hashes(proof);
        assert_eq!(
            tree.consistency_proof(old, new),
            Ok(expected.clone()),
            "{old}->{new}"
        );
        assert_eq!(
            verify_consistency(old, new, &root(old), &root(new), &expected),
            Ok(())
        );
    }
}

#[test]
fn proof_requests_out_of_range_are_errors() {
    let tree = vector_tree();
    assert_eq!(
        tree.inclusion_proof(0, 9),
        Err(ProofError::SizeOutOfRange { size: 9, len: 8 })
    );
    assert_eq!(
        tree.inclusion_proof(3, 3),
        Err(ProofError::IndexOutOfRange { index: 3, size: 3 })
    );
    assert_eq!(
        tree.consistency_proof(5, 4),
        Err(ProofError::SizesOutOfOrder {
            old_size: 5,
            new_size: 4
        })
    );
    assert_eq!(
        tree.consistency_proof(1, 9),
        Err(ProofError::SizeOutOfRange { size: 9, len: 8 })
    );
    assert_eq!(tree.consistency_proof(0, 8), Ok(vec![]));
    assert_eq!(tree.consistency_proof(8, 8), Ok(vec![]));
}

#[test]
fn trivial_consistency_cases() {
    let (r1, r2) = (root(1), root(2));
    assert_eq!(
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]),
        Ok(())
    );
    assert_eq!(verify_consistency(0, 2, &empty_root(), &r2, &[]), Ok(()));
    assert_eq!(
        verify_consistency(0, 2, &r1, &r2, &[]),
        Err(ProofError::OldRootMismatch)
    );
    assert_eq!(verify_consistency(2, 2, &r2, &r2, &[]), Ok(()));
    assert_eq!(
        verify_consistency(2, 2, &r1, &r2, &[]),
        Err(ProofError::RootMismatch)
    );
    assert_eq!(
        verify_consistency(2, 2, &r2, &r2, &[r1]),
        Err(ProofError::WrongProofLength {
            expected: 0,
            actual: 1
        })
    );
    assert_eq!(
        verify_consistency(2, 1, &r2, &r1, &[]),
        Err(ProofError::SizesOutOfOrder {
            old_size: 2,
            new_size: 1
        })
    );
    assert_eq!(
        verify_consistency(1, 2, &r1, &r2, &[]),
        Err(ProofError::WrongProofLength {
            expected: 1,
            actual: 0
        })
    );
    assert_eq!(
        verify_inclusion(&r1, 1, 1, &[], &r1),
        Err(ProofError::IndexOutOfRange { index: 1, size: 1 })
    );
}
