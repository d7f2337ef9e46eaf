//! CVE JSON 5 records (<https://github.com/CVEProject/cve-schema>) to [`Advisory`].
//!
//! The CNA container and every ADP container are read alike: their `affected`,
//! `metrics` (`cvssV4_0`, `cvssV3_1`, `cvssV3_0` vectors), `problemTypes` (CWE ids) and
//! `references`; the SSVC decision comes from an ADP metric `other` of type `ssvc`.
//! `cveMetadata.state` must be `PUBLISHED` or absent (with a CNA container), `REJECTED` (then
//! `withdrawn` is `dateRejected`, else `dateUpdated`) or `RESERVED` (an empty advisory).
//! GHSA and Go ids named by a reference URL (`.../advisories/GHSA-...`,
//! `pkg.go.dev/vuln/GO-...`) become aliases.
//!
//! An `affected` entry has a package identity when `packageName` and a registry
//! `collectionURL` (see [`ecosystem_for_collection`]) name one, or when it carries a
//! `packageURL`/`purl`. Its `versions[]` become OSV ranges (see [`versions`]);
//! entries without package identity also list their `cpes` as named products.
//! Every entry's `cpes`, with the same versions, and the CVE 5.1 `cpeApplicability`
//! configurations become [`Advisory::cpe_affected`] (see [`crate::cpe::ranges`]), so
//! components are matched by CPE too.

mod versions;

use serde::Deserialize;

use super::{
    Advisory, AdvisoryError, Affected, MAX_AFFECTED, MAX_LIST, Source, check_len, drop_self,
    from_json, nullable, push_cvss, push_cwe, push_unique,
};
use crate::cpe::ranges as cpe_ranges;
use crate::purl::{PackageId, Purl, package_id_for_osv};
use crate::ssvc::CisaSsvcInputs;
use crate::versions::Ecosystem;

const FORMAT: &str = "CVE JSON 5";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(default)]
    data_type: Option<String>,
    #[serde(default)]
    cve_metadata: Option<Metadata>,
    #[serde(default)]
    containers: Option<Containers>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    #[serde(default)]
    cve_id: Option<String>,
    #[serde(default)]
    assigner_short_name: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    date_published: Option<String>,
    #[serde(default)]
    date_updated: Option<String>,
    #[serde(default)]
    date_rejected: Option<String>,
    #[serde(default)]
    date_reserved: Option<String>,
}

#[derive(Deserialize)]
struct Containers {
    #[serde(default)]
    cna: Option<Container>,
    #[serde(default, deserialize_with = "nullable")]
    adp: Vec<Container>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Container {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    descriptions: Vec<Description>,
    #[serde(default, deserialize_with = "nullable")]
    rejected_reasons: Vec<Description>,
    #[serde(default, deserialize_with = "nullable")]
    affected: Vec<CveAffected>,
    #[serde(default, deserialize_with = "nullable")]
    metrics: Vec<Metric>,
    #[serde(default, deserialize_with = "nullable")]
    problem_types: Vec<ProblemType>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<Reference>,
    /// CVE 5.1: configurations of CPE match criteria.
    #[serde(default, deserialize_with = "nullable")]
    cpe_applicability: Vec<crate::cpe::ranges::Configuration>,
}

#[derive(Deserialize)]
struct Description {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CveAffected {
    #[serde(default, rename = "collectionURL")]
    collection_url: Option<String>,
    #[serde(default)]
    package_name: Option<String>,
    #[serde(default, alias = "purl", rename = "packageURL")]
    package_url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    cpes: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    versions: Vec<versions::CveVersion>,
    #[serde(default)]
    default_status: Option<String>,
}

#[derive(Deserialize)]
struct Metric {
    #[serde(default, rename = "cvssV4_0")]
    v4_0: Option<Cvss>,
    #[serde(default, rename = "cvssV3_1")]
    v3_1: Option<Cvss>,
    #[serde(default, rename = "cvssV3_0")]
    v3_0: Option<Cvss>,
    #[serde(default)]
    other: Option<Other>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cvss {
    #[serde(default)]
    vector_string: Option<String>,
}

#[derive(Deserialize)]
struct Other {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    content: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ProblemType {
    #[serde(default, deserialize_with = "nullable")]
    descriptions: Vec<ProblemDescription>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDescription {
    #[serde(default)]
    cwe_id: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    url: Option<String>,
}

/// Reads one CVE JSON 5 record.
pub fn parse_cve5(bytes: &[u8]) -> Result<Advisory, AdvisoryError> {
    let value: serde_json::Value = from_json(FORMAT, bytes)?;
    super::cve5_checks::check(&value)?;
    let r: Record = from_json(FORMAT, bytes)?;
    if let Some(t) = r.data_type.as_deref().filter(|t| *t != "CVE_RECORD") {
        return Err(AdvisoryError::field_error(
            FORMAT,
            "dataType",
            format!("expected CVE_RECORD, found {t:?}"),
        ));
    }
    let meta = r
        .cve_metadata
        .ok_or_else(|| AdvisoryError::field_error(FORMAT, "cveMetadata", "required"))?;
    let id = meta
        .cve_id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| AdvisoryError::field_error(FORMAT, "cveMetadata.cveId", "required"))?;
    let containers = r.containers.unwrap_or(Containers {
        cna: None,
        adp: Vec::new(),
    });
    check_len(
        FORMAT,
        || "containers.adp".into(),
        &containers.adp,
        MAX_LIST,
    )?;
    let state = meta.state.as_deref().unwrap_or_default().trim();
    let rejected = state.eq_ignore_ascii_case("REJECTED");
    // The Go CNA's records (CVE publishing format) carry no state: published.
    let published = state.is_empty() || state.eq_ignore_ascii_case("PUBLISHED");
    if !(rejected || published || state.eq_ignore_ascii_case("RESERVED")) {
        return Err(AdvisoryError::field_error(
            FORMAT,
            "cveMetadata.state",
            format!("expected PUBLISHED, REJECTED or RESERVED, found {state:?}"),
        ));
    }
    if published && containers.cna.is_none() {
        return Err(AdvisoryError::field_error(
            FORMAT,
            "containers.cna",
            "required in a PUBLISHED record",
        ));
    }
    let withdrawn = rejected.then(|| {
        meta.date_rejected
            .clone()
            .or_else(|| meta.date_updated.clone())
            .or_else(|| meta.date_published.clone())
            .or_else(|| meta.date_reserved.clone())
            .unwrap_or_default()
    });

