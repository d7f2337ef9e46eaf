//! CSAF product trees to package identities, per product status.
//!
//! Every `full_product_name` of the tree (in `branches`, walked recursively,
//! in `full_product_names`, and in `relationships`) is read with its
//! `product_identification_helper` (`purl`, `cpe`, `x_generic_uris`) and
//! the version its branch path states: an ancestor branch of category
//! `product_version` names an exact version, one of category
//! `product_version_range` a range ([`crate::versions::parse_vers`]). A
//! relationship's product without a helper of its own takes its
//! `product_reference`'s (the component installed on a platform is the
//! package).
//!
//! Identity, first that applies: the helper's purl; an `x_generic_uris`
//! URI that is a purl; the helper's CPE; an `x_generic_uris` URI that is a
//! CPE. A product with none of these (named by text, model numbers, SKUs:
//! every CISA ICS product) is counted as unmapped.
//!
//! Status: `known_affected`, `first_affected`, `last_affected` make the
//! product's version (the purl's, else the branch's) an affected version,
//! or its range an affected range, of its package; a package product with
//! neither is affected in every version it names nothing about (no
//! versions, so [`decide`](crate::versions::decide) cannot decide).
//! `fixed`, `first_fixed` and `known_not_affected` record the version as
//! fixed or not affected on the package's entry, only when the vulnerability
//! names the package affected too (a lone `fixed` says nothing of other
//! versions). A CPE product that is affected is added to the advisory's
//! `cpes` and, with its version (the branch's, else the CPE's) or range, to
//! its `cpe_affected`; one naming no version matches nothing.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;

use super::{
    Advisory, AdvisoryError, Affected, MAX_CSAF_DEPTH, MAX_CSAF_PRODUCTS, check_len, nullable,
    push_unique,
};
use crate::cpe::ranges as cpe_ranges;
use crate::purl::{PackageId, Purl};
use crate::versions::{Ecosystem, parse_vers};

const FORMAT: &str = "CSAF";

#[derive(Deserialize, Default)]
pub(super) struct ProductTree {
    #[serde(default, deserialize_with = "nullable")]
    branches: Vec<Branch>,
    #[serde(default, deserialize_with = "nullable")]
    full_product_names: Vec<ProductName>,
    #[serde(default, deserialize_with = "nullable")]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(default, deserialize_with = "nullable")]
    branches: Vec<Branch>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    product: Option<ProductName>,
}

#[derive(Deserialize)]
struct ProductName {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<Helper>,
}

#[derive(Deserialize, Clone, Default)]
struct Helper {
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    x_generic_uris: Vec<GenericUri>,
}

#[derive(Deserialize, Clone)]
struct GenericUri {
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Relationship {
    product_reference: String,
    full_product_name: ProductName,
}

/// The product statuses of one vulnerability.
#[derive(Deserialize, Default)]
pub(super) struct ProductStatus {
    #[serde(default, deserialize_with = "nullable")]
    known_affected: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    first_affected: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    last_affected: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    fixed: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    first_fixed: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    known_not_affected: Vec<String>,
}

/// What one product is, as far as matching can use it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    Package(PackageId, Ecosystem),
    Cpe(String),
    Unmapped,
}

/// One product of the tree.
#[derive(Debug, Clone)]
pub(super) struct Product {
    identity: Identity,
    /// The purl's version, else the `product_version` branch's name.
    version: Option<String>,
    /// The `product_version_range` branch's name.
    range: Option<String>,
}

