//! Property tests: CIDR containment and overlap (IPv4 and IPv6) against
//! integer ranges, window intersection against counting shared seconds,
//! and version-set intersection per ecosystem against `versions::decide`
//! on the same range read by `versions::parse_vers` (an independent
//! reading of `vers`): two sets intersect exactly when some version from
//! the pool lies in both (bounds come from the pool, so a witness does).

use proptest::prelude::*;

use super::*;
use crate::versions::{Decision, Ecosystem, decide, parse_vers};

fn v4() -> impl Strategy<Value = Cidr> {
    (any::<u32>(), 0u8..=32)
        .prop_map(|(a, p)| Cidr::containing(std::net::IpAddr::V4(std::net::Ipv4Addr::from(a)), p))
}

fn v6() -> impl Strategy<Value = Cidr> {
    // Few distinct high bits so that containment happens often.
    (any::<u8>(), any::<u128>(), 0u8..=128).prop_map(|(hi, lo, p)| {
        let a = (u128::from(hi & 3) << 126) | (lo >> 8);
        Cidr::containing(std::net::IpAddr::V6(std::net::Ipv6Addr::from(a)), p)
    })
}

fn near_v4() -> impl Strategy<Value = Cidr> {
    (0u32..64, 20u8..=32).prop_map(|(a, p)| {
        Cidr::containing(
            std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 | (a << 6))),
            p,
        )
    })
}

fn check_pair(a: Cidr, b: Cidr) {
    let (a0, a1) = a.range();
    let (b0, b1) = b.range();
    assert_eq!(a.contains(&b), a0 <= b0 && b1 <= a1, "{a} ⊇ {b}");
    assert_eq!(a.overlaps(&b), a0 <= b1 && b0 <= a1, "{a} ∩ {b}");
    assert_eq!(a.overlaps(&b), b.overlaps(&a));
    // The written form parses back to the same block.
    assert_eq!(Cidr::parse("c", &a.to_string()), Ok(a));
    // Keys order like addresses.
    let (ka0, ka1) = a.keys();
    let (kb0, kb1) = b.keys();
    assert_eq!(a.overlaps(&b), ka0 <= kb1 && kb0 <= ka1);
}

proptest! {
    #[test]
    fn cidr_v4(a in v4(), b in v4()) { check_pair(a, b); }

    #[test]
    fn cidr_v4_near(a in near_v4(), b in near_v4()) { check_pair(a, b); }

    #[test]
    fn cidr_v6(a in v6(), b in v6()) { check_pair(a, b); }

    #[test]
    fn cidr_families_never_mix(a in v4(), b in v6()) {
        prop_assert!(!a.overlaps(&b) && !b.overlaps(&a));
    }

    #[test]
    fn windows(a in 0i64..40, al in 1i64..20, b in 0i64..40, bl in 1i64..20) {
        let wa = Window::new("w", a, a + al).unwrap();
        let wb = Window::new("w", b, b + bl).unwrap();
        let shared = (0..80).filter(|t| wa.contains(*t) && wb.contains(*t)).count();
        prop_assert_eq!(wa.intersects(&wb), shared > 0);
        prop_assert_eq!(wa.intersection(&wb).map(|w| (w.end - w.start) as usize).unwrap_or(0), shared);
        let covered = (0..80).filter(|t| wb.contains(*t)).all(|t| wa.contains(t));
        prop_assert_eq!(wa.covers(&wb), covered);
    }
}

/// Each ecosystem with a pool of versions in its order, the first below
/// every bound (never used as one).
fn pools() -> Vec<(Ecosystem, &'static str, Vec<&'static str>)> {
    vec![
        (
            Ecosystem::Npm,
            "npm",
            vec![
                "0.0.1",
                "1.0.0-alpha",
                "1.0.0",
                "1.2.3",
                "1.10.0",
                "2.0.0-rc.1",
                "2.0.0",
                "10.0.0",
            ],
        ),
        (
            Ecosystem::PyPI,
            "pypi",
            vec![
                "0.0.1",
                "1.0a1",
                "1.0rc1",
                "1.0",
                "1.0.post1",
                "1.1",
                "2.0.dev1",
                "2.0",
            ],
        ),
        (
            Ecosystem::Debian,
            "deb",
            vec![
                "0.0.1", "1.0~rc1", "1.0", "1.0-1", "1.0+b1", "2.0", "1:0.5", "1:1.0",
            ],
        ),
        (
            Ecosystem::Maven,
            "maven",
            vec![
                "0.0.1",
                "1.0-alpha",
                "1.0-SNAPSHOT",
                "1.0",
                "1.0-sp1",
                "1.1",
                "2.0",
                "10.0",
            ],
        ),
        (
            Ecosystem::RubyGems,
            "gem",
            vec![
                "0.0.1", "1.0.a", "1.0", "1.0.1", "1.1", "2.0.pre", "2.0", "3.0",
            ],
        ),
    ]
}

