//! CSAF 2.0 documents (<https://docs.oasis-open.org/csaf/csaf/v2.0/>) to one
//! [`Advisory`] per vulnerability.
//!
//! Identity: every advisory of a document has the document's
//! `document.tracking.id` as its id and `document.publisher.namespace` as its
//! publisher; `vuln_ref` tells the document's vulnerabilities apart (the
//! `cve`, else `#<n>`, `n` from 1). The CVE is an alias, so the advisory
//! joins the CVE's vulnerability group; the tracking id is not (it names a
//! document covering many vulnerabilities).
//!
//! Products and their statuses map to package identities and versions as
//! `csaf_products` describes; the products that map to nothing are counted
//! in `unmapped_products`. `ids[].text` that look like ids (letters, digits
//! and `-`, e.g. `GHSA-...`) are aliases. `notes` of category
//! `summary` give the summary (else the title), of category `description` the details;
//! `scores[].cvss_v3` / `cvss_v4` give vectors; `cwe` (and CSAF 2.1 `cwes`) the CWE.
//! `published` is the vulnerability's `release_date`, else the document's initial
//! release; `modified` the document's current release.
//!
//! Before any of that, the document must pass the schema and the mandatory tests
//! of CSAF 2.0 section 6.1 (`csaf_checks`), and its titles the text rule.

use serde::Deserialize;

use super::csaf_products::{ProductStatus, ProductTree, apply, products};
use super::{
    Advisory, AdvisoryError, MAX_LIST, Source, check_len, drop_self, from_json, nullable,
    push_cvss, push_cwe, push_unique,
};

const FORMAT: &str = "CSAF";

#[derive(Deserialize)]
struct Csaf {
    document: DocumentMeta,
    #[serde(default)]
    product_tree: Option<ProductTree>,
    #[serde(default, deserialize_with = "nullable")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize)]
struct DocumentMeta {
    #[serde(default)]
    csaf_version: Option<String>,
    #[serde(default)]
    publisher: Option<Publisher>,
    #[serde(default)]
    tracking: Option<Tracking>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<Reference>,
}

#[derive(Deserialize)]
struct Publisher {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Tracking {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    initial_release_date: Option<String>,
    #[serde(default)]
    current_release_date: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Vulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    cwe: Option<Cwe>,
    #[serde(default, deserialize_with = "nullable")]
    cwes: Vec<Cwe>,
    #[serde(default, deserialize_with = "nullable")]
    ids: Vec<VulnId>,
    #[serde(default, deserialize_with = "nullable")]
    notes: Vec<Note>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    product_status: Option<ProductStatus>,
    #[serde(default, deserialize_with = "nullable")]
    scores: Vec<Score>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<Reference>,
}

#[derive(Deserialize)]
struct Cwe {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct VulnId {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Note {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Score {
    #[serde(default)]
    cvss_v3: Option<Cvss>,
    #[serde(default)]
    cvss_v4: Option<Cvss>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cvss {
    #[serde(default)]
    vector_string: Option<String>,
}

/// Reads a CSAF 2.0 document: one advisory per entry of `vulnerabilities`.
pub fn parse_csaf(bytes: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let value: serde_json::Value = from_json(FORMAT, bytes)?;
    super::csaf_checks::check(&value)?;
    check_titles(&value)?;
    let doc: Csaf = from_json(FORMAT, bytes)?;
    match doc.document.csaf_version.as_deref() {
        Some(v) if v.starts_with("2.") => {}
        other => {
            return Err(AdvisoryError::field_error(
                FORMAT,
                "document.csaf_version",
                format!("expected 2.0, found {other:?}"),
            ));
        }
    }
    let tracking = doc.document.tracking.as_ref();
    let tracking_id = tracking
        .and_then(|t| t.id.as_deref())
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| AdvisoryError::field_error(FORMAT, "document.tracking.id", "required"))?;
    check_len(
        FORMAT,
        || "vulnerabilities".into(),
        &doc.vulnerabilities,
        MAX_LIST,
    )?;
    let products = products(doc.product_tree.as_ref())?;
    let publisher = publisher_of(doc.document.publisher.as_ref());

