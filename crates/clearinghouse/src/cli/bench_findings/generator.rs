//! The input of `bench findings`: a SARIF 2.1.0 file of N results drawn
//! from the real results of the SARIF SDK and DefectDojo test data.
//!
//! The real files are read with the domain parser (`parse_stream`), which
//! gives each result's tool, rule, CWEs, severity, message, location and
//! snippet; distinct shapes (by the fields the fingerprint reads) are kept
//! per tool. The output has one run per tool, each run's share of the N
//! results proportional to its number of shapes, no
//! `versionControlProvenance` and no `fingerprints`/`partialFingerprints`,
//! so every result takes the default target and a computed fingerprint.
//!
//! Result `i` of a run is either a new *variant* of the run's shapes
//! (variant `k` = shape `k mod S` copied into service folder `k / S / 3`
//! with its lines moved by `(k / S mod 3) * 40`, the message following the
//! path) or, one time in three, an exact repeat of a variant already
//! written. One result in [`REJECT_EVERY`] carries an invalid
//! `properties.target` and is rejected by the intake. The fingerprint of
//! every accepted result is computed here with the domain's own
//! [`fingerprint`] and counted, so the expected numbers of new findings
//! and duplicates are exact, not estimates.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clearinghouse_domain::findings::{
    self, FindingFormat, Item, Location, Severity, Target, fingerprint, normalise_path,
};
use serde::Serialize;

/// One result in this many is made invalid (a rejection).
pub const REJECT_EVERY: u64 = 1000;
/// Messages longer than this are cut (at a character boundary).
const MAX_MESSAGE: usize = 2048;
/// Snippets longer than this are left out.
const MAX_SNIPPET: usize = 1024;

/// A rule of one tool.
struct RuleShape {
    id: String,
    cwes: Vec<String>,
}

/// One real result, as the fields the generator writes.
struct Shape {
    rule: usize,
    message: String,
    path: Option<String>,
    start_line: Option<u32>,
    end_line: Option<u32>,
    function: Option<String>,
    snippet: Option<String>,
    level: Option<&'static str>,
}

/// The shapes of one tool: one run of the output.
pub struct Tool {
    name: String,
    rules: Vec<RuleShape>,
    shapes: Vec<Shape>,
}

/// What the corpus gave.
pub struct Corpus {
    pub tools: Vec<Tool>,
    pub files: usize,
    pub results: u64,
}

impl Corpus {
    pub fn shapes(&self) -> usize {
        self.tools.iter().map(|t| t.shapes.len()).sum()
    }
}

/// What was written, with the exact numbers the intake must report.
#[derive(Debug, Clone)]
pub struct Generated {
    pub path: PathBuf,
    pub bytes: u64,
    pub runs: usize,
    pub results: u64,
    pub rejected: u64,
    /// Distinct fingerprints among the accepted results: the new findings.
    pub distinct: u64,
    pub duplicates: u64,
}

fn collect(dir: &Path, accept: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, accept, out);
        } else if accept(&p) {
            out.push(p);
        }
    }
}

/// The SARIF files of the corpus: every `.sarif` file of both collections
/// and DefectDojo's `.json` files named as SARIF.
fn corpus_files(data: &Path) -> Vec<PathBuf> {
    let ext = |p: &Path, e: &str| p.extension().is_some_and(|x| x.eq_ignore_ascii_case(e));
    let mut out = Vec::new();
    collect(
        &data.join("sarif-sdk-testdata"),
        &|p| ext(p, "sarif"),
        &mut out,
    );
    collect(
        &data.join("defectdojo-scans/unittests/scans"),
        &|p| {
            ext(p, "sarif")
                || (ext(p, "json")
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("sarif")))
        },
        &mut out,
    );
    out
}

fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn level(s: Option<Severity>) -> Option<&'static str> {
    Some(match s? {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
        Severity::None => "none",
    })
}

