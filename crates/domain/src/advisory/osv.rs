//! OSV records (<https://ossf.github.io/osv-schema/>), JSON or YAML, to [`Advisory`].
//!
//! `affected[].package` becomes a [`PackageId`](crate::purl::PackageId) through
//! [`package_id_for_osv`] (ecosystem and name), falling back to `package.purl`; entries
//! with neither (only a GIT range on a repository, or an ecosystem without a purl type)
//! are skipped. Ranges (GIT included) and `versions` are kept as written. `id` and
//! `modified` are required. CVSS vectors come from `severity` and
//! `affected[].severity`, CWEs from `database_specific.cwe_ids` (GHSA), aliases from
//! `aliases` then `upstream`.
//!
//! A JSON record must first pass the OSV schema and two linter rules
//! (`osv_checks`); YAML records (pypa, OSS-Fuzz), whose plain scalars are typed
//! only by the fields they land in, are read by the typed structs alone.

use serde::Deserialize;

use super::{
    Advisory, AdvisoryError, Affected, MAX_AFFECTED, MAX_LIST, Source, check_len, check_size,
    drop_self, from_json, nullable, push_cvss, push_cwe, push_unique,
};
use crate::purl::{Purl, package_id_for_osv};
use crate::versions::{Ecosystem, OsvRange};

const FORMAT: &str = "OSV";

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    aliases: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    upstream: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    summary: String,
    #[serde(default, deserialize_with = "nullable")]
    details: String,
    #[serde(default, deserialize_with = "nullable")]
    severity: Vec<Severity>,
    #[serde(default, deserialize_with = "nullable")]
    affected: Vec<RawAffected>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<Reference>,
    #[serde(default)]
    database_specific: Option<DatabaseSpecific>,
}

#[derive(Deserialize)]
struct Severity {
    #[serde(default)]
    score: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    url: Option<String>,
}

/// Free-form per schema; only `cwe_ids` is read, and only if it is a list of strings.
#[derive(Deserialize)]
struct DatabaseSpecific {
    #[serde(default, deserialize_with = "lenient_strings")]
    cwe_ids: Vec<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<Package>,
    #[serde(default, deserialize_with = "nullable")]
    ranges: Vec<OsvRange>,
    #[serde(default, deserialize_with = "nullable")]
    versions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    severity: Vec<Severity>,
}

#[derive(Deserialize)]
struct Package {
    #[serde(default)]
    ecosystem: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

/// Reads one OSV record: JSON when the first non-blank byte is `{`, YAML otherwise.
pub fn parse_osv(bytes: &[u8]) -> Result<Advisory, AdvisoryError> {
    check_size(bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let record: Record = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let value: serde_json::Value = from_json(FORMAT, bytes)?;
        super::osv_checks::check(&value)?;
        from_json(FORMAT, bytes)?
    } else {
        from_yaml(bytes)?
    };
    let a = convert(record)?;
    super::check_text(FORMAT, &a, "summary", "details")?;
    Ok(a)
}

/// Deserializes YAML under serde-saphyr's default budget; typed `String` fields keep
/// plain scalars as written (`1.10` stays `1.10`).
fn from_yaml(bytes: &[u8]) -> Result<Record, AdvisoryError> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let mut path = None;
    let result = serde_saphyr::with_deserializer_from_slice_with_options(bytes, options, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            path = Some(e.path().to_string());
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
        match path.filter(|p| p != ".") {
            Some(field) => AdvisoryError::field_error(FORMAT, field, e.to_string()),
            None => AdvisoryError::Syntax {
                format: FORMAT,
                line,
                column,
                message: e.to_string(),
            },
        }
    })
}

fn convert(r: Record) -> Result<Advisory, AdvisoryError> {
    let id = required(r.id, "id")?;
    let modified = required(r.modified, "modified")?;
    check_len(FORMAT, || "affected".into(), &r.affected, MAX_AFFECTED)?;
    check_len(FORMAT, || "aliases".into(), &r.aliases, MAX_LIST)?;
    check_len(FORMAT, || "references".into(), &r.references, MAX_LIST)?;
    check_len(FORMAT, || "severity".into(), &r.severity, MAX_LIST)?;

    let mut aliases = Vec::new();
    for a in r.aliases.iter().chain(&r.upstream) {
        push_unique(&mut aliases, a);
    }
    drop_self(&mut aliases, &id);

    let mut cvss_vectors = Vec::new();
    for s in &r.severity {
        push_cvss(&mut cvss_vectors, s.score.as_deref().unwrap_or_default());
    }
    let mut cwes = Vec::new();
    for c in r.database_specific.iter().flat_map(|d| &d.cwe_ids) {
        push_cwe(&mut cwes, c);
    }
    let mut references = Vec::new();
    for reference in &r.references {
        push_unique(
            &mut references,
            reference.url.as_deref().unwrap_or_default(),
        );
    }

    let mut affected = Vec::new();
    for (i, a) in r.affected.into_iter().enumerate() {
        check_len(
            FORMAT,
            || format!("affected[{i}].ranges"),
            &a.ranges,
            MAX_LIST,
        )?;
        check_len(
            FORMAT,
            || format!("affected[{i}].versions"),
            &a.versions,
            MAX_LIST,
        )?;
        for s in &a.severity {
            push_cvss(&mut cvss_vectors, s.score.as_deref().unwrap_or_default());
        }
        let Some((package, ecosystem)) = a.package.as_ref().and_then(identity) else {
            continue;
        };
        affected.push(Affected {
            ranges: a.ranges,
            versions: a.versions,
            ..Affected::new(package, ecosystem)
        });
    }

    Ok(Advisory {
        id,
        source: Source::Osv,
        publisher: "osv".to_owned(),
        vuln_ref: String::new(),
        unmapped_products: 0,
        aliases,
        summary: r.summary,
        details: r.details,
        published: r.published,
        modified: Some(modified),
        withdrawn: r.withdrawn,
        cvss_vectors,
        cwes,
        ssvc: None,
        references,
        affected,
        cpes: Vec::new(),
        cpe_affected: Vec::new(),
    })
}

fn required(value: Option<String>, field: &str) -> Result<String, AdvisoryError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(AdvisoryError::field_error(
            FORMAT,
            field,
            "required and must be a non-empty string",
        )),
    }
}

/// The package identity and version ordering of an `affected[].package`.
fn identity(p: &Package) -> Option<(crate::purl::PackageId, Ecosystem)> {
    let eco_name = p.ecosystem.as_deref().unwrap_or_default();
    if let Some(id) = package_id_for_osv(eco_name, p.name.as_deref().unwrap_or_default()) {
        return Some((id, Ecosystem::from_osv(eco_name)));
    }
    let purl = Purl::parse(p.purl.as_deref()?).ok()?;
    let ecosystem = match Ecosystem::from_osv(eco_name) {
        Ecosystem::Other => Ecosystem::from_purl_type(&purl.id.purl_type),
        e => e,
    };
    Some((purl.id, ecosystem))
}

/// A list of strings, or anything else read as empty (for free-form objects).
fn lenient_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        List(Vec<String>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Lenient::deserialize(d)? {
        Lenient::List(v) => v,
        Lenient::Other(_) => Vec::new(),
    })
}
