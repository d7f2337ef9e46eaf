//! CPE names come from SBOMs and feeds: parsing never panics, and an accepted
//! name's formatted string parses back to the same name and the same match key.
#![no_main]

use clearinghouse_domain::cpe::Cpe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = Cpe::parse(text) {
        let formatted = c.to_string();
        let again = Cpe::parse(&formatted).expect("formatted CPE parses");
        assert_eq!(again, c);
        assert_eq!(again.to_string(), formatted);
        assert_eq!(again.match_key(), c.match_key());
    }
});