/// Every product id of the tree, mapped.
pub(super) fn products(
    tree: Option<&ProductTree>,
) -> Result<HashMap<&str, Product>, AdvisoryError> {
    let mut map = HashMap::new();
    let Some(tree) = tree else { return Ok(map) };
    // (branch, depth, version from the path, range from the path)
    type Frame<'a> = (&'a Branch, usize, Option<&'a str>, Option<&'a str>);
    let mut stack: Vec<Frame<'_>> = tree.branches.iter().map(|b| (b, 1, None, None)).collect();
    let mut named: Vec<(&ProductName, Option<&str>, Option<&str>)> = tree
        .full_product_names
        .iter()
        .map(|p| (p, None, None))
        .collect();
    while let Some((branch, depth, version, range)) = stack.pop() {
        if depth > MAX_CSAF_DEPTH {
            return Err(AdvisoryError::field_error(
                FORMAT,
                "product_tree.branches",
                format!("nested deeper than {MAX_CSAF_DEPTH}"),
            ));
        }
        let name = branch.name.as_deref();
        let (version, range) = match branch.category.as_deref() {
            Some("product_version") => (name.or(version), range),
            Some("product_version_range") => (version, name.or(range)),
            _ => (version, range),
        };
        if let Some(p) = &branch.product {
            named.push((p, version, range));
        }
        stack.extend(
            branch
                .branches
                .iter()
                .map(|b| (b, depth + 1, version, range)),
        );
        check_len(FORMAT, || "product_tree".into(), &named, MAX_CSAF_PRODUCTS)?;
    }
    let mut helpers: HashMap<&str, Helper> = HashMap::new();
    for (p, version, range) in named {
        let helper = p.product_identification_helper.clone().unwrap_or_default();
        map.insert(p.product_id.as_str(), product(&helper, version, range));
        helpers.insert(p.product_id.as_str(), helper);
    }
    check_len(
        FORMAT,
        || "product_tree.relationships".into(),
        &tree.relationships,
        MAX_CSAF_PRODUCTS,
    )?;
    for r in &tree.relationships {
        let own = r
            .full_product_name
            .product_identification_helper
            .clone()
            .filter(|h| identity(h).0 != Identity::Unmapped);
        let mapped = match own {
            Some(h) => product(&h, None, None),
            None => map
                .get(r.product_reference.as_str())
                .cloned()
                .unwrap_or_else(|| product(&Helper::default(), None, None)),
        };
        map.insert(r.full_product_name.product_id.as_str(), mapped);
    }
    Ok(map)
}

/// A product from its helper and the version its branch path states.
fn product(helper: &Helper, version: Option<&str>, range: Option<&str>) -> Product {
    let (identity, purl_version) = identity(helper);
    Product {
        identity,
        version: purl_version.or_else(|| version.map(str::to_owned)),
        range: range.map(str::to_owned),
    }
}

/// The identity a helper gives, with the purl's version if it names one.
fn identity(h: &Helper) -> (Identity, Option<String>) {
    let uris = || h.x_generic_uris.iter().filter_map(|u| u.uri.as_deref());
    let purl = h
        .purl
        .as_deref()
        .into_iter()
        .chain(uris().filter(|u| u.starts_with("pkg:")))
        .find_map(|p| Purl::parse(p).ok());
    if let Some(purl) = purl {
        let eco = Ecosystem::from_purl_type(&purl.id.purl_type);
        return (Identity::Package(purl.id, eco), purl.version);
    }
    let cpe = h
        .cpe
        .as_deref()
        .into_iter()
        .chain(uris())
        .map(str::trim)
        .find(|c| c.starts_with("cpe:2.3:") || c.starts_with("cpe:/"));
    match cpe {
        Some(c) => (Identity::Cpe(c.to_owned()), None),
        None => (Identity::Unmapped, None),
    }
}

/// Adds one vulnerability's product statuses to its advisory; returns the
/// number of distinct products named that could not be mapped.
pub(super) fn apply(
    a: &mut Advisory,
    products: &HashMap<&str, Product>,
    status: &ProductStatus,
) -> usize {
    let mut unmapped: BTreeSet<&str> = BTreeSet::new();
    let affected = status
        .known_affected
        .iter()
        .chain(&status.first_affected)
        .chain(&status.last_affected);
    for pid in affected {
        match products.get(pid.as_str()) {
            Some(p) if p.identity != Identity::Unmapped => add_affected(a, p),
            _ => {
                unmapped.insert(pid);
            }
        }
    }
    let fixed = status.fixed.iter().chain(&status.first_fixed);
    for (pid, not_affected) in fixed
        .map(|p| (p, false))
        .chain(status.known_not_affected.iter().map(|p| (p, true)))
    {
        let Some(p) = products
            .get(pid.as_str())
            .filter(|p| p.identity != Identity::Unmapped)
        else {
            unmapped.insert(pid);
            continue;
        };
        let (Identity::Package(package, _), Some(v)) = (&p.identity, &p.version) else {
            continue;
        };
        if let Some(entry) = a.affected.iter_mut().find(|e| e.package == *package) {
            let list = if not_affected {
                &mut entry.not_affected
            } else {
                &mut entry.fixed
            };
            push_unique(list, v);
        }
    }
    unmapped.len()
}

