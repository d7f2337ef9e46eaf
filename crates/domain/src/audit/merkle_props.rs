//! Property tests for the RFC 6962 Merkle tree: for random trees of up to 300 leaves, every
//! inclusion and consistency proof verifies, corrupted proofs, wrong indices and wrong sizes
//! fail, and `root_at` agrees with a naive recursive `MTH`; plus a million-leaf smoke test.

use super::*;
use proptest::prelude::*;

/// RFC 6962 section 2.1 `MTH`, straight from the definition.
fn naive_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
        }
    }
}

fn distinct_leaves(n: u64, salt: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(&[salt.to_be_bytes(), i.to_be_bytes()].concat()))
        .collect()
}

fn flip(proof: &[Hash], which: usize, bit: u8) -> Vec<Hash> {
    let mut bad = proof.to_vec();
    let j = which % bad.len();
    bad[j][usize::from(bit) % 32] ^= 1 << (bit % 8);
    bad
}

/// Checks every inclusion and consistency proof of a tree of `n` leaves, and that corrupted
/// proofs, wrong indices and wrong sizes fail.
fn check_tree(n: u64, salt: u64) -> Result<(), TestCaseError> {
    let leaves = distinct_leaves(n, salt);
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        tree.push(*leaf);
    }
    prop_assert_eq!(tree.len(), n);
    let roots: Vec<Hash> = (0..=n)
        .map(|k| tree.root_at(k).unwrap_or_default())
        .collect();
    for k in 0..=n {
        prop_assert_eq!(
            roots[k as usize],
            naive_mth(&leaves[..k as usize]),
            "root_at({})",
            k
        );
    }
    for size in 1..=n {
        let root = &roots[size as usize];
        for index in 0..size {
            let leaf = &leaves[index as usize];
            let proof = tree.inclusion_proof(index, size).map_err(fail)?;
            prop_assert_eq!(verify_inclusion(leaf, index, size, &proof, root), Ok(()));
            if !proof.is_empty() {
                let bad = flip(&proof, (index ^ salt) as usize, (size ^ salt) as u8);
                prop_assert!(verify_inclusion(leaf, index, size, &bad, root).is_err());
            }
            for other in [index.wrapping_sub(1), index + 1, index ^ 2] {
                if other != index {
                    prop_assert!(verify_inclusion(leaf, other, size, &proof, root).is_err());
                }
            }
            prop_assert!(verify_inclusion(leaf, index, size * 2, &proof, root).is_err());
            for other in [size - 1, size + 1] {
                if other > index && other <= n && other != size {
                    let other_root = &roots[other as usize];
                    prop_assert!(verify_inclusion(leaf, index, other, &proof, other_root).is_err());
                }
            }
        }
        for old in 0..=size {
            let (r1, r2) = (&roots[old as usize], root);
            let proof = tree.consistency_proof(old, size).map_err(fail)?;
            prop_assert_eq!(verify_consistency(old, size, r1, r2, &proof), Ok(()));
            if proof.is_empty() {
                continue;
            }
            let bad = flip(&proof, (old ^ salt) as usize, (size ^ salt) as u8);
            prop_assert!(verify_consistency(old, size, r1, r2, &bad).is_err());
            for other in [old - 1, old + 1] {
                let ro = &roots[other as usize];
                prop_assert!(verify_consistency(other, size, ro, r2, &proof).is_err());
            }
            for other in [size - 1, size + 1] {
                if other >= old && other <= n && other != size {
                    let ro = &roots[other as usize];
                    prop_assert!(verify_consistency(old, other, r1, ro, &proof).is_err());
                }
            }
            prop_assert!(verify_consistency(old, size, r2, r1, &proof).is_err());
        }
    }
    Ok(())
}

fn fail(e: ProofError) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

#[test]
fn exhaustive_small_trees() -> Result<(), TestCaseError> {
    check_tree(70, 7)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn every_proof_verifies_and_corruption_fails(n in 1u64..=300, salt in any::<u64>()) {
        check_tree(n, salt)?;
    }

    #[test]
    fn flipped_byte_in_leaf_or_root_fails(n in 2u64..=300, pick in any::<u64>(), bit in 0u8..=255) {
        let leaves = distinct_leaves(n, pick);
        let mut tree = MerkleTree::new();
        leaves.iter().for_each(|l| tree.push(*l));
        let index = pick % n;
        let proof = tree.inclusion_proof(index, n).map_err(fail)?;
        let mut leaf = leaves[index as usize];
        leaf[usize::from(bit) % 32] ^= 1 << (bit % 8);
        prop_assert_eq!(verify_inclusion(&leaf, index, n, &proof, &tree.root()), Err(ProofError::RootMismatch));
        let mut root = tree.root();
        root[usize::from(bit) % 32] ^= 1 << (bit % 8);
        prop_assert_eq!(verify_inclusion(&leaves[index as usize], index, n, &proof, &root), Err(ProofError::RootMismatch));
    }
}

#[test]
fn million_leaves() -> Result<(), ProofError> {
    let n: u64 = 1_000_000;
    let mut tree = MerkleTree::new();
    for i in 0..n {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let (old, new) = (654_321, n);
    let old_root = tree.root_at(old).ok_or(ProofError::RootMismatch)?;
    let proof = tree.inclusion_proof(123_456, old)?;
    verify_inclusion(
        &leaf_hash(&123_456u64.to_be_bytes()),
        123_456,
        old,
        &proof,
        &old_root,
    )?;
    let proof = tree.consistency_proof(old, new)?;
    verify_consistency(old, new, &old_root, &tree.root(), &proof)
}
