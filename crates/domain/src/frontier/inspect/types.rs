//! The parts of an Inspect eval log this reader keeps, deserialised
//! leniently from Inspect's own shape (log format versions 1 to 3; version 3 pools messages, which are not kept): unknown fields
//! are ignored, numbers may be `"NaN"`/`"Infinity"` (see `nonfinite.rs`),
//! sample ids may be numbers or strings. Messages, events, inputs, outputs
//! and attachments are never kept, so a sample costs a few hundred bytes
//! however long its transcript; `attachment://` references in kept strings
//! are kept as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::score::ScoreValue;

/// A float that may be written as a number, `null` or one of the strings
/// `NaN`, `Infinity`, `-Infinity`.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(f64),
        S(String),
        Null(()),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None | Some(Raw::Null(())) => None,
        Some(Raw::N(n)) => Some(n),
        Some(Raw::S(s)) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
    })
}

/// An id or version written as a number or a string, kept as text.
pub(crate) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

fn opt_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = id_text(d)?;
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// The dataset an evaluation drew its samples from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetSpec {
    pub name: Option<String>,
    pub location: Option<String>,
    /// Samples in the dataset (before any limit).
    pub samples: Option<u64>,
}

/// Evaluation settings that change what the scores mean.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalConfig {
    /// Attempts per sample; Inspect's default is 1 when absent.
    pub epochs: Option<u32>,
    /// How Inspect reduced epochs to one value per sample (`mean`, …).
    #[serde(deserialize_with = "reducers")]
    pub epochs_reducer: Vec<String>,
    pub limit: Option<serde_json::Value>,
}

fn reducers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(a) => a
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map_or_else(|| other.to_string(), str::to_owned),
            })
            .collect(),
        serde_json::Value::String(s) => vec![s],
        _ => Vec::new(),
    })
}

/// A scorer as the task declared it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorerSpec {
    pub name: String,
}

/// What was evaluated: task, model, dataset, configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalSpec {
    pub eval_id: Option<String>,
    pub run_id: Option<String>,
    pub created: Option<String>,
    pub task: String,
    #[serde(deserialize_with = "opt_id_text")]
    pub task_version: Option<String>,
    pub task_id: Option<String>,
    pub model: String,
    pub dataset: DatasetSpec,
    pub config: EvalConfig,
    pub scorers: Option<Vec<ScorerSpec>>,
}

impl EvalSpec {
    /// Epochs per sample (1 when the log does not say).
    pub fn epochs(&self) -> u32 {
        self.config.epochs.unwrap_or(1)
    }
}

/// One metric Inspect computed (accuracy, stderr, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    #[serde(default)]
    pub name: String,
    /// None when Inspect wrote `null`; NaN stays NaN (serialised as null).
    #[serde(default, deserialize_with = "lenient_f64")]
    pub value: Option<f64>,
}

/// One scorer's results, as reduced by one reducer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalScore {
    pub name: String,
    #[serde(default)]
    pub scorer: String,
    #[serde(default)]
    pub reducer: Option<String>,
    #[serde(default)]
    pub scored_samples: Option<u64>,
    #[serde(default)]
    pub unscored_samples: Option<u64>,
    /// By metric name.
    #[serde(default)]
    pub metrics: BTreeMap<String, Metric>,
}

/// Inspect's own results: its metrics, shown beside ours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalResults {
    pub total_samples: u64,
    pub completed_samples: u64,
    pub scores: Vec<EvalScore>,
}

/// Tokens one model used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
    pub input_tokens_cache_read: Option<u64>,
    pub input_tokens_cache_write: Option<u64>,
    pub reasoning_tokens: Option<u64>,
}

/// Timing and usage of the whole evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalStats {
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    /// By model name.
    pub model_usage: BTreeMap<String, ModelUsage>,
}

/// An error Inspect recorded (for the evaluation or one sample).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalError {
    pub message: String,
}

/// The log's header: everything but the samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogHeader {
    pub version: u32,
    pub status: String,
    pub eval: EvalSpec,
    pub results: Option<EvalResults>,
    pub stats: Option<EvalStats>,
    pub error: Option<EvalError>,
    pub invalidated: Option<bool>,
}

/// One scorer's score of one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleScore {
    pub scorer: String,
    pub value: ScoreValue,
}

/// One sample at one epoch, reduced to what scoring needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Inspect's sample id as text (numbers as written).
    pub id: String,
    pub epoch: u32,
    /// In the log's scorer order.
    pub scores: Vec<SampleScore>,
    /// The message of the error the sample ended in, if any.
    pub error: Option<String>,
    /// By model name.
    pub model_usage: BTreeMap<String, ModelUsage>,
}

/// A sample as it is written (only the kept fields).
#[derive(Deserialize)]
pub(crate) struct RawSample {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default)]
    epoch: Option<u32>,
    #[serde(default)]
    scores: Option<Pairs<RawScore>>,
    #[serde(default)]
    error: Option<EvalError>,
    #[serde(default)]
    model_usage: Option<BTreeMap<String, ModelUsage>>,
}

#[derive(Deserialize)]
pub(crate) struct RawScore {
    #[serde(default)]
    value: serde_json::Value,
}

/// Ordered map entries as a list of pairs (keeps Inspect's scorer order).
mod pairs {
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    use std::marker::PhantomData;

    pub(crate) struct Pairs<V>(pub Vec<(String, V)>);

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V2<V>(PhantomData<V>);
            impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
                type Value = Pairs<V>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a map")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, V>()? {
                        out.push((k, v));
                    }
                    Ok(Pairs(out))
                }
            }
            d.deserialize_map(V2(PhantomData))
        }
    }
}

pub(crate) use pairs::Pairs;

impl RawSample {
    pub(crate) fn into_sample(self) -> Sample {
        Sample {
            id: self.id,
            epoch: self.epoch.unwrap_or(1),
            scores: self
                .scores
                .map(|p| p.0)
                .unwrap_or_default()
                .into_iter()
                .map(|(scorer, s)| SampleScore {
                    scorer,
                    value: ScoreValue::from_json(&s.value),
                })
                .collect(),
            error: self.error.map(|e| e.message),
            model_usage: self.model_usage.unwrap_or_default(),
        }
    }
}

/// Per-sample reduced values Inspect stored for one scorer (counted, not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reduction {
    pub scorer: String,
    pub reducer: Option<String>,
    pub samples: usize,
}

/// A sequence counted without keeping its elements.
pub(crate) struct Count(pub usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(V)
    }
}

/// One entry of `reductions` as written.
#[derive(Deserialize)]
pub(crate) struct RawReduction {
    #[serde(default)]
    scorer: String,
    #[serde(default)]
    reducer: Option<String>,
    #[serde(default)]
    samples: Option<Count>,
}

impl RawReduction {
    pub(crate) fn into_reduction(self) -> Reduction {
        Reduction {
            scorer: self.scorer,
            reducer: self.reducer,
            samples: self.samples.map_or(0, |c| c.0),
        }
    }
}
