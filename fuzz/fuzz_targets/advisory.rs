//! Advisory feeds (OSV JSON/YAML, CVE JSON 5, CSAF, KEV, EPSS CSV) are outside
//! input: reading any bytes under any of the file-name hints never panics.
//! The first byte picks the file name; the rest is the document.
#![no_main]

use clearinghouse_domain::advisory::parse_document;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 3] = ["x.json", "x.yaml", "x.csv"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, document)) = data.split_first() else { return };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let _ = parse_document(name, document);
});
