//! NVD CVE API 2.0 records to [`Advisory`]: a response of the API
//! (`{"format": "NVD_CVE", "vulnerabilities": [{"cve": {...}}, ...]}`) or one item
//! of it (`{"cve": {...}}`, as Dependency-Track's test data keeps them).
//!
//! NVD is a publisher of its own (`nvd`, key `nvd:CVE-...`): its record groups with
//! the CNA's CVE record by the CVE id and never takes its place. Read: the English
//! description (the details), `published`, `lastModified`, `vulnStatus: Rejected`
//! (withdrawn), the CVSS 4.0 / 3.1 / 3.0 vectors of `metrics`, the CWE ids of
//! `weaknesses`, the reference URLs, and the `configurations`, whose CPE match
//! criteria become [`Advisory::cpe_affected`] (see [`crate::cpe::ranges`]). NVD
//! names no packages: its records are matched by CPE only.

use serde::Deserialize;

use super::{
    Advisory, AdvisoryError, MAX_LIST, Source, check_len, from_json, nullable, push_cvss, push_cwe,
    push_unique,
};
use crate::cpe::ranges::{Configuration, from_configurations};

const FORMAT: &str = "NVD";

#[derive(Deserialize)]
struct Response {
    #[serde(default, deserialize_with = "nullable")]
    vulnerabilities: Vec<Item>,
    #[serde(default)]
    cve: Option<Cve>,
}

#[derive(Deserialize)]
struct Item {
    cve: Cve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cve {
    #[serde(default)]
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    descriptions: Vec<Text>,
    #[serde(default)]
    metrics: Option<Metrics>,
    #[serde(default, deserialize_with = "nullable")]
    weaknesses: Vec<Weakness>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<Reference>,
    #[serde(default, deserialize_with = "nullable")]
    configurations: Vec<Configuration>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize, Default)]
struct Metrics {
    #[serde(default, rename = "cvssMetricV40", deserialize_with = "nullable")]
    v4_0: Vec<Metric>,
    #[serde(default, rename = "cvssMetricV31", deserialize_with = "nullable")]
    v3_1: Vec<Metric>,
    #[serde(default, rename = "cvssMetricV30", deserialize_with = "nullable")]
    v3_0: Vec<Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default)]
    cvss_data: Option<CvssData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    #[serde(default)]
    vector_string: Option<String>,
}

#[derive(Deserialize)]
struct Weakness {
    #[serde(default, deserialize_with = "nullable")]
    description: Vec<Text>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    url: Option<String>,
}

/// Reads an NVD API 2.0 response (or one item of it): one advisory per CVE.
pub fn parse_nvd(bytes: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let r: Response = from_json(FORMAT, bytes)?;
    check_len(
        FORMAT,
        || "vulnerabilities".into(),
        &r.vulnerabilities,
        MAX_LIST,
    )?;
    let (cves, base): (Vec<Cve>, String) = match r.cve {
        Some(c) => (vec![c], "cve".into()),
        None => (
            r.vulnerabilities.into_iter().map(|i| i.cve).collect(),
            "vulnerabilities".into(),
        ),
    };
    let single = cves.len() == 1 && base == "cve";
    cves.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let path = if single {
                base.clone()
            } else {
                format!("{base}[{i}].cve")
            };
            advisory(c, &path)
        })
        .collect()
}

fn advisory(c: Cve, path: &str) -> Result<Advisory, AdvisoryError> {
    let id = c.id.trim().to_owned();
    if !id.starts_with("CVE-") {
        return Err(AdvisoryError::field_error(
            FORMAT,
            format!("{path}.id"),
            format!("expected a CVE id, found {:?}", c.id),
        ));
    }
    for (field, len) in [
        ("references", c.references.len()),
        ("weaknesses", c.weaknesses.len()),
        ("configurations", c.configurations.len()),
    ] {
        if len > MAX_LIST {
            return Err(AdvisoryError::TooMany {
                format: FORMAT,
                field: format!("{path}.{field}"),
                count: len,
                limit: MAX_LIST,
            });
        }
    }
    let details = c
        .descriptions
        .iter()
        .find(|d| d.lang.to_ascii_lowercase().starts_with("en"))
        .or(c.descriptions.first())
        .map(|d| d.value.clone())
        .unwrap_or_default();
    let rejected = c
        .vuln_status
        .as_deref()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("rejected"));
    let mut out = Advisory {
        id,
        source: Source::Nvd,
        publisher: "nvd".to_owned(),
        vuln_ref: String::new(),
        unmapped_products: 0,
        aliases: Vec::new(),
        summary: String::new(),
        details,
        published: c.published.clone(),
        modified: c.last_modified.clone(),
        withdrawn: rejected.then(|| c.last_modified.clone().unwrap_or_default()),
        cvss_vectors: Vec::new(),
        cwes: Vec::new(),
        ssvc: None,
        references: Vec::new(),
        affected: Vec::new(),
        cpes: Vec::new(),
        cpe_affected: Vec::new(),
    };
    let metrics = c.metrics.unwrap_or_default();
    for m in metrics
        .v4_0
        .iter()
        .chain(&metrics.v3_1)
        .chain(&metrics.v3_0)
    {
        if let Some(v) = m
            .cvss_data
            .as_ref()
            .and_then(|d| d.vector_string.as_deref())
        {
            push_cvss(&mut out.cvss_vectors, v);
        }
    }
    for d in c.weaknesses.iter().flat_map(|w| &w.description) {
        push_cwe(&mut out.cwes, &d.value);
    }
    for r in &c.references {
        push_unique(&mut out.references, r.url.as_deref().unwrap_or_default());
    }
    from_configurations(&c.configurations, &mut out.cpe_affected);
    super::check_text(
        FORMAT,
        &out,
        &format!("{path}.id"),
        &format!("{path}.descriptions"),
    )?;
    Ok(out)
}