    let cna = containers.cna.unwrap_or_default();
    let publisher = meta
        .assigner_short_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("cve")
        .to_owned();
    let mut out = Advisory {
        id,
        source: Source::Cve,
        publisher,
        vuln_ref: String::new(),
        unmapped_products: 0,
        aliases: Vec::new(),
        summary: cna.title.clone().unwrap_or_default(),
        details: english(if rejected && cna.descriptions.is_empty() {
            &cna.rejected_reasons
        } else {
            &cna.descriptions
        }),
        published: meta.date_published,
        modified: meta.date_updated,
        withdrawn,
        cvss_vectors: Vec::new(),
        cwes: Vec::new(),
        ssvc: None,
        references: Vec::new(),
        affected: Vec::new(),
        cpes: Vec::new(),
        cpe_affected: Vec::new(),
    };
    read_container(&mut out, &cna, "containers.cna")?;
    for (i, adp) in containers.adp.iter().enumerate() {
        read_container(&mut out, adp, &format!("containers.adp[{i}]"))?;
    }
    let id = out.id.clone();
    drop_self(&mut out.aliases, &id);
    // The CNA's title is the summary and its description the details.
    super::check_text(
        FORMAT,
        &out,
        "containers.cna.title",
        "containers.cna.descriptions",
    )?;
    Ok(out)
}

/// The English description (else the first one).
fn english(descriptions: &[Description]) -> String {
    descriptions
        .iter()
        .find(|d| d.lang.to_ascii_lowercase().starts_with("en"))
        .or(descriptions.first())
        .map(|d| d.value.clone())
        .unwrap_or_default()
}

fn read_container(out: &mut Advisory, c: &Container, path: &str) -> Result<(), AdvisoryError> {
    check_len(
        FORMAT,
        || format!("{path}.affected"),
        &c.affected,
        MAX_AFFECTED,
    )?;
    check_len(FORMAT, || format!("{path}.metrics"), &c.metrics, MAX_LIST)?;
    check_len(
        FORMAT,
        || format!("{path}.references"),
        &c.references,
        MAX_LIST,
    )?;
    for (i, m) in c.metrics.iter().enumerate() {
        for cvss in [&m.v4_0, &m.v3_1, &m.v3_0].into_iter().flatten() {
            push_cvss(
                &mut out.cvss_vectors,
                cvss.vector_string.as_deref().unwrap_or_default(),
            );
        }
        let Some(other) = &m.other else { continue };
        if !other
            .kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("ssvc"))
        {
            continue;
        }
        let Some(options) = other.content.as_ref().and_then(|c| c.get("options")) else {
            continue;
        };
        let inputs = CisaSsvcInputs::from_json(options).map_err(|e| {
            let field = format!("{path}.metrics[{i}].other.content.options");
            AdvisoryError::field_error(FORMAT, field, e.to_string())
        })?;
        out.ssvc.get_or_insert(inputs);
    }
    for d in c.problem_types.iter().flat_map(|p| &p.descriptions) {
        push_cwe(&mut out.cwes, d.cwe_id.as_deref().unwrap_or_default());
    }
    for r in &c.references {
        let url = r.url.as_deref().unwrap_or_default();
        push_unique(&mut out.references, url);
        if let Some(alias) = alias_in_url(url) {
            push_unique(&mut out.aliases, alias);
        }
    }
    for (i, a) in c.affected.iter().enumerate() {
        let here = || format!("{path}.affected[{i}]");
        check_len(
            FORMAT,
            || format!("{}.versions", here()),
            &a.versions,
            MAX_LIST,
        )?;
        check_len(FORMAT, || format!("{}.cpes", here()), &a.cpes, MAX_LIST)?;
        let (ranges, listed) = versions::to_osv(&a.versions, a.default_status.as_deref());
        for cpe in &a.cpes {
            if let Some(by_cpe) = cpe_ranges::with_versions(cpe, &ranges, &listed) {
                cpe_ranges::merge(&mut out.cpe_affected, by_cpe);
            }
        }
        let Some((package, ecosystem)) = identity(a) else {
            for cpe in &a.cpes {
                push_unique(&mut out.cpes, cpe);
            }
            continue;
        };
        if ranges.is_empty() && listed.is_empty() {
            continue;
        }
        merge(&mut out.affected, package, ecosystem, ranges, listed);
    }
    check_len(
        FORMAT,
        || format!("{path}.cpeApplicability"),
        &c.cpe_applicability,
        MAX_LIST,
    )?;
    cpe_ranges::from_configurations(&c.cpe_applicability, &mut out.cpe_affected);
    Ok(())
}

/// Adds ranges and versions to the package's entry (CNA and ADP may both name it).
fn merge(
    affected: &mut Vec<Affected>,
    package: PackageId,
    ecosystem: Ecosystem,
    ranges: Vec<crate::versions::OsvRange>,
    listed: Vec<String>,
) {
    let entry = match affected.iter().position(|a| a.package == package) {
        Some(i) => &mut affected[i],
        None => {
            affected.push(Affected::new(package, ecosystem));
            let last = affected.len() - 1;
            &mut affected[last]
        }
    };
    for r in ranges {
        if !entry.ranges.contains(&r) {
            entry.ranges.push(r);
        }
    }
    for v in &listed {
        push_unique(&mut entry.versions, v);
    }
}

/// A GHSA or Go vulnerability id that a reference URL names as its last path segment.
fn alias_in_url(url: &str) -> Option<&str> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    let ghsa = last.len() == 19
        && last.starts_with("GHSA-")
        && (url.contains("/advisories/") || url.contains("/security/advisories/"));
    let go = last.starts_with("GO-") && url.contains("pkg.go.dev/vuln/");
    (ghsa || go).then_some(last)
}

/// The package identity of an affected entry: `packageURL`/`purl`, else
/// `collectionURL` + `packageName`.
fn identity(a: &CveAffected) -> Option<(PackageId, Ecosystem)> {
    if let Some(purl) = a.package_url.as_deref().and_then(|p| Purl::parse(p).ok()) {
        let eco = Ecosystem::from_purl_type(&purl.id.purl_type);
        return Some((purl.id, eco));
    }
    let osv = ecosystem_for_collection(a.collection_url.as_deref()?)?;
    let id = package_id_for_osv(osv, a.package_name.as_deref()?)?;
    Some((id, Ecosystem::from_osv(osv)))
}

/// The OSV ecosystem of a package registry's `collectionURL`, by host.
pub(super) fn ecosystem_for_collection(url: &str) -> Option<&'static str> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    Some(match host {
        "pypi.org" | "pypi.python.org" | "upload.pypi.org" => "PyPI",
        "npmjs.com" | "npmjs.org" | "registry.npmjs.org" => "npm",
        "crates.io" => "crates.io",
        "pkg.go.dev" | "proxy.golang.org" | "go.dev" => "Go",
        "rubygems.org" => "RubyGems",
        "nuget.org" | "api.nuget.org" => "NuGet",
        "repo.maven.apache.org"
        | "repo1.maven.org"
        | "central.sonatype.com"
        | "search.maven.org"
        | "mvnrepository.com" => "Maven",
        "packagist.org" | "repo.packagist.org" => "Packagist",
        "hex.pm" | "repo.hex.pm" => "Hex",
        "pub.dev" => "Pub",
        "hackage.haskell.org" => "Hackage",
        _ => return None,
    })
}
