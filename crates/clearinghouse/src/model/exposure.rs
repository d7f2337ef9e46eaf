//! Records of the exposure service as the API shows them: assets and their
//! SBOMs, vulnerabilities (advisories grouped by alias), exposures with
//! their priority and remediation state, and the reports of uploads and
//! imports.

use clearinghouse_domain::exposure::RemediationState;
use clearinghouse_domain::labels::Tlp;
use clearinghouse_domain::ssvc::CisaLevel;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Asset {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// The person or team responsible for it.
    pub owner: String,
    pub description: String,
    /// Reachable from the internet (a BOD 26-04 input).
    pub publicly_exposed: bool,
    /// SSVC mission and well-being impact: `low`, `medium` or `high`.
    pub mission_impact: String,
    pub created_at: String,
    pub updated_at: String,
    /// The SBOM that is the asset's current inventory.
    pub sbom: Option<SbomSummary>,
    /// When it was archived: its components no longer match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
    /// Why it was archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SbomSummary {
    pub id: String,
    /// `cyclonedx-json`, `cyclonedx-xml`, `spdx-json` or `spdx-tag-value`.
    pub format: String,
    pub spec_version: String,
    pub sha256: String,
    pub component_count: i64,
    pub uploaded_at: String,
}

impl SbomSummary {
    /// The upload time to the second, for display.
    pub fn uploaded(&self) -> &str {
        self.uploaded_at.get(..19).unwrap_or(&self.uploaded_at)
    }
}

/// One component of an asset's inventory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Component {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
}

/// How an upload or import changed the exposures.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ToSchema)]
pub struct ExposureCounts {
    /// Exposures that appeared.
    pub new: u64,
    /// Exposures whose priority or deadline changed.
    pub changed: u64,
    /// Exposures closed because the component left the inventory or the
    /// advisory no longer matches.
    pub resolved: u64,
    /// Open exposures of the assets concerned afterwards (for an SBOM
    /// upload: of that asset).
    pub open: u64,
}

impl ExposureCounts {
    pub fn add(&mut self, other: &ExposureCounts) {
        self.new += other.new;
        self.changed += other.changed;
        self.resolved += other.resolved;
        self.open += other.open;
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SbomUploadReport {
    pub asset: Asset,
    pub sbom: SbomSummary,
    pub exposures: ExposureCounts,
}

/// One item of an import that was not taken, and why.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ItemError {
    /// The record or zip entry, e.g. `GHSA-xxxx` or `advisories/x.json`.
    pub item: String,
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, ToSchema)]
pub struct ImportReport {
    /// `osv`, `cve`, `csaf`, `kev`, `epss` or `zip`.
    pub format: String,
    pub advisories_created: u64,
    pub advisories_updated: u64,
    pub advisories_unchanged: u64,
    pub kev_entries: u64,
    pub epss_scores: u64,
    pub exposures: ExposureCounts,
    pub errors: Vec<ItemError>,
    /// CSAF advisories (by key) stored now whose product statuses name
    /// products that map to no package identity or CPE, with how many.
    #[serde(default)]
    pub unmapped_products: Vec<UnmappedProducts>,
}

