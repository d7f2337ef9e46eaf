//! Proof-of-concept material as the API shows it: the metadata of an
//! encrypted artifact attached to a finding. The ciphertext's location and
//! key material are never serialised.

use clearinghouse_domain::labels::Tlp;
use serde::Serialize;
use utoipa::ToSchema;

/// One proof-of-concept artifact (exploit code, crash input), stored
/// encrypted; its content is released only under the two-person rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PocArtifact {
    pub id: String,
    pub finding_id: String,
    /// The file name given at upload (no slashes).
    pub file_name: String,
    pub media_type: String,
    /// Size of the plaintext in bytes.
    pub size_bytes: i64,
    /// SHA-256 (hex) of the plaintext, to check a released download.
    pub sha256: String,
    /// TLP 2.0 marking: the finding's, or stricter.
    #[schema(value_type = String)]
    pub tlp: Tlp,
    /// Visibility expression: the finding's, or that and more.
    pub visibility: String,
    pub uploaded_by: String,
    pub created_at: String,
}

/// Where a sealed artifact lives and how its data key is wrapped (see
/// `clearinghouse_domain::envelope`). Kept out of every response.
#[derive(Debug, Clone)]
pub struct PocSealing {
    /// The artifact store key of the ciphertext.
    pub object_key: String,
    /// The id of the key-encryption key that wrapped the data key.
    pub kek_id: String,
    /// Hex of the wrapped data key.
    pub wrapped_key: String,
    /// Hex of the artifact's nonce.
    pub nonce: String,
}

/// A time-limited release of one artifact to one person, granted by the
/// approval of a two-person request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PocRelease {
    pub approval_id: String,
    pub poc_id: String,
    pub user_id: String,
    pub granted_at: String,
    pub expires_at: String,
}
