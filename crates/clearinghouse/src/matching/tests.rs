//! Unit tests of the exposure engine: index look-ups, range decisions and
//! the rows `apply` writes.

use super::*;
use crate::store::exposure::assets::ComponentRow;

fn row(adv: &str, vuln: &str, key: &str, eco: &str, ranges: &str, versions: &str) -> AffectedRow {
    AffectedRow {
        advisory_id: adv.into(),
        vuln_id: vuln.into(),
        package_key: key.into(),
        ecosystem: eco.into(),
        ranges: ranges.into(),
        versions: versions.into(),
        fixed: "[]".into(),
        not_affected: "[]".into(),
    }
}

fn component(asset: &str, key: &str, version: Option<&str>) -> ComponentRow {
    ComponentRow {
        id: 0,
        asset_id: asset.into(),
        package_key: Some(key.into()),
        ecosystem: None,
        purl: Some(format!("pkg:{key}@{}", version.unwrap_or(""))),
        name: key.into(),
        version: version.map(Into::into),
        cpe: None,
        cpe_key: None,
    }
}

/// A component named only by a CPE (as the SBOM gives it).
fn by_cpe(asset: &str, cpe: &str, version: Option<&str>) -> ComponentRow {
    let parsed = clearinghouse_domain::cpe::Cpe::parse(cpe).unwrap();
    ComponentRow {
        id: 0,
        asset_id: asset.into(),
        package_key: None,
        ecosystem: None,
        purl: None,
        name: "log4j-core".into(),
        version: version.map(Into::into),
        cpe: Some(cpe.into()),
        cpe_key: parsed.match_key(),
    }
}

const PYPI_RANGE: &str =
    r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.4.1"}]}]"#;

#[test]
fn a_version_inside_the_range_is_affected_and_one_after_the_fix_is_not() {
    let index = Index::from_rows(vec![row(
        "PYSEC-2018-1",
        "CVE-2018-1000805",
        "pypi/paramiko",
        "PyPI",
        PYPI_RANGE,
        "[]",
    )]);
    let found = match_components(
        &index,
        &[
            component("a1", "pypi/paramiko", Some("2.4.0")),
            component("a2", "pypi/paramiko", Some("2.4.1")),
            component("a3", "pypi/requests", Some("1.0")),
        ],
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].asset_id, "a1");
    assert_eq!(found[0].decision, Decision::Affected);
    assert!(
        found[0].reason.contains("PYSEC-2018-1"),
        "{}",
        found[0].reason
    );
    assert_eq!(found[0].component_key, "pypi/paramiko@2.4.0");
}

#[test]
fn an_unorderable_or_missing_version_is_cannot_decide_never_safe() {
    let index = Index::from_rows(vec![row(
        "GHSA-x",
        "GHSA-x",
        "pypi/paramiko",
        "PyPI",
        PYPI_RANGE,
        "[]",
    )]);
    let found = match_components(
        &index,
        &[
            component("a1", "pypi/paramiko", Some("not a version!")),
            component("a2", "pypi/paramiko", None),
        ],
    );
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|f| f.decision == Decision::CannotDecide));
}

#[test]
fn affected_from_one_advisory_beats_cannot_decide_from_another_of_the_same_vulnerability() {
    let index = Index::from_rows(vec![
        row("A", "CVE-1", "pypi/p", "PyPI", "[]", r#"["1.0"]"#),
        row(
            "B",
            "CVE-1",
            "pypi/p",
            "PyPI",
            r#"[{"type":"GIT","events":[{"introduced":"abc"}]}]"#,
            "[]",
        ),
    ]);
    let found = match_components(&index, &[component("a1", "pypi/p", Some("1.0"))]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].decision, Decision::Affected);
    assert_eq!(found[0].advisory_id, "A");
}

#[test]
fn unreadable_index_rows_are_skipped() {
    let index = Index::from_rows(vec![row("A", "A", "pypi/p", "PyPI", "{bad", "[]")]);
    assert!(index.is_empty());
}

