//! Data-driven cases: format detection, what becomes a component, and where errors point.

use super::*;

fn cdx_json(version: &str, body: &str) -> String {
    format!(r#"{{"bomFormat":"CycloneDX","specVersion":"{version}","version":1{body}}}"#)
}

fn cdx_xml(version: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/{version}" version="1">{body}</bom>"#
    )
}

/// (name, version, canonical purl, cpe).
type Summary = (String, Option<String>, Option<String>, Option<String>);

fn summary(inv: &Inventory) -> Vec<Summary> {
    inv.components
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.version.clone(),
                c.purl.as_ref().map(Purl::to_string_canonical),
                c.cpe.clone(),
            )
        })
        .collect()
}

fn names(doc: &str) -> Vec<String> {
    let inv = parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{doc}"));
    inv.components.into_iter().map(|c| c.name).collect()
}

/// Asserts the document is rejected with an error at `field`.
fn check_error(doc: &str, field: Option<&str>) {
    match parse(doc.as_bytes()) {
        Ok(inv) => panic!("accepted: {inv:?}\n{doc}"),
        Err(e) => assert_eq!(e.field(), field, "{e}\n{doc}"),
    }
}

const TAG_VALUE: &str = "SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: shop
DocumentComment: <text>spans
two lines: with a colon</text>

PackageName: openssl
SPDXID: SPDXRef-openssl
PackageVersion: 3.0.8
ExternalRef: SECURITY cpe23Type cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*
ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/openssl@3.0.8
FileName: ./a.c
SPDXID: SPDXRef-a

PackageName: zlib
SPDXID: SPDXRef-zlib
";