/// How many products of one CSAF advisory could not be mapped.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct UnmappedProducts {
    pub advisory: String,
    pub products: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComponentRef {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VulnRef {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exposure {
    pub id: String,
    pub org_id: String,
    pub asset_id: String,
    pub asset_name: String,
    pub component: ComponentRef,
    pub vulnerability: VulnRef,
    /// The advisory whose affected range matched.
    pub advisory_id: String,
    /// `affected`, or `cannot_decide` when the version cannot be ordered.
    pub decision: MatchDecision,
    /// Why it matched: the component, range and advisory.
    pub reason: String,
    /// The assessment: CVSS, EPSS, KEV, SSVC inputs with their sources, the
    /// BOD 26-04 deadline, and an explanation of each step. Computed when
    /// read from what is known now (the stored rank and deadline are kept
    /// equal to it by matching).
    #[schema(value_type = Object)]
    pub priority: Assessment,
    pub priority_rank: i64,
    /// `track`, `track*`, `attend` or `act`.
    pub ssvc_decision: SsvcDecision,
    /// The BOD 26-04 outcome, e.g. `14 days`.
    pub deadline: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    /// `open`, `acknowledged`, `mitigated`, `patched` or `risk_accepted`;
    /// or `not_affected`, set only by the product's vendor's VEX statement.
    #[schema(value_type = String)]
    pub state: RemediationState,
    pub state_reason: Option<String>,
    pub accepted_until: Option<String>,
    /// Told only to vetted operators under TLP:AMBER.
    pub embargoed: bool,
    /// `AMBER` while embargoed, else `CLEAR`.
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub first_seen: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
}

pub use super::assessment::Assessment;

closed_set!(
    /// Where an advisory import is.
    ImportState {
        Queued => "queued",
        /// Its job is parsing and storing it.
        Running => "running",
        Done => "done",
        /// Refused as a whole (the import's `error` says why).
        Failed => "failed",
    }
);

closed_set!(
    /// What matching decided of a component's version against an
    /// advisory's ranges (`versions::Decision` as stored).
    MatchDecision {
        Affected => "affected",
        NotAffected => "not_affected",
        /// The version cannot be ordered in its ecosystem.
        CannotDecide => "cannot_decide",
    }
);

impl MatchDecision {
    /// Whether the version could not be ordered against the ranges.
    pub fn cannot_decide(self) -> bool {
        self == MatchDecision::CannotDecide
    }
}

impl From<clearinghouse_domain::versions::Decision> for MatchDecision {
    fn from(d: clearinghouse_domain::versions::Decision) -> MatchDecision {
        use clearinghouse_domain::versions::Decision;
        match d {
            Decision::Affected => MatchDecision::Affected,
            Decision::NotAffected => MatchDecision::NotAffected,
            Decision::CannotDecide => MatchDecision::CannotDecide,
        }
    }
}

closed_set!(
    /// The CISA SSVC coordinator decision (`ssvc::CisaLevel`) as stored,
    /// in the table's words.
    SsvcDecision {
        Track => "track",
        TrackStar => "track*",
        Attend => "attend",
        Act => "act",
    }
);

impl From<CisaLevel> for SsvcDecision {
    fn from(l: CisaLevel) -> SsvcDecision {
        match l {
            CisaLevel::Track => SsvcDecision::Track,
            CisaLevel::TrackStar => SsvcDecision::TrackStar,
            CisaLevel::Attend => SsvcDecision::Attend,
            CisaLevel::Act => SsvcDecision::Act,
        }
    }
}

impl SsvcDecision {
    /// Reads the decision as the domain names it (`Track*`, `t*`, ...).
    pub fn from_table(s: &str) -> Option<SsvcDecision> {
        CisaLevel::parse(s).map(SsvcDecision::from)
    }

    /// The CSS class of its badge.
    pub fn css_class(self) -> &'static str {
        match self {
            SsvcDecision::Track => "ssvc-track",
            SsvcDecision::TrackStar => "ssvc-trackstar",
            SsvcDecision::Attend => "ssvc-attend",
            SsvcDecision::Act => "ssvc-act",
        }
    }
}

/// The facts an exposure's priority is computed from.
#[derive(Debug, Clone)]
pub struct PriorityInputs {
    pub vuln: clearinghouse_domain::priority::VulnFacts,
    pub asset: clearinghouse_domain::priority::AssetFacts,
}

impl Exposure {
    /// The due date without the time, for display.
    pub fn due_date(&self) -> Option<&str> {
        self.due_at.as_deref().map(|d| d.get(..10).unwrap_or(d))
    }

    /// The priority's explanation, one sentence per step.
    pub fn explanation(&self) -> Vec<&str> {
        self.priority
            .priority()
            .map(|p| p.explanation.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Advisory {
    /// The publisher's own id: OSV or CVE id, CSAF `document.tracking.id`,
    /// the KEV entry's CVE, or a `CHX-` id.
    pub id: String,
    /// The storage key, unique per publisher and own id (a CSAF document
    /// has one per vulnerability: `<tracking id>/<CVE or #n>@<publisher>`).
    pub key: String,
    /// Who published it: `osv`, a CVE record's assigner, a CSAF document's
    /// namespace (`www.cisa.gov`), `cisa-kev` or `clearinghouse`.
    pub publisher: String,
    /// For CSAF: which vulnerability of the document (its CVE, else `#n`).
    pub vuln_ref: String,
    pub vuln_id: String,
    /// `osv`, `cve`, `csaf`, `kev` or `clearinghouse`.
    pub source: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub withdrawn: Option<String>,
    pub cvss_vectors: Vec<String>,
    pub cwes: Vec<String>,
    pub references: Vec<String>,
    pub embargoed: bool,
    /// TLP marking: CLEAR for imported advisories, the finding's for a `CHX-` one.
    pub tlp: String,
    /// Visibility expression: empty for imported advisories, the finding's for a `CHX-` one.
    pub visibility: String,
    /// CPEs of the affected products that have no package identity.
    pub cpes: Vec<String>,
    /// For CSAF: products named in its product status that map to no
    /// package identity or CPE.
    pub unmapped_products: i64,
    /// The affected packages (filled when one advisory is read).
    pub affected: Vec<AffectedPackage>,
    /// For a CSAF document, every vulnerability it covers (filled when one
    /// advisory is read).
    pub document_vulnerabilities: Vec<DocumentPart>,
}

/// A KEV entry as the vulnerability page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KevEntry {
    pub cve_id: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: String,
    pub due_date: String,
    pub known_ransomware: bool,
    pub required_action: String,
}

/// What a vulnerability's page shows beyond its row: its KEV entries, the
/// affected packages of its advisories, and whether any advisory names
/// products in a machine-readable way (a package or a CPE).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VulnerabilityDetail {
    pub kev: Vec<KevEntry>,
    pub affected: Vec<AffectedPackage>,
    /// False when no advisory names a package or CPE: nothing can be
    /// matched against inventories (e.g. a KEV entry alone, whose vendor
    /// and product are text).
    pub machine_readable_products: bool,
}

/// One affected package of an advisory, as the advisory states it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AffectedPackage {
    /// The storage key of the advisory.
    pub advisory_key: String,
    /// The package identity (purl without version).
    pub package: String,
    pub ecosystem: String,
    /// OSV ranges.
    #[schema(value_type = Vec<Object>)]
    pub ranges: Vec<clearinghouse_domain::versions::OsvRange>,
    /// Affected versions listed one by one.
    pub versions: Vec<String>,
    /// Versions stated fixed.
    pub fixed: Vec<String>,
    /// Versions stated not affected.
    pub not_affected: Vec<String>,
}

/// One vulnerability of a CSAF document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentPart {
    pub key: String,
    pub vuln_ref: String,
    pub vuln_id: String,
}

