//! SPDX 3.0 JSON-LD: a document is an `@context` naming the SPDX 3 vocabulary
//! and an `@graph` of elements. Every element whose `type` is a package class
//! (`software_Package` and its subclasses `ai_AIPackage`,
//! `dataset_DatasetPackage`) becomes components, from its `name`,
//! `software_packageVersion`, `software_packageUrl`, and the `packageUrl`,
//! `cpe23` and `cpe22` entries of `externalIdentifier`. The specification
//! version is `CreationInfo.specVersion` (3.0.x); the subject is the
//! `SpdxDocument`'s name.
//!
//! Written here rather than taken from a crate: no Rust crate reads SPDX 3
//! (`spdx-rs` and `serde-spdx` stop at 2.3, see `../shared/CRATES.md`), and a
//! full JSON-LD processor would expand IRIs that the SPDX 3 serialisation
//! spec already fixes as compact names. So the reader takes the compacted
//! form the SPDX context defines, which is what every SPDX 3 tool writes.

use serde_json::{Map, Value};

use super::Package;
use super::json::{join, objects, required, string};
use crate::sbom::{Collector, Inventory, SbomError, SbomFormat};

type Object = Map<String, Value>;

/// The supported SPDX 3 versions, for error messages.
pub const SUPPORTED: &str = "SPDX 3.0.0 and 3.0.1";

/// The element types that are packages (the class and its subclasses).
const PACKAGE_TYPES: &[&str] = &["software_Package", "ai_AIPackage", "dataset_DatasetPackage"];

/// Whether a JSON object is an SPDX 3 JSON-LD document (`@context` naming SPDX 3).
pub fn is_spdx3(root: &Object) -> bool {
    let spdx3 = |v: &Value| v.as_str().is_some_and(|s| s.contains("spdx.org/rdf/3"));
    match root.get("@context") {
        Some(Value::Array(items)) => items.iter().any(spdx3),
        Some(v) => spdx3(v),
        None => false,
    }
}

/// Reads a JSON object for which [`is_spdx3`] holds.
pub fn parse(root: &Object) -> Result<Inventory, SbomError> {
    let graph = objects(root, "", "@graph")?;
    if graph.is_empty() {
        return Err(SbomError::Missing {
            at: "@graph".to_owned(),
        });
    }
    let mut spec_version = None;
    let mut subject = None;
    let mut collector = Collector::new();
    for (path, element) in &graph {
        let kind = required(element, path, "type")?;
        match kind {
            "CreationInfo" => {
                let version = required(element, path, "specVersion")?;
                check_version(&join(path, "specVersion"), version)?;
                spec_version.get_or_insert_with(|| version.to_owned());
            }
            "SpdxDocument" => {
                if let Some(name) = string(element, path, "name")? {
                    subject.get_or_insert_with(|| name.to_owned());
                }
            }
            _ if PACKAGE_TYPES.contains(&kind) => {
                read_package(path, element)?.collect(path, &mut collector)?;
            }
            _ => {}
        }
    }
    // Element-level creation information may also be written inline.
    let spec_version = match spec_version {
        Some(v) => v,
        None => inline_spec_version(&graph)?.ok_or_else(|| SbomError::Missing {
            at: "@graph[].creationInfo.specVersion".to_owned(),
        })?,
    };
    Ok(Inventory {
        format: SbomFormat::Spdx3JsonLd,
        spec_version,
        subject,
        components: collector.finish()?,
    })
}

fn check_version(at: &str, version: &str) -> Result<(), SbomError> {
    match version {
        "3.0.0" | "3.0.1" => Ok(()),
        _ => Err(SbomError::UnsupportedVersion {
            at: at.to_owned(),
            spec: "SPDX",
            version: version.to_owned(),
            supported: SUPPORTED,
        }),
    }
}

