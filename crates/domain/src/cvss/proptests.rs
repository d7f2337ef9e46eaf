//! Property tests: [`score`] never panics, and every valid 3.1 or 4.0 vector (metrics in
//! any order, with any optional metrics) scores in 0.0..=10.0 with one decimal, the
//! severity of its score, and the same result from its normalised form.

use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::metrics::Metric;
use super::*;

/// A valid vector of `version`: every Base metric, each optional metric with
/// probability 1/2, any values, in any order.
fn vector(version: CvssVersion) -> impl Strategy<Value = String> {
    let table = version.metrics();
    let picks: Vec<_> = table
        .iter()
        .map(|m: &'static Metric| {
            let value = select(m.values.to_vec());
            let keep = if m.base {
                Just(true).boxed()
            } else {
                any::<bool>().boxed()
            };
            (value, keep).prop_map(move |(v, keep)| keep.then(|| format!("{}:{v}", m.name)))
        })
        .collect();
    picks
        .prop_map(|parts| parts.into_iter().flatten().collect::<Vec<String>>())
        .prop_shuffle()
        .prop_map(move |parts| format!("CVSS:{version}/{}", parts.join("/")))
}

fn check_valid(vector: &str, version: CvssVersion) -> Result<(), TestCaseError> {
    let s = score(vector).map_err(|e| TestCaseError::fail(format!("{vector}: {e}")))?;
    prop_assert_eq!(s.version, version);
    prop_assert!(
        (0.0..=10.0).contains(&s.base_score),
        "{} {}",
        vector,
        s.base_score
    );
    prop_assert_eq!((s.base_score * 10.0).round() / 10.0, s.base_score);
    prop_assert_eq!(s.severity, severity_of(version, s.base_score));
    prop_assert_eq!(score(&s.vector), Ok(s.clone()));
    prop_assert!(!s.vector.contains(":X"), "{}", s.vector);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cvss_score_never_panics_on_any_string(s in any::<String>()) {
        let _ = score(&s);
    }

    #[test]
    fn cvss_score_never_panics_on_vector_like_strings(
        prefix in select(vec!["CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/", "CVSS:", ""]),
        body in "([A-Z]{1,3}(:[A-Za-z]{0,6}){0,2}/?){0,40}",
    ) {
        let vector = format!("{prefix}{body}");
        if let Ok(s) = score(&vector) {
            prop_assert!((0.0..=10.0).contains(&s.base_score));
        }
    }

    #[test]
    fn cvss_valid_v31_vectors_score_in_range(v in vector(CvssVersion::V3_1)) {
        check_valid(&v, CvssVersion::V3_1)?;
    }

    #[test]
    fn cvss_valid_v30_vectors_score_like_v31(v in vector(CvssVersion::V3_0)) {
        check_valid(&v, CvssVersion::V3_0)?;
        let v31 = v.replacen("CVSS:3.0/", "CVSS:3.1/", 1);
        prop_assert_eq!(score(&v).map(|s| s.base_score), score(&v31).map(|s| s.base_score));
    }

    #[test]
    fn cvss_valid_v40_vectors_score_in_range(v in vector(CvssVersion::V4_0)) {
        check_valid(&v, CvssVersion::V4_0)?;
    }

    #[test]
    fn cvss_dropping_a_base_metric_is_rejected(v in vector(CvssVersion::V4_0), i in any::<Index>()) {
        let parts: Vec<&str> = v.split('/').collect();
        let name_of = |k: usize| parts[k].split(':').next().unwrap_or_default();
        let base: Vec<usize> = (1..parts.len())
            .filter(|&k| metrics::V4.iter().any(|m| m.base && m.name == name_of(k)))
            .collect();
        let drop = base[i.index(base.len())];
        let name = name_of(drop).to_owned();
        let rest: Vec<&str> = parts.iter().enumerate().filter(|(k, _)| *k != drop).map(|(_, p)| *p).collect();
        prop_assert_eq!(score(&rest.join("/")), Err(CvssError::MissingMetric { metric: name }));
    }
}