/// An advisory of a vulnerability, named with its publisher.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvisoryRef {
    pub key: String,
    pub id: String,
    pub publisher: String,
    pub source: String,
    pub vuln_ref: String,
    pub summary: String,
    pub withdrawn: Option<String>,
    pub unmapped_products: i64,
    /// CPEs of its affected products without package identity.
    pub cpes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vulnerability {
    /// The group's id: its lowest CVE id, else its lowest advisory id.
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub cvss_vectors: Vec<String>,
    pub cwes: Vec<String>,
    #[schema(value_type = Object)]
    pub ssvc: Option<serde_json::Value>,
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    pub epss: Option<f64>,
    pub epss_percentile: Option<f64>,
    pub embargoed: bool,
    pub withdrawn: Option<String>,
    pub updated_at: String,
    /// The publishers' own ids of its advisories (a CSAF document's
    /// tracking id once).
    pub advisories: Vec<String>,
    /// Its advisories with their publishers.
    pub advisory_refs: Vec<AdvisoryRef>,
    /// The first non-empty details of its advisories, shown when the
    /// summary is empty.
    pub details: String,
    /// Where each fact came from: `cvss` (per vector), `ssvc`, `kev`,
    /// `epss`, `summary`, each naming the advisory (`<id> (<publisher>)`)
    /// or feed.
    #[schema(value_type = Object)]
    pub fact_sources: serde_json::Value,
    /// The strictest TLP of its advisories.
    pub tlp: String,
    /// The conjunction of its advisories' visibility expressions.
    pub visibility: String,
}

/// Exposure counts for one group (a sector, a vulnerability or an organisation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExposureStat {
    pub key: String,
    pub exposed_orgs: i64,
    pub open: i64,
    pub fixed: i64,
    pub overdue: i64,
}
