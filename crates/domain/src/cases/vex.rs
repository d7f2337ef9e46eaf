//! Vendor statements (VEX) as pure rules: a vendor states, per
//! vulnerability and product, `affected`, `not_affected` (with a CSAF
//! justification, required), `fixed` (in which version, required) or
//! `under_investigation`, with remediation text ([`StatementInput::validate`]).
//! [`Justification::parse`] takes the CSAF 2.0 flag labels and maps
//! CycloneDX's `analysis.justification` values onto them (the mapping CISA's
//! VEX minimum requirements give). [`covers`] says whether a statement
//! takes a component version out of exposure, a version listed or inside a
//! listed range (`vers:` or CISA's bare form, [`in_versions`] through the
//! versions module); a `fixed` statement also covers every version the
//! product's ecosystem orders at or above its fixed version
//! ([`at_or_above`]), and a fixed version is checked against that
//! ecosystem's grammar. [`FieldPaths`] carries where each field came from
//! in a document, so a refusal names the document's own field
//! (`vulnerabilities[0].analysis.state` for CycloneDX,
//! `super::vex_cyclonedx`).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{CaseError, ProductRef, err};
use crate::text;
use crate::versions::{Decision, Ecosystem, compare, decide, parse_vers};

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

/// Where each field of a statement is named in what it came from: a
/// request's `statements[3].status`, a CSAF document's status entry, a
/// CycloneDX document's `vulnerabilities[0].analysis.state`. Refusals name
/// these paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPaths {
    pub vulnerability: String,
    pub product: String,
    /// The path of each entry of `versions`, in order; an entry without one
    /// is named `{versions}[i]`.
    pub version_entries: Vec<String>,
    pub versions: String,
    pub status: String,
    pub justification: String,
    pub fixed_version: String,
    pub remediation: String,
}

impl FieldPaths {
    /// Every field under one prefix: `{at}.status` (or `status` for none).
    pub fn under(at: &str) -> FieldPaths {
        let f = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        FieldPaths {
            vulnerability: f("vulnerability"),
            product: f("product"),
            version_entries: Vec::new(),
            versions: f("versions"),
            status: f("status"),
            justification: f("justification"),
            fixed_version: f("fixed_version"),
            remediation: f("remediation"),
        }
    }

    /// The path of `versions[i]`.
    pub fn version(&self, i: usize) -> String {
        self.version_entries
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("{}[{i}]", self.versions))
    }
}

impl StatementInput {
    /// Checks a statement; errors name `{at}.field`.
    pub fn validate(&self, at: &str) -> Result<Statement, CaseError> {
        self.validate_at(&FieldPaths::under(at))
    }

