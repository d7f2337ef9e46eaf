//! The real SBOMs in `../shared/data` (skipped when absent, a failure in CI): the
//! CycloneDX conformance BOMs, the CycloneDX and SPDX example documents, and the
//! SBOM fixtures of Dependency-Track and OSV-Scanner.

use std::path::{Path, PathBuf};

use super::*;
use crate::test_data::{files, sub_dir};

/// Invalid conformance BOMs this reader accepts, with the reason each is not caught.
/// The SPDX licence-id list is data that changes every quarter and plays no part in
/// matching: checking it would mean shipping a copy that rejects SBOMs using newer ids.
const ACCEPTED_INVALID: &[&str] = &[
    "1.6/invalid-license-id-1.6.json", // licence id "Apache-2" is not on the SPDX list
    "1.6/invalid-metadata-license-1.6.json", // the same, in metadata.licenses
    "1.7/invalid-license-id-1.7.json", // the same
    "1.7/invalid-metadata-license-1.7.json", // the same, in metadata.licenses
];

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn cyclonedx_conformance_boms() {
    let Some(dir) = sub_dir("cyclonedx-spec/tools/src/test/resources") else {
        return;
    };
    let mut paths = Vec::new();
    files(&dir, "json", &mut paths);
    files(&dir, "xml", &mut paths);
    let (mut valid, mut rejected, mut accepted) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let result = parse(&read(path));
        if file.starts_with("valid-") {
            valid += 1;
            if let Err(e) = result {
                failures.push(format!("{name}: valid BOM rejected: {e}"));
            }
        } else if file.starts_with("invalid-") {
            match (result, ACCEPTED_INVALID.contains(&name.as_str())) {
                (Err(e), false) => {
                    rejected += 1;
                    println!("{name}: {e}");
                }
                (Ok(_), true) => accepted += 1,
                (Ok(_), false) => failures.push(format!("{name}: invalid BOM accepted")),
                (Err(e), true) => failures.push(format!("{name}: allow-listed but rejected: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{valid} valid accepted, {rejected} invalid rejected, {accepted} allow-listed");
    // 1.6 and 1.7 hold 106 valid and 54 invalid JSON BOMs (no XML, no 1.4 or 1.5 tests).
    assert_eq!((valid, rejected), (106, 50));
    assert_eq!(accepted, ACCEPTED_INVALID.len());
}

/// What a document in the data folder is, judged by a quick look independent of [`parse`].
#[derive(Debug, PartialEq)]
enum Kind {
    Supported,
    /// CycloneDX 1.0–1.1.
    Unsupported,
    NotAnSbom,
}

fn kind(bytes: &[u8]) -> Kind {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let old_cdx = ["1.0", "1.1"];
    if text.starts_with('{') {
        let Ok(serde_json::Value::Object(doc)) = serde_json::from_str(text) else {
            return Kind::NotAnSbom;
        };
        let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        if doc.contains_key("bomFormat") {
            if old_cdx.contains(&field("specVersion")) {
                Kind::Unsupported
            } else {
                Kind::Supported
            }
        } else if doc.contains_key("spdxVersion")
            || doc
                .get("@context")
                .is_some_and(|c| c.to_string().contains("spdx.org/rdf/3"))
        {
            Kind::Supported
        } else {
            Kind::NotAnSbom
        }
    } else if text.starts_with('<') {
        let Some(ns) = text
            .split("xmlns=\"http://cyclonedx.org/schema/bom/")
            .nth(1)
        else {
            return Kind::NotAnSbom;
        };
        if old_cdx.iter().any(|v| ns.starts_with(&format!("{v}\""))) {
            Kind::Unsupported
        } else {
            Kind::Supported
        }
    } else if text.contains("SPDXVersion: SPDX-2") {
        Kind::Supported
    } else {
        Kind::NotAnSbom
    }
}

/// Supported documents in the data folder that are invalid on purpose: (file, error field).
const INVALID_FIXTURES: &[(&str, &str)] = &[
    ("unit/bom-issue3936-author.json", "metadata.component.name"),
    ("unit/bom-issue3936-authors.json", "metadata.component.name"),
    ("unit/bom-issue3936-both.json", "metadata.component.name"),
    (
        "sbom-insecure/alpine-zlib-16.cdx.json",
        "metadata.component.type",
    ),
    (
        "sbom-insecure/bad-purls.cdx.xml",
        "/bom/components[1]/component[1]/name",
    ),
];

/// Component counts checked independently of this reader (with Python's `json` and
/// `xml.etree`: components nested anywhere under `components` and `metadata.component`,
/// the metadata component itself when it has a purl or CPE, distinct by (purl, name,
/// version); SPDX: packages, once per distinct purl; SPDX 3: `@graph` elements of the
/// package types, purls from `software_packageUrl` and `packageUrl` identifiers):
/// (file, format, count, subject).
const COUNTS: &[(&str, SbomFormat, usize, Option<&str>)] = &[
    (
        "e2e/src/test/resources/dtrack-apiserver-4.5.0.bom.json",
        SbomFormat::CycloneDxJson,
        133,
        Some("dependency-track"),
    ),
    (
        "unit/bom-metadata-components.json",
        SbomFormat::CycloneDxJson,
        186,
        None,
    ),
    (
        "laravel-7.12.0/bom.1.4.json",
        SbomFormat::CycloneDxJson,
        63,
        None,
    ),
    (
        "sbom-insecure/postgres-stretch.cdx.xml",
        SbomFormat::CycloneDxXml,
        137,
        None,
    ),
    (
        "example9/spdx2.2/appbomination.spdx.json",
        SbomFormat::SpdxJson,
        7,
        None,
    ),
    (
        "SBOMS-SPDX-Now-and-Future/ACME-v2.3.spdx.json",
        SbomFormat::SpdxJson,
        4,
        None,
    ),
    (
        "example6/spdx2.2/example6-lib.spdx",
        SbomFormat::SpdxTagValue,
        5,
        None,
    ),
    (
        "example11/spdx3.0/sbom.spdx3.json",
        SbomFormat::Spdx3JsonLd,
        4,
        None,
    ),
    (
        "example9/spdx3.0/appbomination.spdx3.json",
        SbomFormat::Spdx3JsonLd,
        7,
        None,
    ),
    (
        "example14/spdx3.0/examplemaven-0.0.1-enriched.spdx3.json",
        SbomFormat::Spdx3JsonLd,
        6,
        None,
    ),
    (
        "ai/example02/spdx3.0/sbom.spdx3.json",
        SbomFormat::Spdx3JsonLd,
        2,
        None,
    ),
    (
        "example4/spdx2.2/example4-bin.spdx",
        SbomFormat::SpdxTagValue,
        3,
        None,
    ),
];

#[test]
fn every_sbom_in_the_data_folder() {
    let dirs = [
        "cyclonedx-bom-examples",
        "spdx-examples",
        "dependency-track-testdata",
        "osv-scanner-testdata",
    ];
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let Some(dir) = sub_dir(d) else {
            return;
        };
        for ext in ["json", "xml", "spdx"] {
            files(&dir, ext, &mut paths);
        }
    }
    let (mut parsed, mut unsupported, mut others, mut counted) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &paths {
        let bytes = read(path);
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let result = parse(&bytes);
        let expected_error = INVALID_FIXTURES.iter().find(|(f, _)| path.ends_with(f));
        match (kind(&bytes), result) {
            (Kind::Supported, Ok(inv)) if expected_error.is_none() => {
                parsed += 1;
                println!(
                    "{name}: {} {} components, subject {:?}",
                    inv.format,
                    inv.components.len(),
                    inv.subject
                );
                if let Some((_, format, count, _)) = COUNTS.iter().find(|(f, ..)| path.ends_with(f))
                {
                    counted += 1;
                    if (inv.format, inv.components.len()) != (*format, *count) {
                        failures.push(format!(
                            "{name}: {} {} components, expected {format} {count}",
                            inv.format,
                            inv.components.len()
                        ));
                    }
                }
            }
            (Kind::Supported, Err(e))
                if expected_error.is_some_and(|(_, f)| e.field() == Some(f)) =>
            {
                parsed += 1;
                println!("{name}: rejected as expected: {e}");
            }
            (Kind::Unsupported, Err(SbomError::UnsupportedVersion { .. })) => unsupported += 1,
            (Kind::NotAnSbom, Err(SbomError::UnknownFormat | SbomError::Syntax { .. })) => {
                others += 1
            }
            (kind, result) => failures.push(format!("{}: {kind:?} but {result:?}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(counted, COUNTS.len());
    println!("{parsed} SBOMs read, {unsupported} of unsupported versions, {others} other files");
}
