//! CVE JSON 5 `affected[].versions` to OSV ranges and version lists.
//!
//! The CVE schema says an entry is one version, or with `lessThan` / `lessThanOrEqual`
//! the range from `version` up to that bound (`*` meaning no bound), with `changes`
//! switching the status at listed versions; versions not covered by any entry have
//! `defaultStatus` (absent meaning `unknown`). The mapping:
//!
//! * an `affected` range becomes one OSV range: `introduced: version`, then one
//!   `fixed` (change to `unaffected`) or `introduced` (change to `affected`) per change,
//!   then `fixed: lessThan` or `last_affected: lessThanOrEqual` unless the bound is `*`;
//! * an `affected` single version is listed in `versions`;
//! * with `defaultStatus: affected`, one more range `introduced: "0"` with a hole per
//!   `unaffected` range with a `lessThan` bound (`fixed: version`, then
//!   `introduced: lessThan` unless `*`); an `unaffected` single version or
//!   `lessThanOrEqual` range cannot be written as OSV events and is dropped, so such
//!   versions read as affected: the mapping errs toward a false alarm, never toward a
//!   missed exposure;
//! * `unaffected` entries under another default add nothing; `unknown` entries add
//!   nothing;
//! * a bound or start with an inner wildcard (`6.1.*`) cannot be ordered: that entry is
//!   dropped (with `defaultStatus: affected` its versions stay affected);
//! * `versionType: git` makes a `GIT` range; every other type an `ECOSYSTEM` range,
//!   ordered by the package's ecosystem.

use serde::Deserialize;

use crate::advisory::nullable;
use crate::versions::{OsvEvent, OsvRange};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CveVersion {
    #[serde(default)]
    pub(super) version: Option<String>,
    #[serde(default)]
    pub(super) status: Option<String>,
    #[serde(default)]
    pub(super) less_than: Option<String>,
    #[serde(default)]
    pub(super) less_than_or_equal: Option<String>,
    #[serde(default)]
    pub(super) version_type: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) changes: Vec<Change>,
}

#[derive(Deserialize)]
pub(super) struct Change {
    #[serde(default)]
    pub(super) at: Option<String>,
    #[serde(default)]
    pub(super) status: Option<String>,
}

fn is(status: Option<&str>, want: &str) -> bool {
    status.is_some_and(|s| s.trim().eq_ignore_ascii_case(want))
}

fn kind(v: &CveVersion) -> &'static str {
    if is(v.version_type.as_deref(), "git") {
        "GIT"
    } else {
        "ECOSYSTEM"
    }
}

/// A usable version: non-empty and without a wildcard.
fn exact(v: Option<&str>) -> Option<&str> {
    v.map(str::trim)
        .filter(|v| !v.is_empty() && !v.contains('*'))
}

/// The upper bound: `Ok(None)` for none (`*`), `Err(())` for one that cannot be ordered.
fn bound(v: &CveVersion) -> Result<Option<OsvEvent>, ()> {
    let (raw, fixed) = match (&v.less_than, &v.less_than_or_equal) {
        (Some(lt), _) => (lt.trim(), true),
        (None, Some(le)) => (le.trim(), false),
        (None, None) => return Err(()),
    };
    if raw == "*" {
        return Ok(None);
    }
    let raw = exact(Some(raw)).ok_or(())?.to_owned();
    Ok(Some(if fixed {
        OsvEvent::Fixed(raw)
    } else {
        OsvEvent::LastAffected(raw)
    }))
}

fn has_bound(v: &CveVersion) -> bool {
    v.less_than.is_some() || v.less_than_or_equal.is_some()
}

/// The OSV ranges and listed versions that `versions` (with `default_status`) state
/// as affected.
pub(super) fn to_osv(
    versions: &[CveVersion],
    default_status: Option<&str>,
) -> (Vec<OsvRange>, Vec<String>) {
    let (mut ranges, mut listed) = (Vec::new(), Vec::<String>::new());
    for v in versions
        .iter()
        .filter(|v| is(v.status.as_deref(), "affected"))
    {
        let start = v.version.as_deref().map(str::trim);
        if !has_bound(v) && v.changes.is_empty() {
            if let Some(s) = exact(start).filter(|s| !listed.iter().any(|l| l == s)) {
                listed.push(s.to_owned());
            }
            continue;
        }
        let start = match start {
            Some("*") => "0",
            other => match exact(other) {
                Some(s) => s,
                None => continue,
            },
        };
        let mut events = vec![OsvEvent::Introduced(start.to_owned())];
        for c in &v.changes {
            let Some(at) = exact(c.at.as_deref()) else {
                continue;
            };
            if is(c.status.as_deref(), "unaffected") {
                events.push(OsvEvent::Fixed(at.to_owned()));
            } else if is(c.status.as_deref(), "affected") {
                events.push(OsvEvent::Introduced(at.to_owned()));
            }
        }
        match bound(v) {
            Ok(Some(e)) => events.push(e),
            Ok(None) => {}
            // A single version with changes has no upper bound of its own.
            Err(()) if !has_bound(v) => {}
            Err(()) => continue,
        }
        push_range(&mut ranges, kind(v), events);
    }
    if is(default_status, "affected") {
        let mut events = vec![OsvEvent::Introduced("0".into())];
        let mut all_git = true;
        for v in versions
            .iter()
            .filter(|v| is(v.status.as_deref(), "unaffected"))
        {
            let (Some(start), Some(lt)) = (exact(v.version.as_deref()), v.less_than.as_deref())
            else {
                continue;
            };
            let reopen = match lt.trim() {
                "*" => None,
                lt => match exact(Some(lt)) {
                    Some(lt) => Some(lt.to_owned()),
                    None => continue,
                },
            };
            all_git &= kind(v) == "GIT";
            events.push(OsvEvent::Fixed(start.to_owned()));
            events.extend(reopen.map(OsvEvent::Introduced));
        }
        let kind = if all_git && events.len() > 1 {
            "GIT"
        } else {
            "ECOSYSTEM"
        };
        push_range(&mut ranges, kind, events);
    }
    (ranges, listed)
}

fn push_range(ranges: &mut Vec<OsvRange>, kind: &str, events: Vec<OsvEvent>) {
    let range = OsvRange {
        kind: kind.to_owned(),
        events,
    };
    if !ranges.contains(&range) {
        ranges.push(range);
    }
}
