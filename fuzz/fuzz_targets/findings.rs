//! Scanner output is uploaded by AI labs and researchers: streaming any bytes
//! as SARIF, native JSON, OSV, CSAF or CVE findings never panics, every item
//! is counted once, and a finding's fingerprint is 64 hex digits.
#![no_main]

use clearinghouse_domain::findings::{FindingFormat, Item, Target, detect, parse_stream};
use libfuzzer_sys::fuzz_target;

const FORMATS: [FindingFormat; 5] = [
    FindingFormat::Sarif,
    FindingFormat::Native,
    FindingFormat::Osv,
    FindingFormat::Csaf,
    FindingFormat::Cve,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = detect(rest).unwrap_or(FORMATS[usize::from(selector) % FORMATS.len()]);
    let target = Target::parse("repo:https://example.org/x@abc").ok();
    let mut seen = 0u64;
    let result = parse_stream(rest, format, target.as_ref(), &mut |item| {
        seen += 1;
        if let Item::Finding(f) = item {
            assert_eq!(f.fingerprint.len(), 64, "{}", f.fingerprint);
            assert!(f.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    });
    if let Ok(summary) = result {
        assert_eq!(summary.items, seen);
        assert_eq!(summary.findings + summary.rejected, summary.items);
    }
});
