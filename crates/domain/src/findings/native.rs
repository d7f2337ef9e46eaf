//! The native JSON form (`clearinghouse_findings` 1.0, described in the module
//! documentation of `findings`), streamed finding by finding like SARIF.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::sarif::{Ctx, Deferred, read_item};
use super::text::{document_error, first_line, push_cwe, push_unique, scan_ids, truncate};
use super::{
    Finding, FindingError, Item, ItemError, Location, MAX_EVIDENCE_BYTES, MAX_IDS, MAX_TEXT_BYTES,
    MAX_TITLE_BYTES, Target, fingerprint, normalise_path,
};

/// The version key's name.
const VERSION_KEY: &str = "clearinghouse_findings";

pub(super) fn parse<R: std::io::Read>(
    reader: R,
    default_target: Option<&Target>,
    sink: &mut dyn FnMut(Item),
) -> Result<(), FindingError> {
    let mut ctx = Ctx {
        default_target,
        sink,
        path: "$".into(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let version = DocSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .map_err(|e| document_error(&ctx.path, &e))?;
    de.end().map_err(|e| document_error("$", &e))?;
    if version.is_none() {
        return Err(FindingError::Document {
            position: "$".into(),
            line: 0,
            column: 0,
            message: format!("not a native findings document: no \"{VERSION_KEY}\" key"),
        });
    }
    Ok(())
}

/// The document object; yields the version string.
struct DocSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_> {
    type Value = Option<String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a clearinghouse_findings object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.ctx;
        let mut state = State {
            version: None,
            target: None,
            target_seen: false,
            deferred: Deferred::default(),
            next: 0,
        };
        while let Some(key) = map.next_key::<String>()? {
            ctx.path = key.clone();
            match key.as_str() {
                VERSION_KEY => {
                    let v: String = map.next_value()?;
                    if v != "1" && !v.starts_with("1.") {
                        return Err(de::Error::custom(format!(
                            "unsupported {VERSION_KEY} version {v:?}; this server reads 1.x"
                        )));
                    }
                    state.version = Some(v);
                }
                "target" => {
                    let s: Option<String> = map.next_value()?;
                    if let Some(s) = s {
                        state.target = Some(Target::parse(&s).map_err(de::Error::custom)?);
                    }
                    state.target_seen = true;
                    state.flush(ctx);
                }
                "findings" => map.next_value_seed(FindingsSeed {
                    ctx: &mut *ctx,
                    state: &mut state,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        state.flush(ctx);
        ctx.path = "$".into();
        Ok(state.version)
    }
}

struct State {
    version: Option<String>,
    target: Option<Target>,
    target_seen: bool,
    deferred: Deferred,
    next: usize,
}

impl State {
    fn flush(&mut self, ctx: &mut Ctx<'_>) {
        for (position, v) in self.deferred.take() {
            match v {
                Ok(v) => self.emit(ctx, position, v),
                Err(e) => (ctx.sink)(Item::Rejected(e)),
            }
        }
    }

    fn emit(&self, ctx: &mut Ctx<'_>, position: String, v: Value) {
        let default = self.target.as_ref().or(ctx.default_target);
        (ctx.sink)(convert(position, v, default));
    }
}

struct FindingsSeed<'c, 'a, 's> {
    ctx: &'c mut Ctx<'a>,
    state: &'s mut State,
}

impl<'de> DeserializeSeed<'de> for FindingsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FindingsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of findings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Self { ctx, state } = self;
        loop {
            ctx.path = format!("findings[{}]", state.next);
            if !state.target_seen && !state.deferred.exhausted {
                let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                    return Ok(());
                };
                state.next += 1;
                if !state.deferred.hold(std::mem::take(&mut ctx.path), raw) {
                    state.flush(ctx);
                }
            } else {
                // Captured as text, then parsed: a finding nested too deep
                // is its own rejection, as in SARIF, not the document's end.
                let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                    return Ok(());
                };
                state.next += 1;
                let position = std::mem::take(&mut ctx.path);
                match read_item(position.clone(), &raw) {
                    Ok(v) => state.emit(ctx, position, v),
                    Err(e) => (ctx.sink)(Item::Rejected(e)),
                }
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct NativeDe {
    title: String,
    #[serde(default)]
    description: Option<String>,
    target: Option<String>,
    rule_id: Option<String>,
    tool: Option<String>,
    #[serde(default)]
    cwe: OneOrMany,
    severity: Option<String>,
    cvss: Option<String>,
    location: Option<LocationDe>,
    evidence: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    fingerprint: Option<String>,
    url: Option<String>,
}

#[derive(serde::Deserialize)]
struct LocationDe {
    path: Option<String>,
    start_line: Option<u32>,
    end_line: Option<u32>,
    function: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

fn convert(position: String, v: Value, default_target: Option<&Target>) -> Item {
    match finding(&position, v, default_target) {
        Ok(f) => Item::Finding(Box::new(f)),
        Err(message) => Item::Rejected(ItemError { position, message }),
    }
}

fn finding(position: &str, v: Value, default_target: Option<&Target>) -> Result<Finding, String> {
    let f: NativeDe = serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("{path}: {}", e.into_inner())
        }
    })?;
    let title = first_line(&f.title, MAX_TITLE_BYTES);
    if title.is_empty() {
        return Err("title: must not be empty".into());
    }
    crate::text::check_line("title", &title).map_err(|e| e.to_string())?;
    let target = match (&f.target, default_target) {
        (Some(s), _) => Target::parse(s).map_err(|e| format!("target: {e}"))?,
        (None, Some(t)) => t.clone(),
        (None, None) => {
            return Err(
                "no target: neither the finding nor the document names one, \
                        and no default target (--target) was given"
                    .into(),
            );
        }
    };
    let severity = match &f.severity {
        Some(s) => Some(super::text::severity_word(s).ok_or_else(|| {
            format!("severity: {s:?} is not one of none, low, medium, high, critical")
        })?),
        None => None,
    };
    let cvss_vector = match &f.cvss {
        Some(s) => {
            crate::cvss::score(s).map_err(|e| format!("cvss: {e}"))?;
            Some(s.trim().to_owned())
        }
        None => None,
    };
    let mut cwes = Vec::new();
    let raw_cwes = match f.cwe {
        OneOrMany::None => Vec::new(),
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    };
    for (i, raw) in raw_cwes.iter().enumerate().take(MAX_IDS) {
        let before = cwes.len();
        push_cwe(&mut cwes, raw, true);
        if cwes.len() == before && !cwes.iter().any(|c| c.eq_ignore_ascii_case(raw.trim())) {
            return Err(format!(
                "cwe[{i}]: {raw:?} is not a CWE id such as \"CWE-79\""
            ));
        }
    }
    let mut aliases = Vec::new();
    for a in f.aliases.iter().take(MAX_IDS) {
        push_unique(&mut aliases, &truncate(a, MAX_TITLE_BYTES));
    }
    let rule_id = f.rule_id.map(|r| truncate(r.trim(), MAX_TITLE_BYTES));
    if let Some(r) = &rule_id {
        scan_ids(&mut aliases, r);
    }
    let location = f
        .location
        .map(|l| Location {
            path: l.path.map(|p| normalise_path(&p)).filter(|p| !p.is_empty()),
            start_line: l.start_line,
            end_line: l.end_line,
            function: l.function.map(|s| truncate(&s, MAX_TITLE_BYTES)),
        })
        .filter(|l| *l != Location::default());
    let fp = fingerprint(
        &target.identity(),
        rule_id.as_deref(),
        location.as_ref(),
        f.evidence.as_deref(),
        f.fingerprint.as_deref(),
    );
    Ok(Finding {
        position: position.to_owned(),
        target,
        location,
        rule_id,
        tool: f.tool.map(|t| truncate(&t, 256)),
        cwes,
        severity,
        cvss_vector,
        title,
        description: truncate(
            f.description.as_deref().unwrap_or("").trim(),
            MAX_TEXT_BYTES,
        ),
        evidence: f.evidence.map(|e| truncate(&e, MAX_EVIDENCE_BYTES)),
        aliases,
        fingerprint: fp,
        network: f
            .url
            .as_deref()
            .and_then(crate::scans::scope::network_of_uri),
    })
}
