//! CSAF 2.0 output for a published case: [`document`] builds a
//! `csaf_security_advisory` (or a `csaf_vex`, when only vendors' statuses
//! are told) from the case's vulnerabilities and the vendors' current
//! statements: the product tree (one product per vendor statement, with its
//! package URL or CPE as identification helper), per vulnerability its CVE
//! or CHX id, CWE (named from the catalogue), notes, product status,
//! not-affected justifications as flags, remediations (the fixed version as
//! a vendor fix, else the vendor's text), CVSS scores and references
//! (`csaf_scores.rs`), acknowledgments, the TLP (2.0's
//! labels: CLEAR is written WHITE) and the tracking with its revision
//! history. A new revision is a new document version with one more history
//! entry; nothing is edited in place. Pure: the caller gives dates and ids.

use serde_json::{Value, json};

use super::vex::VexStatus;
use crate::labels::Tlp;

/// One vendor statement, as the document tells it.
#[derive(Debug, Clone)]
pub struct CsafStatement {
    pub vulnerability: String,
    pub vendor: String,
    /// The product as the vendor named it (a package URL or CPE).
    pub product_given: String,
    /// `purl` or `cpe`.
    pub product_kind: String,
    pub versions: Vec<String>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub fixed_version: Option<String>,
    pub remediation: String,
}

/// One vulnerability of the case.
#[derive(Debug, Clone)]
pub struct CsafVulnerability {
    /// The group id (`CVE-...` or `CHX-...`) and its aliases.
    pub id: String,
    pub aliases: Vec<String>,
    pub title: String,
    pub description: String,
    /// `CWE-79`, ...
    pub cwes: Vec<String>,
    /// CVSS 3.x and 4.0 vectors from its advisories (first of a version
    /// wins; a vector that does not parse is left out).
    pub cvss_vectors: Vec<String>,
}

/// One revision of the document.
#[derive(Debug, Clone)]
pub struct Revision {
    pub number: u32,
    /// RFC 3339.
    pub date: String,
    pub summary: String,
}

/// Who publishes the documents, always as a coordinator: the CSAF
/// `publisher` of each document and of `provider-metadata.json`.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    /// An https URL naming the publisher.
    pub namespace: String,
}

impl Publisher {
    /// The CSAF `publisher` object.
    pub fn json(&self) -> Value {
        json!({"category": "coordinator", "name": self.name, "namespace": self.namespace})
    }
}

/// What a document is built from.
#[derive(Debug, Clone)]
pub struct CsafInput {
    pub tracking_id: String,
    pub title: String,
    pub publisher: Publisher,
    pub tlp: Tlp,
    /// `csaf_vex` instead of `csaf_security_advisory`.
    pub vex_only: bool,
    pub summary: String,
    pub vulnerabilities: Vec<CsafVulnerability>,
    pub statements: Vec<CsafStatement>,
    /// Organisations credited (reporters).
    pub acknowledgments: Vec<String>,
    /// Oldest first; the last is the current one.
    pub revisions: Vec<Revision>,
    /// Where the document is published (its `self` reference), when known.
    pub self_url: Option<String>,
}

fn tlp_label(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "WHITE",
        Tlp::Green => "GREEN",
        Tlp::Amber | Tlp::AmberStrict => "AMBER",
        Tlp::Red => "RED",
    }
}

/// The product name a statement stands for.
fn product_name(s: &CsafStatement) -> String {
    let base = s
        .product_given
        .split(['?', '#'])
        .next()
        .unwrap_or(&s.product_given)
        .to_owned();
    if s.versions.is_empty() {
        base
    } else {
        format!("{base} {}", s.versions.join(", "))
    }
}

