//! CycloneDX VEX documents (JSON, 1.4 to 1.7) read into vendor statements,
//! with every refusal worded in CycloneDX terms and naming the document's
//! own field (`vulnerabilities[0].analysis.state`,
//! `vulnerabilities[0].affects[1].ref`).
//!
//! Each `vulnerabilities[i]` × `affects[j]` is one statement. Its `ref`
//! names the product:
//!
//! - a package URL or CPE, itself or as the fragment of a BOM-link
//!   (`urn:cdx:<serial>/<version>#pkg:...`);
//! - a `bom-ref` of the document's `metadata.component` or of one of its
//!   `components` (nested ones too), or, through a BOM-link, of a BOM
//!   uploaded with the VEX (the "linked" BOMs, matched by serial number and
//!   version). The component's `purl`, else its `cpe`, is the product;
//!   a component with neither (CISA's examples: `"name": "ABC"`) is a
//!   [`NamedComponent`], which the caller matches against the products the
//!   vendor map gives the stating vendor ([`resolve_named`], in
//!   `vex_named.rs`).
//!
//! `analysis.state`: `not_affected` and `false_positive` → not_affected
//! (with `analysis.justification`, required for `not_affected`),
//! `resolved` and `resolved_with_pedigree` → fixed, `exploitable` →
//! affected, `in_triage` → under_investigation. `affects[j].versions[k]`
//! (a `version` or a `range`, `vers:` or bare) are the versions the
//! statement is about; their `status` must agree with the state
//! (`unaffected` for not_affected, `affected` for exploitable); for a
//! resolved vulnerability the first unaffected (or unmarked) version is the
//! fixed version and the other unaffected versions and ranges are listed.
//! Without `versions` the component's own version (or the purl's) is meant.
//! `analysis.detail`, `recommendation`, `workaround` and `analysis.response`
//! become the remediation text.

use std::collections::HashMap;

use serde_json::Value;

use super::vex::{FieldPaths, MAX_STATEMENTS, StatementInput, is_range};
use super::{CaseError, err};

pub use super::vex_named::resolve_named;

/// CycloneDX `analysis.justification` values.
const JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];

/// Most components (with nested ones) read from one document.
const MAX_COMPONENTS: usize = 100_000;

/// A component named without a purl or a CPE: what matches it to a product.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedComponent {
    pub bom_ref: String,
    pub name: String,
    /// CycloneDX `group` (a namespace such as `com.example`).
    pub group: Option<String>,
    /// The supplier, manufacturer, publisher or author, by name.
    pub supplier: Option<String>,
}

/// One statement read from a CycloneDX VEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdxStatement {
    pub paths: FieldPaths,
    /// `product` is empty when `named` is set: the caller resolves it.
    pub input: StatementInput,
    pub named: Option<NamedComponent>,
}

/// A component of the document or of a linked BOM.
#[derive(Debug, Clone)]
struct Component {
    /// Where it is (`metadata.component`, `components[2]`, a linked BOM's).
    at: String,
    purl: Option<String>,
    cpe: Option<String>,
    name: Option<String>,
    version: Option<String>,
    group: Option<String>,
    supplier: Option<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn named_entity(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|e| text(e, "name"))
}

/// The components of one BOM by `bom-ref`: `metadata.component` and
/// `components[]`, nested ones included.
fn components_of(
    bom: &Value,
    prefix: &str,
    out: &mut HashMap<String, Component>,
) -> Result<(), CaseError> {
    let meta = bom.get("metadata");
    let doc_supplier = meta.and_then(|m| {
        named_entity(m, "supplier")
            .or_else(|| named_entity(m, "manufacturer"))
            .or_else(|| named_entity(m, "manufacture"))
    });
    let mut stack: Vec<(String, &Value)> = Vec::new();
    if let Some(c) = meta.and_then(|m| m.get("component")) {
        stack.push((format!("{prefix}metadata.component"), c));
    }
    for (i, c) in bom
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        stack.push((format!("{prefix}components[{i}]"), c));
    }
    while let Some((at, c)) = stack.pop() {
        if out.len() >= MAX_COMPONENTS {
            return Err(err(
                "components",
                format!("at most {MAX_COMPONENTS} components are read"),
            ));
        }
        for (i, child) in c
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            stack.push((format!("{at}.components[{i}]"), child));
        }
        let Some(bom_ref) = text(c, "bom-ref") else {
            continue;
        };
        let supplier = named_entity(c, "supplier")
            .or_else(|| named_entity(c, "manufacturer"))
            .or_else(|| text(c, "publisher"))
            .or_else(|| text(c, "author"))
            .or_else(|| doc_supplier.clone());
        out.entry(bom_ref).or_insert(Component {
            purl: text(c, "purl"),
            cpe: text(c, "cpe"),
            name: text(c, "name"),
            version: text(c, "version"),
            group: text(c, "group"),
            supplier,
            at,
        });
    }
    Ok(())
}

