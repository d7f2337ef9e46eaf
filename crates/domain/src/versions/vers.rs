//! Version ranges as CSAF product trees write them (a branch of category
//! `product_version_range`): the purl project's `vers` form
//! (`vers:npm/>=1.0.0|<2.0.0`, `vers:all/*`) and the bare form CISA uses
//! (`<V2.3`, `<=4.1.8`), turned into one OSV `ECOSYSTEM` range so that
//! [`decide`](super::decide) evaluates them like every other range.
//!
//! Hand-written: the `vers` grammar is a dozen lines (comparator + version,
//! joined by `|`), and the crates on crates.io that read it
//! (`univers`-style ports) bring their own version orderings, while ours
//! are per ecosystem in this module. Constraints OSV events cannot express
//! (`>X`, `!=X`) make the whole range unreadable rather than wrong.

use super::{OsvEvent, OsvRange};

/// A `vers` string read: the range (if any constraint is a bound) and the
/// versions named exactly (`=X`, or a bare version).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersRange {
    pub range: Option<OsvRange>,
    pub versions: Vec<String>,
}

/// Reads a `vers` range or CISA's bare comparator form; `None` when a
/// constraint cannot be expressed as OSV events or the text is empty.
pub fn parse_vers(text: &str) -> Option<VersRange> {
    let text = text.trim();
    let body = match text.strip_prefix("vers:") {
        Some(rest) => rest.split_once('/').map(|(_, c)| c)?,
        None => text,
    };
    let mut events: Vec<OsvEvent> = Vec::new();
    let mut versions = Vec::new();
    for raw in body.split('|') {
        let c = raw.trim();
        if c.is_empty() {
            return None;
        }
        if c == "*" {
            events.push(OsvEvent::Introduced("0".to_owned()));
            continue;
        }
        let (event, version) = if let Some(v) = c.strip_prefix(">=") {
            (Some(OsvEvent::Introduced(v.trim().to_owned())), v)
        } else if let Some(v) = c.strip_prefix("<=") {
            (Some(OsvEvent::LastAffected(v.trim().to_owned())), v)
        } else if let Some(v) = c.strip_prefix('<') {
            (Some(OsvEvent::Fixed(v.trim().to_owned())), v)
        } else if c.starts_with('>') || c.starts_with("!=") {
            return None;
        } else {
            (None, c.strip_prefix('=').unwrap_or(c))
        };
        let version = version.trim();
        if version.is_empty() || version.contains(char::is_whitespace) {
            return None;
        }
        match event {
            Some(e) => events.push(e),
            None => versions.push(version.to_owned()),
        }
    }
    let range = (!events.is_empty()).then(|| {
        if !matches!(events.first(), Some(OsvEvent::Introduced(_))) {
            events.insert(0, OsvEvent::Introduced("0".to_owned()));
        }
        OsvRange {
            kind: "ECOSYSTEM".to_owned(),
            events,
        }
    });
    Some(VersRange { range, versions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::{Decision, Ecosystem, decide};

    fn ev(list: &[(&str, &str)]) -> Vec<OsvEvent> {
        list.iter()
            .map(|(k, v)| match *k {
                "introduced" => OsvEvent::Introduced((*v).to_owned()),
                "fixed" => OsvEvent::Fixed((*v).to_owned()),
                _ => OsvEvent::LastAffected((*v).to_owned()),
            })
            .collect()
    }

    #[test]
    fn vers_and_bare_forms_become_osv_events() {
        let r = parse_vers("vers:npm/>=1.0.0|<2.0.0").expect("reads");
        assert_eq!(
            r.range.expect("range").events,
            ev(&[("introduced", "1.0.0"), ("fixed", "2.0.0")])
        );
        let r = parse_vers("<V2.3").expect("reads");
        assert_eq!(
            r.range.expect("range").events,
            ev(&[("introduced", "0"), ("fixed", "V2.3")])
        );
        let r = parse_vers("vers:all/<=4.1.8").expect("reads");
        assert_eq!(
            r.range.expect("range").events,
            ev(&[("introduced", "0"), ("last_affected", "4.1.8")])
        );
        let all = parse_vers("vers:all/*").expect("reads");
        assert_eq!(all.range.expect("range").events, ev(&[("introduced", "0")]));
        let exact = parse_vers("vers:semver/=1.2.3").expect("reads");
        assert_eq!(
            (exact.range, exact.versions),
            (None, vec!["1.2.3".to_owned()])
        );
    }

    #[test]
    fn what_events_cannot_say_is_refused() {
        assert_eq!(parse_vers("vers:npm/>1.0"), None);
        assert_eq!(parse_vers("!=2"), None);
        assert_eq!(parse_vers(""), None);
        assert_eq!(parse_vers("vers:npm/<1.0||"), None);
        assert_eq!(parse_vers("all versions before 2"), None);
    }

    #[test]
    fn a_parsed_range_decides_like_osv() {
        let r = parse_vers("vers:pypi/>=1.0|<2.0").and_then(|r| r.range);
        let ranges: Vec<OsvRange> = r.into_iter().collect();
        let d = |v: &str| decide(Ecosystem::from_osv("PyPI"), v, &ranges, &[]).decision;
        assert_eq!(d("1.5"), Decision::Affected);
        assert_eq!(d("2.0"), Decision::NotAffected);
        assert_eq!(d("0.9"), Decision::NotAffected);
    }

    proptest::proptest! {
        /// Whatever the text, reading never panics, and a range read always
        /// opens with an `introduced` event.
        #[test]
        fn any_text_reads_safely(s in ".{0,40}") {
            if let Some(VersRange { range: Some(r), .. }) = parse_vers(&s) {
                proptest::prop_assert!(matches!(r.events.first(), Some(OsvEvent::Introduced(_))));
            }
        }
    }
}

/// The lowest version that fixes `version`: the smallest `fixed` event of
/// `ranges` or entry of `fixed` that orders above `version` in `eco`, for
/// "upgrade to X". `None` when nothing fixed is known above it, or the
/// versions cannot be ordered.
pub fn upgrade_to(
    eco: super::Ecosystem,
    version: &str,
    ranges: &[OsvRange],
    fixed: &[String],
) -> Option<String> {
    use std::cmp::Ordering;
    let candidates = ranges
        .iter()
        .filter(|r| r.kind != "GIT")
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            OsvEvent::Fixed(v) => Some(v.as_str()),
            _ => None,
        })
        .chain(fixed.iter().map(String::as_str));
    let mut best: Option<&str> = None;
    for c in candidates {
        if super::compare(eco, c, version).ok() != Some(Ordering::Greater) {
            continue;
        }
        let lower = best.is_none_or(|b| super::compare(eco, c, b).ok() == Some(Ordering::Less));
        if lower {
            best = Some(c);
        }
    }
    best.map(str::to_owned)
}