#[test]
fn each_format_is_detected_and_read() {
    let json = cdx_json(
        "1.6",
        r#","metadata":{"component":{"type":"application","name":"shop"}},
           "components":[{"type":"library","name":"lodash","version":"4.17.21",
             "purl":"pkg:npm/lodash@4.17.21","cpe":"cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*"}]"#,
    );
    let xml = cdx_xml(
        "1.5",
        r#"<metadata><component type="application"><name>shop</name></component></metadata>
           <components><component type="library"><name>lodash</name><version>4.17.21</version>
           <purl>pkg:npm/lodash@4.17.21</purl><cpe>cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*</cpe>
           </component></components>"#,
    );
    let spdx = r#"{"spdxVersion":"SPDX-2.2","SPDXID":"SPDXRef-DOCUMENT","name":"shop","packages":[
        {"SPDXID":"SPDXRef-1","name":"lodash","versionInfo":"4.17.21","externalRefs":[
          {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/lodash@4.17.21"},
          {"referenceCategory":"SECURITY","referenceType":"cpe22Type","referenceLocator":"cpe:/a:lodash:lodash:4.17.21"},
          {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*"}]}]}"#;
    let lodash = (
        "lodash".to_owned(),
        Some("4.17.21".to_owned()),
        Some("pkg:npm/lodash@4.17.21".to_owned()),
        Some("cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*".to_owned()),
    );
    for (doc, format, spec) in [
        (json.as_str(), SbomFormat::CycloneDxJson, "1.6"),
        (xml.as_str(), SbomFormat::CycloneDxXml, "1.5"),
        (spdx, SbomFormat::SpdxJson, "SPDX-2.2"),
    ] {
        let inv = parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((inv.format, inv.spec_version.as_str()), (format, spec));
        assert_eq!(inv.subject.as_deref(), Some("shop"));
        assert_eq!(summary(&inv), vec![lodash.clone()], "{format}");
    }
    let inv = parse(format!("\u{feff}\n{TAG_VALUE}").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.format.as_str(), "spdx-tag-value");
    assert_eq!(inv.subject.as_deref(), Some("shop"));
    assert_eq!(
        summary(&inv),
        vec![
            (
                "openssl".to_owned(),
                Some("3.0.8".to_owned()),
                Some("pkg:deb/debian/openssl@3.0.8".to_owned()),
                Some("cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*".to_owned()),
            ),
            ("zlib".to_owned(), None, None, None),
        ]
    );
}

#[test]
fn nested_and_metadata_components() {
    let lib = |name: &str, extra: &str| format!(r#"{{"type":"library","name":"{name}"{extra}}}"#);
    // The subject is a component only with a purl or CPE; its children always are.
    let doc = |subject_extra: &str| {
        cdx_json(
            "1.7",
            &format!(
                r#","metadata":{{"component":{}}},"components":[{}]"#,
                lib(
                    "app",
                    &format!(r#"{subject_extra},"components":[{}]"#, lib("sub", ""))
                ),
                lib("a", &format!(r#","components":[{}]"#, lib("b", ""))),
            ),
        )
    };
    assert_eq!(names(&doc("")), ["sub", "a", "b"]);
    assert_eq!(
        names(&doc(r#","purl":"pkg:npm/app@1""#)),
        ["app", "sub", "a", "b"]
    );
    assert_eq!(
        names(&doc(r#","cpe":"cpe:2.3:a:x:app:1:*:*:*:*:*:*:*""#)),
        ["app", "sub", "a", "b"]
    );
    // Pedigree ancestors are checked but are not components.
    let pedigree = cdx_json(
        "1.6",
        &format!(
            r#","components":[{}]"#,
            lib(
                "a",
                &format!(r#","pedigree":{{"ancestors":[{}]}}"#, lib("old", ""))
            )
        ),
    );
    assert_eq!(names(&pedigree), ["a"]);
    let bad_ancestor = pedigree.replace(r#""name":"old""#, r#""name":"old","purl":"nope""#);
    check_error(
        &bad_ancestor,
        Some("components[0].pedigree.ancestors[0].purl"),
    );
}

#[test]
fn equal_components_collapse() {
    // Equal (canonical purl, name, version): one component; a different version stays.
    let doc = cdx_json(
        "1.5",
        r#","components":[
          {"type":"library","name":"Django","version":"4.2","purl":"pkg:pypi/Django@4.2"},
          {"type":"library","name":"Django","version":"4.2","purl":"pkg:pypi/django@4.2"},
          {"type":"library","name":"Django","version":"4.2","components":[
            {"type":"library","name":"Django","version":"4.2","purl":"pkg:pypi/django@4.2"}]},
          {"type":"library","name":"Django","version":"5.0","purl":"pkg:pypi/django@5.0"}]"#,
    );
    let inv = parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let versions: Vec<_> = summary(&inv).into_iter().map(|c| (c.1, c.2)).collect();
    assert_eq!(
        versions,
        [
            (
                Some("4.2".to_owned()),
                Some("pkg:pypi/django@4.2".to_owned())
            ),
            (Some("4.2".to_owned()), None),
            (
                Some("5.0".to_owned()),
                Some("pkg:pypi/django@5.0".to_owned())
            ),
        ]
    );
}

#[test]
fn errors_say_where() {
    let cases: &[(String, Option<&str>)] = &[
        (String::new(), None),
        ("hello".to_owned(), None),
        ("{}".to_owned(), None),
        ("[1]".to_owned(), None),
        ("<html/>".to_owned(), None),
        ("{\"bomFormat\":".to_owned(), Some("line 1 column 13")),
        ("<bom>\n<components></bom>".to_owned(), Some("line 2 column 13")),
        // Unsupported versions.
        (cdx_json("1.1", ""), Some("specVersion")),
        (cdx_json("2.0", ""), Some("specVersion")),
        (cdx_xml("1.1", ""), Some("/bom/@xmlns")),
        (
            r#"{"spdxVersion":"SPDX-2.1","SPDXID":"SPDXRef-DOCUMENT","name":"x"}"#.to_owned(),
            Some("spdxVersion"),
        ),
        (
            r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#.to_owned(),
            Some("@graph"),
        ),
        (TAG_VALUE.replace("SPDX-2.3", "SPDX-3.0"), Some("line 1")),
        // Components.
        (
            cdx_json("1.6", r#","components":[{"type":"library","name":"a"},{"type":"library","name":"b","purl":"pkg:npm"}]"#),
            Some("components[1].purl"),
        ),
        (
            cdx_json("1.6", r#","components":[{"type":"library","name":"a","components":[{"type":"library","version":"1"}]}]"#),
            Some("components[0].components[0].name"),
        ),
        (cdx_json("1.4", r#","components":[{"type":"library","name":""}]"#), Some("components[0].name")),
        (cdx_json("1.4", r#","components":[{"type":"data","name":"x"}]"#), Some("components[0].type")),
        (cdx_json("1.4", r#","components":{}"#), Some("components")),
        (cdx_json("1.4", r#","components":[{"type":"library","name":7}]"#), Some("components[0].name")),
        (cdx_json("1.6", r#","serialNumber":"urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79""#), Some("serialNumber")),
        (cdx_json("1.6", r#","extra":1"#), Some("extra")),
        (
            cdx_xml("1.6", r#"<components><component type="library"><name>a</name></component><component type="library"><name>b</name><purl>npm/b</purl></component></components>"#),
            Some("/bom/components[1]/component[2]/purl"),
        ),
        (
            cdx_xml("1.6", r#"<components><component><name>a</name></component></components>"#),
            Some("/bom/components[1]/component[1]/@type"),
        ),
        (
            cdx_xml("1.6", r#"<metadata><timestamp>yesterday</timestamp></metadata>"#),
            Some("/bom/metadata[1]/timestamp"),
        ),
        (
            r#"<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aa">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>"#.to_owned(),
            Some("line 1 column 1"),
        ),
        (
            TAG_VALUE.replace("pkg:deb/debian/openssl@3.0.8", "pkg:deb"),
            Some("line 12"),
        ),
        (TAG_VALUE.replace("PackageName: zlib", "PackageName:"), Some("line 16")),
        (TAG_VALUE.replace("SPDXID: SPDXRef-a", "no colon here"), Some("line 14")),
        (
            r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x","packages":[{"SPDXID":"SPDXRef-1"}]}"#.to_owned(),
            Some("packages[0].name"),
        ),
    ];
    for (doc, field) in cases {
        check_error(doc, *field);
    }
}

#[test]
fn timestamps() {
    for (ts, offset_required, ok) in [
        ("2024-05-01T14:23:00Z", true, true),
        ("2024-02-29T23:59:60.123+02:00", true, true),
        ("2023-02-29T00:00:00Z", true, false),
        ("2020-04-13", true, false),
        ("2020-04-13T20:20:39", true, false),
        ("2020-04-13T20:20:39", false, true),
        ("2020-04-13T24:00:00Z", true, false),
        ("2020-04-13T20:20:39+0100", true, false),
        ("2020-04-13T20:20:39.Z", true, false),
        ("2020-04-13T20:20:39Zé", true, false),
    ] {
        assert_eq!(
            cyclonedx::rules_is_date_time(ts, offset_required),
            ok,
            "{ts}"
        );
    }
}

#[test]
fn the_component_limit_holds() {
    let one = r#"{"type":"library","name":"a"},"#;
    let mut list = one.repeat(MAX_COMPONENTS);
    list.pop();
    let at_limit = cdx_json("1.6", &format!(r#","components":[{list}]"#));
    assert_eq!(
        parse(at_limit.as_bytes()).map(|i| i.components.len()),
        Ok(1)
    );
    let over = cdx_json(
        "1.6",
        &format!(r#","components":[{list},{}]"#, &one[..one.len() - 1]),
    );
    check_error(&over, Some("components[200000]"));
}

#[test]
fn sbom_component_names_refuse_control_and_bidi_characters() {
    let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": "ok", "version": "1"},
        {"type": "library", "name": "evil\u202Egnp.exe", "version": "1"}]}"#;
    let e = parse(bom.as_bytes()).expect_err("bidi override");
    assert_eq!(e.field(), Some("components[1].name"), "{e}");
    assert!(e.to_string().contains("U+202E"), "{e}");
}

/// CycloneDX 1.2 and 1.3 are read (many tools still write them), with only
/// the fields those versions define at the top and in `metadata`.
#[test]
fn cyclonedx_1_2_and_1_3_are_read() {
    let component = r#","components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}]"#;
    for version in ["1.2", "1.3"] {
        let inventory = parse(cdx_json(version, component).as_bytes())
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert_eq!(inventory.spec_version, version);
        assert_eq!(inventory.components.len(), 1);
        let xml = parse(cdx_xml(version, "").as_bytes());
        assert!(xml.is_ok(), "{version}: {xml:?}");
    }
    // `compositions` came with 1.3, `vulnerabilities` with 1.4.
    let e = parse(cdx_json("1.2", r#","compositions":[]"#).as_bytes());
    assert!(e.is_err(), "{e:?}");
    assert!(parse(cdx_json("1.3", r#","compositions":[]"#).as_bytes()).is_ok());
    assert!(parse(cdx_json("1.3", r#","vulnerabilities":[]"#).as_bytes()).is_err());
}
