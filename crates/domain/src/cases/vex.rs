//! Vendor statements (VEX) as pure rules: a vendor states, per
//! vulnerability and product, `affected`, `not_affected` (with a CSAF
//! justification, required), `fixed` (in which version, required) or
//! `under_investigation`, with remediation text ([`StatementInput::validate`]).
//! [`Justification::parse`] takes the CSAF 2.0 flag labels and maps
//! CycloneDX's `analysis.justification` values onto them (the mapping CISA's
//! VEX minimum requirements give). [`covers`] says whether a statement
//! takes a component version out of exposure, a version listed or inside a
//! listed range (`vers:` or CISA's bare form, [`in_versions`] through the
//! versions module); [`read_cyclonedx_vex`] reads a
//! CycloneDX VEX document (JSON) into statements.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CaseError, ProductRef, err};
use crate::text;
use crate::versions::{Decision, Ecosystem, decide, parse_vers};

/// Most statements one document or request carries.
pub const MAX_STATEMENTS: usize = 10_000;
/// Most versions one statement lists.
pub const MAX_VERSIONS: usize = 1_000;

/// A product's status for a vulnerability (CSAF `product_status` /
/// CISA VEX status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::Affected => "affected",
            VexStatus::NotAffected => "not_affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<VexStatus, CaseError> {
        match s {
            "affected" => Ok(VexStatus::Affected),
            "not_affected" => Ok(VexStatus::NotAffected),
            "fixed" => Ok(VexStatus::Fixed),
            "under_investigation" => Ok(VexStatus::UnderInvestigation),
            _ => Err(err(
                field,
                "must be affected, not_affected, fixed or under_investigation",
            )),
        }
    }
}

/// Why a product is not affected: the five CSAF 2.0 flag labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeCannotBeControlledByAdversary,
    VulnerableCodeNotInExecutePath,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// A CSAF flag label, or a CycloneDX justification mapped onto one.
    pub fn parse(field: &str, s: &str) -> Result<Justification, CaseError> {
        use Justification::*;
        Ok(match s {
            "component_not_present" => ComponentNotPresent,
            "vulnerable_code_not_present" | "code_not_present" => VulnerableCodeNotPresent,
            "vulnerable_code_cannot_be_controlled_by_adversary"
            | "requires_configuration"
            | "requires_dependency"
            | "requires_environment" => VulnerableCodeCannotBeControlledByAdversary,
            "vulnerable_code_not_in_execute_path" | "code_not_reachable" => {
                VulnerableCodeNotInExecutePath
            }
            "inline_mitigations_already_exist"
            | "protected_by_compiler"
            | "protected_at_runtime"
            | "protected_at_perimeter"
            | "protected_by_mitigating_control" => InlineMitigationsAlreadyExist,
            _ => {
                return Err(err(
                    field,
                    "must be a CSAF justification: component_not_present, \
                     vulnerable_code_not_present, vulnerable_code_cannot_be_controlled_by_adversary, \
                     vulnerable_code_not_in_execute_path or inline_mitigations_already_exist",
                ));
            }
        })
    }
}

/// A statement as received (API body or one read from a document).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StatementInput {
    /// The vulnerability (CVE or CHX id, or the case's group id).
    pub vulnerability: String,
    /// A package URL or CPE of the vendor's product.
    pub product: String,
    /// Versions the statement is about; none: every version.
    #[serde(default)]
    pub versions: Vec<String>,
    pub status: String,
    pub justification: Option<String>,
    pub fixed_version: Option<String>,
    #[serde(default)]
    pub remediation: String,
}

/// A statement that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub vulnerability: String,
    pub product: ProductRef,
    pub product_given: String,
    pub versions: Vec<String>,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    pub fixed_version: Option<String>,
    pub remediation: String,
}

fn version_text(field: &str, v: &str) -> Result<String, CaseError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 200 {
        return Err(err(field, "a version is 1 to 200 characters"));
    }
    text::check_line(field, v)?;
    if is_range(v) && parse_vers(v).is_none() {
        return Err(err(
            field,
            "a range is vers:<scheme>/<constraints> (>=, <=, <, = joined by |) or a bare <V, <=V, >=V",
        ));
    }
    Ok(v.to_owned())
}

