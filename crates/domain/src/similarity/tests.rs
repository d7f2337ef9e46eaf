//! Paraphrased findings from two reporters score high, unrelated findings
//! low; precision and recall over every pair are printed; normalisation
//! cases; signature stability and storage.

use super::normalise::shingles;
use super::*;

/// One finding: title and description, and a code snippet when the tool gave one.
type Finding = (&'static str, Option<&'static str>);

const SQLI_SNIPPET: &str = "cursor.execute(\"SELECT * FROM users WHERE name = '\" + username + \"'\")\nreturn cursor.fetchone()";
const XSS_SNIPPET: &str =
    "return render_template_string('<h1>Hello ' + request.args.get('name') + '</h1>')";
const PATH_SNIPPET: &str =
    "path = os.path.join(UPLOAD_DIR, request.args['file'])\nreturn send_file(path)";
const YAML_SNIPPET: &str = "config = yaml.load(request.data)";
const CMD_SNIPPET: &str = "subprocess.call('ping -c 1 ' + host, shell=True)";
const PICKLE_SNIPPET: &str = "session = pickle.loads(base64.b64decode(cookie))";

/// Ten duplicates: the same bug as two tools (or a tool and a person) word it.
const DUPLICATES: [(Finding, Finding); 10] = [
    (
        (
            "SQL injection in get_user (app/db.py): user input concatenated into a SQL query string passed to cursor.execute",
            Some(SQLI_SNIPPET),
        ),
        (
            "Possible SQL injection vector through string-based query construction in getUser, app/db.py line 42",
            Some(SQLI_SNIPPET),
        ),
    ),
    (
        (
            "Reflected cross-site scripting (XSS) in the greeting handler: the name query parameter is rendered into HTML without escaping",
            Some(XSS_SNIPPET),
        ),
        (
            "Cross-site scripting: unescaped request parameter name rendered with render_template_string in greeting handler",
            Some(XSS_SNIPPET),
        ),
    ),
    (
        (
            "Path traversal in download endpoint: file parameter joined to UPLOAD_DIR allows reading arbitrary files",
            Some(PATH_SNIPPET),
        ),
        (
            "Directory traversal (CWE-22) in download: request.args file passed to os.path.join and send_file, arbitrary file read",
            Some(PATH_SNIPPET),
        ),
    ),
    (
        (
            "Unsafe YAML deserialization: yaml.load called on request data without SafeLoader in config upload",
            Some(YAML_SNIPPET),
        ),
        (
            "Use of unsafe yaml load. Allows instantiation of arbitrary objects. Consider yaml.safe_load() in config upload",
            Some(YAML_SNIPPET),
        ),
    ),
    (
        (
            "OS command injection in ping_host: host argument concatenated into a shell command run with shell=True",
            Some(CMD_SNIPPET),
        ),
        (
            "subprocess call with shell=True identified, command injection through the host parameter of pingHost",
            Some(CMD_SNIPPET),
        ),
    ),
    (
        (
            "Insecure deserialization of the session cookie with pickle.loads leads to remote code execution",
            Some(PICKLE_SNIPPET),
        ),
        (
            "Pickle library appears to be in use, deserializing untrusted session cookie data, possible remote code execution",
            Some(PICKLE_SNIPPET),
        ),
    ),
    (
        (
            "Hard-coded AWS secret access key in settings.py committed to the repository",
            None,
        ),
        (
            "AWS secret access key hard coded in settings.py in the repository history",
            None,
        ),
    ),
    (
        (
            "Server-side request forgery in the webhook preview: the url parameter is fetched by the server without an allow-list, reaching internal metadata endpoints",
            None,
        ),
        (
            "SSRF in webhook preview endpoint: server fetches an attacker-supplied url parameter, internal metadata endpoints reachable, no allow-list",
            None,
        ),
    ),
    (
        (
            "Missing authorization check on DELETE /api/projects/{id}: any authenticated user can delete another organisation's project",
            None,
        ),
        (
            "Broken access control: DELETE /api/projects/{id} deletes projects of another organisation for any authenticated user, no authorization check",
            None,
        ),
    ),
    (
        (
            "Outdated dependency: requests 2.19.1 is affected by CVE-2018-18074, Authorization header sent to HTTP redirect host",
            None,
        ),
        (
            "requests before 2.20.0 sends an HTTP Authorization header to an http URI upon receiving a same-hostname https-to-http redirect (CVE-2018-18074); installed 2.19.1",
            None,
        ),
    ),
];