/// `urn:cdx:<serial>/<version>` of a BOM (its `serialNumber` is
/// `urn:uuid:<serial>`; version 1 when absent).
fn bom_link_base(bom: &Value) -> Option<String> {
    let serial = text(bom, "serialNumber")?;
    let uuid = serial.strip_prefix("urn:uuid:").unwrap_or(&serial);
    let version = bom.get("version").and_then(Value::as_u64).unwrap_or(1);
    Some(format!("urn:cdx:{uuid}/{version}"))
}

/// What an `affects[].ref` names.
enum Target {
    /// A package URL or CPE, with the version it carries, if any.
    Id(String, Option<String>, String),
    Named(NamedComponent, Option<String>, String),
}

/// Reads a CycloneDX VEX document (already parsed JSON), with the BOMs
/// uploaded beside it (`linked`, for BOM-links to components of other
/// BOMs). Errors name the document's field.
pub fn read_cyclonedx_vex(doc: &Value, linked: &[Value]) -> Result<Vec<CdxStatement>, CaseError> {
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(err("bomFormat", "not a CycloneDX document"));
    }
    let vulns = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            err(
                "vulnerabilities",
                "a VEX document lists vulnerabilities, each with its analysis",
            )
        })?;
    let mut local = HashMap::new();
    components_of(doc, "", &mut local)?;
    let own_base = bom_link_base(doc);
    let mut other: HashMap<String, Component> = HashMap::new();
    for (n, bom) in linked.iter().enumerate() {
        let base = bom_link_base(bom).ok_or_else(|| {
            err(
                format!("boms[{n}].serialNumber"),
                "a BOM a VEX links to has a serialNumber (urn:uuid:...)",
            )
        })?;
        let mut comps = HashMap::new();
        components_of(bom, &format!("boms[{n}]."), &mut comps)?;
        for (r, c) in comps {
            other.insert(format!("{base}#{r}"), c);
        }
    }
    let mut out = Vec::new();
    for (i, v) in vulns.iter().enumerate() {
        let at = format!("vulnerabilities[{i}]");
        let id = text(v, "id").ok_or_else(|| {
            err(
                format!("{at}.id"),
                "missing: the vulnerability's id (CVE-...)",
            )
        })?;
        let (status, justification) = analysis(v, &at)?;
        let remediation = remediation_text(v);
        let affects = v
            .get("affects")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                err(
                    format!("{at}.affects"),
                    "names no component: a VEX statement says which product (affects[].ref) \
                     it is about",
                )
            })?;
        for (j, a) in affects.iter().enumerate() {
            let ref_at = format!("{at}.affects[{j}].ref");
            let r = text(a, "ref").ok_or_else(|| err(&ref_at, "missing"))?;
            let target = resolve_ref(&r, &ref_at, &local, &other, own_base.as_deref())?;
            let (product, named, own_version, own_version_at) = match target {
                Target::Id(p, v, vat) => (p, None, v, vat),
                Target::Named(n, v, vat) => (String::new(), Some(n), v, vat),
            };
            let mut paths = FieldPaths {
                vulnerability: format!("{at}.id"),
                product: ref_at.clone(),
                version_entries: Vec::new(),
                versions: format!("{at}.affects[{j}].versions"),
                status: format!("{at}.analysis.state"),
                justification: format!("{at}.analysis.justification"),
                fixed_version: format!("{at}.affects[{j}].versions"),
                remediation: format!("{at}.analysis.detail"),
            };
            let listed = versions_of(a, &at, j, status)?;
            let mut versions = Vec::new();
            let mut fixed_version = None;
            for (text, path) in listed {
                if status == "fixed" && fixed_version.is_none() && !is_range(&text) {
                    paths.fixed_version = path;
                    fixed_version = Some(text);
                } else {
                    paths.version_entries.push(path);
                    versions.push(text);
                }
            }
            if versions.is_empty()
                && fixed_version.is_none()
                && let Some(v) = own_version
            {
                if status == "fixed" {
                    paths.fixed_version = own_version_at;
                    fixed_version = Some(v);
                } else {
                    paths.version_entries.push(own_version_at);
                    versions.push(v);
                }
            }
            if status == "fixed" && fixed_version.is_none() {
                return Err(err(
                    format!("{at}.affects[{j}].versions"),
                    "a resolved vulnerability names the version that fixes it: a \
                     versions[].version with status unaffected, or the component's version",
                ));
            }
            out.push(CdxStatement {
                paths,
                input: StatementInput {
                    vulnerability: id.clone(),
                    product,
                    versions,
                    status: status.to_owned(),
                    justification: justification.clone(),
                    fixed_version,
                    remediation: remediation.clone(),
                },
                named,
            });
            if out.len() > MAX_STATEMENTS {
                return Err(err(
                    "vulnerabilities",
                    format!("at most {MAX_STATEMENTS} statements (vulnerabilities × affects)"),
                ));
            }
        }
    }
    Ok(out)
}

