//! CPE parsing by example: the specification's own examples (NIST IR 7695
//! §6.1.2 and §6.2.2), the strings real SBOMs and feeds carry, and what is refused.

use super::ranges::{Configuration, CpeAffected, from_configurations, with_versions};
use super::*;
use crate::versions::{OsvEvent, OsvRange};

fn t(s: &str) -> Value {
    Value::Text(s.to_owned())
}

#[test]
fn formatted_string_attributes() {
    let c = Cpe::parse("cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*").unwrap();
    assert_eq!(c.part, t("a"));
    assert_eq!(c.vendor, t("apache"));
    assert_eq!(c.product, t("log4j"));
    assert_eq!(c.version, t("2.0"));
    assert_eq!(c.update, t("beta9"));
    assert_eq!(c.edition, Value::Any);
    assert_eq!(c.version_text().as_deref(), Some("2.0-beta9"));
    assert_eq!(c.match_key().as_deref(), Some("cpe:apache:log4j"));
    assert_eq!(
        c.to_string(),
        "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*"
    );
}

#[test]
fn escapes_any_and_na() {
    // NIST IR 7695 §6.2.3.2 examples.
    let c = Cpe::parse(r"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*")
        .unwrap();
    assert_eq!(c.update, Value::Na);
    assert_eq!(c.sw_edition, t("online"));
    assert_eq!(c.target_hw, t("x64"));
    let c = Cpe::parse(r"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*")
        .unwrap();
    assert_eq!(c.vendor, t(r"foo\bar"));
    assert_eq!(c.product, t("big$money_2010"));
    assert_eq!(
        c.match_key().as_deref(),
        Some(r"cpe:foo\\bar:big\$money_2010")
    );
    // An escaped colon is part of the value; an escaped `*` or `-` is a value, not ANY/NA.
    let c = Cpe::parse(r"cpe:2.3:a:x:a\:b:\*:\-:*:*:*:*:*:*").unwrap();
    assert_eq!(c.product, t("a:b"));
    assert_eq!(c.version, t("*"));
    assert_eq!(c.update, t("-"));
    assert_eq!(Cpe::parse(&c.to_string()).unwrap(), c);
}

#[test]
fn uri_binding() {
    let c = Cpe::parse("cpe:/a:microsoft:internet_explorer:8.0.6001:beta").unwrap();
    assert_eq!(c.vendor, t("microsoft"));
    assert_eq!(c.update, t("beta"));
    assert_eq!(c.edition, Value::Any);
    let c = Cpe::parse("cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~").unwrap();
    assert_eq!(c.update, Value::Na);
    assert_eq!(c.edition, Value::Any);
    assert_eq!(c.sw_edition, t("online"));
    assert_eq!(c.target_sw, t("win2003"));
    assert_eq!(c.target_hw, t("x64"));
    let c = Cpe::parse("cpe:/a:foo%5cbar:big%24money_2010").unwrap();
    assert_eq!(c.vendor, t(r"foo\bar"));
    assert_eq!(c.product, t("big$money_2010"));
    // SPDX 2 documents carry `cpe22Type` locators like this one.
    let c = Cpe::parse("cpe:/a:lodash:lodash:4.17.21").unwrap();
    assert_eq!(c.match_key().as_deref(), Some("cpe:lodash:lodash"));
    assert_eq!(
        c.to_string(),
        "cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*"
    );
}

#[test]
fn lenient_where_tools_are_loose() {
    // Short formatted strings, upper-case prefix and vendor.
    let c = Cpe::parse("CPE:2.3:A:Apache:Log4j:2.14.1").unwrap();
    assert_eq!(c.part, t("a"));
    assert_eq!(c.match_key().as_deref(), Some("cpe:apache:log4j"));
    assert_eq!(c.other, Value::Any);
    // Unescaped punctuation other than `:`.
    let c = Cpe::parse("cpe:2.3:a:gnu:gcc+plus:1.0:*:*:*:*:*:*:*").unwrap();
    assert_eq!(c.product, t("gcc+plus"));
}