/// Reads the real SARIF results under `data` into shapes per tool.
pub fn load(data: &Path, target: &Target) -> anyhow::Result<Corpus> {
    let files = corpus_files(data);
    let mut tools: BTreeMap<String, Tool> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut results = 0u64;
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| file.display().to_string())?;
        if findings::detect(&bytes) != Some(FindingFormat::Sarif) {
            continue;
        }
        let mut items = Vec::new();
        // A file the parser stops reading still gave its earlier results.
        let _ = findings::parse_stream(&bytes[..], FindingFormat::Sarif, Some(target), &mut |i| {
            items.push(i)
        });
        for item in items {
            let Item::Finding(f) = item else { continue };
            results += 1;
            let Some(rule_id) = f.rule_id.filter(|r| !r.is_empty() && r.len() <= 200) else {
                continue;
            };
            let name = f.tool.unwrap_or_else(|| "unnamed tool".to_owned());
            let loc = f.location.unwrap_or_default();
            let snippet = f.evidence.filter(|s| s.len() <= MAX_SNIPPET);
            let key = format!(
                "{name}\0{rule_id}\0{:?}\0{:?}\0{:?}\0{:?}",
                loc.path, loc.start_line, loc.function, snippet
            );
            if !seen.insert(key) {
                continue;
            }
            let tool = tools.entry(name.clone()).or_insert_with(|| Tool {
                name,
                rules: Vec::new(),
                shapes: Vec::new(),
            });
            let rule = match tool.rules.iter().position(|r| r.id == rule_id) {
                Some(i) => i,
                None => {
                    tool.rules.push(RuleShape {
                        id: rule_id,
                        cwes: Vec::new(),
                    });
                    tool.rules.len() - 1
                }
            };
            for c in &f.cwes {
                if !tool.rules[rule].cwes.contains(c) {
                    tool.rules[rule].cwes.push(c.clone());
                }
            }
            let message = if f.description.trim().is_empty() {
                f.title.clone()
            } else {
                cut(&f.description, MAX_MESSAGE)
            };
            tool.shapes.push(Shape {
                rule,
                message,
                path: loc.path,
                start_line: loc.start_line,
                end_line: loc.end_line,
                function: loc.function,
                snippet,
                level: level(f.severity),
            });
        }
    }
    let tools: Vec<Tool> = tools
        .into_values()
        .filter(|t| !t.shapes.is_empty())
        .collect();
    if tools.is_empty() {
        anyhow::bail!(
            "no SARIF results under {}/sarif-sdk-testdata or {}/defectdojo-scans (use --data)",
            data.display(),
            data.display()
        );
    }
    Ok(Corpus {
        tools,
        files: files.len(),
        results,
    })
}

/// A deterministic generator (xorshift), so runs write the same file.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Region<'a> {
    #[serde(rename = "startLine")]
    start_line: u32,
    #[serde(rename = "endLine", skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text<'a>>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct PhysicalLocation<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    region: Region<'a>,
}

#[derive(Serialize)]
struct LogicalLocation<'a> {
    #[serde(rename = "fullyQualifiedName")]
    fully_qualified_name: &'a str,
}

#[derive(Serialize)]
struct ResultLocation<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation<'a>,
    #[serde(rename = "logicalLocations", skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
struct Properties<'a> {
    target: &'a str,
}

#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
    message: Text<'a>,
    locations: [ResultLocation<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RuleProperties>,
}

/// Variant `k` of a tool's shapes: its shape and where it is.
struct Variant<'t> {
    shape: &'t Shape,
    path: String,
    start_line: u32,
    end_line: Option<u32>,
    message: String,
}

const FOLDERS: &[&str] = &["services", "libs", "cmd", "internal", "tools", "web", "api"];

fn variant(tool: &Tool, k: u64) -> Variant<'_> {
    let s = tool.shapes.len() as u64;
    let shape = &tool.shapes[(k % s) as usize];
    let copy = k / s;
    let (folder, shift) = (copy / 3, (copy % 3) as u32 * 40);
    let base = shape.path.as_deref().unwrap_or("findings.txt");
    let path = format!(
        "{}/svc-{folder:05}/{}",
        FOLDERS[(folder % FOLDERS.len() as u64) as usize],
        base.trim_start_matches('/')
    );
    let message = match &shape.path {
        Some(p) if !p.is_empty() && shape.message.contains(p.as_str()) => {
            shape.message.replace(p.as_str(), &path)
        }
        _ => shape.message.clone(),
    };
    Variant {
        shape,
        start_line: shape.start_line.unwrap_or(1).saturating_add(shift),
        end_line: shape.end_line.map(|e| e.saturating_add(shift)),
        path,
        message,
    }
}

