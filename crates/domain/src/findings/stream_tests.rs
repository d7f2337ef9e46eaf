//! Streaming: a ~200 MB SARIF log generated lazily by a `Read` implementation (never in
//! memory as a whole) is read result by result; the sink sees every finding in order
//! while the generator is still producing later results.

use std::io::Read;

use super::*;

/// Yields `{"version":"2.1.0","runs":[{"tool":...,"results":[r0,r1,...]}]}` with `n`
/// results of about 650 bytes each, generating one result at a time.
struct LazySarif {
    n: u64,
    next: u64,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
    /// Bytes handed out so far (shared with the sink through a `Cell`).
    produced: std::rc::Rc<std::cell::Cell<u64>>,
}

const PADDING: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod \
tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud \
exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat duis aute irure dolor";

impl LazySarif {
    fn new(n: u64) -> Self {
        let head = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gen","rules":[{"id":"G1","properties":{"tags":["external/cwe/cwe-022"],"security-severity":"7.5"}}]}},"versionControlProvenance":[],"results":["#;
        LazySarif {
            n,
            next: 0,
            buf: head.as_bytes().to_vec(),
            pos: 0,
            done: false,
            produced: Default::default(),
        }
    }

    fn refill(&mut self) {
        self.buf.clear();
        self.pos = 0;
        if self.next < self.n {
            let i = self.next;
            let sep = if i == 0 { "" } else { "," };
            self.buf = format!(
                r#"{sep}{{"ruleId":"G1","ruleIndex":0,"message":{{"text":"finding {i}: {PADDING}\\n{PADDING}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/mod{m}/file{i}.rs"}},"region":{{"startLine":{l},"snippet":{{"text":"let x = {i};"}}}}}}}}]}}"#,
                m = i % 97,
                l = i % 5000 + 1,
            )
            .into_bytes();
            self.next += 1;
        } else if !self.done {
            self.buf = b"]}]}".to_vec();
            self.done = true;
        }
    }
}

impl Read for LazySarif {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.refill();
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.produced.set(self.produced.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn a_200_mb_sarif_log_is_read_result_by_result() {
    const N: u64 = 300_000;
    let reader = LazySarif::new(N);
    let produced = reader.produced.clone();
    let target = Target::parse("repo:https://example.org/x@abc").expect("target");
    let (mut seen, mut first_seen_at) = (0u64, None);
    let mut fingerprints = std::collections::HashSet::new();
    let summary = parse_stream(reader, FindingFormat::Sarif, Some(&target), &mut |item| {
        let Item::Finding(f) = item else {
            panic!("rejected: {item:?}")
        };
        assert_eq!(f.position, format!("runs[0].results[{seen}]"));
        assert_eq!(f.cwes, ["CWE-22"]);
        assert_eq!(f.severity, Some(Severity::High));
        if seen == 0 {
            first_seen_at = Some(produced.get());
        }
        fingerprints.insert(f.fingerprint);
        seen += 1;
    })
    .expect("parses");
    assert_eq!(summary.findings, N);
    assert_eq!(seen, N);
    assert_eq!(fingerprints.len() as u64, N);
    let total = produced.get();
    assert!(total > 190_000_000, "only {total} bytes generated");
    // The first finding reached the sink after well under 1 MB had been read: the
    // reader does not collect the document (or the run's results) first.
    let first = first_seen_at.expect("a finding");
    assert!(first < 1_000_000, "first finding after {first} bytes");
}

#[test]
fn results_before_metadata_are_held_back_within_the_budget() {
    // No versionControlProvenance: results are held back until the budget runs out,
    // then delivered; the count is unchanged.
    let mut doc = String::from(r#"{"runs":[{"tool":{"driver":{"name":"t"}},"results":["#);
    let n = 40_000;
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"ruleId":"R","message":{{"text":"{PADDING} {i}"}}}}"#
        ));
    }
    doc.push_str("]}]}");
    assert!(doc.len() > MAX_DEFERRED_BYTES / 2);
    let target = Target::parse("repo:x").expect("target");
    let mut positions = Vec::new();
    let summary = parse_stream(
        doc.as_bytes(),
        FindingFormat::Sarif,
        Some(&target),
        &mut |i| {
            if let Item::Finding(f) = i {
                positions.push(f.position);
            }
        },
    )
    .expect("parses");
    assert_eq!(summary.findings, n);
    for (i, p) in positions.iter().enumerate() {
        assert_eq!(*p, format!("runs[0].results[{i}]"));
    }
}

#[test]
fn a_held_back_result_gets_the_provenance_that_follows_it() {
    let doc = r#"{"runs":[{"tool":{"driver":{"name":"t"}},
        "results":[{"ruleId":"R","message":{"text":"held"}}],
        "versionControlProvenance":[{"repositoryUri":"https://example.org/r","revisionId":"abc"}]}]}"#;
    let mut targets = Vec::new();
    parse_stream(doc.as_bytes(), FindingFormat::Sarif, None, &mut |i| {
        if let Item::Finding(f) = i {
            targets.push(f.target);
        }
    })
    .expect("parses");
    assert_eq!(
        targets,
        vec![Target::Repository {
            url: "https://example.org/r".into(),
            revision: Some("abc".into()),
        }]
    );
}

#[test]
fn a_held_back_result_nested_too_deep_is_its_own_rejection() {
    // Held back as text, a result is parsed into a `Value` only when delivered,
    // where serde_json limits nesting: that result is rejected, the others are not.
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let doc = format!(
        r#"{{"runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[
            {{"ruleId":"R","message":{{"text":"one"}}}},
            {{"ruleId":"R","message":{{"text":"two"}},"properties":{{"x":{deep}}}}},
            {{"ruleId":"R","message":{{"text":"three"}}}}]}}]}}"#
    );
    let target = Target::parse("repo:x").expect("target");
    let mut items = Vec::new();
    parse_stream(
        doc.as_bytes(),
        FindingFormat::Sarif,
        Some(&target),
        &mut |i| items.push(i),
    )
    .expect("parses");
    let seen = described(&items);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0], "finding runs[0].results[0]");
    assert!(
        seen[1].starts_with("rejected runs[0].results[1]: not readable: recursion limit"),
        "{seen:?}"
    );
    assert_eq!(seen[2], "finding runs[0].results[2]");
}

#[test]
fn a_native_finding_nested_too_deep_is_its_own_rejection() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let doc = format!(
        r#"{{"clearinghouse_findings":"1.0","target":"repo:x","findings":[
            {{"title":"one"}},
            {{"title":"two","vendor_extension":{deep}}},
            {{"title":"three"}}]}}"#
    );
    let mut items = Vec::new();
    parse_stream(doc.as_bytes(), FindingFormat::Native, None, &mut |i| {
        items.push(i)
    })
    .expect("the document parses");
    let seen = described(&items);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0], "finding findings[0]");
    assert!(
        seen[1].starts_with("rejected findings[1]: not readable: recursion limit"),
        "{seen:?}"
    );
    assert_eq!(seen[2], "finding findings[2]");
}

/// Each item as `finding POSITION` or `rejected POSITION: MESSAGE`.
fn described(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            Item::Finding(f) => format!("finding {}", f.position),
            Item::Rejected(e) => format!("rejected {}: {}", e.position, e.message),
        })
        .collect()
}
