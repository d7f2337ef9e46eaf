//! Evidence bundles for unauthorized-scan incidents (Sec. 4), and their
//! offline verification by someone who trusts only the audit log's
//! public key. A bundle holds a signed checkpoint of the audit log and,
//! per record (the report, the campaigns and grants in force), the record
//! as audited, its audit entry, the entry's index and an inclusion proof.
//! [`verify`] checks: the checkpoint's signature under the trusted key;
//! each record's SHA-256 is the digest its entry states; the entry names
//! the record's type and id; and the entry is in the checkpointed tree
//! (RFC 9162 inclusion). Any change to a record, an entry, a proof or
//! the checkpoint fails with the reason.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::checkpoint::NoteVerifier;
use crate::audit::merkle::{self, Hash};

/// The format name every bundle carries.
pub const FORMAT: &str = "clearinghouse-evidence-bundle/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    /// The log's verifier key as the server stated it (not trusted by
    /// itself: the verifier compares it with the key it trusts).
    pub verifier_key: String,
    /// The signed checkpoint note.
    pub checkpoint: String,
    /// What the bundle is about (the report id).
    pub subject: String,
    pub records: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `scan_report`, `scan_campaign`, `scan_grant`, ...
    pub object_type: String,
    pub object_id: String,
    /// The audited action (`scan_grant.create`, `scan_grant.revoke`, ...).
    pub action: String,
    /// The change exactly as audited.
    pub change: serde_json::Value,
    pub entry_index: u64,
    /// The audit entry's canonical text.
    pub entry: String,
    /// Hex hashes.
    pub inclusion_proof: Vec<String>,
}

/// What verification established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: String,
    pub records: usize,
}

#[derive(Debug, Deserialize)]
struct EntryFields {
    action: String,
    object: EntryObject,
    digest: String,
}

#[derive(Debug, Deserialize)]
struct EntryObject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

fn hash_hex(h: &str) -> Result<Hash, String> {
    let bytes = hex::decode(h).map_err(|_| format!("'{h}' is not a hex hash"))?;
    <Hash>::try_from(bytes.as_slice()).map_err(|_| format!("'{h}' is not 32 bytes"))
}

/// The digest an audit entry states for `change`.
pub fn digest(change: &serde_json::Value) -> String {
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(change.to_string().as_bytes()))
    )
}

/// Verifies a bundle against the trusted verifier key.
pub fn verify(bundle: &Bundle, trusted_key: &str) -> Result<Verified, String> {
    if bundle.format != FORMAT {
        return Err(format!(
            "not a {FORMAT} document (format '{}')",
            bundle.format
        ));
    }
    let verifier = NoteVerifier::from_verifier_key(trusted_key.trim())
        .map_err(|e| format!("the trusted key: {e}"))?;
    let cp = verifier
        .verify(&bundle.checkpoint)
        .map_err(|e| format!("the checkpoint does not verify under the trusted key: {e}"))?;
    if bundle.records.is_empty() {
        return Err("the bundle holds no records".into());
    }
    for (i, r) in bundle.records.iter().enumerate() {
        let at = format!("records[{i}] ({} {})", r.object_type, r.object_id);
        let fields: EntryFields = serde_json::from_str(&r.entry)
            .map_err(|e| format!("{at}: the audit entry is not an entry: {e}"))?;
        if fields.object.kind != r.object_type || fields.object.id != r.object_id {
            return Err(format!(
                "{at}: the audit entry is about {} {}",
                fields.object.kind, fields.object.id
            ));
        }
        if fields.action != r.action {
            return Err(format!("{at}: the audit entry records {}", fields.action));
        }
        if digest(&r.change) != fields.digest {
            return Err(format!(
                "{at}: the record was altered: its digest is not the one the audit entry states"
            ));
        }
        let proof = r
            .inclusion_proof
            .iter()
            .map(|h| hash_hex(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{at}: {e}"))?;
        let leaf = merkle::leaf_hash(r.entry.as_bytes());
        merkle::verify_inclusion(&leaf, r.entry_index, cp.size, &proof, &cp.root).map_err(|e| {
            format!(
                "{at}: the audit entry is not in the signed log at index {}: {e}",
                r.entry_index
            )
        })?;
    }
    Ok(Verified {
        origin: cp.origin,
        tree_size: cp.size,
        root_hash: hex::encode(cp.root),
        records: bundle.records.len(),
    })
}