/// The first `creationInfo.specVersion` written inside an element.
fn inline_spec_version(graph: &[(String, &Object)]) -> Result<Option<String>, SbomError> {
    for (path, element) in graph {
        if let Some(Value::Object(info)) = element.get("creationInfo") {
            let at = join(path, "creationInfo");
            if let Some(version) = string(info, &at, "specVersion")? {
                check_version(&join(&at, "specVersion"), version)?;
                return Ok(Some(version.to_owned()));
            }
        }
    }
    Ok(None)
}

fn read_package(path: &str, element: &Object) -> Result<Package, SbomError> {
    let mut package = Package {
        name: required(element, path, "name")?.to_owned(),
        version: string(element, path, "software_packageVersion")?.map(str::to_owned),
        ..Package::default()
    };
    if let Some(purl) = string(element, path, "software_packageUrl")? {
        package.reference(join(path, "software_packageUrl"), "purl", purl);
    }
    for (p, identifier) in objects(element, path, "externalIdentifier")? {
        let value = required(identifier, &p, "identifier")?;
        let kind = match required(identifier, &p, "externalIdentifierType")? {
            "packageUrl" => "purl",
            "cpe23" => "cpe23Type",
            "cpe22" => "cpe22Type",
            _ => continue,
        };
        // The same package URL in both places is one identity, not two.
        if kind == "purl" && package.purls.iter().any(|(_, l)| l == value) {
            continue;
        }
        package.reference(join(&p, "identifier"), kind, value);
    }
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sbom::parse as parse_any;

    fn doc(graph: &str) -> Vec<u8> {
        format!(
            r#"{{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
            {{"type":"CreationInfo","@id":"_:c","specVersion":"3.0.1","created":"2024-01-01T00:00:00Z"}},
            {{"type":"SpdxDocument","spdxId":"urn:d","creationInfo":"_:c","name":"hello sbom"}}{graph}]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn packages_become_components_with_purl_and_cpe() {
        let inv = parse_any(&doc(
            r#",{"type":"software_Package","spdxId":"urn:p1","creationInfo":"_:c","name":"log4j-core",
                "software_packageVersion":"2.14.1",
                "software_packageUrl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "externalIdentifier":[
                  {"type":"ExternalIdentifier","externalIdentifierType":"packageUrl","identifier":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
                  {"type":"ExternalIdentifier","externalIdentifierType":"cpe23","identifier":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]},
               {"type":"software_File","spdxId":"urn:f","creationInfo":"_:c","name":"README"},
               {"type":"ai_AIPackage","spdxId":"urn:m","creationInfo":"_:c","name":"model"}"#,
        ))
        .unwrap();
        assert_eq!(inv.format, SbomFormat::Spdx3JsonLd);
        assert_eq!(inv.spec_version, "3.0.1");
        assert_eq!(inv.subject.as_deref(), Some("hello sbom"));
        assert_eq!(inv.components.len(), 2, "{:?}", inv.components);
        let log4j = &inv.components[0];
        assert_eq!(log4j.version.as_deref(), Some("2.14.1"));
        assert_eq!(
            log4j.purl.as_ref().map(|p| p.id.name.as_str()),
            Some("log4j-core")
        );
        assert_eq!(
            log4j.cpe.as_deref(),
            Some("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*")
        );
        assert_eq!(inv.components[1].name, "model");
    }

    #[test]
    fn errors_name_the_field() {
        let no_name = parse_any(&doc(r#",{"type":"software_Package","spdxId":"urn:p"}"#));
        assert_eq!(
            no_name.unwrap_err().field(),
            Some("@graph[2].name"),
            "a package needs a name"
        );
        let bad_purl = parse_any(&doc(
            r#",{"type":"software_Package","name":"x","software_packageUrl":"not a purl"}"#,
        ));
        assert_eq!(
            bad_purl.unwrap_err().field(),
            Some("@graph[2].software_packageUrl")
        );
        let future = String::from_utf8(doc(""))
            .unwrap()
            .replace("3.0.1\"", "4.0\"");
        assert!(matches!(
            parse_any(future.as_bytes()),
            Err(SbomError::UnsupportedVersion { .. })
        ));
        let no_graph = br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#;
        assert_eq!(parse_any(no_graph).unwrap_err().field(), Some("@graph"));
    }
}
