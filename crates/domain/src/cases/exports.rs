//! A published case's advisory in two more standards, from the same
//! [`CsafInput`] its CSAF document is built from:
//!
//! - [`osv`]: one OSV 1.6 record per vulnerability. The id carries the
//!   `x_` prefix the OSV schema reserves for databases outside its list
//!   (`x_CHX-CASE-<case>`, `-<n>` added when the case has several
//!   vulnerabilities); the vulnerability's ids are its aliases; affected
//!   packages come from the vendors' package-URL statements (affected,
//!   fixed: `introduced 0` / `fixed`, or the listed versions), CPE-only
//!   statements cannot be written in OSV and are counted in
//!   `database_specific`; CVSS 3.x and 4.0 vectors as severity; references
//!   and the reporters as credits.
//! - [`cve5`]: a CVE JSON 5.1 record (`CVE_RECORD`, state `PUBLISHED`) for
//!   a vulnerability with a CVE id, for a CNA to submit under its own org
//!   UUID: descriptions, affected products (vendor and product, the fixed
//!   version as `lessThan`, not-affected as `unaffected`), the CWE as a
//!   problem type, CVSS 3.x/4.0 metrics, references and credits.

use serde_json::{Value, json};

use super::csaf_out::{CsafInput, CsafStatement, CsafVulnerability};
use super::csaf_scores::references;
use super::vex::VexStatus;
use crate::cvss::{CvssVersion, score};
use crate::purl::Purl;

/// Why a record cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("{0} has no CVE id: a CNA reserves one before a CVE record can be written")]
    NoCveId(String),
    #[error("the assigner must be a CNA's organisation UUID, got {0:?}")]
    BadAssigner(String),
    #[error("the case has no vulnerability {0}")]
    UnknownVulnerability(String),
}

/// The OSV ecosystem and package name of a package URL, for the purl
/// types OSV names (the reverse of `purl::package_id_for_osv`).
fn osv_package(purl: &str) -> Option<(String, String)> {
    let p = Purl::parse(purl).ok()?;
    let id = &p.id;
    let ns = id.namespace.as_deref();
    let joined = |sep: &str| match ns {
        Some(n) => format!("{n}{sep}{}", id.name),
        None => id.name.clone(),
    };
    let (eco, name) = match (id.purl_type.as_str(), ns) {
        ("pypi", _) => ("PyPI", id.name.clone()),
        ("npm", _) => ("npm", joined("/")),
        ("maven", Some(_)) => ("Maven", joined(":")),
        ("golang", _) => ("Go", joined("/")),
        ("cargo", _) => ("crates.io", id.name.clone()),
        ("gem", _) => ("RubyGems", id.name.clone()),
        ("nuget", _) => ("NuGet", id.name.clone()),
        ("composer", _) => ("Packagist", joined("/")),
        ("hex", _) => ("Hex", id.name.clone()),
        ("pub", _) => ("Pub", id.name.clone()),
        ("hackage", _) => ("Hackage", id.name.clone()),
        ("cran", _) => ("CRAN", id.name.clone()),
        ("github", Some(_)) => ("GitHub Actions", joined("/")),
        ("deb", Some("debian")) => ("Debian", id.name.clone()),
        ("deb", Some("ubuntu")) => ("Ubuntu", id.name.clone()),
        ("apk", Some("alpine")) => ("Alpine", id.name.clone()),
        ("rpm", Some("redhat")) => ("Red Hat", id.name.clone()),
        _ => return None,
    };
    Some((eco.to_owned(), name))
}

fn mine<'a>(input: &'a CsafInput, v: &CsafVulnerability) -> Vec<&'a CsafStatement> {
    input
        .statements
        .iter()
        .filter(|s| s.vulnerability == v.id)
        .collect()
}

fn release_dates(input: &CsafInput) -> (String, String) {
    let first = input
        .revisions
        .first()
        .map(|r| r.date.clone())
        .unwrap_or_default();
    let last = input
        .revisions
        .last()
        .map(|r| r.date.clone())
        .unwrap_or_default();
    (first, last)
}

