//! [`decide`] on hand-made ranges: the OSV evaluation rules one by one, the reasons,
//! and the OSV JSON shapes.

use super::{Decision, Ecosystem, OsvEvent, OsvRange, decide};

fn range(kind: &str, events: &[(&str, &str)]) -> OsvRange {
    let events = events
        .iter()
        .map(|(k, v)| {
            let v = (*v).to_owned();
            match *k {
                "introduced" => OsvEvent::Introduced(v),
                "fixed" => OsvEvent::Fixed(v),
                "last_affected" => OsvEvent::LastAffected(v),
                _ => OsvEvent::Limit(v),
            }
        })
        .collect();
    OsvRange {
        kind: kind.to_owned(),
        events,
    }
}

fn d(eco: Ecosystem, v: &str, ranges: &[OsvRange], versions: &[&str]) -> Decision {
    let versions: Vec<String> = versions.iter().map(|s| (*s).to_owned()).collect();
    decide(eco, v, ranges, &versions).decision
}

use Decision::{Affected as A, CannotDecide as C, NotAffected as N};

#[test]
fn introduced_fixed_last_affected_and_limit() {
    let fixed = [range(
        "ECOSYSTEM",
        &[("introduced", "0"), ("fixed", "2.4.1")],
    )];
    assert_eq!(d(Ecosystem::PyPI, "0.0.1.dev1", &fixed, &[]), A);
    assert_eq!(d(Ecosystem::PyPI, "2.4.1rc1", &fixed, &[]), A);
    assert_eq!(d(Ecosystem::PyPI, "2.4.1", &fixed, &[]), N);
    let v = decide(Ecosystem::PyPI, "2.4.0", &fixed, &[]);
    assert_eq!(v.reason, "in ECOSYSTEM range #1: introduced 0, fixed 2.4.1");

    let last = [range(
        "SEMVER",
        &[("introduced", "1.0.0"), ("last_affected", "1.2.0")],
    )];
    assert_eq!(d(Ecosystem::Npm, "0.9.9", &last, &[]), N);
    assert_eq!(d(Ecosystem::Npm, "1.2.0", &last, &[]), A);
    assert_eq!(d(Ecosystem::Npm, "1.2.1-rc.1", &last, &[]), N);

    let limited = [range(
        "ECOSYSTEM",
        &[("introduced", "1.0"), ("limit", "2.0")],
    )];
    assert_eq!(d(Ecosystem::Maven, "1.5", &limited, &[]), A);
    assert_eq!(d(Ecosystem::Maven, "2.0", &limited, &[]), N);
    let star = [range("ECOSYSTEM", &[("introduced", "1.0"), ("limit", "*")])];
    assert_eq!(d(Ecosystem::Maven, "99", &star, &[]), A);

    // "Every version is affected" needs no ordering, so it holds even for a version
    // that cannot be ordered; any bound that needs a comparison makes it undecidable.
    let open = [range("SEMVER", &[("introduced", "0")])];
    assert_eq!(d(Ecosystem::Other, "nightly", &open, &[]), A);
    let bounded = [range("SEMVER", &[("introduced", "0"), ("fixed", "1.0.0")])];
    assert_eq!(d(Ecosystem::Other, "nightly", &bounded, &[]), C);
    assert_eq!(
        d(Ecosystem::Other, "0.9.0", &bounded, &[]),
        A,
        "SEMVER whatever the ecosystem"
    );
}

#[test]
fn events_are_sorted_and_ranges_ored() {
    // Written out of order: [1.0.0, 1.0.2) and [3.0.0, 3.2.5).
    let r = [range(
        "SEMVER",
        &[
            ("fixed", "3.2.5"),
            ("introduced", "3.0.0"),
            ("fixed", "1.0.2"),
            ("introduced", "1.0.0"),
        ],
    )];
    for (v, want) in [
        ("0.9.0", N),
        ("1.0.1", A),
        ("1.0.2", N),
        ("3.1.0", A),
        ("3.2.5", N),
    ] {
        assert_eq!(d(Ecosystem::CratesIo, v, &r, &[]), want, "{v}");
    }
    let two = [
        range(
            "ECOSYSTEM",
            &[("introduced", "1:1.0-1"), ("fixed", "1:1.0-3")],
        ),
        range(
            "ECOSYSTEM",
            &[("introduced", "1:2.0-1"), ("fixed", "1:2.0-2")],
        ),
    ];
    assert_eq!(d(Ecosystem::Debian, "1:2.0-1+deb12u1", &two, &[]), A);
    assert_eq!(
        d(Ecosystem::Debian, "2.0-1", &two, &[]),
        N,
        "epoch 0 sorts first"
    );
    // Ties keep the written order: fixed then re-introduced at 2.4.2 stays affected.
    let adjacent = [range(
        "SEMVER",
        &[
            ("introduced", "2.4.1"),
            ("fixed", "2.4.2"),
            ("introduced", "2.4.2"),
            ("fixed", "2.4.3"),
        ],
    )];
    assert_eq!(d(Ecosystem::Bitnami, "2.4.2", &adjacent, &[]), A);
    let empty = [range(
        "SEMVER",
        &[("introduced", "1.0.0"), ("fixed", "1.0.0")],
    )];
    assert_eq!(d(Ecosystem::CratesIo, "1.0.0", &empty, &[]), N);
}

