//! Property tests: on generated versions of each ecosystem's shape, [`compare`] is
//! antisymmetric, transitive and consistent about errors; on arbitrary strings, neither
//! [`compare`] nor [`decide`] panics.

use std::cmp::Ordering;

use proptest::prelude::*;

use super::{Ecosystem, OsvEvent, OsvRange, compare, decide};

const ALL: [Ecosystem; 18] = [
    Ecosystem::PyPI,
    Ecosystem::Npm,
    Ecosystem::Maven,
    Ecosystem::Go,
    Ecosystem::CratesIo,
    Ecosystem::RubyGems,
    Ecosystem::NuGet,
    Ecosystem::Packagist,
    Ecosystem::Hex,
    Ecosystem::Pub,
    Ecosystem::Debian,
    Ecosystem::Ubuntu,
    Ecosystem::Alpine,
    Ecosystem::Rpm,
    Ecosystem::Hackage,
    Ecosystem::Bitnami,
    Ecosystem::SwiftURL,
    Ecosystem::Other,
];

fn semver_shape() -> impl Strategy<Value = String> {
    "v?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}(-(alpha|beta|rc|0|[0-9]{1,2}|[a-z]{1,3})(\\.(alpha|[0-9]{1,2}|x-y)){0,2})?(\\+[a-z0-9]{1,4})?"
}

fn pep440_shape() -> impl Strategy<Value = String> {
    "([0-9]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}((a|b|rc|alpha|beta|c|pre|preview)[0-9]{0,2})?(\\.post[0-9]{1,2}|-[0-9])?(\\.dev[0-9]{0,2})?(\\+[a-z0-9]{1,3}(\\.[0-9]{1,2})?)?"
}

fn debian_shape() -> impl Strategy<Value = String> {
    "([0-9]:)?[0-9]{1,2}[0-9a-z.+~]{0,6}(-[0-9a-z.+~]{1,5})?"
}

fn rpm_shape() -> impl Strategy<Value = String> {
    "([0-9]:)?[0-9a-z]{1,3}([._+~^]{0,2}[0-9a-z]{1,3}){0,3}(-[0-9a-z]{1,2}([._~^][0-9a-z]{1,3}){0,2})?"
}

/// Realistic Maven versions. Maven's own `ComparableVersion` is not transitive on some
/// degenerate strings (see the `maven` module), so those shapes are left out here.
fn maven_shape() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}((\\.(Final|RELEASE|GA|v20[0-9]{2}))|(-(alpha|beta|rc|cr|M|m|sp|redhat|jre|[a-z]{1,3})(-?[1-9][0-9]?)?){0,2})(-SNAPSHOT)?"
}

fn nuget_shape() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-([0-9]{1,2}|[a-zA-Z]{1,4})(\\.([0-9]{1,2}|[a-zA-Z]{1,3})){0,2})?(\\+[a-z0-9]{1,3})?"
}

fn rubygems_shape() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.([0-9]{1,2}|[a-z]{1,3}|[a-z]{1,2}[0-9]))*(-[a-z0-9]{1,3}(\\.[a-z0-9]{1,2})?)?"
}

fn alpine_shape() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.[0-9]{1,3}){0,3}[a-c]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]{0,2}){0,2}(~[0-9a-f]{1,4})?(-r[0-9]{1,2})?"
}

fn packagist_shape() -> impl Strategy<Value = String> {
    "v?[0-9]{1,2}(\\.[0-9]{1,2}){0,4}([-.]?(dev|alpha|a|beta|b|RC|rc|p|pl|patch|stable)[.-]?[0-9]{0,2})?"
}

fn hackage_shape() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.[0-9]{1,2}){0,4}"
}

/// The ecosystems a shape is checked under, with the shape.
fn shaped() -> impl Strategy<Value = (Ecosystem, [String; 3])> {
    let three = |s: BoxedStrategy<String>| [s.clone(), s.clone(), s];
    prop_oneof![
        three(semver_shape().boxed()).prop_map(|v| (Ecosystem::Npm, v)),
        three(semver_shape().boxed()).prop_map(|v| (Ecosystem::Go, v)),
        three(semver_shape().boxed()).prop_map(|v| (Ecosystem::Pub, v)),
        three(pep440_shape().boxed()).prop_map(|v| (Ecosystem::PyPI, v)),
        three(debian_shape().boxed()).prop_map(|v| (Ecosystem::Debian, v)),
        three(rpm_shape().boxed()).prop_map(|v| (Ecosystem::Rpm, v)),
        three(maven_shape().boxed()).prop_map(|v| (Ecosystem::Maven, v)),
        three(nuget_shape().boxed()).prop_map(|v| (Ecosystem::NuGet, v)),
        three(rubygems_shape().boxed()).prop_map(|v| (Ecosystem::RubyGems, v)),
        three(alpine_shape().boxed()).prop_map(|v| (Ecosystem::Alpine, v)),
        three(packagist_shape().boxed()).prop_map(|v| (Ecosystem::Packagist, v)),
        three(hackage_shape().boxed()).prop_map(|v| (Ecosystem::Hackage, v)),
    ]
}