impl StatementInput {
    /// Checks a statement; errors name `{at}.field`.
    pub fn validate(&self, at: &str) -> Result<Statement, CaseError> {
        let f = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        let vulnerability = self.vulnerability.trim().to_owned();
        if vulnerability.is_empty() || vulnerability.len() > 64 {
            return Err(err(
                f("vulnerability"),
                "name the vulnerability (its CVE or CHX id)",
            ));
        }
        text::check_line(&f("vulnerability"), &vulnerability)?;
        let product = ProductRef::parse(&f("product"), &self.product)?;
        if self.versions.len() > MAX_VERSIONS {
            return Err(err(
                f("versions"),
                format!("at most {MAX_VERSIONS} versions"),
            ));
        }
        let versions = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| version_text(&f(&format!("versions[{i}]")), v))
            .collect::<Result<Vec<_>, _>>()?;
        let status = VexStatus::parse(&f("status"), self.status.trim())?;
        let justification = match (&self.justification, status) {
            (Some(j), VexStatus::NotAffected) => {
                Some(Justification::parse(&f("justification"), j.trim())?)
            }
            (None, VexStatus::NotAffected) => {
                return Err(err(
                    f("justification"),
                    "a not_affected statement needs a justification (such as vulnerable_code_not_present)",
                ));
            }
            (Some(_), _) => {
                return Err(err(
                    f("justification"),
                    "only a not_affected statement has a justification",
                ));
            }
            (None, _) => None,
        };
        let fixed_version = match (&self.fixed_version, status) {
            (Some(v), VexStatus::Fixed) => Some(version_text(&f("fixed_version"), v)?),
            (None, VexStatus::Fixed) => {
                return Err(err(
                    f("fixed_version"),
                    "a fixed statement names the version that fixes it",
                ));
            }
            (Some(_), _) => {
                return Err(err(
                    f("fixed_version"),
                    "only a fixed statement has a fixed_version",
                ));
            }
            (None, _) => None,
        };
        let remediation = self.remediation.trim().to_owned();
        if remediation.chars().count() > 20_000 {
            return Err(err(f("remediation"), "must be at most 20000 characters"));
        }
        text::check_long_text(&f("remediation"), &remediation)?;
        Ok(Statement {
            vulnerability,
            product,
            product_given: self.product.trim().to_owned(),
            versions,
            status,
            justification,
            fixed_version,
            remediation,
        })
    }
}

/// Whether a `versions` entry is a range rather than one version: the
/// purl project's `vers:` form (`vers:npm/>=1.0.0|<2.0.0`) or CISA's bare
/// comparator form (`<V2.3`, `>=1.0|<=1.4`).
pub fn is_range(entry: &str) -> bool {
    let e = entry.trim();
    e.starts_with("vers:") || e.starts_with('<') || e.starts_with(">=")
}

/// Whether `version` is one of `versions`: listed exactly, or inside a
/// listed range evaluated with the range's own scheme (`vers:npm/...`:
/// npm), else `eco` (the product's ecosystem). A version the ordering
/// cannot place is not inside (the component stays exposed).
pub fn in_versions(eco: Ecosystem, versions: &[String], version: &str) -> bool {
    versions.iter().any(|entry| {
        if !is_range(entry) {
            return entry.trim() == version.trim();
        }
        let Some(read) = parse_vers(entry) else {
            return false;
        };
        let scheme = entry
            .trim()
            .strip_prefix("vers:")
            .and_then(|rest| rest.split_once('/'))
            .map(|(s, _)| s)
            .filter(|s| *s != "all" && *s != "generic");
        let eco = scheme.map_or(eco, Ecosystem::from_purl_type);
        let ranges: Vec<_> = read.range.into_iter().collect();
        decide(eco, version, &ranges, &read.versions).decision == Decision::Affected
    })
}

/// The ecosystem whose ordering a product key's versions follow: a
/// package URL's type; a CPE (no ordering known): `Other`.
pub fn ecosystem_of(product_key: &str) -> Ecosystem {
    product_key
        .strip_prefix("pkg:")
        .and_then(|rest| rest.split_once('/'))
        .map_or(Ecosystem::Other, |(t, _)| Ecosystem::from_purl_type(t))
}

/// Whether a statement takes a component at `version` out of exposure:
/// `not_affected` for every version (none listed) or a listed one or one
/// inside a listed range; `fixed` for the fixed version and the listed
/// versions and ranges. Ranges are evaluated with [`in_versions`].
pub fn covers(
    eco: Ecosystem,
    status: VexStatus,
    versions: &[String],
    fixed_version: Option<&str>,
    version: Option<&str>,
) -> bool {
    let listed = |v: &str| in_versions(eco, versions, v);
    match status {
        VexStatus::NotAffected => versions.is_empty() || version.is_some_and(listed),
        VexStatus::Fixed => version.is_some_and(|v| Some(v) == fixed_version || listed(v)),
        VexStatus::Affected | VexStatus::UnderInvestigation => false,
    }
}

