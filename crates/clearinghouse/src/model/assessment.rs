//! An exposure's priority assessment as the API shows it, computed once
//! per distinct set of inputs and kept with its JSON text.
//!
//! The assessment is a pure function of what is known of the vulnerability
//! (CVSS vectors, EPSS, KEV, CISA's SSVC) and of the asset (reachable from
//! the internet, mission impact), and every exposure to one vulnerability
//! on assets alike shares it. Under `bench api` an exposure list page spent
//! about a sixth of its time computing the fifty assessments of its rows
//! (parsing vectors, scoring, the explanation's sentences) and writing
//! them out as JSON; a polled page now finds them here.
//!
//! The memo is keyed by the stored text of those inputs (see
//! [`InputsKey`]), bounded ([`CAPACITY`] entries; emptied when full, so
//! a working set larger than that costs what no memo did), and shared by
//! the process. Nothing in it depends on the clock or on who reads.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use clearinghouse_domain::priority::{self, Priority};
use serde::Serialize;
use serde_json::value::RawValue;

use super::exposure::PriorityInputs;

/// Distinct inputs kept; an entry is about 2 kB.
const CAPACITY: usize = 4096;

/// An exposure's priority: the domain's assessment with its JSON, or
/// `null` when there is nothing to assess it from.
#[derive(Debug, Clone, Default)]
pub struct Assessment(Option<Arc<Assessed>>);

#[derive(Debug)]
struct Assessed {
    priority: Priority,
    json: Box<RawValue>,
}

impl Serialize for Assessment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(a) => a.json.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

impl Assessment {
    /// The assessment of `inputs`, computed now.
    fn of(inputs: &PriorityInputs) -> Assessment {
        let priority = priority::assess(&inputs.vuln, &inputs.asset);
        // A `Priority` is strings, numbers and booleans, which serde_json
        // always writes (no map with non-string keys, no NaN it refuses).
        let json = serde_json::value::to_raw_value(&priority)
            .unwrap_or_else(|_| RawValue::NULL.to_owned());
        Assessment(Some(Arc::new(Assessed { priority, json })))
    }

    /// The assessment of the inputs `key` names: from the memo, or made
    /// by `inputs` (which reads them from their stored text) and kept.
    /// `None` from `inputs` means there is nothing to assess.
    pub fn memoized<E>(
        key: InputsKey,
        inputs: impl FnOnce() -> Result<Option<PriorityInputs>, E>,
    ) -> Result<Assessment, E> {
        if let Some(found) = lock().get(&key.0) {
            return Ok(Assessment(Some(found.clone())));
        }
        let Some(inputs) = inputs()? else {
            return Ok(Assessment::default());
        };
        let made = Assessment::of(&inputs);
        if let Some(a) = &made.0 {
            let mut memo = lock();
            if memo.len() >= CAPACITY {
                memo.clear();
            }
            memo.insert(key.0, a.clone());
        }
        Ok(made)
    }

    /// The domain's assessment, when there is one.
    pub fn priority(&self) -> Option<&Priority> {
        self.0.as_deref().map(|a| &a.priority)
    }
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Assessed>>> {
    static MEMO: LazyLock<Mutex<HashMap<String, Arc<Assessed>>>> =
        LazyLock::new(|| Mutex::new(HashMap::with_capacity(CAPACITY)));
    // A panic while holding the lock leaves a map of finished entries.
    MEMO.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The stored text of an assessment's inputs, each field written with its
/// length first so that no two different sets of inputs give one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputsKey(String);

impl InputsKey {
    pub fn new() -> InputsKey {
        InputsKey(String::with_capacity(160))
    }

    /// Adds one field: `None` and `Some("")` differ.
    pub fn text(mut self, value: Option<&str>) -> InputsKey {
        use std::fmt::Write;
        match value {
            None => self.0.push('n'),
            Some(v) => {
                let _ = write!(self.0, "{}:{v}", v.len());
            }
        }
        self
    }

    /// Adds one number field, by its exact bits.
    pub fn number(self, value: Option<f64>) -> InputsKey {
        self.field(value.map(f64::to_bits))
    }

    /// Adds one integer field.
    pub fn int(self, value: Option<i64>) -> InputsKey {
        self.field(value)
    }

    /// A number ends at its `;`, and `n` (none) starts none.
    fn field(mut self, value: Option<impl std::fmt::Display>) -> InputsKey {
        use std::fmt::Write;
        match value {
            None => self.0.push('n'),
            Some(v) => {
                let _ = write!(self.0, "{v};");
            }
        }
        self
    }
}

impl Default for InputsKey {
    fn default() -> Self {
        InputsKey::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearinghouse_domain::priority::{AssetFacts, VulnFacts};
    use clearinghouse_domain::ssvc::MissionWellbeing;

    fn inputs(vector: &str, kev: bool, public: bool) -> PriorityInputs {
        PriorityInputs {
            vuln: VulnFacts {
                cvss_vectors: vec![vector.to_owned()],
                epss: Some((0.42, 0.97)),
                in_kev: kev,
                kev_due_date: kev.then(|| "2026-12-20".to_owned()),
                kev_ransomware: false,
                ssvc: None,
            },
            asset: AssetFacts {
                publicly_exposed: public,
                mission_impact: MissionWellbeing::High,
            },
        }
    }

    #[test]
    fn a_memoized_assessment_is_the_one_computed_now() {
        let v = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        for (kev, public) in [(true, true), (true, false), (false, true), (false, false)] {
            let i = inputs(v, kev, public);
            let key = || {
                InputsKey::new()
                    .text(Some(v))
                    .int(Some(kev as i64))
                    .int(Some(public as i64))
                    .text(Some("memo-test"))
            };
            let first = Assessment::memoized::<()>(key(), || Ok(Some(i.clone()))).unwrap();
            let again = Assessment::memoized::<()>(key(), || panic!("computed again")).unwrap();
            let now = Assessment::of(&i);
            let json = |a: &Assessment| serde_json::to_string(a).unwrap();
            assert_eq!(json(&first), json(&now));
            assert_eq!(json(&again), json(&now));
            assert_eq!(
                again.priority().map(|p| p.rank),
                now.priority().map(|p| p.rank)
            );
        }
    }

    #[test]
    fn nothing_to_assess_is_null_and_not_kept() {
        let key = || InputsKey::new().text(None).text(Some("memo-test-none"));
        let none = Assessment::memoized::<()>(key(), || Ok(None)).unwrap();
        assert_eq!(serde_json::to_string(&none).unwrap(), "null");
        assert!(none.priority().is_none());
        let later = Assessment::memoized::<()>(key(), || {
            Ok(Some(inputs(
                "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
                false,
                false,
            )))
        })
        .unwrap();
        assert!(later.priority().is_some(), "a null was not kept");
    }

    #[test]
    fn keys_of_different_fields_differ() {
        let a = InputsKey::new().text(Some("ab")).text(Some("c"));
        let b = InputsKey::new().text(Some("a")).text(Some("bc"));
        let c = InputsKey::new().text(None).text(Some("abc"));
        let d = InputsKey::new().text(Some("")).text(Some("abc"));
        let e = InputsKey::new().int(Some(12)).int(Some(3));
        let f = InputsKey::new().int(Some(1)).int(Some(23));
        assert_ne!(a, b);
        assert_ne!(c, d);
        assert_ne!(e, f);
        let g = InputsKey::new().int(None).int(Some(5));
        let h = InputsKey::new().int(Some(-5)).int(None);
        assert_ne!(g, h);
        assert_ne!(
            InputsKey::new().number(Some(0.5)),
            InputsKey::new().number(Some(0.25))
        );
    }
}
