//! One SARIF run's metadata (tool name, rules, repository) and the mapping of one
//! result (a `serde_json::Value`) to a [`Finding`] or a rejection.
//!
//! Mapping, in order of preference for each field:
//! - target: the result's `properties.target`/`purl`/`packageUrl`/`package_url`, the
//!   run's first `versionControlProvenance` (`repositoryUri` + `revisionId`), the
//!   caller's default; none of them makes the result a rejection.
//! - rule: `ruleId`, `rule.id`, else the id of the rule found by `rule.toolComponent.index`
//!   with `rule.index` (an extension's rules) or `ruleIndex`/`rule.index` (the
//!   driver's), else by id.
//! - location: `locations[0].physicalLocation.artifactLocation.uri` (`fileLocation` in
//!   SARIF 2.0), `region.startLine`/`endLine`, `logicalLocations[0].fullyQualifiedName`;
//!   snippet from `region.snippet.text`, else `contextRegion.snippet.text`.
//! - CWE: rule tags (`external/cwe/cwe-079`, `CWE-79`), rule and result `properties.cwe`,
//!   rule `relationships` and result `taxa` into a CWE tool component.
//! - severity: numeric `security-severity` (result, then rule), the result's
//!   `properties.severity` word, `level` (result, then rule default: error → high,
//!   warning → medium, note → low, none → none), CodeQL's `problem.severity`.
//!   Nothing given: no severity (SARIF's implied `warning` is not invented).
//! - title: first line of `message.text` (or `markdown`), else the rule's short
//!   description, name or id.
//!
//! Rejected rather than stored: a result that is not an object, has no target, has
//! none of a rule, a message and a location (`{}`: nothing to report), or whose title
//! holds a control or bidi character ([`crate::text`]).

use serde_json::Value;

use super::text::{
    first_line, push_cwe, push_cwes_value, scan_ids, severity_from_score, severity_word, truncate,
};
use super::{
    Finding, Item, ItemError, Location, MAX_EVIDENCE_BYTES, MAX_IDS, MAX_TEXT_BYTES,
    MAX_TITLE_BYTES, Severity, Target, fingerprint, normalise_path,
};

/// What a result may borrow from its rule.
#[derive(Debug, Default)]
pub(super) struct Rule {
    id: Option<String>,
    name: Option<String>,
    short: Option<String>,
    full: Option<String>,
    level: Option<String>,
    security_severity: Option<f64>,
    problem_severity: Option<String>,
    cwes: Vec<String>,
    aliases: Vec<String>,
    cvss: Option<String>,
}

/// The current run's metadata.
#[derive(Debug, Default)]
pub(super) struct RunMeta {
    pub tool: Option<String>,
    /// The driver's rules, in order.
    pub rules: Vec<Rule>,
    /// Each extension's rules, in order.
    pub extensions: Vec<Vec<Rule>>,
    pub repository: Option<Target>,
    pub tool_seen: bool,
    pub provenance_seen: bool,
}

impl RunMeta {
    /// Both `tool` and `versionControlProvenance` have been read.
    pub fn complete(&self) -> bool {
        self.tool_seen && self.provenance_seen
    }

    pub fn set_provenance(&mut self, entries: &[Value]) {
        self.provenance_seen = true;
        self.repository = entries.iter().find_map(|e| {
            let url = str_at(e, &["repositoryUri"])?.trim();
            (!url.is_empty()).then(|| Target::Repository {
                url: url.to_owned(),
                revision: str_at(e, &["revisionId"]).map(str::to_owned),
            })
        });
    }

    fn rule_for(&self, r: &Value) -> Option<&Rule> {
        let index = |v: Option<&Value>| v.and_then(Value::as_u64).map(|n| n as usize);
        let rule_ref = r.get("rule");
        let ext = index(rule_ref.and_then(|x| x.pointer("/toolComponent/index")));
        let idx = index(rule_ref.and_then(|x| x.get("index"))).or(index(r.get("ruleIndex")));
        if let (Some(e), Some(i)) = (ext, idx)
            && let Some(rule) = self.extensions.get(e).and_then(|rules| rules.get(i))
        {
            return Some(rule);
        }
        if let Some(rule) = idx
            .filter(|_| ext.is_none())
            .and_then(|i| self.rules.get(i))
        {
            return Some(rule);
        }
        let id = str_at(r, &["ruleId"]).or(rule_ref.and_then(|x| str_at(x, &["id"])))?;
        let all = self.rules.iter().chain(self.extensions.iter().flatten());
        all.clone()
            .find(|rule| rule.id.as_deref() == Some(id))
            .or_else(|| {
                // A hierarchical id (`CA2000/1`) names the rule `CA2000`.
                let base = id.split('/').next()?;
                all.clone().find(|rule| rule.id.as_deref() == Some(base))
            })
    }
}