/// The OSV records of the case, one per vulnerability.
pub fn osv(input: &CsafInput) -> Vec<Value> {
    let (published, modified) = release_dates(input);
    let many = input.vulnerabilities.len() > 1;
    input
        .vulnerabilities
        .iter()
        .enumerate()
        .map(|(n, v)| {
            let id = if many {
                format!("x_{}-{}", input.tracking_id, n + 1)
            } else {
                format!("x_{}", input.tracking_id)
            };
            let mut affected = Vec::new();
            let mut unmapped = 0;
            for s in mine(input, v) {
                if !matches!(s.status, VexStatus::Affected | VexStatus::Fixed) {
                    continue;
                }
                let Some((ecosystem, name)) = (s.product_kind == "purl")
                    .then(|| osv_package(&s.product_given))
                    .flatten()
                else {
                    unmapped += 1;
                    continue;
                };
                let mut a = json!({"package": {"ecosystem": ecosystem, "name": name,
                                               "purl": s.product_given.split(['@', '?', '#']).next()}});
                match (&s.status, &s.fixed_version) {
                    (VexStatus::Fixed, Some(fixed)) => {
                        a["ranges"] = json!([{"type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": fixed}]}]);
                    }
                    _ if !s.versions.is_empty() => a["versions"] = json!(s.versions),
                    _ => {
                        a["ranges"] =
                            json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]);
                    }
                }
                affected.push(a);
            }
            let severity: Vec<Value> = first_per_version(&v.cvss_vectors)
                .into_iter()
                .map(|(version, vector)| {
                    let kind = if version == CvssVersion::V4_0 { "CVSS_V4" } else { "CVSS_V3" };
                    json!({"type": kind, "score": vector})
                })
                .collect();
            let mut refs: Vec<Value> = input
                .self_url
                .iter()
                .map(|u| json!({"type": "ADVISORY", "url": u}))
                .collect();
            refs.extend(
                references(&v.id, &v.aliases)
                    .into_iter()
                    .map(|r| json!({"type": "WEB", "url": r["url"]})),
            );
            let mut aliases = vec![v.id.clone()];
            aliases.extend(v.aliases.iter().filter(|a| **a != v.id).cloned());
            let mut out = json!({
                "schema_version": "1.6.0",
                "id": id,
                "modified": modified,
                "published": published,
                "aliases": aliases,
                "summary": if v.title.trim().is_empty() { &input.title } else { &v.title },
                "details": if v.description.trim().is_empty() { &input.summary } else { &v.description },
                "affected": affected,
                "references": refs,
                "credits": input.acknowledgments.iter()
                    .map(|a| json!({"name": a, "type": "REPORTER"})).collect::<Vec<_>>(),
                "database_specific": {"csaf_tracking_id": input.tracking_id,
                                      "cwe_ids": v.cwes, "unmapped_products": unmapped},
            });
            if !severity.is_empty() {
                out["severity"] = json!(severity);
            }
            out
        })
        .collect()
}

