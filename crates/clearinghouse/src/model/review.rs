//! Records of the validation workflow as the API shows them: a near-duplicate
//! link after a person's decision, the organisations credited with a
//! finding, the findings supporting a vulnerability, and per-organisation
//! reporter quality counts.

use std::collections::BTreeMap;

use clearinghouse_domain::findings::review::FindingState;

use super::finding::SimilarLink;
use serde::Serialize;
use utoipa::ToSchema;

/// A near-duplicate link between two findings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarityLink {
    pub finding_id: String,
    pub other_id: String,
    /// MinHash estimate of the Jaccard similarity, 0 to 1.
    pub similarity: f64,
    pub state: SimilarLink,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// On `confirm`: the newer finding, now rejected as a duplicate of the older.
    pub rejected_finding: Option<String>,
}

/// An organisation credited with a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Credit {
    pub org_id: String,
    pub name: String,
}

/// A finding supporting a vulnerability, as far as the caller may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupportingFinding {
    pub id: String,
    pub title: String,
    #[schema(value_type = String)]
    pub state: FindingState,
    /// The first reporter's organisation and those of linked duplicate reports.
    pub reporter_orgs: Vec<String>,
}

/// How one reporting organisation's findings fared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ReporterStats {
    pub org_id: String,
    pub name: String,
    /// Files submitted.
    pub submissions: i64,
    /// Items read from those files.
    pub items_received: i64,
    /// Findings those files created.
    pub new_findings: i64,
    /// Items that were exact duplicates of known findings.
    pub duplicates: i64,
    /// Its findings rejected as a duplicate through a confirmed near-duplicate link.
    pub near_duplicates_confirmed: i64,
    /// Its findings validated.
    pub validated: i64,
    /// Its findings rejected, by reason (`false_positive`, `duplicate`,
    /// `out_of_scope`, `not_reproducible`).
    pub rejected: BTreeMap<String, i64>,
    /// Its findings still received, triaged or validating.
    pub open: i64,
    /// Validated over decided (validated + rejected); 0 when none is decided.
    pub validated_ratio: f64,
}
