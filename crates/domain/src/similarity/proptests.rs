//! Properties of signatures, similarity and band keys over arbitrary text.

use super::*;
use proptest::prelude::*;

fn finding() -> impl Strategy<Value = (String, Option<String>)> {
    (
        "([a-zA-Z_]{1,12}[ .,:()/-]{1,2}){0,30}",
        proptest::option::of("[ -~\n]{0,120}"),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prop_self_similarity_is_one((text, code) in finding()) {
        let s = signature(&text, code.as_deref());
        prop_assert_eq!(s.similarity(&s), 1.0);
        prop_assert_eq!(s.similarity(&signature(&text, code.as_deref())), 1.0);
    }

    #[test]
    fn prop_symmetric_and_bounded(a in finding(), b in finding()) {
        let (sa, sb) = (signature(&a.0, a.1.as_deref()), signature(&b.0, b.1.as_deref()));
        let s = sa.similarity(&sb);
        prop_assert_eq!(s, sb.similarity(&sa));
        prop_assert!((0.0..=1.0).contains(&s));
    }

    #[test]
    fn prop_identical_text_same_band_keys((text, code) in finding()) {
        let a = band_keys(&signature(&text, code.as_deref()));
        let b = band_keys(&signature(&text.clone(), code.clone().as_deref()));
        prop_assert_eq!(&a, &b);
        prop_assert!(a.iter().all(|k| *k < 1 << 63));
        let s = signature(&text, code.as_deref());
        let mut index = LshIndex::new();
        index.insert(7, &s);
        prop_assert_eq!(index.candidates(&s), if s.is_empty() { vec![] } else { vec![7] });
    }

    #[test]
    fn prop_bytes_round_trip((text, code) in finding()) {
        let s = signature(&text, code.as_deref());
        prop_assert_eq!(Signature::from_bytes(&s.to_bytes()), Ok(s));
    }

    #[test]
    fn prop_from_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Signature::from_bytes(&bytes);
    }

    #[test]
    fn prop_case_and_spacing_do_not_matter(text in "([a-z]{2,10} ){1,20}") {
        let shouted = text.to_uppercase().replace(' ', "  \t");
        prop_assert_eq!(signature(&text, None), signature(&shouted, None));
    }
}
