//! Streaming SARIF: serde visitors over `runs[].results[]` that hand each result to
//! `sarif_result` as soon as it is read, holding one result plus the run's capped
//! metadata. Also [`Deferred`], the bounded hold-back used when a run's metadata comes
//! after its results (shared with the native reader).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::sarif_result::{RunMeta, convert, rule};
use super::text::document_error;
use super::{FindingError, Item, ItemError, MAX_DEFERRED_BYTES, MAX_PROVENANCE, MAX_RULES, Target};

/// The most tool extensions read from one run.
const MAX_EXTENSIONS: usize = 256;

/// Shared state of one stream.
pub(super) struct Ctx<'a> {
    pub default_target: Option<&'a Target>,
    pub sink: &'a mut dyn FnMut(Item),
    /// The position being read, for fatal errors.
    pub path: String,
}

/// Results held back until a run's metadata is known, within [`MAX_DEFERRED_BYTES`]
/// of JSON text. Each is held as its text and parsed when delivered: as a
/// `serde_json::Value` a SARIF result takes about ten times its text's size
/// (a B-tree node for every object), and 16 MiB of held text was 200 MiB
/// of memory during an intake.
#[derive(Default)]
pub(super) struct Deferred {
    items: Vec<(String, Box<RawValue>)>,
    bytes: usize,
    /// The budget ran out: nothing more is held back in this run or document.
    pub exhausted: bool,
}

impl Deferred {
    /// Holds `raw`; false when the budget is now exceeded (the caller flushes).
    pub fn hold(&mut self, position: String, raw: Box<RawValue>) -> bool {
        self.bytes += raw.get().len() + position.len();
        self.items.push((position, raw));
        if self.bytes > MAX_DEFERRED_BYTES {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// The held results in order, each parsed from its text. One that
    /// does not parse as a `Value` (serde_json limits nesting only there)
    /// is its position's rejection.
    pub fn take(&mut self) -> impl Iterator<Item = (String, Result<Value, ItemError>)> + use<> {
        self.bytes = 0;
        std::mem::take(&mut self.items)
            .into_iter()
            .map(|(position, raw)| (position.clone(), read_item(position, &raw)))
    }
}

/// One item's text as a `Value`. One that does not parse (serde_json limits
/// nesting only here, not while skipping or capturing text) is its
/// position's rejection, not the document's end.
pub(super) fn read_item(position: String, raw: &RawValue) -> Result<Value, ItemError> {
    serde_json::from_str(raw.get()).map_err(|e| ItemError {
        position,
        message: format!("not readable: {e}"),
    })
}

pub(super) fn parse<R: std::io::Read>(
    reader: R,
    default_target: Option<&Target>,
    sink: &mut dyn FnMut(Item),
) -> Result<(), FindingError> {
    let mut ctx = Ctx {
        default_target,
        sink,
        path: String::new(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let saw_runs = LogSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .map_err(|e| document_error(&ctx.path, &e))?;
    de.end().map_err(|e| document_error("$", &e))?;
    if !saw_runs {
        return Err(FindingError::Document {
            position: "$".into(),
            line: 0,
            column: 0,
            message: "not a SARIF log: the top-level object has no \"runs\" array".into(),
        });
    }
    Ok(())
}

/// The top-level `sarifLog` object; yields whether `runs` was present.
struct LogSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_runs = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "runs" {
                self.ctx.path = "runs".into();
                map.next_value_seed(RunsSeed {
                    ctx: &mut *self.ctx,
                })?;
                saw_runs = true;
            } else {
                self.ctx.path = "$".into();
                map.next_value::<IgnoredAny>()?;
            }
        }
        self.ctx.path = "$".into();
        Ok(saw_runs)
    }
}

struct RunsSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of runs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            self.ctx.path = format!("runs[{index}]");
            let seed = RunSeed {
                ctx: &mut *self.ctx,
                index,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }
}