fn add_affected(a: &mut Advisory, p: &Product) {
    match &p.identity {
        Identity::Package(package, eco) => {
            let entry = match a.affected.iter().position(|x| x.package == *package) {
                Some(i) => &mut a.affected[i],
                None => {
                    a.affected.push(Affected::new(package.clone(), *eco));
                    let last = a.affected.len() - 1;
                    &mut a.affected[last]
                }
            };
            if let Some(v) = &p.version {
                push_unique(&mut entry.versions, v);
            } else if let Some(r) = p.range.as_deref().and_then(parse_vers) {
                if let Some(range) = r.range.filter(|r| !entry.ranges.contains(r)) {
                    entry.ranges.push(range);
                }
                for v in &r.versions {
                    push_unique(&mut entry.versions, v);
                }
            }
        }
        Identity::Cpe(cpe) => {
            push_unique(&mut a.cpes, cpe);
            let (mut ranges, mut versions) = (Vec::new(), Vec::new());
            if let Some(v) = &p.version {
                versions.push(v.clone());
            } else if let Some(r) = p.range.as_deref().and_then(parse_vers) {
                ranges.extend(r.range);
                versions.extend(r.versions);
            }
            if let Some(by_cpe) = cpe_ranges::with_versions(cpe, &ranges, &versions) {
                cpe_ranges::merge(&mut a.cpe_affected, by_cpe);
            }
        }
        Identity::Unmapped => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_csaf;

    /// A minimal valid CSAF 2.0 document with `tree` and one vulnerability
    /// of `status`.
    fn doc(tree: &str, status: &str) -> Vec<u8> {
        format!(
            r#"{{"document": {{"category": "csaf_base", "csaf_version": "2.0",
              "publisher": {{"category": "vendor", "name": "Ex", "namespace": "https://ex.example/"}},
              "title": "T", "tracking": {{"id": "EX-1", "status": "final", "version": "1",
                "initial_release_date": "2024-01-01T00:00:00Z", "current_release_date": "2024-01-01T00:00:00Z",
                "revision_history": [{{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "s"}}]}}}},
              "product_tree": {tree},
              "vulnerabilities": [{{"cve": "CVE-2024-0001", "product_status": {status}}}]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn purl_cpe_generic_uri_and_ranges_map_with_their_status() {
        let tree = r#"{"branches": [{"category": "vendor", "name": "Ex", "branches": [
            {"category": "product_version_range", "name": "vers:npm/>=1.0.0|<1.4.2",
             "product": {"name": "lib range", "product_id": "P1",
               "product_identification_helper": {"purl": "pkg:npm/lib"}}},
            {"category": "product_version", "name": "1.4.2",
             "product": {"name": "lib 1.4.2", "product_id": "P2",
               "product_identification_helper": {"purl": "pkg:npm/lib@1.4.2"}}},
            {"category": "product_version", "name": "2.0",
             "product": {"name": "app", "product_id": "P3",
               "product_identification_helper": {"cpe": "cpe:2.3:a:ex:app:2.0:*:*:*:*:*:*:*"}}},
            {"category": "product_version", "name": "3",
             "product": {"name": "tool", "product_id": "P4",
               "product_identification_helper": {"x_generic_uris": [
                 {"namespace": "https://purl.example/", "uri": "pkg:pypi/tool@3"}]}}},
            {"category": "product_name", "name": "Box",
             "product": {"name": "Box", "product_id": "P5"}}]}]}"#;
        let status = r#"{"known_affected": ["P1", "P3", "P4", "P5"], "fixed": ["P2"]}"#;
        let list = parse_csaf(&doc(tree, status)).expect("parses");
        let a = &list[0];
        assert_eq!(a.unmapped_products, 1, "P5 is named only by text");
        let lib = a
            .affected
            .iter()
            .find(|e| e.package.key().contains("lib"))
            .expect("lib");
        assert_eq!(lib.ranges.len(), 1);
        assert_eq!(lib.fixed, vec!["1.4.2".to_owned()]);
        let tool = a
            .affected
            .iter()
            .find(|e| e.package.key().contains("tool"))
            .expect("tool from x_generic_uris");
        assert_eq!(tool.versions, vec!["3".to_owned()]);
        assert_eq!(
            a.cpes,
            vec!["cpe:2.3:a:ex:app:2.0:*:*:*:*:*:*:*".to_owned()]
        );
    }

    #[test]
    fn a_lone_fixed_product_adds_no_package() {
        let tree = r#"{"full_product_names": [{"name": "lib", "product_id": "P1",
            "product_identification_helper": {"purl": "pkg:npm/lib@2.0.0"}}]}"#;
        let list = parse_csaf(&doc(tree, r#"{"fixed": ["P1"]}"#)).expect("parses");
        assert!(list[0].affected.is_empty());
        assert_eq!(list[0].unmapped_products, 0);
    }
}
