//! Properties: no input (arbitrary bytes, or generated JSON shaped like SARIF and the
//! native form) panics any reader, and every item is accounted for; the fingerprint
//! is stable under path spelling variants and target versions.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

/// Keys the readers look at, so that generated JSON reaches deep into them.
const KEYS: &[&str] = &[
    "runs",
    "results",
    "tool",
    "driver",
    "extensions",
    "rules",
    "name",
    "id",
    "ruleId",
    "ruleIndex",
    "rule",
    "index",
    "toolComponent",
    "message",
    "text",
    "locations",
    "physicalLocation",
    "artifactLocation",
    "fileLocation",
    "uri",
    "region",
    "startLine",
    "snippet",
    "properties",
    "tags",
    "security-severity",
    "level",
    "relationships",
    "target",
    "taxa",
    "versionControlProvenance",
    "repositoryUri",
    "revisionId",
    "fingerprints",
    "partialFingerprints",
    "clearinghouse_findings",
    "findings",
    "title",
    "cwe",
    "severity",
    "cvss",
    "location",
    "path",
    "start_line",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("1.0".to_owned()),
            Just("error".to_owned()),
            Just("external/cwe/cwe-079".to_owned()),
            Just("CVE-2021-44228".to_owned()),
            Just("pkg:npm/a@1".to_owned()),
            Just("repo:https://x.org/r@1".to_owned()),
            Just("9.8".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

const FORMATS: [FindingFormat; 5] = [
    FindingFormat::Sarif,
    FindingFormat::Native,
    FindingFormat::Osv,
    FindingFormat::Csaf,
    FindingFormat::Cve,
];

/// An item through its serde form (how a split submission hands items
/// between workers) comes back the same.
fn round_trips(item: &Item) {
    let text = serde_json::to_string(item).expect("an item serialises");
    let back: Item = serde_json::from_str(&text).expect("an item deserialises");
    assert_eq!(&back, item, "{text}");
}

/// Runs every reader; the summary always matches the items delivered, and
/// every item survives its serde form.
fn check_all(bytes: &[u8]) {
    let target = Target::parse("repo:https://example.org/x@abc").expect("target");
    for format in FORMATS {
        for default in [None, Some(&target)] {
            let mut n = 0u64;
            let mut sink = |item: Item| {
                round_trips(&item);
                n += 1;
            };
            if let Ok(s) = parse_stream(bytes, format, default, &mut sink) {
                assert_eq!(s.items, n);
                assert_eq!(s.findings + s.rejected, n);
            }
        }
    }
    let _ = detect(bytes);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_all(&bytes);
    }

    #[test]
    fn generated_json_never_panics(v in json_value()) {
        check_all(v.to_string().as_bytes());
        let wrapped = json!({"version": "2.1.0", "runs": [{"results": [v.clone()]}]});
        check_all(wrapped.to_string().as_bytes());
        let native = json!({"clearinghouse_findings": "1.0", "findings": [v]});
        check_all(native.to_string().as_bytes());
    }

    #[test]
    fn arbitrary_target_strings_never_panic(s in ".{0,40}") {
        if let Ok(t) = Target::parse(&s) {
            let _ = (t.identity(), t.version(), t.to_string());
        }
        let _ = Target::from_cpe(&s);
    }

    #[test]
    fn fingerprint_is_stable_under_path_spellings(
        segments in prop::collection::vec("[A-Za-z0-9_.-]{1,8}", 1..5),
        line in proptest::option::of(1u32..100_000),
        dot_slash in any::<bool>(),
        backslash in any::<bool>(),
        doubled in any::<bool>(),
        version in "[0-9]{1,2}\\.[0-9]{1,2}",
    ) {
        // `.` and `..` segments are not spellings of the same path; leave them out.
        prop_assume!(segments.iter().all(|s| s != "." && s != ".."));
        let plain = segments.join("/");
        let sep = match (backslash, doubled) {
            (true, true) => "\\\\",
            (true, false) => "\\",
            (false, true) => "//",
            (false, false) => "/",
        };
        let mut variant = segments.join(sep);
        if dot_slash {
            variant = format!("./{variant}");
        }
        let loc = |p: &str| Location { path: Some(p.to_owned()), start_line: line, ..Location::default() };
        let a = Target::parse("pkg:pypi/paramiko@2.4.0").expect("purl");
        let b = Target::parse(&format!("pkg:pypi/paramiko@{version}")).expect("purl");
        prop_assert_eq!(
            fingerprint(&a.identity(), Some("R"), Some(&loc(&plain)), Some("x"), None),
            fingerprint(&b.identity(), Some("R"), Some(&loc(&variant)), Some(" x "), None)
        );
    }
}
