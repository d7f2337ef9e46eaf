//! Records of the exposure service as the API shows them: assets and their
//! SBOMs, vulnerabilities (advisories grouped by alias), exposures with
//! their priority and remediation state, and the reports of uploads and
//! imports.

use clearinghouse_domain::exposure::RemediationState;
use clearinghouse_domain::labels::Tlp;
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
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemError {
    /// The record or zip entry, e.g. `GHSA-xxxx` or `advisories/x.json`.
    pub item: String,
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
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
    pub decision: String,
    /// Why it matched: the component, range and advisory.
    pub reason: String,
    /// The assessment: CVSS, EPSS, KEV, SSVC inputs with their sources, the
    /// BOD 26-04 deadline, and an explanation of each step. Computed when
    /// read from what is known now (the stored rank and deadline are kept
    /// equal to it by matching).
    #[schema(value_type = Object)]
    pub priority: serde_json::Value,
    /// What `priority` is computed from.
    #[serde(skip)]
    pub inputs: Option<PriorityInputs>,
    pub priority_rank: i64,
    /// `track`, `track*`, `attend` or `act`.
    pub ssvc_decision: String,
    /// The BOD 26-04 outcome, e.g. `14 days`.
    pub deadline: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    /// `open`, `acknowledged`, `mitigated`, `patched` or `risk_accepted`.
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

/// The facts an exposure's priority is computed from.
#[derive(Debug, Clone)]
pub struct PriorityInputs {
    pub vuln: clearinghouse_domain::priority::VulnFacts,
    pub asset: clearinghouse_domain::priority::AssetFacts,
}

impl Exposure {
    /// Fills `priority` from `inputs`.
    pub fn assess(mut self) -> Exposure {
        if let Some(i) = &self.inputs {
            let p = clearinghouse_domain::priority::assess(&i.vuln, &i.asset);
            self.priority = serde_json::to_value(p).unwrap_or(serde_json::Value::Null);
        }
        self
    }

    /// The due date without the time, for display.
    pub fn due_date(&self) -> Option<&str> {
        self.due_at.as_deref().map(|d| d.get(..10).unwrap_or(d))
    }

    /// The priority's explanation, one sentence per step.
    pub fn explanation(&self) -> Vec<&str> {
        self.priority["explanation"]
            .as_array()
            .map(|a| a.iter().filter_map(|l| l.as_str()).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Advisory {
    pub id: String,
    pub vuln_id: String,
    /// `osv`, `cve` or `csaf`.
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
    pub advisories: Vec<String>,
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