#[test]
fn refused() {
    for bad in [
        "",
        "pkg:maven/org.apache/log4j@1",
        "cpe:2.3:a",
        "cpe:2.3:a:apache",
        "cpe:2.3:a::log4j:1:*:*:*:*:*:*:*",
        "cpe:2.3:x:apache:log4j:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*:extra",
        r"cpe:2.3:a:apache:log4j\",
        "cpe:2.3:a:apache:log 4j:1:*:*:*:*:*:*:*",
        "cpe:/a:apache:log4j:%zz",
        "cpe:/a:apache:log4j:1:2:3:4:5",
        "cpe:/a:apache:log4j:1:-:~a~b",
    ] {
        assert!(Cpe::parse(bad).is_err(), "{bad:?} accepted");
    }
    let long = format!("cpe:2.3:a:x:{}:1", "y".repeat(MAX_CPE_BYTES));
    assert!(Cpe::parse(&long).is_err());
}

#[test]
fn no_product_no_key() {
    assert_eq!(
        Cpe::parse("cpe:2.3:a:*:log4j:*:*:*:*:*:*:*:*")
            .unwrap()
            .match_key(),
        None
    );
    assert_eq!(
        Cpe::parse("cpe:2.3:a:apache:-:*:*:*:*:*:*:*:*")
            .unwrap()
            .match_key(),
        None
    );
}

fn range(events: Vec<OsvEvent>) -> OsvRange {
    OsvRange {
        kind: "ECOSYSTEM".into(),
        events,
    }
}

fn intro(v: &str) -> OsvEvent {
    OsvEvent::Introduced(v.into())
}

#[test]
fn configurations_become_ranges() {
    // NVD's configuration for CVE-2021-44228 (log4j-core), as NVD publishes it.
    let json = serde_json::json!([{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
        {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
         "versionStartIncluding": "2.0.1", "versionEndExcluding": "2.3.1"},
        {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
         "versionStartIncluding": "2.4.0", "versionEndExcluding": "2.12.2"},
        {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*"},
        {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
         "versionEndIncluding": "2.14.1", "versionStartExcluding": "2.13.0"},
        {"vulnerable": false, "criteria": "cpe:2.3:o:debian:debian_linux:9.0:*:*:*:*:*:*:*"}
    ]}]}, {"negate": true, "nodes": [{"cpeMatch": [
        {"vulnerable": true, "criteria": "cpe:2.3:a:other:thing:*:*:*:*:*:*:*:*"}]}]}]);
    let configs: Vec<Configuration> = serde_json::from_value(json).unwrap();
    let mut out = Vec::new();
    from_configurations(&configs, &mut out);
    assert_eq!(
        out,
        vec![CpeAffected {
            cpe: "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*".into(),
            key: "cpe:apache:log4j".into(),
            ranges: vec![
                range(vec![intro("2.0.1"), OsvEvent::Fixed("2.3.1".into())]),
                range(vec![intro("2.4.0"), OsvEvent::Fixed("2.12.2".into())]),
                range(vec![
                    intro("2.13.0"),
                    OsvEvent::LastAffected("2.14.1".into())
                ]),
            ],
            versions: vec!["2.0-beta9".into()],
        }]
    );
}

#[test]
fn cve_versions_with_a_cpe() {
    let r = vec![range(vec![intro("0"), OsvEvent::Fixed("1.2".into())])];
    let a = with_versions("cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*", &r, &[]).unwrap();
    assert_eq!((a.key.as_str(), a.ranges.len()), ("cpe:acme:widget", 1));
    let a = with_versions("cpe:2.3:a:acme:widget:1.0:*:*:*:*:*:*:*", &[], &[]).unwrap();
    assert_eq!(a.versions, vec!["1.0".to_owned()]);
    // Nothing stated affected: nothing to match.
    assert!(with_versions("cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*", &[], &[]).is_none());
    assert!(with_versions("not a cpe", &r, &[]).is_none());
}
