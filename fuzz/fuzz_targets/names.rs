//! Closed names from requests (TLP markings, roles, kinds, authorization
//! terms): parsing never panics and accepted values round-trip.
#![no_main]

use clearinghouse_domain::identity::{OrgKind, Role, Scope, Sector};
use clearinghouse_domain::labels::{Tlp, validate_term};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(t) = text.parse::<Tlp>() {
        assert_eq!(t.as_str().parse::<Tlp>().ok(), Some(t));
    }
    if let Ok(r) = text.parse::<Role>() {
        assert_eq!(r.as_str(), text);
    }
    let _ = text.parse::<Scope>();
    let _ = text.parse::<OrgKind>();
    let _ = text.parse::<Sector>();
    let _ = validate_term(text);
});
