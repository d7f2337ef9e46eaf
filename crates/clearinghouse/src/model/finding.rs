//! Records of finding intake as the API shows them: submissions (a file of
//! scanner output and what became of each item in it), findings with where
//! and by whom they were seen, their near-duplicates and their workflow
//! history.

use clearinghouse_domain::findings::review::FindingState;
use serde::Serialize;
use utoipa::ToSchema;

/// One uploaded file of findings and its processing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Submission {
    pub id: String,
    pub org_id: String,
    pub submitted_by: String,
    /// The agent token it came through, if any.
    pub submitted_via: Option<String>,
    /// The `Idempotency-Key` given, or `sha256:<digest>` of the file.
    pub idempotency_key: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file as received.
    pub sha256: String,
    pub size_bytes: i64,
    /// `sarif`, `osv`, `csaf`, `cve` or `native`; known once processing starts.
    pub format: Option<String>,
    /// The target named for findings whose file names none (`--target`).
    pub default_target: Option<String>,
    pub campaign: Option<String>,
    pub tlp: String,
    pub visibility: String,
    /// `queued`, `processing`, `done` or `failed`.
    pub state: String,
    /// Why the file could not be read to its end (`failed`, or `done` with
    /// items before the error kept).
    pub error: Option<String>,
    pub counts: SubmissionCounts,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl Submission {
    pub fn is_finished(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed")
    }
}

/// What a submission held, so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SubmissionCounts {
    /// Items read from the file.
    pub received: i64,
    /// Findings not seen before.
    pub new: i64,
    /// Findings already known (from this or another reporter), linked.
    pub duplicates: i64,
    /// Items that could not be taken, each with its reason.
    pub rejected: i64,
}

/// What became of one item of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ItemResult {
    /// 0-based order of the item in the file.
    pub seq: i64,
    /// Where in the file, e.g. `runs[0].results[17]`.
    pub position: String,
    /// `new`, `duplicate` or `rejected`.
    pub outcome: String,
    /// The finding it created (`new`) or was linked to (`duplicate`).
    pub finding_id: Option<String>,
    /// Why it was rejected.
    pub message: Option<String>,
}

/// Where in the target a finding is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct FindingLocation {
    pub path: Option<String>,
    pub start_line: Option<i64>,
    pub end_line: Option<i64>,
    pub function: Option<String>,
}

/// One finding: a possible vulnerability, stored once however often reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finding {
    pub id: String,
    /// Version-free SHA-256 identity used for exact deduplication.
    pub fingerprint: String,
    /// As first reported, with its version: `pkg:pypi/paramiko@2.4.0`,
    /// `repo:https://github.com/x/y@abc123` or `product:vendor/product@1.0`.
    pub target: String,
    /// `package`, `repository` or `product`.
    pub target_kind: String,
    /// The target without its version (what findings are grouped by).
    pub target_identity: String,
    pub title: String,
    pub description: String,
    pub rule_id: Option<String>,
    pub tool: Option<String>,
    pub cwes: Vec<String>,
    /// `none`, `low`, `medium`, `high` or `critical`.
    pub severity: Option<String>,
    pub cvss_vector: Option<String>,
    pub location: Option<FindingLocation>,
    pub evidence: Option<String>,
    /// CVE, GHSA and OSV ids the report named.
    pub aliases: Vec<String>,
    /// The organisation and person that reported it first.
    pub reporter_org: String,
    pub reported_by: String,
    pub submission_id: String,
    pub position: String,
    pub campaign: Option<String>,
    pub tlp: String,
    pub visibility: String,
    /// `received`, `triaged`, `validating`, `validated` or `rejected`.
    #[schema(value_type = String)]
    pub state: FindingState,
    /// `false_positive`, `duplicate`, `out_of_scope` or `not_reproducible`.
    pub rejection_reason: Option<String>,
    /// The finding this one was confirmed to duplicate.
    pub duplicate_of: Option<String>,
    /// A published vulnerability it matches (by alias, or package, range and CWE).
    pub known_vuln_id: Option<String>,
    /// The `CHX-YYYY-NNNNN` vulnerability it supports, once validated.
    pub vulnerability_id: Option<String>,
    pub validator_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One organisation's report of a finding in one version of its target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sighting {
    pub org_id: String,
    /// The version or revision it was seen in; empty when the report named none.
    pub version: String,
    pub submission_id: String,
    pub seen_at: String,
}

/// A possible (or confirmed, or split) near-duplicate of a finding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarFinding {
    pub finding_id: String,
    pub title: String,
    pub reporter_org: String,
    #[schema(value_type = String)]
    pub state: FindingState,
    /// MinHash estimate of the Jaccard similarity of text and code, 0 to 1.
    pub similarity: f64,
    /// `possible`, `confirmed` or `split`.
    pub link: String,
}

/// One transition of a finding's workflow.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingEvent {
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
    pub actor: String,
    pub actor_org: String,
    pub at: String,
}
