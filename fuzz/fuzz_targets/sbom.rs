//! SBOMs are uploaded by users and agents: reading any bytes (CycloneDX JSON
//! or XML, SPDX JSON or tag-value) never panics.
#![no_main]

use clearinghouse_domain::sbom::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data);
});
