//! Data-driven orderings per ecosystem: each chain must be strictly increasing under
//! [`compare`] in every pair (both directions), each pair in an equality list equal.
//! Cases come from the package managers' own test suites and specifications (Maven's
//! `ComparableVersionTest`, RubyGems' `test_gem_version.rb`, PEP 440's examples, SemVer
//! 2.0 section 11, NuGet's documentation). RPM, Debian and Alpine are in
//! `tests_ordering_distro`.

use std::cmp::Ordering;

use super::{Ecosystem, compare};

pub(super) fn chain(eco: Ecosystem, versions: &[&str]) {
    for (i, low) in versions.iter().enumerate() {
        for high in &versions[i + 1..] {
            assert_eq!(
                compare(eco, low, high),
                Ok(Ordering::Less),
                "{eco}: {low} < {high}"
            );
            assert_eq!(
                compare(eco, high, low),
                Ok(Ordering::Greater),
                "{eco}: {high} > {low}"
            );
        }
    }
}

pub(super) fn equal(eco: Ecosystem, pairs: &[(&str, &str)]) {
    for (a, b) in pairs {
        assert_eq!(compare(eco, a, b), Ok(Ordering::Equal), "{eco}: {a} == {b}");
        assert_eq!(compare(eco, b, a), Ok(Ordering::Equal), "{eco}: {b} == {a}");
    }
}

pub(super) fn rejects(eco: Ecosystem, bad: &[&str]) {
    for v in bad {
        let err = compare(eco, v, "1.0").expect_err(v);
        assert_eq!(err.version, v.trim(), "{eco}: {v}");
        assert!(compare(eco, "1.0", v).is_err(), "{eco}: {v}");
    }
}

#[test]
fn maven_comparable_version() {
    chain(
        Ecosystem::Maven,
        &["1.0-alpha1", "1.0-SNAPSHOT", "1.0", "1.0-sp1"],
    );
    chain(
        Ecosystem::Maven,
        &[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ],
    );
    chain(
        Ecosystem::Maven,
        &[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
            "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
            "11", "11.a", "11b", "11c", "11m",
        ],
    );
    for (a, b) in [
        ("1.0-alpha-1", "1.0-alpha-2"),
        ("1.0-beta-1", "1.0-SNAPSHOT"),
        ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
        ("1.0", "1.0-1"),
        ("1.0.0", "1.0-1"),
        ("2.0-1", "2.0.1"),
        ("2.0.1-klm", "2.0.1-lmn"),
        ("2.0.1-xyz", "2.0.1-123"),
        ("6.1.0rc3", "6.1.0"),
        ("6.1.0", "6.1H.5-beta"),
        ("20190126.230843", "1234567890.12345"),
        (
            "123456789012345.1H.5-beta",
            "12345678901234567890.1H.5-beta",
        ),
        ("1-0.alpha", "1-0.beta"),
        ("1-0.beta", "1"),
        ("1.0.0.RC1", "1.0.0-RC2"),
        ("1.0.final-redhat", "1.0-sp1-redhat"),
        ("c", "7"),
    ] {
        chain(Ecosystem::Maven, &[a, b]);
    }
    equal(
        Ecosystem::Maven,
        &[
            ("1", "1.0.0"),
            ("1", "1-0"),
            ("1.0", "1.0-0"),
            ("1a", "1-a"),
            ("1.0.0x", "1-x"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1m3", "1MILESTONE3"),
            ("1ga", "1"),
            ("1RELEASE", "1"),
            ("1.0.0-alpha1", "1.0.0-ALPHA1"),
            ("0000000000000000001", "1"),
            ("2-abc", "2.0.0.abc"),
        ],
    );
}

#[test]
fn pypi_pep440() {
    chain(Ecosystem::PyPI, &["1.0.dev1", "1.0a1", "1.0", "1.0.post1"]);
    chain(
        Ecosystem::PyPI,
        &[
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ],
    );
    equal(
        Ecosystem::PyPI,
        &[
            ("1.0", "1.0.0"),
            ("1.0-beta", "1.0b0"),
            ("v2.1", "2.1"),
            ("1.0RC1", "1.0rc1"),
        ],
    );
    rejects(Ecosystem::PyPI, &["2004d", "1.0-foo-bar", "not a version"]);
}

#[test]
fn go_semver_and_pseudo_versions() {
    chain(
        Ecosystem::Go,
        &[
            "v0.0.0-20220524220425-1d687d428aca",
            "v0.1.0",
            "v0.1.1-0.20221104162952-702349b0e862",
            "v0.1.1",
            "v1.2.3-pre",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0+incompatible",
            "v2.0.1",
        ],
    );
    equal(
        Ecosystem::Go,
        &[("v1.2.3", "1.2.3"), ("v2.0.0+incompatible", "2.0.0")],
    );
    rejects(Ecosystem::Go, &["master", "v1.2.3.4", "1.2.3-01"]);
}

#[test]
fn semver_precedence() {
    let spec = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ];
    for eco in [
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Hex,
        Ecosystem::SwiftURL,
        Ecosystem::Bitnami,
    ] {
        chain(eco, &spec);
        equal(eco, &[("1.0.0+build.1", "1.0.0+build.2"), ("1.2", "1.2.0")]);
    }
    // pub_semver orders build metadata: none < numeric < alphanumeric.
    chain(
        Ecosystem::Pub,
        &[
            "1.0.0-dev",
            "1.0.0",
            "1.0.0+1",
            "1.0.0+2",
            "1.0.0+b",
            "1.0.1",
        ],
    );
}