/// The status and justification `analysis` states.
fn analysis(v: &Value, at: &str) -> Result<(&'static str, Option<String>), CaseError> {
    let state = v
        .pointer("/analysis/state")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            err(
                format!("{at}.analysis.state"),
                "missing: a VEX statement states its analysis (not_affected, exploitable, \
             resolved, in_triage or false_positive)",
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
                format!(
                    "'{state}' is not a CycloneDX analysis state (resolved, \
                     resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected)"
                ),
            ));
        }
    };
    let given = v.pointer("/analysis/justification").and_then(Value::as_str);
    if let Some(j) = given
        && !JUSTIFICATIONS.contains(&j)
    {
        return Err(err(
            format!("{at}.analysis.justification"),
            format!(
                "'{j}' is not a CycloneDX justification ({})",
                JUSTIFICATIONS.join(", ")
            ),
        ));
    }
    let justification = match (status, given, state) {
        ("not_affected", Some(j), _) => Some(j.to_owned()),
        // A false positive: the vulnerability is not in the component at all.
        ("not_affected", None, "false_positive") => Some("code_not_present".to_owned()),
        ("not_affected", None, _) => {
            return Err(err(
                format!("{at}.analysis.justification"),
                format!(
                    "missing: analysis.state not_affected needs analysis.justification, the \
                     reason exposure matching shows ({})",
                    JUSTIFICATIONS.join(", ")
                ),
            ));
        }
        (_, Some(_), _) => {
            return Err(err(
                format!("{at}.analysis.justification"),
                format!("only a not_affected analysis has a justification, not {state}"),
            ));
        }
        _ => None,
    };
    Ok((status, justification))
}

