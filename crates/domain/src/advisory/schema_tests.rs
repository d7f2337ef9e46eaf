//! Agreement with the official JSON schemas on the real files in
//! `../shared/data`: every file the official schema rejects, our reader
//! rejects too, except the documented exceptions below. The schemas are read
//! by the `jsonschema` crate (a dev-dependency only; referenced schemas are
//! served from the same folder, nothing is fetched).
//!
//! Documented exceptions (schema rejects, we read):
//! - CVE: the Go CNA's 239 records (`golang-vulndb/data/cve/v5`) in the CVE
//!   Services publishing format (`cveMetadata` holds only `cveId`); and records
//!   carrying schema 5.1.1's `cpeApplicability`, which the bundled 5.1 schema
//!   does not know.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::test_data::{files, sub_dir};

/// Serves the referenced schemas from the shared data; refuses anything else.
struct LocalSchemas(HashMap<String, Value>);

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("not served offline: {uri}").into())
    }
}

fn json(path: &std::path::Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn validator(schema: &str, refs: &[(&str, &str)]) -> Option<jsonschema::Validator> {
    let data = sub_dir("")?;
    let schema = json(&data.join(schema)).expect("schema");
    let served = refs
        .iter()
        .map(|(uri, file)| ((*uri).to_owned(), json(&data.join(file)).expect("ref")))
        .collect();
    Some(
        jsonschema::options()
            .with_retriever(LocalSchemas(served))
            // Formats are annotations (2020-12) and not checked by our readers.
            .should_validate_formats(false)
            .build(&schema)
            .expect("schema compiles"),
    )
}

fn corpus(subs: &[&str]) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    for sub in subs {
        files(&sub_dir(sub)?, "json", &mut out);
    }
    Some(out)
}

/// Counts of (schema rejects & we refuse, schema rejects & we read, schema
/// accepts & we refuse, schema accepts & we read), with the files we read that
/// the schema rejects.
fn agreement(
    v: &jsonschema::Validator,
    paths: &[PathBuf],
    read: impl Fn(&[u8]) -> bool,
) -> ([usize; 4], Vec<String>) {
    let mut counts = [0; 4];
    let mut lenient = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).expect("read");
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let schema_ok = v.is_valid(&value);
        let ours = read(&bytes);
        let i = match (schema_ok, ours) {
            (false, false) => 0,
            (false, true) => {
                lenient.push(p.display().to_string());
                1
            }
            (true, false) => 2,
            (true, true) => 3,
        };
        counts[i] += 1;
    }
    (counts, lenient)
}

/// The official CSAF 2.0 schema with its FIRST CVSS references, for any
/// test of documents the product emits (`cases::csaf_out`).
pub(crate) fn csaf_validator() -> Option<jsonschema::Validator> {
    validator(
        "oasis-csaf/csaf_2.0/json_schema/csaf_json_schema.json",
        &[
            (
                "https://www.first.org/cvss/cvss-v2.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v2.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.1.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.1.json",
            ),
        ],
    )
}

/// The official CSAF 2.0 provider metadata schema (it refers to the CSAF
/// schema for `publisher`), for the feed's `provider-metadata.json`.
pub(crate) fn csaf_provider_validator() -> Option<jsonschema::Validator> {
    validator(
        "oasis-csaf/csaf_2.0/json_schema/provider_json_schema.json",
        &[
            (
                "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
                "oasis-csaf/csaf_2.0/json_schema/csaf_json_schema.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v2.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v2.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.1.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.1.json",
            ),
        ],
    )
}

/// The official OSV schema, for the OSV exports (`cases::exports`).
pub(crate) fn osv_validator() -> Option<jsonschema::Validator> {
    validator("osv-schema/validation/schema.json", &[])
}

/// The official CVE JSON 5.1 schema (bundled), for the CVE 5 exports.
pub(crate) fn cve5_validator() -> Option<jsonschema::Validator> {
    validator(
        "cve-schema-5/src/middleware/schemas/CVE_JSON_5.1_bundled.json",
        &[],
    )
}

