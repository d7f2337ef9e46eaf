//! Visibility expressions come from users: parsing never panics, and a
//! parsed expression's normal form parses back to the same expression.
#![no_main]

use clearinghouse_domain::labels::{Authorizations, Visibility};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(v) = Visibility::parse(text) {
        let again = Visibility::parse(v.as_str()).expect("normal form parses");
        assert_eq!(v, again);
        let auths = Authorizations::new(v.terms());
        assert!(v.evaluate(&auths), "holding every term satisfies an expression without negation");
    }
});