    let mut out: Vec<Advisory> = Vec::with_capacity(doc.vulnerabilities.len());
    for (n, v) in doc.vulnerabilities.iter().enumerate() {
        let cve = v.cve.as_deref().map(str::trim).filter(|c| !c.is_empty());
        // A CVE named twice in one document keeps both, the second by number.
        let vuln_ref = match cve {
            Some(cve) if !out.iter().any(|a| a.vuln_ref == cve) => cve.to_owned(),
            _ => format!("#{}", n + 1),
        };
        let mut a = Advisory {
            id: tracking_id.trim().to_owned(),
            source: Source::Csaf,
            publisher: publisher.clone(),
            vuln_ref,
            unmapped_products: 0,
            aliases: Vec::new(),
            summary: note(&v.notes, "summary")
                .or(v.title.clone())
                .unwrap_or_default(),
            details: note(&v.notes, "description").unwrap_or_default(),
            published: v
                .release_date
                .clone()
                .or_else(|| tracking.and_then(|t| t.initial_release_date.clone())),
            modified: tracking.and_then(|t| t.current_release_date.clone()),
            withdrawn: None,
            cvss_vectors: Vec::new(),
            cwes: Vec::new(),
            ssvc: None,
            references: Vec::new(),
            affected: Vec::new(),
            cpes: Vec::new(),
            cpe_affected: Vec::new(),
        };
        for i in &v.ids {
            let text = i.text.as_deref().unwrap_or_default().trim();
            let id_like = text.contains('-')
                && text.bytes().any(|b| b.is_ascii_alphabetic())
                && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if id_like {
                push_unique(&mut a.aliases, text);
            }
        }
        if let Some(cve) = cve {
            push_unique(&mut a.aliases, cve);
        }
        drop_self(&mut a.aliases, &a.id.clone());
        for s in &v.scores {
            for c in [&s.cvss_v3, &s.cvss_v4].into_iter().flatten() {
                push_cvss(
                    &mut a.cvss_vectors,
                    c.vector_string.as_deref().unwrap_or_default(),
                );
            }
        }
        for c in v.cwe.iter().chain(&v.cwes) {
            push_cwe(&mut a.cwes, c.id.as_deref().unwrap_or_default());
        }
        for r in v.references.iter().chain(&doc.document.references) {
            push_unique(&mut a.references, r.url.as_deref().unwrap_or_default());
        }
        if let Some(status) = &v.product_status {
            a.unmapped_products = apply(&mut a, &products, status);
        }
        check_len(
            FORMAT,
            || format!("vulnerabilities[{n}].affected"),
            &a.affected,
            super::MAX_AFFECTED,
        )?;
        let notes = format!("vulnerabilities[{n}].notes");
        super::check_text(FORMAT, &a, &notes, &notes)?;
        out.push(a);
    }
    Ok(out)
}

/// The document's and each vulnerability's title hold no control or bidi
/// characters ([`crate::text`]).
fn check_titles(doc: &serde_json::Value) -> Result<(), AdvisoryError> {
    let titles = std::iter::once(("document.title".to_owned(), doc.pointer("/document/title")))
        .chain(
            doc.get("vulnerabilities")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, v)| (format!("vulnerabilities[{i}].title"), v.get("title"))),
        );
    for (field, title) in titles {
        if let Some(t) = title.and_then(serde_json::Value::as_str) {
            crate::text::check_line(&field, t)
                .map_err(|e| AdvisoryError::field_error(FORMAT, field.clone(), e.to_string()))?;
        }
    }
    Ok(())
}

/// The text of the notes of `category`, joined by blank lines.
fn note(notes: &[Note], category: &str) -> Option<String> {
    let texts: Vec<&str> = notes
        .iter()
        .filter(|n| n.category.as_deref() == Some(category))
        .filter_map(|n| n.text.as_deref())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// The publisher's namespace without its scheme and trailing `/`
/// (`https://www.cisa.gov/` → `www.cisa.gov`), else its name, else `csaf`.
fn publisher_of(p: Option<&Publisher>) -> String {
    let namespace = p
        .and_then(|p| p.namespace.as_deref())
        .map(|n| {
            let n = n.trim();
            let n = n.split_once("://").map_or(n, |(_, rest)| rest);
            n.trim_end_matches('/').to_owned()
        })
        .filter(|n| !n.is_empty());
    namespace
        .or_else(|| p.and_then(|p| p.name.clone()))
        .unwrap_or_else(|| "csaf".to_owned())
}
