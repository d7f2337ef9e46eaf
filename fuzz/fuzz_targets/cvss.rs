//! CVSS vectors come from feeds and users: scoring never panics, an accepted
//! vector's base score is within 0.0 to 10.0, and its rendered vector scores
//! the same again.
#![no_main]

use clearinghouse_domain::cvss::score;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = score(text) {
        assert!((0.0..=10.0).contains(&s.base_score), "base score {} out of range", s.base_score);
        let again = score(&s.vector).expect("rendered vector scores");
        assert_eq!(s, again);
    }
});