#[test]
fn nuget_versions() {
    chain(
        Ecosystem::NuGet,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta",
            "1.0.0-BETA.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.1-preview",
            "1.1",
        ],
    );
    equal(
        Ecosystem::NuGet,
        &[
            ("1.0", "1.0.0.0"),
            ("1.0.0-ALPHA", "1.0.0-alpha"),
            ("1.0.0+build", "1.0.0"),
            ("1.01", "1.1"),
        ],
    );
    rejects(Ecosystem::NuGet, &["1.0.0.0.0", "a.b", "1.0-", "1.0+"]);
}

#[test]
fn rubygems_gem_version() {
    chain(Ecosystem::RubyGems, &["1.0.a", "1.0.b", "1.0"]);
    chain(
        Ecosystem::RubyGems,
        &[
            "1.8.2.a",
            "1.8.2.a9",
            "1.8.2.a10",
            "1.8.2.b",
            "1.8.2",
            "1.8.3",
        ],
    );
    chain(Ecosystem::RubyGems, &["0.0.beta", "0.beta.1"]);
    chain(Ecosystem::RubyGems, &["5.a", "5.0.0.rc2", "5.x"]);
    chain(Ecosystem::RubyGems, &["4.2.0-rc1", "4.2.0.rc2", "4.2.0"]);
    equal(
        Ecosystem::RubyGems,
        &[
            ("1.0", "1.0.0"),
            ("0.beta.1", "0.0.beta.1"),
            ("1.2.b1", "1.2.b.1"),
            ("1.0.a", "1.0.0.a"),
        ],
    );
    rejects(Ecosystem::RubyGems, &["a.1", "1..0", "1.0-", "junk"]);
}

#[test]
fn packagist_composer() {
    chain(
        Ecosystem::Packagist,
        &[
            "1.0.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta1",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-p1",
            "1.0.1",
            "v1.1",
            "1.1.0.1",
            "2.0",
        ],
    );
    equal(
        Ecosystem::Packagist,
        &[
            ("1.0", "1.0.0"),
            ("v2.1.3", "2.1.3.0"),
            ("1.0.0-rc1", "1.0.0RC1"),
        ],
    );
    rejects(Ecosystem::Packagist, &["dev-master", "1.x-dev", "abc"]);
}

#[test]
fn hackage_dotted_numeric() {
    chain(
        Ecosystem::Hackage,
        &["0.1", "1", "1.0", "1.0.0", "1.0.0.1", "1.2", "1.10", "2"],
    );
    rejects(Ecosystem::Hackage, &["1.0-rc1", "1..0", "v1"]);
}

#[test]
fn other_ecosystems_never_order() {
    assert!(compare(Ecosystem::Other, "1.0", "1.0").is_err());
    let err = compare(Ecosystem::Npm, "", "1.0.0").expect_err("empty");
    assert_eq!(err.reason, "empty version");
    assert!(
        err.to_string()
            .starts_with("cannot order version '' in npm")
    );
}

#[test]
fn ecosystem_names() {
    for (osv, want) in [
        ("PyPI", Ecosystem::PyPI),
        ("npm", Ecosystem::Npm),
        ("Maven:https://maven.google.com", Ecosystem::Maven),
        ("crates.io", Ecosystem::CratesIo),
        ("Debian:12", Ecosystem::Debian),
        ("Ubuntu:Pro:18.04:LTS", Ecosystem::Ubuntu),
        ("Alpine:v3.18", Ecosystem::Alpine),
        ("Wolfi", Ecosystem::Alpine),
        ("Red Hat:rhel_aus:8.6::appstream", Ecosystem::Rpm),
        ("Rocky Linux:9", Ecosystem::Rpm),
        ("AlmaLinux:8", Ecosystem::Rpm),
        ("SUSE:Linux Enterprise Server 15 SP5", Ecosystem::Rpm),
        ("openSUSE:Tumbleweed", Ecosystem::Rpm),
        (
            "Packagist:https://packages.drupal.org/8",
            Ecosystem::Packagist,
        ),
        ("GHC", Ecosystem::Hackage),
        ("SwiftURL", Ecosystem::SwiftURL),
        ("Bitnami", Ecosystem::Bitnami),
        ("OSS-Fuzz", Ecosystem::Other),
        ("Linux", Ecosystem::Other),
        ("Root:Alpine:3.18", Ecosystem::Other),
        ("", Ecosystem::Other),
    ] {
        assert_eq!(Ecosystem::from_osv(osv), want, "{osv}");
    }
    for (t, want) in [
        ("pypi", Ecosystem::PyPI),
        ("golang", Ecosystem::Go),
        ("cargo", Ecosystem::CratesIo),
        ("gem", Ecosystem::RubyGems),
        ("composer", Ecosystem::Packagist),
        ("deb", Ecosystem::Debian),
        ("apk", Ecosystem::Alpine),
        ("rpm", Ecosystem::Rpm),
        ("swift", Ecosystem::SwiftURL),
        ("generic", Ecosystem::Other),
    ] {
        assert_eq!(Ecosystem::from_purl_type(t), want, "{t}");
    }
}
