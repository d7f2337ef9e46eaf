//! The CVE JSON 5.1 record schema (`CVE_JSON_5.1_bundled.json`) as [`Shape`]
//! tables for what a record must hold: `dataType`, `dataVersion`, a closed
//! `cveMetadata` with the CVE id and assigner UUID patterns and a PUBLISHED or
//! REJECTED state, closed containers (`x_` extensions allowed; `cpeApplicability`
//! of schema 5.1.1 too), the CNA's required fields for each state, descriptions
//! with a language, affected products naming vendor and product (or collection
//! and package) and versions or a default status, version entries with a status,
//! references with a URL, metrics entries of the known forms, and timestamps of
//! the schema's pattern. Sub-structures we do not read (impacts, timeline,
//! credits, …) are only typed as present.
//!
//! Exception: the Go CNA's records (`golang/vulndb` `data/cve/v5`) use the
//! CVE Services publishing format, whose `cveMetadata` holds only `cveId`; such a
//! record is checked without `cveMetadata`'s required assigner and state.

use serde_json::Value;

use super::AdvisoryError;
use super::shape::{self, Shape, TEXT, is_cve_id, list, obj, one_of, pattern};

const FORMAT: &str = "CVE JSON 5";

static UUID: Shape = pattern(is_uuid4, "a version 4 UUID");
static TIMESTAMP: Shape = pattern(is_timestamp, "a timestamp (YYYY-MM-DDTHH:MM:SS)");
static ANY_LIST: Shape = list(&Shape::Any, 1, false);
static ANY_UNIQUE: Shape = list(&Shape::Any, 1, true);
/// Product lists (`cpes`, `modules`, …) may be empty.
static ANY_SET: Shape = list(&Shape::Any, 0, true);

static PROVIDER: Shape = obj(
    &[
        ("orgId", &UUID),
        ("shortName", &TEXT),
        ("dateUpdated", &TIMESTAMP),
    ],
    &["orgId"],
)
.closed();

static DESCRIPTIONS: Shape = list(
    &obj(
        &[
            ("lang", &pattern(is_language, "a language tag")),
            ("value", &TEXT),
            ("supportingMedia", &ANY_LIST),
        ],
        &["lang", "value"],
    )
    .closed(),
    1,
    true,
);

static VERSION: Shape = obj(
    &[
        ("version", &TEXT),
        ("status", &STATUS),
        ("versionType", &TEXT),
        ("lessThan", &TEXT),
        ("lessThanOrEqual", &TEXT),
        ("changes", &ANY_UNIQUE),
    ],
    &["version", "status"],
)
.closed();
static STATUS: Shape = one_of!("affected", "unaffected", "unknown");

static PRODUCT: Shape = obj(
    &[
        ("vendor", &TEXT),
        ("product", &TEXT),
        ("collectionURL", &TEXT),
        ("packageName", &TEXT),
        ("cpes", &ANY_SET),
        ("modules", &ANY_SET),
        ("programFiles", &ANY_SET),
        ("programRoutines", &ANY_SET),
        ("platforms", &ANY_SET),
        ("repo", &TEXT),
        ("defaultStatus", &STATUS),
        ("versions", &list(&VERSION, 1, true)),
    ],
    &[],
);
static AFFECTED: Shape = list(&PRODUCT, 1, false);

static REFERENCES: Shape = list(
    &obj(
        &[("url", &TEXT), ("name", &TEXT), ("tags", &ANY_UNIQUE)],
        &["url"],
    )
    .closed(),
    1,
    true,
);

static METRICS: Shape = list(
    &obj(
        &[
            ("format", &TEXT),
            ("scenarios", &ANY_UNIQUE),
            ("cvssV4_0", &Shape::Any),
            ("cvssV3_1", &Shape::Any),
            ("cvssV3_0", &Shape::Any),
            ("cvssV2_0", &Shape::Any),
            ("other", &Shape::Any),
        ],
        &[],
    )
    .min_props(1)
    .closed(),
    1,
    true,
);

