//! Finding text and snippets come from reporters: signatures of any text are
//! stable, their similarity is in [0, 1] and symmetric, and stored signature
//! bytes that are not ours are refused, never a panic.
#![no_main]

use clearinghouse_domain::similarity::{Signature, signature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Signature::from_bytes(data);
    let text = String::from_utf8_lossy(data);
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let (a, b) = text.split_at(mid);
    let (sa, sb) = (signature(a, Some(b)), signature(b, None));
    let s = sa.similarity(&sb);
    assert!((0.0..=1.0).contains(&s), "{s}");
    assert!((s - sb.similarity(&sa)).abs() < 1e-12);
    assert_eq!(signature(a, Some(b)).to_bytes(), sa.to_bytes());
});