/// The fingerprint the parser will compute for a written variant.
fn expected_fingerprint(identity: &str, tool: &Tool, v: &Variant<'_>) -> anyhow::Result<[u8; 32]> {
    let location = Location {
        path: Some(normalise_path(&v.path)),
        start_line: Some(v.start_line),
        end_line: v.end_line,
        function: v.shape.function.clone(),
    };
    let fp = fingerprint(
        identity,
        Some(&tool.rules[v.shape.rule].id),
        Some(&location),
        v.shape.snippet.as_deref(),
        None,
    );
    let mut out = [0u8; 32];
    hex::decode_to_slice(&fp, &mut out).context("fingerprint is not hex")?;
    Ok(out)
}

/// Writes `n` results to `path`.
pub fn write(corpus: &Corpus, n: u64, target: &Target, path: &Path) -> anyhow::Result<Generated> {
    let file = std::fs::File::create(path).with_context(|| path.display().to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let identity = target.identity();
    let total_shapes = corpus.shapes() as u64;
    // Each tool's share, proportional to its shapes; the rounding to the largest.
    let mut shares: Vec<u64> = corpus
        .tools
        .iter()
        .map(|t| n * t.shapes.len() as u64 / total_shapes)
        .collect();
    let short = n - shares.iter().sum::<u64>();
    if let Some(i) = (0..shares.len()).max_by_key(|&i| corpus.tools[i].shapes.len()) {
        shares[i] += short;
    }
    let mut fingerprints: HashSet<[u8; 32]> = HashSet::with_capacity((n as usize) * 3 / 4);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut written, mut rejected, mut runs) = (0u64, 0u64, 0usize);
    out.write_all(
        br#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":["#,
    )?;
    for (tool, &share) in corpus.tools.iter().zip(&shares) {
        if share == 0 {
            continue;
        }
        if runs > 0 {
            out.write_all(b",")?;
        }
        runs += 1;
        let rules: Vec<RuleOut<'_>> = tool
            .rules
            .iter()
            .map(|r| RuleOut {
                id: &r.id,
                properties: (!r.cwes.is_empty()).then(|| RuleProperties {
                    tags: r
                        .cwes
                        .iter()
                        .map(|c| format!("external/cwe/{}", c.to_ascii_lowercase()))
                        .collect(),
                }),
            })
            .collect();
        out.write_all(br#"{"tool":{"driver":{"name":"#)?;
        serde_json::to_writer(&mut out, &tool.name)?;
        out.write_all(br#","rules":"#)?;
        serde_json::to_writer(&mut out, &rules)?;
        out.write_all(br#"}},"results":["#)?;
        let mut fresh = 0u64;
        for j in 0..share {
            written += 1;
            let reject = written % REJECT_EVERY == 0;
            let k = if !reject && fresh > 0 && rng.below(3) == 0 {
                rng.below(fresh)
            } else {
                fresh += 1;
                fresh - 1
            };
            let v = variant(tool, k);
            if reject {
                rejected += 1;
            } else {
                fingerprints.insert(expected_fingerprint(&identity, tool, &v)?);
            }
            let result = SarifResult {
                rule_id: &tool.rules[v.shape.rule].id,
                rule_index: v.shape.rule,
                level: v.shape.level,
                message: Text { text: &v.message },
                locations: [ResultLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: &v.path },
                        region: Region {
                            start_line: v.start_line,
                            end_line: v.end_line,
                            snippet: v.shape.snippet.as_deref().map(|text| Text { text }),
                        },
                    },
                    logical_locations: v
                        .shape
                        .function
                        .as_deref()
                        .map(|f| LogicalLocation {
                            fully_qualified_name: f,
                        })
                        .into_iter()
                        .collect(),
                }],
                properties: reject.then_some(Properties {
                    target: "not a target",
                }),
            };
            if j > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut out, &result)?;
            out.write_all(b"\n")?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"]}\n")?;
    out.flush()?;
    let bytes = out.get_ref().metadata()?.len();
    let distinct = fingerprints.len() as u64;
    Ok(Generated {
        path: path.to_owned(),
        bytes,
        runs,
        results: written,
        rejected,
        distinct,
        duplicates: written - rejected - distinct,
    })
}