/// The properties the CNA's published container and the ADP containers share.
macro_rules! container_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            ("providerMetadata", &PROVIDER),
            ("datePublic", &TIMESTAMP),
            ("title", &TEXT),
            ("descriptions", &DESCRIPTIONS),
            ("affected", &AFFECTED),
            ("problemTypes", &ANY_UNIQUE),
            ("references", &REFERENCES),
            ("impacts", &ANY_UNIQUE),
            ("metrics", &METRICS),
            ("configurations", &ANY_UNIQUE),
            ("workarounds", &ANY_UNIQUE),
            ("solutions", &ANY_UNIQUE),
            ("exploits", &ANY_UNIQUE),
            ("timeline", &ANY_UNIQUE),
            ("credits", &ANY_UNIQUE),
            ("source", &Shape::Any),
            ("tags", &ANY_UNIQUE),
            ("taxonomyMappings", &ANY_UNIQUE),
            ("cpeApplicability", &Shape::Any),
            $($extra),*
        ]
    };
}

static CNA_PUBLISHED: Shape = obj(
    container_fields!(("dateAssigned", &TIMESTAMP)),
    &["providerMetadata", "descriptions", "affected", "references"],
)
.closed();
static CNA_REJECTED: Shape = obj(
    &[
        ("providerMetadata", &PROVIDER),
        ("rejectedReasons", &DESCRIPTIONS),
        ("replacedBy", &ANY_UNIQUE),
    ],
    &["providerMetadata", "rejectedReasons"],
)
.closed();
static ADP: Shape = obj(container_fields!(), &["providerMetadata"]).closed();

static METADATA: Shape = obj(
    &[
        ("cveId", &pattern(is_cve_id, "a CVE id (CVE-YYYY-NNNN)")),
        ("assignerOrgId", &UUID),
        ("assignerShortName", &TEXT),
        ("requesterUserId", &UUID),
        ("dateUpdated", &TIMESTAMP),
        ("serial", &Shape::Int),
        ("dateReserved", &TIMESTAMP),
        ("datePublished", &TIMESTAMP),
        ("dateRejected", &TIMESTAMP),
        ("state", &one_of!("PUBLISHED", "REJECTED")),
    ],
    &["cveId", "assignerOrgId", "state"],
)
.closed();
/// The Go CNA's publishing format (see the module documentation).
static METADATA_PUBLISHING: Shape = obj(
    &[("cveId", &pattern(is_cve_id, "a CVE id (CVE-YYYY-NNNN)"))],
    &["cveId"],
)
.closed();

static TOP: Shape = obj(
    &[
        ("dataType", &one_of!("CVE_RECORD")),
        ("dataVersion", &pattern(is_data_version, "5.x")),
        ("cveMetadata", &Shape::Any),
        ("containers", &Shape::Any),
    ],
    &["dataType", "dataVersion", "cveMetadata", "containers"],
)
.closed();

/// Checks a CVE JSON 5 record.
pub(super) fn check(record: &Value) -> Result<(), AdvisoryError> {
    shape::check(FORMAT, &TOP, record, &mut String::new())?;
    let meta = record.get("cveMetadata").unwrap_or(&Value::Null);
    let publishing = meta
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("cveId"));
    let meta_shape = if publishing {
        &METADATA_PUBLISHING
    } else {
        &METADATA
    };
    shape::check(FORMAT, meta_shape, meta, &mut "cveMetadata".to_owned())?;
    let rejected = meta.get("state").and_then(Value::as_str) == Some("REJECTED");
    let containers = record.get("containers").unwrap_or(&Value::Null);
    let containers_shape = if rejected {
        &CONTAINERS_REJECTED
    } else {
        &CONTAINERS_PUBLISHED
    };
    shape::check(
        FORMAT,
        containers_shape,
        containers,
        &mut "containers".to_owned(),
    )?;
    let cna = std::iter::once(("containers.cna".to_owned(), containers.get("cna")));
    let adp = containers
        .get("adp")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, a)| (format!("containers.adp[{i}]"), Some(a)));
    for (path, c) in cna.chain(adp) {
        let products = c.and_then(|c| c.get("affected")).and_then(Value::as_array);
        for (i, p) in products.into_iter().flatten().enumerate() {
            check_product(p, &format!("{path}.affected[{i}]"))?;
        }
    }
    Ok(())
}
static ADP_LIST: Shape = list(&ADP, 1, true);
static CONTAINERS_PUBLISHED: Shape =
    obj(&[("cna", &CNA_PUBLISHED), ("adp", &ADP_LIST)], &["cna"]).closed();
