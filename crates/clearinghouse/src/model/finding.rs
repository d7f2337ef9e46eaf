//! Records of finding intake as the API shows them: submissions (a file of
//! scanner output and what became of each item in it), findings with where
//! and by whom they were seen, their near-duplicates and their workflow
//! history.

use clearinghouse_domain::findings::review::{FindingState, RejectionReason};
use clearinghouse_domain::labels::Tlp;
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
    /// The access window whose covered model the findings were found
    /// with; its participants' organisations share the findings.
    pub window_id: Option<String>,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub visibility: String,
    pub state: SubmissionState,
    /// Why the file could not be read to its end (`failed`, or `done` with
    /// items before the error kept).
    pub error: Option<String>,
    pub counts: SubmissionCounts,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl Submission {
    pub fn is_finished(&self) -> bool {
        matches!(self.state, SubmissionState::Done | SubmissionState::Failed)
    }
}

closed_set!(
    /// Where a submission's processing is.
    SubmissionState {
        Queued => "queued",
        Processing => "processing",
        Done => "done",
        Failed => "failed",
    }
);

closed_set!(
    /// What became of one item of a submission.
    ItemOutcome {
        /// A finding not seen before.
        New => "new",
        /// A finding already known, linked.
        Duplicate => "duplicate",
        /// An item that could not be taken.
        Rejected => "rejected",
    }
);

closed_set!(
    /// A finding's severity, on the CVSS qualitative scale, in lower case.
    FindingSeverity {
        None => "none",
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

impl From<clearinghouse_domain::findings::Severity> for FindingSeverity {
    fn from(s: clearinghouse_domain::findings::Severity) -> FindingSeverity {
        use clearinghouse_domain::findings::Severity;
        match s {
            Severity::None => FindingSeverity::None,
            Severity::Low => FindingSeverity::Low,
            Severity::Medium => FindingSeverity::Medium,
            Severity::High => FindingSeverity::High,
            Severity::Critical => FindingSeverity::Critical,
        }
    }
}

closed_set!(
    /// What a finding's target is.
    TargetKind {
        Package => "package",
        Repository => "repository",
        Product => "product",
    }
);

closed_set!(
    /// How sure a near-duplicate link is.
    SimilarLink {
        Possible => "possible",
        Confirmed => "confirmed",
        Split => "split",
    }
);

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
    pub outcome: ItemOutcome,
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
    pub target_kind: TargetKind,
    /// The target without its version (what findings are grouped by).
    pub target_identity: String,
    pub title: String,
    pub description: String,
    pub rule_id: Option<String>,
    pub tool: Option<String>,
    pub cwes: Vec<String>,
    pub severity: Option<FindingSeverity>,
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
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub visibility: String,
    /// `received`, `triaged`, `validating`, `validated` or `rejected`.
    #[schema(value_type = String)]
    pub state: FindingState,
    /// `false_positive`, `duplicate`, `out_of_scope` or `not_reproducible`.
    #[schema(value_type = Option<String>)]
    pub rejection_reason: Option<RejectionReason>,
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

/// The filters of a findings list, every one optional: the one filter type
/// from the API's and the UI's query through the workflow to the store's
/// SQL (`store::findings::list`, `store::findings::listing::page`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    pub state: Option<FindingState>,
    /// The first reporter's organisation id.
    pub reporter_org: Option<String>,
    /// Exact target identity (version-free) or full target.
    pub target: Option<String>,
    pub severity: Option<FindingSeverity>,
    pub campaign: Option<String>,
    /// Findings first reported by this submission.
    pub submission: Option<String>,
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
    pub link: SimilarLink,
}

/// One transition of a finding's workflow.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingEvent {
    #[schema(value_type = String)]
    pub from_state: FindingState,
    #[schema(value_type = String)]
    pub to_state: FindingState,
    pub reason: String,
    pub actor: String,
    pub actor_org: String,
    pub at: String,
}
