//! Data-driven orderings for the Linux distribution ecosystems: rpm's `rpmvercmp.at`
//! cases and EVR epochs, dpkg orderings, and apk-tools' `test/unit/version.data`
//! (orderings and the valid/invalid grammar rows). Helpers are in `tests_ordering`.

use std::cmp::Ordering;

use super::tests_ordering::{chain, equal, rejects};
use super::{Ecosystem, rpm::rpmvercmp};

#[test]
fn rpm_rpmvercmp_and_epochs() {
    use Ordering::{Equal as E, Greater as G, Less as L};
    for (a, b, want) in [
        ("1.0", "2.0", L),
        ("2.0.1", "2.0", G),
        ("2.0.1a", "2.0.1", G),
        ("5.5p1", "5.5p10", L),
        ("10xyz", "10.1xyz", L),
        ("xyz10", "xyz10.1", L),
        ("xyz.4", "8", L),
        ("6.0.rc1", "6.0", G),
        ("10b2", "10a1", G),
        ("1.0a", "1.0aa", L),
        ("10.0001", "10.1", E),
        ("10.0001", "10.0039", L),
        ("4.999.9", "5.0", L),
        ("2.0", "2_0", E),
        ("a+", "a_", E),
        ("_+", "_", E),
        ("1.0~rc1", "1.0", L),
        ("1.0~rc1", "1.0~rc2", L),
        ("1.0~rc1~git123", "1.0~rc1", L),
        ("1.0^", "1.0", G),
        ("1.0^git1", "1.01", L),
        ("1.0^20160101", "1.0.1", L),
        ("1.0^20160102", "1.0^20160101^git1", G),
        ("1.0~rc1^git1", "1.0~rc1", G),
        ("1.0^git1~pre", "1.0^git1", L),
        ("1.0a", "1.0.1", L),
    ] {
        assert_eq!(rpmvercmp(a, b), want, "rpmvercmp({a}, {b})");
        assert_eq!(rpmvercmp(b, a), want.reverse(), "rpmvercmp({b}, {a})");
    }
    chain(
        Ecosystem::Rpm,
        &[
            "1.0~rc1-1.el8",
            "1.0-1.el8",
            "1.0-1.el8_2",
            "1.0-2.el8",
            "1.0.1-0.el8",
            "1:0.9-1",
            "2:0.1",
        ],
    );
    equal(
        Ecosystem::Rpm,
        &[("0:1.2.3-4.el9", "1.2.3-4.el9"), ("1.2.3-04", "1.2.3-4")],
    );
    rejects(Ecosystem::Rpm, &["x:1.0", "1.0 beta", "-1", "1:2:3"]);
}

#[test]
fn debian_dpkg() {
    chain(
        Ecosystem::Debian,
        &[
            "1.0~~",
            "1.0~~a",
            "1.0~",
            "1.0~rc1",
            "1.0",
            "1.0-1",
            "1.0-1ubuntu1",
            "1.0-2",
            "1.0+b1",
            "1.0.1",
            "1:0.9",
        ],
    );
    chain(
        Ecosystem::Ubuntu,
        &["2.30-0ubuntu1~esm1", "2.30-0ubuntu1", "2.30-0ubuntu1.1"],
    );
    equal(
        Ecosystem::Debian,
        &[("0:1.0-1", "1.0-1"), ("1.0", "1.0-0"), ("1.01", "1.1")],
    );
    rejects(
        Ecosystem::Debian,
        &["1.0 beta", "a:1.0", ":1.0", "1.0_1", "1.0-1-", "1.0-"],
    );
}

#[test]
fn alpine_apk() {
    chain(
        Ecosystem::Alpine,
        &[
            "0.1.0_alpha_pre2",
            "0.1.0_alpha",
            "0.1.0_alpha2",
            "0.1.3_alpha",
            "1.0_alpha1",
            "1.0_beta",
            "1.0_pre2",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0_p1",
            "1.0a",
            "1.0.1",
            "1.1",
        ],
    );
    for (a, b) in [
        ("1.0.4-r3", "1.0.4-r4"),
        ("1.1_alpha1", "1.1"),
        ("1.2", "1.2.1"),
        ("2.3.0b-r1", "2.3.0b-r2"),
        ("1.06-r6", "006"),
        ("1.2.11", "1.2.12.1"),
        ("2.59", "20050718-r1"),
        ("2.01.01_alpha10", "3.9.8-r5"),
        ("3.1_p16", "3.1_p17"),
        ("2.5.1-r8", "2.5.1a-r1"),
        ("1.3.5-r9", "1.3.5-r10"),
        ("0.9.28", "0.9.28.1"),
        ("1.0_p9-r0", "1.0_p10-r0"),
        ("6.0_pre1", "6.0"),
        ("6.0", "6.0_p1"),
        ("8.2.0", "8.2.001"),
        ("8.2.0015", "8.2.002"),
        ("1.0~1234", "1.0~2345"),
        ("1.0~1234-r0", "1.0~1234-r1"),
        ("1.0", "1.0~abc"),
        ("0.1_pre2", "0.1_pre2~1234abcd"),
    ] {
        chain(Ecosystem::Alpine, &[a, b]);
    }
    equal(
        Ecosystem::Alpine,
        &[("2.16.1-r3", "2.16.1-r3"), ("1.0", "1.0")],
    );
    rejects(
        Ecosystem::Alpine,
        &[
            "0.1bc",
            "0.1a1",
            "0.1a.1",
            "0.1_pre2~",
            "0.1_pre2~1234xbcd",
            "0.1_pre2~1234abcd_pre1",
            "0.1_foobar",
            "0.1-pre1.1",
            "0.1-r",
            "0.1-r2_pre1",
            "0.1-r2-r3",
            "0.1-r2.1",
            ".1",
            "a",
            "_pre1",
            "-r1",
            "0.1_",
            "0.1__alpha",
            "0.1_1_alpha",
            "1.0-1",
        ],
    );
}