struct RunSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Self { ctx, index } = self;
        let mut meta = RunMeta::default();
        let mut deferred = Deferred::default();
        let mut results_seen = 0usize;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" => {
                    ctx.path = format!("runs[{index}].tool");
                    let tool: ToolDe = map.next_value()?;
                    meta.tool_seen = true;
                    meta.tool = tool.driver.as_ref().and_then(|d| d.name());
                    meta.rules = tool.driver.map(|d| d.rules()).unwrap_or_default();
                    meta.extensions = tool.extensions.0.into_iter().map(|c| c.rules()).collect();
                }
                "versionControlProvenance" => {
                    ctx.path = format!("runs[{index}].versionControlProvenance");
                    let list: Option<Capped<Value, MAX_PROVENANCE>> = map.next_value()?;
                    meta.set_provenance(&list.map(|c| c.0).unwrap_or_default());
                }
                "results" => {
                    ctx.path = format!("runs[{index}].results");
                    map.next_value_seed(ResultsSeed {
                        ctx: &mut *ctx,
                        meta: &meta,
                        deferred: &mut deferred,
                        run: index,
                        next: &mut results_seen,
                    })?;
                }
                _ => {
                    ctx.path = format!("runs[{index}]");
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if meta.complete() {
                flush(ctx, &meta, &mut deferred);
            }
        }
        flush(ctx, &meta, &mut deferred);
        Ok(())
    }
}

fn flush(ctx: &mut Ctx<'_>, meta: &RunMeta, deferred: &mut Deferred) {
    for (position, v) in deferred.take() {
        (ctx.sink)(match v {
            Ok(v) => convert(position, v, meta, ctx.default_target),
            Err(e) => Item::Rejected(e),
        });
    }
}

struct ResultsSeed<'c, 'a, 'm> {
    ctx: &'c mut Ctx<'a>,
    meta: &'m RunMeta,
    deferred: &'m mut Deferred,
    run: usize,
    /// Index of the next result (a run may repeat `results`; the indexes go on).
    next: &'m mut usize,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of results or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Self {
            ctx,
            meta,
            deferred,
            run,
            next,
        } = self;
        loop {
            ctx.path = format!("runs[{run}].results[{next}]");
            if !meta.complete() && !deferred.exhausted {
                let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                    return Ok(());
                };
                *next += 1;
                if !deferred.hold(std::mem::take(&mut ctx.path), raw) {
                    flush(ctx, meta, deferred);
                }
            } else {
                let Some(v) = seq.next_element::<Value>()? else {
                    return Ok(());
                };
                *next += 1;
                let position = std::mem::take(&mut ctx.path);
                (ctx.sink)(convert(position, v, meta, ctx.default_target));
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct ToolDe {
    driver: Option<ComponentDe>,
    #[serde(default)]
    extensions: Capped<ComponentDe, MAX_EXTENSIONS>,
}

#[derive(serde::Deserialize)]
struct ComponentDe {
    #[serde(default)]
    name: Value,
    #[serde(default, rename = "fullName")]
    full_name: Value,
    #[serde(default)]
    rules: Option<Capped<Value, MAX_RULES>>,
}

impl ComponentDe {
    fn name(&self) -> Option<String> {
        let name = self.name.as_str().or(self.full_name.as_str())?.trim();
        (!name.is_empty()).then(|| super::text::truncate(name, 256))
    }

    fn rules(self) -> Vec<super::sarif_result::Rule> {
        let rules = self.rules.map(|c| c.0).unwrap_or_default();
        rules.iter().map(rule).collect()
    }
}

/// A JSON array of which the first `N` elements are kept and the rest skipped unread;
/// `null` is empty.
pub(super) struct Capped<T, const N: usize>(pub Vec<T>);

impl<T, const N: usize> Default for Capped<T, N> {
    fn default() -> Self {
        Capped(Vec::new())
    }
}

impl<'de, T: serde::Deserialize<'de>, const N: usize> serde::Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Capped(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while out.len() < N {
                    match seq.next_element()? {
                        Some(x) => out.push(x),
                        None => return Ok(Capped(out)),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Capped(out))
            }
        }
        d.deserialize_any(V::<T, N>(std::marker::PhantomData))
    }
}
