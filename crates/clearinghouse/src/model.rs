//! The application's records as the store returns them and the API shows
//! them. Plain data: validation lives in the domain crate and in
//! `workflows/`, SQL in `store/`.

/// Declares a closed set of words stored as text: a `Copy` enum that
/// serialises as the same words as before, with `as_str`, `parse` (for
/// `store::decode`), `Display` (templates print it unchanged) and an
/// OpenAPI enum schema. Each variant is renamed to its word (for serde
/// and the schema), so a word may be anything stored (`exposure.new`,
/// `track*`).
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod assessment;
pub mod exposure;
pub mod finding;
pub mod frontier;
pub mod job;
pub mod notify;
pub mod poc;
pub mod review;

use clearinghouse_domain::approval::{ApprovalRequest, ApprovalState};
use clearinghouse_domain::identity::{OrgKind, Sector, TokenKind};
use clearinghouse_domain::labels::Tlp;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// One of `government_agency`, `ai_developer`, `researcher`, `vendor`,
    /// `critical_infrastructure_operator`, `state_local_authority`.
    #[schema(value_type = String)]
    pub kind: OrgKind,
    /// The critical-infrastructure sector, for operators.
    #[schema(value_type = Option<String>)]
    pub sector: Option<Sector>,
    pub vetted: bool,
    pub trusted_partner: bool,
    pub created_at: String,
    /// When it was archived: it keeps its records but cannot sign in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
    /// Why it was archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// Authorization terms held, used to evaluate visibility expressions.
    pub authorizations: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    /// Who made the account; absent for the bootstrap administrator and
    /// accounts made by the operator.
    pub created_by: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

impl User {
    /// The actor of entries no account caused (a sign-in under a name no
    /// account has): id and username `system`, no organisation, no roles.
    pub fn system() -> User {
        User {
            id: "system".into(),
            org_id: String::new(),
            username: "system".into(),
            display_name: "Clearinghouse".into(),
            roles: Vec::new(),
            authorizations: Vec::new(),
            disabled: true,
            created_at: String::new(),
            created_by: None,
            password_hash: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    /// `user` (acts with all of its user's rights) or `agent` (scoped).
    #[schema(value_type = String)]
    pub kind: TokenKind,
    pub name: String,
    pub scopes: Vec<String>,
    /// For agents: the authorization terms it may use; its effective set is
    /// the intersection with its user's.
    pub authorizations: Option<Vec<String>>,
    pub rate_limit_per_minute: Option<i64>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// For agents made for one scan campaign: that campaign. Such an agent
    /// submits findings only to it and reads only it (and its own
    /// submissions), and stops working when the campaign stops or its
    /// window ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Approval {
    pub id: String,
    /// What will be done when approved, as recorded at request time:
    /// `action` (`grant_authorizations`, `grant_role`,
    /// `release_proof_of_concept`) and its typed `payload`.
    #[serde(flatten)]
    #[schema(value_type = ApprovalRequestDoc)]
    pub request: ApprovalRequest,
    pub summary: String,
    pub requested_by: String,
    pub requested_via: Option<String>,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    #[schema(value_type = String)]
    pub state: ApprovalState,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
}

/// The documented shape of [`ApprovalRequest`] in an [`Approval`].
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApprovalRequestDoc {
    /// `grant_authorizations`, `grant_role` or `release_proof_of_concept`.
    action: String,
    /// Per action: `{user_id, authorizations}`, `{user_id, roles}` or
    /// `{poc_id, user_id, reason}`.
    #[schema(value_type = Object)]
    payload: serde_json::Value,
}

/// A user as created or changed, with the two-person request filed for
/// the privileged roles asked for, if any (those roles are not held until
/// a second platform admin approves it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserWithRequest {
    #[serde(flatten)]
    pub user: User,
    pub role_request: Option<Approval>,
}

/// A new organisation, with the pending two-person request for the flags
/// asked for, if any (the flags are not set until a second coordinator
/// approves it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationWithRequest {
    #[serde(flatten)]
    pub org: Organization,
    pub flags_request: Option<Approval>,
}

/// A document shared between organisations: the generic labelled record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    pub id: String,
    pub owner_org: String,
    pub created_by: String,
    pub title: String,
    pub body: String,
    /// A protection marking carried on every export, such as `PCII`.
    pub protection_marking: Option<String>,
    /// TLP 2.0: `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` or `RED`.
    #[schema(value_type = String)]
    pub tlp: Tlp,
    /// Visibility expression over authorizations; empty means public.
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
    pub named_readers: Vec<String>,
    pub attachment: Option<Attachment>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub name: String,
    pub sha256: String,
    pub size: i64,
    #[serde(skip)]
    pub key: String,
}

/// One page of a list, with the cursor for the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
