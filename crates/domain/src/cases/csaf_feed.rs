//! The CSAF 2.0 trusted-provider feed (section 7) as pure functions: the
//! file name rule (5.1), where a document lives (`<tlp>/<year>/<name>.json`,
//! requirement 11, the year of its initial release), `index.txt` (12),
//! `changes.csv` (13), the ROLIE feed per TLP (15, with hash and signature
//! links, 18/19), `provider-metadata.json` (7, role
//! `csaf_trusted_provider` with the public OpenPGP key, 20), the hash files
//! (18, `sha256sum` format), the ROLIE service document (7.1.20,
//! [`rolie_service`]) and each folder's ROLIE category document (7.1.21,
//! [`rolie_categories`]: the information type, and the document category,
//! vendors and product names of its documents, [`document_categories`]),
//! `security.txt` (RFC 9116, with the `CSAF:` field of requirement 8,
//! [`security_txt`]), and [`check_entry`]: what `csaf verify` checks of one
//! listed document. The caller fetches bytes; no IO here.

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

use super::csaf_out::Publisher;
use crate::labels::Tlp;
use crate::openpgp::PgpPublicKey;

/// The TLPs the feed distributes, with their folder and CSAF 2.0 label.
/// TLP:RED documents are never put in a feed.
pub const FEED_TLPS: [(&str, &str); 3] =
    [("white", "WHITE"), ("green", "GREEN"), ("amber", "AMBER")];

/// The feed folder of a TLP; None for RED (not distributed).
pub fn tlp_dir(tlp: Tlp) -> Option<&'static str> {
    match tlp {
        Tlp::Clear => Some("white"),
        Tlp::Green => Some("green"),
        Tlp::Amber | Tlp::AmberStrict => Some("amber"),
        Tlp::Red => None,
    }
}

/// CSAF 5.1: the tracking id in lower case, each run of characters other
/// than `+`, `-`, `a-z`, `0-9` replaced by `_`, then `.json`.
pub fn file_name(tracking_id: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in tracking_id.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out.push_str(".json");
    out
}

/// One published document, as the feed lists it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedEntry {
    pub tracking_id: String,
    pub title: String,
    /// RFC 3339.
    pub initial_release_date: String,
    pub current_release_date: String,
    /// Its ROLIE categories: (kind, term), [`document_categories`].
    pub categories: Vec<(String, String)>,
}

/// The ROLIE information type of every entry (RFC 8322, CSAF 7.1.15).
pub const INFORMATION_TYPE: &str = "urn:ietf:params:rolie:category:information-type";

/// The scheme of a category kind (`document_category`, `vendor`,
/// `product_name`): the provider's own URI for it.
pub fn category_scheme(base: &str, kind: &str) -> String {
    format!("{base}/categories/{kind}")
}

/// Most categories taken from one document.
const MAX_CATEGORIES: usize = 200;

