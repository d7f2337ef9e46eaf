//! Properties: no input panics the reader; generated CycloneDX documents (JSON and
//! XML) round-trip their components.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// Keys the readers look at, so that generated JSON reaches deep into them.
const KEYS: &[&str] = &[
    "bomFormat",
    "specVersion",
    "version",
    "serialNumber",
    "metadata",
    "component",
    "components",
    "type",
    "name",
    "purl",
    "cpe",
    "hashes",
    "alg",
    "content",
    "licenses",
    "license",
    "expression",
    "id",
    "properties",
    "pedigree",
    "ancestors",
    "patches",
    "resolves",
    "services",
    "data",
    "flow",
    "dependencies",
    "ref",
    "dependsOn",
    "citations",
    "timestamp",
    "spdxVersion",
    "SPDXID",
    "packages",
    "versionInfo",
    "externalRefs",
    "referenceCategory",
    "referenceType",
    "referenceLocator",
    "swid",
    "bom-ref",
    "scope",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("CycloneDX".to_owned()),
            Just("1.6".to_owned()),
            Just("SPDX-2.3".to_owned()),
            Just("library".to_owned()),
            Just("purl".to_owned()),
            Just("pkg:npm/a@1".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A component: name, version and, sometimes, an npm package URL.
type Generated = (String, Option<String>, Option<String>);

fn component() -> impl Strategy<Value = Generated> {
    (
        "[A-Za-z0-9._<>&'\"-]{1,10}",
        proptest::option::of("[0-9]{1,2}\\.[0-9]{1,2}"),
        proptest::option::of("[a-z][a-z0-9-]{0,6}"),
    )
        .prop_map(|(name, version, purl_name)| {
            let purl = purl_name.map(|p| match &version {
                Some(v) => format!("pkg:npm/{p}@{v}"),
                None => format!("pkg:npm/{p}"),
            });
            (name, version, purl)
        })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn to_json((name, version, purl): &Generated, children: &[Generated]) -> Value {
    let mut c = json!({"type": "library", "name": name});
    if let Some(v) = version {
        c["version"] = json!(v);
    }
    if let Some(p) = purl {
        c["purl"] = json!(p);
    }
    if !children.is_empty() {
        c["components"] = children.iter().map(|c| to_json(c, &[])).collect();
    }
    c
}

fn to_xml((name, version, purl): &Generated, children: &[Generated]) -> String {
    let mut out = format!(r#"<component type="library"><name>{}</name>"#, escape(name));
    if let Some(v) = version {
        out += &format!("<version>{}</version>", escape(v));
    }
    if let Some(p) = purl {
        out += &format!("<purl>{}</purl>", escape(p));
    }
    if !children.is_empty() {
        out += "<components>";
        for c in children {
            out += &to_xml(c, &[]);
        }
        out += "</components>";
    }
    out + "</component>"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse(&bytes);
        let mut xml = b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">".to_vec();
        xml.extend_from_slice(&bytes);
        let _ = parse(&xml);
        let mut tag = b"SPDXVersion: SPDX-2.3\nPackageName: a\n".to_vec();
        tag.extend_from_slice(&bytes);
        let _ = parse(&tag);
    }

    #[test]
    fn tag_value_never_panics(lines in prop::collection::vec(
        "(PackageName|PackageVersion|ExternalRef|FileName|DocumentName|SPDXVersion|X)?:? ?(<text>|</text>|SPDX-2.2|PACKAGE-MANAGER purl pkg:npm/a@1|[a-z :]{0,6})",
        0..12,
    )) {
        let doc = format!("SPDXVersion: SPDX-2.3\n{}", lines.join("\n"));
        let _ = parse(doc.as_bytes());
    }

    #[test]
    fn json_never_panics(
        value in json_value(),
        version in prop::sample::select(&["1.4", "1.5", "1.6", "1.7", "1.2"][..]),
    ) {
        let _ = parse(value.to_string().as_bytes());
        let cdx = json!({"bomFormat": "CycloneDX", "specVersion": version,
            "metadata": {"component": value.clone()}, "components": [value.clone()],
            "services": [value.clone()], "dependencies": [value.clone()]});
        let _ = parse(cdx.to_string().as_bytes());
        let spdx = json!({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
            "name": "x", "packages": [value.clone(), {"SPDXID": "a", "name": "a", "externalRefs": [value]}]});
        let _ = parse(spdx.to_string().as_bytes());
    }

    #[test]
    fn generated_cyclonedx_round_trips(
        tree in prop::collection::vec((component(), prop::collection::vec(component(), 0..3)), 0..8),
        version in prop::sample::select(&["1.4", "1.5", "1.6", "1.7"][..]),
    ) {
        let mut expected: Vec<Generated> = Vec::new();
        for (parent, children) in &tree {
            for c in std::iter::once(parent).chain(children) {
                if !expected.contains(c) {
                    expected.push(c.clone());
                }
            }
        }
        let json_doc = json!({"bomFormat": "CycloneDX", "specVersion": version, "version": 1,
            "components": tree.iter().map(|(p, c)| to_json(p, c)).collect::<Vec<_>>()});
        let xml_doc = format!(
            r#"<bom xmlns="http://cyclonedx.org/schema/bom/{version}"><components>{}</components></bom>"#,
            tree.iter().map(|(p, c)| to_xml(p, c)).collect::<String>()
        );
        for doc in [json_doc.to_string(), xml_doc] {
            let inv = parse(doc.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{doc}")))?;
            let got: Vec<Generated> = inv.components.iter().map(|c| (
                c.name.clone(),
                c.version.clone(),
                c.purl.as_ref().map(Purl::to_string_canonical),
            )).collect();
            prop_assert_eq!(&got, &expected);
        }
    }
}
