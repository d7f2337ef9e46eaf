//! Data-driven cases written from the purl spec and its type definitions.

use super::*;

/// (input, expected canonical string).
const CANONICAL: &[(&str, &str)] = &[
    (
        "pkg:maven/org.apache.commons/io@1.3.4",
        "pkg:maven/org.apache.commons/io@1.3.4",
    ),
    (
        "pkg:maven/Org.Apache/Commons-IO@1.3.4",
        "pkg:maven/Org.Apache/Commons-IO@1.3.4",
    ),
    (
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io/release&classifier=sources",
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io%2Frelease",
    ),
    (
        "pkg:npm/%40angular/animation@12.3.1",
        "pkg:npm/%40angular/animation@12.3.1",
    ),
    (
        "pkg:npm/@Angular/Animation@12.3.1",
        "pkg:npm/%40angular/animation@12.3.1",
    ),
    ("pkg:npm/JSONStream@1.3.5", "pkg:npm/jsonstream@1.3.5"),
    (
        "pkg:pypi/Django_Allauth@12.23",
        "pkg:pypi/django-allauth@12.23",
    ),
    ("pkg:pypi/zope.interface", "pkg:pypi/zope-interface"),
    ("pkg:pypi/A-_.b", "pkg:pypi/a-b"),
    (
        "pkg:golang/github.com/Gorilla/Context@234fd47e07d1004f0aed9c",
        "pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c",
    ),
    (
        "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
        "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
    ),
    (
        "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
        "pkg:nuget/enterpriselibrary.common@6.0.1304",
    ),
    (
        "pkg:deb/Debian/CURL@7.50.3-1?distro=jessie&arch=i386",
        "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
    ),
    (
        "pkg:rpm/Fedora/NetworkManager@1.0-1.fc25?distro=fedora-25&arch=i386",
        "pkg:rpm/fedora/NetworkManager@1.0-1.fc25?arch=i386&distro=fedora-25",
    ),
    (
        "pkg:apk/Alpine/Curl@7.83.0-r0?arch=x86",
        "pkg:apk/alpine/curl@7.83.0-r0?arch=x86",
    ),
    ("pkg:gem/Rails@7.0.0", "pkg:gem/Rails@7.0.0"),
    ("pkg:cargo/lock_api@0.4.0", "pkg:cargo/lock_api@0.4.0"),
    (
        "pkg:composer/Laravel/Framework@5.5.0",
        "pkg:composer/laravel/framework@5.5.0",
    ),
    (
        "pkg:github/Package-URL/Purl-Spec@244fd47",
        "pkg:github/package-url/purl-spec@244fd47",
    ),
    ("pkg:hex/Phoenix@1.7.0", "pkg:hex/phoenix@1.7.0"),
    (
        "pkg:docker/library/debian@sha256%3A244fd47e",
        "pkg:docker/library/debian@sha256:244fd47e",
    ),
    (
        "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/a.tar.gz&checksum=sha256:de4d",
        "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d&download_url=https:%2F%2Fopenssl.org%2Fa.tar.gz",
    ),
    ("pkg:generic/name@1+x", "pkg:generic/name@1%2Bx"),
    ("pkg:generic/name@1%2bx", "pkg:generic/name@1%2Bx"),
    (
        "pkg:generic/name?Arch=x86&empty=",
        "pkg:generic/name?arch=x86",
    ),
    ("pkg:golang/x/y#./a/../b/", "pkg:golang/x/y#a/b"),
    ("pkg://NPM/foo", "pkg:npm/foo"),
    ("pkg:generic/a%20b%C3%A9", "pkg:generic/a%20b%C3%A9"),
    ("pkg:generic/./a/%2e/b/..", "pkg:generic/a/%2E/b/%2E%2E"),
    ("pkg:npm/%2e/0", "pkg:npm/%2E/0"),
];

#[test]
fn purl_spec_cases_canonicalise() {
    for (input, want) in CANONICAL {
        let purl = Purl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(purl.to_string_canonical(), *want, "{input}");
        assert_eq!(Purl::parse(want).as_ref(), Ok(&purl), "{want} re-parses");
    }
}

