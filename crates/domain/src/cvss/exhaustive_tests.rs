//! Every Base vector of CVSS 3.0, 3.1 and 4.0 scored and compared with Red Hat's reference
//! implementation through a digest of all scores.

use sha2::{Digest, Sha256};

use super::*;

/// Enumerates every vector made of the version's Base metrics (values in table order,
/// the first metric varying slowest) and digests "VECTOR SCORE\n" lines with SHA-256.
///
/// The expected digests were made from Red Hat's reference implementation, the `cvss`
/// package 3.6 on PyPI, with the same enumeration:
///
/// ```python
/// import hashlib, itertools
/// from cvss import CVSS3, CVSS4
/// V3 = [("AV","NALP"),("AC","LH"),("PR","NLH"),("UI","NR"),("S","UC"),("C","HLN"),("I","HLN"),("A","HLN")]
/// V4 = [("AV","NALP"),("AC","LH"),("AT","NP"),("PR","NLH"),("UI","NPA")] + [(m,"HLN") for m in ("VC","VI","VA","SC","SI","SA")]
/// def run(prefixes, table, cls):
///     h = hashlib.sha256(); n = 0
///     for p in prefixes:
///         for combo in itertools.product(*[vals for _, vals in table]):
///             v = p + "/".join(f"{m}:{x}" for (m, _), x in zip(table, combo))
///             h.update(f"{v} {float(cls(v).base_score):.1f}\n".encode()); n += 1
///     return n, h.hexdigest()
/// print(run(["CVSS:3.0/", "CVSS:3.1/"], V3, CVSS3), run(["CVSS:4.0/"], V4, CVSS4))
/// ```
fn base_vectors(version: CvssVersion) -> Vec<String> {
    let table: Vec<&Metric> = version.metrics().iter().filter(|m| m.base).collect();
    let mut index = vec![0usize; table.len()];
    let mut out = Vec::new();
    loop {
        let body: Vec<String> = table
            .iter()
            .zip(&index)
            .map(|(m, &i)| format!("{}:{}", m.name, m.values[i]))
            .collect();
        out.push(format!("CVSS:{version}/{}", body.join("/")));
        // Odometer increment, last metric fastest.
        let mut k = table.len();
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            index[k] += 1;
            if index[k] < table[k].values.len() {
                break;
            }
            index[k] = 0;
        }
    }
}

fn digest(vectors: &[String]) -> String {
    let mut hasher = Sha256::new();
    for vector in vectors {
        let s = score(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
        assert_eq!(&s.vector, vector);
        assert_eq!(s.severity, severity_of(s.version, s.base_score));
        hasher.update(format!("{vector} {:.1}\n", s.base_score));
    }
    hex::encode(hasher.finalize())
}

#[test]
fn every_v3_base_vector_matches_the_reference() {
    let mut vectors = base_vectors(CvssVersion::V3_0);
    vectors.extend(base_vectors(CvssVersion::V3_1));
    assert_eq!(vectors.len(), 5184);
    let expected = "01920b9b721ce4d1e0cccb30946d181a2fad59d7716e6dfa74999d519d2cef6e";
    assert_eq!(digest(&vectors), expected);
}

#[test]
fn every_v4_base_vector_matches_the_reference() {
    let vectors = base_vectors(CvssVersion::V4_0);
    assert_eq!(vectors.len(), 104_976);
    let expected = "3e71127d206a943d510f7324d2d7fd463e43d947e834bf7d001df9779df3405f";
    assert_eq!(digest(&vectors), expected);
}

#[test]
fn cvss_v3_0_and_v3_1_base_scores_coincide() {
    // 3.1 redefined Roundup (Appendix A) to avoid floating-point artefacts such as
    // ceil(10 * 4.000000000000001) and changed the Environmental MS:C formula. Neither
    // changes any Base score: checked here for every Base vector.
    for v31 in base_vectors(CvssVersion::V3_1) {
        let v30 = v31.replacen("CVSS:3.1/", "CVSS:3.0/", 1);
        let (a, b) = (
            score(&v30).map(|s| s.base_score),
            score(&v31).map(|s| s.base_score),
        );
        assert_eq!(a, b, "{v31}");
    }
}
