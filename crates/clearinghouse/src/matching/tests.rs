//! Unit tests of the exposure engine: index look-ups, range decisions and
//! the rows `apply` writes.

use super::*;

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
        asset_id: asset.into(),
        package_key: Some(key.into()),
        ecosystem: None,
        purl: Some(format!("pkg:{key}@{}", version.unwrap_or(""))),
        name: key.into(),
        version: version.map(Into::into),
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
