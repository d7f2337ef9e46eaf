//! Tests against real SBOMs and OSV records in `../shared/data` (skipped when absent).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::test_data::{data_dir, json_files};

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// `components[].purl`, recursing into nested components anywhere in the document.
fn component_purls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "components" {
                    for c in child.as_array().into_iter().flatten() {
                        if let Some(p) = c.get("purl").and_then(Value::as_str) {
                            out.push(p.to_owned());
                        }
                    }
                }
                component_purls(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| component_purls(i, out)),
        _ => {}
    }
}

#[test]
fn purl_every_cyclonedx_component_purl_parses() {
    let Some(data) = data_dir() else { return };
    let mut files = Vec::new();
    json_files(&data.join("cyclonedx-bom-examples"), &mut files);
    json_files(&data.join("dependency-track-testdata"), &mut files);
    let (mut total, mut by_type) = (0usize, BTreeMap::<String, usize>::new());
    let mut failures = Vec::new();
    for file in &files {
        let Some(doc) = read_json(file) else { continue };
        let mut purls = Vec::new();
        component_purls(&doc, &mut purls);
        for raw in purls {
            total += 1;
            match Purl::parse(&raw) {
                Ok(p) => {
                    *by_type.entry(p.id.purl_type.clone()).or_default() += 1;
                    let canonical = p.to_string_canonical();
                    assert_eq!(
                        Purl::parse(&canonical).as_ref(),
                        Ok(&p),
                        "{raw} -> {canonical}"
                    );
                }
                Err(e) => failures.push((raw, e.to_string(), file.clone())),
            }
        }
    }
    println!(
        "cyclonedx component purls: {total} from {} files, by type {by_type:?}",
        files.len()
    );
    for (raw, err, file) in &failures {
        println!("invalid purl {raw:?} in {}: {err}", file.display());
    }
    assert!(
        total > 5000,
        "expected the real SBOMs to yield thousands of purls, got {total}"
    );
    // Every JSON component purl in these SBOMs is valid; the deliberately broken
    // ones live in osv-scanner's XML fixture (tested below).
    assert!(
        failures.is_empty(),
        "unexpected purl failures: {failures:?}"
    );
}

/// `<purl>` elements of CycloneDX XML, entity-decoded.
fn xml_purls(text: &str) -> Vec<String> {
    text.split("<purl>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</purl>").map(|(p, _)| p.trim()))
        .map(|p| {
            match p
                .strip_prefix("<![CDATA[")
                .and_then(|p| p.strip_suffix("]]>"))
            {
                Some(cdata) => cdata.to_owned(),
                None => p
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            }
        })
        .collect()
}

/// The deliberately broken purls of osv-scanner's `bad-purls.cdx.xml`, and the error.
const BAD_PURLS_XML: &[(&str, PurlError)] = &[
    ("pkg:pypi/", PurlError::MissingName),
    ("pkg:///", PurlError::MissingType),
    ("/", PurlError::MissingScheme),
    (
        "pkg:apk/alpine/@1.36.1-r27?arch=x86_64&upstream=busybox&distro=alpine-3.17.2",
        PurlError::MissingName,
    ),
];

#[test]
fn purl_every_cyclonedx_xml_purl_parses_except_the_known_bad_ones() {
    let Some(data) = data_dir() else { return };
    let mut files = Vec::new();
    for dir in [
        "cyclonedx-bom-examples",
        "dependency-track-testdata",
        "osv-scanner-testdata",
    ] {
        crate::test_data::files(&data.join(dir), "xml", &mut files);
    }
    let (mut total, mut failed) = (0usize, 0usize);
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for raw in xml_purls(&text) {
            total += 1;
            if let Err(e) = Purl::parse(&raw) {
                failed += 1;
                println!("invalid purl {raw:?} in {}: {e}", file.display());
                let known = BAD_PURLS_XML.iter().find(|(k, _)| *k == raw);
                assert!(file.ends_with("bad-purls.cdx.xml"), "{raw}: {e}");
                assert_eq!(known.map(|(_, err)| err), Some(&e), "{raw}");
            }
        }
    }
    println!(
        "cyclonedx xml purls: {total} from {} files, {failed} invalid",
        files.len()
    );
    assert!(total > 3000, "got {total}");
    assert!(
        failed >= BAD_PURLS_XML.len(),
        "the bad-purls fixture must be rejected"
    );
}

/// OSV records whose own purl disagrees with the OSV ecosystem, and why.
const KNOWN_OSV_DISAGREEMENTS: &[(&str, &str)] = &[(
    "pkg:alpine/libexif",
    "osv-dev-testdata Alpine records written before osv.dev used the purl type `apk` \
     with namespace `alpine`; `alpine` is not a purl type",
)];

/// `(ecosystem, name, purl)` of every OSV-style package object carrying a purl.
fn osv_packages(v: &Value, out: &mut Vec<(String, String, Option<String>)>) {
    match v {
        Value::Object(map) => {
            if let (Some(e), Some(n)) = (
                map.get("ecosystem").and_then(Value::as_str),
                map.get("name").and_then(Value::as_str),
            ) {
                let purl = map.get("purl").and_then(Value::as_str).map(str::to_owned);
                out.push((e.to_owned(), n.to_owned(), purl));
            }
            map.values().for_each(|c| osv_packages(c, out));
        }
        Value::Array(items) => items.iter().for_each(|i| osv_packages(i, out)),
        _ => {}
    }
}

#[test]
fn purl_osv_package_identity_agrees_with_osv_purls() {
    let Some(data) = data_dir() else { return };
    let mut files = Vec::new();
    for dir in [
        "rustsec-advisory-db/osv-branch",
        "golang-vulndb/data/osv",
        "bitnami-vulndb",
        "trivy-db-ghsa-fixtures",
        "osv-schema",
        "osv-dev-testdata",
        "osv-scanner-testdata",
        "dependency-track-testdata",
        "defectdojo-scans",
    ] {
        json_files(&data.join(dir), &mut files);
    }
    let (mut mapped, mut unmapped, mut agreements) = (0usize, BTreeMap::new(), BTreeMap::new());
    let mut disagreements = Vec::new();
    for file in &files {
        let Some(doc) = read_json(file) else { continue };
        let mut packages = Vec::new();
        osv_packages(&doc, &mut packages);
        for (eco, name, purl) in packages {
            let Some(id) = package_id_for_osv(&eco, &name) else {
                *unmapped.entry(eco).or_insert(0usize) += 1;
                continue;
            };
            mapped += 1;
            assert_eq!(
                Purl::parse(&id.key()).map(|p| p.id),
                Ok(id.clone()),
                "{eco} {name}"
            );
            let Some(purl) = purl else { continue };
            match Purl::parse(&purl) {
                Ok(p) if p.id == id => *agreements.entry(eco).or_insert(0usize) += 1,
                other => disagreements.push((purl, eco, name, format!("{other:?}"))),
            }
        }
    }
    let agreed: usize = agreements.values().sum();
    println!("osv packages mapped: {mapped}; not mapped by ecosystem: {unmapped:?}");
    println!("osv purl agreements: {agreed} {agreements:?}");
    for d in &disagreements {
        println!("disagreement: {d:?}");
    }
    assert!(
        agreed > 2000,
        "expected thousands of OSV purls, got {agreed}"
    );
    let unexpected: Vec<_> = disagreements
        .iter()
        .filter(|(purl, ..)| !KNOWN_OSV_DISAGREEMENTS.iter().any(|(k, _)| k == purl))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected disagreements: {unexpected:?}"
    );
}
