//! Properties: no input panics the parser; every name's formatted string parses
//! back to the same name; the URI and formatted bindings of one name agree.

use proptest::prelude::*;

use super::*;

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Any),
        Just(Value::Na),
        // Printable, no whitespace: alphanumerics, the characters left unescaped,
        // and punctuation that must be escaped (`:`, `\`, `*`, `?`, `!`, `$`...).
        "[a-zA-Z0-9._:*?!$%&()+,/;<=>@\\[\\]^`{|}~\\\\é-]{1,12}".prop_map(Value::Text),
    ]
}

fn cpe() -> impl Strategy<Value = Cpe> {
    (
        prop_oneof![
            Just(Value::Any),
            Just(Value::Na),
            "[aoh]".prop_map(Value::Text)
        ],
        proptest::collection::vec(value(), 10),
    )
        .prop_map(|(part, v)| Cpe {
            part,
            vendor: v[0].clone(),
            product: v[1].clone(),
            version: v[2].clone(),
            update: v[3].clone(),
            edition: v[4].clone(),
            language: v[5].clone(),
            sw_edition: v[6].clone(),
            target_sw: v[7].clone(),
            target_hw: v[8].clone(),
            other: v[9].clone(),
        })
}

/// The URI binding of a name (without packing): `%xx` for every byte that is not
/// alphanumeric, `_`, `.` or `-`; ANY empty, NA `-`.
fn uri(c: &Cpe) -> String {
    let enc = |v: &Value| match v {
        Value::Any => String::new(),
        Value::Na => "-".to_owned(),
        Value::Text(t) if t == "-" => "%2d".to_owned(),
        Value::Text(t) => t
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect(),
    };
    let vals = [
        &c.part,
        &c.vendor,
        &c.product,
        &c.version,
        &c.update,
        &c.edition,
        &c.language,
    ];
    format!("cpe:/{}", vals.map(enc).join(":"))
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = Cpe::parse(&s);
        let _ = Cpe::parse(&format!("cpe:2.3:{s}"));
        let _ = Cpe::parse(&format!("cpe:/{s}"));
    }

    #[test]
    fn formatted_round_trip(c in cpe()) {
        let text = c.to_string();
        let again = Cpe::parse(&text).unwrap();
        prop_assert_eq!(&again, &c);
        prop_assert_eq!(again.to_string(), text);
        prop_assert_eq!(again.match_key(), c.match_key());
    }

    #[test]
    fn uri_agrees_with_formatted(c in cpe()) {
        // %01 / %02 decode to `?` / `*`, so generated values avoid raw bytes 1 and 2.
        let parsed = Cpe::parse(&uri(&c)).unwrap();
        prop_assert_eq!(&parsed.vendor, &c.vendor);
        prop_assert_eq!(&parsed.product, &c.product);
        prop_assert_eq!(&parsed.version, &c.version);
        prop_assert_eq!(&parsed.language, &c.language);
        prop_assert_eq!(parsed.match_key(), c.match_key());
    }

    #[test]
    fn key_is_case_insensitive(c in cpe()) {
        let upper = Cpe::parse(&c.to_string().to_uppercase().replacen("CPE:2.3:", "cpe:2.3:", 1));
        if let Ok(u) = upper {
            prop_assert_eq!(u.match_key(), c.match_key().map(|k| k.to_lowercase()));
        }
    }
}