    /// Checks a statement; errors name the field's path in `paths`.
    pub fn validate_at(&self, paths: &FieldPaths) -> Result<Statement, CaseError> {
        let vulnerability = self.vulnerability.trim().to_owned();
        if vulnerability.is_empty() || vulnerability.len() > 64 {
            return Err(err(
                &paths.vulnerability,
                "name the vulnerability (its CVE or CHX id)",
            ));
        }
        text::check_line(&paths.vulnerability, &vulnerability)?;
        let product = ProductRef::parse(&paths.product, &self.product)?;
        if self.versions.len() > MAX_VERSIONS {
            return Err(err(
                &paths.versions,
                format!("at most {MAX_VERSIONS} versions"),
            ));
        }
        let versions = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| version_text(&paths.version(i), v))
            .collect::<Result<Vec<_>, _>>()?;
        let status = VexStatus::parse(&paths.status, self.status.trim())?;
        let justification = match (&self.justification, status) {
            (Some(j), VexStatus::NotAffected) => {
                Some(Justification::parse(&paths.justification, j.trim())?)
            }
            (None, VexStatus::NotAffected) => {
                return Err(err(
                    &paths.justification,
                    "a not_affected statement needs a justification (such as vulnerable_code_not_present)",
                ));
            }
            (Some(_), _) => {
                return Err(err(
                    &paths.justification,
                    "only a not_affected statement has a justification",
                ));
            }
            (None, _) => None,
        };
        let fixed_version = match (&self.fixed_version, status) {
            (Some(v), VexStatus::Fixed) => {
                let v = version_text(&paths.fixed_version, v)?;
                check_in_ecosystem(&paths.fixed_version, ecosystem_of(&product.key), &v)?;
                Some(v)
            }
            (None, VexStatus::Fixed) => {
                return Err(err(
                    &paths.fixed_version,
                    "a fixed statement names the version that fixes it",
                ));
            }
            (Some(_), _) => {
                return Err(err(
                    &paths.fixed_version,
                    "only a fixed statement has a fixed_version",
                ));
            }
            (None, _) => None,
        };
        let remediation = self.remediation.trim().to_owned();
        if remediation.chars().count() > 20_000 {
            return Err(err(&paths.remediation, "must be at most 20000 characters"));
        }
        text::check_long_text(&paths.remediation, &remediation)?;
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

/// A single version (not a range) must be one the product's ecosystem
/// orders: `2.4.1` for PyPI, not `two`; a product without a known ordering
/// (a CPE, a generic package) takes any version text.
pub fn check_in_ecosystem(field: &str, eco: Ecosystem, version: &str) -> Result<(), CaseError> {
    if eco == Ecosystem::Other || is_range(version) {
        return Ok(());
    }
    compare(eco, version, version)
        .map(|_| ())
        .map_err(|e| err(field, format!("not a {eco} version: {}", e.reason)))
}

/// Orders two versions of a product: its ecosystem's ordering, and for a
/// product without one (a CPE, `vers:generic`) dotted numbers compared
/// part by part (`1.10` after `1.9`). None when they cannot be ordered.
pub fn order(eco: Ecosystem, a: &str, b: &str) -> Option<Ordering> {
    match eco {
        Ecosystem::Other if dotted(a) && dotted(b) => compare(Ecosystem::Hackage, a, b).ok(),
        Ecosystem::Other => None,
        _ => compare(eco, a, b).ok(),
    }
}

/// `1`, `2.3`, `10.0.4`: numbers joined by dots.
fn dotted(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// Whether `version` is at or above a fixed version (the same text, or
/// ordered at or after it; inside it when the fix is stated as a range).
pub fn at_or_above(eco: Ecosystem, version: &str, fixed: &str) -> bool {
    if is_range(fixed) {
        return in_versions(eco, &[fixed.to_owned()], version);
    }
    version.trim() == fixed.trim()
        || matches!(
            order(eco, version, fixed),
            Some(Ordering::Greater | Ordering::Equal)
        )
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
/// npm), else `eco` (the product's ecosystem); without either (a CPE,
/// `vers:generic`, CISA's examples) dotted numbers are ordered part by
/// part. A version the ordering cannot place is not inside (the component
/// stays exposed).
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
        let mut eco = scheme.map_or(eco, Ecosystem::from_purl_type);
        let ranges: Vec<_> = read.range.into_iter().collect();
        // No ordering known (a CPE, `vers:generic`): dotted numbers still order.
        let bounds_dotted = ranges.iter().flat_map(|r| r.events.iter()).all(|e| {
            use crate::versions::OsvEvent::*;
            match e {
                Introduced(v) | Fixed(v) | LastAffected(v) | Limit(v) => v == "0" || dotted(v),
            }
        });
        if eco == Ecosystem::Other && dotted(version) && bounds_dotted {
            eco = Ecosystem::Hackage;
        }
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
/// inside a listed range; `fixed` for the listed versions and ranges and
/// every version at or above the fixed version ([`at_or_above`], in the
/// product's ecosystem). Ranges are evaluated with [`in_versions`].
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
        VexStatus::Fixed => version
            .is_some_and(|v| listed(v) || fixed_version.is_some_and(|f| at_or_above(eco, v, f))),
        VexStatus::Affected | VexStatus::UnderInvestigation => false,
    }
}
