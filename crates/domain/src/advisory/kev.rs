//! The CISA Known Exploited Vulnerabilities catalog
//! (<https://www.cisa.gov/known-exploited-vulnerabilities-catalog>), the JSON feed here
//! and the CSV file in `kev_csv`.
//!
//! Every entry needs `cveID`, `dateAdded` and `dueDate`; the other strings default to
//! empty. `knownRansomwareCampaignUse` is `Known` or `Unknown` (any case); `cwes` are
//! normalised to `CWE-<n>`. A `count` that differs from the number of entries is an
//! error: a truncated feed must not pass as a complete one.

use serde::Deserialize;

use super::{AdvisoryError, MAX_ROWS, check_len, from_json, nullable, push_cwe};

const FORMAT: &str = "KEV";

/// The catalog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KevCatalog {
    pub catalog_version: String,
    /// RFC 3339 as given.
    pub date_released: String,
    pub entries: Vec<KevEntry>,
}

/// One known exploited vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KevEntry {
    pub cve_id: String,
    /// `vendorProject`.
    pub vendor: String,
    pub product: String,
    /// `vulnerabilityName`.
    pub name: String,
    /// `shortDescription`.
    pub description: String,
    /// `YYYY-MM-DD`.
    pub date_added: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// `knownRansomwareCampaignUse` is `Known`.
    pub known_ransomware: bool,
    pub required_action: String,
    pub notes: String,
    pub cwes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    catalog_version: String,
    date_released: String,
    #[serde(default)]
    count: Option<usize>,
    vulnerabilities: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEntry {
    #[serde(rename = "cveID")]
    pub(super) cve_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) vendor_project: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) product: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) vulnerability_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) short_description: String,
    pub(super) date_added: String,
    pub(super) due_date: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) known_ransomware_campaign_use: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) required_action: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) notes: String,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) cwes: Vec<String>,
}

/// Reads the KEV JSON feed.
pub fn parse_kev(bytes: &[u8]) -> Result<KevCatalog, AdvisoryError> {
    let raw: Raw = from_json(FORMAT, bytes)?;
    check_len(
        FORMAT,
        || "vulnerabilities".into(),
        &raw.vulnerabilities,
        MAX_ROWS,
    )?;
    if let Some(count) = raw.count.filter(|c| *c != raw.vulnerabilities.len()) {
        return Err(AdvisoryError::field_error(
            FORMAT,
            "count",
            format!(
                "says {count}, but vulnerabilities has {}",
                raw.vulnerabilities.len()
            ),
        ));
    }
    let mut entries = Vec::with_capacity(raw.vulnerabilities.len());
    for (i, e) in raw.vulnerabilities.into_iter().enumerate() {
        entries.push(entry(e, |field| format!("vulnerabilities[{i}].{field}"))?);
    }
    Ok(KevCatalog {
        catalog_version: raw.catalog_version,
        date_released: raw.date_released,
        entries,
    })
}

/// Checks one entry; `field` names a field of it in errors.
pub(super) fn entry(
    e: RawEntry,
    field: impl Fn(&str) -> String,
) -> Result<KevEntry, AdvisoryError> {
    if e.cve_id.trim().is_empty() {
        return Err(AdvisoryError::field_error(
            FORMAT,
            field("cveID"),
            "must not be empty",
        ));
    }
    let known_ransomware = match e.known_ransomware_campaign_use.trim() {
        k if k.eq_ignore_ascii_case("known") => true,
        k if k.is_empty() || k.eq_ignore_ascii_case("unknown") => false,
        other => {
            return Err(AdvisoryError::field_error(
                FORMAT,
                field("knownRansomwareCampaignUse"),
                format!("expected Known or Unknown, found {other:?}"),
            ));
        }
    };
    let mut cwes = Vec::new();
    for c in &e.cwes {
        push_cwe(&mut cwes, c);
    }
    Ok(KevEntry {
        cve_id: e.cve_id,
        vendor: e.vendor_project,
        product: e.product,
        name: e.vulnerability_name,
        description: e.short_description,
        date_added: e.date_added,
        due_date: e.due_date,
        known_ransomware,
        required_action: e.required_action,
        notes: e.notes,
        cwes,
    })
}

impl KevEntry {
    /// The entry as an advisory of publisher `cisa-kev` (key `kev:CVE-...`),
    /// so that every KEV entry is a vulnerability even before any advisory
    /// with package ranges arrives. It names no affected package: KEV lists
    /// vendor and product as text only. Summary: the vulnerability name;
    /// details: the short description; references: the URLs of `notes`.
    pub fn to_advisory(&self) -> super::Advisory {
        let mut references = Vec::new();
        for word in self.notes.split([';', ' ', '\n']) {
            let w = word.trim();
            if w.starts_with("https://") || w.starts_with("http://") {
                super::push_unique(&mut references, w);
            }
        }
        super::Advisory {
            id: self.cve_id.trim().to_owned(),
            source: super::Source::Kev,
            publisher: "cisa-kev".to_owned(),
            vuln_ref: String::new(),
            unmapped_products: 0,
            aliases: Vec::new(),
            summary: self.name.clone(),
            details: self.description.clone(),
            published: Some(self.date_added.clone()),
            modified: None,
            withdrawn: None,
            cvss_vectors: Vec::new(),
            cwes: self.cwes.clone(),
            ssvc: None,
            references,
            affected: Vec::new(),
            cpes: Vec::new(),
            cpe_affected: Vec::new(),
        }
    }
}