#[test]
fn a_version_stated_fixed_or_not_affected_never_matches() {
    let mut r = row("A", "V", "pkg:npm/x", "npm", "[]", r#"["1.0.0", "2.0.0"]"#);
    r.fixed = r#"["2.0.0"]"#.into();
    let index = Index::from_rows(vec![r]);
    let found = match_components(
        &index,
        &[
            component("a1", "pkg:npm/x", Some("1.0.0")),
            component("a1", "pkg:npm/x", Some("2.0.0")),
        ],
    );
    let versions: Vec<_> = found.iter().map(|f| f.version.clone()).collect();
    assert_eq!(versions, vec![Some("1.0.0".to_owned())]);
}

/// NVD's ranges for Log4Shell as a CPE entry: 2.0-beta9 up to 2.12.2 (fixed),
/// 2.13.0 up to 2.15.0 (fixed).
const LOG4J_RANGES: &str = r#"[{"type":"ECOSYSTEM","events":[{"introduced":"2.0-beta9"},{"fixed":"2.12.2"}]},
    {"type":"ECOSYSTEM","events":[{"introduced":"2.13.0"},{"fixed":"2.15.0"}]}]"#;

#[test]
fn a_component_is_matched_by_its_cpe_with_versions_ordered_generically() {
    let index = Index::from_rows(vec![row(
        "CVE-2021-44228",
        "CVE-2021-44228",
        "cpe:apache:log4j",
        CPE_ECOSYSTEM,
        LOG4J_RANGES,
        "[]",
    )]);
    let found = match_components(
        &index,
        &[
            by_cpe(
                "a1",
                "cpe:2.3:a:apache:log4j:2.13.2:*:*:*:*:*:*:*",
                Some("2.13.2"),
            ),
            // The version comes from the CPE when the SBOM gives none.
            by_cpe("a2", "cpe:/a:Apache:Log4j:2.14.1", None),
            by_cpe(
                "a3",
                "cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*",
                Some("2.17.1"),
            ),
            by_cpe(
                "a4",
                "cpe:2.3:a:apache:log4j:2.12.2:*:*:*:*:*:*:*",
                Some("2.12.2"),
            ),
            by_cpe(
                "a5",
                "cpe:2.3:a:apache:log4net:2.0.0:*:*:*:*:*:*:*",
                Some("2.0.0"),
            ),
        ],
    );
    let hits: Vec<(&str, Decision)> = found
        .iter()
        .map(|f| (f.asset_id.as_str(), f.decision))
        .collect();
    assert_eq!(
        hits,
        vec![("a1", Decision::Affected), ("a2", Decision::Affected)]
    );
    assert!(
        found[0]
            .reason
            .contains("matched by CPE cpe:2.3:a:apache:log4j:2.13.2"),
        "{}",
        found[0].reason
    );
    assert_eq!(found[0].component_key, "cpe:apache:log4j@2.13.2");
}

#[test]
fn a_component_found_by_purl_and_cpe_is_one_exposure() {
    let index = Index::from_rows(vec![
        row(
            "GHSA-jfh8-c2jp-5v3q",
            "CVE-2021-44228",
            "pkg:maven/org.apache.logging.log4j/log4j-core",
            "Maven",
            LOG4J_RANGES,
            "[]",
        ),
        row(
            "CVE-2021-44228",
            "CVE-2021-44228",
            "cpe:apache:log4j",
            CPE_ECOSYSTEM,
            LOG4J_RANGES,
            "[]",
        ),
    ]);
    let mut c = component(
        "a1",
        "pkg:maven/org.apache.logging.log4j/log4j-core",
        Some("2.14.1"),
    );
    c.cpe = Some("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*".into());
    c.cpe_key = Some("cpe:apache:log4j".into());
    let found = match_components(&index, &[c]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].advisory_id, "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(
        found[0].component_key,
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
    );
}
