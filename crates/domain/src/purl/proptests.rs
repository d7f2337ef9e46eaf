//! Properties: parsing never panics; the canonical string round-trips.

use proptest::prelude::*;

use super::*;

fn purl_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pypi".to_owned()),
        Just("npm".to_owned()),
        Just("golang".to_owned()),
        Just("maven".to_owned()),
        Just("nuget".to_owned()),
        Just("composer".to_owned()),
        Just("deb".to_owned()),
        Just("rpm".to_owned()),
        Just("apk".to_owned()),
        Just("github".to_owned()),
        Just("huggingface".to_owned()),
        Just("mlflow".to_owned()),
        Just("chrome-extension".to_owned()),
        "[A-Za-z][A-Za-z0-9.+-]{0,6}",
    ]
}

/// Plausible purls: mostly valid syntax with reserved and encoded characters mixed in.
fn purlish() -> impl Strategy<Value = String> {
    let seg = "[A-Za-z0-9._~@:+ &,=é-]{0,6}|%[0-9A-Fa-f]{2}|%2[Ff]|\\.\\.?";
    (
        purl_type(),
        proptest::collection::vec(seg, 0..3),
        "[A-Za-z0-9._~%@ -]{1,8}",
        proptest::option::of("[A-Za-z0-9.+:/%_-]{0,8}"),
        proptest::collection::vec(
            (
                "[A-Za-z_.][A-Za-z0-9_.-]{0,4}",
                "[A-Za-z0-9%&,=:/ ?#@-]{0,6}",
            ),
            0..3,
        ),
        proptest::option::of("[A-Za-z0-9./%#@? -]{0,10}"),
    )
        .prop_map(|(t, ns, name, version, quals, sub)| {
            let mut s = format!("pkg:{t}/");
            for n in ns {
                s.push_str(&n);
                s.push('/');
            }
            s.push_str(&name);
            if let Some(v) = version {
                s.push('@');
                s.push_str(&v);
            }
            for (i, (k, v)) in quals.iter().enumerate() {
                s.push(if i == 0 { '?' } else { '&' });
                s.push_str(&format!("{k}={v}"));
            }
            if let Some(sp) = sub {
                s.push('#');
                s.push_str(&sp);
            }
            s
        })
}

fn check_round_trip(s: &str) -> Result<(), TestCaseError> {
    if let Ok(p) = Purl::parse(s) {
        let canonical = p.to_string_canonical();
        let again = Purl::parse(&canonical);
        prop_assert_eq!(again.as_ref(), Ok(&p), "{} -> {}", s, canonical);
        if let Ok(again) = again {
            prop_assert_eq!(again.to_string_canonical(), canonical);
        }
        let key_id = Purl::parse(&p.id.key()).map(|k| k.id);
        // A type that requires qualifiers (julia) cannot parse its bare key.
        if p.id.purl_type != "julia" {
            prop_assert_eq!(key_id, Ok(p.id.clone()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn purl_parse_never_panics_on_arbitrary_text(s in "\\PC{0,40}") {
        let _ = Purl::parse(&s);
        let _ = Purl::parse(&format!("pkg:{s}"));
    }

    #[test]
    fn purl_canonical_form_round_trips(s in purlish()) {
        check_round_trip(&s)?;
    }

    #[test]
    fn purl_canonical_form_round_trips_arbitrary(s in "pkg:[a-z]{1,5}/\\PC{0,30}") {
        check_round_trip(&s)?;
    }

    #[test]
    fn purl_osv_identity_reparses(eco in prop_oneof![
        Just("PyPI"), Just("npm"), Just("Maven"), Just("Go"), Just("NuGet"), Just("Packagist"),
        Just("Debian:12"), Just("Alpine:v3.18"), Just("Red Hat:rhel:9"), Just("SwiftURL"),
        Just("GitHub Actions"), Just("crates.io"), Just("RubyGems"),
    ], name in "[A-Za-z0-9@._:/ %-]{0,16}") {
        if let Some(id) = package_id_for_osv(eco, &name) {
            prop_assert_eq!(Purl::parse(&id.key()).map(|p| p.id), Ok(id));
        }
    }
}
