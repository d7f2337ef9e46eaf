//! The scores and references of a vulnerability in the case's CSAF 2.0
//! document. CSAF 2.0 carries CVSS 3.x (`scores[].cvss_v3`, FIRST's 3.0/3.1
//! object: version, vector, base score and severity as
//! [`crate::cvss::score`] computes them, so mandatory tests 6.1.8-6.1.10
//! hold) but has no field for CVSS 4.0 (CSAF 2.1 adds `cvss_v4`): a 4.0
//! vector is told as a note with its score. One 3.x score per product
//! (mandatory test 6.1.7): 3.1 before 3.0, the first of a version.
//! References point at the public records of the ids (CVE, GitHub, OSV).

use serde_json::{Value, json};

use crate::cvss::{CvssVersion, score};

/// (`scores` entries, extra `notes` entries) for `vectors` about `products`.
pub fn scores(vectors: &[String], products: &[String]) -> (Vec<Value>, Vec<Value>) {
    let parsed: Vec<_> = vectors.iter().filter_map(|v| score(v).ok()).collect();
    let mut out = Vec::new();
    let v3 = parsed
        .iter()
        .find(|s| s.version == CvssVersion::V3_1)
        .or_else(|| parsed.iter().find(|s| s.version == CvssVersion::V3_0));
    if let Some(s) = v3
        && !products.is_empty()
    {
        out.push(json!({
            "cvss_v3": {
                "version": s.version.as_str(),
                "vectorString": s.vector,
                "baseScore": s.base_score,
                "baseSeverity": s.severity.as_str(),
            },
            "products": products,
        }));
    }
    let notes = parsed
        .iter()
        .find(|s| s.version == CvssVersion::V4_0)
        .map(|s| {
            json!({
                "category": "other",
                "title": "CVSS v4.0",
                "text": format!(
                    "{} (base score {:.1}, {}). CSAF 2.0 has no field for CVSS 4.0 scores.",
                    s.vector, s.base_score, s.severity
                ),
            })
        })
        .into_iter()
        .collect();
    (out, notes)
}

/// External references for a vulnerability's id and aliases: the CVE
/// record and NVD's page, GitHub's advisory, OSV's record; CHX ids have no
/// public page.
pub fn references(id: &str, aliases: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for a in std::iter::once(id).chain(aliases.iter().map(String::as_str)) {
        if !seen.insert(a.to_owned())
            || !a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            continue;
        }
        if a.starts_with("CVE-") {
            out.push(
                json!({"category": "external", "summary": format!("CVE record {a}"),
                            "url": format!("https://www.cve.org/CVERecord?id={a}")}),
            );
            out.push(
                json!({"category": "external", "summary": format!("NVD entry of {a}"),
                            "url": format!("https://nvd.nist.gov/vuln/detail/{a}")}),
            );
        } else if a.starts_with("GHSA-") {
            out.push(
                json!({"category": "external", "summary": format!("GitHub advisory {a}"),
                            "url": format!("https://github.com/advisories/{a}")}),
            );
        } else if !a.starts_with("CHX-") && a.contains('-') {
            out.push(
                json!({"category": "external", "summary": format!("OSV record {a}"),
                            "url": format!("https://osv.dev/vulnerability/{a}")}),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_v3_score_per_product_and_v4_as_a_note() {
        let vectors = vec![
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N".to_owned(),
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".to_owned(),
            "not a vector".to_owned(),
        ];
        let (s, notes) = scores(&vectors, &["CSAFPID-0001".to_owned()]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0]["cvss_v3"]["version"], "3.1");
        assert_eq!(s[0]["cvss_v3"]["baseScore"], 9.1);
        assert_eq!(s[0]["cvss_v3"]["baseSeverity"], "CRITICAL");
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0]["text"]
                .as_str()
                .unwrap()
                .contains("base score 9.3, CRITICAL")
        );
        let (s, _) = scores(&vectors, &[]);
        assert!(s.is_empty(), "a score names at least one product");
    }

    #[test]
    fn references_name_public_records_only() {
        let r = references(
            "CVE-2018-1000805",
            &[
                "GHSA-f8q4-jwww-x3wv".into(),
                "CHX-2026-0001".into(),
                "PYSEC-2018-22".into(),
                "CVE-2018-1000805".into(),
            ],
        );
        let urls: Vec<&str> = r.iter().map(|x| x["url"].as_str().unwrap()).collect();
        assert_eq!(
            urls,
            vec![
                "https://www.cve.org/CVERecord?id=CVE-2018-1000805",
                "https://nvd.nist.gov/vuln/detail/CVE-2018-1000805",
                "https://github.com/advisories/GHSA-f8q4-jwww-x3wv",
                "https://osv.dev/vulnerability/PYSEC-2018-22",
            ]
        );
    }
}