/// Same place, different bug: must not be duplicates of the SQL injection.
const NEAR_MISSES: [Finding; 2] = [
    (
        "Cross-site scripting in get_user (app/db.py): user name returned in the HTML response without escaping",
        None,
    ),
    (
        "Missing rate limiting on the login endpoint allows password brute force",
        None,
    ),
];

fn sig(f: &Finding) -> Signature {
    signature(f.0, f.1)
}

#[test]
fn similarity_paraphrases_high_unrelated_low_with_precision_recall() {
    let mut findings: Vec<Finding> = Vec::new();
    for (a, b) in DUPLICATES {
        findings.push(a);
        findings.push(b);
    }
    findings.extend(NEAR_MISSES);
    let sigs: Vec<Signature> = findings.iter().map(sig).collect();
    let is_dup = |i: usize, j: usize| i / 2 == j / 2 && i < 2 * DUPLICATES.len();

    let mut dup_scores = Vec::new();
    let mut other_max: f64 = 0.0;
    for (i, a) in sigs.iter().enumerate() {
        for (j, b) in sigs.iter().enumerate().skip(i + 1) {
            let s = a.similarity(b);
            if is_dup(i, j) {
                println!("duplicate pair {}: {s:.2}", i / 2);
                dup_scores.push(s);
            } else {
                other_max = other_max.max(s);
            }
        }
    }
    let mean = dup_scores.iter().sum::<f64>() / dup_scores.len() as f64;
    println!(
        "duplicates: mean {mean:.2}, min {:.2}; highest non-duplicate {other_max:.2}",
        dup_scores.iter().copied().fold(1.0, f64::min)
    );

    for threshold in [0.2, 0.3, 0.4, 0.5] {
        let (p, r) = precision_recall(&sigs, &is_dup, |a, b| a.similarity(b) >= threshold);
        println!("similarity >= {threshold}: precision {p:.2}, recall {r:.2}");
    }
    let (p, r) = precision_recall(&sigs, &is_dup, |a, b| {
        let keys: HashSet<u64> = band_keys(a).into_iter().collect();
        band_keys(b).iter().any(|k| keys.contains(k))
    });
    println!("LSH candidates: precision {p:.2}, recall {r:.2}");

    let (p, r) = precision_recall(&sigs, &is_dup, |a, b| a.similarity(b) >= 0.5);
    assert!(
        p >= 0.9 && r >= 0.7,
        "precision {p:.2}, recall {r:.2} at 0.5"
    );
    assert!(other_max < 0.2, "an unrelated pair scored {other_max:.2}");
}

fn precision_recall(
    sigs: &[Signature],
    is_dup: &dyn Fn(usize, usize) -> bool,
    predict: impl Fn(&Signature, &Signature) -> bool,
) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (i, a) in sigs.iter().enumerate() {
        for (j, b) in sigs.iter().enumerate().skip(i + 1) {
            match (predict(a, b), is_dup(i, j)) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                (false, false) => {}
            }
        }
    }
    let precision = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
    (precision, tp / (tp + fn_))
}

#[test]
fn similarity_estimate_tracks_exact_jaccard() {
    let mut findings: Vec<Finding> = DUPLICATES.iter().flat_map(|(a, b)| [*a, *b]).collect();
    findings.extend(NEAR_MISSES);
    let sets: Vec<HashSet<u64>> = findings
        .iter()
        .map(|f| {
            shingles(f.0, f.1)
                .iter()
                .map(|s| hash64(s.as_bytes()))
                .collect()
        })
        .collect();
    let (mut err_sum, mut err_max, mut n) = (0.0, 0.0_f64, 0.0);
    for i in 0..findings.len() {
        for j in i + 1..findings.len() {
            let exact = sets[i].intersection(&sets[j]).count() as f64
                / sets[i].union(&sets[j]).count() as f64;
            let est = sig(&findings[i]).similarity(&sig(&findings[j]));
            err_sum += (est - exact).abs();
            err_max = err_max.max((est - exact).abs());
            n += 1.0;
        }
    }
    println!(
        "MinHash vs exact Jaccard over {n} pairs: mean abs error {:.3}, max {err_max:.3}",
        err_sum / n
    );
    assert!(err_sum / n < 0.03 && err_max < 0.15);
}