/// The categories a CSAF document is found by (CSAF 7.1.21): its
/// `document.category`, and the `vendor` and `product_name` branch names
/// of its product tree, as (kind, term), sorted, without duplicates.
pub fn document_categories(doc: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(c) = doc.pointer("/document/category").and_then(Value::as_str) {
        out.push(("document_category".into(), c.to_owned()));
    }
    let mut stack: Vec<&Value> = doc
        .pointer("/product_tree/branches")
        .and_then(Value::as_array)
        .map(|b| b.iter().collect())
        .unwrap_or_default();
    let mut visited = 0;
    while let Some(b) = stack.pop() {
        visited += 1;
        if visited > 10_000 || out.len() >= MAX_CATEGORIES {
            break;
        }
        let kind = b.get("category").and_then(Value::as_str);
        if let (Some(k @ ("vendor" | "product_name")), Some(name)) =
            (kind, b.get("name").and_then(Value::as_str))
        {
            out.push((k.to_owned(), name.to_owned()));
        }
        if let Some(children) = b.get("branches").and_then(Value::as_array) {
            stack.extend(children);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn category_json(base: &str, categories: &[(String, String)]) -> Vec<Value> {
    std::iter::once(json!({"scheme": INFORMATION_TYPE, "term": "csaf"}))
        .chain(
            categories
                .iter()
                .map(|(k, t)| json!({"scheme": category_scheme(base, k), "term": t})),
        )
        .collect()
}

impl FeedEntry {
    /// The path below the TLP folder: `<year>/<file name>`.
    pub fn path(&self) -> String {
        let year = self.initial_release_date.get(..4).unwrap_or("0000");
        format!("{year}/{}", file_name(&self.tracking_id))
    }
}

/// `index.txt`: every document's path, one per line.
pub fn index_txt(entries: &[FeedEntry]) -> String {
    let mut paths: Vec<String> = entries.iter().map(FeedEntry::path).collect();
    paths.sort();
    paths.iter().map(|p| format!("{p}\n")).collect()
}

/// `changes.csv`: `"path","current release date"`, newest first.
pub fn changes_csv(entries: &[FeedEntry]) -> String {
    let mut rows: Vec<(&str, String)> = entries
        .iter()
        .map(|e| (e.current_release_date.as_str(), e.path()))
        .collect();
    rows.sort_by(|a, b| b.0.cmp(a.0).then_with(|| a.1.cmp(&b.1)));
    rows.iter()
        .map(|(date, path)| format!("\"{path}\",\"{date}\"\n"))
        .collect()
}

/// The ROLIE feed (RFC 8322 in JSON, CSAF 7.1.15) of one TLP folder;
/// `base` is the `.well-known/csaf` URL without a trailing slash.
pub fn rolie_feed(
    base: &str,
    dir: &str,
    label: &str,
    entries: &[FeedEntry],
    updated: &str,
) -> Value {
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let url = format!("{base}/{dir}/{}", e.path());
            json!({
                "id": e.tracking_id,
                "title": e.title,
                "link": [
                    {"rel": "self", "href": url},
                    {"rel": "hash", "href": format!("{url}.sha256")},
                    {"rel": "hash", "href": format!("{url}.sha512")},
                    {"rel": "signature", "href": format!("{url}.asc")},
                ],
                "published": e.initial_release_date,
                "updated": e.current_release_date,
                "summary": {"content": e.title},
                "content": {"type": "application/json", "src": url},
                "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
                           "version": "2.0"},
                "category": category_json(base, &e.categories),
            })
        })
        .collect();
    json!({"feed": {
        "id": format!("clearinghouse-csaf-feed-tlp-{dir}"),
        "title": format!("Clearinghouse CSAF feed (TLP:{label})"),
        "link": [{"rel": "self", "href": feed_url(base, dir)}],
        "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
        "updated": updated,
        "entry": items,
    }})
}

/// Where the ROLIE feed of a TLP folder is.
pub fn feed_url(base: &str, dir: &str) -> String {
    format!("{base}/{dir}/feed-tlp-{dir}.json")
}

/// Where the ROLIE service document is (CSAF 7.1.20).
pub fn service_url(base: &str) -> String {
    format!("{base}/service.json")
}

/// Where the ROLIE category document of a TLP folder is (CSAF 7.1.21).
pub fn category_url(base: &str, dir: &str) -> String {
    format!("{base}/{dir}/category-tlp-{dir}.json")
}

/// The ROLIE service document (RFC 8322 section 5 in JSON, CSAF 7.1.20):
/// one workspace whose collections are the feeds of every TLP folder.
pub fn rolie_service(base: &str, publisher_name: &str) -> Value {
    let collections: Vec<Value> = FEED_TLPS
        .iter()
        .map(|(dir, label)| {
            json!({
                "title": format!("{publisher_name} CSAF feed (TLP:{label})"),
                "href": feed_url(base, dir),
                "categories": {"category": [{"scheme": INFORMATION_TYPE, "term": "csaf"}]},
            })
        })
        .collect();
    json!({"service": {"workspace": [{
        "title": format!("{publisher_name} CSAF advisories"),
        "collection": collections,
    }]}})
}

/// The ROLIE category document of a TLP folder (RFC 8322 section 5 in
/// JSON, CSAF 7.1.21): the information type and every category of its
/// documents (their union, sorted).
pub fn rolie_categories(base: &str, entries: &[FeedEntry]) -> Value {
    let mut all: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| e.categories.iter().cloned())
        .collect();
    all.sort();
    all.dedup();
    json!({"categories": {"category": category_json(base, &all)}})
}

/// `/.well-known/security.txt` (RFC 9116): how to report a vulnerability
/// to this provider, with the `CSAF:` field of CSAF 2.0 requirement 8
/// pointing to its `provider-metadata.json`. `expires` is RFC 3339.
pub fn security_txt(contact: &str, expires: &str, public_url: &str, base: &str) -> String {
    format!(
        "# Vulnerability reports to this clearinghouse (RFC 9116).\n\
         Contact: {contact}\n\
         Expires: {expires}\n\
         Canonical: {public_url}/.well-known/security.txt\n\
         Policy: {public_url}/.well-known/security-policy.txt\n\
         Preferred-Languages: en\n\
         CSAF: {base}/provider-metadata.json\n"
    )
}