/// Reads one rule (`reportingDescriptor`) as given.
pub(super) fn rule(v: &Value) -> Rule {
    let props = v.get("properties");
    let mut cwes = Vec::new();
    let mut aliases = Vec::new();
    if let Some(tags) = props.and_then(|p| p.get("tags")).and_then(Value::as_array) {
        for tag in tags.iter().filter_map(Value::as_str).take(MAX_IDS * 8) {
            push_cwe(&mut cwes, tag, false);
            scan_ids(&mut aliases, tag);
        }
    }
    if let Some(cwe) = props.and_then(|p| p.get("cwe")) {
        push_cwes_value(&mut cwes, cwe);
    }
    relationship_cwes(&mut cwes, v.get("relationships"), "target");
    let id = str_at(v, &["id"]).map(|s| truncate(s, MAX_TITLE_BYTES));
    let name = str_at(v, &["name"]).map(|s| truncate(s, MAX_TITLE_BYTES));
    for text in [&id, &name].into_iter().flatten() {
        scan_ids(&mut aliases, text);
    }
    Rule {
        id,
        name,
        short: str_at(v, &["shortDescription", "text"]).map(|s| first_line(s, MAX_TITLE_BYTES)),
        full: str_at(v, &["fullDescription", "text"]).map(|s| truncate(s, MAX_TEXT_BYTES)),
        level: str_at(v, &["defaultConfiguration", "level"]).map(str::to_owned),
        security_severity: props.and_then(|p| number(p.get("security-severity"))),
        problem_severity: props
            .and_then(|p| str_at(p, &["problem.severity"]))
            .map(str::to_owned),
        cwes,
        aliases,
        cvss: props.and_then(cvss_in),
    }
}

/// Maps one result to an item.
pub(super) fn convert(
    position: String,
    r: Value,
    meta: &RunMeta,
    default_target: Option<&Target>,
) -> Item {
    let reject =
        |position: String, message: String| Item::Rejected(ItemError { position, message });
    if !r.is_object() {
        return reject(
            position,
            format!("a result must be a JSON object, not {}", kind(&r)),
        );
    }
    let props = r.get("properties");
    let target = match result_target(props) {
        Some(Ok(t)) => t,
        Some(Err(e)) => return reject(position, format!("properties: {e}")),
        None => match meta.repository.as_ref().or(default_target) {
            Some(t) => t.clone(),
            None => {
                return reject(
                    position,
                    "no target: the result names none, its run has no \
                     versionControlProvenance, and no default target (--target) was given"
                        .into(),
                );
            }
        },
    };
    let rule = meta.rule_for(&r);
    let rule_id = str_at(&r, &["ruleId"])
        .or(r.get("rule").and_then(|x| str_at(x, &["id"])))
        .map(|s| truncate(s, MAX_TITLE_BYTES))
        .or(rule.and_then(|x| x.id.clone()));

    let message = str_at(&r, &["message", "text"])
        .or(str_at(&r, &["message", "markdown"]))
        .unwrap_or("");
    let title = [
        Some(first_line(message, MAX_TITLE_BYTES)),
        rule.and_then(|x| x.short.clone()),
        rule.and_then(|x| x.name.clone()),
        rule_id.clone(),
    ]
    .into_iter()
    .flatten()
    .find(|t| !t.is_empty())
    .unwrap_or_else(|| "(no message)".to_owned());
    let description = if message.trim().is_empty() {
        rule.and_then(|x| x.full.clone().or(x.short.clone()))
            .unwrap_or_default()
    } else {
        truncate(message.trim(), MAX_TEXT_BYTES)
    };

    let loc0 = r.pointer("/locations/0");
    let phys = loc0.and_then(|l| l.get("physicalLocation"));
    let location = phys.map(|p| {
        let uri = str_at(p, &["artifactLocation", "uri"]).or(str_at(p, &["fileLocation", "uri"]));
        let line = |k: &str| p.pointer(&format!("/region/{k}")).and_then(Value::as_u64);
        let function = loc0
            .and_then(|l| l.pointer("/logicalLocations/0"))
            .and_then(|l| str_at(l, &["fullyQualifiedName"]).or(str_at(l, &["name"])))
            .or(loc0.and_then(|l| str_at(l, &["fullyQualifiedLogicalName"])));
        Location {
            path: uri.map(normalise_path).filter(|p| !p.is_empty()),
            start_line: line("startLine").and_then(|n| u32::try_from(n).ok()),
            end_line: line("endLine").and_then(|n| u32::try_from(n).ok()),
            function: function.map(|f| truncate(f, MAX_TITLE_BYTES)),
        }
    });
    let location = location.filter(|l| *l != Location::default());
    let network = str_at(&r, &["webRequest", "target"])
        .and_then(crate::scans::scope::network_of_uri)
        .or_else(|| {
            phys.and_then(|p| str_at(p, &["artifactLocation", "uri"]))
                .and_then(crate::scans::scope::network_of_uri)
        });
    if rule_id.is_none() && message.trim().is_empty() && location.is_none() {
        return reject(
            position,
            "no rule, no message and no location: nothing to report".into(),
        );
    }
    if let Err(e) = crate::text::check_line("title", &title) {
        return reject(position, e.to_string());
    }
    let snippet = phys.and_then(|p| {
        str_at(p, &["region", "snippet", "text"])
            .or(str_at(p, &["contextRegion", "snippet", "text"]))
    });

    let mut cwes = rule.map(|x| x.cwes.clone()).unwrap_or_default();
    if let Some(cwe) = props.and_then(|p| p.get("cwe")) {
        push_cwes_value(&mut cwes, cwe);
    }
    if let Some(tags) = props.and_then(|p| p.get("tags")).and_then(Value::as_array) {
        for tag in tags.iter().filter_map(Value::as_str).take(MAX_IDS * 8) {
            push_cwe(&mut cwes, tag, false);
        }
    }
    relationship_cwes(&mut cwes, r.get("taxa"), "");

    let mut aliases = rule.map(|x| x.aliases.clone()).unwrap_or_default();
    if let Some(id) = &rule_id {
        scan_ids(&mut aliases, id);
    }

    let path = location.as_ref().and_then(|l| l.path.as_deref());
    let sarif_fp = tool_fingerprint(&r, path);
    // Without a line or a snippet, the message is what tells two results
    // of one rule in one file apart (DAST and AI scanners report so).
    let no_region = location.as_ref().is_none_or(|l| l.start_line.is_none());
    let evidence = snippet.or((no_region && !message.trim().is_empty()).then_some(message));
    let fp = fingerprint(
        &target.identity(),
        rule_id.as_deref(),
        location.as_ref(),
        evidence,
        sarif_fp.as_deref(),
    );
    Item::Finding(Box::new(Finding {
        position,
        target,
        location,
        rule_id,
        tool: meta.tool.clone(),
        cwes,
        severity: severity(&r, rule),
        cvss_vector: props
            .and_then(cvss_in)
            .or(rule.and_then(|x| x.cvss.clone())),
        title,
        description,
        evidence: snippet.map(|s| truncate(s, MAX_EVIDENCE_BYTES)),
        aliases,
        fingerprint: fp,
        network,
    }))
}