/// `analysis.detail`, `recommendation`, `workaround` and the responses.
fn remediation_text(v: &Value) -> String {
    let mut parts: Vec<String> = [
        v.pointer("/analysis/detail"),
        v.get("recommendation"),
        v.get("workaround"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .map(str::to_owned)
    .collect();
    let responses: Vec<&str> = v
        .pointer("/analysis/response")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !responses.is_empty() {
        parts.push(format!("Vendor response: {}.", responses.join(", ")));
    }
    parts.join("\n")
}

/// The versions of `affects[j]` with their paths, those whose `status`
/// contradicts the state refused, `unknown` ones left out.
fn versions_of(
    a: &Value,
    at: &str,
    j: usize,
    status: &str,
) -> Result<Vec<(String, String)>, CaseError> {
    let mut out = Vec::new();
    for (k, ver) in a
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let base = format!("{at}.affects[{j}].versions[{k}]");
        let (text, path) = match (text(ver, "version"), text(ver, "range")) {
            (Some(v), _) => (v, format!("{base}.version")),
            (None, Some(r)) => (r, format!("{base}.range")),
            (None, None) => {
                return Err(err(&base, "names neither a version nor a range"));
            }
        };
        let marked = ver.get("status").and_then(Value::as_str);
        let agrees = match (status, marked) {
            (_, None) => true,
            (_, Some("unknown")) => continue,
            // A resolved vulnerability may list the versions it affected.
            ("fixed", Some("affected")) => continue,
            ("not_affected" | "fixed", Some(m)) => m == "unaffected",
            ("affected" | "under_investigation", Some(m)) => m == "affected",
            _ => false,
        };
        if !agrees {
            return Err(err(
                format!("{base}.status"),
                format!(
                    "'{}' contradicts the analysis: a {status} statement lists the versions \
                     it is about as {}",
                    marked.unwrap_or_default(),
                    if matches!(status, "not_affected" | "fixed") {
                        "unaffected"
                    } else {
                        "affected"
                    }
                ),
            ));
        }
        out.push((text, path));
    }
    Ok(out)
}

/// What `ref` names, with the version it carries and where that is.
fn resolve_ref(
    r: &str,
    ref_at: &str,
    local: &HashMap<String, Component>,
    other: &HashMap<String, Component>,
    own_base: Option<&str>,
) -> Result<Target, CaseError> {
    let id = |s: &str| -> Target {
        let version = crate::purl::Purl::parse(s).ok().and_then(|p| p.version);
        Target::Id(s.to_owned(), version, ref_at.to_owned())
    };
    if r.starts_with("urn:cdx:") {
        let (base, fragment) = r.rsplit_once('#').ok_or_else(|| {
            err(
                ref_at,
                format!("'{r}' is a BOM-link without a #bom-ref fragment"),
            )
        })?;
        if let Some(c) = other.get(r) {
            return from_component(c, fragment, ref_at);
        }
        if fragment.starts_with("pkg:") || fragment.starts_with("cpe:") {
            return Ok(id(fragment));
        }
        if own_base == Some(base)
            && let Some(c) = local.get(fragment)
        {
            return from_component(c, fragment, ref_at);
        }
        return Err(err(
            ref_at,
            format!(
                "'{r}' links to component '{fragment}' of another BOM ({base}) that this upload \
                 does not include: upload the VEX with that BOM (`vex upload --bom FILE`, or a \
                 JSON array [vex, bom, ...])"
            ),
        ));
    }
    if let Some(c) = local.get(r) {
        return from_component(c, r, ref_at);
    }
    if r.starts_with("pkg:") || r.starts_with("cpe:") {
        return Ok(id(r));
    }
    Err(err(
        ref_at,
        format!(
            "'{r}' is no bom-ref of metadata.component or of components in this document, \
             and no package URL or CPE"
        ),
    ))
}

fn from_component(c: &Component, bom_ref: &str, ref_at: &str) -> Result<Target, CaseError> {
    let version_at = format!("{}.version", c.at);
    if let Some(p) = &c.purl {
        let version = crate::purl::Purl::parse(p).ok().and_then(|p| p.version);
        return Ok(match version {
            Some(v) => Target::Id(p.clone(), Some(v), format!("{}.purl", c.at)),
            None => Target::Id(p.clone(), c.version.clone(), version_at),
        });
    }
    if let Some(cpe) = &c.cpe {
        return Ok(Target::Id(cpe.clone(), c.version.clone(), version_at));
    }
    let name = c.name.clone().ok_or_else(|| {
        err(
            ref_at,
            format!(
                "component '{bom_ref}' ({}) has no purl, no cpe and no name",
                c.at
            ),
        )
    })?;
    Ok(Target::Named(
        NamedComponent {
            bom_ref: bom_ref.to_owned(),
            name,
            group: c.group.clone(),
            supplier: c.supplier.clone(),
        },
        c.version.clone(),
        version_at,
    ))
}

#[cfg(test)]
#[path = "vex_cyclonedx_tests.rs"]
mod tests;