#[cfg(test)]
mod upgrade_tests {
    use super::*;
    use crate::versions::Ecosystem;

    fn range(events: &[OsvEvent]) -> OsvRange {
        OsvRange {
            kind: "ECOSYSTEM".to_owned(),
            events: events.to_vec(),
        }
    }

    #[test]
    fn the_lowest_fix_above_the_version_is_the_upgrade() {
        let eco = Ecosystem::from_osv("PyPI");
        let ranges = [
            range(&[
                OsvEvent::Introduced("0".into()),
                OsvEvent::Fixed("2.4.1".into()),
            ]),
            range(&[
                OsvEvent::Introduced("3.0".into()),
                OsvEvent::Fixed("3.2".into()),
            ]),
        ];
        assert_eq!(
            upgrade_to(eco, "2.0", &ranges, &[]).as_deref(),
            Some("2.4.1")
        );
        assert_eq!(upgrade_to(eco, "3.1", &ranges, &[]).as_deref(), Some("3.2"));
        assert_eq!(upgrade_to(eco, "3.5", &ranges, &[]), None);
        let fixed = ["3.1.5".to_owned()];
        assert_eq!(
            upgrade_to(eco, "3.1", &ranges, &fixed).as_deref(),
            Some("3.1.5")
        );
    }
}