fn event() -> impl Strategy<Value = OsvEvent> {
    let v = prop_oneof![
        Just("0".to_owned()),
        Just("*".to_owned()),
        semver_shape(),
        debian_shape(),
        ".{0,12}"
    ];
    (0..4u8, v).prop_map(|(k, v)| match k {
        0 => OsvEvent::Introduced(v),
        1 => OsvEvent::Fixed(v),
        2 => OsvEvent::LastAffected(v),
        _ => OsvEvent::Limit(v),
    })
}

fn range() -> impl Strategy<Value = OsvRange> {
    let kind = prop_oneof![
        Just("SEMVER"),
        Just("ECOSYSTEM"),
        Just("GIT"),
        Just("OTHER")
    ];
    (kind, prop::collection::vec(event(), 0..6)).prop_map(|(k, events)| OsvRange {
        kind: k.to_owned(),
        events,
    })
}

fn check_order(eco: Ecosystem, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let ab = compare(eco, a, b);
    let ba = compare(eco, b, a);
    prop_assert_eq!(
        ab.is_ok(),
        ba.is_ok(),
        "{}: {} vs {}: errors must be symmetric",
        eco,
        a,
        b
    );
    if let (Ok(ab), Ok(ba)) = (&ab, &ba) {
        prop_assert_eq!(*ab, ba.reverse(), "{}: {} vs {}", eco, a, b);
    }
    prop_assert_eq!(
        compare(eco, a, a).unwrap_or(Ordering::Equal),
        Ordering::Equal
    );
    if let (Ok(ab), Ok(bc), Ok(ac)) = (ab, compare(eco, b, c), compare(eco, a, c))
        && ab != Ordering::Greater
        && bc != Ordering::Greater
    {
        {
            prop_assert_ne!(
                ac,
                Ordering::Greater,
                "{}: {} <= {} <= {} but {} > {}",
                eco,
                a,
                b,
                c,
                a,
                c
            );
            if ab == Ordering::Equal && bc == Ordering::Equal {
                prop_assert_eq!(ac, Ordering::Equal, "{}: {} == {} == {}", eco, a, b, c);
            }
            if ab == Ordering::Less || bc == Ordering::Less {
                prop_assert_eq!(ac, Ordering::Less, "{}: {} < {} < {}", eco, a, b, c);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn orderings_are_antisymmetric_and_transitive((eco, [a, b, c]) in shaped()) {
        check_order(eco, &a, &b, &c)?;
    }

    #[test]
    fn orderings_hold_on_tiny_alphabets((eco, [a, b, c]) in tiny()) {
        check_order(eco, &a, &b, &c)?;
    }

    #[test]
    fn compare_never_panics(a in ".{0,24}", b in ".{0,24}") {
        for eco in ALL {
            let _ = compare(eco, &a, &b);
        }
    }

    #[test]
    fn decide_never_panics_and_explains(
        version in prop_oneof![semver_shape(), ".{0,16}"],
        ranges in prop::collection::vec(range(), 0..4),
        versions in prop::collection::vec(prop_oneof![semver_shape(), ".{0,8}"], 0..4),
        eco in prop::sample::select(ALL.to_vec()),
    ) {
        let verdict = decide(eco, &version, &ranges, &versions);
        prop_assert!(!verdict.reason.is_empty());
        if versions.iter().any(|l| l.trim() == version.trim()) && !version.trim().is_empty() {
            prop_assert_eq!(verdict.decision, super::Decision::Affected);
        }
    }
}

/// Tiny alphabets, so that equal and adjacent versions are frequent.
fn tiny() -> impl Strategy<Value = (Ecosystem, [String; 3])> {
    let three = |s: BoxedStrategy<String>| [s.clone(), s.clone(), s];
    prop_oneof![
        three("([01]:)?[01ab~^._]{1,5}(-[01a~^.]{1,3})?".boxed()).prop_map(|v| (Ecosystem::Rpm, v)),
        three("[0-2](\\.[0-2]){0,3}((\\.(Final|RELEASE|GA))|(-(alpha|beta|rc|M|sp|redhat|x)(-?[1-2])?){0,2})(-SNAPSHOT)?".boxed()).prop_map(|v| (Ecosystem::Maven, v)),
        three("[01](\\.[01]{1,2}){0,2}[ab]?(_(rc|p)[01]?){0,2}(~[01a]{1,2})?(-r[01])?".boxed()).prop_map(|v| (Ecosystem::Alpine, v)),
        three("[01][01a.+~]{0,4}(-[01a~]{1,2})?".boxed()).prop_map(|v| (Ecosystem::Debian, v)),
        three("[01](\\.[01]){0,4}[-.]?(dev|a|b|rc|p|pl)?[01]?".boxed()).prop_map(|v| (Ecosystem::Packagist, v)),
        three("[01](\\.([01]|a|b)){0,4}(-[01a]{1,2})?".boxed()).prop_map(|v| (Ecosystem::RubyGems, v)),
        three("[01](\\.[01]){0,3}(-([01]|a|A)(\\.([01]|a|B)){0,2})?".boxed()).prop_map(|v| (Ecosystem::NuGet, v)),
    ]
}
