//! OSV, CSAF 2.0 and CVE JSON 5 documents as findings, through
//! [`crate::advisory::parse_document`]. These documents are small (bounded by
//! [`crate::advisory::MAX_DOCUMENT_BYTES`]) and read whole.
//!
//! One finding per (advisory, affected package): the target is the package with no
//! version (an advisory states ranges, not one version seen; the fingerprint is
//! version-free anyway, so one finding per listed version would only repeat it). An
//! advisory without packages gives one finding per CPE product it names, else one for
//! the default target, else a rejection. Withdrawn or rejected records are rejected
//! items. Positions are `affected[i]` / `cpes[i]` of the parsed advisory (entries the
//! advisory reader drops are not counted), prefixed `vulnerabilities[j].` for CSAF.

use std::io::Read;

use super::text::{first_line, push_unique, severity_from_score, truncate};
use super::{
    Finding, FindingError, FindingFormat, Item, ItemError, MAX_IDS, MAX_TEXT_BYTES,
    MAX_TITLE_BYTES, Target, fingerprint,
};
use crate::advisory::{Advisory, Document, MAX_DOCUMENT_BYTES, parse_document};
use crate::purl::Purl;

pub(super) fn parse<R: Read>(
    reader: R,
    format: FindingFormat,
    default_target: Option<&Target>,
    sink: &mut dyn FnMut(Item),
) -> Result<(), FindingError> {
    let fatal = |message: String| FindingError::Document {
        position: "$".into(),
        line: 0,
        column: 0,
        message,
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fatal(format!("read failed: {e}")))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(fatal(format!(
            "document is larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let name = if json {
        "document.json"
    } else {
        "document.yaml"
    };
    let doc = parse_document(name, &bytes).map_err(|e| FindingError::Document {
        position: e.field().unwrap_or("$").to_owned(),
        line: e.line().unwrap_or(0),
        column: 0,
        message: e.to_string(),
    })?;
    let advisories = match (format, doc) {
        (_, Document::Osv(a) | Document::Cve(a)) => vec![(String::new(), a)],
        (_, Document::Csaf(list) | Document::Nvd(list)) => list
            .into_iter()
            .enumerate()
            .map(|(j, a)| (format!("vulnerabilities[{j}]."), a))
            .collect(),
        (_, Document::Kev(_) | Document::Epss(_)) => {
            return Err(fatal(
                "a KEV or EPSS file is not a findings document".into(),
            ));
        }
    };
    for (prefix, a) in advisories {
        emit_advisory(&prefix, &a, default_target, sink);
    }
    Ok(())
}

fn emit_advisory(
    prefix: &str,
    a: &Advisory,
    default_target: Option<&Target>,
    sink: &mut dyn FnMut(Item),
) {
    if let Some(when) = &a.withdrawn {
        sink(Item::Rejected(ItemError {
            position: format!("{prefix}{}", a.id),
            message: format!("advisory {} was withdrawn or rejected ({when})", a.id),
        }));
        return;
    }
    let mut targets: Vec<(String, Target)> = a
        .affected
        .iter()
        .enumerate()
        .map(|(i, aff)| {
            let purl = Purl {
                id: aff.package.clone(),
                version: None,
                qualifiers: Vec::new(),
                subpath: None,
            };
            (format!("{prefix}affected[{i}]"), Target::Package { purl })
        })
        .collect();
    if targets.is_empty() {
        for (i, cpe) in a.cpes.iter().enumerate() {
            if let Some(t) = Target::from_cpe(cpe)
                && !targets.iter().any(|(_, x)| x.identity() == t.identity())
            {
                targets.push((format!("{prefix}cpes[{i}]"), t));
            }
        }
    }
    if targets.is_empty() {
        match default_target {
            Some(t) => targets.push((format!("{prefix}{}", a.id), t.clone())),
            None => {
                sink(Item::Rejected(ItemError {
                    position: format!("{prefix}{}", a.id),
                    message: format!(
                        "no target: advisory {} names no package or CPE product, \
                         and no default target (--target) was given",
                        a.id
                    ),
                }));
                return;
            }
        }
    }
    let cvss = a.cvss_vectors.first().cloned();
    let severity = cvss
        .as_deref()
        .and_then(|v| crate::cvss::score(v).ok())
        .and_then(|s| severity_from_score(s.base_score));
    let mut aliases = Vec::new();
    push_unique(&mut aliases, &a.id);
    for alias in &a.aliases {
        push_unique(&mut aliases, alias);
    }
    let title = [&a.summary, &a.details]
        .into_iter()
        .map(|t| first_line(t, MAX_TITLE_BYTES))
        .find(|t| !t.is_empty())
        .unwrap_or_else(|| truncate(&a.id, MAX_TITLE_BYTES));
    for (position, target) in targets {
        sink(Item::Finding(Box::new(Finding {
            fingerprint: fingerprint(&target.identity(), Some(&a.id), None, None, None),
            position,
            target,
            location: None,
            rule_id: Some(truncate(&a.id, MAX_TITLE_BYTES)),
            tool: None,
            cwes: a.cwes.iter().take(MAX_IDS).cloned().collect(),
            severity,
            cvss_vector: cvss.clone(),
            title: title.clone(),
            description: truncate(&a.details, MAX_TEXT_BYTES),
            evidence: None,
            aliases: aliases.clone(),
            network: None,
        })));
    }
}
