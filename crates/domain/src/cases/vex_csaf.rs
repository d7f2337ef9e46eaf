//! CSAF 2.0 VEX documents (`document.category` = `csaf_vex`) read into
//! vendor statements. The document is first checked like every CSAF
//! document the clearinghouse reads ([`crate::advisory::parse_csaf`]: the
//! schema tables and the mandatory tests of section 6.1, the VEX profile's
//! included), then each product a vulnerability's `product_status` names
//! becomes one statement:
//!
//! - `known_affected`, `first_affected`, `last_affected` → affected;
//!   `known_not_affected` → not_affected; `fixed`, `first_fixed` → fixed
//!   (in the product's version, or in its range); `under_investigation`.
//! - The product is its `product_identification_helper`'s purl or CPE;
//!   without one (the OASIS examples name products only by their branches)
//!   the CPE its `vendor` and `product_name` branches spell
//!   (`cpe:2.3:a:<vendor>:<product>:*...`, lowercase, other characters as
//!   `_`), which a vendor maps to itself like any product. A relationship's
//!   product is its `product_reference`'s.
//! - The version is the `product_version` branch's (or the purl's), the
//!   range the `product_version_range` branch's (a `vers:` or bare range,
//!   evaluated by [`super::vex::in_versions`]).
//! - A not_affected product needs a `flags[]` entry naming it (directly or
//!   through a product group) with a justification label: CSAF also allows
//!   an impact statement instead, but exposure matching shows the
//!   justification, so a document without one is refused naming `flags`.
//!
//! Every statement carries the JSON path of the status entry it came from,
//! so a refusal later (a product not in the case) names that path.

use std::collections::HashMap;

use serde_json::Value;

use super::vex::{MAX_STATEMENTS, StatementInput};
use super::{CaseError, err};

/// Deepest branch nesting read.
const MAX_DEPTH: usize = 30;

/// One product of the tree as a statement names it.
#[derive(Debug, Clone, Default)]
struct Product {
    name: String,
    reference: Option<String>,
    version: Option<String>,
    range: Option<String>,
}

/// The names a branch path gives so far.
#[derive(Clone, Default)]
struct Path {
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    range: Option<String>,
}

/// Reads a CSAF 2.0 VEX document into statements, each with the JSON
/// path of the status entry it came from. Errors name the field.
pub fn read_csaf_vex(bytes: &[u8]) -> Result<Vec<(String, StatementInput)>, CaseError> {
    crate::advisory::parse_csaf(bytes).map_err(|e| {
        let field = e.field().unwrap_or("file").to_owned();
        err(field, e.to_string())
    })?;
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| err("file", e.to_string()))?;
    if doc.pointer("/document/category").and_then(Value::as_str) != Some("csaf_vex") {
        return Err(err(
            "document.category",
            "a CSAF VEX document has the category csaf_vex",
        ));
    }
    let products = product_tree(doc.get("product_tree"))?;
    let groups = product_groups(doc.get("product_tree"));
    let vulns = doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| err("vulnerabilities", "a VEX document lists vulnerabilities"))?;
    let mut out = Vec::new();
    for (i, v) in vulns.iter().enumerate() {
        let at_v = format!("vulnerabilities[{i}]");
        let id = v
            .get("cve")
            .and_then(Value::as_str)
            .or_else(|| v.pointer("/ids/0/text").and_then(Value::as_str))
            .ok_or_else(|| err(format!("{at_v}.cve"), "names no CVE and no other id"))?;
        let names = |list: &str, pid: &str| -> Vec<String> {
            v.get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|e| names_product(e, pid, &groups))
                .filter_map(|e| e.get(detail_key(list)).and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        };
        for (list, status) in STATUS_LISTS {
            let entries = v
                .pointer(&format!("/product_status/{list}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for (j, pid) in entries.enumerate() {
                let at = format!("{at_v}.product_status.{list}[{j}]");
                let pid = pid.as_str().unwrap_or_default();
                let p = products.get(pid).ok_or_else(|| {
                    err(&at, format!("{pid} is not a product of the product tree"))
                })?;
                let reference = p.reference.clone().ok_or_else(|| {
                    err(
                        &at,
                        format!(
                            "product '{}' has no purl, no CPE and no vendor and product name",
                            p.name
                        ),
                    )
                })?;
                let mut versions: Vec<String> = p.range.iter().cloned().collect();
                let mut fixed_version = None;
                if *status == "fixed" {
                    fixed_version = p.version.clone().or_else(|| p.range.clone());
                } else if let Some(version) = &p.version {
                    versions = vec![version.clone()];
                }
                let justification = if *status == "not_affected" {
                    let labels = names("flags", pid);
                    Some(labels.into_iter().next().ok_or_else(|| {
                        err(
                            format!("{at_v}.flags"),
                            format!(
                                "{pid} is known_not_affected without a flag giving the \
                                 justification (such as vulnerable_code_not_present); an impact \
                                 statement alone is not one"
                            ),
                        )
                    })?)
                } else {
                    None
                };
                let mut remediation = names("remediations", pid);
                if *status == "not_affected" {
                    remediation.extend(names("threats", pid));
                }
                out.push((
                    at,
                    StatementInput {
                        vulnerability: id.to_owned(),
                        product: reference,
                        versions,
                        status: (*status).to_owned(),
                        justification,
                        fixed_version,
                        remediation: remediation.join("\n"),
                    },
                ));
                if out.len() > MAX_STATEMENTS {
                    return Err(err(
                        "vulnerabilities",
                        format!("at most {MAX_STATEMENTS} statements"),
                    ));
                }
            }
        }
    }
    if out.is_empty() {
        return Err(err(
            "vulnerabilities",
            "no product_status names a product: nothing to state",
        ));
    }
    Ok(out)
}