fn result_target(props: Option<&Value>) -> Option<Result<Target, super::FindingError>> {
    let props = props?;
    let s = ["target", "purl", "packageUrl", "package_url"]
        .iter()
        .find_map(|k| props.get(*k).and_then(Value::as_str))?;
    Some(Target::parse(s))
}

fn severity(r: &Value, rule: Option<&Rule>) -> Option<Severity> {
    let props = r.get("properties");
    let level = |l: &str| match l {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::None),
        _ => None,
    };
    props
        .and_then(|p| number(p.get("security-severity")))
        .or(rule.and_then(|x| x.security_severity))
        .and_then(severity_from_score)
        .or(props
            .and_then(|p| str_at(p, &["severity"]))
            .and_then(severity_word))
        .or(str_at(r, &["level"]).and_then(level))
        .or(rule.and_then(|x| x.level.as_deref()).and_then(level))
        .or(rule
            .and_then(|x| x.problem_severity.as_deref())
            .and_then(|p| match p {
                "error" => Some(Severity::High),
                "warning" => Some(Severity::Medium),
                "recommendation" => Some(Severity::Low),
                _ => None,
            }))
}

/// The tool's own fingerprints (`fingerprints`, else `partialFingerprints`) as one
/// string, keys sorted; non-string values (seen in real files) as compact JSON.
/// Partial fingerprints are partial: CodeQL's `primaryLocationLineHash` hashes
/// the text of a line, equal in two files holding the same line, so, as GitHub
/// code scanning does, they count only together with the result's normalised
/// `path`.
fn tool_fingerprint(r: &Value, path: Option<&str>) -> Option<String> {
    let object = |k: &str| {
        r.get(k)
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
    };
    let (map, partial) = match object("fingerprints") {
        Some(m) => (m, false),
        None => (object("partialFingerprints")?, true),
    };
    let mut parts: Vec<String> = map
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    parts.sort();
    if partial {
        parts.push(format!("path={}", path.unwrap_or("")));
    }
    Some(parts.join("\n"))
}

/// CWEs from `relationships` (`target` holds the reference) or `taxa` (the entry is it)
/// whose tool component is named CWE.
fn relationship_cwes(cwes: &mut Vec<String>, list: Option<&Value>, inner: &str) {
    let Some(list) = list.and_then(Value::as_array) else {
        return;
    };
    for entry in list.iter().take(MAX_IDS * 8) {
        let reference = if inner.is_empty() {
            Some(entry)
        } else {
            entry.get(inner)
        };
        let Some(reference) = reference else { continue };
        let is_cwe = str_at(reference, &["toolComponent", "name"])
            .is_some_and(|n| n.eq_ignore_ascii_case("cwe"));
        if let Some(id) = str_at(reference, &["id"]) {
            push_cwe(cwes, id, is_cwe);
        }
    }
}

fn cvss_in(props: &Value) -> Option<String> {
    ["cvssV3_vector", "cvssVector", "cvss_vector", "cvss"]
        .iter()
        .filter_map(|k| props.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .find(|v| crate::cvss::score(v).is_ok())
        .map(str::to_owned)
}

/// A number or a numeric string.
fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_str()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
