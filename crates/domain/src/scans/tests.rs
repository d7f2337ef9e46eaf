//! Examples of the scan core: targets as written, CIDR parsing and
//! containment, windows, vers ranges per ecosystem, and grant coverage.

use super::*;
use crate::versions::Ecosystem;

fn t(s: &str) -> Target {
    Target::parse("target", s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn refused(s: &str, contains: &str) {
    match Target::parse("targets[0]", s) {
        Ok(t) => panic!("{s} was accepted as {t:?}"),
        Err(e) => {
            assert_eq!(e.field, "targets[0]");
            assert!(e.message.contains(contains), "{s}: {}", e.message);
        }
    }
}

#[test]
fn targets_as_written() {
    assert_eq!(t("pkg:pypi/Django").to_string(), "pkg:pypi/django");
    assert_eq!(
        t("pkg:npm/lodash vers:npm/>=4.0.0|<4.17.21").to_string(),
        "pkg:npm/lodash vers:npm/>=4.0.0|<4.17.21"
    );
    assert_eq!(
        t("pkg:npm/lodash@4.17.20").to_string(),
        "pkg:npm/lodash vers:npm/4.17.20"
    );
    assert_eq!(
        t("repo:https://github.com/Org/Repo.git@abc123").to_string(),
        "repo:https://github.com/org/repo@abc123"
    );
    assert_eq!(t("cidr:203.0.113.0/24").to_string(), "cidr:203.0.113.0/24");
    assert_eq!(t("cidr:2001:db8::/32").to_string(), "cidr:2001:db8::/32");
    assert_eq!(
        t("host:WWW.Example.org.").to_string(),
        "host:www.example.org"
    );
    assert_eq!(
        t("cloud:aws/123456789012").to_string(),
        "cloud:aws/123456789012"
    );
    assert!(t("cidr:10.0.0.0/8").is_network());
    assert!(!t("product:acme/router").is_network());
}

#[test]
fn bad_targets_name_the_field() {
    refused("cidr:203.0.113.7/24", "did you mean 203.0.113.0/24");
    refused("cidr:203.0.113.0/33", "0 to 32");
    refused("cidr:2001:db8::/129", "0 to 128");
    refused("cidr:300.1.1.1/32", "not an IPv4 or IPv6");
    refused("cidr:10.0.0.0/-1", "prefix length");
    refused("pkg:nonsense", "pkg:nonsense");
    refused("pkg:npm/lodash vers:npm/>=1|!=2", "exclusions");
    refused("host:exa mple.org", "not a host name");
    refused("host:-bad.org", "not a host name");
    refused("ftp://x", "not a target");
    refused("repo:https://github.com/a/b", "REVISION");
    refused("cloud:aws", "cloud account");
    refused(&format!("host:{}", "a".repeat(600)), "at most 512");
}

#[test]
fn uncovered_parts_of_a_block() {
    let c = |s: &str| Cidr::parse("c", s).unwrap();
    let show = |v: Vec<Cidr>| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let t = c("198.51.100.0/24");
    assert_eq!(show(t.uncovered(&[])), ["198.51.100.0/24"]);
    assert!(t.uncovered(&[(c("198.51.0.0/16"), vec![])]).is_empty());
    // A campaign on .16/28 leaves the rest of the /24 uncovered.
    assert_eq!(
        show(t.uncovered(&[(c("198.51.100.16/28"), vec![])])),
        [
            "198.51.100.0/28",
            "198.51.100.32/27",
            "198.51.100.64/26",
            "198.51.100.128/25"
        ]
    );
    // Two halves together cover it; an exclusion is a hole.
    let halves = [
        (c("198.51.100.0/25"), vec![]),
        (c("198.51.100.128/25"), vec![]),
    ];
    assert!(t.uncovered(&halves).is_empty());
    assert_eq!(
        show(c("198.51.100.0/29").uncovered(&[(t, vec![c("198.51.100.5/32")])])),
        ["198.51.100.5/32"]
    );
    assert_eq!(
        show(c("198.51.100.5/32").uncovered(&[(t, vec![c("198.51.100.0/29")])])),
        ["198.51.100.5/32"]
    );
    assert!(
        c("2001:db8::/64")
            .uncovered(&[(c("2001:db8::/32"), vec![])])
            .is_empty()
    );
    assert_eq!(
        show(c("10.0.0.0/8").uncovered(&[(c("2001:db8::/32"), vec![])])),
        ["10.0.0.0/8"],
        "families never mix"
    );
}

#[test]
fn cidr_containment_and_overlap() {
    let c = |s: &str| Cidr::parse("c", s).unwrap();
    assert!(c("10.0.0.0/8").contains(&c("10.1.2.0/24")));
    assert!(!c("10.1.2.0/24").contains(&c("10.0.0.0/8")));
    assert!(c("10.1.2.0/24").overlaps(&c("10.0.0.0/8")));
    assert!(!c("10.1.2.0/24").overlaps(&c("10.1.3.0/24")));
    assert!(c("0.0.0.0/0").contains(&c("255.255.255.255")));
    assert!(!c("0.0.0.0/0").contains(&c("::/128")), "families never mix");
    assert!(c("::/0").contains(&c("2001:db8::1")));
    assert_eq!(c("203.0.113.128/25").generalised(24), c("203.0.113.0/24"));
    assert_eq!(c("203.0.113.0/24").generalised(28), c("203.0.113.0/24"));
    let (lo, hi) = c("203.0.113.0/24").keys();
    assert_eq!((lo.as_str(), hi.as_str()), ("4:cb007100", "4:cb0071ff"));
}

#[test]
fn windows() {
    assert!(
        Window::new("end", 10, 10)
            .unwrap_err()
            .message
            .contains("empty")
    );
    assert!(
        Window::new("end", 10, 5)
            .unwrap_err()
            .message
            .contains("inverted")
    );
    let w = |a, b| Window::new("w", a, b).unwrap();
    assert!(w(0, 10).intersects(&w(9, 20)));
    assert!(
        !w(0, 10).intersects(&w(10, 20)),
        "half-open: touching is not sharing"
    );
    assert!(w(0, 10).covers(&w(0, 10)));
    assert!(!w(0, 10).covers(&w(5, 11)));
    assert_eq!(w(0, 10).intersection(&w(5, 20)), Some(w(5, 10)));
}

#[test]
fn version_sets_per_ecosystem() {
    let set = |eco, s| VersionSet::parse_vers("r", eco, s).unwrap();
    let npm = Ecosystem::Npm;
    let a = set(npm, "vers:npm/>=1.0.0|<2.0.0");
    assert_eq!(
        a.intersects(npm, &set(npm, "vers:npm/>=1.9.9")),
        Overlap::Yes
    );
    assert_eq!(
        a.intersects(npm, &set(npm, "vers:npm/>=2.0.0")),
        Overlap::No
    );
    assert_eq!(
        a.intersects(npm, &set(npm, "vers:npm/<=1.0.0")),
        Overlap::Yes
    );
    assert_eq!(a.intersects(npm, &set(npm, "vers:npm/<1.0.0")), Overlap::No);
    assert_eq!(
        a.intersects(npm, &set(npm, "vers:npm/1.5.0|3.0.0")),
        Overlap::Yes
    );
    assert_eq!(a.intersects(npm, &VersionSet::all()), Overlap::Yes);
    // PEP 440 orders 1.0rc1 before 1.0; text order would not.
    let py = Ecosystem::PyPI;
    assert_eq!(
        set(py, "vers:pypi/<1.0").intersects(py, &set(py, "vers:pypi/1.0rc1")),
        Overlap::Yes
    );
    // Debian epochs.
    let deb = Ecosystem::Debian;
    assert_eq!(
        set(deb, "vers:deb/>=1:1.0").intersects(deb, &set(deb, "vers:deb/<=9.0")),
        Overlap::No
    );
    // Two intervals in one range.
    let two = set(npm, "vers:npm/>=1.0.0|<1.5.0|>=3.0.0|<4.0.0");
    assert_eq!(
        two.intersects(npm, &set(npm, "vers:npm/2.0.0")),
        Overlap::No
    );
    assert_eq!(
        two.intersects(npm, &set(npm, "vers:npm/3.1.0")),
        Overlap::Yes
    );
    // Versions the ecosystem cannot order are a possible overlap.
    let other = Ecosystem::Other;
    assert_eq!(
        set(other, "vers:generic/1.0").intersects(other, &set(other, "vers:generic/2.0")),
        Overlap::Unknown
    );
}

#[test]
fn target_overlaps() {
    assert_eq!(
        t("pkg:npm/lodash vers:npm/<4.17.21").overlaps(&t("pkg:npm/lodash@4.17.20")),
        Overlap::Yes
    );
    assert_eq!(
        t("pkg:npm/lodash vers:npm/<4.17.21").overlaps(&t("pkg:npm/lodash@4.17.21")),
        Overlap::No
    );
    assert_eq!(
        t("pkg:npm/lodash").overlaps(&t("pkg:npm/underscore")),
        Overlap::No
    );
    assert_eq!(
        t("pkg:pypi/Django").overlaps(&t("pkg:pypi/django")),
        Overlap::Yes
    );
    assert_eq!(
        t("cidr:10.0.0.0/8").overlaps(&t("cidr:10.9.0.0/16")),
        Overlap::Yes
    );
    assert_eq!(
        t("host:*.example.org").overlaps(&t("host:www.example.org")),
        Overlap::Yes
    );
    assert_eq!(
        t("host:*.example.org").overlaps(&t("host:example.org")),
        Overlap::No
    );
    assert_eq!(
        t("host:badexample.org").overlaps(&t("host:*.example.org")),
        Overlap::No
    );
    assert_eq!(
        t("cidr:10.0.0.0/8").overlaps(&t("host:www.example.org")),
        Overlap::No
    );
    // A wildcard names what it names: two campaigns on `*.D` overlap, and
    // a grant on `*.D` covers a campaign on `*.D`.
    assert_eq!(
        t("host:*.example.org").overlaps(&t("host:*.example.org")),
        Overlap::Yes
    );
    assert!(t("host:*.example.org").covers(&t("host:*.example.org")));
    assert!(!t("host:*.example.org").covers(&t("host:*.org")));
}

#[test]
fn disclosure_comes_from_the_asset() {
    use super::disclose::{describe, disclosed};
    let shown = |asset: &str, p: Option<i64>| disclosed(&t(asset), p).map(|d| d.to_string());
    // Blocks: generalised to the prefix, never finer than the asset.
    assert_eq!(
        shown("cidr:203.0.113.0/26", Some(24)).as_deref(),
        Some("cidr:203.0.113.0/24")
    );
    assert_eq!(
        shown("cidr:203.0.113.0/26", Some(30)).as_deref(),
        Some("cidr:203.0.113.0/26")
    );
    // Hosts: the domain the asset's names lie under, whatever the value.
    for asset in ["host:portal.water.example", "host:*.water.example"] {
        assert_eq!(
            shown(asset, Some(24)).as_deref(),
            Some("host:*.water.example")
        );
    }
    assert_eq!(shown("host:localhost", Some(1)), None);
    assert_eq!(shown("cloud:aws/123456789012", Some(24)), None);
    assert_eq!(shown("cidr:203.0.113.0/26", None), None);
    assert_eq!(
        describe(disclosed(&t("host:*.water.example"), Some(0)).as_ref()),
        "an operator's hosts under water.example"
    );
    assert_eq!(
        describe(disclosed(&t("cidr:203.0.113.0/26"), Some(24)).as_ref()),
        "an operator's assets in 203.0.113.0/24"
    );
    assert_eq!(describe(None), "an operator's network assets");
    // Every name probed under the disclosed domain meets it alike.
    let d = disclosed(&t("host:portal.water.example"), Some(1)).unwrap();
    for probe in [
        "host:portal.water.example",
        "host:mail.water.example",
        "host:*.water.example",
    ] {
        assert_eq!(d.overlaps(&t(probe)), Overlap::Yes, "{probe}");
    }
    assert_eq!(d.overlaps(&t("host:water.example")), Overlap::No);
}

#[test]
fn grant_coverage() {
    let w = |a, b| Window::new("w", a, b).unwrap();
    let grant = GrantScope {
        id: "g1".into(),
        assets: vec![t("cidr:203.0.113.0/24")],
        excluded: vec![t("cidr:203.0.113.5/32")],
        window: w(0, 100),
        techniques: vec![Technique::Passive, Technique::Active],
        sources: vec![Cidr::parse("s", "198.51.100.0/28").unwrap()],
    };
    let src = [Cidr::parse("s", "198.51.100.1").unwrap()];
    let ask = |target: &Target, window: &Window, techniques: &[Technique]| {
        coverage(
            Ask {
                target,
                window,
                techniques,
                sources: &src,
            },
            std::slice::from_ref(&grant),
        )
    };
    let active = [Technique::Active];
    assert_eq!(
        ask(&t("cidr:203.0.113.128/25"), &w(10, 20), &active),
        Ok("g1".into())
    );
    let why = |r: Result<String, Vec<String>>| r.unwrap_err().join("; ");
    assert!(why(ask(&t("cidr:203.0.113.0/24"), &w(10, 20), &active)).contains("excludes"));
    assert!(why(ask(&t("cidr:203.0.112.0/23"), &w(10, 20), &active)).contains("only part"));
    assert!(why(ask(&t("cidr:203.0.113.128/25"), &w(10, 200), &active)).contains("window"));
    assert!(
        why(ask(
            &t("cidr:203.0.113.128/25"),
            &w(10, 20),
            &[Technique::Authenticated]
        ))
        .contains("authenticated")
    );
    assert!(why(ask(&t("cidr:192.0.2.0/24"), &w(10, 20), &active)).contains("no grant"));
    let far = [Cidr::parse("s", "192.0.2.1").unwrap()];
    let r = coverage(
        Ask {
            target: &t("cidr:203.0.113.128/25"),
            window: &w(10, 20),
            techniques: &active,
            sources: &far,
        },
        std::slice::from_ref(&grant),
    );
    assert!(why(r).contains("source address 192.0.2.1/32"));
}