/// Reads a CycloneDX VEX document (JSON, 1.4 to 1.6): each
/// `vulnerabilities[i]` × `affects[j]` is a statement for the product the
/// `ref` names (a component's or the metadata component's `bom-ref` with a
/// `purl` or `cpe`, or a package URL itself). `analysis.state`:
/// `not_affected` and `false_positive` → not_affected (a justification is
/// required), `resolved` → fixed (the `unaffected` version of `affects` is
/// the fixed version), `exploitable` → affected, `in_triage` →
/// under_investigation. Errors name the JSON path.
pub fn read_cyclonedx_vex(doc: &Value) -> Result<Vec<StatementInput>, CaseError> {
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(err("bomFormat", "not a CycloneDX document"));
    }
    let vulns = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or_else(|| err("vulnerabilities", "a VEX document lists vulnerabilities"))?;
    let mut refs: Vec<(String, String)> = Vec::new();
    let mut collect = |c: &Value| {
        if let Some(r) = c.get("bom-ref").and_then(Value::as_str) {
            let id = c
                .get("purl")
                .or_else(|| c.get("cpe"))
                .and_then(Value::as_str);
            if let Some(id) = id {
                refs.push((r.to_owned(), id.to_owned()));
            }
        }
    };
    if let Some(c) = doc.pointer("/metadata/component") {
        collect(c);
    }
    for c in doc
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(c);
    }
    let mut out = Vec::new();
    for (i, v) in vulns.iter().enumerate() {
        let at = format!("vulnerabilities[{i}]");
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("{at}.id"), "missing"))?;
        let state = v
            .pointer("/analysis/state")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    format!("{at}.analysis.state"),
                    "a VEX statement states the analysis",
                )
            })?;
        let status = match state {
            "not_affected" | "false_positive" => "not_affected",
            "resolved" | "resolved_with_pedigree" => "fixed",
            "exploitable" => "affected",
            "in_triage" => "under_investigation",
            _ => {
                return Err(err(
                    format!("{at}.analysis.state"),
                    "unknown analysis state",
                ));
            }
        };
        let justification = v
            .pointer("/analysis/justification")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| (state == "false_positive").then(|| "component_not_present".to_owned()));
        let remediation = v
            .get("recommendation")
            .or_else(|| v.pointer("/analysis/detail"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let affects = v
            .get("affects")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| err(format!("{at}.affects"), "names no product"))?;
        for (j, a) in affects.iter().enumerate() {
            let r = a
                .get("ref")
                .and_then(Value::as_str)
                .ok_or_else(|| err(format!("{at}.affects[{j}].ref"), "missing"))?;
            // A BOM-link (`urn:cdx:<serial>/<version>#<bom-ref>`) names a
            // component of another BOM by its bom-ref.
            let local = r.rsplit_once('#').map_or(r, |(_, frag)| frag);
            let product = if local.starts_with("pkg:") || local.starts_with("cpe:") {
                local.to_owned()
            } else {
                refs.iter()
                    .find(|(b, _)| b == r || b == local)
                    .map(|(_, p)| p.clone())
                    .ok_or_else(|| {
                        err(
                            format!("{at}.affects[{j}].ref"),
                            format!("'{r}' names no component with a purl or CPE in this document"),
                        )
                    })?
            };
            let mut versions = Vec::new();
            let mut fixed = None;
            // For a fixed statement: the ranges stated unaffected (fixed in them).
            let mut fixed_ranges = Vec::new();
            for ver in a
                .get("versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(text) = ver
                    .get("version")
                    .or_else(|| ver.get("range"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let unaffected = ver.get("status").and_then(Value::as_str) == Some("unaffected");
                match (status == "fixed" && unaffected, is_range(text)) {
                    (true, true) => fixed_ranges.push(text.to_owned()),
                    (true, false) => {
                        fixed.get_or_insert_with(|| text.to_owned());
                    }
                    (false, _) => versions.push(text.to_owned()),
                }
            }
            // A package URL with a version names that version.
            if versions.is_empty()
                && fixed.is_none()
                && fixed_ranges.is_empty()
                && let Some(v) = crate::purl::Purl::parse(&product)
                    .ok()
                    .and_then(|p| p.version)
            {
                versions.push(v);
            }
            if status == "fixed" && fixed.is_none() {
                fixed = versions
                    .iter()
                    .rev()
                    .find(|v| !is_range(v))
                    .cloned()
                    .or_else(|| fixed_ranges.first().cloned());
            }
            out.push(StatementInput {
                vulnerability: id.to_owned(),
                product,
                versions: if status == "fixed" {
                    fixed_ranges
                } else {
                    versions
                },
                status: status.to_owned(),
                justification: if status == "not_affected" {
                    justification.clone()
                } else {
                    None
                },
                fixed_version: fixed,
                remediation: remediation.clone(),
            });
            if out.len() > MAX_STATEMENTS {
                return Err(err(
                    "vulnerabilities",
                    format!("at most {MAX_STATEMENTS} statements"),
                ));
            }
        }
    }
    Ok(out)
}
