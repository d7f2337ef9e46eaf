//! SPDX 2.x JSON: the document name and every package's name, `versionInfo` and
//! `purl` / `cpe23Type` / `cpe22Type` external references.

use serde_json::{Map, Value};

use super::{Package, check_version};
use crate::sbom::{Collector, Inventory, SbomError, SbomFormat};

type Object = Map<String, Value>;

pub(super) fn string<'a>(
    o: &'a Object,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, SbomError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(SbomError::WrongType {
            at: join(path, key),
            expected: "a string",
        }),
    }
}

pub(super) fn required<'a>(o: &'a Object, path: &str, key: &str) -> Result<&'a str, SbomError> {
    string(o, path, key)?.ok_or_else(|| SbomError::Missing {
        at: join(path, key),
    })
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Each object of the array at `key` (empty when absent), with its path.
pub(super) fn objects<'a>(
    o: &'a Object,
    path: &str,
    key: &str,
) -> Result<Vec<(String, &'a Object)>, SbomError> {
    let list = join(path, key);
    let items = match o.get(key) {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(SbomError::WrongType {
                at: list,
                expected: "an array",
            });
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let p = format!("{list}[{i}]");
            match v.as_object() {
                Some(o) => Ok((p, o)),
                None => Err(SbomError::WrongType {
                    at: p,
                    expected: "an object",
                }),
            }
        })
        .collect()
}

/// Reads a JSON object that has `spdxVersion`.
pub fn parse(root: &Object) -> Result<Inventory, SbomError> {
    let spec = required(root, "", "spdxVersion")?;
    check_version("spdxVersion", spec)?;
    required(root, "", "SPDXID")?;
    let subject = required(root, "", "name")?;
    let mut collector = Collector::new();
    for (path, package) in objects(root, "", "packages")? {
        required(package, &path, "SPDXID")?;
        let mut read = Package {
            name: required(package, &path, "name")?.to_owned(),
            version: string(package, &path, "versionInfo")?.map(str::to_owned),
            ..Package::default()
        };
        for (p, reference) in objects(package, &path, "externalRefs")? {
            required(reference, &p, "referenceCategory")?;
            let kind = required(reference, &p, "referenceType")?;
            let locator = required(reference, &p, "referenceLocator")?;
            read.reference(join(&p, "referenceLocator"), kind, locator);
        }
        read.collect(&path, &mut collector)?;
    }
    Ok(Inventory {
        format: SbomFormat::SpdxJson,
        spec_version: spec.to_owned(),
        subject: Some(subject.to_owned()),
        components: collector.finish()?,
    })
}