/// The first parsable vector of each of CVSS 3.x (3.1 before 3.0) and 4.0,
/// normalised, with its version.
fn first_per_version(vectors: &[String]) -> Vec<(CvssVersion, String)> {
    let parsed: Vec<_> = vectors.iter().filter_map(|v| score(v).ok()).collect();
    let mut out = Vec::new();
    if let Some(s) = parsed
        .iter()
        .find(|s| s.version == CvssVersion::V3_1)
        .or_else(|| parsed.iter().find(|s| s.version == CvssVersion::V3_0))
    {
        out.push((s.version, s.vector.clone()));
    }
    if let Some(s) = parsed.iter().find(|s| s.version == CvssVersion::V4_0) {
        out.push((s.version, s.vector.clone()));
    }
    out
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The CVE JSON 5.1 record of the case's vulnerability `vuln_id` (its
/// group id or a CVE alias), for the CNA whose UUID is `assigner`.
pub fn cve5(input: &CsafInput, vuln_id: &str, assigner: &str) -> Result<Value, ExportError> {
    if !is_uuid(assigner) {
        return Err(ExportError::BadAssigner(assigner.to_owned()));
    }
    let v = input
        .vulnerabilities
        .iter()
        .find(|v| v.id == vuln_id || v.aliases.iter().any(|a| a == vuln_id))
        .ok_or_else(|| ExportError::UnknownVulnerability(vuln_id.to_owned()))?;
    let cve = std::iter::once(&v.id)
        .chain(v.aliases.iter())
        .find(|a| a.starts_with("CVE-"))
        .ok_or_else(|| ExportError::NoCveId(v.id.clone()))?;
    let (published, modified) = release_dates(input);
    let mut affected = Vec::new();
    for s in mine(input, v) {
        let status = match s.status {
            VexStatus::Affected | VexStatus::Fixed => "affected",
            VexStatus::NotAffected => "unaffected",
            VexStatus::UnderInvestigation => "unknown",
        };
        let base = s.product_given.split(['@', '?', '#']).next().unwrap_or("");
        let (vendor, product) = if s.product_kind == "cpe" {
            let parts: Vec<&str> = base.split(':').collect();
            let at = if base.starts_with("cpe:2.3:") { 3 } else { 2 };
            (
                parts
                    .get(at)
                    .copied()
                    .unwrap_or("n/a")
                    .trim_start_matches('/')
                    .to_owned(),
                parts.get(at + 1).copied().unwrap_or(base).to_owned(),
            )
        } else {
            let name = osv_package(base).map_or_else(|| base.to_owned(), |(_, n)| n);
            (
                if s.vendor.is_empty() {
                    "n/a".to_owned()
                } else {
                    s.vendor.clone()
                },
                name,
            )
        };
        let mut item = json!({"vendor": vendor, "product": product, "defaultStatus": "unknown"});
        if s.product_kind == "cpe" {
            item["cpes"] = json!([s.product_given]);
        } else {
            item["packageName"] = json!(product);
        }
        let versions: Vec<Value> = match (&s.status, &s.fixed_version) {
            (VexStatus::Fixed, Some(fixed)) => vec![
                json!({"version": "0", "lessThan": fixed, "status": "affected", "versionType": "custom"}),
                json!({"version": fixed, "status": "unaffected"}),
            ],
            _ if !s.versions.is_empty() => s
                .versions
                .iter()
                .map(|ver| json!({"version": ver, "status": status}))
                .collect(),
            _ => {
                item["defaultStatus"] = json!(status);
                Vec::new()
            }
        };
        if !versions.is_empty() {
            item["versions"] = json!(versions);
        }
        affected.push(item);
    }
    let mut metrics = Vec::new();
    for (version, vector) in first_per_version(&v.cvss_vectors) {
        let Ok(s) = score(&vector) else { continue };
        let key = match version {
            CvssVersion::V3_0 => "cvssV3_0",
            CvssVersion::V3_1 => "cvssV3_1",
            CvssVersion::V4_0 => "cvssV4_0",
        };
        let mut m = serde_json::Map::new();
        m.insert(
            key.to_owned(),
            json!({"version": version.as_str(), "vectorString": s.vector,
                   "baseScore": s.base_score, "baseSeverity": s.severity.as_str()}),
        );
        metrics.push(Value::Object(m));
    }
    let mut refs: Vec<Value> = input
        .self_url
        .iter()
        .map(|u| json!({"url": u, "tags": ["vendor-advisory"]}))
        .collect();
    refs.extend(
        references(&v.id, &v.aliases)
            .into_iter()
            .filter(|r| !r["url"].as_str().unwrap_or("").ends_with(cve.as_str()))
            .map(|r| json!({"url": r["url"]})),
    );
    if refs.is_empty() {
        refs.push(json!({"url": format!("https://www.cve.org/CVERecord?id={cve}")}));
    }
    let description = if v.description.trim().is_empty() {
        &input.summary
    } else {
        &v.description
    };
    let title = if v.title.trim().is_empty() {
        &input.title
    } else {
        &v.title
    };
    let mut cna = json!({
        "providerMetadata": {"orgId": assigner, "dateUpdated": modified},
        "title": title,
        "descriptions": [{"lang": "en", "value": if description.trim().is_empty() { title } else { description }}],
        "affected": affected,
        "references": refs,
        "source": {"discovery": "EXTERNAL"},
    });
    if let Some((cwe, name)) = v
        .cwes
        .iter()
        .find_map(|c| crate::advisory::cwe_name(c).map(|n| (c, n)))
    {
        cna["problemTypes"] = json!([{"descriptions": [{"lang": "en", "cweId": cwe,
            "description": format!("{cwe} {name}"), "type": "CWE"}]}]);
    }
    if !metrics.is_empty() {
        cna["metrics"] = json!(metrics);
    }
    if !input.acknowledgments.is_empty() {
        cna["credits"] = json!(
            input
                .acknowledgments
                .iter()
                .map(|a| json!({"lang": "en", "value": a, "type": "reporter"}))
                .collect::<Vec<_>>()
        );
    }
    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve, "assignerOrgId": assigner, "state": "PUBLISHED",
                        "datePublished": published, "dateUpdated": modified},
        "containers": {"cna": cna},
    }))
}

#[cfg(test)]
#[path = "exports_tests.rs"]
mod tests;