/// `provider-metadata.json` (CSAF 7.1.7): one distribution per TLP, each
/// a directory and a ROLIE feed with its category document and the
/// service document; the public key by fingerprint and URL.
pub fn provider_metadata(
    base: &str,
    publisher: &Publisher,
    fingerprint: &str,
    last_updated: &str,
) -> Value {
    let distributions: Vec<Value> = FEED_TLPS
        .iter()
        .map(|(dir, label)| {
            json!({
                "directory_url": format!("{base}/{dir}"),
                "rolie": {
                    "categories": [category_url(base, dir)],
                    "feeds": [{
                        "summary": format!("All TLP:{label} advisories of {}.", publisher.name),
                        "tlp_label": label,
                        "url": feed_url(base, dir),
                    }],
                    "services": [service_url(base)],
                },
            })
        })
        .collect();
    json!({
        "canonical_url": format!("{base}/provider-metadata.json"),
        "distributions": distributions,
        "last_updated": last_updated,
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "public_openpgp_keys": [{"fingerprint": fingerprint, "url": key_url(base, fingerprint)}],
        "publisher": publisher.json(),
        "role": "csaf_trusted_provider",
    })
}

/// Where the public key is served.
pub fn key_url(base: &str, fingerprint: &str) -> String {
    format!("{base}/openpgp/{fingerprint}.asc")
}

/// The `.sha256` / `.sha512` file of a document (`sha256sum` format).
pub fn hash_files(name: &str, bytes: &[u8]) -> (String, String) {
    (
        format!("{}  {name}\n", hex::encode(Sha256::digest(bytes))),
        format!("{}  {name}\n", hex::encode(Sha512::digest(bytes))),
    )
}

/// The files of one listed document, as fetched.
pub struct EntryFiles<'a> {
    /// The path below the TLP folder (`2026/chx-case-1.json`).
    pub path: &'a str,
    /// The CSAF label the folder is for (`WHITE`, ...).
    pub folder_label: &'a str,
    pub document: &'a [u8],
    pub sha256: Option<&'a [u8]>,
    pub sha512: Option<&'a [u8]>,
    pub signature: Option<&'a [u8]>,
}

/// What is wrong with one listed document, each problem a sentence naming
/// the file: hashes (18), the OpenPGP signature against the provider's key
/// (19), the schema and mandatory tests (1), the file name (2), its folder
/// year (11) and TLP. Empty when it is sound.
pub fn check_entry(f: &EntryFiles<'_>, key: &PgpPublicKey) -> Vec<String> {
    let mut problems = Vec::new();
    let name = f.path.rsplit('/').next().unwrap_or(f.path);
    for (ext, want, file) in [
        ("sha256", hex::encode(Sha256::digest(f.document)), f.sha256),
        ("sha512", hex::encode(Sha512::digest(f.document)), f.sha512),
    ] {
        match file {
            None => problems.push(format!("{}.{ext}: missing", f.path)),
            Some(bytes) => {
                let text = String::from_utf8_lossy(bytes);
                let stated = text.split_whitespace().next().unwrap_or("").to_lowercase();
                if stated != want {
                    problems.push(format!(
                        "{}.{ext}: the hash does not match the document (file says {}, document is {want})",
                        f.path,
                        if stated.is_empty() { "nothing" } else { stated.as_str() }
                    ));
                }
            }
        }
    }
    match f.signature {
        None => problems.push(format!("{}.asc: missing", f.path)),
        Some(sig) => {
            if let Err(e) = key.verify(f.document, sig) {
                problems.push(format!("{}.asc: signature check failed: {e}", f.path));
            }
        }
    }
    match crate::advisory::parse_csaf(f.document) {
        Err(e) => problems.push(format!("{}: not a valid CSAF 2.0 document: {e}", f.path)),
        Ok(_) => {
            let doc: Value = serde_json::from_slice(f.document).unwrap_or(Value::Null);
            let tracking = &doc["document"]["tracking"];
            let id = tracking["id"].as_str().unwrap_or("");
            if file_name(id) != name {
                problems.push(format!(
                    "{}: the file name should be {} for tracking id {id} (CSAF 5.1)",
                    f.path,
                    file_name(id)
                ));
            }
            let year = tracking["initial_release_date"]
                .as_str()
                .unwrap_or("")
                .get(..4);
            if year != f.path.split('/').next() {
                problems.push(format!(
                    "{}: is not in the folder of its initial release year ({})",
                    f.path,
                    year.unwrap_or("none")
                ));
            }
            let label = doc["document"]["distribution"]["tlp"]["label"]
                .as_str()
                .unwrap_or("");
            if label != f.folder_label {
                problems.push(format!(
                    "{}: TLP:{label} document in the TLP:{} folder",
                    f.path, f.folder_label
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
#[path = "csaf_feed_tests.rs"]
mod tests;
