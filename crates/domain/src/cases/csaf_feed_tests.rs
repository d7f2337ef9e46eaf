//! Tests of the feed's pure parts: the OASIS file name examples, the
//! provider metadata against the official schema, the listings, and each
//! kind of damage `check_entry` reports.

use super::*;
use crate::openpgp::PgpSigner;

fn publisher() -> Publisher {
    Publisher {
        name: "Clearinghouse".into(),
        namespace: "https://ch.example".into(),
    }
}

#[test]
fn file_names_follow_the_oasis_examples() {
    assert_eq!(file_name("CHX-CASE-0190f2a1"), "chx-case-0190f2a1.json");
    assert_eq!(file_name("Example / ID  1"), "example_id_1.json");
    let Some(dir) = crate::test_data::sub_dir("oasis-csaf/csaf_2.0/test/filenames/data/valid")
    else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let id = doc["document"]["tracking"]["id"].as_str().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(file_name(id), name);
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn provider_metadata_is_valid_against_the_official_schema() {
    let m = provider_metadata(
        "https://ch.example/.well-known/csaf",
        &publisher(),
        &"AB".repeat(20),
        "2026-12-06T10:00:00Z",
    );
    assert_eq!(m["role"], "csaf_trusted_provider");
    assert_eq!(
        m["public_openpgp_keys"][0]["url"],
        format!(
            "https://ch.example/.well-known/csaf/openpgp/{}.asc",
            "AB".repeat(20)
        )
    );
    assert_eq!(m["distributions"].as_array().unwrap().len(), 3);
    let Some(v) = crate::advisory::schema_tests::csaf_provider_validator() else {
        return;
    };
    let errors: Vec<String> = v.iter_errors(&m).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut bad = m.clone();
    bad["role"] = json!("csaf_trusted_publisher");
    assert!(!v.is_valid(&bad), "the schema check can fail");
}

fn entry(id: &str, initial: &str, current: &str) -> FeedEntry {
    FeedEntry {
        tracking_id: id.into(),
        title: format!("Advisory {id}"),
        initial_release_date: initial.into(),
        current_release_date: current.into(),
        ..Default::default()
    }
}

#[test]
fn rolie_service_and_category_documents() {
    let base = "https://ch.example/.well-known/csaf";
    let svc = rolie_service(base, "Clearinghouse");
    let collections = svc["service"]["workspace"][0]["collection"]
        .as_array()
        .unwrap();
    let hrefs: Vec<&str> = collections
        .iter()
        .map(|c| c["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            "https://ch.example/.well-known/csaf/white/feed-tlp-white.json",
            "https://ch.example/.well-known/csaf/green/feed-tlp-green.json",
            "https://ch.example/.well-known/csaf/amber/feed-tlp-amber.json",
        ]
    );
    assert_eq!(
        collections[0]["categories"]["category"][0]["scheme"],
        INFORMATION_TYPE
    );
    // The provider metadata names both, per distribution.
    let m = provider_metadata(base, &publisher(), "AB", "2026");
    let rolie = &m["distributions"][1]["rolie"];
    assert_eq!(rolie["services"][0], service_url(base));
    assert_eq!(
        rolie["categories"][0],
        "https://ch.example/.well-known/csaf/green/category-tlp-green.json"
    );

    let doc = json!({
        "document": {"category": "csaf_security_advisory"},
        "product_tree": {"branches": [{"category": "vendor", "name": "Paramiko Maintainers",
            "branches": [{"category": "product_name", "name": "paramiko",
                "branches": [{"category": "product_version", "name": "2.4.1"}]}]}]}
    });
    let cats = document_categories(&doc);
    assert_eq!(
        cats,
        vec![
            (
                "document_category".to_owned(),
                "csaf_security_advisory".to_owned()
            ),
            ("product_name".to_owned(), "paramiko".to_owned()),
            ("vendor".to_owned(), "Paramiko Maintainers".to_owned()),
        ]
    );
    let mut e1 = entry("CHX-CASE-1", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    e1.categories = cats.clone();
    let mut e2 = entry("CHX-CASE-2", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    e2.categories = vec![("vendor".into(), "Paramiko Maintainers".into())];
    let doc = rolie_categories(base, &[e1.clone(), e2]);
    let terms: Vec<&str> = doc["categories"]["category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["term"].as_str().unwrap())
        .collect();
    assert_eq!(
        terms,
        [
            "csaf",
            "csaf_security_advisory",
            "paramiko",
            "Paramiko Maintainers"
        ],
        "the union, once each"
    );
    let feed = rolie_feed(base, "white", "WHITE", &[e1], "2026-01-01T00:00:00Z");
    let entry_cats = feed["feed"]["entry"][0]["category"].as_array().unwrap();
    assert_eq!(entry_cats.len(), 4);
    assert_eq!(
        entry_cats[3]["scheme"],
        "https://ch.example/.well-known/csaf/categories/vendor"
    );
}

#[test]
fn security_txt_has_the_required_fields_and_the_csaf_line() {
    let t = security_txt(
        "mailto:security@ch.example",
        "2027-06-01T00:00:00Z",
        "https://ch.example",
        "https://ch.example/.well-known/csaf",
    );
    let field = |name: &str| {
        t.lines()
            .filter_map(|l| l.strip_prefix(&format!("{name}: ")))
            .collect::<Vec<_>>()
    };
    assert_eq!(field("Contact"), ["mailto:security@ch.example"]);
    assert_eq!(
        field("Expires"),
        ["2027-06-01T00:00:00Z"],
        "exactly once (RFC 9116 2.5.5)"
    );
    assert_eq!(
        field("Canonical"),
        ["https://ch.example/.well-known/security.txt"]
    );
    assert_eq!(
        field("Policy"),
        ["https://ch.example/.well-known/security-policy.txt"]
    );
    assert_eq!(
        field("CSAF"),
        ["https://ch.example/.well-known/csaf/provider-metadata.json"]
    );
    assert!(t.ends_with('\n'));
}

#[test]
fn listings_name_paths_by_initial_year_and_sort_changes_newest_first() {
    let e = vec![
        entry("CHX-CASE-a", "2025-12-31T23:00:00Z", "2026-02-01T00:00:00Z"),
        entry("CHX-CASE-b", "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z"),
    ];
    assert_eq!(
        index_txt(&e),
        "2025/chx-case-a.json\n2026/chx-case-b.json\n"
    );
    assert_eq!(
        changes_csv(&e),
        "\"2025/chx-case-a.json\",\"2026-02-01T00:00:00Z\"\n\"2026/chx-case-b.json\",\"2026-01-05T00:00:00Z\"\n"
    );
    let f = rolie_feed(
        "https://x/.well-known/csaf",
        "white",
        "WHITE",
        &e,
        "2026-02-01T00:00:00Z",
    );
    let links = &f["feed"]["entry"][0]["link"];
    assert_eq!(
        links[0]["href"],
        "https://x/.well-known/csaf/white/2025/chx-case-a.json"
    );
    assert_eq!(links[3]["rel"], "signature");
    assert_eq!(f["feed"]["category"][0]["term"], "csaf");
}

/// A small document that passes the schema and the mandatory tests.
fn doc(id: &str, label: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "document": {
            "category": "csaf_base", "csaf_version": "2.0",
            "distribution": {"tlp": {"label": label}},
            "publisher": {"category": "coordinator", "name": "Clearinghouse", "namespace": "https://ch.example"},
            "title": "t",
            "tracking": {"current_release_date": "2026-01-05T00:00:00Z", "id": id,
                "initial_release_date": "2026-01-05T00:00:00Z",
                "revision_history": [{"date": "2026-01-05T00:00:00Z", "number": "1", "summary": "Initial"}],
                "status": "final", "version": "1"}
        }
    }))
    .unwrap()
}

#[test]
fn check_entry_finds_each_kind_of_damage() {
    let signer = PgpSigner::new([3u8; 32], 1_767_225_600, "test");
    let key = signer.public();
    let good = doc("CHX-CASE-b", "WHITE");
    let (s256, s512) = hash_files("chx-case-b.json", &good);
    let sig = signer.sign_detached(&good, 1_767_225_601);
    let files =
        |d: &'static [u8], a: &'static [u8], b: &'static [u8], s: &'static [u8]| EntryFiles {
            path: "2026/chx-case-b.json",
            folder_label: "WHITE",
            document: d,
            sha256: Some(a),
            sha512: Some(b),
            signature: Some(s),
        };
    let leak = |v: Vec<u8>| -> &'static [u8] { Box::leak(v.into_boxed_slice()) };
    let (g, a, b, s) = (
        leak(good.clone()),
        leak(s256.into_bytes()),
        leak(s512.into_bytes()),
        leak(sig.into_bytes()),
    );
    assert_eq!(check_entry(&files(g, a, b, s), &key), Vec::<String>::new());

    // A tampered document: both hashes and the signature say so.
    let mut t = good.clone();
    let at = t.windows(3).position(|w| w == b"\"t\"").unwrap();
    t[at + 1] = b'T';
    let p = check_entry(&files(leak(t), a, b, s), &key);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].contains(".sha256: the hash does not match"), "{p:?}");
    assert!(p[2].contains(".asc: signature check failed"), "{p:?}");

    // A tampered hash file alone.
    let p = check_entry(
        &files(g, leak(b"00  chx-case-b.json\n".to_vec()), b, s),
        &key,
    );
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("2026/chx-case-b.json.sha256"), "{p:?}");

    // A signature by another key.
    let other = PgpSigner::new([4u8; 32], 1_767_225_600, "other").sign_detached(&good, 1);
    let p = check_entry(&files(g, a, b, leak(other.into_bytes())), &key);
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("not by the published key"), "{p:?}");

    // A document in the wrong TLP folder, under the wrong name.
    let amber = doc("CHX-CASE-c", "AMBER");
    let (x, y) = hash_files("chx-case-b.json", &amber);
    let sig = signer.sign_detached(&amber, 1);
    let p = check_entry(
        &files(
            leak(amber),
            leak(x.into_bytes()),
            leak(y.into_bytes()),
            leak(sig.into_bytes()),
        ),
        &key,
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].contains("file name should be chx-case-c.json"),
        "{p:?}"
    );
    assert!(
        p[1].contains("TLP:AMBER document in the TLP:WHITE folder"),
        "{p:?}"
    );

    // Not CSAF at all.
    let junk = b"{\"document\": 1}";
    let (x, y) = hash_files("chx-case-b.json", junk);
    let sig = signer.sign_detached(junk, 1);
    let p = check_entry(
        &files(
            junk,
            leak(x.into_bytes()),
            leak(y.into_bytes()),
            leak(sig.into_bytes()),
        ),
        &key,
    );
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("not a valid CSAF 2.0 document"), "{p:?}");
}