#[test]
fn versions_list_and_git_ranges() {
    let git = [range("GIT", &[("introduced", "0"), ("fixed", "a1b2c3")])];
    assert_eq!(d(Ecosystem::PyPI, "1.0", &git, &["1.0", "1.1"]), A);
    assert_eq!(
        d(Ecosystem::PyPI, "1.0.0", &git, &["1.0"]),
        A,
        "PEP 440 equal"
    );
    // With a versions list, the list enumerates what the GIT range covers.
    assert_eq!(d(Ecosystem::PyPI, "2.0", &git, &["1.0"]), N);
    // A GIT range alone, with no list, cannot place a package version.
    let v = decide(Ecosystem::PyPI, "2.0", &git, &[]);
    assert_eq!(v.decision, C);
    assert!(v.reason.contains("GIT"), "{}", v.reason);
    // Beside a version range, the GIT range is skipped.
    let mixed = [
        git[0].clone(),
        range("ECOSYSTEM", &[("introduced", "0"), ("fixed", "3.0")]),
    ];
    assert_eq!(d(Ecosystem::PyPI, "2.0", &mixed, &[]), A);
    assert_eq!(d(Ecosystem::PyPI, "3.0", &mixed, &[]), N);
    // Only a list: outside it is not affected.
    assert_eq!(d(Ecosystem::Other, "1.2", &[], &["1.0", "1.1"]), N);
    assert_eq!(d(Ecosystem::Other, "1.1", &[], &["1.0", "1.1"]), A);
}

#[test]
fn what_cannot_be_decided_says_why() {
    let r = [range(
        "ECOSYSTEM",
        &[("introduced", "0"), ("fixed", "1.2.0")],
    )];
    let v = decide(Ecosystem::PyPI, "not-a-version!", &r, &[]);
    assert_eq!(v.decision, C);
    assert!(
        v.reason
            .contains("cannot order version 'not-a-version!' in PyPI"),
        "{}",
        v.reason
    );

    let bad_event = [range(
        "ECOSYSTEM",
        &[("introduced", "0"), ("fixed", "2019-09-12")],
    )];
    assert_eq!(d(Ecosystem::PyPI, "1.0", &bad_event, &[]), C);
    let no_intro = [range("ECOSYSTEM", &[("fixed", "1.0")])];
    assert_eq!(d(Ecosystem::PyPI, "0.5", &no_intro, &[]), C);
    assert_eq!(
        d(Ecosystem::PyPI, "0.5", &[range("ECOSYSTEM", &[])], &[]),
        C
    );
    assert_eq!(
        d(
            Ecosystem::PyPI,
            "0.5",
            &[range("WEIRD", &[("introduced", "0")])],
            &[]
        ),
        C
    );
    assert_eq!(d(Ecosystem::PyPI, "0.5", &[], &[]), C);
    assert_eq!(d(Ecosystem::PyPI, "  ", &r, &["  "]), C);
    assert_eq!(d(Ecosystem::Other, "1.0", &r, &[]), C);
}

#[test]
fn osv_json_shapes() {
    let json = r#"{"type":"ECOSYSTEM","repo":"ignored","events":[{"introduced":"0"},{"fixed":"1.2"},{"last_affected":"1.1"},{"limit":"*"}]}"#;
    let r: OsvRange = serde_json::from_str(json).expect("OSV range");
    assert_eq!(r.kind, "ECOSYSTEM");
    assert_eq!(
        r.events,
        vec![
            OsvEvent::Introduced("0".into()),
            OsvEvent::Fixed("1.2".into()),
            OsvEvent::LastAffected("1.1".into()),
            OsvEvent::Limit("*".into()),
        ]
    );
    assert!(serde_json::from_str::<OsvEvent>(r#"{"introduced":"0","fixed":"1"}"#).is_err());
    let out = serde_json::to_value(decide(Ecosystem::PyPI, "1.0", &[r], &[])).expect("json");
    assert_eq!(out["decision"], "affected");
    assert_eq!(
        serde_json::to_value(Decision::CannotDecide).expect("json"),
        "cannot_decide"
    );
}