#[test]
fn purl_components_are_decoded() {
    let p = Purl::parse("pkg:npm/%40angular/animation@12.3.1?vcs_url=git://h.com/r.git%404345")
        .unwrap();
    assert_eq!(p.id.purl_type, "npm");
    assert_eq!(p.id.namespace.as_deref(), Some("@angular"));
    assert_eq!(p.id.name, "animation");
    assert_eq!(p.version.as_deref(), Some("12.3.1"));
    assert_eq!(p.qualifier("vcs_url"), Some("git://h.com/r.git@4345"));
    assert_eq!(p.id.key(), "pkg:npm/%40angular/animation");
    assert_eq!(p.id.to_string(), p.id.key());

    let p = Purl::parse("pkg:golang/google.golang.org/genproto#googleapis/api").unwrap();
    assert_eq!(p.id.namespace.as_deref(), Some("google.golang.org"));
    assert_eq!(p.subpath.as_deref(), Some("googleapis/api"));
    assert_eq!(p.version, None);
}

#[test]
fn purl_identity_ignores_version_qualifiers_and_spelling() {
    let a = Purl::parse("pkg:pypi/Typing_Extensions@4.0?file_name=x.whl").unwrap();
    let b = Purl::parse("pkg:pypi/typing.extensions@4.1").unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(
        a.id,
        PackageId::normalised("PyPI", None, "typing-extensions")
    );
    assert_ne!(
        Purl::parse("pkg:maven/g/A").unwrap().id,
        Purl::parse("pkg:maven/g/a").unwrap().id,
        "maven is case-sensitive"
    );
}

#[test]
fn purl_invalid_inputs_say_what_is_wrong() {
    let cases: &[(&str, PurlError)] = &[
        ("npm/foo", PurlError::MissingScheme),
        ("http://npm/foo", PurlError::InvalidScheme("http".into())),
        ("pkg:npm", PurlError::MissingType),
        ("pkg:n&m/foo", PurlError::InvalidType("n&m".into())),
        ("pkg:1npm/foo", PurlError::InvalidType("1npm".into())),
        ("pkg:npm/", PurlError::MissingName),
        (
            "pkg:pypi/ns/name",
            PurlError::NamespaceProhibited("pypi".into()),
        ),
        (
            "pkg:composer/name",
            PurlError::NamespaceRequired("composer".into()),
        ),
        (
            "pkg:npm/foo?1key=v",
            PurlError::InvalidQualifierKey("1key".into()),
        ),
        (
            "pkg:julia/Flux",
            PurlError::MissingQualifier {
                purl_type: "julia".into(),
                key: "uuid".into(),
            },
        ),
        ("pkg:npm/foo%FF", PurlError::NotUtf8),
        ("pkg:npm/a%2Fb/c", PurlError::InvalidNamespace("a/b".into())),
        ("pkg:npm/foo#a%2Fb", PurlError::InvalidSubpath("a/b".into())),
        // Dot segments are dropped, leaving no namespace, which composer requires.
        (
            "pkg:composer/./_",
            PurlError::NamespaceRequired("composer".into()),
        ),
    ];
    for (input, want) in cases {
        assert_eq!(Purl::parse(input).as_ref(), Err(want), "{input}");
    }
    let msg = Purl::parse("pkg:pypi/ns/name").unwrap_err().to_string();
    assert!(msg.contains("pypi") && msg.contains("namespace"), "{msg}");
    let msg = Purl::parse("pkg:n&m/foo").unwrap_err().to_string();
    assert!(msg.contains("n&m"), "{msg}");
}

#[test]
fn purl_pep503_matches_the_packaging_guide() {
    for (raw, want) in [
        ("friendly-bard", "friendly-bard"),
        ("Friendly-Bard", "friendly-bard"),
        ("FRIENDLY-BARD", "friendly-bard"),
        ("friendly.bard", "friendly-bard"),
        ("friendly_bard", "friendly-bard"),
        ("friendly--bard", "friendly-bard"),
        ("FrIeNdLy-._.-bArD", "friendly-bard"),
    ] {
        assert_eq!(pep503(raw), want);
    }
}