/// The `product_status` lists read and the status each states.
const STATUS_LISTS: &[(&str, &str)] = &[
    ("known_affected", "affected"),
    ("first_affected", "affected"),
    ("last_affected", "affected"),
    ("known_not_affected", "not_affected"),
    ("fixed", "fixed"),
    ("first_fixed", "fixed"),
    ("under_investigation", "under_investigation"),
];

/// Which field of a `flags`, `remediations` or `threats` entry is kept.
fn detail_key(list: &str) -> &'static str {
    if list == "flags" { "label" } else { "details" }
}

/// Whether a flag, remediation or threat names `pid`, directly or through
/// one of its product groups; an impact threat only (the other threat
/// categories say nothing about why a product is not affected).
fn names_product(entry: &Value, pid: &str, groups: &HashMap<String, Vec<String>>) -> bool {
    if entry
        .get("category")
        .and_then(Value::as_str)
        .is_some_and(|c| c == "exploit_status" || c == "target_set")
    {
        return false;
    }
    let listed = |key: &str| -> Vec<&str> {
        entry
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    listed("product_ids").contains(&pid)
        || listed("group_ids").iter().any(|g| {
            groups
                .get(*g)
                .is_some_and(|ids| ids.iter().any(|x| x == pid))
        })
}

fn product_groups(tree: Option<&Value>) -> HashMap<String, Vec<String>> {
    tree.and_then(|t| t.get("product_groups"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let id = g.get("group_id")?.as_str()?.to_owned();
            let ids = g
                .get("product_ids")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            Some((id, ids))
        })
        .collect()
}

/// Every product id of the tree with what a statement names it by.
fn product_tree(tree: Option<&Value>) -> Result<HashMap<String, Product>, CaseError> {
    let mut out = HashMap::new();
    let Some(tree) = tree else {
        return Ok(out);
    };
    let list = |key: &str| {
        tree.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    for b in list("branches") {
        walk(b, Path::default(), 1, &mut out)?;
    }
    for p in list("full_product_names") {
        add(p, &Path::default(), &mut out);
    }
    for r in list("relationships") {
        let Some(fpn) = r.get("full_product_name") else {
            continue;
        };
        let own = helper_reference(fpn);
        let referenced = r
            .get("product_reference")
            .and_then(Value::as_str)
            .and_then(|id| out.get(id).cloned());
        let mut p = match (own, referenced) {
            (Some((reference, version)), _) => Product {
                reference: Some(reference),
                version,
                ..Product::default()
            },
            (None, Some(p)) => p,
            (None, None) => Product::default(),
        };
        p.name = text_of(fpn, "name");
        if let Some(id) = fpn.get("product_id").and_then(Value::as_str) {
            out.insert(id.to_owned(), p);
        }
    }
    Ok(out)
}

fn walk(
    b: &Value,
    mut path: Path,
    depth: usize,
    out: &mut HashMap<String, Product>,
) -> Result<(), CaseError> {
    if depth > MAX_DEPTH {
        return Err(err(
            "product_tree.branches",
            format!("nested deeper than {MAX_DEPTH}"),
        ));
    }
    let name = b.get("name").and_then(Value::as_str).map(str::to_owned);
    match b.get("category").and_then(Value::as_str) {
        Some("vendor") => path.vendor = name,
        Some("product_name") => path.product = name,
        Some("product_version") => path.version = name,
        Some("product_version_range") => path.range = name,
        _ => {}
    }
    if let Some(p) = b.get("product") {
        add(p, &path, out);
    }
    for child in b
        .get("branches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(child, path.clone(), depth + 1, out)?;
    }
    Ok(())
}

fn text_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A full product name with the names its branch path gives.
fn add(p: &Value, path: &Path, out: &mut HashMap<String, Product>) {
    let Some(id) = p.get("product_id").and_then(Value::as_str) else {
        return;
    };
    let (reference, helper_version) = match helper_reference(p) {
        Some((r, v)) => (Some(r), v),
        None => (
            path.vendor
                .as_deref()
                .zip(path.product.as_deref())
                .map(|(v, n)| branch_cpe(v, n)),
            None,
        ),
    };
    out.insert(
        id.to_owned(),
        Product {
            name: text_of(p, "name"),
            reference,
            version: helper_version.or_else(|| path.version.clone()),
            range: path.range.clone(),
        },
    );
}

/// The helper's purl (with its version) or CPE.
fn helper_reference(p: &Value) -> Option<(String, Option<String>)> {
    let h = p.get("product_identification_helper")?;
    if let Some(purl) = h.get("purl").and_then(Value::as_str) {
        let version = crate::purl::Purl::parse(purl).ok().and_then(|p| p.version);
        return Some((purl.to_owned(), version));
    }
    h.get("cpe")
        .and_then(Value::as_str)
        .map(|c| (c.to_owned(), None))
}

/// The CPE 2.3 name a vendor and product branch spell.
pub fn branch_cpe(vendor: &str, product: &str) -> String {
    let part = |s: &str| -> String {
        s.trim()
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "cpe:2.3:a:{}:{}:*:*:*:*:*:*:*:*",
        part(vendor),
        part(product)
    )
}