#[test]
fn schema_csaf_every_file_the_schema_rejects_we_refuse() {
    let Some(v) = validator(
        "oasis-csaf/csaf_2.0/json_schema/csaf_json_schema.json",
        &[
            (
                "https://www.first.org/cvss/cvss-v2.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v2.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.0.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.0.json",
            ),
            (
                "https://www.first.org/cvss/cvss-v3.1.json",
                "oasis-csaf/csaf_2.0/referenced_schema/first/cvss-v3.1.json",
            ),
        ],
    ) else {
        return;
    };
    let Some(mut paths) = corpus(&[
        "oasis-csaf/csaf_2.0/examples/csaf",
        "oasis-csaf/csaf_2.0/test/validator/data",
        "cisa-csaf/csaf_files",
        "osv-schema/tools/redhat/testdata/CSAF",
    ]) else {
        return;
    };
    paths.retain(|p| !p.to_string_lossy().contains("feed"));
    let (counts, lenient) = agreement(&v, &paths, |b| parse_csaf(b).is_ok());
    println!("CSAF [schema-/we-, schema-/we+, schema+/we-, schema+/we+]: {counts:?}");
    assert!(
        lenient.is_empty(),
        "read although the schema rejects:\n{}",
        lenient.join("\n")
    );
    // The 87 the schema accepts and we refuse are the OASIS failing examples of the
    // mandatory tests (6.1.x), which a schema cannot express.
    assert_eq!(counts, [4, 0, 87, 617]);
}

#[test]
fn schema_osv_every_file_the_schema_rejects_we_refuse() {
    let Some(v) = validator("osv-schema/validation/schema.json", &[]) else {
        return;
    };
    let Some(mut paths) = corpus(&[
        "osv-schema/tools/osv-linter/testdata",
        "osv-schema/tools/ghsa/testdata",
        "rustsec-advisory-db/osv-branch",
        "golang-vulndb/data/osv",
        "bitnami-vulndb/data",
    ]) else {
        return;
    };
    // The GHSA converter's inputs are GitHub's own format, not OSV.
    paths.retain(|p| {
        let s = p.to_string_lossy();
        !s.contains("/ghsa/testdata/") || s.ends_with(".osv.json")
    });
    let (counts, lenient) = agreement(&v, &paths, |b| parse_osv(b).is_ok());
    println!("OSV [schema-/we-, schema-/we+, schema+/we-, schema+/we+]: {counts:?}");
    assert!(
        lenient.is_empty(),
        "read although the schema rejects:\n{}",
        lenient.join("\n")
    );
    // The one the schema accepts and we refuse fails an OSV linter rule.
    assert_eq!(counts, [1, 0, 1, 6357]);
}

#[test]
fn schema_cve5_every_file_the_schema_rejects_we_refuse() {
    let Some(v) = validator(
        "cve-schema-5/src/middleware/schemas/CVE_JSON_5.1_bundled.json",
        &[],
    ) else {
        return;
    };
    let Some(paths) = corpus(&[
        "cve-schema-5/test/schemas/5.0",
        "vulnrichment",
        "golang-vulndb/data/cve/v5",
        "osv-dev-testdata/vulnfeeds/test_data",
    ]) else {
        return;
    };
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            !s.contains("osv-dev-testdata") || s.contains("/cve5/") || s.contains("/cvelistV5/")
        })
        .collect();
    let (counts, mut lenient) = agreement(&v, &paths, |b| parse_cve5(b).is_ok());
    println!("CVE [schema-/we-, schema-/we+, schema+/we-, schema+/we+]: {counts:?}");
    let go = lenient
        .iter()
        .filter(|p| p.contains("golang-vulndb/data/cve/v5"))
        .count();
    lenient.retain(|p| !p.contains("golang-vulndb/data/cve/v5"));
    println!("CVE: {go} Go CNA publishing-format records read (documented exception)");
    println!("CVE other exceptions:\n{}", lenient.join("\n"));
    assert_eq!(go, 239);
    for p in &lenient {
        let text = std::fs::read_to_string(p).expect("read");
        assert!(text.contains("\"cpeApplicability\""), "undocumented: {p}");
    }
    assert_eq!(lenient.len(), 2);
    assert_eq!(counts, [13, 241, 0, 2774]);
}
