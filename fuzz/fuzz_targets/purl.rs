//! Package URLs come from SBOMs and feeds: parsing never panics, and an
//! accepted purl's canonical string parses back to the same canonical string
//! and the same index key.
#![no_main]

use clearinghouse_domain::purl::Purl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = Purl::parse(text) {
        let canonical = p.to_string_canonical();
        let again = Purl::parse(&canonical).expect("canonical purl parses");
        assert_eq!(canonical, again.to_string_canonical());
        assert_eq!(p.id.key(), again.id.key());
    }
});
