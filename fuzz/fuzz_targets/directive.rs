//! Directive drafts and remediate rules come from directive managers:
//! parsing never panics, a rule's normal form parses back to the same rule,
//! and a draft that validates validates again unchanged (normal forms are
//! fixed points).
#![no_main]

use clearinghouse_domain::directive::{DirectiveBody, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = Rule::parse(text) {
        let again = Rule::parse(&r.to_string()).expect("normal form parses");
        assert_eq!(r, again);
    }
    if let Ok(body) = serde_json::from_str::<DirectiveBody>(text)
        && let Ok(valid) = body.validate()
    {
        assert_eq!(valid.clone().validate().as_ref(), Ok(&valid));
    }
});