#[derive(Debug, Clone)]
enum Shape {
    /// `>=lo` and/or `<hi` / `<=hi`.
    Interval {
        lo: Option<usize>,
        hi: Option<(usize, bool)>,
    },
    /// `=v` points.
    Points(Vec<usize>),
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (
            proptest::option::of(1usize..8),
            proptest::option::of((1usize..8, any::<bool>()))
        )
            .prop_map(|(lo, hi)| Shape::Interval { lo, hi }),
        proptest::collection::vec(1usize..8, 1..3).prop_map(Shape::Points),
    ]
}

/// The `vers` text of a shape over the sorted pool, or None when the
/// interval would be empty or inverted (not a meaningful range).
fn render(vtype: &str, sorted: &[&str], s: &Shape) -> Option<String> {
    let parts: Vec<String> = match s {
        Shape::Interval { lo, hi } => {
            if let (Some(l), Some((h, incl))) = (lo, hi)
                && (l > h || (l == h && !incl))
            {
                return None;
            }
            let mut p = Vec::new();
            if let Some(l) = lo {
                p.push(format!(">={}", sorted[*l]));
            }
            if let Some((h, incl)) = hi {
                p.push(format!("{}{}", if *incl { "<=" } else { "<" }, sorted[*h]));
            }
            if p.is_empty() {
                p.push("*".to_owned());
            }
            p
        }
        Shape::Points(ps) => ps.iter().map(|i| sorted[*i].to_owned()).collect(),
    };
    Some(format!("vers:{vtype}/{}", parts.join("|")))
}

fn in_by_decide(eco: Ecosystem, range: &str, v: &str) -> bool {
    let r = parse_vers(range).unwrap_or_else(|| panic!("parse_vers {range}"));
    let ranges: Vec<_> = r.range.into_iter().collect();
    let d = decide(eco, v, &ranges, &r.versions);
    assert_ne!(
        d.decision,
        Decision::CannotDecide,
        "{range} {v}: {}",
        d.reason
    );
    d.decision == Decision::Affected
}

proptest! {
    #[test]
    fn version_sets_intersect_per_ecosystem(which in 0usize..5, a in shape(), b in shape()) {
        let (eco, vtype, pool) = pools().swap_remove(which);
        let mut sorted = pool.clone();
        sorted.sort_by(|x, y| crate::versions::compare(eco, x, y).unwrap());
        let (Some(ra), Some(rb)) = (render(vtype, &sorted, &a), render(vtype, &sorted, &b)) else {
            return Ok(());
        };
        let sa = VersionSet::parse_vers("a", eco, &ra).unwrap();
        let sb = VersionSet::parse_vers("b", eco, &rb).unwrap();
        let witness = sorted.iter().any(|v| in_by_decide(eco, &ra, v) && in_by_decide(eco, &rb, v));
        for v in &sorted {
            prop_assert_eq!(sa.contains(eco, v), Some(in_by_decide(eco, &ra, v)), "{} {}", ra, v);
        }
        let expected = if witness { Overlap::Yes } else { Overlap::No };
        prop_assert_eq!(sa.intersects(eco, &sb), expected, "{} ∩ {}", ra, rb);
        prop_assert_eq!(sb.intersects(eco, &sa), expected);
    }
}

proptest! {
    /// An address of a /24 is in an uncovered part exactly when no cover
    /// holds it outside that cover's holes; the parts are disjoint.
    #[test]
    fn uncovered_matches_addresses(
        covers in proptest::collection::vec((near_v4(), proptest::collection::vec(near_v4(), 0..3)), 0..4)
    ) {
        let block = Cidr::parse("c", "10.0.0.0/24").unwrap();
        let parts = block.uncovered(&covers);
        for a in 0u32..256 {
            let addr = std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 | a));
            let covered = covers.iter().any(|(c, holes)| {
                c.contains_addr(addr) && !holes.iter().any(|h| h.contains_addr(addr))
            });
            let n = parts.iter().filter(|p| p.contains_addr(addr)).count();
            prop_assert_eq!(n, usize::from(!covered), "{} in {:?}", addr, parts);
        }
    }
}