/// The CSAF 2.0 document.
pub fn document(input: &CsafInput) -> Value {
    let first = input.revisions.first();
    let last = input.revisions.last();
    let mut products = Vec::new();
    let mut ids: Vec<(usize, String)> = Vec::new();
    for (i, s) in input.statements.iter().enumerate() {
        let id = format!("CSAFPID-{:04}", i + 1);
        let helper = if s.product_kind == "cpe" {
            json!({"cpe": s.product_given})
        } else {
            json!({"purl": s.product_given})
        };
        products.push(
            json!({"name": format!("{} {}", s.vendor, product_name(s)).trim(),
                             "product_id": id, "product_identification_helper": helper}),
        );
        ids.push((i, id));
    }
    let mut vulns = Vec::new();
    for v in &input.vulnerabilities {
        let mine: Vec<(&CsafStatement, &String)> = ids
            .iter()
            .filter_map(|(i, id)| input.statements.get(*i).map(|s| (s, id)))
            .filter(|(s, _)| s.vulnerability == v.id)
            .collect();
        let with = |st: VexStatus| -> Vec<String> {
            mine.iter()
                .filter(|(s, _)| s.status == st)
                .map(|(_, id)| (*id).clone())
                .collect()
        };
        let mut status = serde_json::Map::new();
        for (key, st) in [
            ("known_affected", VexStatus::Affected),
            ("known_not_affected", VexStatus::NotAffected),
            ("fixed", VexStatus::Fixed),
            ("under_investigation", VexStatus::UnderInvestigation),
        ] {
            let list = with(st);
            if !list.is_empty() {
                status.insert(key.into(), json!(list));
            }
        }
        let mut flags = Vec::new();
        let mut remediations = Vec::new();
        for (s, id) in &mine {
            match s.status {
                VexStatus::NotAffected => {
                    if let Some(j) = &s.justification {
                        flags.push(json!({"label": j, "product_ids": [id]}));
                    }
                }
                VexStatus::Fixed => {
                    let fixed = s.fixed_version.clone().unwrap_or_default();
                    let details = if s.remediation.is_empty() {
                        format!("Update to version {fixed} or later.")
                    } else {
                        s.remediation.clone()
                    };
                    remediations.push(
                        json!({"category": "vendor_fix", "details": details, "product_ids": [id]}),
                    );
                }
                VexStatus::Affected => {
                    let (category, details) = if s.remediation.is_empty() {
                        ("none_available", "No fix is available yet.".to_owned())
                    } else {
                        ("mitigation", s.remediation.clone())
                    };
                    remediations.push(
                        json!({"category": category, "details": details, "product_ids": [id]}),
                    );
                }
                VexStatus::UnderInvestigation => {}
            }
        }
        let cve = std::iter::once(&v.id)
            .chain(v.aliases.iter())
            .find(|a| a.starts_with("CVE-"));
        let others: Vec<Value> = std::iter::once(&v.id)
            .chain(v.aliases.iter())
            .filter(|a| Some(*a) != cve)
            .map(|a| json!({"system_name": system_of(a), "text": a}))
            .collect();
        let mut out = serde_json::Map::new();
        if let Some(c) = cve {
            out.insert("cve".into(), json!(c));
        }
        if !others.is_empty() {
            out.insert("ids".into(), json!(others));
        }
        if let Some((cwe, name)) = v
            .cwes
            .iter()
            .find_map(|c| crate::advisory::cwe_name(c).map(|n| (c, n)))
        {
            out.insert("cwe".into(), json!({"id": cwe, "name": name}));
        }
        let description = if v.description.trim().is_empty() {
            &v.title
        } else {
            &v.description
        };
        out.insert(
            "notes".into(),
            json!([{"category": "description", "text": description}]),
        );
        if !v.title.trim().is_empty() {
            out.insert("title".into(), json!(v.title));
        }
        out.insert("product_status".into(), Value::Object(status));
        if !flags.is_empty() {
            out.insert("flags".into(), json!(flags));
        }
        if !remediations.is_empty() {
            out.insert("remediations".into(), json!(remediations));
        }
        let scored: Vec<String> = mine
            .iter()
            .filter(|(s, _)| s.status != VexStatus::NotAffected)
            .map(|(_, id)| (*id).clone())
            .collect();
        let (scores, v4_notes) = super::csaf_scores::scores(&v.cvss_vectors, &scored);
        if !scores.is_empty() {
            out.insert("scores".into(), json!(scores));
        }
        if let Some(Value::Array(notes)) = out.get_mut("notes") {
            notes.extend(v4_notes);
        }
        let refs = super::csaf_scores::references(&v.id, &v.aliases);
        if !refs.is_empty() {
            out.insert("references".into(), json!(refs));
        }
        vulns.push(Value::Object(out));
    }
    let history: Vec<Value> = input
        .revisions
        .iter()
        .map(|r| json!({"date": r.date, "number": r.number.to_string(), "summary": r.summary}))
        .collect();
    let mut doc = json!({
        "document": {
            "category": if input.vex_only { "csaf_vex" } else { "csaf_security_advisory" },
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": tlp_label(input.tlp)}},
            "lang": "en",
            "notes": [{"category": "summary", "text": if input.summary.trim().is_empty() { &input.title } else { &input.summary }}],
            "publisher": input.publisher.json(),
            "title": input.title,
            "tracking": {
                "current_release_date": last.map(|r| r.date.clone()),
                "id": input.tracking_id,
                "initial_release_date": first.map(|r| r.date.clone()),
                "revision_history": history,
                "status": "final",
                "version": last.map_or_else(|| "1".to_owned(), |r| r.number.to_string()),
            }
        },
        "product_tree": {"full_product_names": products},
        "vulnerabilities": vulns,
    });
    if let Some(url) = &input.self_url {
        doc["document"]["references"] = json!([{"category": "self", "summary": "This advisory in the provider's CSAF feed", "url": url}]);
    }
    if !input.acknowledgments.is_empty() {
        doc["document"]["acknowledgments"] = json!([{"organization": input.acknowledgments.join(", "),
                                                      "summary": "reported the vulnerability"}]);
    }
    doc
}

fn system_of(id: &str) -> &'static str {
    if id.starts_with("CHX-") {
        "Clearinghouse"
    } else if id.starts_with("GHSA-") {
        "GitHub Security Advisories"
    } else {
        "Clearinghouse group"
    }
}