static CONTAINERS_REJECTED: Shape = obj(&[("cna", &CNA_REJECTED)], &["cna"]).closed();

/// A product names vendor and product, or collection URL and package name;
/// and versions or a default status. A version with `lessThan` or
/// `lessThanOrEqual` has a `versionType`.
fn check_product(p: &Value, path: &str) -> Result<(), AdvisoryError> {
    let has = |k: &str| p.get(k).is_some();
    let fail = |message: &str| {
        Err(AdvisoryError::field_error(
            FORMAT,
            path,
            format!("does not match the schema: {message}"),
        ))
    };
    if !(has("vendor") && has("product") || has("collectionURL") && has("packageName")) {
        return fail("names neither vendor and product nor collectionURL and packageName");
    }
    if !(has("versions") || has("defaultStatus")) {
        return fail("has neither versions nor defaultStatus");
    }
    for (i, v) in p
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let range = v.get("lessThan").is_some() || v.get("lessThanOrEqual").is_some();
        if range && v.get("versionType").is_none() {
            return Err(AdvisoryError::field_error(
                FORMAT,
                format!("{path}.versions[{i}].versionType"),
                "does not match the schema: required with lessThan or lessThanOrEqual",
            ));
        }
    }
    Ok(())
}

fn is_uuid4(s: &str) -> bool {
    let b = s.as_bytes();
    let groups: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    lens == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.bytes().all(|c| c.is_ascii_hexdigit()))
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// `^5\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$`
fn is_data_version(s: &str) -> bool {
    let number = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    let parts: Vec<&str> = s.split('.').collect();
    (parts.len() == 2 || parts.len() == 3)
        && parts[0] == "5"
        && parts[1..].iter().all(|p| number(p))
}

/// `^[A-Za-z]{2,4}([_-][A-Za-z]{4})?([_-]([A-Za-z]{2}|[0-9]{3}))?$`
fn is_language(s: &str) -> bool {
    let parts: Vec<&str> = s.split(['-', '_']).collect();
    let alpha = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_alphabetic());
    let region = |p: &str| alpha(p, 2) || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()));
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let primary = (2..=4).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_alphabetic());
    primary
        && match rest {
            [] => true,
            [a] => alpha(a, 4) || region(a),
            [a, b] => alpha(a, 4) && region(b),
            _ => false,
        }
}

/// The schema's timestamp: a real date in 1900–2999, `T`, a time, optional
/// fraction and zone.
fn is_timestamp(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else {
        return false;
    };
    let d: Vec<&str> = date.split('-').collect();
    let num = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let [y, m, day] = d.as_slice() else {
        return false;
    };
    if !(num(y, 4) && num(m, 2) && num(day, 2)) {
        return false;
    }
    let (y, m, day): (u32, u32, u32) = (
        y.parse().unwrap_or(0),
        m.parse().unwrap_or(0),
        day.parse().unwrap_or(0),
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if !(1900..=2999).contains(&y) || day == 0 || day > days {
        return false;
    }
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    let t: Vec<&str> = hms.split(':').collect();
    let time_ok = matches!(t.as_slice(), [h, mi, se] if num(h, 2) && num(mi, 2) && num(se, 2)
        && h < &"24" && mi < &"60" && se < &"60");
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() == 6
            && zone.get(1..3).is_some_and(|h| num(h, 2))
            && zone.get(3..4) == Some(":")
            && zone.get(4..).is_some_and(|m| num(m, 2)));
    time_ok && fraction_ok && zone_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve5_patterns() {
        assert!(is_uuid4("88c02595-c8f7-4864-a0e7-e09b3e1da691"));
        assert!(!is_uuid4("88c02595-c8f7-3864-a0e7-e09b3e1da691"));
        assert!(is_timestamp("2021-11-19T20:07:00.403Z") && is_timestamp("2024-02-29T00:00:00"));
        assert!(!is_timestamp("3024-02-20T00:00:00") && !is_timestamp("2023-02-29T00:00:00"));
        assert!(is_timestamp("2021-11-19T20:07:00+01:00"));
        assert!(is_language("en") && is_language("en-US") && is_language("zh_Hant_TW"));
        assert!(!is_language("e") && !is_language("en-"));
        assert!(is_data_version("5.1") && is_data_version("5.1.1") && !is_data_version("4.0"));
    }
}