#[test]
fn similarity_normalise_cases() {
    let check = |text: &str, want: &str| assert_eq!(normalise(text).join(" "), want, "{text}");
    check("SQL Injection in getUserById!", "sql injection get user id");
    check(
        "sql_injection in get_user_by_id",
        "sql injection get user id",
    );
    check(
        "HTTPServer  parses   XMLHttpRequest",
        "http server parse xml http request",
    );
    check("CVE-2018-18074 in requests 2.19.1", "cve request");
    check(
        "Queries injected, injecting the injection",
        "query inject inject injection",
    );
    check(
        "The password is passed to the process",
        "password pass process",
    );
    check("", "");
    check("?!... 42 -- 7", "");
}

#[test]
fn similarity_code_tokens_ignore_layout() {
    let a = signature("", Some("cursor.execute( q )"));
    let b = signature("", Some("cursor . execute(q)"));
    assert_eq!(a, b);
    assert!(!a.is_empty());
}

#[test]
fn similarity_signature_is_stable_across_processes() {
    // Fixed values: a change here means stored signatures are stale and
    // SIGNATURE_VERSION must be bumped.
    let s = signature("SQL injection in get_user", Some("cursor.execute(q)"));
    let bytes = s.to_bytes();
    assert_eq!(bytes.len(), SIGNATURE_BYTES);
    assert_eq!(bytes[0], SIGNATURE_VERSION);
    let keys = band_keys(&s);
    assert_eq!(keys.len(), BANDS);
    assert!(keys.iter().all(|k| *k < 1 << 63));
    assert_eq!(
        (hex::encode(&bytes[1..9]), keys[0]),
        (EXPECTED_FIRST_SLOTS.to_owned(), EXPECTED_FIRST_KEY),
    );
}

const EXPECTED_FIRST_SLOTS: &str = "ae45930926050402";
const EXPECTED_FIRST_KEY: u64 = 1_029_653_501_760_950_219;

#[test]
fn similarity_empty_findings() {
    let e = signature("", None);
    assert!(e.is_empty());
    assert_eq!(signature("the of 123 !!", None), e);
    assert!(band_keys(&e).is_empty());
    let mut index = LshIndex::new();
    index.insert(1, &e);
    assert!(index.candidates(&e).is_empty());
    assert_eq!(e.similarity(&signature("sql injection", None)), 0.0);
}

#[test]
fn similarity_lsh_index_finds_duplicates() {
    let mut index = LshIndex::new();
    for (i, (a, _)) in DUPLICATES.iter().enumerate() {
        index.insert(i as u64, &sig(a));
    }
    assert_eq!(index.len(), DUPLICATES.len());
    let mut found = 0;
    for (i, (_, b)) in DUPLICATES.iter().enumerate() {
        let c = index.candidates(&sig(b));
        found += usize::from(c.contains(&(i as u64)));
        assert!(c.len() <= 2, "pair {i}: candidates {c:?}");
    }
    println!(
        "LSH index: {found} of {} duplicates found as candidates",
        DUPLICATES.len()
    );
    assert!(found >= 7);
}

#[test]
fn similarity_candidate_probability_curve() {
    for s in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] {
        println!(
            "Jaccard {s}: candidate with probability {:.3}",
            candidate_probability(s)
        );
    }
    assert!(candidate_probability(0.5) > 0.85);
    assert!(candidate_probability(0.6) > 0.98);
    assert!(candidate_probability(0.2) < 0.06);
}

#[test]
fn similarity_from_bytes_rejects_other_lengths_and_versions() {
    let bytes = signature("x y z", None).to_bytes();
    assert_eq!(
        Signature::from_bytes(&bytes[1..]),
        Err(SignatureError::Length(SIGNATURE_BYTES - 1))
    );
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert_eq!(Signature::from_bytes(&v2), Err(SignatureError::Version(2)));
    assert_eq!(Signature::from_bytes(&[]), Err(SignatureError::Length(0)));
}
