//! The audit log service: writes an entry for every change in the same
//! transaction as the change, keeps an in-memory Merkle tree of the
//! committed entries, and signs checkpoints over it.
//!
//! Entries name who acted (user and, for agents, the token), on whose
//! behalf, what, on which object, when, and a SHA-256 digest of the change.
//! They never hold classified plaintext: only identifiers and the digest.

use std::sync::Mutex;

use clearinghouse_domain::audit::checkpoint::{Checkpoint, NoteSigner};
use clearinghouse_domain::audit::merkle::{self, Hash, MerkleTree};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::{Principal, Via};
use crate::clock;
use crate::store::{self, Store, StoreError, Tx};

/// One change to record.
pub struct AuditEvent<'a> {
    /// A dotted verb such as `org.create` or `approval.approve`.
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// The change itself; only its digest is stored.
    pub change: serde_json::Value,
}

#[derive(Serialize)]
struct EntryActor<'a> {
    user: &'a str,
    username: &'a str,
    org: &'a str,
    via: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<&'a str>,
}

#[derive(Serialize)]
struct EntryObject<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    v: u8,
    time: &'a str,
    actor: EntryActor<'a>,
    action: &'a str,
    object: EntryObject<'a>,
    digest: String,
}

/// Renders the canonical text of an entry (what the leaf hash covers).
pub fn entry_text(principal: &Principal, event: &AuditEvent<'_>, time: &str) -> String {
    let (via, agent) = match &principal.via {
        Via::Session { .. } => ("session", None),
        Via::UserToken { .. } => ("token", None),
        Via::Agent { token } => ("agent", Some(token.id.as_str())),
        Via::System => ("system", None),
    };
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(event.change.to_string().as_bytes()))
    );
    let entry = Entry {
        v: 1,
        time,
        actor: EntryActor {
            user: &principal.user.id,
            username: &principal.user.username,
            org: &principal.user.org_id,
            via,
            agent,
        },
        action: event.action,
        object: EntryObject {
            kind: event.object_type,
            id: event.object_id,
        },
        digest,
    };
    serde_json::to_string(&entry).unwrap_or_default()
}

pub struct AuditLog {
    signer: NoteSigner,
    origin: String,
    tree: Mutex<MerkleTree>,
}

/// A checkpoint with its signed note.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: String,
}

impl AuditLog {
    pub fn new(origin: String, signer: NoteSigner) -> AuditLog {
        AuditLog {
            signer,
            origin,
            tree: Mutex::new(MerkleTree::new()),
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn signer(&self) -> &NoteSigner {
        &self.signer
    }

    /// Appends entries for `events` inside the caller's write transaction.
    pub async fn record(
        &self,
        tx: &mut Tx,
        store: &Store,
        principal: &Principal,
        events: &[AuditEvent<'_>],
    ) -> Result<(), StoreError> {
        let time = clock::now_text();
        let rows: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let text = entry_text(principal, e, &time);
                let leaf = hex::encode(merkle::leaf_hash(text.as_bytes()));
                (text, leaf)
            })
            .collect();
        store::audit::append(tx, store.backend, &rows).await?;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MerkleTree> {
        self.tree.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads committed entries the in-memory tree has not seen yet. Leaf
    /// hashes are computed from the entry text, never read from storage.
    pub async fn sync(&self, store: &Store) -> Result<u64, StoreError> {
        loop {
            let have = self.lock().len() as i64;
            let rows = store::audit::range(&store.pool, have, have + 10_000).await?;
            let mut tree = self.lock();
            let before = tree.len();
            if let Some(first) = rows.first()
                && first.idx as u64 > before
            {
                return Err(StoreError::Corrupt(format!(
                    "audit entry {before} is missing"
                )));
            }
            for row in rows {
                // Another task may have synced the same rows meanwhile.
                if row.idx as u64 == tree.len() {
                    tree.push(merkle::leaf_hash(row.entry.as_bytes()));
                }
            }
            if tree.len() == before {
                return Ok(tree.len());
            }
        }
    }

    /// Signs a checkpoint over every committed entry and keeps it.
    pub async fn checkpoint(&self, store: &Store) -> Result<SignedCheckpoint, StoreError> {
        let size = self.sync(store).await?;
        let root = self.lock().root_at(size).unwrap_or_else(merkle::empty_root);
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        };
        let note = self.signer.sign(&checkpoint);
        store::audit::insert_checkpoint(
            &store.pool,
            &store::audit::CheckpointRow {
                tree_size: size as i64,
                root_hash: hex::encode(root),
                note: note.clone(),
                created_at: clock::now_text(),
            },
        )
        .await?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    pub async fn inclusion_proof(
        &self,
        store: &Store,
        index: u64,
        size: u64,
    ) -> Result<Result<(Hash, Hash, Vec<Hash>), merkle::ProofError>, StoreError> {
        self.sync(store).await?;
        let tree = self.lock();
        Ok(tree.inclusion_proof(index, size).map(|proof| {
            let leaf = tree.leaf(index).unwrap_or_default();
            let root = tree.root_at(size).unwrap_or_default();
            (leaf, root, proof)
        }))
    }

    pub async fn consistency_proof(
        &self,
        store: &Store,
        first: u64,
        second: u64,
    ) -> Result<Result<(Hash, Hash, Vec<Hash>), merkle::ProofError>, StoreError> {
        self.sync(store).await?;
        let tree = self.lock();
        Ok(tree.consistency_proof(first, second).map(|proof| {
            let a = tree.root_at(first).unwrap_or_default();
            let b = tree.root_at(second).unwrap_or_default();
            (a, b, proof)
        }))
    }
}
